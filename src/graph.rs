//! Dependency graphs (tasks, application releases, the promotion path) with petgraph.
//! Nodes are indexes in declaration order, so every result is deterministic.

use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};

/// Every cycle of a graph with `nodes` nodes and the given edges (`from` depends on `to`),
/// one per strongly connected component of two or more nodes. A cycle starts and ends at the
/// component's first declared node and, at each step, follows the first declared edge that
/// leads back (`[a, b, c, a]` for a → b → c → a). Self-loops are not cycles here: they are
/// reported on their own.
pub fn cycles(nodes: usize, edges: &[(usize, usize)]) -> Vec<Vec<usize>> {
    // Nearly every task list has no cycle: proven by peeling off the nodes nothing waits
    // on, without building the graph the search for components needs.
    if acyclic(nodes, edges) {
        return Vec::new();
    }
    components(nodes, edges)
}

/// Whether no cycle of two or more nodes exists (self-loops aside): Kahn's peeling.
fn acyclic(nodes: usize, edges: &[(usize, usize)]) -> bool {
    let kept = |&&(from, to): &&(usize, usize)| from != to && from < nodes && to < nodes;
    let mut waiting = vec![0u32; nodes];
    let mut firsts = vec![usize::MAX; nodes];
    // Each node's edges, as a list threaded through `next` (no list per node).
    let mut next = vec![usize::MAX; edges.len()];
    for (e, &(from, to)) in edges.iter().enumerate().filter(|(_, e)| kept(e)) {
        waiting[from] += 1;
        next[e] = firsts[to];
        firsts[to] = e;
    }
    let mut free: Vec<usize> = (0..nodes).filter(|&n| waiting[n] == 0).collect();
    let mut peeled = 0;
    while let Some(node) = free.pop() {
        peeled += 1;
        let mut e = firsts[node];
        while e != usize::MAX {
            let from = edges[e].0;
            waiting[from] -= 1;
            if waiting[from] == 0 {
                free.push(from);
            }
            e = next[e];
        }
    }
    peeled == nodes
}

/// [`cycles`] by strongly connected components.
fn components(nodes: usize, edges: &[(usize, usize)]) -> Vec<Vec<usize>> {
    let mut graph: DiGraph<(), ()> = DiGraph::with_capacity(nodes, edges.len());
    for _ in 0..nodes {
        graph.add_node(());
    }
    for &(from, to) in edges {
        if from != to && from < nodes && to < nodes {
            graph.add_edge(NodeIndex::new(from), NodeIndex::new(to), ());
        }
    }
    // Successors in declaration order of the edges, for walking a cycle.
    let mut successors: Vec<Vec<usize>> = vec![Vec::new(); nodes];
    for &(from, to) in edges {
        if from != to && from < nodes && to < nodes {
            successors[from].push(to);
        }
    }
    // Kosaraju's walk is iterative: a ring of 10,000 tasks must not overflow a thread's
    // stack (petgraph's Tarjan recurses once per node).
    let mut found: Vec<Vec<usize>> = kosaraju_scc(&graph)
        .into_iter()
        .filter(|component| component.len() > 1)
        .map(|component| {
            let mut members: Vec<usize> = component.iter().map(|n| n.index()).collect();
            members.sort_unstable();
            cycle_within(&members, &successors)
        })
        .collect();
    found.sort();
    found
}

/// A simple cycle through the first member of a strongly connected component, preferring
/// edges in declaration order (depth-first, iterative).
fn cycle_within(members: &[usize], all_successors: &[Vec<usize>]) -> Vec<usize> {
    let start = members[0];
    let inside = |n: usize| members.binary_search(&n).is_ok();
    let successors = |n: usize| -> Vec<usize> {
        all_successors[n]
            .iter()
            .copied()
            .filter(|&to| inside(to))
            .collect()
    };
    let mut path = vec![start];
    let mut pending = vec![successors(start)];
    let mut visited = std::collections::BTreeSet::from([start]);
    while let Some(options) = pending.last_mut() {
        if options.is_empty() {
            pending.pop();
            path.pop();
            continue;
        }
        let next = options.remove(0);
        if next == start {
            path.push(start);
            return path;
        }
        if !visited.insert(next) {
            continue;
        }
        path.push(next);
        pending.push(successors(next));
    }
    // A strongly connected component always has a cycle through each member.
    let mut fallback = members.to_vec();
    fallback.push(start);
    fallback
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds edges from "a>b" pairs over single-letter node names.
    fn graph(spec: &str) -> (usize, Vec<(usize, usize)>) {
        let index = |c: char| (c as u8 - b'a') as usize;
        let mut nodes = 0;
        let edges = spec
            .split_whitespace()
            .map(|pair| {
                let mut chars = pair.chars();
                let from = chars.next().map_or(0, index);
                let to = chars.nth(1).map_or(0, index);
                nodes = nodes.max(from + 1).max(to + 1);
                (from, to)
            })
            .collect();
        (nodes, edges)
    }

    fn names(cycles: Vec<Vec<usize>>) -> Vec<String> {
        cycles
            .into_iter()
            .map(|c| c.into_iter().map(|i| (b'a' + i as u8) as char).collect())
            .collect()
    }

    #[test]
    fn cycles_read_like_a_table() {
        let cases = [
            ("a>b b>c", vec![]),
            ("a>b b>a", vec!["aba"]),
            ("a>b b>c c>a", vec!["abca"]),
            ("c>a a>b b>c", vec!["abca"]),
            ("a>b b>c c>b", vec!["bcb"]),
            ("a>a", vec![]),
            ("a>b b>a c>d d>c", vec!["aba", "cdc"]),
            ("a>c a>b b>a c>a", vec!["aca"]),
        ];
        for (spec, expected) in cases {
            let (nodes, edges) = graph(spec);
            assert_eq!(names(cycles(nodes, &edges)), expected, "{spec}");
        }
    }

    proptest::proptest! {
        /// The quick answer for a graph without cycles is the components' answer, on any
        /// graph (edges out of range and self-loops included).
        #[test]
        fn a_graph_is_acyclic_when_it_has_no_component_of_two(
            nodes in 0usize..12,
            edges in proptest::collection::vec((0usize..14, 0usize..14), 0..30),
        ) {
            proptest::prop_assert_eq!(
                acyclic(nodes, &edges),
                components(nodes, &edges).is_empty()
            );
        }
    }
}

/// The order in which a DAG's nodes may run: a topological order with ties broken by
/// declaration order, and the waves of nodes that may run side by side (a node's wave is one
/// more than its latest dependency's). `edges` are (node, dependency). Nodes on a cycle are
/// left out (cycles are reported by [`cycles`]).
pub fn order(nodes: usize, edges: &[(usize, usize)]) -> (Vec<usize>, Vec<Vec<usize>>) {
    let dependents = Adjacency::of(nodes, edges, |(node, dependency)| (dependency, node));
    let mut blocking = vec![0u32; nodes];
    for &(node, dependency) in edges {
        if kept(nodes, node, dependency) {
            blocking[node] += 1;
        }
    }
    let mut wave_of = vec![0usize; nodes];
    // The ready nodes, earliest declared first (each enters once: when its last dependency
    // is taken).
    let mut ready: std::collections::BinaryHeap<std::cmp::Reverse<usize>> = (0..nodes)
        .filter(|&n| blocking[n] == 0)
        .map(std::cmp::Reverse)
        .collect();
    let mut order = Vec::with_capacity(nodes);
    while let Some(std::cmp::Reverse(next)) = ready.pop() {
        order.push(next);
        for &dependent in dependents.of_node(next) {
            let dependent = dependent as usize;
            wave_of[dependent] = wave_of[dependent].max(wave_of[next] + 1);
            blocking[dependent] -= 1;
            if blocking[dependent] == 0 {
                ready.push(std::cmp::Reverse(dependent));
            }
        }
    }
    let waves_count = order.iter().map(|&n| wave_of[n] + 1).max().unwrap_or(0);
    let mut waves: Vec<Vec<usize>> = vec![Vec::new(); waves_count];
    for &node in &order {
        waves[wave_of[node]].push(node);
    }
    for wave in &mut waves {
        wave.sort_unstable();
    }
    (order, waves)
}

/// An edge that counts: between two nodes of the graph, and not a self-loop.
fn kept(nodes: usize, node: usize, dependency: usize) -> bool {
    node < nodes && dependency < nodes && node != dependency
}

/// Each node's neighbours along the edges that count, in edge order, held in one vector
/// (a task graph of ten nodes made a list for each of them, three times over).
struct Adjacency {
    /// Node `n`'s neighbours are `targets[starts[n]..starts[n + 1]]`.
    starts: Vec<u32>,
    targets: Vec<u32>,
}

impl Adjacency {
    /// `pick` turns an edge (node, dependency) into (node, its neighbour) the way wanted.
    fn of(
        nodes: usize,
        edges: &[(usize, usize)],
        pick: impl Fn((usize, usize)) -> (usize, usize),
    ) -> Adjacency {
        let counted = || {
            edges
                .iter()
                .filter(|&&(node, dependency)| kept(nodes, node, dependency))
                .map(|&edge| pick(edge))
        };
        let mut starts = vec![0u32; nodes + 1];
        for (from, _) in counted() {
            starts[from + 1] += 1;
        }
        for n in 0..nodes {
            starts[n + 1] += starts[n];
        }
        // Filled with `starts[n]` as node n's cursor; afterwards each start is where the
        // next node's list starts, so they move up one place.
        let mut targets = vec![0u32; starts[nodes] as usize];
        for (from, to) in counted() {
            targets[starts[from] as usize] = to as u32;
            starts[from] += 1;
        }
        starts.copy_within(0..nodes, 1);
        starts[0] = 0;
        Adjacency { starts, targets }
    }

    fn of_node(&self, n: usize) -> &[u32] {
        &self.targets[self.starts[n] as usize..self.starts[n + 1] as usize]
    }
}

/// A DAG worked out: run order, waves, and the critical path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Schedule {
    pub order: Vec<usize>,
    pub waves: Vec<Vec<usize>>,
    /// The chain of dependencies with the largest total weight, first task first (ties go
    /// to the earlier-declared task).
    pub critical_path: Vec<usize>,
}

/// Orders a DAG and finds its critical path; `weights[n]` is node n's expected duration.
pub fn schedule(nodes: usize, edges: &[(usize, usize)], weights: &[u64]) -> Schedule {
    let (order, waves) = order(nodes, edges);
    let dependencies = Adjacency::of(nodes, edges, |edge| edge);
    let weight = |n: usize| weights.get(n).copied().unwrap_or(1);
    let mut finish = vec![0u64; nodes];
    let mut via: Vec<Option<usize>> = vec![None; nodes];
    for &node in &order {
        let mut best: Option<usize> = None;
        for &dependency in dependencies.of_node(node) {
            let dependency = dependency as usize;
            if best.is_none_or(|b| {
                (finish[dependency], std::cmp::Reverse(dependency))
                    > (finish[b], std::cmp::Reverse(b))
            }) {
                best = Some(dependency);
            }
        }
        finish[node] = weight(node).saturating_add(best.map_or(0, |b| finish[b]));
        via[node] = best;
    }
    let mut end = order
        .iter()
        .copied()
        .max_by_key(|&n| (finish[n], std::cmp::Reverse(n)));
    let mut critical_path = Vec::new();
    while let Some(node) = end {
        critical_path.push(node);
        end = via[node];
    }
    critical_path.reverse();
    Schedule {
        order,
        waves,
        critical_path,
    }
}

#[cfg(test)]
mod order_tests {
    use super::*;

    #[test]
    fn order_and_waves_read_like_a_table() {
        // a; b after a; c after a; d after b and c; e alone.
        let edges = [(1, 0), (2, 0), (3, 1), (3, 2)];
        let (order, waves) = order(5, &edges);
        assert_eq!(order, vec![0, 1, 2, 3, 4]);
        assert_eq!(waves, vec![vec![0, 4], vec![1, 2], vec![3]]);
        // Declaration order breaks ties even when dependencies come later in the list.
        let (order, _) = super::order(3, &[(0, 2)]);
        assert_eq!(order, vec![1, 2, 0]);
    }

    #[test]
    fn critical_path_follows_the_heaviest_chain() {
        // a(1) → b(5) → d(1); a → c(2) → d; e(3) alone.
        let edges = [(1, 0), (2, 0), (3, 1), (3, 2)];
        assert_eq!(
            schedule(5, &edges, &[1, 5, 2, 1, 3]).critical_path,
            vec![0, 1, 3]
        );
        assert_eq!(
            schedule(5, &edges, &[1, 1, 2, 1, 3]).critical_path,
            vec![0, 2, 3]
        );
        // Equal chains: the earlier-declared one.
        assert_eq!(
            schedule(5, &edges, &[1, 1, 1, 1, 1]).critical_path,
            vec![0, 1, 3]
        );
        assert_eq!(schedule(0, &[], &[]).critical_path, Vec::<usize>::new());
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        /// Random DAGs: edges go from a later node to an earlier one, then node numbers are
        /// shuffled so that declaration order is not topological.
        fn dag() -> impl Strategy<Value = (usize, Vec<(usize, usize)>, Vec<u64>)> {
            (1usize..40).prop_flat_map(|n| {
                let edges = proptest::collection::vec((0..n, 0..n), 0..n * 3);
                let shuffle = Just((0..n).collect::<Vec<_>>()).prop_shuffle();
                let weights = proptest::collection::vec(1u64..10, n);
                (Just(n), edges, shuffle, weights).prop_map(|(n, pairs, perm, weights)| {
                    let edges = pairs
                        .into_iter()
                        .filter(|(a, b)| a != b)
                        .map(|(a, b)| {
                            if a > b {
                                (perm[a], perm[b])
                            } else {
                                (perm[b], perm[a])
                            }
                        })
                        .collect();
                    (n, edges, weights)
                })
            })
        }

        /// The scheduling as first written, with a list per node: the flat one must agree.
        fn order_by_lists(nodes: usize, edges: &[(usize, usize)]) -> (Vec<usize>, Vec<Vec<usize>>) {
            let mut blocking = vec![0usize; nodes];
            let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); nodes];
            for &(node, dependency) in edges {
                if node < nodes && dependency < nodes && node != dependency {
                    blocking[node] += 1;
                    dependents[dependency].push(node);
                }
            }
            let mut wave_of = vec![0usize; nodes];
            // The ready nodes, earliest declared first (each enters once: when its last dependency
            // is taken).
            let mut ready: std::collections::BinaryHeap<std::cmp::Reverse<usize>> = (0..nodes)
                .filter(|&n| blocking[n] == 0)
                .map(std::cmp::Reverse)
                .collect();
            let mut order = Vec::with_capacity(nodes);
            while let Some(std::cmp::Reverse(next)) = ready.pop() {
                order.push(next);
                for &dependent in &dependents[next] {
                    wave_of[dependent] = wave_of[dependent].max(wave_of[next] + 1);
                    blocking[dependent] -= 1;
                    if blocking[dependent] == 0 {
                        ready.push(std::cmp::Reverse(dependent));
                    }
                }
            }
            let mut waves: Vec<Vec<usize>> = Vec::new();
            for &node in &order {
                let wave = wave_of[node];
                if waves.len() <= wave {
                    waves.resize(wave + 1, Vec::new());
                }
                waves[wave].push(node);
            }
            for wave in &mut waves {
                wave.sort_unstable();
            }
            (order, waves)
        }

        fn schedule_by_lists(nodes: usize, edges: &[(usize, usize)], weights: &[u64]) -> Schedule {
            let (order, waves) = order_by_lists(nodes, edges);
            let mut dependencies: Vec<Vec<usize>> = vec![Vec::new(); nodes];
            for &(node, dependency) in edges {
                if node < nodes && dependency < nodes && node != dependency {
                    dependencies[node].push(dependency);
                }
            }
            let weight = |n: usize| weights.get(n).copied().unwrap_or(1);
            let mut finish = vec![0u64; nodes];
            let mut via: Vec<Option<usize>> = vec![None; nodes];
            for &node in &order {
                let mut best: Option<usize> = None;
                for &dependency in &dependencies[node] {
                    if best.is_none_or(|b| {
                        (finish[dependency], std::cmp::Reverse(dependency))
                            > (finish[b], std::cmp::Reverse(b))
                    }) {
                        best = Some(dependency);
                    }
                }
                finish[node] = weight(node).saturating_add(best.map_or(0, |b| finish[b]));
                via[node] = best;
            }
            let mut end = order
                .iter()
                .copied()
                .max_by_key(|&n| (finish[n], std::cmp::Reverse(n)));
            let mut critical_path = Vec::new();
            while let Some(node) = end {
                critical_path.push(node);
                end = via[node];
            }
            critical_path.reverse();
            Schedule {
                order,
                waves,
                critical_path,
            }
        }

        /// Any graph: cycles, self-loops, edges twice, edges to nodes that do not exist.
        fn any_graph() -> impl Strategy<Value = (usize, Vec<(usize, usize)>, Vec<u64>)> {
            (0usize..24).prop_flat_map(|n| {
                let edges = proptest::collection::vec((0..n + 2, 0..n + 2), 0..n * 3 + 1);
                let weights = proptest::collection::vec(1u64..6, n);
                (Just(n), edges, weights)
            })
        }

        proptest! {
            #[test]
            fn the_flat_schedule_is_the_one_made_with_lists((n, edges, weights) in any_graph()) {
                prop_assert_eq!(schedule(n, &edges, &weights), schedule_by_lists(n, &edges, &weights));
            }

            #[test]
            fn order_respects_every_edge_and_waves_partition((n, edges, weights) in dag()) {
                let s = schedule(n, &edges, &weights);
                prop_assert_eq!(s.order.len(), n);
                let position: Vec<usize> = {
                    let mut p = vec![0; n];
                    for (i, &node) in s.order.iter().enumerate() { p[node] = i; }
                    p
                };
                let mut wave_of = vec![usize::MAX; n];
                for (w, wave) in s.waves.iter().enumerate() {
                    for &node in wave {
                        prop_assert_eq!(wave_of[node], usize::MAX, "node in two waves");
                        wave_of[node] = w;
                    }
                }
                prop_assert!(wave_of.iter().all(|&w| w != usize::MAX), "a node in no wave");
                for &(node, dependency) in &edges {
                    prop_assert!(position[dependency] < position[node]);
                    prop_assert!(wave_of[dependency] < wave_of[node]);
                }
                // The same input gives the same schedule.
                prop_assert_eq!(schedule(n, &edges, &weights), s.clone());
                // The critical path is a chain of edges.
                for pair in s.critical_path.windows(2) {
                    prop_assert!(edges.contains(&(pair[1], pair[0])));
                }
            }
        }
    }
}
