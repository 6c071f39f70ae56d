//! Every hostile repository of `tests/common/hostile.rs` on the release build: `validate` and
//! `reconcile --dry-run`, the median wall time of a few runs and the peak resident memory of
//! the worst, against the targets of < 2 s and < 200 MB a case.
//!
//! cargo bench --bench hostile
//! cargo bench --bench hostile -- --binary /path/to/railyard   # another build (a before/after)
//! cargo bench --bench hostile -- tasks-from                   # only cases whose name has this

#[path = "../tests/common/hostile.rs"]
mod hostile;

use std::time::Duration;

const RUNS: usize = 3;

fn main() {
    let mut binary = env!("CARGO_BIN_EXE_railyard").to_string();
    let mut only: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--binary" => binary = args.next().expect("--binary takes a path"),
            "--bench" => {}
            other => only = Some(other.to_string()),
        }
    }
    println!(
        "{:34} {:>10} {:>5} {:>10} {:>10} {:>9}",
        "case", "command", "exit", "input MB", "median ms", "peak MiB"
    );
    let (mut worst_rss, mut worst_wall) = ((String::new(), 0u64), (String::new(), Duration::ZERO));
    let mut over = 0;
    for case in hostile::cases() {
        if only.as_deref().is_some_and(|o| !case.name.contains(o)) {
            continue;
        }
        let (_dir, repo) = case.materialize();
        for command in hostile::COMMANDS {
            let mut walls = Vec::new();
            let mut rss = 0;
            let mut code = None;
            let mut hung = false;
            for _ in 0..RUNS {
                let run = hostile::run(&binary, command, &repo);
                walls.push(run.wall);
                rss = rss.max(run.max_rss);
                code = run.code;
                hung |= run.hung;
                if run.hung {
                    break;
                }
            }
            // A hung run is not repeated, so there may be fewer walls than RUNS.
            walls.sort();
            let median = walls[walls.len() / 2];
            let label = format!("{} {}", case.name, command[0]);
            if rss > worst_rss.1 {
                worst_rss = (label.clone(), rss);
            }
            if median > worst_wall.1 {
                worst_wall = (label, median);
            }
            if median >= Duration::from_secs(2)
                || rss >= 200 * 1024 * 1024
                || code != Some(case.exit)
            {
                over += 1;
            }
            println!(
                "{:34} {:>10} {:>5} {:>10.1} {:>10.0} {:>9.1}",
                case.name,
                command[0],
                if hung {
                    "hung".to_string()
                } else {
                    code.map_or("-".to_string(), |c| c.to_string())
                },
                case.size() as f64 / 1e6,
                median.as_secs_f64() * 1000.0,
                rss as f64 / (1024.0 * 1024.0)
            );
        }
    }
    println!(
        "\nslowest: {} ({:.0} ms); most memory: {} ({:.1} MiB); {over} runs over a target or with the wrong exit code",
        worst_wall.0,
        worst_wall.1.as_secs_f64() * 1000.0,
        worst_rss.0,
        worst_rss.1 as f64 / (1024.0 * 1024.0)
    );
}
