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
//! the earliest instant one of its guards was waiting for (its horizon). Everything else is
//! run again, whole clusters at a time, exactly as a full reconcile would run it; the
//! differential test in `tests.rs` holds the two to the same output.

use std::collections::HashMap;
use std::sync::Arc;

use super::{ObjectPlan, StatusMap};
use crate::catalog::Catalog;
use crate::facts::{Commit, Facts};
use crate::load::Settings;
use crate::manifest::{
    ApplicationReleaseSpec, ApprovalSpec, Kind, Object, TaskReportSpec, TurnoverSpec,
};

/// The kinds the engine drives, in the order it runs them.
pub const DRIVEN: [Kind; 4] = [
    Kind::ReleaseTrain,
    Kind::ApplicationRelease,
    Kind::Turnover,
    Kind::Release,
];

/// Kinds that belong to one driven object (their `subject`).
const ATTACHED: [Kind; 2] = [Kind::Approval, Kind::TaskReport];

/// Last round's decisions, carried from one reconcile to the next.
#[derive(Default)]
pub struct Memo {
    /// The clock of the last round: a clock that goes back runs everything again.
    now: Option<jiff::Timestamp>,
    global: Option<Global>,
    objects: HashMap<(Kind, String), Entry>,
    clusters: Vec<Cluster>,
    /// How many objects the last round took from the memo, and how many it ran.
    pub reused: usize,
    pub ran: usize,
}

/// What every object may read.
#[derive(PartialEq)]
struct Global {
    settings: Settings,
    verified: bool,
    /// Every document of a kind that is neither driven nor attached, in order.
    documents: Vec<(String, Option<Kind>, Option<String>, Shared)>,
}

/// A parsed object, compared by identity: a watcher's parse cache hands out the same one for
/// the same blob, and holding it here keeps its address from being reused.
#[derive(Clone)]
struct Shared(Option<Arc<Object>>);

impl PartialEq for Shared {
    fn eq(&self, other: &Shared) -> bool {
        match (&self.0, &other.0) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

/// A previous status, compared by identity first and by value when that fails.
#[derive(Clone)]
struct Previous(Option<Arc<crate::status::ObjectStatus>>);

impl PartialEq for Previous {
    fn eq(&self, other: &Previous) -> bool {
        match (&self.0, &other.0) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a == b,
            _ => false,
        }
    }
}

/// What one object's plan was made from, beyond its cluster and the global inputs.
#[derive(Clone, PartialEq)]
struct Inputs {
    path: String,
    object: Shared,
    previous: Previous,
    invalid: bool,
    added: Option<Commit>,
    changed: Option<Commit>,
    /// Approvals and reports about the object: path, object, who added them.
    attached: Vec<(String, Shared, Option<Commit>)>,
}

struct Entry {
    inputs: Inputs,
    cluster: usize,
    plan: ObjectPlan,
}

#[derive(Clone, Copy)]
struct Cluster {
    size: usize,
    at_rest: bool,
    horizon: Option<jiff::Timestamp>,
}

/// This round's objects, their clusters and which clusters stand as they were.
pub struct Round {
    /// Every driven object, in the engine's order.
    keys: Vec<(Kind, String)>,
    inputs: Vec<Inputs>,
    cluster: Vec<usize>,
    sizes: Vec<usize>,
    clean: Vec<bool>,
    index: HashMap<(Kind, String), usize>,
    global: Global,
    now: jiff::Timestamp,
}

impl Round {
    /// True when the object's plan is taken from the memo.
    pub fn reused(&self, kind: Kind, name: &str) -> bool {
        self.index
            .get(&(kind, name.to_string()))
            .is_some_and(|&i| self.clean[self.cluster[i]])
    }
}

impl Memo {
    /// Looks at this round's inputs and decides which clusters stand as they were.
    pub fn round(
        &self,
        catalog: &Catalog<'_>,
        invalid: &std::collections::BTreeSet<(Kind, String)>,
        previous: &StatusMap,
        facts: &Facts,
        now: jiff::Timestamp,
    ) -> Round {
        let keys: Vec<(Kind, String)> = DRIVEN
            .iter()
            .flat_map(|&kind| {
                catalog
                    .names(kind)
                    .into_iter()
                    .map(move |name| (kind, name.to_string()))
            })
            .collect();
        let index: HashMap<(Kind, String), usize> = keys
            .iter()
            .enumerate()
            .map(|(i, key)| (key.clone(), i))
            .collect();
        let (cluster, sizes) = clusters(catalog, &keys, &index);
        let attached = attached(catalog, facts);
        let inputs: Vec<Inputs> = {
            use rayon::prelude::*;
            keys.par_iter()
                .map(|(kind, name)| {
                    let document = catalog.document(*kind, name);
                    let path = document.map(|d| d.path.clone()).unwrap_or_default();
                    Inputs {
                        object: Shared(document.and_then(|d| d.object.clone())),
                        previous: Previous(previous.get(&(*kind, name.clone())).cloned()),
                        invalid: invalid.contains(&(*kind, name.clone())),
                        added: facts.added.get(&path).cloned(),
                        changed: facts.changed.get(&path).cloned(),
                        attached: attached
                            .get(&format!("{kind}/{name}"))
                            .cloned()
                            .unwrap_or_default(),
                        path,
                    }
                })
                .collect()
        };
        let global = Global {
            settings: catalog.settings.clone(),
            verified: facts.verified,
            documents: catalog
                .documents()
                .iter()
                .filter(|d| {
                    d.kind
                        .is_none_or(|k| !DRIVEN.contains(&k) && !ATTACHED.contains(&k))
                })
                .map(|d| {
                    (
                        d.path.clone(),
                        d.kind,
                        d.name.clone(),
                        Shared(d.object.clone()),
                    )
                })
                .collect(),
        };
        let comparable =
            self.global.as_ref() == Some(&global) && self.now.is_some_and(|t| t <= now);
        let mut clean = vec![comparable; sizes.len()];
        // The memo's cluster each new cluster was, while every member matches.
        let mut was: Vec<Option<usize>> = vec![None; sizes.len()];
        if comparable {
            for (i, key) in keys.iter().enumerate() {
                let c = cluster[i];
                if !clean[c] {
                    continue;
                }
                let stands = self.objects.get(key).is_some_and(|entry| {
                    entry.inputs == inputs[i]
                        && *was[c].get_or_insert(entry.cluster) == entry.cluster
                });
                clean[c] = stands;
            }
            for (c, standing) in clean.iter_mut().enumerate() {
                *standing = *standing
                    && was[c]
                        .and_then(|k| self.clusters.get(k))
                        .is_some_and(|old| {
                            old.size == sizes[c]
                                && old.at_rest
                                && old.horizon.is_none_or(|h| now < h)
                        });
            }
        }
        Round {
            keys,
            inputs,
            cluster,
            sizes,
            clean,
            index,
            global,
            now,
        }
    }

    /// Records this round: `plans` are the plans the engine made (with the horizon of each),
    /// for the objects the round did not reuse; the reused ones are added to them.
    pub fn record(
        &mut self,
        round: Round,
        plans: &mut Vec<ObjectPlan>,
        horizons: &HashMap<(Kind, String), jiff::Timestamp>,
    ) {
        let Round {
            keys,
            inputs,
            cluster,
            sizes,
            clean,
            index: _,
            global,
            now,
        } = round;
        let mut clusters: Vec<Cluster> = sizes
            .iter()
            .map(|&size| Cluster {
                size,
                at_rest: true,
                horizon: None,
            })
            .collect();
        let mut objects: HashMap<(Kind, String), Entry> = HashMap::with_capacity(keys.len());
        let mut made: HashMap<(Kind, String), ObjectPlan> = std::mem::take(plans)
            .into_iter()
            .map(|plan| ((plan.kind, plan.name.clone()), plan))
            .collect();
        let mut reused = 0;
        for ((key, inputs), c) in keys.into_iter().zip(inputs).zip(cluster) {
            if clean[c] {
                let Some(mut entry) = self.objects.remove(&key) else {
                    continue;
                };
                // A standing cluster keeps the horizon and rest it had.
                if let Some(old) = self.clusters.get(entry.cluster) {
                    clusters[c].horizon = old.horizon;
                }
                entry.cluster = c;
                plans.push(entry.plan.clone());
                objects.insert(key, entry);
                reused += 1;
                continue;
            }
            let Some(plan) = made.remove(&key) else {
                continue;
            };
            let rest = plan.transitions.is_empty()
                && plan.notifications.is_empty()
                && inputs
                    .previous
                    .0
                    .as_deref()
                    .is_some_and(|before| *before == plan.status);
            let cluster = &mut clusters[c];
            cluster.at_rest &= rest;
            if let Some(h) = horizons.get(&key) {
                cluster.horizon = Some(cluster.horizon.map_or(*h, |c| c.min(*h)));
            }
            plans.push(plan.clone());
            objects.insert(
                key,
                Entry {
                    inputs,
                    cluster: c,
                    plan,
                },
            );
        }
        // Plans of objects outside the driven kinds' index (none today) are kept as made.
        plans.extend(made.into_values());
        self.ran = objects.len() - reused;
        self.reused = reused;
        self.objects = objects;
        self.clusters = clusters;
        self.global = Some(global);
        self.now = Some(now);
    }
}

/// Each object's cluster (an index) and every cluster's size: union-find over the relations
/// the guards follow.
fn clusters(
    catalog: &Catalog<'_>,
    keys: &[(Kind, String)],
    index: &HashMap<(Kind, String), usize>,
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
        if let Some(&b) = index.get(&(kind, name.to_string())) {
            let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
            if ra != rb {
                parent[ra.max(rb)] = ra.min(rb);
            }
        }
    };
    for release in catalog.all::<ApplicationReleaseSpec>() {
        let Some(&i) = index.get(&(Kind::ApplicationRelease, release.name().to_string())) else {
            continue;
        };
        if let Some(train) = &release.manifest.spec.train {
            join(i, Kind::ReleaseTrain, train.as_str());
        }
    }
    for turnover in catalog.all::<TurnoverSpec>() {
        let Some(&i) = index.get(&(Kind::Turnover, turnover.name().to_string())) else {
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

/// Approvals and task reports by subject (`Kind/name`), as the engine reads them.
fn attached(
    catalog: &Catalog<'_>,
    facts: &Facts,
) -> HashMap<String, Vec<(String, Shared, Option<Commit>)>> {
    let mut by_subject: HashMap<String, Vec<(String, Shared, Option<Commit>)>> = HashMap::new();
    let mut add = |subject: &str, document: &crate::load::Document| {
        by_subject.entry(subject.to_string()).or_default().push((
            document.path.clone(),
            Shared(document.object.clone()),
            facts.added.get(&document.path).cloned(),
        ));
    };
    for approval in catalog.all::<ApprovalSpec>() {
        add(
            &approval.manifest.spec.subject.to_string(),
            approval.document,
        );
    }
    for report in catalog.all::<TaskReportSpec>() {
        add(&report.manifest.spec.subject.to_string(), report.document);
    }
    by_subject
}
