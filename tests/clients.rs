//! What people write (titles, descriptions, comments, file paths) reaches the programs that
//! read railyard's output as the text written: GitHub's Markdown tables, workflow
//! annotations, Kubernetes-style conditions. (`.ci/clients/check.py` runs the same kind of
//! text through the real clients: mermaid, Ajv, @actions/core, aiosmtpd and Python's email.)

mod common;

use common::{TEAMS, commit, git_repo, railyard, stdout};

const NOW: &str = "2026-11-25T12:00:00Z";

/// Hostile text: HTML GitHub partly renders, a table separator, Mermaid's and Markdown's
/// special characters, a lone carriage return and non-ASCII.
const HOSTILE: &str = "<details><summary>hidden</summary> #42; 100% a|b *x* \r migración";

/// The `|` of a Markdown line that are not escaped: cell separators.
fn separators(line: &str) -> usize {
    let mut count = 0;
    let mut escaped = false;
    for c in line.chars() {
        if c == '|' && !escaped {
            count += 1;
        }
        escaped = c == '\\' && !escaped;
    }
    count
}

/// Every table row of `markdown` has as many cells as its header, and nothing raw.
fn assert_table_holds(markdown: &str) {
    assert!(!markdown.contains("<details>"), "raw HTML: {markdown}");
    assert!(!markdown.contains('\r'), "a carriage return: {markdown:?}");
    let mut header = None;
    for line in markdown.lines() {
        if !line.starts_with('|') {
            header = None;
            continue;
        }
        let cells = separators(line);
        match header {
            None => header = Some(cells),
            Some(expected) => assert_eq!(cells, expected, "a row split: {line}"),
        }
    }
}

fn train(description: &str) -> String {
    format!(
        "apiVersion: railyard/v1\nkind: ReleaseTrain\nmetadata: {{name: q4}}\nspec:\n  type: minor\n  manager: rita\n  gates:\n    scoping:\n      criteria: [{{id: scope, description: {}}}]\n",
        serde_json::to_string(description).expect("a string")
    )
}

#[test]
fn status_md_the_job_summary_and_the_comment_keep_people_s_text_in_its_cell() {
    let repo = git_repo();
    let dir = repo.path();
    let rejection = format!(
        "apiVersion: railyard/v1\nkind: Approval\nmetadata: {{name: q4-no}}\nspec: {{subject: ReleaseTrain/q4, gate: train, decision: reject, by: marco, comment: {}}}\n",
        serde_json::to_string(HOSTILE).expect("a string")
    );
    commit(
        dir,
        &[("teams.yaml", TEAMS), ("trains/q4.yaml", &train(HOSTILE))],
        "rita",
        "2026-11-01T10:00:00Z",
    );
    commit(
        dir,
        &[("approvals/q4-no.yaml", &rejection)],
        "marco",
        "2026-11-02T10:00:00Z",
    );
    let summary = tempfile::NamedTempFile::new().expect("a file");
    let comment = tempfile::NamedTempFile::new().expect("a file");
    let dry = railyard()
        .args(["reconcile", "--dry-run", "--format", "github", "--now", NOW])
        .arg("--comment-file")
        .arg(comment.path())
        .arg("--repo")
        .arg(dir)
        .env("GITHUB_STEP_SUMMARY", summary.path())
        .output()
        .expect("runs");
    assert_eq!(
        dry.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    let summary = std::fs::read_to_string(summary.path()).expect("a summary");
    assert_table_holds(&summary);
    assert!(summary.contains("&lt;details&gt;"), "{summary}");
    assert_table_holds(&std::fs::read_to_string(comment.path()).expect("a comment"));
    let done = railyard()
        .args(["reconcile", "--now", NOW, "--repo"])
        .arg(dir)
        .output()
        .expect("runs");
    assert_eq!(
        done.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let status = std::fs::read_to_string(dir.join("STATUS.md")).expect("STATUS.md");
    assert_table_holds(&status);
    assert!(status.contains("migración"), "{status}");
}

#[test]
fn validate_s_step_summary_keeps_a_path_with_a_pipe_in_one_cell() {
    let release = "apiVersion: railyard/v1\nkind: ApplicationRelease\nmetadata: {name: r}\nspec: {application: api, version: '1', colour: \"<b>x</b> | y\"}\n";
    let dir = common::repo(&[("releases/a|b <i>.yaml", release.as_bytes())]);
    let summary = tempfile::NamedTempFile::new().expect("a file");
    let out = railyard()
        .args(["validate", "--format", "github", "--repo"])
        .arg(dir.path())
        .env("GITHUB_STEP_SUMMARY", summary.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let summary = std::fs::read_to_string(summary.path()).expect("a summary");
    assert_table_holds(&summary);
    assert!(summary.contains("`releases/a\\|b <i>.yaml:4:"), "{summary}");
    // The annotation names the file with GitHub's property escapes.
    assert!(
        stdout(&out).contains("::error file=releases/a|b <i>.yaml,line=4,"),
        "{}",
        stdout(&out)
    );
}

/// Read back the conditions of the committed status file of train q4: (type, status, since).
fn conditions(dir: &std::path::Path) -> Vec<(String, String, String)> {
    let bytes = std::fs::read(dir.join("status/ReleaseTrain/q4.yaml")).expect("a status file");
    let file = railyard::status::StatusFile::parse(&bytes).expect("reads back");
    file.status
        .conditions
        .iter()
        .map(|c| {
            (
                c.kind.to_string(),
                c.status.to_string(),
                c.since.map(|s| s.to_string()).unwrap_or_default(),
            )
        })
        .collect()
}

fn reconcile(dir: &std::path::Path, now: &str) {
    common::reconcile_at(dir, now, "reconcile");
}

#[test]
fn a_condition_that_stops_holding_stays_false_with_its_own_since() {
    let repo = git_repo();
    let dir = repo.path();
    commit(
        dir,
        &[("teams.yaml", TEAMS), ("trains/q4.yaml", common::TRAIN)],
        "rita",
        "2026-11-01T10:00:00Z",
    );
    let (t1, t2, t3) = (
        "2026-11-01T12:00:00Z".to_string(),
        "2026-11-02T12:00:00Z".to_string(),
        "2026-11-03T12:00:00Z".to_string(),
    );
    reconcile(dir, &t1);
    assert_eq!(
        conditions(dir),
        [("Blocked".to_string(), "True".to_string(), t1.clone())]
    );
    // marco rejects: the train is returned, and still blocked since before.
    let decision = |d: &str| {
        format!(
            "apiVersion: railyard/v1\nkind: Approval\nmetadata: {{name: q4-train}}\nspec: {{subject: ReleaseTrain/q4, gate: train, decision: {d}, by: marco}}\n"
        )
    };
    commit(
        dir,
        &[("approvals/q4-train.yaml", &decision("reject"))],
        "marco",
        "2026-11-02T10:00:00Z",
    );
    reconcile(dir, &t2);
    assert_eq!(
        conditions(dir),
        [
            ("Blocked".to_string(), "True".to_string(), t1.clone()),
            ("Returned".to_string(), "True".to_string(), t2.clone()),
        ]
    );
    // He approves after all: no longer returned, since this reconcile.
    commit(
        dir,
        &[("approvals/q4-train.yaml", &decision("approve"))],
        "marco",
        "2026-11-03T10:00:00Z",
    );
    reconcile(dir, &t3);
    let now = conditions(dir);
    assert!(
        now.contains(&("Returned".to_string(), "False".to_string(), t3.clone())),
        "{now:?}"
    );
    // A later reconcile changes nothing: the conditions keep their times.
    reconcile(dir, "2026-11-04T12:00:00Z");
    assert_eq!(conditions(dir), now);
    let bytes = std::fs::read(dir.join("status/ReleaseTrain/q4.yaml")).expect("a status file");
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("reason: NotRejected"), "{text}");
    // explain shows what holds, not what stopped holding.
    let explained = railyard()
        .args([
            "explain",
            "ReleaseTrain/q4",
            "--now",
            "2026-11-04T12:00:00Z",
            "--repo",
        ])
        .arg(dir)
        .output()
        .expect("runs");
    let said = stdout(&explained);
    assert!(!said.contains("condition Returned"), "{said}");
}

#[test]
fn explain_on_an_invalid_object_says_its_errors_hide_the_ways_out() {
    let dir = common::repo(&[
        ("teams.yaml", TEAMS.as_bytes()),
        (
            "trains/q4.yaml",
            b"apiVersion: railyard/v1\nkind: ReleaseTrain\nmetadata: {name: q4}\nspec: {type: minor, manager: rita, colour: red}\n",
        ),
    ]);
    let out = railyard()
        .args(["explain", "ReleaseTrain/q4", "--now", NOW, "--repo"])
        .arg(dir.path())
        .output()
        .expect("runs");
    let said = stdout(&out);
    assert!(
        said.contains(
            "ways out: unknown until the manifest's errors are fixed (run `railyard validate`)"
        ),
        "{said}"
    );
    assert!(!said.contains("terminal phase"), "{said}");
}

#[test]
fn under_format_github_a_hand_edited_status_file_is_a_warning_annotation_on_it() {
    let repo = common::train_repo();
    let dir = repo.path();
    reconcile(dir, NOW);
    let path = "status/ReleaseTrain/q4.yaml";
    let edited = std::fs::read_to_string(dir.join(path)).expect("a status file") + "# by hand\n";
    commit(dir, &[(path, &edited)], "marco", "2026-11-26T10:00:00Z");
    let out = railyard()
        .args([
            "reconcile",
            "--dry-run",
            "--format",
            "github",
            "--now",
            NOW,
            "--repo",
        ])
        .arg(dir)
        .output()
        .expect("runs");
    let said = stdout(&out);
    assert!(
        said.contains(&format!(
            "::warning file={path},title=railyard::{path} was last changed by marco <marco@example.com>"
        )),
        "{said}"
    );
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("warning:"),
        "said once, as an annotation"
    );
}
