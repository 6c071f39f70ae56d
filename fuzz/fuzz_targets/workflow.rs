//! A workflow through the checks and the engine: it replaces the built-in workflow of the
//! kind it names, and the sample repository (an object of every kind) is planned with it.
#![no_main]

mod common;

/// The sample repository's manifests, one file of many documents.
const REPOSITORY: [&str; 19] = [
    include_str!("../../examples/acme/teams/release-managers.yaml"),
    include_str!("../../examples/acme/teams/release-engineers.yaml"),
    include_str!("../../examples/acme/teams/cab.yaml"),
    include_str!("../../examples/acme/teams/developers.yaml"),
    include_str!("../../examples/acme/teams/executives.yaml"),
    include_str!("../../examples/acme/teams/service-desk.yaml"),
    include_str!("../../examples/acme/environments/dev.yaml"),
    include_str!("../../examples/acme/environments/test.yaml"),
    include_str!("../../examples/acme/environments/staging.yaml"),
    include_str!("../../examples/acme/environments/production.yaml"),
    include_str!("../../examples/acme/trains/monthly-template.yaml"),
    include_str!("../../examples/acme/trains/2026-12.yaml"),
    include_str!("../../examples/acme/releases/web-4.2.yaml"),
    include_str!("../../examples/acme/releases/api-3.1.yaml"),
    include_str!("../../examples/acme/releases/standard-release.yaml"),
    include_str!("../../examples/acme/releases/payments-gateway.yaml"),
    include_str!("../../examples/acme/turnovers/2026-12-test.yaml"),
    include_str!("../../examples/acme/approvals/2026-12/2026-12-scope-rita.yaml"),
    include_str!("../../examples/acme/reports/2026-12-test/smoke-test.yaml"),
];

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::dry_run(
        vec![
            common::file("repository.yaml", REPOSITORY.join("\n---\n").as_bytes()),
            common::file("workflows/fuzz.yaml", data),
        ],
        Default::default(),
    );
});
