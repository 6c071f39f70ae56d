//! The README's first command, `examples/tour.sh` (issue 23, part 5): it builds a git
//! repository from the sample, each file committed by its writer, and walks the train with
//! railyard's own commands. The test runs it with the binary under test and checks what it
//! prints and what it leaves.

mod common;

use common::root;

/// `text` with what differs between runs replaced: commit ids (12 hex digits), task
/// durations (`in 3ms`), the tour's folder and the binary's path.
fn redacted(text: &str, dir: &str, binary: &str) -> String {
    let text = text.replace(dir, "<dir>").replace(binary, "railyard");
    let word = |word: &str| {
        let core = word.trim_end_matches([',', ')']);
        if core.len() == 12 && core.bytes().all(|b| b.is_ascii_hexdigit()) {
            return word.replacen(core, "<commit>", 1);
        }
        match word.strip_suffix("ms") {
            Some(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => "<n>ms".into(),
            _ => word.to_string(),
        }
    };
    text.lines()
        .map(|line| line.split(' ').map(word).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_tour_walks_the_sample_train_as_its_people() {
    let parent = tempfile::tempdir().expect("a temporary directory");
    let dir = parent.path().join("tour");
    let binary = env!("CARGO_BIN_EXE_railyard");
    let out = std::process::Command::new("bash")
        .arg(root().join("examples/tour.sh"))
        .arg(&dir)
        .env("RAILYARD", binary)
        .output()
        .expect("bash runs the tour");
    let printed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{printed}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    for said in [
        "error: cannot approve: `rita` made the last change to ReleaseTrain/2026-12",
        "after this commit, ReleaseTrain/2026-12 moves scoping → construction",
        "ran 4 tasks: 4 succeeded, 0 failed",
        "Turnover/2026-12-test  deploying  2026-11-24  blocked   task `smoke-test`",
        "after this commit, Turnover/2026-12-test moves deploying → deployed",
    ] {
        assert!(printed.contains(said), "{said:?} not in:\n{printed}");
    }
    insta::assert_snapshot!(redacted(&printed, &dir.display().to_string(), binary));
    // What it leaves: the status railyard committed, and a history by the sample's people.
    let status = std::fs::read_to_string(dir.join("STATUS.md")).expect("STATUS.md");
    assert!(
        status.contains("| Turnover | `2026-12-test` | deployed |"),
        "{status}"
    );
    let authors = std::process::Command::new("git")
        .args(["log", "--format=%an"])
        .current_dir(&dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git runs");
    let mut authors: Vec<String> = String::from_utf8_lossy(&authors.stdout)
        .lines()
        .map(String::from)
        .collect();
    authors.sort();
    authors.dedup();
    assert_eq!(
        authors,
        [
            "Dan Kowalski",
            "Dora Mensah",
            "Eve Okafor",
            "Marco Bellini",
            "Raj Patel",
            "Rita Alvarez",
            "Sol Reyes",
            "railyard[bot]"
        ]
    );
    // A folder with something in it is refused.
    let again = std::process::Command::new("bash")
        .arg(root().join("examples/tour.sh"))
        .arg(&dir)
        .env("RAILYARD", binary)
        .output()
        .expect("bash runs the tour");
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("is not empty"));
}
