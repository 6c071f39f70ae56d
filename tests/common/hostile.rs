//! A generator of hostile repositories: one case for each way a repository can try to make
//! railyard use unbounded memory or time, hang, or read outside the repository. The tests in
//! `tests/hostile.rs` run every case and hold railyard to an answer (exit 0 or 1, a located
//! diagnostic, bounded memory); `benches/hostile.rs` times them on the release build.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::time::{Duration, Instant};

/// Address space a case may reserve (threads' stacks and the allocator's arenas count).
const MAX_ADDRESS_SPACE: u64 = 4 * 1024 * 1024 * 1024;
/// A case still running after this long hangs: it is killed.
const DEADLINE: Duration = Duration::from_secs(60);

pub struct Run {
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: String,
    /// Peak resident set, in bytes.
    pub max_rss: u64,
    pub wall: Duration,
    /// Still running at the deadline, and killed.
    pub hung: bool,
}

/// Runs railyard with `args` under the caps, and waits with `wait4` for its peak memory.
pub fn run(binary: &str, args: &[&str], repo: &Path) -> Run {
    let out = tempfile::tempdir().expect("a temporary directory");
    let stdout = std::fs::File::create(out.path().join("stdout")).expect("stdout file");
    let stderr = std::fs::File::create(out.path().join("stderr")).expect("stderr file");
    let mut command = std::process::Command::new(binary);
    command
        .args(args)
        .arg("--repo")
        .arg(repo)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(std::process::Stdio::null())
        .stdout(stdout)
        .stderr(stderr);
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: MAX_ADDRESS_SPACE,
                rlim_max: MAX_ADDRESS_SPACE,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let started = Instant::now();
    let child = command.spawn().expect("railyard starts");
    let pid = child.id() as libc::pid_t;
    let mut hung = false;
    let (status, usage) = loop {
        let mut status = 0;
        // SAFETY: an all-zero rusage is a valid value for wait4 to fill.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: pid is our own child, not yet reaped; the pointers are to live locals.
        let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        assert!(reaped >= 0, "wait4: {}", std::io::Error::last_os_error());
        if reaped == pid {
            break (status, usage);
        }
        if started.elapsed() > DEADLINE && !hung {
            // SAFETY: pid is our child, still unreaped.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            hung = true;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let wall = started.elapsed();
    std::mem::forget(child);
    Run {
        code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        signal: libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status)),
        stdout: std::fs::read(out.path().join("stdout")).expect("stdout"),
        stderr: std::fs::read_to_string(out.path().join("stderr")).unwrap_or_default(),
        max_rss: usage.ru_maxrss as u64 * 1024,
        wall,
        hung,
    }
}

/// What every case is run through: `validate`, and the dry-run at a fixed clock.
pub const COMMANDS: [&[&str]; 2] = [
    &["validate", "--format", "json"],
    &[
        "reconcile",
        "--dry-run",
        "--format",
        "json",
        "--now",
        "2026-12-02T10:00:00Z",
    ],
];

/// One entry of a hostile repository.
pub enum Entry {
    Bytes(Vec<u8>),
    /// A file of this many bytes, sparse (so that a 100 MB case costs no disk).
    Sparse(u64),
    Symlink(&'static str),
    Fifo,
}

/// A hostile repository and what railyard must answer.
pub struct Case {
    pub name: &'static str,
    pub entries: Vec<(String, Entry)>,
    /// Exit code of `validate` (0 or 1).
    pub exit: i32,
    /// Codes that must be among the diagnostics, each at a file and line.
    pub codes: &'static [&'static str],
}

impl Case {
    fn new(name: &'static str, exit: i32, codes: &'static [&'static str]) -> Case {
        Case {
            name,
            entries: base(),
            exit,
            codes,
        }
    }

    fn file(mut self, path: &str, bytes: impl Into<Vec<u8>>) -> Case {
        self.entries
            .push((path.to_string(), Entry::Bytes(bytes.into())));
        self
    }

    fn entry(mut self, path: &str, entry: Entry) -> Case {
        self.entries.push((path.to_string(), entry));
        self
    }

    /// Replaces the repository's `railyard.yaml`.
    fn config(mut self, spec: &str) -> Case {
        self.entries.retain(|(path, _)| path != "railyard.yaml");
        self.file(
            "railyard.yaml",
            format!(
                "apiVersion: railyard/v1\nkind: Config\nmetadata: {{name: hostile}}\nspec:\n{spec}"
            ),
        )
    }

    /// Writes the case into `root`.
    pub fn write(&self, root: &Path) {
        for (path, entry) in &self.entries {
            let full = root.join(path);
            if let Some(parent) = full.parent() {
                std::fs::create_dir_all(parent).expect("create the parent directory");
            }
            match entry {
                Entry::Bytes(bytes) => std::fs::write(&full, bytes).expect("write the file"),
                Entry::Sparse(size) => std::fs::File::create(&full)
                    .and_then(|f| f.set_len(*size))
                    .expect("make a sparse file"),
                Entry::Symlink(target) => {
                    std::os::unix::fs::symlink(target, &full).expect("make a symlink")
                }
                Entry::Fifo => {
                    let status = std::process::Command::new("mkfifo")
                        .arg(&full)
                        .status()
                        .expect("mkfifo runs");
                    assert!(status.success(), "mkfifo {}", full.display());
                }
            }
        }
    }

    /// The case written into a new temporary directory: the directory (removed on drop)
    /// and the repository's root in it.
    pub fn materialize(&self) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let repo = dir.path().join("repo");
        std::fs::create_dir(&repo).expect("mkdir");
        self.write(&repo);
        (dir, repo)
    }

    /// Bytes of the repository as written (sparse files at their size).
    pub fn size(&self) -> u64 {
        self.entries
            .iter()
            .map(|(_, entry)| match entry {
                Entry::Bytes(bytes) => bytes.len() as u64,
                Entry::Sparse(size) => *size,
                Entry::Symlink(_) | Entry::Fifo => 0,
            })
            .sum()
    }
}

const CONFIG: &str = "apiVersion: railyard/v1\nkind: Config\nmetadata: {name: hostile}\nspec: {}\n";
const TEAM: &str = "apiVersion: railyard/v1\nkind: Team\nmetadata: {name: release-managers}\nspec:\n  members:\n    - {id: rita, emails: [rita@example.com]}\n";
const ENVIRONMENTS: &str = "apiVersion: railyard/v1\nkind: Environment\nmetadata: {name: test}\nspec: {tier: test, promotesTo: production}\n---\napiVersion: railyard/v1\nkind: Environment\nmetadata: {name: production}\nspec: {tier: production}\n";
const TRAIN: &str = "apiVersion: railyard/v1\nkind: ReleaseTrain\nmetadata: {name: q4}\nspec: {type: minor, manager: rita}\n";

/// A small valid repository that every case adds to.
fn base() -> Vec<(String, Entry)> {
    [
        ("railyard.yaml", CONFIG),
        ("teams.yaml", TEAM),
        ("environments.yaml", ENVIRONMENTS),
        ("train.yaml", TRAIN),
    ]
    .into_iter()
    .map(|(path, text)| (path.to_string(), Entry::Bytes(text.as_bytes().to_vec())))
    .collect()
}

/// Nine levels of ten aliases each: a billion nodes from a few hundred bytes.
fn alias_bomb() -> String {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..10 {
        let previous = format!("*a{}", level - 1);
        let items = [previous.as_str(); 10].join(", ");
        writeln!(text, "a{level}: &a{level} [{items}]").unwrap();
    }
    text
}

/// The same bomb through merge keys: each mapping merges the one before it ten times.
fn merge_bomb() -> String {
    let mut text = String::from(
        "m0: &m0 {k0: x, k1: x, k2: x, k3: x, k4: x, k5: x, k6: x, k7: x, k8: x, k9: x}\n",
    );
    for level in 1..10 {
        let previous = format!("*m{}", level - 1);
        let items = [previous.as_str(); 10].join(", ");
        writeln!(text, "m{level}: &m{level} {{<<: [{items}], own{level}: x}}").unwrap();
    }
    text
}

fn turnover(name: &str, extra: &str, tasks: &str) -> String {
    format!(
        "apiVersion: railyard/v1\nkind: Turnover\nmetadata: {{name: {name}}}\nspec:\n  environment: test\n  train: q4\n  scheduledAt: 2026-12-10T20:00:00Z\n{extra}  tasks:\n{tasks}"
    )
}

fn task(id: &str, depends_on: &[String]) -> String {
    format!(
        "    - {{id: {id}, title: Step {id}, type: automated, run: [\"true\"], dependsOn: [{}]}}\n",
        depends_on.join(", ")
    )
}

/// `count` turnovers, each copying the tasks of the next (`t0` ← `t1` ← …), with three
/// tasks each; with `ring`, the last copies the first.
fn tasks_from_chain(count: usize, ring: bool) -> String {
    let mut text = String::new();
    for i in 0..count {
        let source = if i + 1 < count {
            format!("  tasksFrom: t{}\n", i + 1)
        } else if ring {
            "  tasksFrom: t0\n".to_string()
        } else {
            String::new()
        };
        let tasks: String = (0..3).map(|k| task(&format!("s{i}-{k}"), &[])).collect();
        text.push_str("---\n");
        text.push_str(&turnover(&format!("t{i}"), &source, &tasks));
    }
    text
}

/// Every case, in a fixed order.
pub fn cases() -> Vec<Case> {
    let mut cases = vec![
        Case::new("alias-bomb", 1, &["yaml-alias-limit"]).file("bomb.yaml", alias_bomb()),
        // A raised limit is held to the ceiling: the bomb still stops.
        Case::new("alias-bomb-raised-limit", 1, &["yaml-alias-limit", "invalid-value"])
            .config("  limits: {maxAliasNodes: 4294967295}\n")
            .file("bomb.yaml", alias_bomb()),
        Case::new("merge-key-bomb", 1, &["yaml-alias-limit"]).file("bomb.yaml", merge_bomb()),
        Case::new("deep-flow-nesting", 1, &["yaml-too-deep"])
            .file("deep.yaml", "[".repeat(200_000)),
        Case::new("deep-flow-mapping", 1, &["yaml-too-deep"])
            .file("deep.yaml", "{a: ".repeat(100_000)),
        Case::new("deep-block-nesting", 1, &["yaml-too-deep"]).file("deep.yaml", {
            let mut text = String::new();
            for depth in 0..1200 {
                writeln!(text, "{}k:", " ".repeat(depth)).unwrap();
            }
            text
        }),
        Case::new("deep-nesting-raised-limit", 1, &["yaml-too-deep", "invalid-value"])
            .config("  limits: {maxDepth: 100000}\n")
            .file("deep.yaml", "[".repeat(200_000)),
        // The deepest nesting the ceiling allows is read, not refused.
        Case::new("deep-nesting-at-ceiling", 1, &["not-a-manifest"])
            .config("  limits: {maxDepth: 255}\n")
            .file("deep.yaml", format!("{}{}", "[".repeat(250), "]".repeat(250)))
            .file("deeper.yaml", {
                let mut text = String::new();
                for depth in 0..250 {
                    writeln!(text, "{}k:", " ".repeat(depth)).unwrap();
                }
                text
            }),
        // A file as large as the ceiling allows, most of it one scalar.
        Case::new("file-at-ceiling", 0, &[])
            .config("  limits: {maxFileBytes: 16777216}\n")
            .file(
                "big-team.yaml",
                format!(
                    "apiVersion: railyard/v1\nkind: Team\nmetadata: {{name: big}}\nspec:\n  description: {}\n  members: []\n",
                    "d".repeat(16 * 1024 * 1024 - 200)
                ),
            ),
        Case::new("huge-scalar", 1, &["invalid-value"]).file(
            "team.yaml",
            format!(
                "apiVersion: railyard/v1\nkind: Team\nmetadata: {{name: {}}}\nspec:\n  description: {}\n  members: []\n",
                "n".repeat(300_000),
                "d".repeat(700_000)
            ),
        ),
        Case::new("huge-key", 1, &["not-a-manifest"])
            .file("key.yaml", format!("{}: 1\n", "k".repeat(1_000_000))),
        Case::new("file-100mb", 1, &["file-too-large"])
            .entry("big.yaml", Entry::Sparse(100 * 1024 * 1024)),
        Case::new("file-100mb-raised-limit", 1, &["file-too-large", "invalid-value"])
            .config("  limits: {maxFileBytes: 1000000000}\n")
            .entry("big.yaml", Entry::Sparse(100 * 1024 * 1024)),
        Case::new("invalid-utf8", 1, &["not-utf8"])
            .file("bad.yaml", b"apiVersion: railyard/v1\nkind: Team\nmetadata: {name: \xff\xfe}\n".to_vec()),
        Case::new("byte-order-mark", 0, &[]).file(
            "bom.yaml",
            format!("\u{feff}{}", TEAM.replace("release-managers", "bom-team")),
        ),
        Case::new("nul-bytes", 1, &["yaml-syntax"]).file(
            "nul.yaml",
            b"apiVersion: railyard/v1\nkind: Team\nmetadata: {name: a\0b}\n".to_vec(),
        ),
        Case::new("cr-line-ends", 0, &[]).file(
            "cr.yaml",
            TEAM.replace("release-managers", "cr-team").replace('\n', "\r"),
        ),
        Case::new("crlf-line-ends", 0, &[]).file(
            "crlf.yaml",
            TEAM.replace("release-managers", "crlf-team").replace('\n', "\r\n"),
        ),
        Case::new("tags", 1, &["yaml-tag"]).file(
            "tags.yaml",
            "apiVersion: railyard/v1\nkind: Team\nmetadata: {name: !!python/object:os.system x}\nspec: !custom {members: !!binary aGk=}\n",
        ),
        Case::new("thousands-of-documents", 0, &[]).file("teams-many.yaml", {
            let mut text = String::new();
            for i in 0..10_000 {
                writeln!(text, "---\napiVersion: railyard/v1\nkind: Team\nmetadata: {{name: t{i}}}\nspec: {{members: []}}").unwrap();
            }
            text
        }),
        Case::new("empty-documents", 1, &["empty-file"])
            .file("empty.yaml", "---\n".repeat(250_000)),
        Case::new("ten-thousand-tasks", 0, &[]).file("turnover.yaml", {
            let tasks: String = (0..10_000)
                .map(|i| task(&format!("k{i}"), &if i > 0 { vec![format!("k{}", i - 1)] } else { vec![] }))
                .collect();
            turnover("big", "", &tasks)
        }),
        Case::new("task-cycle", 1, &["dependency-cycle"]).file("turnover.yaml", {
            let n = 10_000;
            let tasks: String = (0..n)
                .map(|i| task(&format!("k{i}"), &[format!("k{}", (i + 1) % n)]))
                .collect();
            turnover("ring", "", &tasks)
        }),
        Case::new("task-dense-dependencies", 0, &[]).file("turnover.yaml", {
            let tasks: String = (0..1500usize)
                .map(|i| {
                    let deps: Vec<String> =
                        (i.saturating_sub(40)..i).map(|d| format!("k{d}")).collect();
                    task(&format!("k{i}"), &deps)
                })
                .collect();
            turnover("dense", "", &tasks)
        }),
        Case::new("self-dependency", 1, &["self-dependency"])
            .file("turnover.yaml", turnover("me", "", &task("k", &["k".into()]))),
        Case::new("release-cycle", 1, &["dependency-cycle"]).file("releases.yaml", {
            let n = 3_000;
            let mut text = String::new();
            for i in 0..n {
                writeln!(text, "---\napiVersion: railyard/v1\nkind: ApplicationRelease\nmetadata: {{name: r{i}}}\nspec: {{application: a{i}, version: \"1\", dependsOn: [r{}]}}", (i + 1) % n).unwrap();
            }
            text
        }),
        Case::new("promotion-cycle", 1, &["promotion-cycle"]).file("more-environments.yaml", {
            let n = 3_000;
            let mut text = String::new();
            for i in 0..n {
                writeln!(text, "---\napiVersion: railyard/v1\nkind: Environment\nmetadata: {{name: e{i}}}\nspec: {{tier: test, promotesTo: e{}}}", (i + 1) % n).unwrap();
            }
            text
        }),
        Case::new("tasks-from-chain", 1, &["invalid-value"])
            .file("turnovers.yaml", tasks_from_chain(2_000, false)),
        Case::new("tasks-from-cycle", 1, &["dependency-cycle"])
            .file("turnovers.yaml", tasks_from_chain(2_000, true)),
        // Two thousand environments in a line, a turnover on each promoted from the one before.
        Case::new("promoted-from-chain", 0, &[]).file("turnovers.yaml", {
            let n = 2_000;
            let mut text = String::new();
            for i in 0..n {
                let next = if i + 1 < n { format!(", promotesTo: e{}", i + 1) } else { String::new() };
                writeln!(text, "---\napiVersion: railyard/v1\nkind: Environment\nmetadata: {{name: e{i}}}\nspec: {{tier: test{next}}}").unwrap();
                let from = if i > 0 { format!("  promotedFrom: p{}\n", i - 1) } else { String::new() };
                text.push_str("---\n");
                text.push_str(&turnover(&format!("p{i}"), &from, &task("only", &[])).replace("environment: test", &format!("environment: e{i}")));
            }
            text
        }),
        Case::new("reservations", 1, &["reservation-overlap"]).file("trains.yaml", {
            let mut text = String::new();
            for i in 0..3_000 {
                writeln!(text, "---\napiVersion: railyard/v1\nkind: ReleaseTrain\nmetadata: {{name: r{i}}}\nspec:\n  type: minor\n  manager: rita\n  environments:\n    - {{name: production, from: 2026-12-01, to: 2026-12-31}}").unwrap();
            }
            text
        }),
        Case::new("symlinks-leaving-the-repository", 0, &[])
            .entry("passwd.yaml", Entry::Symlink("/etc/passwd"))
            .entry("outside", Entry::Symlink("/"))
            .entry("up.yaml", Entry::Symlink("../../../../../../etc/hostname"))
            .entry("loop", Entry::Symlink(".")),
        Case::new("fifo", 0, &[]).entry("stuck.yaml", Entry::Fifo),
        // railyard.yaml pointing outside is not followed either: the defaults apply.
        Case {
            name: "config-symlink-leaving-the-repository",
            entries: base()
                .into_iter()
                .filter(|(path, _)| path != "railyard.yaml")
                .chain([("railyard.yaml".to_string(), Entry::Symlink("/etc/passwd"))])
                .collect(),
            exit: 0,
            codes: &[],
        },
        Case::new("globs-leaving-the-repository", 1, &["invalid-path"]).config(
            "  manifests: [\"../**/*.yaml\", \"/etc/*.yaml\", \".git/**\", \"a/../../b/*.yaml\"]\n  statusDir: ../status\n  summary: .git/STATUS.md\n",
        ),
    ];
    cases.sort_by_key(|c| c.name);
    cases
}
