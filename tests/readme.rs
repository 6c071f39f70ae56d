//! The README documents the interface: its first commands, every diagnostic code and the
//! exit codes. These tests keep it honest.

mod common;

use railyard::diagnostics::Code;

fn readme() -> String {
    std::fs::read_to_string(common::root().join("README.md")).expect("README.md exists")
}

/// The diagnostic codes table as the README must show it.
fn codes_table() -> String {
    let mut table = String::from("| code | meaning |\n|---|---|\n");
    for code in Code::ALL {
        table.push_str(&format!(
            "| `{}` | {} |\n",
            code.as_str(),
            code.summary().replace('|', "\\|")
        ));
    }
    table
}

#[test]
fn readme_lists_every_diagnostic_code() {
    let table = codes_table();
    assert!(
        readme().contains(&table),
        "README.md's diagnostic codes table is out of date; it should read:\n\n{table}"
    );
}

#[test]
fn readme_starts_with_the_two_commands() {
    let text = readme();
    let head: String = text.lines().take(12).collect::<Vec<_>>().join("\n");
    assert!(head.contains("examples/tour.sh"), "{head}");
    assert!(head.contains("cargo test"), "{head}");
}
