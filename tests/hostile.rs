//! Every hostile repository of `common::hostile` answered: `validate` and
//! `reconcile --dry-run` exit 0 or 1 with each expected diagnostic at a file and line, within
//! a memory bound, and never hang. Memory is the child's peak resident set as the kernel
//! counts it (`wait4`); the address space is capped too, so that a runaway case fails here
//! instead of exhausting the machine. Wall time is for `benches/hostile.rs` to measure:
//! here a case only has to finish before a generous deadline (a hang, not a slow run).

#[path = "common/hostile.rs"]
mod hostile;

use hostile::run;

/// Peak resident memory a case may use.
const MAX_RSS: u64 = 200 * 1024 * 1024;

/// Holds one case to its answer.
fn answer(name: &str) {
    let case = hostile::cases()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no hostile case `{name}`"));
    let (_dir, repo) = case.materialize();
    for args in hostile::COMMANDS {
        let run = run(env!("CARGO_BIN_EXE_railyard"), args, &repo);
        eprintln!(
            "{name:32} {:10} exit {:?} signal {:?} {:>6.0} ms {:>6.1} MiB",
            args[0],
            run.code,
            run.signal,
            run.wall.as_secs_f64() * 1000.0,
            run.max_rss as f64 / (1024.0 * 1024.0)
        );
        assert!(
            !run.hung,
            "railyard {args:?} on `{name}` hangs: killed after a minute"
        );
        assert!(
            run.max_rss < MAX_RSS,
            "railyard {args:?} on `{name}` peaked at {} MiB",
            run.max_rss / (1024 * 1024)
        );
        let json: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap_or_else(|e| {
            panic!(
                "railyard {args:?} on `{name}` prints JSON ({e}; exit {:?}, signal {:?}): {}\n{}",
                run.code,
                run.signal,
                run.stderr.chars().take(2000).collect::<String>(),
                String::from_utf8_lossy(&run.stdout[..run.stdout.len().min(2000)])
            )
        });
        let diagnostics = json["diagnostics"].as_array().cloned().unwrap_or_default();
        assert_eq!(
            run.code,
            Some(case.exit),
            "railyard {args:?} on `{name}`: signal {:?}\n{}\n{}",
            run.signal,
            run.stderr.chars().take(2000).collect::<String>(),
            brief(&diagnostics)
        );
        for code in case.codes {
            let found = diagnostics.iter().find(|d| d["code"] == *code);
            let Some(found) = found else {
                panic!(
                    "railyard {args:?} on `{name}` reports no `{code}`:\n{}",
                    brief(&diagnostics)
                );
            };
            assert!(
                found["file"].as_str().is_some_and(|f| !f.is_empty())
                    && found["line"].as_u64().is_some_and(|l| l >= 1),
                "`{code}` on `{name}` is not located: {found}"
            );
        }
        if case.exit == 0 {
            let errors: Vec<_> = diagnostics
                .iter()
                .filter(|d| d["severity"] == "error")
                .collect();
            assert!(
                errors.is_empty(),
                "`{name}` has errors:\n{}",
                brief(&diagnostics)
            );
        }
    }
}

/// The first diagnostics, each on one line and cut short (a hostile case's text is long).
fn brief(diagnostics: &[serde_json::Value]) -> String {
    diagnostics
        .iter()
        .take(5)
        .map(|d| {
            let line = format!("{} {}:{} {}", d["code"], d["file"], d["line"], d["message"]);
            line.chars().take(300).collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

macro_rules! cases {
    ($($test:ident => $name:literal,)*) => {
        $(#[test] fn $test() { answer($name); })*

        /// Every generated case has its test, and every test its case.
        #[test]
        fn every_case_has_a_test() {
            let mut tested = vec![$($name),*];
            tested.sort_unstable();
            let generated: Vec<&str> = hostile::cases().iter().map(|c| c.name).collect();
            assert_eq!(tested, generated);
        }
    };
}

cases! {
    alias_bomb => "alias-bomb",
    alias_bomb_raised_limit => "alias-bomb-raised-limit",
    merge_key_bomb => "merge-key-bomb",
    deep_flow_nesting => "deep-flow-nesting",
    deep_flow_mapping => "deep-flow-mapping",
    deep_block_nesting => "deep-block-nesting",
    deep_nesting_raised_limit => "deep-nesting-raised-limit",
    deep_nesting_at_ceiling => "deep-nesting-at-ceiling",
    file_at_ceiling => "file-at-ceiling",
    huge_scalar => "huge-scalar",
    huge_key => "huge-key",
    file_100mb => "file-100mb",
    file_100mb_raised_limit => "file-100mb-raised-limit",
    invalid_utf8 => "invalid-utf8",
    byte_order_mark => "byte-order-mark",
    nul_bytes => "nul-bytes",
    cr_line_ends => "cr-line-ends",
    crlf_line_ends => "crlf-line-ends",
    tags => "tags",
    thousands_of_documents => "thousands-of-documents",
    empty_documents => "empty-documents",
    ten_thousand_tasks => "ten-thousand-tasks",
    task_cycle => "task-cycle",
    task_dense_dependencies => "task-dense-dependencies",
    self_dependency => "self-dependency",
    release_cycle => "release-cycle",
    promotion_cycle => "promotion-cycle",
    tasks_from_chain => "tasks-from-chain",
    tasks_from_cycle => "tasks-from-cycle",
    promoted_from_chain => "promoted-from-chain",
    reservations => "reservations",
    symlinks_leaving_the_repository => "symlinks-leaving-the-repository",
    fifo => "fifo",
    config_symlink_leaving_the_repository => "config-symlink-leaving-the-repository",
    globs_leaving_the_repository => "globs-leaving-the-repository",
}
