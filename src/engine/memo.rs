//! Incremental reconciles, for `watch`: what the engine decided for each object last round,
//! and whether it still stands.
//!
//! The engine's objects fall into *clusters*: a train with its application releases and
//! turnovers, turnovers joined by `releases`, `promotedFrom` and `tasksFrom`, and each ITIL
//! release on its own. An object's guards read only its own cluster (parents, related
//! objects and their phases), its approvals and task reports, the git facts of those files,
//! and things every object may read: settings, teams, environments, workflows, templates and
//! models. So the plans of a cluster are a function of
//!
//! - every member's document, previous status and validity (an error in a member, or in what
//!   it depends on, makes it `Invalid`),
//! - the approvals and reports whose subject is a member, and who committed them,
//! - the documents of every other kind (one change there runs everything again),
//! - and the clock, but only through instants a guard compared it with.
//!
//! A cluster is *at rest* when running it again changed nothing: no transition, no
//! notification, and every member's new status equal to the one it started from. Such a
//! cluster's plans are reused while none of its inputs changes and the clock has not reached
//! the earliest instant one of its guards was waiting for (its timer). Everything else is
//! run again, whole clusters at a time, exactly as a full reconcile would run it; the
//! differential test in `memo_tests.rs` holds the two to the same output.

use foldhash::{HashMap, HashMapExt, HashSet};
use std::sync::Arc;

use super::{ObjectPlan, StatusMap};
use crate::catalog::Catalog;
use crate::load::{SameObject, Settings};
use crate::manifest::{ApplicationReleaseSpec, ApprovalSpec, Kind, TaskReportSpec, TurnoverSpec};
use crate::status::ObjectStatus;
use crate::trust::facts::{Commit, Facts};

/// The kinds the engine drives, in the order it runs them.
const DRIVEN: [Kind; 4] = [
    Kind::ReleaseTrain,
    Kind::ApplicationRelease,
    Kind::Turnover,
    Kind::Release,
];

/// Kinds that belong to one driven object (their `subject`).
const ATTACHED: [Kind; 2] = [Kind::Approval, Kind::TaskReport];

/// Last round's decisions, carried from one reconcile to the next.
#[derive(Default)]
pub struct PlanMemo {
    /// The clock of the last round: a clock that goes back runs everything again.
    now: Option<jiff::Timestamp>,
    global: Option<Global>,
    /// Per driven kind (in [`DRIVEN`]'s order), by name.
    objects: [HashMap<String, Entry>; 4],
    clusters: Vec<Cluster>,
    /// How many objects the last round took from the memo, and how many it ran.
    pub reused: usize,
    pub ran: usize,
}

impl PlanMemo {
    /// The earliest instant a guard of the last round was waiting for (a `scheduledAt`, a
    /// due date, the end of a freeze, a window opening): a watcher reconciles again then.
    pub fn next_timer(&self) -> Option<jiff::Timestamp> {
        self.clusters.iter().filter_map(|c| c.timer).min()
    }
}

/// What every object may read.
#[derive(PartialEq)]
struct Global {
    settings: Settings,
    verified: bool,
    /// Every document of a kind that is neither driven nor attached, in order.
    documents: Vec<(String, Option<Kind>, Option<String>, SameObject)>,
}

impl Global {
    /// The settings, whether the history is verified, and every document that is neither
    /// driven nor attached to a driven object.
    fn of(catalog: &Catalog<'_>, facts: &Facts) -> Global {
        Global {
            settings: catalog.settings.clone(),
            verified: facts.verified,
            documents: catalog
                .documents()
                .iter()
                .filter(|d| {
                    d.kind
                        .is_none_or(|k| !DRIVEN.contains(&k) && !ATTACHED.contains(&k))
                })
                .map(|d| (d.path.clone(), d.kind, d.name.clone(), SameObject::of(d)))
                .collect(),
        }
    }
}

/// What one object's plan was made from, beyond its cluster and the global inputs.
struct Inputs {
    path: String,
    object: SameObject,
    /// Compared by identity first, by value when that fails.
    previous: Option<Arc<ObjectStatus>>,
    invalid: bool,
    added: Option<Commit>,
    changed: Option<Commit>,
    /// Approvals and reports about the object: path, object, who added them.
    attached: Vec<(String, SameObject, Option<Commit>)>,
}

/// This round's view of one object, borrowed from the catalog, the status and the facts.
struct Current<'c> {
    document: Option<&'c crate::load::Document>,
    previous: Option<&'c Arc<ObjectStatus>>,
    invalid: bool,
    added: Option<&'c Commit>,
    changed: Option<&'c Commit>,
    attached: &'c [Attached<'c>],
}

/// An approval or report as this round has it.
struct Attached<'c> {
    document: &'c crate::load::Document,
    added: Option<&'c Commit>,
}

impl Inputs {
    fn matches(&self, now: &Current<'_>) -> bool {
        let path = now.document.map_or("", |d| d.path.as_str());
        self.path == path
            && self.object.is(now.document)
            && self.invalid == now.invalid
            && self.added.as_ref() == now.added
            && self.changed.as_ref() == now.changed
            && match (&self.previous, now.previous) {
                (None, None) => true,
                (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a == b,
                _ => false,
            }
            && self.attached.len() == now.attached.len()
            && self.attached.iter().zip(now.attached).all(|(was, is)| {
                was.0 == is.document.path
                    && was.1.is(Some(is.document))
                    && was.2.as_ref() == is.added
            })
    }

    fn of(now: &Current<'_>) -> Inputs {
        Inputs {
            path: now.document.map(|d| d.path.clone()).unwrap_or_default(),
            object: now.document.map_or(SameObject::default(), SameObject::of),
            previous: now.previous.cloned(),
            invalid: now.invalid,
            added: now.added.cloned(),
            changed: now.changed.cloned(),
            attached: now
                .attached
                .iter()
                .map(|a| {
                    (
                        a.document.path.clone(),
                        SameObject::of(a.document),
                        a.added.cloned(),
                    )
                })
                .collect(),
        }
    }
}

struct Entry {
    inputs: Inputs,
    cluster: usize,
    plan: Arc<ObjectPlan>,
}

#[derive(Clone, Copy)]
struct Cluster {
    size: usize,
    at_rest: bool,
    timer: Option<jiff::Timestamp>,
}

/// This round's objects, their clusters and which clusters stand as they were.
pub struct Reuse<'c> {
    /// Every driven object, in the engine's order.
    keys: Vec<(Kind, &'c str)>,
    cluster: Vec<usize>,
    sizes: Vec<usize>,
    clean: Vec<bool>,
    index: HashMap<(Kind, &'c str), usize>,
    /// The inputs of the objects to run (`None` for those taken from the memo).
    inputs: Vec<Option<Inputs>>,
    global: Global,
    now: jiff::Timestamp,
}

impl Reuse<'_> {
    /// True when the object's plan is taken from the memo.
    pub fn reused(&self, kind: Kind, name: &str) -> bool {
        self.index
            .get(&(kind, name))
            .is_some_and(|&i| self.clean[self.cluster[i]])
    }
}

fn slot(kind: Kind) -> usize {
    DRIVEN.iter().position(|&k| k == kind).unwrap_or(0)
}

impl PlanMemo {
    /// Looks at this round's inputs and decides which clusters stand as they were.
    pub fn round<'c>(
        &self,
        catalog: &Catalog<'c>,
        invalid: &std::collections::BTreeSet<(Kind, String)>,
        previous: &'c StatusMap,
        facts: &'c Facts,
        now: jiff::Timestamp,
    ) -> Reuse<'c> {
        let started = std::time::Instant::now();
        let lap = |what: &str| {
            tracing::debug!(
                elapsed_us = started.elapsed().as_micros() as u64,
                "memo: {what}"
            );
        };
        let keys: Vec<(Kind, &'c str)> = DRIVEN
            .iter()
            .flat_map(|&kind| {
                catalog
                    .names(kind)
                    .into_iter()
                    .map(move |name| (kind, name))
            })
            .collect();
        let index: HashMap<(Kind, &'c str), usize> =
            keys.iter().enumerate().map(|(i, &key)| (key, i)).collect();
        lap("listed the objects");
        let (cluster, sizes) = clusters(catalog, &keys, &index);
        lap("found the clusters");
        let attached = attached(catalog, facts);
        lap("gathered the approvals and reports");
        let statuses = previous_of(&keys, previous);
        let none: &[Attached<'_>] = &[];
        let current = |i: usize| {
            let (kind, name) = keys[i];
            let document = catalog.document(kind, name);
            let path = document.map_or("", |d| d.path.as_str());
            Current {
                document,
                previous: statuses[i],
                invalid: !invalid.is_empty() && invalid.contains(&(kind, name.to_string())),
                added: facts.added.get(path),
                changed: facts.changed.get(path),
                attached: attached
                    .get(&(kind.as_str(), name))
                    .map_or(none, Vec::as_slice),
            }
        };
        let global = Global::of(catalog, facts);
        let comparable =
            self.global.as_ref() == Some(&global) && self.now.is_some_and(|t| t <= now);
        lap("compared the settings and the other documents");
        let clean = if comparable {
            let stands = |i: usize| {
                let entry = self.objects[slot(keys[i].0)].get(keys[i].1)?;
                entry.inputs.matches(&current(i)).then_some(entry.cluster)
            };
            self.standing(&cluster, &sizes, stands, now, &lap)
        } else {
            vec![false; sizes.len()]
        };
        lap("found the clusters that stand");
        let inputs = cluster
            .iter()
            .enumerate()
            .map(|(i, &c)| (!clean[c]).then(|| Inputs::of(&current(i))))
            .collect();
        Reuse {
            keys,
            cluster,
            sizes,
            clean,
            index,
            inputs,
            global,
            now,
        }
    }

    /// Which of this round's clusters stand as they were: every member's inputs match the
    /// memo's (`stands` gives the memo's cluster it was in), all in one memo cluster of the
    /// same size that was at rest, and the clock not yet at its timer.
    fn standing(
        &self,
        cluster: &[usize],
        sizes: &[usize],
        stands: impl Fn(usize) -> Option<usize> + Sync + Send,
        now: jiff::Timestamp,
        lap: &dyn Fn(&str),
    ) -> Vec<bool> {
        // Whether each object stands, on every core; then the memo's cluster each new
        // cluster was, while every member stands.
        let stood: Vec<Option<usize>> = {
            use rayon::prelude::*;
            (0..cluster.len()).into_par_iter().map(&stands).collect()
        };
        lap("compared each object's inputs");
        let mut clean = vec![true; sizes.len()];
        let mut was: Vec<Option<usize>> = vec![None; sizes.len()];
        for (i, stood) in stood.into_iter().enumerate() {
            let c = cluster[i];
            clean[c] &= stood.is_some_and(|k| *was[c].get_or_insert(k) == k);
        }
        for (c, standing) in clean.iter_mut().enumerate() {
            *standing = *standing
                && was[c]
                    .and_then(|k| self.clusters.get(k))
                    .is_some_and(|old| {
                        old.size == sizes[c] && old.at_rest && old.timer.is_none_or(|h| now < h)
                    });
        }
        clean
    }

    /// Records this round: `plans` are the plans the engine made (with the timer of each),
    /// for the objects the round did not reuse; the reused ones are added to them.
    pub fn record(
        &mut self,
        round: Reuse<'_>,
        plans: &mut Vec<Arc<ObjectPlan>>,
        timers: &HashMap<(Kind, String), jiff::Timestamp>,
    ) {
        let Reuse {
            keys,
            cluster,
            sizes,
            clean,
            index,
            inputs,
            global,
            now,
        } = round;
        let mut clusters: Vec<Cluster> = sizes
            .iter()
            .map(|&size| Cluster {
                size,
                at_rest: true,
                timer: None,
            })
            .collect();
        let mut made: HashMap<(Kind, &str), Arc<ObjectPlan>> = HashMap::new();
        for plan in std::mem::take(plans) {
            match index.get(&(plan.kind, plan.name.as_str())).copied() {
                Some(i) => {
                    made.insert(keys[i], plan);
                }
                // Not a driven object (none today): kept as made.
                None => plans.push(plan),
            }
        }
        let mut reused = 0;
        let mut kept: [HashSet<&str>; 4] = Default::default();
        for ((&(kind, name), inputs), c) in keys.iter().zip(inputs).zip(cluster) {
            let objects = &mut self.objects[slot(kind)];
            if clean[c] {
                let Some(entry) = objects.get_mut(name) else {
                    continue;
                };
                // A standing cluster keeps the timer it had.
                if let Some(old) = self.clusters.get(entry.cluster) {
                    clusters[c].timer = old.timer;
                }
                entry.cluster = c;
                plans.push(entry.plan.clone());
                kept[slot(kind)].insert(name);
                reused += 1;
                continue;
            }
            let (Some(plan), Some(inputs)) = (made.remove(&(kind, name)), inputs) else {
                objects.remove(name);
                continue;
            };
            let rest = plan.transitions.is_empty()
                && plan.notifications.is_empty()
                && inputs
                    .previous
                    .as_deref()
                    .is_some_and(|before| *before == plan.status);
            let cluster = &mut clusters[c];
            cluster.at_rest &= rest;
            if let Some(h) = timers.get(&(kind, name.to_string())) {
                cluster.timer = Some(cluster.timer.map_or(*h, |c| c.min(*h)));
            }
            plans.push(plan.clone());
            kept[slot(kind)].insert(name);
            objects.insert(
                name.to_string(),
                Entry {
                    inputs,
                    cluster: c,
                    plan,
                },
            );
        }
        // Objects that are gone.
        for (objects, kept) in self.objects.iter_mut().zip(&kept) {
            if objects.len() > kept.len() {
                objects.retain(|name, _| kept.contains(name.as_str()));
            }
        }
        self.ran = kept.iter().map(|k| k.len()).sum::<usize>() - reused;
        self.reused = reused;
        self.clusters = clusters;
        self.global = Some(global);
        self.now = Some(now);
    }
}

/// Each object's cluster (an index) and every cluster's size: union-find over the relations
/// the guards follow.
fn clusters(
    catalog: &Catalog<'_>,
    keys: &[(Kind, &str)],
    index: &HashMap<(Kind, &str), usize>,
) -> (Vec<usize>, Vec<usize>) {
    let mut parent: Vec<usize> = (0..keys.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut join = |a: usize, kind: Kind, name: &str| {
        // A name that is not defined joins nothing: no guard can read it.
        if let Some(&b) = index.get(&(kind, name)) {
            let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
            if ra != rb {
                parent[ra.max(rb)] = ra.min(rb);
            }
        }
    };
    for release in catalog.all::<ApplicationReleaseSpec>() {
        let Some(&i) = index.get(&(Kind::ApplicationRelease, release.name())) else {
            continue;
        };
        if let Some(train) = &release.manifest.spec.train {
            join(i, Kind::ReleaseTrain, train.as_str());
        }
    }
    for turnover in catalog.all::<TurnoverSpec>() {
        let Some(&i) = index.get(&(Kind::Turnover, turnover.name())) else {
            continue;
        };
        let spec = &turnover.manifest.spec;
        if let Some(train) = &spec.train {
            join(i, Kind::ReleaseTrain, train.as_str());
        }
        for release in spec.releases.iter().flatten() {
            join(i, Kind::ApplicationRelease, release.as_str());
        }
        for other in spec.promoted_from.iter().chain(&spec.tasks_from) {
            join(i, Kind::Turnover, other.as_str());
        }
    }
    let mut numbers: HashMap<usize, usize> = HashMap::new();
    let mut sizes = Vec::new();
    let cluster = (0..keys.len())
        .map(|i| {
            let r = root(&mut parent, i);
            let next = numbers.len();
            let c = *numbers.entry(r).or_insert(next);
            if c == sizes.len() {
                sizes.push(0);
            }
            sizes[c] += 1;
            c
        })
        .collect();
    (cluster, sizes)
}

/// Each key's previous status. The keys come in the map's own order (driven kinds in
/// declaration order, names sorted), so one walk through both finds them all, without a
/// lookup (and a name copied for it) each; keys in another order are looked up.
pub(super) fn previous_of<'c>(
    keys: &[(Kind, &str)],
    previous: &'c StatusMap,
) -> Vec<Option<&'c Arc<ObjectStatus>>> {
    if !keys.windows(2).all(|w| w[0] < w[1]) {
        return keys
            .iter()
            .map(|&(kind, name)| previous.get(&(kind, name.to_string())))
            .collect();
    }
    let mut entries = previous.iter().peekable();
    keys.iter()
        .map(|&(kind, name)| {
            while entries
                .next_if(|((k, n), _)| (*k, n.as_str()) < (kind, name))
                .is_some()
            {}
            entries
                .next_if(|((k, n), _)| *k == kind && n == name)
                .map(|(_, status)| status)
        })
        .collect()
}

/// Approvals and task reports by subject (kind, name), as the engine reads them.
fn attached<'c>(
    catalog: &Catalog<'c>,
    facts: &'c Facts,
) -> HashMap<(&'c str, &'c str), Vec<Attached<'c>>> {
    let mut by_subject: HashMap<(&str, &str), Vec<Attached<'_>>> =
        HashMap::with_capacity(catalog.count(Kind::Approval) + catalog.count(Kind::TaskReport));
    let mut add = |subject: &'c crate::manifest::ObjectRef, document: &'c crate::load::Document| {
        by_subject
            .entry((subject.kind.as_str(), subject.name.as_str()))
            .or_default()
            .push(Attached {
                document,
                added: facts.added.get(&document.path),
            });
    };
    for approval in catalog.all::<ApprovalSpec>() {
        add(&approval.manifest.spec.subject, approval.document);
    }
    for report in catalog.all::<TaskReportSpec>() {
        add(&report.manifest.spec.subject, report.document);
    }
    by_subject
}
