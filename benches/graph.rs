//! Benchmark of task ordering: a turnover of 10,000 tasks with 30,000 dependencies (a random
//! DAG from a fixed seed), ordered into waves with its critical path.
//!
//! cargo bench --bench graph

use std::time::{Duration, Instant};

const TASKS: usize = 10_000;
const EDGES: usize = 30_000;
const RUNS: usize = 21;

fn main() {
    // A small linear congruential generator: the same graph on every machine.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |bound: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) as usize) % bound
    };
    let mut edges = Vec::with_capacity(EDGES);
    while edges.len() < EDGES {
        let (a, b) = (next(TASKS), next(TASKS));
        if a != b {
            // Depend on a lower number, then scramble the numbering so that declaration order
            // is not already topological.
            let (node, dependency) = if a > b { (a, b) } else { (b, a) };
            edges.push(((node * 7_919) % TASKS, (dependency * 7_919) % TASKS));
        }
    }
    // Scrambling with a multiplier coprime to TASKS keeps it a DAG under the same mapping.
    let weights: Vec<u64> = (0..TASKS).map(|_| 60 + next(3_600) as u64).collect();
    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut schedule = railyard::graph::Schedule::default();
    for _ in 0..RUNS {
        let start = Instant::now();
        schedule = railyard::graph::schedule(TASKS, &edges, &weights);
        times.push(start.elapsed());
    }
    assert_eq!(
        schedule.order.len(),
        TASKS,
        "every task is ordered (the graph has no cycle)"
    );
    times.sort();
    println!(
        "ordering {TASKS} tasks with {EDGES} edges: median {:.1} ms (min {:.1}, max {:.1}, {RUNS} runs); {} waves, critical path of {} tasks",
        times[RUNS / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[RUNS - 1].as_secs_f64() * 1e3,
        schedule.waves.len(),
        schedule.critical_path.len()
    );
    let cycles = Instant::now();
    let found = railyard::graph::cycles(TASKS, &edges);
    println!(
        "cycle check of the same graph: {:.1} ms, {} cycles",
        cycles.elapsed().as_secs_f64() * 1e3,
        found.len()
    );
}
