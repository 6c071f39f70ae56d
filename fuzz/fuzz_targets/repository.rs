//! A whole small repository: the input is cut at NUL bytes into the files below, in order
//! (railyard.yaml first, railyard's own status file and STATUS.md last), and planned.
#![no_main]

mod common;

/// Where each NUL-separated part of the input goes; parts past the last are dropped.
const PATHS: [&str; 9] = [
    "railyard.yaml",
    "teams.yaml",
    "environments.yaml",
    "trains.yaml",
    "releases.yaml",
    "turnovers.yaml",
    "records.yaml",
    "status/ReleaseTrain/2026-12.yaml",
    "STATUS.md",
];

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut files = Vec::new();
    let mut own = railyard::git::OwnFiles::new();
    for (path, part) in PATHS.iter().zip(data.split(|&b| b == 0)) {
        if path.starts_with("status/") || *path == "STATUS.md" {
            own.insert(path.to_string(), std::sync::Arc::new(part.to_vec()));
        } else {
            files.push(common::file(path, part));
        }
    }
    common::dry_run(files, own);
});
