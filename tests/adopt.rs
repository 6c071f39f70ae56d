//! Adopting railyard: `railyard init` scaffolds a repository that validates and never
//! overwrites; `railyard codeowners` gives approval records to the teams whose approvals they
//! are, `--write` keeps a file's own lines, `--check` fails when it is out of date.

mod common;

use common::{APPROVAL, commit, git_repo, railyard, stdout};

#[test]
fn init_scaffolds_a_repository_that_validates_and_never_overwrites() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("releases");
    let created = railyard()
        .args(["init", "--repo"])
        .arg(&root)
        .output()
        .expect("runs");
    assert_eq!(created.status.code(), Some(0));
    let said = stdout(&created);
    for path in [
        "railyard.yaml",
        "teams/release-managers.yaml",
        "environments/production.yaml",
        "trains/monthly-template.yaml",
        ".github/workflows/railyard.yml",
        ".github/CODEOWNERS",
    ] {
        assert!(said.contains(&format!("created {path}\n")), "{said}");
        assert!(root.join(path).is_file(), "{path}");
    }
    assert_eq!(
        std::fs::read_to_string(root.join(".github/workflows/railyard.yml")).expect("workflow"),
        std::fs::read_to_string(common::root().join("examples/github/railyard.yml"))
            .expect("example"),
    );
    let validated = railyard()
        .args(["validate", "--repo"])
        .arg(&root)
        .output()
        .expect("runs");
    assert_eq!(
        stdout(&validated),
        "ok: 8 manifests in 8 files, no problems\n"
    );
    // A second init, after an edit: refused, nothing written.
    std::fs::write(root.join("railyard.yaml"), "# mine\n").expect("edit");
    std::fs::remove_file(root.join("teams/executives.yaml")).expect("remove");
    let again = railyard()
        .args(["init", "--repo"])
        .arg(&root)
        .output()
        .expect("runs");
    assert_eq!(again.status.code(), Some(2));
    let error = String::from_utf8_lossy(&again.stderr);
    assert!(
        error.contains("already has railyard.yaml, teams/release-managers.yaml"),
        "{error}"
    );
    assert!(error.contains("nothing was written"), "{error}");
    assert_eq!(
        std::fs::read_to_string(root.join("railyard.yaml")).expect("kept"),
        "# mine\n"
    );
    assert!(
        !root.join("teams/executives.yaml").exists(),
        "no partial scaffold"
    );
}

const REPO: &str = r#"apiVersion: railyard/v1
kind: Team
metadata: {name: release-managers}
spec: {members: [{id: rita, emails: [rita@example.com], github: rita-gh}, {id: marco, emails: [marco@example.com], github: marco-gh}]}
---
apiVersion: railyard/v1
kind: ReleaseTrain
metadata: {name: q4}
spec: {type: minor, manager: rita}
"#;

#[test]
fn codeowners_write_and_check_keep_approvals_with_their_teams() {
    let repo = git_repo();
    let dir = repo.path();
    commit(
        dir,
        &[
            ("releases/repo.yaml", REPO),
            ("releases/approvals/q4-train.yaml", APPROVAL),
            (".github/CODEOWNERS", "* @platform-team\n"),
        ],
        "rita",
        "2026-11-01T10:00:00Z",
    );
    let root = dir.join("releases");
    let run = |args: &[&str]| {
        railyard()
            .arg("codeowners")
            .args(args)
            .arg("--repo")
            .arg(&root)
            .output()
            .expect("runs")
    };
    let printed = stdout(&run(&[]));
    assert!(
        printed.contains("\n/releases/approvals/q4-train.yaml @marco-gh @rita-gh\n"),
        "paths start at the git repository's top: {printed}"
    );
    let stale = run(&["--check"]);
    assert_eq!(stale.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&stale.stderr).contains("is out of date"));
    let wrote = run(&["--write"]);
    assert_eq!(wrote.status.code(), Some(0));
    // The record is not at the path convention: a pull request adding one like it would ask
    // no owner, and railyard says so.
    assert!(
        String::from_utf8_lossy(&wrote.stderr).contains(
            "warning: approvals/q4-train.yaml is outside the path convention (approvals/<Kind>/<name>/<gate or criterion>-<member>.yaml"
        ),
        "{}",
        String::from_utf8_lossy(&wrote.stderr)
    );
    let written = std::fs::read_to_string(dir.join(".github/CODEOWNERS")).expect("written");
    assert!(
        written.starts_with("* @platform-team\n\n# railyard:begin"),
        "{written}"
    );
    // What trust depends on, and records not written yet, have owners.
    for line in [
        "/releases/railyard.yaml @marco-gh @rita-gh\n",
        "/releases/teams/ @marco-gh @rita-gh\n",
        "/releases/status/ @marco-gh @rita-gh\n",
        "/releases/approvals/ReleaseTrain/*/train-* @marco-gh @rita-gh\n",
    ] {
        assert!(written.contains(line), "{line}{written}");
    }
    assert!(written.ends_with(&printed), "{written}");
    assert_eq!(run(&["--check"]).status.code(), Some(0));
    // A new approval record: out of date again, until written.
    common::write(
        &root,
        "approvals/q4-again.yaml",
        APPROVAL.replace("q4-train", "q4-again").as_bytes(),
    );
    assert_eq!(run(&["--check"]).status.code(), Some(1));
    assert_eq!(run(&["--write"]).status.code(), Some(0));
    assert_eq!(run(&["--check"]).status.code(), Some(0));
    let written = std::fs::read_to_string(dir.join(".github/CODEOWNERS")).expect("written");
    assert_eq!(written.matches("# railyard:begin").count(), 1, "{written}");
    assert!(written.contains("/releases/approvals/q4-again.yaml @marco-gh @rita-gh\n"));
}
