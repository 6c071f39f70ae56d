//! Timings for the debug log (`RUST_LOG=railyard=debug`), below every room that reports
//! one.

/// `work`, its time in the debug log as `what`: one half of work done side by side, where
/// the laps around both do not tell which one the other waited for.
pub(crate) fn timed<T>(what: &str, work: impl FnOnce() -> T) -> T {
    let started = std::time::Instant::now();
    let done = work();
    let took_ms = started.elapsed().as_millis() as u64;
    tracing::debug!(took_ms, "{what}");
    done
}
