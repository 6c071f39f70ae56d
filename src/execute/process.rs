//! One automated task as a process: argv without a shell, in its own process group, killed
//! with its whole group at its timeout or when the run stops, and the last lines of its
//! output kept for status.

use std::collections::VecDeque;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process_group};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::watch;

/// How many lines of output status keeps.
pub const OUTPUT_LINES: usize = 50;
/// Longer lines are cut to this many characters.
const LINE_CHARS: usize = 400;
/// How long a task has to exit after SIGTERM before its group gets SIGKILL.
pub const GRACE: Duration = Duration::from_secs(5);
/// How long to wait for output after the task exited (a process that left the group can
/// hold the pipe open).
const DRAIN: Duration = Duration::from_secs(2);

/// What to run.
pub struct Spec<'a> {
    pub argv: &'a [String],
    pub dir: &'a Path,
    pub env: Vec<(&'static str, String)>,
    pub timeout: Duration,
}

/// How a task ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ended {
    pub succeeded: bool,
    pub exit_code: Option<i32>,
    pub duration: Duration,
    /// Why it failed other than by its exit code.
    pub reason: Option<String>,
    /// The last [`OUTPUT_LINES`] lines of stdout and stderr, as they arrived.
    pub output: Vec<String>,
}

/// Runs the task to its end. `stop` carries a reason once the whole run is stopping (Ctrl-C):
/// the task is then terminated like at a timeout, with that reason.
pub async fn run(spec: Spec<'_>, mut stop: watch::Receiver<Option<String>>) -> Ended {
    let started = Instant::now();
    let Some((program, args)) = spec.argv.split_first() else {
        return not_started(started, "the task has an empty `run`".into());
    };
    let mut command = tokio::process::Command::new(program);
    command
        .args(args)
        .current_dir(spec.dir)
        .envs(spec.env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => return not_started(started, format!("could not start `{program}`: {e}")),
    };
    let group = child
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .and_then(Pid::from_raw);
    let tail = Arc::new(Mutex::new(Tail::default()));
    let mut readers = tokio::task::JoinSet::new();
    if let Some(out) = child.stdout.take() {
        readers.spawn(read_lines(out, tail.clone()));
    }
    if let Some(err) = child.stderr.take() {
        readers.spawn(read_lines(err, tail.clone()));
    }
    let mut reason = None;
    let status = tokio::select! {
        status = child.wait() => status.ok(),
        () = tokio::time::sleep(spec.timeout) => {
            reason = Some(format!("timed out after {}", crate::manifest::Duration { seconds: spec.timeout.as_secs() }));
            terminate(&mut child, group).await
        }
        why = stopping(&mut stop) => {
            reason = Some(why);
            terminate(&mut child, group).await
        }
    };
    // Whatever the task left running in its group goes with it.
    signal_group(group, Signal::KILL);
    let _ = tokio::time::timeout(DRAIN, async {
        while readers.join_next().await.is_some() {}
    })
    .await;
    readers.abort_all();
    let exit_code = status.and_then(|s| s.code());
    if reason.is_none() {
        reason = match status {
            None => Some("railyard lost track of the process".into()),
            Some(s) => s.signal().map(|n| format!("killed by signal {n}")),
        };
    }
    let output = match tail.lock() {
        Ok(mut tail) => tail.finish(),
        Err(_) => Vec::new(),
    };
    Ended {
        succeeded: reason.is_none() && exit_code == Some(0),
        exit_code,
        duration: started.elapsed(),
        reason,
        output,
    }
}

fn not_started(started: Instant, reason: String) -> Ended {
    Ended {
        succeeded: false,
        exit_code: None,
        duration: started.elapsed(),
        reason: Some(reason),
        output: Vec::new(),
    }
}

/// Resolves with the reason once the run is stopping; never when it is not.
pub async fn stopping(stop: &mut watch::Receiver<Option<String>>) -> String {
    let reason = stop
        .wait_for(Option::is_some)
        .await
        .map(|reason| reason.clone().unwrap_or_default());
    match reason {
        Ok(reason) => reason,
        Err(_) => std::future::pending().await,
    }
}

/// SIGTERM to the group, then SIGKILL if it has not exited within [`GRACE`].
async fn terminate(
    child: &mut tokio::process::Child,
    group: Option<Pid>,
) -> Option<std::process::ExitStatus> {
    signal_group(group, Signal::TERM);
    match tokio::time::timeout(GRACE, child.wait()).await {
        Ok(status) => status.ok(),
        Err(_) => {
            signal_group(group, Signal::KILL);
            child.wait().await.ok()
        }
    }
}

fn signal_group(group: Option<Pid>, signal: Signal) {
    if let Some(group) = group {
        // ESRCH (the group is already gone) is the common, fine case.
        let _ = kill_process_group(group, signal);
    }
}

async fn read_lines(mut stream: impl AsyncRead + Unpin, tail: Arc<Mutex<Tail>>) {
    let mut line = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        let read = match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        for &byte in &buffer[..read] {
            if byte == b'\n' {
                if let Ok(mut tail) = tail.lock() {
                    tail.push(&line);
                }
                line.clear();
            } else if line.len() < LINE_CHARS * 4 {
                line.push(byte);
            }
        }
    }
    if !line.is_empty()
        && let Ok(mut tail) = tail.lock()
    {
        tail.push(&line);
    }
}

/// The last lines of output.
#[derive(Debug, Default)]
struct Tail {
    lines: VecDeque<String>,
}

impl Tail {
    fn push(&mut self, raw: &[u8]) {
        let text = String::from_utf8_lossy(raw);
        let text = text.trim_end_matches('\r');
        let line = match text.char_indices().nth(LINE_CHARS) {
            Some((cut, _)) => format!("{}…", &text[..cut]),
            None => text.to_string(),
        };
        if self.lines.len() == OUTPUT_LINES {
            self.lines.pop_front();
        }
        self.lines.push_back(line);
    }

    fn finish(&mut self) -> Vec<String> {
        std::mem::take(&mut self.lines).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_keeps_the_last_lines_cut_to_length() {
        let mut tail = Tail::default();
        for i in 0..60 {
            tail.push(format!("line {i}\r").as_bytes());
        }
        tail.push("é".repeat(500).as_bytes());
        tail.push(&[0xff, b'a']);
        let lines = tail.finish();
        assert_eq!(lines.len(), OUTPUT_LINES);
        assert_eq!(lines[0], "line 12");
        assert_eq!(lines[47], "line 59");
        assert_eq!(lines[48].chars().count(), LINE_CHARS + 1);
        assert!(lines[48].ends_with('…'));
        assert_eq!(lines[49], "\u{fffd}a");
    }
}
