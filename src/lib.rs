//! railyard: release management as code.
//!
//! The rooms, from the ground up; each imports only rooms below it (no module imports one
//! that imports it back).
//!
//! | layer | modules |
//! |---|---|
//! | the model | [`yaml`] (YAML with positions), [`manifest`] (one file per kind), [`schema`] (the kinds' JSON Schemas and error mapping), [`diagnostics`], [`source`], [`suggest`], [`load`] (finding and parsing files), [`catalog`] (objects by kind and name), [`workflow`] (the built-in workflows) |
//! | the checks | [`check`] (beyond the schema), [`graph`] (cycles), [`validate`] |
//! | trust and history | [`trust`] (who committed what: [`trust::facts`]; signatures, keys, a record's provenance, records that changed) |
//! | time | [`time`] (time zones, recurrence rules expanded in wall-clock time, an environment's freezes and windows at an instant) |
//! | tasks and approvals | [`tasks`] (task lists, their graph, each task's state in an attempt, recorded runs, the `--execute` scheduler), [`approvals`] (counting a gate's or criterion's approvals), [`halts`] (the Halt records in force) |
//! | the engine | [`engine`] (guards, approvals counted in order, whether a deployment may start, the fixed point, an object's finished plan, the watcher's memo) |
//! | status | [`status`] (what an object's status holds), [`status_files`] (which status files railyard trusts, what it writes, what changed), [`summary`] (STATUS.md), [`upcoming`] (its next 14 days per environment), the committed `calendar.ics` ([`calendar`]), [`diagram`] (DOT and Mermaid), [`escape`] (people's text for each reader) |
//! | notifications | [`notify`] (messages, recipients, filters), [`deliver`] (the outbox, webhooks and mail) |
//! | the pipeline | [`pipeline`] (the one reconcile every operation calls), [`plan`] (rendering its plan), [`review`] (a pull request's changes of who may approve) |
//! | the edge | [`git`] (repositories, trees, history, commits, the working tree), [`github`], [`yaml_out`] (writing YAML), [`reclaim`] (freeing big values off the hot path), [`error`] (the library's error type) |
//! | operations | [`reconcile`] (dry-runs, `explain`, `graph`), [`writeback`] (the status commit), [`execute`] (`--execute`: the run loop and its processes), [`watch`], [`promote`], [`init`], [`codeowners`], [`dashboard`] (`railyard status`), [`records`] (`approve` and `report`: a person's record checked, written, committed), [`drafts`] (`railyard new`), [`calendar`] (`railyard calendar`), [`schemas`] (the files of `schemas/`) |
//!
//! The CLI (`src/cli/`, one file per command) turns [`error::Error`] into messages and exit
//! codes; the library prints nothing.

// The library decides and returns; only the CLI prints.
#![deny(clippy::print_stdout, clippy::print_stderr)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod approvals;
mod beside;
pub mod calendar;
pub mod catalog;
pub mod check;
pub mod codeowners;
pub mod dashboard;
pub mod deliver;
pub mod diagnostics;
pub mod diagram;
pub mod drafts;
pub mod engine;
pub mod error;
pub mod escape;
pub mod execute;
pub mod git;
pub mod github;
pub mod graph;
pub mod halts;
pub mod init;
mod laps;
pub mod load;
pub mod manifest;
mod names;
pub mod notify;
pub mod pipeline;
pub mod plan;
pub mod promote;
pub mod reclaim;
pub mod reconcile;
pub mod records;
pub mod review;
pub mod schema;
pub mod schemas;
pub mod source;
pub mod status;
pub mod status_files;
pub mod suggest;
pub mod summary;
pub mod tasks;
pub mod time;
pub mod trust;
pub mod upcoming;
pub mod validate;
pub mod watch;
pub mod workflow;
pub mod writeback;
pub mod yaml;
pub mod yaml_out;
