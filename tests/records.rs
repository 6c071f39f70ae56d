//! `railyard approve` and `railyard report` (issue 23) on real git repositories, each
//! command run as a different person: what they write, what they commit, what they say the
//! record does, and every refusal (which writes nothing).

mod common;

use std::path::Path;

use common::{copy_tree, git_as, git_repo, railyard, root, stdout};

/// The sample's people: (name, email).
const RITA: (&str, &str) = ("Rita Alvarez", "rita.alvarez@acme.example");
const MARCO: (&str, &str) = ("Marco Bellini", "marco.bellini@acme.example");
const EVE: (&str, &str) = ("Eve Okafor", "eve.okafor@acme.example");
const DORA: (&str, &str) = ("Dora Mensah", "dora.mensah@acme.example");
const DAN: (&str, &str) = ("Dan Kowalski", "dan.kowalski@acme.example");

/// `examples/acme` without its approvals and reports, committed by rita.
fn sample() -> tempfile::TempDir {
    let repo = git_repo();
    copy_tree(&root().join("examples/acme"), repo.path());
    for records in ["approvals", "reports", "halts"] {
        std::fs::remove_dir_all(repo.path().join(records)).expect("removed");
    }
    git_as(repo.path(), &["add", "-A"], RITA, "2026-11-01T10:00:00Z");
    git_as(
        repo.path(),
        &["commit", "-q", "-m", "The December train"],
        RITA,
        "2026-11-01T10:00:00Z",
    );
    repo
}

/// `railyard ARGS --now NOW` in `dir` as `who` (their git identity, with commit dates fixed
/// at `now`), or with no identity at all.
fn as_person(
    dir: &Path,
    who: Option<(&str, &str)>,
    now: &str,
    args: &[&str],
) -> std::process::Output {
    let home = tempfile::tempdir().expect("a home");
    let mut command = railyard();
    command
        .args(args)
        .args(["--now", now, "--repo"])
        .arg(dir)
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .env_remove("EMAIL")
        .env("GIT_AUTHOR_DATE", now)
        .env("GIT_COMMITTER_DATE", now);
    if let Some((name, email)) = who {
        command
            .env("GIT_AUTHOR_NAME", name)
            .env("GIT_AUTHOR_EMAIL", email)
            .env("GIT_COMMITTER_NAME", name)
            .env("GIT_COMMITTER_EMAIL", email);
    }
    command.output().expect("railyard runs")
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `git status --porcelain` of `dir`: what is not committed.
fn uncommitted(dir: &Path) -> String {
    stdout(&git_as(
        dir,
        &["status", "--porcelain", "-uall"],
        RITA,
        "2026-11-01T10:00:00Z",
    ))
}

/// The output with commit ids replaced, for snapshots.
fn redacted(text: &str) -> String {
    text.lines()
        .map(|line| match line.strip_prefix("committed it as ") {
            Some(_) => "committed it as <commit>".to_string(),
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Who runs it, with which arguments, and the exit code and message expected.
type Refusal = (
    Option<(&'static str, &'static str)>,
    Vec<&'static str>,
    i32,
    &'static str,
);

/// The refusal `expected` on stderr, exit `code`, and nothing written.
#[track_caller]
fn refused(output: &std::process::Output, code: i32, expected: &str, dir: &Path) {
    assert_eq!(output.status.code(), Some(code), "{}", stderr(output));
    assert!(
        stderr(output).contains(expected),
        "expected {expected:?} in:\n{}",
        stderr(output)
    );
    assert_eq!(stdout(output), "");
    assert_eq!(uncommitted(dir), "", "a refusal writes nothing");
}

const SCOPING: &str = "2026-11-05T09:00:00Z";

#[test]
fn approve_commits_only_the_record_as_the_person_and_says_what_it_does() {
    let repo = sample();
    let dir = repo.path();
    // Something else is staged: it stays staged, out of the approval's commit.
    std::fs::write(dir.join("NOTES.md"), "draft\n").expect("written");
    git_as(dir, &["add", "NOTES.md"], RITA, SCOPING);
    let out = as_person(
        dir,
        Some(MARCO),
        SCOPING,
        &[
            "approve",
            "ReleaseTrain/2026-12",
            "--criterion",
            "scope-signed-off",
            "--comment",
            "Scope agreed with the product owners.",
            "--commit",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let path = "approvals/ReleaseTrain/2026-12/scope-signed-off-marco.yaml";
    let shown = stdout(&git_as(
        dir,
        &["show", "--name-only", "--format=%an <%ae>|%s", "HEAD"],
        RITA,
        SCOPING,
    ));
    assert_eq!(
        shown.trim(),
        format!(
            "Marco Bellini <marco.bellini@acme.example>|Approve criterion scope-signed-off of ReleaseTrain/2026-12\n\n{path}"
        )
    );
    assert_eq!(uncommitted(dir), "A  NOTES.md\n");
    insta::assert_snapshot!("approve_criterion", redacted(&stdout(&out)));
    insta::assert_snapshot!(
        "approval_record",
        std::fs::read_to_string(dir.join(path)).expect("the record")
    );
    // The train gate is the last thing scoping waits for.
    let out = as_person(
        dir,
        Some(MARCO),
        "2026-11-05T09:30:00Z",
        &[
            "approve",
            "ReleaseTrain/2026-12",
            "--gate",
            "train",
            "--commit",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out)
            .contains("after this commit, ReleaseTrain/2026-12 moves scoping → construction"),
        "{}",
        stdout(&out)
    );
    // Reconciled, the train is where approve said it would be.
    let (plan, _) = common::dry_run_json(dir, "2026-11-05T09:30:00Z", &[]);
    let train = plan["objects"]
        .as_array()
        .and_then(|o| {
            o.iter()
                .find(|o| o["name"] == "2026-12" && o["kind"] == "ReleaseTrain")
        })
        .expect("the train");
    assert_eq!(train["phase"], "construction", "{train:#}");
}

#[test]
fn approve_without_commit_writes_the_record_and_plans_it_as_the_person_s() {
    let repo = sample();
    let dir = repo.path();
    let out = as_person(
        dir,
        Some(MARCO),
        SCOPING,
        &[
            "approve",
            "ReleaseTrain/2026-12",
            "--criterion",
            "scope-signed-off",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!("approve_uncommitted", stdout(&out));
    assert_eq!(
        uncommitted(dir),
        "?? approvals/ReleaseTrain/2026-12/scope-signed-off-marco.yaml\n"
    );
    // A second decision in the making is a duplicate; a reject is a new record beside it.
    let again = as_person(
        dir,
        Some(MARCO),
        SCOPING,
        &[
            "approve",
            "ReleaseTrain/2026-12",
            "--criterion",
            "scope-signed-off",
        ],
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("not committed yet"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn approve_refuses_what_would_not_count_and_writes_nothing() {
    let repo = sample();
    let dir = repo.path();
    let approve = |who, args: &[&str]| {
        let mut all = vec!["approve"];
        all.extend_from_slice(args);
        as_person(dir, who, SCOPING, &all)
    };
    let train = |args: &[&'static str]| {
        let mut all = vec!["ReleaseTrain/2026-12"];
        all.extend_from_slice(args);
        all
    };
    let cases: Vec<Refusal> = vec![
        (
            None,
            train(&["--gate", "train"]),
            2,
            "git has no identity here",
        ),
        (
            Some(("Stranger", "stranger@example.com")),
            train(&["--gate", "train"]),
            2,
            "your git email `stranger@example.com` is no member's",
        ),
        (
            Some(MARCO),
            vec!["ReleaseTrain/2026-1", "--gate", "train"],
            1,
            "there is no ReleaseTrain `2026-1` (did you mean `2026-12`?)",
        ),
        (
            Some(MARCO),
            vec!["Train/2026-12", "--gate", "train"],
            1,
            "`Train` is not a kind this takes",
        ),
        (
            Some(MARCO),
            vec!["2026-12", "--gate", "train"],
            1,
            "did you mean `ReleaseTrain/2026-12`",
        ),
        (
            Some(MARCO),
            train(&["--gate", "trian"]),
            1,
            "has no gate `trian` (did you mean `train`?",
        ),
        (
            Some(MARCO),
            vec!["Turnover/2026-12-test", "--criterion", "scope-signed-off"],
            1,
            "Turnover/2026-12-test has no exit criteria",
        ),
        (
            Some(MARCO),
            train(&["--criterion", "releases-complete"]),
            1,
            "has a `check`: railyard decides it",
        ),
        (
            Some(MARCO),
            train(&["--gate", "qa"]),
            1,
            "gate `qa` of ReleaseTrain/2026-12 is asked in phase `verification`, and ReleaseTrain/2026-12 is in `scoping`",
        ),
        (
            Some(EVE),
            train(&["--gate", "train"]),
            1,
            "`eve` may not decide gate `train` of ReleaseTrain/2026-12: it is asked of team `release-managers` (rita, marco)",
        ),
        (
            Some(RITA),
            train(&["--gate", "train"]),
            1,
            "`rita` made the last change to ReleaseTrain/2026-12",
        ),
    ];
    for (who, args, code, expected) in cases {
        refused(&approve(who, &args), code, expected, dir);
    }
    // A decision that stands is not given twice; a reject after it is a new record.
    let first = approve(Some(MARCO), &train(&["--gate", "train", "--commit"]));
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    refused(
        &approve(Some(MARCO), &train(&["--gate", "train", "--commit"])),
        1,
        "`marco` has approved gate `train` of ReleaseTrain/2026-12 in this phase already (approvals/ReleaseTrain/2026-12/train-marco.yaml)",
        dir,
    );
}

#[test]
fn approve_and_report_refuse_a_repository_that_does_not_validate_or_is_not_git() {
    let repo = sample();
    let dir = repo.path();
    let broken = "apiVersion: railyard/v1\nkind: ReleaseTrain\nmetadata: {name: broken}\nspec: {type: huge}\n";
    git_as(
        dir,
        &["rm", "-q", "trains/monthly-template.yaml"],
        RITA,
        SCOPING,
    );
    std::fs::write(dir.join("trains/broken.yaml"), broken).expect("written");
    git_as(dir, &["add", "-A"], RITA, SCOPING);
    git_as(dir, &["commit", "-q", "-m", "broken"], RITA, SCOPING);
    let out = as_person(
        dir,
        Some(MARCO),
        SCOPING,
        &["approve", "ReleaseTrain/2026-12", "--gate", "train"],
    );
    refused(&out, 1, "the repository does not validate (", dir);
    assert!(
        stderr(&out).contains("nothing was written"),
        "{}",
        stderr(&out)
    );
    let out = as_person(
        dir,
        Some(DORA),
        SCOPING,
        &[
            "report",
            "Turnover/2026-12-test",
            "--task",
            "smoke-test",
            "--outcome",
            "succeeded",
        ],
    );
    refused(&out, 1, "the repository does not validate (", dir);
    let plain = tempfile::tempdir().expect("a folder");
    copy_tree(&root().join("examples/acme"), plain.path());
    let out = as_person(
        plain.path(),
        Some(MARCO),
        SCOPING,
        &["approve", "ReleaseTrain/2026-12", "--gate", "train"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is not inside a git repository"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_email_two_members_list_names_nobody() {
    let repo = sample();
    let dir = repo.path();
    let path = dir.join("teams/developers.yaml");
    let text = std::fs::read_to_string(&path).expect("the team");
    std::fs::write(
        &path,
        text.replace("dan.kowalski@acme.example", "marco.bellini@acme.example"),
    )
    .expect("written");
    git_as(
        dir,
        &["commit", "-q", "-am", "one email, two people"],
        RITA,
        SCOPING,
    );
    let out = as_person(
        dir,
        Some(MARCO),
        SCOPING,
        &["approve", "ReleaseTrain/2026-12", "--gate", "train"],
    );
    refused(
        &out,
        2,
        "your git email `marco.bellini@acme.example` is listed by 2 members (`dan`, `marco`)",
        dir,
    );
}

#[test]
fn approve_reads_the_identity_from_the_repository_s_git_config() {
    let repo = sample();
    let dir = repo.path();
    git_as(
        dir,
        &["config", "user.email", "Marco.Bellini@ACME.example"],
        RITA,
        SCOPING,
    );
    git_as(
        dir,
        &["config", "user.name", "Marco Bellini"],
        RITA,
        SCOPING,
    );
    let home = tempfile::tempdir().expect("a home");
    let out = railyard()
        .args([
            "approve",
            "ReleaseTrain/2026-12",
            "--gate",
            "train",
            "--commit",
            "--now",
            SCOPING,
            "--repo",
        ])
        .arg(dir)
        .env("HOME", home.path())
        .env_remove("EMAIL")
        .output()
        .expect("railyard runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let author = stdout(&git_as(dir, &["log", "-1", "--format=%ae"], RITA, SCOPING));
    assert_eq!(author.trim(), "Marco.Bellini@ACME.example");
    assert!(
        stdout(&out)
            .contains("wrote approvals/ReleaseTrain/2026-12/train-marco.yaml: marco approves")
    );
}

/// The sample with Turnover/2026-12-test accepted and started by eve and its automated
/// tasks run by `reconcile --execute`: `smoke-test` waits for the developers.
fn deploying() -> tempfile::TempDir {
    let repo = sample();
    let dir = repo.path();
    for (gate, at) in [
        ("acceptance", "2026-11-24T19:00:00Z"),
        ("start", "2026-11-24T19:10:00Z"),
    ] {
        let out = as_person(
            dir,
            Some(EVE),
            at,
            &[
                "approve",
                "Turnover/2026-12-test",
                "--gate",
                gate,
                "--commit",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let out = railyard()
        .args([
            "reconcile",
            "--execute",
            "--now",
            "2026-11-24T20:05:00Z",
            "--repo",
        ])
        .arg(dir)
        .output()
        .expect("railyard runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    repo
}

#[test]
fn report_writes_the_owner_s_report_for_the_current_attempt() {
    let repo = deploying();
    let dir = repo.path();
    let report = |who, at, task: &str, extra: &[&str]| {
        let mut args = vec!["report", "Turnover/2026-12-test", "--task", task];
        args.extend_from_slice(extra);
        as_person(dir, Some(who), at, &args)
    };
    let at = "2026-11-24T20:30:00Z";
    let cases = [
        (
            DORA,
            "notify-qa",
            "is `release-engineers`'s to report, not `dora`'s",
        ),
        (
            DAN,
            "deploy-web",
            "task `deploy-web` of Turnover/2026-12-test is automated",
        ),
        (
            DORA,
            "smoke-tst",
            "has no task `smoke-tst` in `deploying` (did you mean `smoke-test`?",
        ),
    ];
    for (who, task, expected) in cases {
        refused(
            &report(who, at, task, &["--outcome", "succeeded"]),
            1,
            expected,
            dir,
        );
    }
    refused(
        &report(EVE, at, "notify-qa", &["--outcome", "succeeded"]),
        1,
        "task `notify-qa` of Turnover/2026-12-test is not ready: it waits for `smoke-test`",
        dir,
    );
    refused(
        &as_person(
            dir,
            Some(DORA),
            at,
            &[
                "report",
                "ReleaseTrain/2026-12",
                "--task",
                "x",
                "--outcome",
                "failed",
            ],
        ),
        1,
        "`ReleaseTrain` is not a kind this takes",
        dir,
    );
    let out = report(
        DORA,
        at,
        "smoke-test",
        &[
            "--outcome",
            "succeeded",
            "--note",
            "Checkout and refunds work.",
            "--commit",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!("report_smoke_test", redacted(&stdout(&out)));
    insta::assert_snapshot!(
        "report_record",
        std::fs::read_to_string(dir.join("reports/Turnover/2026-12-test/smoke-test-1-dora.yaml"))
            .expect("the report")
    );
    refused(
        &report(
            DAN,
            "2026-11-24T20:35:00Z",
            "smoke-test",
            &["--outcome", "succeeded"],
        ),
        1,
        "task `smoke-test` of Turnover/2026-12-test is `succeeded` in this attempt",
        dir,
    );
    refused(
        &report(
            DORA,
            "2026-11-24T20:35:00Z",
            "smoke-test",
            &["--outcome", "failed"],
        ),
        1,
        "is reported for attempt 1 already (reports/Turnover/2026-12-test/smoke-test-1-dora.yaml)",
        dir,
    );
    let out = report(
        EVE,
        "2026-11-24T20:40:00Z",
        "notify-qa",
        &["--outcome", "succeeded", "--commit"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out)
            .contains("after this commit, Turnover/2026-12-test moves deploying → deployed"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn report_needs_an_identity_that_names_a_member_and_prints_json() {
    let repo = deploying();
    let dir = repo.path();
    let args = [
        "report",
        "Turnover/2026-12-test",
        "--task",
        "smoke-test",
        "--outcome",
        "failed",
    ];
    let at = "2026-11-24T20:30:00Z";
    refused(
        &as_person(dir, None, at, &args),
        2,
        "git has no identity here",
        dir,
    );
    refused(
        &as_person(dir, Some(("Stranger", "x@example.com")), at, &args),
        2,
        "your git email `x@example.com` is no member's",
        dir,
    );
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let out = as_person(dir, Some(DORA), at, &json_args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        json["path"],
        "reports/Turnover/2026-12-test/smoke-test-1-dora.yaml"
    );
    assert_eq!(json["subject"], "Turnover/2026-12-test");
    assert_eq!(json["phase"], "deploying");
    // A failed task fails the turnover once the report is committed.
    assert_eq!(json["moves"], serde_json::json!(["failed"]));
    assert!(json.get("commit").is_none());
}

#[test]
fn report_refuses_a_turnover_whose_tasks_do_not_run_yet() {
    let repo = sample();
    let out = as_person(
        repo.path(),
        Some(DORA),
        SCOPING,
        &[
            "report",
            "Turnover/2026-12-test",
            "--task",
            "smoke-test",
            "--outcome",
            "succeeded",
        ],
    );
    refused(&out, 1, "where it runs no tasks", repo.path());
}

#[test]
fn a_commit_that_fails_leaves_the_record_written_and_the_index_as_it_was() {
    let repo = sample();
    let dir = repo.path();
    let hook = dir.join(".git/hooks/pre-commit");
    std::fs::write(&hook, "#!/bin/sh\necho 'no commits today' >&2\nexit 1\n").expect("a hook");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let out = as_person(
        dir,
        Some(MARCO),
        SCOPING,
        &[
            "approve",
            "ReleaseTrain/2026-12",
            "--gate",
            "train",
            "--commit",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let said = stderr(&out);
    assert!(
        said.contains("approvals/ReleaseTrain/2026-12/train-marco.yaml is written, but committing it failed: no commits today"),
        "{said}"
    );
    assert_eq!(
        uncommitted(dir),
        "?? approvals/ReleaseTrain/2026-12/train-marco.yaml\n"
    );
}

#[test]
fn halts_are_checked_and_in_force_only_from_a_release_manager_s_commit() {
    let repo = sample();
    let dir = repo.path();
    let halt = |name: &str, spec: &str| {
        format!(
            "apiVersion: railyard/v1\nkind: Halt\nmetadata: {{name: {name}}}\nspec: {{{spec}}}\n"
        )
    };
    // What the checks refuse, each at its place.
    let bad: [(&str, &[&str]); 5] = [
        ("by: nobody, reason: x", &["unresolved-reference"]),
        (
            "by: rita, reason: x, environments: [prod]",
            &["unresolved-reference"],
        ),
        (
            "by: rita, reason: x, lifts: nothing",
            &["unresolved-reference"],
        ),
        // A lift with an `until`, and of itself.
        (
            "by: rita, reason: x, lifts: h, until: 2026-12-01T00:00:00Z",
            &["invalid-value", "invalid-value"],
        ),
        ("by: rita, reason: x, lifts: h", &["invalid-value"]),
    ];
    for (spec, expected) in bad {
        std::fs::write(dir.join("h.yaml"), halt("h", spec)).expect("written");
        let (codes, exit) = common::codes(dir);
        assert_eq!(
            (codes, exit),
            (expected.iter().map(|c| c.to_string()).collect(), 1),
            "{spec}"
        );
    }
    std::fs::remove_file(dir.join("h.yaml")).expect("removed");
    // Committed by someone else than the release manager it names: it does not count.
    let text = halt(
        "incident",
        "by: rita, reason: Payments incident, environments: [test]",
    );
    common::write(dir, "halts/incident.yaml", text.as_bytes());
    git_as(dir, &["add", "-A"], MARCO, "2026-11-24T08:00:00Z");
    git_as(
        dir,
        &["commit", "-q", "-m", "halt"],
        MARCO,
        "2026-11-24T08:00:00Z",
    );
    let (plan, _) = common::dry_run_json(dir, "2026-11-24T09:00:00Z", &[]);
    assert_eq!(plan["halts"], serde_json::json!([]), "{:#}", plan["halts"]);
    // Committed by rita herself: STATUS.md and the plan start with it.
    let text = halt(
        "incident-2",
        "by: rita, reason: Payments incident, environments: [test]",
    );
    common::write(dir, "halts/incident-2.yaml", text.as_bytes());
    // And one whose `until` had passed before it was committed: a warning, nothing stopped.
    let late = halt(
        "late",
        "by: rita, reason: Too late, until: 2026-11-24T08:00:00Z",
    );
    common::write(dir, "halts/late.yaml", late.as_bytes());
    git_as(dir, &["add", "-A"], RITA, "2026-11-24T08:30:00Z");
    git_as(
        dir,
        &["commit", "-q", "-m", "halt"],
        RITA,
        "2026-11-24T08:30:00Z",
    );
    let comment = dir.join("comment.md");
    let out = railyard()
        .args([
            "reconcile",
            "--dry-run",
            "--now",
            "2026-11-24T09:00:00Z",
            "--comment-file",
        ])
        .arg(&comment)
        .arg("--repo")
        .arg(dir)
        .output()
        .expect("railyard runs");
    assert!(
        stdout(&out).starts_with("HALTED: deployments on `test` are halted by `rita` since 2026-11-24T08:30:00Z (Halt/incident-2): Payments incident; until a Halt with `lifts: incident-2` ends it\n"),
        "{}",
        stdout(&out)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("warning: halts/late.yaml Halt `late` ends at 2026-11-24T08:00:00Z, before the commit that added it (2026-11-24T08:30:00Z): it stops nothing"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let comment = std::fs::read_to_string(&comment).expect("the comment");
    assert!(
        comment.contains("> ⛔ **Deployments halted** on `test` by `rita` since 2026-11-24T08:30:00Z, until it is lifted (Halt/incident-2): Payments incident\n"),
        "{comment}"
    );
    common::reconcile_at(dir, "2026-11-24T09:00:00Z", "the status commit");
    let status = std::fs::read_to_string(dir.join("STATUS.md")).expect("STATUS.md");
    assert!(
        status.contains("# Release status\n\n> ⛔ **Deployments halted** on `test`"),
        "{status}"
    );
    // `railyard status` starts with it too.
    let table = railyard()
        .args(["status", "--now", "2026-11-24T09:00:00Z", "--repo"])
        .arg(dir)
        .output()
        .expect("railyard runs");
    assert!(
        stdout(&table).starts_with("HALTED: deployments on `test` are halted by `rita` since 2026-11-24T08:30:00Z (Halt/incident-2)"),
        "{}",
        stdout(&table)
    );
}
