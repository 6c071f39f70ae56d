//! `railyard new train|release|turnover|itil-release` (issue 23, part 3): manifests filled
//! from the repository, checked before they are kept, and every refusal (nothing written).

mod common;

use std::path::Path;

use common::{copy_tree, git_repo, railyard, root, stdout};

const NOW: &str = "2026-11-25T09:00:00Z";
const RITA: &str = "rita.alvarez@acme.example";

/// `railyard new ARGS` on `dir`, as the person whose git email is `email` (none: no
/// identity).
fn new(dir: &Path, email: Option<&str>, args: &[&str]) -> std::process::Output {
    let home = tempfile::tempdir().expect("a home");
    let mut command = railyard();
    command
        .arg("new")
        .args(args)
        .args(["--now", NOW, "--repo"])
        .arg(dir)
        .env("HOME", home.path())
        .env_remove("EMAIL");
    if let Some(email) = email {
        command.env("GIT_AUTHOR_EMAIL", email);
    }
    command.output().expect("railyard runs")
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The files under `dir`, relative, sorted (`.git` left out).
fn files(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, at: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(at).expect("readable").flatten() {
            let path = entry.path();
            if path.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            if path.is_dir() {
                walk(base, &path, out);
            } else if let Ok(relative) = path.strip_prefix(base) {
                out.push(relative.display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// The refusal `expected` (exit 1) and no new file.
#[track_caller]
fn refused(dir: &Path, email: Option<&str>, args: &[&str], expected: &str) {
    let before = files(dir);
    let out = new(dir, email, args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(expected),
        "expected {expected:?} in:\n{}",
        stderr(&out)
    );
    assert_eq!(files(dir), before, "a refusal writes nothing");
}

/// The tour's repository: the sample in git, the test turnover deployed.
fn toured() -> tempfile::TempDir {
    let parent = tempfile::tempdir().expect("a temporary directory");
    let out = std::process::Command::new("bash")
        .arg(root().join("examples/tour.sh"))
        .arg(parent.path().join("tour"))
        .env("RAILYARD", env!("CARGO_BIN_EXE_railyard"))
        .output()
        .expect("bash runs the tour");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    parent
}

/// A plain-folder copy of the sample.
fn sample() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    copy_tree(&root().join("examples/acme"), dir.path());
    dir
}

#[test]
fn new_train_takes_the_template_and_the_manager_from_the_repository() {
    let parent = toured();
    let dir = parent.path().join("tour");
    let out = new(
        &dir,
        Some(RITA),
        &[
            "train",
            "2027-01",
            "--start",
            "2027-01-04",
            "--end",
            "2027-01-29",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!("new_train_output", stdout(&out));
    insta::assert_snapshot!(
        "new_train_file",
        std::fs::read_to_string(dir.join("trains/2027-01.yaml")).expect("the train")
    );
    for (args, expected) in [
        (vec!["train"], "name the new train"),
        (
            vec!["train", "2027-01"],
            "ReleaseTrain `2027-01` already exists (trains/2027-01.yaml)",
        ),
        (
            vec!["train", "2027-02", "--template", "monthy"],
            "there is no TrainTemplate `monthy` (did you mean `monthly`?)",
        ),
        (
            vec!["train", "2027-02", "--type", "huge"],
            "`huge` is not a train type",
        ),
        (
            vec!["train", "2027-02", "--manager", "ritta"],
            "`ritta` is not a member of any team (did you mean `rita`?)",
        ),
        (
            vec!["train", "2027-02", "--start", "2027-02-01"],
            "a schedule has both --start and --end",
        ),
        (
            vec![
                "train",
                "2027-02",
                "--start",
                "2027-02-10",
                "--end",
                "2027-02-01",
            ],
            "--end 2027-02-01 is before --start 2027-02-10",
        ),
        (vec!["train", "Feb"], "`Feb` is not a valid name"),
    ] {
        refused(&dir, Some(RITA), &args, expected);
    }
    refused(
        &dir,
        None,
        &["train", "2027-02"],
        "name the train's manager with --manager",
    );
}

#[test]
fn new_turnover_is_promoted_from_the_deployed_one_before_it() {
    let parent = toured();
    let dir = parent.path().join("tour");
    // Turnover/2026-12-test is deployed, and test promotes to staging.
    let out = new(
        &dir,
        None,
        &[
            "turnover",
            "2026-12-staging-2",
            "--train",
            "2026-12",
            "--environment",
            "staging",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!("new_turnover_promoted", stdout(&out));
    let text = std::fs::read_to_string(dir.join("turnovers/2026-12-staging-2.yaml"))
        .expect("the turnover");
    assert!(
        text.contains("  promotedFrom: \"2026-12-test\"\n"),
        "{text}"
    );
    assert!(text.contains("    - id: smoke-test\n"), "{text}");
    std::fs::remove_file(dir.join("turnovers/2026-12-staging-2.yaml")).expect("removed");
    refused(
        &dir,
        None,
        &["turnover", "--train", "2026-12", "--environment", "staging"],
        "Turnover `2026-12-staging` already exists",
    );
    refused(
        &dir,
        None,
        &["turnover", "--environment", "stagin", "x"],
        "there is no Environment `stagin` (did you mean `staging`?)",
    );
    refused(
        &dir,
        None,
        &["turnover", "--environment", "test"],
        "name the new turnover",
    );
    refused(
        &dir,
        None,
        &[
            "turnover",
            "t",
            "--environment",
            "test",
            "--template",
            "nope",
        ],
        "--template: there is no Turnover `nope`",
    );
}

#[test]
fn new_turnover_without_a_predecessor_copies_the_latest_on_its_environment() {
    let dir = sample();
    let out = new(
        dir.path(),
        None,
        &[
            "turnover",
            "2026-12-dev",
            "--train",
            "2026-12",
            "--environment",
            "dev",
            "--scheduled-at",
            "2026-12-02T08:00:00Z",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(
        said.contains("tasks copied from Turnover/api-3.1-dev (the latest on `dev`)"),
        "{said}"
    );
    assert!(
        said.contains("once committed, the next reconcile moves it to `awaiting-acceptance`"),
        "{said}"
    );
}

#[test]
fn new_release_reads_application_and_version_from_its_name() {
    let dir = sample();
    let out = new(
        dir.path(),
        None,
        &["release", "api-3.2", "--depends-on", "db-schema-58"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!("new_release_output", stdout(&out));
    insta::assert_snapshot!(
        "new_release_file",
        std::fs::read_to_string(dir.path().join("releases/api-3.2.yaml")).expect("the release")
    );
    refused(
        dir.path(),
        None,
        &["release", "web"],
        "give --application and --version",
    );
    refused(
        dir.path(),
        None,
        &["release", "web-5.0", "--train", "2026-1"],
        "--train: there is no ReleaseTrain `2026-1` (did you mean `2026-12`?)",
    );
    refused(
        dir.path(),
        None,
        &["release", "web-5.0", "--depends-on", "api-3.1,db-schema-59"],
        "--depends-on: there is no ApplicationRelease `db-schema-59`",
    );
}

#[test]
fn new_itil_release_copies_who_runs_it_from_a_template() {
    let repo = git_repo();
    copy_tree(&root().join("examples/acme"), repo.path());
    let out = new(
        repo.path(),
        Some("marco.bellini@acme.example"),
        &[
            "itil-release",
            "payments-gateway-2027",
            "--template",
            "payments-gateway-2026",
            "--title",
            "Gateway v3",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["object"], "Release/payments-gateway-2027");
    assert_eq!(json["phase"], "log");
    assert_eq!(
        json["blockedBy"],
        serde_json::json!([
            "`description` is not set: set `spec.description` in releases/payments-gateway-2027.yaml",
            "`reason` is not set: set `spec.reason` in releases/payments-gateway-2027.yaml",
            "`justification` is not set: set `spec.justification` in releases/payments-gateway-2027.yaml"
        ])
    );
    insta::assert_snapshot!(
        "new_itil_file",
        std::fs::read_to_string(repo.path().join("releases/payments-gateway-2027.yaml"))
            .expect("the release")
    );
    refused(
        repo.path(),
        None,
        &["itil-release", "x", "--release-type", "big"],
        "`big` is not a release type",
    );
}

#[test]
fn new_refuses_a_repository_that_does_not_validate() {
    let dir = sample();
    std::fs::write(
        dir.path().join("trains/broken.yaml"),
        "apiVersion: railyard/v1\nkind: ReleaseTrain\nmetadata: {name: broken}\nspec: {type: huge}\n",
    )
    .expect("written");
    refused(
        dir.path(),
        Some(RITA),
        &["release", "api-3.2"],
        "the repository does not validate (1 error;",
    );
}

#[test]
fn a_draft_that_would_not_validate_is_not_kept() {
    let dir = sample();
    // The template reserves production, which train 2026-12 holds over these dates.
    refused(
        dir.path(),
        Some(RITA),
        &[
            "train",
            "2026-12b",
            "--manager",
            "rita",
            "--start",
            "2026-12-01",
            "--end",
            "2026-12-20",
        ],
        "the ReleaseTrain drafted does not validate with the repository (reservation-overlap: environment `production` is reserved by trains `2026-12` and `2026-12b` over overlapping dates): nothing was kept",
    );
}
