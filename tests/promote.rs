//! `railyard promote`: a deployed turnover becomes a new manifest for the next environment;
//! everything the rules forbid is refused with the reason, and nothing is overwritten.

mod common;

use common::{railyard, repo, stdout};

const NOW: &str = "2026-11-25T12:00:00Z";

const REPO: &str = r#"apiVersion: railyard/v1
kind: Team
metadata: {name: release-engineers}
spec: {members: [{id: eve, emails: [eve@example.com]}]}
---
apiVersion: railyard/v1
kind: Team
metadata: {name: developers}
spec: {members: [{id: dan, emails: [dan@example.com]}]}
---
apiVersion: railyard/v1
kind: Environment
metadata: {name: test}
spec: {tier: test, promotesTo: staging}
---
apiVersion: railyard/v1
kind: Environment
metadata: {name: staging}
spec: {tier: staging, promotesTo: production}
---
apiVersion: railyard/v1
kind: Environment
metadata: {name: production}
spec: {tier: production}
---
apiVersion: railyard/v1
kind: ApplicationRelease
metadata: {name: web-2}
spec:
  application: web
  version: "2.0"
  workItems: [{id: WEB-1, type: defect, title: "Fix: the cart", done: true}]
"#;

const TURNOVER: &str = r#"apiVersion: railyard/v1
kind: Turnover
metadata: {name: web-2-test}
spec:
  environment: test
  releases: [web-2]
  scheduledAt: 2026-11-24T20:00:00Z
  workItems: [WEB-1]
  tasks:
    - {id: deploy, title: "Deploy: web 2.0", type: automated, run: [./deploy.sh, --version, "2.0"], timeout: 20m}
    - {id: check, title: Check it, type: manual, owner: developers, dependsOn: [deploy]}
"#;

fn record(kind: &str, name: &str, spec: &str) -> String {
    format!("apiVersion: railyard/v1\nkind: {kind}\nmetadata: {{name: {name}}}\nspec: {spec}\n")
}

/// A plain-folder repository whose test turnover is deployed (when `deployed`).
fn setup(deployed: bool) -> tempfile::TempDir {
    let mut files = vec![
        ("repo.yaml".to_string(), REPO.to_string()),
        (
            "turnovers/web-2-test.yaml".to_string(),
            TURNOVER.to_string(),
        ),
        (
            "approvals/a.yaml".to_string(),
            record(
                "Approval",
                "accept",
                "{subject: Turnover/web-2-test, gate: acceptance, decision: approve, by: eve}",
            ),
        ),
        (
            "approvals/s.yaml".to_string(),
            record(
                "Approval",
                "start",
                "{subject: Turnover/web-2-test, gate: start, decision: approve, by: eve}",
            ),
        ),
    ];
    if deployed {
        for task in ["deploy", "check"] {
            let by = if task == "check" { "dan" } else { "eve" };
            files.push((
                format!("reports/{task}.yaml"),
                record("TaskReport", task, &format!("{{subject: Turnover/web-2-test, task: {task}, attempt: 1, outcome: succeeded, by: {by}}}")),
            ));
        }
    }
    let borrowed: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_bytes()))
        .collect();
    repo(&borrowed)
}

fn promote(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    railyard()
        .arg("promote")
        .args(args)
        .args(["--now", NOW, "--repo"])
        .arg(dir)
        .output()
        .expect("runs")
}

#[test]
fn a_deployed_turnover_is_promoted_to_a_new_manifest() {
    let dir = setup(true);
    let output = promote(dir.path(), &["web-2-test", "--to", "staging"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout(&output).starts_with("wrote turnovers/web-2-staging.yaml (Turnover/web-2-staging)")
    );
    let written =
        std::fs::read_to_string(dir.path().join("turnovers/web-2-staging.yaml")).expect("written");
    insta::assert_snapshot!(written);
    // The repository with the new manifest is valid, and the new turnover waits in draft for
    // its schedule.
    railyard()
        .args(["validate", "--repo"])
        .arg(dir.path())
        .assert()
        .success();
    let (json, _) = common::dry_run_json(dir.path(), NOW, &[]);
    let promoted = json["objects"]
        .as_array()
        .and_then(|o| o.iter().find(|o| o["name"] == "web-2-staging"))
        .expect("planned");
    assert_eq!(promoted["phase"], "draft");
    assert_eq!(
        promoted["blockedBy"][0]["reasons"][0],
        "`scheduledAt` is not set: set `spec.scheduledAt` in turnovers/web-2-staging.yaml"
    );
}

#[test]
fn promotions_the_rules_forbid_are_refused_and_nothing_is_written() {
    let dir = setup(false);
    let refused = |args: &[&str], reason: &str| {
        let output = promote(dir.path(), args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(reason), "{args:?}: {stderr}");
    };
    refused(
        &["web-2-test", "--to", "staging"],
        "turnover `web-2-test` is in `deploying`: only a deployed turnover can be promoted",
    );
    let deployed = setup(true);
    let refused_deployed = |args: &[&str], reason: &str| {
        let output = promote(deployed.path(), args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(reason), "{args:?}: {stderr}");
    };
    refused_deployed(
        &["web-2-test", "--to", "production"],
        "turnover `web-2-test` is on `test`, which promotes to `staging`; it cannot be promoted to `production`",
    );
    refused_deployed(
        &["web-2-test", "--to", "stagign"],
        "there is no environment `stagign` (did you mean `staging`?)",
    );
    refused_deployed(
        &["web-2-tset", "--to", "staging"],
        "did you mean `web-2-test`?",
    );
    refused_deployed(
        &["web-2-test", "--to", "staging", "--name", "Web_2"],
        "`Web_2` is not a valid name",
    );
    refused_deployed(
        &["web-2-test", "--to", "staging", "--name", "web-2-test"],
        "a turnover named `web-2-test` already exists",
    );
    // A file in the way is never overwritten.
    std::fs::write(
        deployed.path().join("turnovers/web-2-staging.yaml"),
        "# mine\n",
    )
    .expect("write");
    refused_deployed(
        &["web-2-test", "--to", "staging"],
        "turnovers/web-2-staging.yaml already exists",
    );
    assert_eq!(
        std::fs::read_to_string(deployed.path().join("turnovers/web-2-staging.yaml"))
            .expect("read"),
        "# mine\n"
    );
    assert!(!dir.path().join("turnovers/web-2-staging.yaml").exists());
}
