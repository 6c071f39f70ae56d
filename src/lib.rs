//! railyard: release management as code.

pub mod diagnostics;
pub mod source;
pub mod yaml;
pub mod manifest;
pub mod schema;
pub mod suggest;
