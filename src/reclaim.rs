//! Giving back the memory a reconcile built, off the path that makes someone wait.
//!
//! A reconcile of ten thousand manifests builds millions of small allocations (YAML trees,
//! typed objects, statuses, plans). Freeing them one by one, on one core, was the last tenth
//! of a no-change reconcile, after all the work was done (perf). Two calls:
//!
//! - [`soon`]: a value no longer needed in the middle of the work (the YAML trees once the
//!   diagnostics are made): freed on a thread of its own while the work goes on.
//! - [`at_end`]: what a reconcile built, once it is done: freed like [`soon`] when the
//!   process goes on to do more, never when it is about to exit anyway (the operating
//!   system takes the memory back whole).
//!
//! Which of these the process does is its [`Mode`], set once by the binary. The default,
//! [`Mode::Inline`], drops values where they fall, as usual.
//!
//! How the process takes memory in the first place, and how soon the allocator hands freed
//! pages back, are here too: [`without_huge_pages`], [`freed_pages_back_soon`].

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// How [`soon`] and [`at_end`] give memory back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    /// Dropped where they fall (the library's default, and its tests).
    Inline = 0,
    /// Freed on the background thread (`watch`, `--execute`: processes that reconcile again
    /// and again).
    Background = 1,
    /// Like `Background`, but what [`at_end`] is given is never freed (one-shot commands).
    OneShot = 2,
}

static MODE: AtomicU8 = AtomicU8::new(Mode::Inline as u8);

/// Sets how this process gives memory back (the binary, once, before any work).
pub fn set_mode(mode: Mode) {
    MODE.store(mode as u8, Ordering::Relaxed);
}

/// Asks the kernel for no transparent huge pages in this process (the binary, once, before
/// any work, for a command that runs no task). mimalloc asks for them on its arenas, and a
/// reconcile touches most of its heap once: each first touch of a huge page zeroes 2 MiB of
/// which it may use little. On the 2-core VM the kernel's zeroing was a quarter of a
/// 100,000-manifest dry-run's CPU samples (perf); without huge pages its system time fell
/// by a fifth to a half and its peak resident memory by 10–20 MiB. The setting is the
/// process's and passes to its children: a command that runs tasks (`--execute`) leaves it
/// alone, so that a task runs as the system would run it.
pub fn without_huge_pages() {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        // Refused (a kernel before 3.15): the heap is as before.
        let _ = rustix::thread::disable_transparent_huge_pages(true);
    }
}

/// mimalloc's `mi_option_purge_delay`: its place in the header's `mi_option_e` (the same in
/// mimalloc 2 and 3; `libmimalloc-sys` names no option after 14). A test below holds the
/// number to the option's default in the bundled source.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long, in milliseconds, mimalloc keeps a freed page before handing it back to the
/// system: the 10 its header documents. The bundled mimalloc 3 waits 1,000.
const PURGE_DELAY_MS: std::ffi::c_long = 10;

/// Asks mimalloc to hand freed pages back to the system after [`PURGE_DELAY_MS`] instead of a
/// second (the binary, once, before any other thread starts; a `MIMALLOC_PURGE_DELAY` in the
/// environment wins). A reconcile frees its parse's scratch (the files' text, the trees read
/// from them) while it builds what it keeps, and a page freed less than a second before was
/// still counted in its peak. On the 2-core VM, five runs each of the 100,000-manifest
/// dry-run (release build of 757b652): peak resident memory 483–494 MiB with 1,000 ms,
/// 464–478 with 100, 462–463 with 10 and 462–485 with 1; the wall times (2.09–2.68 s) did
/// not tell the delays apart. With no delay at all the system time doubled.
pub fn freed_pages_back_soon() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: called before any other thread is started; the option only times purges.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, PURGE_DELAY_MS) };
}

fn mode() -> Mode {
    match MODE.load(Ordering::Relaxed) {
        1 => Mode::Background,
        2 => Mode::OneShot,
        _ => Mode::Inline,
    }
}

type Garbage = Box<dyn Send>;

/// The background thread's queue, started on first use; `None` when no thread could start.
fn queue() -> Option<&'static Mutex<Sender<Garbage>>> {
    static QUEUE: OnceLock<Option<Mutex<Sender<Garbage>>>> = OnceLock::new();
    QUEUE
        .get_or_init(|| {
            let (sender, receiver) = mpsc::channel::<Garbage>();
            std::thread::Builder::new()
                .name("railyard-reclaim".into())
                .spawn(move || {
                    for garbage in receiver {
                        drop(garbage);
                    }
                })
                .ok()
                .map(|_| Mutex::new(sender))
        })
        .as_ref()
}

/// Frees `value` on the background thread (here in [`Mode::Inline`], or when no thread
/// could start).
pub fn soon<T: Send + 'static>(value: T) {
    if mode() == Mode::Inline {
        return drop(value);
    }
    let sent = queue().and_then(|queue| {
        let sender = queue.lock().ok()?;
        // Given back when the thread is gone: then it is dropped here.
        sender.send(Box::new(value)).err().map(|e| e.0)
    });
    drop(sent);
}

/// What a reconcile built, once it is done: never freed in a [`Mode::OneShot`] process,
/// else as [`soon`].
pub fn at_end<T: Send + 'static>(value: T) {
    if mode() == Mode::OneShot {
        std::mem::forget(value);
    } else {
        soon(value);
    }
}

/// Waits (at most `limit`) until the background thread has freed everything it was given
/// before this call (at once in [`Mode::Inline`]): a process about to exit calls it so that
/// no free runs during the exit. Whether everything was freed in time.
pub fn settle(limit: Duration) -> bool {
    /// Signals when dropped: after everything queued before it.
    struct Mark(Sender<()>);
    impl Drop for Mark {
        fn drop(&mut self) {
            let _ = self.0.send(());
        }
    }
    if mode() == Mode::Inline {
        return true;
    }
    let (done, freed) = mpsc::channel();
    soon(Mark(done));
    freed.recv_timeout(limit).is_ok()
}

/// The process's peak resident memory so far, in KiB (Linux `VmHWM`), for the debug log's
/// laps; `None` where the kernel does not say.
pub fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn the_purge_delay_set_is_mimallocs_purge_delay() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        // SAFETY: reads and sets one option; nothing in this process allocates with mimalloc.
        let read = || unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) };
        // The bundled source's default for `purge_delay` (options.c): another number reads
        // another option (the one before it defaults to 1, the one after to 0).
        assert_eq!(read(), 1000);
        freed_pages_back_soon();
        assert_eq!(read(), PURGE_DELAY_MS);
    }

    /// Counts its drops.
    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    // One test for every mode: the mode is the process's, and tests run in parallel (the
    // others may see another mode for a moment: only when their memory is freed changes).
    #[test]
    fn each_mode_gives_memory_back_as_it_says() {
        let drops = Arc::new(AtomicUsize::new(0));
        let count = || drops.load(Ordering::SeqCst);
        soon(Counted(drops.clone()));
        at_end(Counted(drops.clone()));
        assert_eq!(count(), 2, "inline: dropped at once");

        set_mode(Mode::Background);
        for _ in 0..100 {
            soon(Counted(drops.clone()));
        }
        at_end(Counted(drops.clone()));
        assert!(settle(Duration::from_secs(10)));
        assert_eq!(count(), 103, "background: all freed once settled");

        set_mode(Mode::OneShot);
        soon(Counted(drops.clone()));
        at_end(Counted(drops.clone()));
        assert!(settle(Duration::from_secs(10)));
        assert_eq!(count(), 104, "one-shot: freed soon, or never at the end");
        set_mode(Mode::Inline);
    }
}
