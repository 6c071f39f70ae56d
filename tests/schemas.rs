//! The committed `schemas/` must be exactly what the model generates, and `railyard schema`
//! must write the same files.

mod common;

use common::{railyard, root};

#[test]
fn committed_schemas_match_the_model() {
    let dir = root().join("schemas");
    let generated = railyard::schema::files();
    for (name, text) in &generated {
        let committed = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        assert!(
            committed == *text,
            "schemas/{name} is out of date: run `cargo run -- schema --out schemas` and commit the result"
        );
    }
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .expect("schemas/ exists")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    on_disk.sort();
    let mut expected: Vec<String> = generated.into_iter().map(|(name, _)| name).collect();
    expected.sort();
    assert_eq!(
        on_disk, expected,
        "schemas/ holds files the model does not generate"
    );
}

#[test]
fn schema_command_writes_every_file() {
    let out = tempfile::tempdir().expect("a temporary directory");
    railyard()
        .args(["schema", "--out"])
        .arg(out.path())
        .assert()
        .success();
    for (name, text) in railyard::schema::files() {
        let written = std::fs::read_to_string(out.path().join(&name)).expect("written");
        assert_eq!(written, text, "{name}");
    }
    let printed = railyard().arg("schema").output().expect("runs");
    let any: serde_json::Value = serde_json::from_slice(&printed.stdout).expect("JSON on stdout");
    assert_eq!(any["$id"], "urn:railyard:schema:v1:manifest");
}

#[test]
fn the_sample_repository_validates_against_the_committed_schemas() {
    // The modelines in examples/acme point at these files; every document must pass the
    // schema of its kind as an editor would check it.
    let validator = |kind: &str| {
        let text = std::fs::read_to_string(root().join("schemas").join(format!("{kind}.json")))
            .expect("schema");
        let schema: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("compiles")
    };
    let acme = root().join("examples/acme");
    let loaded = railyard::load::read_worktree(&acme).expect("loads");
    assert!(loaded.documents.len() > 20);
    for document in &loaded.documents {
        let kind = document.kind.expect("a kind").as_str();
        let instance = document.root.to_json();
        assert!(
            validator(kind).is_valid(&instance),
            "{} against {kind}.json",
            document.path
        );
        assert!(
            validator("manifest").is_valid(&instance),
            "{} against manifest.json",
            document.path
        );
    }
}
