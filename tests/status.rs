//! `railyard status`: the committed status of every object on the configured branch, read
//! from its tree (never the working tree), filtered by kind, blocked and overdue.

mod common;

use std::path::Path;

use common::{commit, copy_tree, git, git_repo, railyard, reconcile_at, root, stdout};

const NOW: &str = "2026-11-25T12:00:00Z";

/// `examples/acme` committed by one person, and reconciled once at [`NOW`].
fn reconciled_sample() -> tempfile::TempDir {
    let repo = git_repo();
    copy_tree(&root().join("examples/acme"), repo.path());
    git(repo.path(), &["add", "-A"], "ann", "2026-11-20T09:00:00Z");
    git(
        repo.path(),
        &["commit", "-q", "-m", "the sample"],
        "ann",
        "2026-11-20T09:00:00Z",
    );
    reconcile_at(repo.path(), NOW, "the first reconcile");
    repo
}

/// `railyard status` with `args` on `dir`: stdout, with the commit id it names made
/// stable, and the exit code.
fn status(dir: &Path, args: &[&str]) -> (String, i32) {
    let output = railyard()
        .arg("status")
        .args(args)
        .arg("--repo")
        .arg(dir)
        .output()
        .expect("railyard runs");
    let text = stdout(&output);
    let stable = match text.rsplit_once(" at ") {
        Some((before, after)) if after.len() >= 12 => {
            format!("{before} at <commit>{}", &after[12..])
        }
        _ => text,
    };
    (stable, output.status.code().unwrap_or(-1))
}

/// Asserts that `output` is a refusal: exit 2, and `why` on stderr.
fn refused(output: &std::process::Output, why: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(why), "{stderr}");
}

#[test]
fn the_table_shows_every_object_s_committed_phase_and_what_blocks_it() {
    let repo = reconciled_sample();
    let (table, code) = status(repo.path(), &[]);
    assert_eq!(code, 0);
    insta::assert_snapshot!(table);
}

#[test]
fn filters_by_kind_blocked_and_overdue() {
    let repo = reconciled_sample();
    let (turnovers, _) = status(repo.path(), &["--kind", "Turnover", "--blocked"]);
    let rows: Vec<&str> = turnovers
        .lines()
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(rows.len(), 4, "{turnovers}");
    assert!(
        rows.iter().all(|r| r.starts_with("Turnover/")),
        "{turnovers}"
    );
    let output = railyard()
        .args(["status", "--overdue", "--format", "json", "--repo"])
        .arg(repo.path())
        .output()
        .expect("runs");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let objects = json["objects"].as_array().expect("a list");
    assert_eq!(objects.len(), 1, "{json}");
    assert_eq!(objects[0]["kind"], "ReleaseTrain");
    assert_eq!(objects[0]["standing"], "overdue");
    assert_eq!(json["branch"], "main");
}

#[test]
fn it_reads_the_branch_not_the_working_tree_and_names_what_is_not_reconciled() {
    let repo = reconciled_sample();
    let (before, _) = status(repo.path(), &[]);
    // An edit not committed changes nothing.
    let train = repo.path().join("trains/2026-12.yaml");
    let text = std::fs::read_to_string(&train).expect("the train");
    std::fs::write(&train, text.replace("2026-12", "2027-01")).expect("written");
    assert_eq!(status(repo.path(), &[]).0, before);
    git(repo.path(), &["checkout", "--", "."], "ann", NOW);
    // A turnover committed since the last reconcile has no status yet.
    let turnover = std::fs::read_to_string(repo.path().join("turnovers/api-hotfix-dev.yaml"))
        .expect("a turnover")
        .replace("name: api-3.1-dev", "name: api-3.1-qa");
    commit(
        repo.path(),
        &[("turnovers/api-3.1-qa.yaml", &turnover)],
        "ann",
        "2026-11-26T09:00:00Z",
    );
    let (after, code) = status(repo.path(), &["--kind", "Turnover"]);
    assert_eq!(code, 0);
    let row = after
        .lines()
        .find(|l| l.starts_with("Turnover/api-3.1-qa "))
        .expect("a row for the new turnover");
    assert!(row.contains("not reconciled"), "{row}");
    assert!(after.contains("run `railyard reconcile`"), "{after}");
}

#[test]
fn a_status_file_edited_by_hand_is_not_shown_as_status() {
    let repo = reconciled_sample();
    let path = repo.path().join("status/Turnover/api-3.1-dev.yaml");
    let text = std::fs::read_to_string(&path).expect("a status file");
    commit(
        repo.path(),
        &[(
            "status/Turnover/api-3.1-dev.yaml",
            &text.replace("phase: awaiting-acceptance", "phase: deployed"),
        )],
        "mallory",
        "2026-11-26T09:00:00Z",
    );
    let (table, _) = status(repo.path(), &["--kind", "Turnover"]);
    let row = table
        .lines()
        .find(|l| l.starts_with("Turnover/api-3.1-dev"))
        .expect("its row");
    assert!(
        row.contains("edited by hand") && !row.contains("deployed"),
        "{row}"
    );
}

#[test]
fn bad_input_exits_2_with_the_reason() {
    let repo = reconciled_sample();
    let run = |args: &[&str], dir: &Path| {
        railyard()
            .arg("status")
            .args(args)
            .arg("--repo")
            .arg(dir)
            .output()
            .expect("runs")
    };
    refused(
        &run(&["--kind", "turnover"], repo.path()),
        "did you mean `Turnover`",
    );
    refused(
        &run(&["--kind", "Team"], repo.path()),
        "`Team` is not a kind with a status",
    );
    let plain = tempfile::tempdir().expect("a folder");
    refused(&run(&[], plain.path()), "not inside a git repository");
    let empty = git_repo();
    refused(&run(&[], empty.path()), "no commits");
}

/// `railyard status --waiting-for WHO` on `dir`, with no git identity from outside the
/// repository (no user or system config, no `$EMAIL`).
fn waiting_for(dir: &Path, who: &str) -> std::process::Output {
    let home = tempfile::tempdir().expect("a home");
    railyard()
        .args(["status", "--now", NOW, "--waiting-for", who, "--repo"])
        .arg(dir)
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .env_remove("EMAIL")
        .output()
        .expect("railyard runs")
}

/// The rows of a table: (object, what waits).
fn rows(output: &std::process::Output) -> Vec<(String, String)> {
    stdout(output)
        .lines()
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(|l| {
            let object = l.split_whitespace().next().unwrap_or_default().to_string();
            let waits = l.split("  ").last().unwrap_or_default().trim().to_string();
            (object, waits)
        })
        .collect()
}

#[test]
fn waiting_for_shows_a_member_s_approvals_and_manual_tasks() {
    let repo = reconciled_sample();
    let eve = waiting_for(repo.path(), "eve");
    assert_eq!(eve.status.code(), Some(0));
    assert_eq!(
        rows(&eve),
        [
            (
                "Turnover/2026-12-test".into(),
                "approval `acceptance`".into()
            ),
            (
                "Turnover/api-3.1-dev".into(),
                "approval `acceptance`".into()
            ),
        ]
    );
    let rita = waiting_for(repo.path(), "rita");
    assert_eq!(
        rows(&rita),
        [
            (
                "ReleaseTrain/2026-12".into(),
                "criterion `scope-signed-off`, approval `train`".into()
            ),
            (
                "Release/payments-gateway-2026".into(),
                "task `funding`".into()
            ),
        ]
    );
    // `me` is the member whose email git names.
    git(
        repo.path(),
        &["config", "user.email", "Eve.Okafor@acme.example"],
        "ann",
        NOW,
    );
    let me = waiting_for(repo.path(), "me");
    assert_eq!(
        rows(&me),
        rows(&eve),
        "{}",
        String::from_utf8_lossy(&me.stderr)
    );
}

#[test]
fn waiting_for_refuses_what_names_no_member() {
    let repo = reconciled_sample();
    refused(&waiting_for(repo.path(), "me"), "git has no identity here");
    git(
        repo.path(),
        &["config", "user.email", "stranger@example.com"],
        "ann",
        NOW,
    );
    refused(
        &waiting_for(repo.path(), "me"),
        "`stranger@example.com` is no member's",
    );
    refused(&waiting_for(repo.path(), "evee"), "did you mean `eve`");
}

#[test]
fn waiting_for_leaves_out_approvals_the_member_may_not_give_their_own_change() {
    let repo = reconciled_sample();
    // raj changes the turnover last: its acceptance is not raj's to give any more.
    let path = "turnovers/api-hotfix-dev.yaml";
    let text = std::fs::read_to_string(repo.path().join(path)).expect("a turnover");
    std::fs::write(repo.path().join(path), format!("{text}# raj was here\n")).expect("written");
    let committed = std::process::Command::new("git")
        .args(["commit", "-q", "-am", "raj's change"])
        .current_dir(repo.path())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Raj Patel")
        .env("GIT_AUTHOR_EMAIL", "raj.patel@acme.example")
        .env("GIT_AUTHOR_DATE", "2026-11-26T09:00:00Z")
        .env("GIT_COMMITTER_NAME", "Raj Patel")
        .env("GIT_COMMITTER_EMAIL", "raj.patel@acme.example")
        .env("GIT_COMMITTER_DATE", "2026-11-26T09:00:00Z")
        .status()
        .expect("git runs");
    assert!(committed.success());
    let raj = waiting_for(repo.path(), "raj");
    let objects: Vec<String> = rows(&raj).into_iter().map(|(o, _)| o).collect();
    assert_eq!(objects, ["Turnover/2026-12-test"], "{}", stdout(&raj));
}
