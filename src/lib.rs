//! railyard: release management as code.

pub mod catalog;
pub mod check;
pub mod diagnostics;
pub mod diagram;
pub mod engine;
pub mod execute;
pub mod facts;
pub mod git;
pub mod graph;
pub mod load;
pub mod manifest;
pub mod plan;
pub mod promote;
pub mod reconcile;
pub mod schema;
pub mod source;
pub mod status;
pub mod suggest;
pub mod summary;
pub mod tasks;
pub mod validate;
pub mod watch;
pub mod workflow;
pub mod writeback;
pub mod yaml;
pub mod yaml_out;
