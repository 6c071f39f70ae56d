#[test]
fn smoke() {
    let loaded = railyard::load::read_worktree(std::path::Path::new("examples/acme")).unwrap();
    let diagnostics = railyard::validate::check_loaded(&loaded);
    let (catalog, _) = railyard::catalog::Catalog::build(&loaded.settings, &loaded.documents);
    let now: jiff::Timestamp = "2026-11-23T12:00:00Z".parse().unwrap();
    let plans = railyard::engine::reconcile(
        &catalog,
        &diagnostics,
        &Default::default(),
        &railyard::facts::Facts::unverified(),
        now,
    );
    for p in plans {
        println!(
            "{:?}/{} -> {} {:?}",
            p.kind,
            p.name,
            p.status.phase,
            p.transitions
                .iter()
                .map(|t| format!("{}→{}: {}", t.from, t.to, t.reason))
                .collect::<Vec<_>>()
        );
        for n in &p.status.next {
            println!("    next {}: {:?}", n.phase, n.blocked_by);
        }
        for c in &p.status.conditions {
            println!("    cond {} {}", c.kind, c.message);
        }
        for n in &p.notifications {
            println!("    notify {} {} {}", n.to, n.event, n.phase);
        }
        if let Some(t) = &p.tasks {
            println!("    tasks {:?} {:?}", t.order, t.states);
        }
    }
}
