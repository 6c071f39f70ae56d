//! Dependency graphs (tasks, application releases, the promotion path) with petgraph.
//! Nodes are indexes in declaration order, so every result is deterministic.

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

/// Every cycle of a graph with `nodes` nodes and the given edges (`from` depends on `to`),
/// one per strongly connected component of two or more nodes. A cycle starts and ends at the
/// component's first declared node and, at each step, follows the first declared edge that
/// leads back (`[a, b, c, a]` for a → b → c → a). Self-loops are not cycles here: they are
/// reported on their own.
pub fn cycles(nodes: usize, edges: &[(usize, usize)]) -> Vec<Vec<usize>> {
    let mut graph: DiGraph<(), ()> = DiGraph::with_capacity(nodes, edges.len());
    for _ in 0..nodes {
        graph.add_node(());
    }
    for &(from, to) in edges {
        if from != to && from < nodes && to < nodes {
            graph.add_edge(NodeIndex::new(from), NodeIndex::new(to), ());
        }
    }
    let mut found: Vec<Vec<usize>> = tarjan_scc(&graph)
        .into_iter()
        .filter(|component| component.len() > 1)
        .map(|component| {
            let mut members: Vec<usize> = component.iter().map(|n| n.index()).collect();
            members.sort_unstable();
            cycle_within(&members, edges)
        })
        .collect();
    found.sort();
    found
}

/// A simple cycle through the first member of a strongly connected component, preferring
/// edges in declaration order (depth-first, iterative).
fn cycle_within(members: &[usize], edges: &[(usize, usize)]) -> Vec<usize> {
    let start = members[0];
    let inside = |n: usize| members.binary_search(&n).is_ok();
    let successors = |n: usize| -> Vec<usize> {
        edges
            .iter()
            .filter(|&&(from, to)| from == n && to != n && inside(to))
            .map(|&(_, to)| to)
            .collect()
    };
    let mut path = vec![start];
    let mut pending = vec![successors(start)];
    let mut visited = vec![start];
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
        if visited.contains(&next) {
            continue;
        }
        visited.push(next);
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
}

/// The order in which a DAG's nodes may run: a topological order with ties broken by
/// declaration order, and the waves of nodes that may run side by side (a node's wave is one
/// more than its latest dependency's). `edges` are (node, dependency). Nodes on a cycle are
/// left out (cycles are reported by [`cycles`]).
pub fn order(nodes: usize, edges: &[(usize, usize)]) -> (Vec<usize>, Vec<Vec<usize>>) {
    let mut blocking = vec![0usize; nodes];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); nodes];
    for &(node, dependency) in edges {
        if node < nodes && dependency < nodes && node != dependency {
            blocking[node] += 1;
            dependents[dependency].push(node);
        }
    }
    let mut wave_of = vec![0usize; nodes];
    let mut ready: std::collections::BTreeSet<usize> =
        (0..nodes).filter(|&n| blocking[n] == 0).collect();
    let mut order = Vec::with_capacity(nodes);
    while let Some(&next) = ready.iter().next() {
        ready.remove(&next);
        order.push(next);
        for &dependent in &dependents[next] {
            wave_of[dependent] = wave_of[dependent].max(wave_of[next] + 1);
            blocking[dependent] -= 1;
            if blocking[dependent] == 0 {
                ready.insert(dependent);
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
}
