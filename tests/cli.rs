//! `railyard validate` end to end: the sample repository, the output formats, exit codes, and
//! every kind of bad input of SPEC §10.

mod common;

use common::{codes, railyard, repo, root, stdout};

const TEAM: &str = "apiVersion: railyard/v1\nkind: Team\nmetadata:\n  name: developers\nspec:\n  members:\n    - id: dan\n      emails: [dan@example.com]\n";

#[test]
fn the_sample_repository_is_clean() {
    let output = railyard()
        .arg("validate")
        .arg("--repo")
        .arg(root().join("examples/acme"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let text = stdout(&output);
    assert!(text.starts_with("ok: "), "{text}");
    assert!(text.contains("no problems"), "{text}");
}

#[test]
fn validate_uses_the_current_directory_by_default() {
    railyard()
        .arg("validate")
        .current_dir(root().join("examples/acme"))
        .assert()
        .success();
}

#[test]
fn json_lists_every_problem_with_its_place() {
    let dir = repo(&[
        ("teams/a.yaml", TEAM.replace("emails", "emial").as_bytes()),
        (
            "teams/b.yaml",
            b"apiVersion: railyard/v1\nkind: Team\nmetadata: {name: B}\nspec: {members: []}\n",
        ),
    ]);
    let output = railyard()
        .args(["validate", "--format", "json", "--repo"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let diagnostics = json["diagnostics"].as_array().expect("list");
    let summary: Vec<(String, String, u64, u64)> = diagnostics
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["file"].as_str().unwrap_or_default().to_string(),
                d["line"].as_u64().unwrap_or_default(),
                d["column"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "missing-field".to_string(),
                "teams/a.yaml".to_string(),
                7,
                7
            ),
            (
                "unknown-field".to_string(),
                "teams/a.yaml".to_string(),
                8,
                7
            ),
            (
                "invalid-name".to_string(),
                "teams/b.yaml".to_string(),
                3,
                18
            ),
        ]
    );
    assert_eq!(diagnostics[1]["hint"], "did you mean `emails`?");
    assert_eq!(diagnostics[1]["severity"], "error");
}

#[test]
fn github_format_prints_annotations_and_a_job_summary() {
    let dir = repo(&[("teams/a.yaml", TEAM.replace("emails", "emial").as_bytes())]);
    let summary = tempfile::NamedTempFile::new().expect("a temporary file");
    let output = railyard()
        .args(["validate", "--format", "github", "--repo"])
        .arg(dir.path())
        .env("GITHUB_STEP_SUMMARY", summary.path())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.contains("::error file=teams/a.yaml,line=8,col=7,title=unknown-field::unknown field `emial` in `spec.members[0]`%0Ahelp: did you mean `emails`?"),
        "{text}"
    );
    let markdown = std::fs::read_to_string(summary.path()).expect("summary written");
    assert!(
        markdown.contains("| ❌ | `unknown-field` | `teams/a.yaml:8:7` |"),
        "{markdown}"
    );
}

#[test]
fn human_format_shows_the_source_line() {
    let dir = repo(&[("teams/a.yaml", TEAM.replace("emails", "emial").as_bytes())]);
    let output = railyard()
        .arg("validate")
        .arg("--repo")
        .arg(dir.path())
        .output()
        .expect("runs");
    insta::assert_snapshot!(stdout(&output));
}

#[test]
fn usage_and_io_errors_exit_2() {
    railyard()
        .args(["validate", "--repo", "/nonexistent/railyard"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no such directory"));
    railyard()
        .args(["validate", "--format", "xml"])
        .assert()
        .code(2);
    railyard()
        .args(["validate", "--now", "yesterday"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("RFC 3339"));
    railyard().arg("frobnicate").assert().code(2);
    let file = tempfile::NamedTempFile::new().expect("a file");
    railyard()
        .arg("validate")
        .arg("--repo")
        .arg(file.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a directory"));
}

/// A case of bad input: its name, the repository's files, the codes `validate` must report.
type Case<'a> = (&'a str, Vec<(&'a str, Vec<u8>)>, Vec<&'a str>);

/// Each case: files of a repository, and the codes `validate` must report (exit 1).
#[test]
fn bad_input_gets_located_diagnostics_never_a_crash() {
    let deep_flow = format!("a: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let deep_block: String = (0..1_000)
        .map(|i| format!("{}k:\n", " ".repeat(i)))
        .collect();
    let bomb = {
        let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..12 {
            text.push_str(&format!(
                "a{i}: &a{i} [{}]\n",
                vec![format!("*a{}", i - 1); 10].join(", ")
            ));
        }
        text
    };
    let huge = format!("{TEAM}#{}\n", "x".repeat(2 * 1024 * 1024));
    let cases: Vec<Case<'_>> = vec![
        ("invalid YAML", vec![("a.yaml", b"kind: [Team\n".to_vec())], vec!["yaml-syntax"]),
        ("tab indentation", vec![("a.yaml", b"kind: Team\n\tmetadata: x\n".to_vec())], vec!["yaml-syntax"]),
        ("non-UTF-8", vec![("a.yaml", b"kind: Team\nname: \xc3\x28\n".to_vec())], vec!["not-utf8"]),
        ("UTF-16", vec![("a.yaml", b"\xff\xfek\x00i\x00".to_vec())], vec!["not-utf8"]),
        ("duplicate keys", vec![("a.yaml", TEAM.replace("spec:", "kind: Team\nspec:").into_bytes())], vec!["yaml-duplicate-key"]),
        ("alias bomb", vec![("a.yaml", bomb.into_bytes())], vec!["yaml-alias-limit"]),
        ("10,000 deep flow", vec![("a.yaml", deep_flow.into_bytes())], vec!["yaml-too-deep"]),
        ("1,000 deep block (10,000 would be 50 MB)", vec![("a.yaml", deep_block.into_bytes())], vec!["yaml-too-deep"]),
        ("huge file", vec![("a.yaml", huge.into_bytes())], vec!["file-too-large"]),
        ("name with a slash", vec![("a.yaml", TEAM.replace("name: developers", "name: a/b").into_bytes())], vec!["invalid-name"]),
        ("name with dots", vec![("a.yaml", TEAM.replace("name: developers", "name: ..").into_bytes())], vec!["invalid-name"]),
        ("empty file", vec![("a.yaml", Vec::new())], vec!["empty-file"]),
        ("only a separator", vec![("a.yaml", b"---\n...\n".to_vec())], vec!["empty-file"]),
        ("no manifests", vec![("README.md", b"nothing here".to_vec())], vec!["no-manifests"]),
        ("yes/no/on stay strings", vec![("a.yaml", b"apiVersion: railyard/v1\nkind: Environment\nmetadata: {name: on}\nspec: {tier: no}\n".to_vec())], vec!["invalid-value"]),
        ("a number for a string", vec![("a.yaml", b"apiVersion: railyard/v1\nkind: ApplicationRelease\nmetadata: {name: x}\nspec: {application: x, version: 1.10}\n".to_vec())], vec!["wrong-type"]),
        ("a reference to nothing", vec![("a.yaml", b"apiVersion: railyard/v1\nkind: Environment\nmetadata: {name: x}\nspec: {tier: test, owners: ghosts}\n".to_vec())], vec!["unresolved-reference"]),
        ("a scalar document", vec![("a.yaml", b"just text\n".to_vec())], vec!["not-a-manifest"]),
        ("a BOM is fine", vec![("a.yaml", [b"\xef\xbb\xbf".as_slice(), TEAM.as_bytes()].concat())], vec![]),
    ];
    for (name, files, expected) in cases {
        let borrowed: Vec<(&str, &[u8])> = files.iter().map(|(p, b)| (*p, b.as_slice())).collect();
        let dir = repo(&borrowed);
        let (found, exit) = codes(dir.path());
        assert_eq!(found, expected, "{name}");
        assert_eq!(exit, if expected.is_empty() { 0 } else { 1 }, "{name}");
    }
}

#[test]
fn a_git_repository_without_commits_validates_its_working_tree() {
    let dir = repo(&[("teams/developers.yaml", TEAM.as_bytes())]);
    let status = std::process::Command::new("git")
        .args(["init", "-q", "-b", "main"])
        .current_dir(dir.path())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .expect("git runs");
    assert!(status.success());
    let (found, exit) = codes(dir.path());
    assert_eq!((found, exit), (vec![], 0));
}

#[test]
fn ignored_hidden_and_status_files_are_not_manifests() {
    let dir = repo(&[
        ("teams/developers.yaml", TEAM.as_bytes()),
        (".github/workflows/ci.yaml", b"on: push\n"),
        ("status/Team/developers.yaml", b"phase: x\n"),
        ("build/out.yaml", b"not: [valid\n"),
        (".gitignore", b"build/\n"),
        ("notes.txt", b"kind: nonsense"),
    ]);
    std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir.path())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .status()
        .expect("git runs");
    assert_eq!(codes(dir.path()), (vec![], 0));
}

#[test]
fn manifests_globs_in_the_config_choose_the_files() {
    let config = b"apiVersion: railyard/v1\nkind: Config\nmetadata: {name: repo}\nspec:\n  manifests: [\"release/**/*.yaml\"]\n";
    let dir = repo(&[
        ("railyard.yaml", config.as_slice()),
        ("release/teams/developers.yaml", TEAM.as_bytes()),
        ("other/broken.yaml", b"not: [valid\n"),
    ]);
    assert_eq!(codes(dir.path()), (vec![], 0));
}
