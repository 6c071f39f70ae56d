//! Who added a record, through every way a pull request lands (issue 19, part 1): the
//! author of the commit that introduced the file, along any line of history, never the
//! person who merged it, unless the merge itself introduced the file.

mod common;

use std::path::Path;

use common::{APPROVAL, commit, git, train_repo};

const NOW: &str = "2026-11-25T12:00:00Z";

/// The train's phase in the dry-run plan, and the first reason it is blocked.
fn train(dir: &Path) -> (String, String) {
    let (plan, code) = common::dry_run_json(dir, NOW, &[]);
    assert_eq!(code, 0, "{plan}");
    let train = plan["objects"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|o| o["kind"] == "ReleaseTrain" && o["name"] == "q4")
        .cloned()
        .expect("the train is planned");
    (
        train["phase"].as_str().unwrap_or_default().to_string(),
        train["blockedBy"][0]["reasons"][0]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

/// marco's approval committed by marco on branch `pr`, which starts at main.
fn approval_on_a_branch(dir: &Path) {
    git(dir, &["checkout", "-q", "-b", "pr"], "nobody", NOW);
    commit(
        dir,
        &[("approvals/q4-train.yaml", APPROVAL)],
        "marco",
        "2026-11-02T10:00:00Z",
    );
    git(dir, &["checkout", "-q", "main"], "nobody", NOW);
}

/// Someone else's commit on main, so that the branch cannot be fast-forwarded.
fn main_moves_on(dir: &Path) {
    commit(
        dir,
        &[("notes.txt", "main moved on\n")],
        "rita",
        "2026-11-02T11:00:00Z",
    );
}

/// [`train_repo`] with marco's approval on branch `pr` and main moved on since.
fn branched() -> tempfile::TempDir {
    let repo = train_repo();
    approval_on_a_branch(repo.path());
    main_moves_on(repo.path());
    repo
}

fn counted(dir: &Path) {
    assert_eq!(train(dir).0, "construction", "{:?}", train(dir));
}

#[test]
fn a_merge_commit_credits_the_record_to_its_author_not_the_merger() {
    let repo = branched();
    let dir = repo.path();
    git(
        dir,
        &[
            "merge",
            "-q",
            "--no-ff",
            "pr",
            "-m",
            "Merge pull request #1",
        ],
        "maint",
        "2026-11-03T10:00:00Z",
    );
    counted(dir);
}

#[test]
fn fast_forward_rebase_cherry_pick_and_squash_keep_the_author() {
    // Fast-forward.
    let repo = train_repo();
    let dir = repo.path();
    approval_on_a_branch(dir);
    git(
        dir,
        &["merge", "-q", "--ff-only", "pr"],
        "maint",
        "2026-11-03T10:00:00Z",
    );
    counted(dir);
    // Rebased onto a main that moved, then fast-forwarded.
    let repo = branched();
    let dir = repo.path();
    git(dir, &["checkout", "-q", "pr"], "nobody", NOW);
    git(
        dir,
        &["rebase", "-q", "main"],
        "maint",
        "2026-11-03T10:00:00Z",
    );
    git(dir, &["checkout", "-q", "main"], "nobody", NOW);
    git(
        dir,
        &["merge", "-q", "--ff-only", "pr"],
        "maint",
        "2026-11-03T10:00:00Z",
    );
    counted(dir);
    // Cherry-picked by someone else.
    let repo = branched();
    let dir = repo.path();
    git(dir, &["cherry-pick", "pr"], "maint", "2026-11-03T10:00:00Z");
    counted(dir);
    // Squashed: the forge authors the squash commit as the pull request's author.
    let repo = branched();
    let dir = repo.path();
    git(
        dir,
        &["merge", "-q", "--squash", "pr"],
        "maint",
        "2026-11-03T10:00:00Z",
    );
    git(
        dir,
        &["commit", "-q", "-m", "Add marco's approval (#1)"],
        "marco",
        "2026-11-03T10:00:00Z",
    );
    counted(dir);
}

#[test]
fn a_branch_that_merged_another_credits_the_first_author() {
    let repo = train_repo();
    let dir = repo.path();
    approval_on_a_branch(dir);
    // `release` merges `pr` (by lead), then main merges `release` (by maint).
    git(dir, &["checkout", "-q", "-b", "release"], "nobody", NOW);
    commit(
        dir,
        &[("notes.txt", "release notes\n")],
        "lead",
        "2026-11-02T12:00:00Z",
    );
    git(
        dir,
        &[
            "merge",
            "-q",
            "--no-ff",
            "pr",
            "-m",
            "Merge pr into release",
        ],
        "lead",
        "2026-11-02T13:00:00Z",
    );
    git(dir, &["checkout", "-q", "main"], "nobody", NOW);
    commit(
        dir,
        &[("other.txt", "main moved on\n")],
        "rita",
        "2026-11-02T14:00:00Z",
    );
    git(
        dir,
        &["merge", "-q", "--no-ff", "release", "-m", "Merge release"],
        "maint",
        "2026-11-03T10:00:00Z",
    );
    counted(dir);
}

#[test]
fn a_record_the_merge_itself_introduced_is_the_mergers() {
    let repo = train_repo();
    let dir = repo.path();
    git(dir, &["checkout", "-q", "-b", "pr"], "nobody", NOW);
    commit(
        dir,
        &[("change.txt", "a change\n")],
        "marco",
        "2026-11-02T10:00:00Z",
    );
    git(dir, &["checkout", "-q", "main"], "nobody", NOW);
    main_moves_on(dir);
    // The merge adds marco's approval that no parent had: it is the merger's commit.
    git(
        dir,
        &["merge", "-q", "--no-ff", "--no-commit", "pr"],
        "maint",
        "2026-11-03T10:00:00Z",
    );
    common::write(dir, "approvals/q4-train.yaml", APPROVAL.as_bytes());
    git(dir, &["add", "-A"], "maint", "2026-11-03T10:00:00Z");
    git(
        dir,
        &["commit", "-q", "-m", "Merge pull request #1"],
        "maint",
        "2026-11-03T10:00:00Z",
    );
    let (phase, reason) = train(dir);
    assert_eq!(phase, "scoping");
    let merge = git(dir, &["rev-parse", "--short=12", "HEAD"], "nobody", NOW).stdout;
    let merge = String::from_utf8_lossy(&merge).trim().to_string();
    assert!(
        reason.contains(&format!("`q4-train` says `by: marco` but was committed by someone else (the merge commit {merge} by maint added it itself: a file a merge introduces is the merger's)")),
        "{reason}"
    );
}

#[test]
fn the_last_change_to_the_subject_is_read_through_merges_too() {
    // marco edits the train on a branch that someone else merges: marco made its last change
    // and cannot approve it.
    let repo = train_repo();
    let dir = repo.path();
    git(dir, &["checkout", "-q", "-b", "pr"], "nobody", NOW);
    let train_text = std::fs::read_to_string(dir.join("trains/q4.yaml")).expect("train");
    commit(
        dir,
        &[
            (
                "trains/q4.yaml",
                &train_text.replace("type: minor", "type: major"),
            ),
            ("approvals/q4-train.yaml", APPROVAL),
        ],
        "marco",
        "2026-11-02T10:00:00Z",
    );
    git(dir, &["checkout", "-q", "main"], "nobody", NOW);
    main_moves_on(dir);
    git(
        dir,
        &[
            "merge",
            "-q",
            "--no-ff",
            "pr",
            "-m",
            "Merge pull request #2",
        ],
        "maint",
        "2026-11-03T10:00:00Z",
    );
    let (phase, reason) = train(dir);
    assert_eq!(phase, "scoping");
    assert!(
        reason.contains("`marco` made the last change to ReleaseTrain/q4"),
        "{reason}"
    );
}

#[test]
fn a_task_report_merged_with_a_merge_commit_counts_for_its_owner() {
    let repo = common::started_turnover(
        &["{id: check, title: Check, type: manual, owner: developers}"],
        "2026-11-21T20:00:00Z",
    );
    let dir = repo.path();
    git(dir, &["checkout", "-q", "-b", "report"], "nobody", NOW);
    commit(
        dir,
        &[(
            "reports/check.yaml",
            "apiVersion: railyard/v1\nkind: TaskReport\nmetadata: {name: check-1}\nspec: {subject: Turnover/to, task: check, attempt: 1, outcome: succeeded, by: dan}\n",
        )],
        "dan",
        "2026-11-22T10:00:00Z",
    );
    git(dir, &["checkout", "-q", "main"], "nobody", NOW);
    main_moves_on(dir);
    git(
        dir,
        &[
            "merge",
            "-q",
            "--no-ff",
            "report",
            "-m",
            "Merge pull request #3",
        ],
        "maint",
        "2026-11-22T11:00:00Z",
    );
    let (plan, code) = common::dry_run_json(dir, NOW, &[]);
    assert_eq!(code, 0, "{plan}");
    let turnover = plan["objects"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|o| o["kind"] == "Turnover" && o["name"] == "to")
        .cloned()
        .expect("the turnover is planned");
    assert_eq!(turnover["phase"], "deployed", "{turnover}");
}

#[test]
fn facts_read_on_from_a_cached_tip_equal_facts_read_in_full_through_merges() {
    let repo = train_repo();
    let dir = repo.path();
    let mut cache = None;
    let check = |cache: &mut Option<_>, step: &str| {
        let git = railyard::git::GitRepo::discover(dir).expect("a repository");
        let incremental = git.facts_cached("main", cache).expect("facts");
        assert_eq!(
            *incremental,
            git.facts(Some("main")).expect("facts"),
            "{step}"
        );
    };
    check(&mut cache, "the first tip");
    // A branch from the first commit, merged after main moved on (and was cached).
    approval_on_a_branch(dir);
    main_moves_on(dir);
    check(&mut cache, "main moved on");
    git(
        dir,
        &["merge", "-q", "--no-ff", "pr", "-m", "Merge pr"],
        "maint",
        "2026-11-03T10:00:00Z",
    );
    check(&mut cache, "a merge of an old branch");
    // A branch that merged another one, forked from the first commit too.
    git(
        dir,
        &["checkout", "-q", "-b", "inner", "HEAD~2"],
        "nobody",
        NOW,
    );
    commit(
        dir,
        &[("inner.txt", "inner\n")],
        "eve",
        "2026-11-04T10:00:00Z",
    );
    git(
        dir,
        &["checkout", "-q", "-b", "outer", "main"],
        "nobody",
        NOW,
    );
    commit(
        dir,
        &[("outer.txt", "outer\n")],
        "lead",
        "2026-11-04T11:00:00Z",
    );
    git(
        dir,
        &["merge", "-q", "--no-ff", "inner", "-m", "Merge inner"],
        "lead",
        "2026-11-04T12:00:00Z",
    );
    git(dir, &["checkout", "-q", "main"], "nobody", NOW);
    commit(
        dir,
        &[("main.txt", "main\n")],
        "rita",
        "2026-11-04T13:00:00Z",
    );
    check(&mut cache, "before the nested merge");
    git(
        dir,
        &["merge", "-q", "--no-ff", "outer", "-m", "Merge outer"],
        "maint",
        "2026-11-05T10:00:00Z",
    );
    check(&mut cache, "a nested merge");
    let git = railyard::git::GitRepo::discover(dir).expect("a repository");
    let facts = git.facts(Some("main")).expect("facts");
    let author = |path: &str| facts.added[path].author_name.clone();
    assert_eq!(
        (
            author("approvals/q4-train.yaml"),
            author("inner.txt"),
            author("outer.txt")
        ),
        ("marco".to_string(), "eve".to_string(), "lead".to_string())
    );
}

#[test]
fn a_task_report_that_does_not_count_says_why() {
    let repo = common::started_turnover(
        &["{id: smoke, title: Smoke test, type: manual, owner: developers}"],
        "2026-11-21T20:00:00Z",
    );
    let dir = repo.path();
    // dan's report, committed by rita.
    commit(
        dir,
        &[(
            "reports/smoke-1.yaml",
            "apiVersion: railyard/v1\nkind: TaskReport\nmetadata: {name: smoke-1}\nspec: {subject: Turnover/to, task: smoke, attempt: 1, outcome: succeeded, by: dan}\n",
        )],
        "rita",
        "2026-11-22T10:00:00Z",
    );
    let (plan, code) = common::dry_run_json(dir, NOW, &[]);
    assert_eq!(code, 0, "{plan}");
    let blocked = plan["objects"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|o| o["kind"] == "Turnover")
        .map(|o| o["blockedBy"].to_string())
        .unwrap_or_default();
    assert!(
        blocked.contains("`smoke` (waiting for `developers`; report `smoke-1` says `by: dan` but was committed by someone else, so it does not count)"),
        "{blocked}"
    );
}
