//! A status file through the read-back path: what parses renders to bytes that parse to the
//! same status again (the trust check compares exactly these bytes), and a dry run that
//! finds it in the status dir does not fall over.
#![no_main]

mod common;

use railyard::status::StatusFile;

const TRAIN: &str = "apiVersion: railyard/v1\nkind: Team\nmetadata: {name: release-managers}\nspec:\n  members:\n    - {id: rita, emails: [rita@example.com]}\n---\napiVersion: railyard/v1\nkind: ReleaseTrain\nmetadata: {name: q4}\nspec: {type: minor, manager: rita}\n";

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Some(file) = StatusFile::parse(data) {
        let rendered = file.render();
        let again = StatusFile::parse(rendered.as_bytes()).expect("a rendered status parses");
        assert_eq!(again.render(), rendered, "rendering is a fixed point");
    }
    let own = [(
        "status/ReleaseTrain/q4.yaml".to_string(),
        std::sync::Arc::new(data.to_vec()),
    )]
    .into_iter()
    .collect();
    common::dry_run(vec![common::file("train.yaml", TRAIN.as_bytes())], own);
});
