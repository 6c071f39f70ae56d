//! Holiday calendars: the `.ics` files of the repository are read with the manifests, and
//! each Environment whose `freezes` name one gets that calendar's events as its `holidays`
//! ([`crate::time::holidays`]), in the environment's zone. A calendar's problems are
//! reported only when a freeze names it; an `.ics` file nothing names is read and left be.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{Document, Loaded};
use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::manifest::Object;
use crate::time::holidays::{Holidays, Problem};
use crate::yaml::{Pos, Span};

/// An `.ics` file, read.
#[derive(Debug)]
pub struct CalendarFile {
    holidays: Holidays,
    problems: Vec<Problem>,
}

impl CalendarFile {
    pub fn read(text: &str) -> CalendarFile {
        let (holidays, problems) = Holidays::parse(text);
        CalendarFile { holidays, problems }
    }
}

/// Whether the file at `path` is read as an iCalendar file.
pub fn is_calendar(path: &str) -> bool {
    path.len() > 4 && path[path.len() - 4..].eq_ignore_ascii_case(".ics")
}

/// Whether `document` is an Environment whose freezes name a calendar.
pub fn names_a_calendar(document: &Document) -> bool {
    matches!(document.object.as_deref(), Some(Object::Environment(env))
        if env.spec.freezes.iter().any(|f| f.calendar.is_some()))
}

/// Gives each Environment the freezes of the calendars it names, and reports what does not
/// resolve or read.
pub(super) fn join(loaded: &mut Loaded, calendars: &BTreeMap<String, Arc<CalendarFile>>) {
    let mut named: BTreeMap<&str, ()> = BTreeMap::new();
    let mut diagnostics = Vec::new();
    for document in loaded.documents.iter_mut() {
        if !names_a_calendar(document) {
            continue;
        }
        let Some(Object::Environment(environment)) = document.object.as_deref() else {
            continue;
        };
        let mut environment = environment.clone();
        let zone = crate::time::environment_zone(
            Some(&environment.spec),
            loaded.settings.timezone.as_deref(),
        );
        let mut holidays = Vec::new();
        for (i, freeze) in environment.spec.freezes.iter().enumerate() {
            let Some(path) = &freeze.calendar else {
                continue;
            };
            let Some((key, calendar)) = calendars.get_key_value(path.as_str()) else {
                let span = document
                    .root()
                    .locate(&format!("/spec/freezes/{i}/calendar"))
                    .node
                    .span;
                diagnostics.push(
                    Diagnostic::error(
                        Code::UnresolvedReference,
                        &document.path,
                        Some(span),
                        format!("no calendar file `{path}` in the repository"),
                    )
                    .with_label("no such .ics file")
                    .with_hint("commit the iCalendar file at this path, from the repository root"),
                );
                continue;
            };
            named.insert(key.as_str(), ());
            let (freezes, problems) =
                calendar
                    .holidays
                    .freezes(&freeze.reason, freeze.allow_emergency, &zone);
            holidays.extend(freezes);
            diagnostics.extend(problems.iter().map(|p| diagnostic(key, p)));
        }
        environment.spec.holidays = holidays;
        document.object = Some(Arc::new(Object::Environment(environment)));
    }
    for (path, ()) in named {
        let problems = calendars.get(path).map_or(&[][..], |c| &c.problems[..]);
        diagnostics.extend(problems.iter().map(|p| diagnostic(path, p)));
    }
    diagnostics.sort_by(|a, b| {
        (&a.file, a.span.map(|s| s.start.line)).cmp(&(&b.file, b.span.map(|s| s.start.line)))
    });
    diagnostics.dedup();
    loaded.diagnostics.extend(diagnostics);
}

fn diagnostic(path: &str, problem: &Problem) -> Diagnostic {
    let mut d = Diagnostic::error(
        Code::InvalidCalendar,
        path,
        Some(Span::at(Pos {
            line: problem.line,
            column: 1,
        })),
        problem.message.clone(),
    )
    .with_label(match problem.warning {
        true => "left as it is",
        false => "no freeze made of it",
    });
    if problem.warning {
        d.severity = Severity::Warning;
    }
    d
}
