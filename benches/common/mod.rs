//! The repository generator the benchmarks share: a valid release repository of any size.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

pub fn write(root: &Path, path: &str, text: &str) {
    let full = root.join(path);
    if let Some(parent) = full.parent() {
        std::fs::create_dir_all(parent).expect("create a directory");
    }
    std::fs::write(full, text).expect("write a file");
}

/// Writes a valid repository of about `manifests` manifests, one per file: per train, 20
/// application releases, 40 turnovers of ten tasks (a DAG), and approvals for the rest.
/// Returns the number of files.
pub fn generate(root: &Path, manifests: usize) -> usize {
    generate_with(root, manifests, "")
}

/// [`generate`] with every date and instant quoted (the same strings to railyard; a YAML 1.1
/// reader such as ajv-cli's would otherwise read timestamps).
pub fn generate_quoted(root: &Path, manifests: usize) -> usize {
    generate_with(root, manifests, "\"")
}

fn generate_with(root: &Path, manifests: usize, q: &str) -> usize {
    let count = std::cell::Cell::new(0usize);
    let put = |path: String, text: String| {
        write(root, &path, &text);
        count.set(count.get() + 1);
    };
    let teams = [
        ("release-managers", "rita"),
        ("release-engineers", "eve"),
        ("executives", "cora"),
        ("release-approvers", "sam"),
        ("developers", "dan"),
    ];
    for (team, member) in teams {
        put(
            format!("teams/{team}.yaml"),
            format!(
                "apiVersion: railyard/v1\nkind: Team\nmetadata:\n  name: {team}\nspec:\n  members:\n    - id: {member}\n      emails: [{member}@example.com]\n"
            ),
        );
    }
    let environments = [
        ("dev", "development", "test"),
        ("test", "test", "staging"),
        ("staging", "staging", "production"),
    ];
    for (name, tier, next) in environments {
        put(
            format!("environments/{name}.yaml"),
            format!(
                "apiVersion: railyard/v1\nkind: Environment\nmetadata:\n  name: {name}\nspec:\n  tier: {tier}\n  promotesTo: {next}\n"
            ),
        );
    }
    put(
        "environments/production.yaml".into(),
        format!(
            "apiVersion: railyard/v1\nkind: Environment\nmetadata:\n  name: production\nspec:\n  tier: production\n  freezes:\n    - from: {q}2026-12-21{q}\n      to: {q}2027-01-04{q}\n      reason: Year-end freeze\n"
        ),
    );
    let fixed = count.get();
    let per_train = 100;
    let trains = (manifests.saturating_sub(fixed)).div_ceil(per_train).max(1);
    let mut left = manifests.saturating_sub(fixed);
    let epoch = jiff::civil::date(2027, 1, 1);
    for t in 0..trains {
        let train = format!("train-{t:04}");
        let start = epoch
            .checked_add(jiff::Span::new().days(3 * t as i64))
            .expect("a date");
        let end = start
            .checked_add(jiff::Span::new().days(2))
            .expect("a date");
        put(
            format!("trains/{train}.yaml"),
            format!(
                "apiVersion: railyard/v1\nkind: ReleaseTrain\nmetadata:\n  name: {train}\nspec:\n  type: minor\n  purpose: Generated train {t}\n  manager: rita\n  schedule:\n    start: {q}{start}{q}\n    end: {q}{end}{q}\n  environments:\n    - name: test\n    - name: staging\n    - name: production\n  gates:\n    scoping:\n      criteria:\n        - id: scope-agreed\n          description: Scope agreed\n    construction:\n      criteria:\n        - id: releases-complete\n          description: Releases complete\n          check:\n            releasesIn: complete\n"
            ),
        );
        left = left.saturating_sub(1);
        let releases = 20.min(left);
        for r in 0..releases {
            let depends = if r > 0 {
                format!("  dependsOn: [{train}-app-{:02}]\n", r - 1)
            } else {
                String::new()
            };
            put(
                format!("releases/{train}/app-{r:02}.yaml"),
                format!(
                    "apiVersion: railyard/v1\nkind: ApplicationRelease\nmetadata:\n  name: {train}-app-{r:02}\nspec:\n  train: {train}\n  application: app-{r:02}\n  version: \"1.{t}.{r}\"\n{depends}  workItems:\n    - id: WI-{r}-1\n      type: business-request\n      title: Feature {r}\n      done: true\n    - id: WI-{r}-2\n      type: defect\n      title: Fix {r}\n      done: false\n"
                ),
            );
        }
        left -= releases;
        let turnovers = 40.min(left);
        for n in 0..turnovers {
            let release = format!("{train}-app-{:02}", n % releases.max(1));
            let target = if releases == 0 {
                format!("  train: {train}\n")
            } else {
                format!("  releases: [{release}]\n")
            };
            let mut text = format!(
                "apiVersion: railyard/v1\nkind: Turnover\nmetadata:\n  name: {train}-turnover-{n:02}\nspec:\n  environment: test\n{target}  scheduledAt: {q}{start}T20:00:00Z{q}\n  tasks:\n"
            );
            for k in 0..10 {
                let kind = if k % 4 == 3 {
                    "manual\n      owner: developers"
                } else {
                    "automated\n      run: [./deploy.sh, --step, \"{k}\"]"
                };
                let kind = kind.replace("{k}", &k.to_string());
                let deps = match k {
                    0 => String::new(),
                    1 | 2 => "\n      dependsOn: [step-0]".to_string(),
                    _ => format!("\n      dependsOn: [step-{}, step-{}]", k - 1, k - 2),
                };
                let _ = write!(
                    text,
                    "    - id: step-{k}\n      title: Step {k}\n      type: {kind}{deps}\n      timeout: 30m\n"
                );
            }
            put(format!("turnovers/{train}/t-{n:02}.yaml"), text);
        }
        left -= turnovers;
        let approvals = (per_train - 1 - releases - turnovers).min(left);
        for a in 0..approvals {
            let subject = format!("Turnover/{train}-turnover-{:02}", a % turnovers.max(1));
            let (subject, gate) = if turnovers == 0 {
                (format!("ReleaseTrain/{train}"), "train")
            } else {
                (subject, "acceptance")
            };
            put(
                format!("approvals/{train}/a-{a:02}.yaml"),
                format!(
                    "apiVersion: railyard/v1\nkind: Approval\nmetadata:\n  name: {train}-approval-{a:02}\nspec:\n  subject: {subject}\n  gate: {gate}\n  decision: approve\n  by: eve\n"
                ),
            );
        }
        left -= approvals;
        if left == 0 {
            break;
        }
    }
    count.get()
}

/// Commits everything in `root` to a new git repository as its first commit.
pub fn commit_all(root: &Path) {
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "manifests"]);
}

/// A hermetic git command in `root` as `eve`.
pub fn git(root: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(root)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "eve")
        .env("GIT_AUTHOR_EMAIL", "eve@example.com")
        .env("GIT_COMMITTER_NAME", "eve")
        .env("GIT_COMMITTER_EMAIL", "eve@example.com")
        .stdout(std::process::Stdio::null())
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}
