//! Two pieces of work that need nothing of each other, done at once: the one that would
//! leave a core idle (the walk of a commit's history) on a thread of its own while the
//! caller does the other (reading a tree, parsing on every core).

use std::sync::{Mutex, PoisonError};

/// `here()` on this thread and `there()` on a thread of its own, at once. `there` runs
/// after `here` on this thread when no thread can be started; a panic in it goes on here.
pub(crate) fn side_by_side<A, B, F>(here: impl FnOnce() -> A, there: F) -> (A, B)
where
    F: FnOnce() -> B + Send,
    B: Send,
{
    // Taken by the thread that runs it: the spawned one, else this one.
    let there = Mutex::new(Some(there));
    let take = || there.lock().unwrap_or_else(PoisonError::into_inner).take();
    let (a, joined) = std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("railyard-beside".into())
            .spawn_scoped(scope, || take().map(|f| f()));
        let a = here();
        (a, spawned.ok().map(|thread| thread.join()))
    });
    let b = match joined {
        Some(Ok(Some(b))) => b,
        Some(Err(panic)) => std::panic::resume_unwind(panic),
        // No thread started: it is still there to take.
        Some(Ok(None)) | None => match take() {
            Some(f) => f(),
            None => unreachable!("`there` is taken once, by the thread that runs it"),
        },
    };
    (a, b)
}

#[cfg(test)]
mod tests {
    use super::side_by_side;

    #[test]
    fn both_run_once_and_each_answer_is_its_own() {
        let here_thread = std::thread::current().id();
        let (a, b) = side_by_side(
            || (std::thread::current().id(), 1),
            || (std::thread::current().id(), 2),
        );
        assert_eq!(a, (here_thread, 1));
        assert_ne!(b.0, here_thread, "`there` ran on a thread of its own");
        assert_eq!(b.1, 2);
    }

    #[test]
    fn a_panic_over_there_goes_on_here() {
        let caught =
            std::panic::catch_unwind(|| side_by_side(|| 1, || -> u8 { panic!("over there") }));
        let message = caught.expect_err("the panic goes on");
        assert_eq!(message.downcast_ref::<&str>(), Some(&"over there"));
    }
}
