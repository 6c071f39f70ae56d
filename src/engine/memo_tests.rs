//! The incremental engine against the full one: random sequences of edits, approvals,
//! reports, schedule changes, a freeze and a moving clock, each round fed the status the
//! round before made (as `watch` is). Every round, the plans taken partly from the memo must
//! equal the plans of a reconcile that runs every object.

use std::collections::BTreeMap;
use std::sync::Arc;

use proptest::prelude::*;

use super::memo::PlanMemo;
use super::{ObjectPlan, StatusMap, reconcile};
use crate::catalog::Catalog;
use crate::load::{Content, ParseCache, RawFile, Settings};
use crate::trust::facts::Facts;

const SUBJECTS: [&str; 5] = [
    "ReleaseTrain/t1",
    "ReleaseTrain/t2",
    "Turnover/to1",
    "Turnover/to2",
    "Turnover/to3",
];
const GATES: [&str; 7] = [
    "train",
    "development",
    "qa",
    "executive",
    "close",
    "acceptance",
    "start",
];
const PEOPLE: [&str; 7] = ["rita", "marco", "eve", "raj", "cora", "sam", "dan"];
const TRAINS: [&str; 2] = ["t1", "t2"];
/// The trains share the environments, one after the other (t1's production window opens
/// after its turnover to production is scheduled, so that turnover waits for it).
const RESERVATIONS: [&str; 2] = [
    "{name: test, from: 2026-11-01, to: 2026-11-30}, {name: production, from: 2026-11-24, to: 2026-12-05}",
    "{name: test, from: 2026-12-01, to: 2026-12-20}, {name: production, from: 2026-12-06, to: 2026-12-31}",
];

#[derive(Clone, Debug)]
enum Op {
    Approve {
        subject: usize,
        gate: usize,
        by: usize,
        reject: bool,
    },
    Withdraw(usize),
    Report {
        turnover: usize,
        failed: bool,
        by: usize,
        attempt: u32,
    },
    Version {
        app: usize,
        version: u8,
    },
    Done {
        app: usize,
        done: bool,
    },
    Move {
        app: usize,
        train: usize,
    },
    Schedule {
        turnover: usize,
        hours: i64,
    },
    Request {
        turnover: usize,
        close: Option<bool>,
    },
    Retry {
        turnover: usize,
        attempt: u32,
    },
    Freeze(bool),
    Advance(u32),
    Nothing,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..SUBJECTS.len(), 0..GATES.len(), 0..PEOPLE.len(), proptest::bool::weighted(0.15))
            .prop_map(|(subject, gate, by, reject)| Op::Approve { subject, gate, by, reject }),
        1 => (0..8usize).prop_map(Op::Withdraw),
        2 => (0..3usize, proptest::bool::weighted(0.3), 0..PEOPLE.len(), 1..3u32)
            .prop_map(|(turnover, failed, by, attempt)| Op::Report { turnover, failed, by, attempt }),
        1 => (0..3usize, 0..4u8).prop_map(|(app, version)| Op::Version { app, version }),
        2 => (0..3usize, any::<bool>()).prop_map(|(app, done)| Op::Done { app, done }),
        1 => (0..3usize, 0..2usize).prop_map(|(app, train)| Op::Move { app, train }),
        2 => (0..3usize, -48..96i64).prop_map(|(turnover, hours)| Op::Schedule { turnover, hours }),
        1 => (0..3usize, proptest::option::of(any::<bool>()))
            .prop_map(|(turnover, close)| Op::Request { turnover, close }),
        1 => (0..3usize, 1..3u32).prop_map(|(turnover, attempt)| Op::Retry { turnover, attempt }),
        1 => any::<bool>().prop_map(Op::Freeze),
        3 => prop_oneof![Just(0u32), 1..6u32, 20..30u32, 200..800u32].prop_map(Op::Advance),
        3 => Just(Op::Nothing),
    ]
}

struct App {
    name: &'static str,
    train: usize,
    version: u8,
    done: bool,
}

struct Turnover {
    name: &'static str,
    environment: &'static str,
    train: usize,
    hours: i64,
    request: Option<bool>,
    attempt: u32,
}

/// A small repository as values; `files` writes it out, one document per file, so a change
/// to one object changes one file (as in a real repository).
struct Model {
    apps: Vec<App>,
    turnovers: Vec<Turnover>,
    approvals: Vec<String>,
    reports: Vec<String>,
    freeze: bool,
    now: jiff::Timestamp,
    counter: usize,
}

impl Model {
    fn new() -> Model {
        let app = |name, train| App {
            name,
            train,
            version: 0,
            done: false,
        };
        let turnover = |name, environment, train, hours| Turnover {
            name,
            environment,
            train,
            hours,
            request: None,
            attempt: 1,
        };
        Model {
            apps: vec![app("web", 0), app("api", 0), app("db", 1)],
            turnovers: vec![
                turnover("to1", "test", 0, 6),
                turnover("to2", "production", 0, 30),
                turnover("to3", "test", 1, -2),
            ],
            approvals: Vec::new(),
            reports: Vec::new(),
            freeze: false,
            now: "2026-11-23T12:00:00Z".parse().expect("a time"),
            counter: 0,
        }
    }

    fn apply(&mut self, op: &Op) {
        self.counter += 1;
        let n = self.counter;
        match *op {
            Op::Approve {
                subject,
                gate,
                by,
                reject,
            } => {
                let decision = if reject { "reject" } else { "approve" };
                self.approvals.push(format!(
                    "apiVersion: railyard/v1\nkind: Approval\nmetadata: {{name: a{n}}}\nspec: {{subject: {}, gate: {}, decision: {decision}, by: {}}}\n",
                    SUBJECTS[subject], GATES[gate], PEOPLE[by]
                ));
            }
            Op::Withdraw(i) => {
                if !self.approvals.is_empty() {
                    let i = i % self.approvals.len();
                    self.approvals.remove(i);
                }
            }
            Op::Report {
                turnover,
                failed,
                by,
                attempt,
            } => {
                let outcome = if failed { "failed" } else { "succeeded" };
                self.reports.push(format!(
                    "apiVersion: railyard/v1\nkind: TaskReport\nmetadata: {{name: r{n}}}\nspec: {{subject: Turnover/{}, task: check, attempt: {attempt}, outcome: {outcome}, by: {}}}\n",
                    self.turnovers[turnover].name, PEOPLE[by]
                ));
            }
            Op::Version { app, version } => self.apps[app].version = version,
            Op::Done { app, done } => self.apps[app].done = done,
            Op::Move { app, train } => self.apps[app].train = train,
            Op::Schedule { turnover, hours } => self.turnovers[turnover].hours = hours,
            Op::Request { turnover, close } => self.turnovers[turnover].request = close,
            Op::Retry { turnover, attempt } => self.turnovers[turnover].attempt = attempt,
            Op::Freeze(on) => self.freeze = on,
            Op::Advance(hours) => {
                self.now = self
                    .now
                    .checked_add(jiff::SignedDuration::from_hours(i64::from(hours)))
                    .expect("a later time");
            }
            Op::Nothing => {}
        }
    }

    fn files(&self) -> BTreeMap<String, String> {
        let mut files = BTreeMap::new();
        let freeze = if self.freeze {
            "  freezes: [{from: 2026-11-24, to: 2026-11-26, reason: Audit}]\n"
        } else {
            ""
        };
        files.insert(
            "base.yaml".to_string(),
            format!(
                "{}---\napiVersion: railyard/v1\nkind: Environment\nmetadata: {{name: test}}\nspec:\n  tier: test\n  promotesTo: production\n{freeze}",
                super::tests::BASE.replace(
                    "kind: Environment\nmetadata: {name: test}\nspec: {tier: test, promotesTo: production}\n---\napiVersion: railyard/v1\n",
                    ""
                )
            ),
        );
        for (i, train) in TRAINS.iter().enumerate() {
            files.insert(
                format!("trains/{train}.yaml"),
                format!(
                    "apiVersion: railyard/v1\nkind: ReleaseTrain\nmetadata: {{name: {train}}}\nspec:\n  type: minor\n  manager: rita\n  environments: [{}]\n  schedule: {{start: 2026-11-02, end: 2026-12-18, phases: {{scoping: 2026-11-2{}, construction: 2026-11-30}}}}\n",
                    RESERVATIONS[i],
                    4 + 2 * i
                ),
            );
        }
        for app in &self.apps {
            files.insert(
                format!("releases/{}.yaml", app.name),
                format!(
                    "apiVersion: railyard/v1\nkind: ApplicationRelease\nmetadata: {{name: {}}}\nspec: {{train: {}, application: {}, version: '1.{}', workItems: [{{id: w1, type: defect, title: Fix, done: {}}}]}}\n",
                    app.name, TRAINS[app.train], app.name, app.version, app.done
                ),
            );
        }
        for t in &self.turnovers {
            let at = "2026-11-23T12:00:00Z"
                .parse::<jiff::Timestamp>()
                .expect("a time")
                .checked_add(jiff::SignedDuration::from_hours(t.hours))
                .expect("a time");
            let request = match t.request {
                None => String::new(),
                Some(true) => "  request: close\n".into(),
                Some(false) => "  request: return\n".into(),
            };
            files.insert(
                format!("turnovers/{}.yaml", t.name),
                format!(
                    "apiVersion: railyard/v1\nkind: Turnover\nmetadata: {{name: {}}}\nspec:\n  environment: {}\n  train: {}\n  scheduledAt: {at}\n  retry: {{attempt: {}}}\n{request}  tasks: [{{id: check, title: Check, type: manual, owner: developers}}]\n",
                    t.name, t.environment, TRAINS[t.train], t.attempt
                ),
            );
        }
        files.insert(
            "releases/itil.yaml".into(),
            "apiVersion: railyard/v1\nkind: Release\nmetadata: {name: r1}\nspec: {title: Upgrade, releaseType: minor}\n".into(),
        );
        for (i, text) in self.approvals.iter().enumerate() {
            files.insert(format!("approvals/{i:03}.yaml"), text.clone());
        }
        for (i, text) in self.reports.iter().enumerate() {
            files.insert(format!("reports/{i:03}.yaml"), text.clone());
        }
        files
    }
}

/// Loads `files` through `cache` (unchanged files keep their parsed objects, as in `watch`).
fn load(cache: &mut ParseCache, files: &BTreeMap<String, String>) -> crate::load::Loaded {
    let keys = files
        .iter()
        .map(|(path, text)| (path.clone(), text.as_bytes().to_vec()))
        .collect();
    cache.load(Settings::default(), None, keys, |missing| {
        missing
            .iter()
            .map(|(path, bytes)| RawFile {
                path: path.clone(),
                content: Content::Bytes(bytes.clone()),
                again: None,
            })
            .collect()
    })
}

/// The status a round leaves, as the next round reads it (unchanged statuses keep their
/// allocation, as the status cache keeps them).
fn carried(plans: &[Arc<ObjectPlan>], before: &StatusMap) -> StatusMap {
    plans
        .iter()
        .map(|plan| {
            let key = (plan.kind, plan.name.clone());
            let status = match before.get(&key) {
                Some(old) if **old == plan.status => old.clone(),
                _ => Arc::new(plan.status.clone()),
            };
            (key, status)
        })
        .collect()
}

/// What a sequence of rounds did, in all.
#[derive(Debug, Default)]
struct Tally {
    /// Plans the memo supplied.
    reused: usize,
    transitions: usize,
    /// Error diagnostics (the model is meant to be valid, whatever the edits).
    errors: usize,
}

/// Runs `ops` round by round, comparing the incremental plans with the full ones. With
/// `commit`, each round reads the status the round before made (`watch`); without, every
/// round starts from no status (`watch --dry-run`, which commits nothing).
fn differential(ops: &[Op], commit: bool) -> Result<Tally, TestCaseError> {
    let mut model = Model::new();
    let mut cache = ParseCache::default();
    let mut memo = PlanMemo::default();
    let mut previous = StatusMap::new();
    let facts = Facts::unverified();
    let mut tally = Tally::default();
    // Every sequence starts and ends with rounds that change nothing.
    let all = [Op::Nothing, Op::Nothing]
        .iter()
        .chain(ops)
        .chain(&[Op::Nothing, Op::Nothing]);
    for (round, op) in all.enumerate() {
        model.apply(op);
        let mut loaded = load(&mut cache, &model.files());
        let diagnostics = crate::validate::check_loaded(&loaded, None);
        tally.errors += diagnostics
            .iter()
            .filter(|d| d.severity == crate::diagnostics::Severity::Error)
            .count();
        loaded.release_trees();
        let (catalog, _) = Catalog::build(&loaded.settings, &loaded.documents);
        let keys = crate::trust::Keyring::build(&catalog);
        let full = reconcile(
            &catalog,
            &keys,
            &diagnostics,
            &previous,
            &facts,
            model.now,
            None,
            super::WaysOut::Every,
        );
        let incremental = reconcile(
            &catalog,
            &keys,
            &diagnostics,
            &previous,
            &facts,
            model.now,
            Some(&mut memo),
            super::WaysOut::Every,
        );
        // The settle that steps again only what may move, in groups on every core, against
        // the plain one that steps every object in order (and against groups of one, where
        // no step is ever overtaken).
        for (name, settle) in [
            ("in order", &super::settle_in_order as super::Settle<'_>),
            ("in groups of one", &|r: &mut _, s: &mut _| {
                super::settle(r, s, 1)
            }),
            ("in groups of two", &|r: &mut _, s: &mut _| {
                super::settle(r, s, 2)
            }),
        ] {
            let other = super::reconcile_with(
                &catalog,
                &keys,
                &diagnostics,
                &previous,
                &facts,
                model.now,
                None,
                super::WaysOut::Every,
                settle,
            );
            prop_assert!(
                full == other,
                "round {round} ({op:?}) at {}: the plans settled {name} differ:\n{}",
                model.now,
                first_difference(&full, &other)
            );
        }
        tally.reused += memo.reused;
        tally.transitions += full.iter().map(|p| p.transitions.len()).sum::<usize>();
        prop_assert!(
            full == incremental,
            "round {round} ({op:?}) at {}: the incremental plans differ from the full ones:\n{}",
            model.now,
            first_difference(&full, &incremental)
        );
        if commit {
            previous = carried(&full, &previous);
        }
    }
    Ok(tally)
}

fn first_difference(full: &[Arc<ObjectPlan>], incremental: &[Arc<ObjectPlan>]) -> String {
    if full.len() != incremental.len() {
        return format!("{} plans, not {}", incremental.len(), full.len());
    }
    full.iter()
        .zip(incremental)
        .find(|(a, b)| a != b)
        .map(|(a, b)| format!("full: {a:#?}\nincremental: {b:#?}"))
        .unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn the_incremental_engine_plans_what_the_full_engine_plans(
        ops in proptest::collection::vec(op(), 1..30),
        commit in proptest::bool::weighted(0.8),
    ) {
        differential(&ops, commit)?;
    }
}

#[test]
fn a_release_carried_through_its_phases_plans_the_same_either_way() {
    let approve = |subject, gate, by| Op::Approve {
        subject,
        gate,
        by,
        reject: false,
    };
    // t1 approved into construction (its releases follow), to1 accepted and started at its
    // scheduled time, its task reported done by a developer, the clock past deadlines.
    let ops = [
        approve(0, 0, 0),
        Op::Done { app: 0, done: true },
        approve(2, 5, 2),
        approve(2, 6, 3),
        Op::Advance(3),
        Op::Advance(4),
        Op::Report {
            turnover: 0,
            failed: false,
            by: 6,
            attempt: 1,
        },
        Op::Advance(30),
        Op::Freeze(true),
        Op::Advance(100),
    ];
    for commit in [true, false] {
        let tally = differential(&ops, commit).expect("the same plans");
        assert_eq!(tally.errors, 0, "the model is valid");
        assert!(tally.transitions >= 6, "{tally:?}");
        // Without status every object starts anew each round: nothing is at rest.
        assert_eq!(tally.reused > 0, commit, "{tally:?}");
    }
}

#[test]
fn a_change_runs_its_cluster_again_and_reuses_the_others() {
    let mut model = Model::new();
    let mut cache = ParseCache::default();
    let mut memo = PlanMemo::default();
    let mut previous = StatusMap::new();
    let facts = Facts::unverified();
    let mut round = |model: &Model, previous: &mut StatusMap| -> (usize, usize) {
        let mut loaded = load(&mut cache, &model.files());
        let diagnostics = crate::validate::check_loaded(&loaded, None);
        loaded.release_trees();
        let (catalog, _) = Catalog::build(&loaded.settings, &loaded.documents);
        let plans = reconcile(
            &catalog,
            &crate::trust::Keyring::build(&catalog),
            &diagnostics,
            previous,
            &facts,
            model.now,
            Some(&mut memo),
            super::WaysOut::Every,
        );
        *previous = carried(&plans, previous);
        (memo.ran, memo.reused)
    };
    // 2 trains, 3 application releases, 3 turnovers, 1 ITIL release: t1 with web, api, to1
    // and to2 is one cluster (5 objects), t2 with db and to3 another (3), r1 a third (1).
    round(&model, &mut previous);
    round(&model, &mut previous);
    assert_eq!(
        round(&model, &mut previous),
        (0, 9),
        "a quiet round runs nothing"
    );
    model.apply(&Op::Version { app: 2, version: 3 });
    assert_eq!(
        round(&model, &mut previous),
        (3, 6),
        "db's train, db and to3 run again"
    );
    // The status db's change made is read back once (it differs from what db started from).
    assert_eq!(round(&model, &mut previous), (3, 6));
    assert_eq!(round(&model, &mut previous), (0, 9));
    // A change to an environment may reach every object.
    model.apply(&Op::Freeze(true));
    assert_eq!(round(&model, &mut previous).0, 9);
}

#[test]
fn a_memo_keeps_the_views_of_the_specs_and_a_one_shot_run_lets_them_go() {
    let model = Model::new();
    let facts = Facts::unverified();
    let run = |loaded: &crate::load::Loaded, memo: Option<&mut PlanMemo>| {
        let diagnostics = crate::validate::check_loaded(loaded, None);
        let (catalog, _) = Catalog::build(&loaded.settings, &loaded.documents);
        reconcile(
            &catalog,
            &crate::trust::Keyring::build(&catalog),
            &diagnostics,
            &StatusMap::new(),
            &facts,
            model.now,
            memo,
            super::WaysOut::Dropped,
        )
    };
    let filled = |loaded: &crate::load::Loaded| {
        loaded
            .documents
            .iter()
            .filter(|d| d.view.as_deref().is_some_and(|cell| cell.get().is_some()))
            .count()
    };
    // A cached document has a cell for its view; a round with a memo fills it, and the next
    // round's copy of the document shares it.
    let mut cache = ParseCache::default();
    let first = load(&mut cache, &model.files());
    assert!(first.documents.iter().all(|d| d.view.is_some()));
    let mut memo = PlanMemo::default();
    let kept = run(&first, Some(&mut memo));
    assert_eq!(filled(&first), kept.len());
    let again = load(&mut cache, &model.files());
    assert_eq!(filled(&again), kept.len());
    for (one, other) in first.documents.iter().zip(&again.documents) {
        let (Some(one), Some(other)) = (&one.view, &other.view) else {
            panic!("a cached document without a cell");
        };
        assert!(Arc::ptr_eq(one, other));
    }
    // Without a memo no view is kept, and the plans are the same.
    let mut fresh_cache = ParseCache::default();
    let fresh = load(&mut fresh_cache, &model.files());
    let plans = run(&fresh, None);
    assert_eq!(filled(&fresh), 0);
    assert_eq!(plans, kept);
    // A document no cache holds has no cell at all.
    let raw = model
        .files()
        .into_iter()
        .map(|(path, text)| RawFile {
            path,
            content: Content::Bytes(text.into_bytes()),
            again: None,
        })
        .collect();
    let parsed = crate::load::parse_files(Settings::default(), None, raw);
    assert!(!parsed.documents.is_empty());
    assert!(parsed.documents.iter().all(|d| d.view.is_none()));
}
