//! railyard: release management as code.

pub mod diagnostics;
pub mod source;
pub mod yaml;
pub mod manifest;
pub mod schema;
pub mod suggest;
pub mod load;
pub mod catalog;
pub mod graph;
pub mod workflow;
pub mod tasks;
pub mod check;
pub mod validate;
