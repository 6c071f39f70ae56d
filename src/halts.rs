//! Stop the line: `Halt` records. A halt stops every deployment start on the environments
//! it names (all, when it names none) from the commit that adds it until its `until`, or
//! until a later Halt record lifts it (`lifts: <name>`). Like an approval, a halt (and a
//! lift) counts only from a member of the release managers, committed by the member it
//! names (signed, under `trust.signatures: require`), and unchanged since: anyone can
//! propose one in a pull request, only a release manager's counts.

use jiff::Timestamp;

use crate::manifest::HaltSpec;
use crate::trust::Provenance;

/// The role whose members may halt and lift.
pub const ROLE: &str = "release-managers";

/// A halt in force.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Halt {
    pub name: String,
    pub by: String,
    pub reason: String,
    /// When it took effect: its commit (none without a verified history).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<Timestamp>,
    /// The environments it stops; empty: every one.
    pub environments: Vec<String>,
}

impl Halt {
    /// Whether it stops deployments on `environment`.
    pub fn stops(&self, environment: &str) -> bool {
        self.environments.is_empty() || self.environments.iter().any(|e| e == environment)
    }

    /// Where it stops deployments, for a sentence: "`production`, `staging`" or "every
    /// environment".
    pub fn on(&self) -> String {
        match self.environments.as_slice() {
            [] => "every environment".to_string(),
            names => names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    /// The plan's sentence for deployments `on` ("`production`"): "deployments on
    /// `production` are halted by `rita` since … (Halt/payments-incident): Payments
    /// incident; until … | until a Halt with `lifts: …` ends it".
    pub fn sentence(&self, on: &str) -> String {
        let since = self
            .since
            .map(|s| format!(" since {s}"))
            .unwrap_or_default();
        let until = match self.until {
            Some(until) => format!("until {until}"),
            None => format!("until a Halt with `lifts: {}` ends it", self.name),
        };
        format!(
            "deployments on {on} are halted by `{}`{since} (Halt/{}): {}; {until}",
            self.by, self.name, self.reason
        )
    }
}

/// The halts in force at `now`, by name, and for each record that does not count, why.
pub fn in_force(provenance: &Provenance<'_>, now: Timestamp) -> (Vec<Halt>, Vec<String>) {
    let catalog = provenance.catalog;
    let team = catalog.settings.team_for_role(ROLE);
    let mut ignored = Vec::new();
    let counts = |name: &str, path: &str, spec: &HaltSpec| -> Result<Option<Timestamp>, String> {
        let by = spec.by.as_str();
        if !catalog.in_team(by, team) {
            return Err(format!(
                "Halt `{name}` does not count: `{by}` is not in team `{team}`"
            ));
        }
        let facts = provenance.facts;
        if !facts.verified {
            return Ok(None);
        }
        match provenance.author(path) {
            None if !facts.added.contains_key(path) => {
                return Err(format!(
                    "Halt `{name}` does not count: it is not committed yet"
                ));
            }
            Some(author) if author == by => {}
            _ => {
                return Err(format!(
                    "Halt `{name}` does not count: it says `by: {by}` but was committed by someone else"
                ));
            }
        }
        if crate::trust::rewritten(facts, path).is_some() {
            return Err(format!(
                "Halt `{name}` does not count: it was changed after it was added (`record-changed`)"
            ));
        }
        if let Some(why) = provenance.unsigned(path, by)
            && provenance.signatures_required()
        {
            return Err(format!(
                "Halt `{name}` does not count: it is not signed by `{by}` ({why}) and `trust.signatures` is `require`"
            ));
        }
        Ok(facts.added.get(path).map(|c| c.time))
    };
    let mut lifted: Vec<String> = Vec::new();
    let mut halts: Vec<Halt> = Vec::new();
    for record in catalog.all::<HaltSpec>() {
        let spec = &record.manifest.spec;
        match counts(record.name(), record.path(), spec) {
            Err(why) => ignored.push(why),
            Ok(since) => match &spec.lifts {
                Some(lifts) => lifted.push(lifts.to_string()),
                None => halts.push(Halt {
                    name: record.name().to_string(),
                    by: spec.by.to_string(),
                    reason: spec.reason.clone(),
                    since,
                    until: spec.until.map(|u| u.0),
                    environments: spec.environments.iter().map(|e| e.to_string()).collect(),
                }),
            },
        }
    }
    let on: Vec<Halt> = halts
        .into_iter()
        .filter(|halt| !lifted.contains(&halt.name))
        .filter(|halt| halt.since.is_none_or(|s| s <= now))
        .filter(|halt| halt.until.is_none_or(|u| now < u))
        .collect();
    (on, ignored)
}

/// The halts in force at `now` in `catalog`, and the banner STATUS.md starts with.
pub fn in_force_now(
    catalog: &crate::catalog::Catalog<'_>,
    facts: &crate::trust::facts::Facts,
    keys: &crate::trust::Keyring,
    now: Timestamp,
) -> (Vec<Halt>, String) {
    let provenance = Provenance {
        catalog,
        facts,
        keys,
    };
    let (halts, _) = in_force(&provenance, now);
    let banner = banner(&halts);
    (halts, banner)
}

/// Warnings for halts that can never stop anything: committed at or after their own
/// `until` (a person who meant to stop the line for a while, and wrote a time already past).
pub fn expired_on_arrival(
    catalog: &crate::catalog::Catalog<'_>,
    facts: &crate::trust::facts::Facts,
) -> Vec<String> {
    catalog
        .all::<HaltSpec>()
        .filter_map(|record| {
            let until = record.manifest.spec.until?.0;
            let added = facts.added.get(record.path())?;
            (added.time >= until).then(|| {
                format!(
                    "{} Halt `{}` ends at {until}, before the commit that added it ({}): it stops nothing; write a new Halt with a later `until`",
                    record.path(),
                    record.name(),
                    added.time
                )
            })
        })
        .collect()
}

/// The lines STATUS.md and the pull-request comment start with while halts are in force
/// (empty when none is).
pub fn banner(halts: &[Halt]) -> String {
    use crate::escape::{code, markdown};
    let mut out = String::new();
    for halt in halts {
        let on = match halt.environments.as_slice() {
            [] => "every environment".to_string(),
            names => names
                .iter()
                .map(|n| code(n, false))
                .collect::<Vec<_>>()
                .join(", "),
        };
        let since = halt
            .since
            .map(|s| format!(" since {s}"))
            .unwrap_or_default();
        let until = match halt.until {
            Some(until) => format!("until {until}"),
            None => "until it is lifted".to_string(),
        };
        out.push_str(&format!(
            "> ⛔ **Deployments halted** on {on} by {}{since}, {until} (Halt/{}): {}\n",
            code(&halt.by, false),
            markdown(&halt.name),
            markdown(&halt.reason)
        ));
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}
