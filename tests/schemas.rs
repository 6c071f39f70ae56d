//! The committed `schemas/` must be exactly what the model generates, and `railyard schema`
//! must write the same files.

mod common;

use common::{railyard, root};

#[test]
fn committed_schemas_match_the_model() {
    let dir = root().join("schemas");
    let generated = railyard::schemas::files(None);
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
    for (name, text) in railyard::schemas::files(None) {
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
    let loaded = railyard::load::read_worktree(&acme, None).expect("loads");
    assert!(loaded.documents.len() > 20);
    for document in &loaded.documents {
        let kind = document.kind.expect("a kind").as_str();
        let instance = document.root().to_json();
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

/// Every property of every schema has a description (what an editor shows on hover, and
/// what SchemaStore asks of a schema); `if` branches only select and are not properties.
#[test]
fn every_property_of_every_schema_is_described() {
    fn walk(node: &serde_json::Value, path: &str, missing: &mut Vec<String>) {
        match node {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::Object(properties)) = map.get("properties") {
                    for (name, property) in properties {
                        if property.get("description").is_none() {
                            missing.push(format!("{path}/properties/{name}"));
                        }
                    }
                }
                for (key, value) in map {
                    if key != "if" {
                        walk(value, &format!("{path}/{key}"), missing);
                    }
                }
            }
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, &format!("{path}/{i}"), missing);
                }
            }
            _ => {}
        }
    }
    let mut missing = Vec::new();
    for (name, text) in railyard::schemas::files(None) {
        let schema: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        walk(&schema, &format!("{name}#"), &mut missing);
    }
    assert!(
        missing.is_empty(),
        "{} properties without a description:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn base_url_gives_https_ids_and_a_catalog_entry() {
    let out = tempfile::tempdir().expect("a temporary directory");
    railyard()
        .args([
            "schema",
            "--base-url",
            "https://schemas.example.com/railyard/v1/",
            "--out",
        ])
        .arg(out.path())
        .assert()
        .success();
    let config: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("Config.json")).expect("written"),
    )
    .expect("JSON");
    assert_eq!(
        config["$id"],
        "https://schemas.example.com/railyard/v1/Config.json"
    );
    let catalog: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("catalog.json")).expect("catalog"),
    )
    .expect("JSON");
    assert_eq!(
        catalog["schemas"][0]["url"],
        "https://schemas.example.com/railyard/v1/Config.json"
    );
    assert_eq!(catalog["schemas"][0]["fileMatch"][0], "railyard.yaml");
    // Without --base-url the files keep their URNs and no catalog is written.
    let plain = tempfile::tempdir().expect("a temporary directory");
    railyard()
        .args(["schema", "--out"])
        .arg(plain.path())
        .assert()
        .success();
    assert!(!plain.path().join("catalog.json").exists());
    for bad in [
        "schemas.example.com",
        "https://",
        "https://x.example/a?b=c",
        "ftp://x",
    ] {
        let refused = railyard()
            .args(["schema", "--base-url", bad, "--out"])
            .arg(plain.path())
            .output()
            .expect("runs");
        assert_eq!(refused.status.code(), Some(2), "{bad}");
        assert!(
            String::from_utf8_lossy(&refused.stderr).contains("error: --base-url:"),
            "{bad}"
        );
    }
}
