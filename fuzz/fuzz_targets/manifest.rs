//! One manifest file through `validate`, beside a small valid repository for its references
//! to resolve against.
#![no_main]

mod common;

const BASE: &str = "apiVersion: railyard/v1\nkind: Team\nmetadata: {name: release-managers}\nspec:\n  members:\n    - {id: rita, emails: [rita@example.com]}\n---\napiVersion: railyard/v1\nkind: Environment\nmetadata: {name: test}\nspec: {tier: test, promotesTo: production}\n---\napiVersion: railyard/v1\nkind: Environment\nmetadata: {name: production}\nspec: {tier: production}\n---\napiVersion: railyard/v1\nkind: ReleaseTrain\nmetadata: {name: q4}\nspec: {type: minor, manager: rita}\n";

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::validate(vec![
        common::file("base.yaml", BASE.as_bytes()),
        common::file("fuzz.yaml", data),
    ]);
});
