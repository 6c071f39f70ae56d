//! Webhook notifications against a real HTTP server on loopback: delivered after the status
//! commit with the id as Idempotency-Key and secrets from the environment, never in a
//! dry-run, never twice; a 500 answered by a retry; a timeout recorded as undelivered and
//! delivered by the next reconcile.

mod common;

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{commit, git, git_repo, railyard, stdout};

const NOW: &str = "2026-11-25T12:00:00Z";

/// How the server answers the next request.
#[derive(Clone, Copy)]
enum Answer {
    Status(u16),
    /// Keep the connection open without answering for this long.
    Hang(Duration),
    /// A 500 whose body and headers echo the request line and every header, as some
    /// servers and proxies do in their error pages.
    Echo,
}

/// One request the server received.
#[derive(Clone, Debug)]
struct Received {
    headers: Vec<(String, String)>,
    body: serde_json::Value,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A small HTTP/1.1 server on 127.0.0.1 that records requests and answers from a script
/// (200 once the script is used up).
struct Server {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<VecDeque<Answer>>>,
}

impl Server {
    fn start() -> Server {
        let received = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::new()));
        let (r, s) = (received.clone(), script.clone());
        let address = serve(move |mut stream, mut reader| {
            let mut headers = Vec::new();
            let mut line = String::new();
            let _ = reader.read_line(&mut line); // request line
            let request_line = line.trim_end().to_string();
            loop {
                line.clear();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((k, v)) = line.trim_end().split_once(':') {
                    headers.push((k.trim().to_string(), v.trim().to_string()));
                }
            }
            let length = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.parse::<usize>().ok())
                .unwrap_or(0);
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let body = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
            r.lock().expect("lock").push(Received { headers, body });
            let answer = s
                .lock()
                .expect("lock")
                .pop_front()
                .unwrap_or(Answer::Status(200));
            let status = match answer {
                Answer::Hang(d) => {
                    std::thread::sleep(d);
                    200
                }
                Answer::Status(code) => code,
                Answer::Echo => {
                    let received = r.lock().expect("lock");
                    let headers = &received.last().expect("this request").headers;
                    let echo: String = std::iter::once(request_line.clone())
                        .chain(headers.iter().map(|(k, v)| format!("{k}: {v}")))
                        .collect::<Vec<_>>()
                        .join("\n");
                    let _ = write!(
                        stream,
                        "HTTP/1.1 500 {request_line}\r\nx-echo: {}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{echo}",
                        echo.replace('\n', " | "),
                        echo.len()
                    );
                    return;
                }
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
            );
        });
        let url = format!("http://{address}/hook");
        Server {
            url,
            received,
            script,
        }
    }

    fn answer(&self, answers: &[Answer]) {
        self.script.lock().expect("lock").extend(answers);
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }
}

/// Listens on a loopback port and hands each connection, with a line reader on it, to
/// `handle` on a thread of its own.
fn serve(
    handle: impl Fn(TcpStream, BufReader<TcpStream>) + Send + Sync + 'static,
) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
    let address = listener.local_addr().expect("an address");
    let handle = Arc::new(handle);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let handle = handle.clone();
            std::thread::spawn(move || {
                let reader = BufReader::new(stream.try_clone().expect("clone"));
                handle(stream, reader);
            });
        }
    });
    address
}

const SECRET: &str = "s3cret-token-value";

/// A repository whose train notifies its manager on entering each phase, with one notify
/// sink (`sink`: the YAML of its fields) and these release-manager `members` (flow lines).
fn repo_with(sink: &str, members: &[&str]) -> tempfile::TempDir {
    let repo = git_repo();
    let config = format!(
        "apiVersion: railyard/v1\nkind: Config\nmetadata: {{name: releases}}\nspec:\n  repositoryUrl: https://git.example/releases\n  notify:\n    - {sink}\n"
    );
    let teams = format!(
        "apiVersion: railyard/v1\nkind: Team\nmetadata: {{name: release-managers}}\nspec:\n  members:\n{}",
        members
            .iter()
            .map(|m| format!("    - {m}\n"))
            .collect::<String>()
    );
    commit(
        repo.path(),
        &[
            ("railyard.yaml", &config),
            ("teams.yaml", &teams),
            ("trains/q4.yaml", common::TRAIN),
        ],
        "rita",
        "2026-11-01T10:00:00Z",
    );
    repo
}

/// [`repo_with`] a webhook sink for `phase-entered`, its URL and a header from the
/// environment.
fn setup(timeout: &str) -> tempfile::TempDir {
    repo_with(
        &format!(
            "{{name: chat, filter: {{events: [phase-entered]}}, webhook: {{urlFrom: TEST_WEBHOOK_URL, timeout: {timeout}, headers: {{X-Token: \"env:TEST_WEBHOOK_TOKEN\"}}}}}}"
        ),
        &[
            "{id: rita, name: Rita, emails: [rita@example.com], github: rita-gh}",
            "{id: marco, emails: [marco@example.com]}",
        ],
    )
}

fn reconcile(dir: &std::path::Path, server: &Server, extra: &[&str]) -> std::process::Output {
    railyard()
        .args(["reconcile", "--now", NOW, "--repo"])
        .arg(dir)
        .args(extra)
        .env("TEST_WEBHOOK_URL", &server.url)
        .env("TEST_WEBHOOK_TOKEN", SECRET)
        .output()
        .expect("runs")
}

fn committed_status(dir: &std::path::Path, rev: &str) -> String {
    String::from_utf8_lossy(
        &git(
            dir,
            &["show", &format!("{rev}:status/ReleaseTrain/q4.yaml")],
            "nobody",
            NOW,
        )
        .stdout,
    )
    .into_owned()
}

#[test]
fn a_commit_delivers_once_with_the_id_and_the_secret_header_and_a_dry_run_sends_nothing() {
    let server = Server::start();
    let repo = setup("5s");
    let dir = repo.path();
    let dry = reconcile(dir, &server, &["--dry-run"]);
    assert_eq!(dry.status.code(), Some(0));
    assert!(stdout(&dry).contains("ReleaseTrain"));
    assert!(server.received().is_empty(), "a dry-run sends nothing");
    let out = reconcile(dir, &server, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout(&out).contains("sent 1 notification"),
        "{}",
        stdout(&out)
    );
    let received = server.received();
    assert_eq!(received.len(), 1);
    let request = &received[0];
    let id = "ReleaseTrain/q4#phase-entered@scoping:2026-11-01T10:00:00Z";
    assert_eq!(request.header("Idempotency-Key"), Some(id));
    assert_eq!(request.header("X-Token"), Some(SECRET));
    assert_eq!(request.body["id"], id);
    assert_eq!(request.body["recipients"][0]["github"], "rita-gh");
    assert_eq!(
        request.body["link"],
        "https://git.example/releases/trains/q4.yaml"
    );
    assert!(
        request.body["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("*ReleaseTrain/q4* entered `scoping`"))
    );
    // The status commit owed it; the next commit records the delivery.
    assert!(committed_status(dir, "HEAD~1").contains("outbox:"));
    assert!(!committed_status(dir, "HEAD").contains("outbox:"));
    let log =
        String::from_utf8_lossy(&git(dir, &["log", "--format=%s", "-2"], "nobody", NOW).stdout)
            .into_owned();
    assert_eq!(
        log,
        "railyard: record notifications\nrailyard: update status\n"
    );
    // Never twice; and the secret and the URL are in no commit.
    let again = reconcile(dir, &server, &[]);
    assert_eq!(stdout(&again), "up to date\n");
    assert_eq!(server.received().len(), 1);
    let history =
        String::from_utf8_lossy(&git(dir, &["log", "-p"], "nobody", NOW).stdout).into_owned();
    assert!(!history.contains(SECRET) && !history.contains(&server.url));
}

/// People's text reaches a chat webhook as text: `&`, `<` and `>` escaped as Slack asks, and
/// a link to a file whose path has spaces and `<` percent-encoded, so it stays one link.
#[test]
fn slack_text_is_escaped_and_links_stay_whole() {
    let server = Server::start();
    let repo = git_repo();
    let dir = repo.path();
    let config = "apiVersion: railyard/v1\nkind: Config\nmetadata: {name: releases}\nspec:\n  repositoryUrl: https://git.example/releases\n  notify:\n    - {name: chat, webhook: {urlFrom: TEST_WEBHOOK_URL}}\n";
    let train = "apiVersion: railyard/v1\nkind: ReleaseTrain\nmetadata: {name: q4}\nspec:\n  type: minor\n  manager: rita\n  gates:\n    scoping:\n      criteria: [{id: scope, description: \"<b>scope</b> & 100% | done\"}]\n";
    commit(
        dir,
        &[
            ("railyard.yaml", config),
            ("teams.yaml", common::TEAMS),
            ("trains/q4 <&>.yaml", train),
        ],
        "rita",
        "2026-11-01T10:00:00Z",
    );
    let out = reconcile(dir, &server, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let received = server.received();
    assert!(!received.is_empty());
    for request in &received {
        let link = request.body["link"].as_str().expect("a link");
        assert_eq!(
            link,
            "https://git.example/releases/trains/q4%20%3C%26%3E.yaml"
        );
        let text = request.body["text"].as_str().expect("text");
        let wrapped = format!(" <{link}>");
        assert!(text.ends_with(&wrapped), "{text}");
        let words = text.trim_end_matches(&wrapped);
        assert!(!words.contains(['<', '>']), "{text}");
        assert_eq!(
            words.matches('&').count(),
            words.matches("&amp;").count()
                + words.matches("&lt;").count()
                + words.matches("&gt;").count(),
            "{text}"
        );
    }
    assert!(
        received.iter().any(|r| r.body["text"]
            .as_str()
            .is_some_and(|t| t.contains("&lt;b&gt;scope&lt;/b&gt; &amp; 100% | done"))),
        "{received:?}"
    );
}

/// A secret in the webhook URL's path and query and one in a header, against a server that
/// echoes the request in its error page: neither appears in any output at any verbosity, in
/// the status files, STATUS.md or any commit.
#[test]
fn secrets_never_reach_output_status_commits_or_logs_even_from_an_echoing_server() {
    const IN_URL: &str = "u7l-s3cret-in-the-path";
    let server = Server::start();
    server.answer(&[Answer::Echo; 8]);
    let repo = setup("2s");
    let dir = repo.path();
    let url = format!("{}/{IN_URL}?token={IN_URL}", server.url);
    let run = |extra: &[&str], log: &str| {
        let output = railyard()
            .args(extra)
            .args(["--now", NOW, "--repo"])
            .arg(dir)
            .env("RUST_LOG", log)
            .env("TEST_WEBHOOK_URL", &url)
            .env("TEST_WEBHOOK_TOKEN", SECRET)
            .output()
            .expect("runs");
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    };
    let mut seen = String::new();
    for format in ["human", "json", "markdown", "github"] {
        seen += &run(&["--format", format, "reconcile", "--dry-run"], "trace");
    }
    seen += &run(&["-vvv", "reconcile"], "trace");
    seen += &run(&["--format", "json", "reconcile"], "railyard=trace");
    seen += &run(&["-vv", "reconcile"], "");
    seen += &run(
        &["reconcile"],
        "ureq=trace,ureq_proto=trace,rustls=trace,lettre=trace",
    );
    // The server did get the secrets, and answered with them.
    let received = server.received();
    assert!(received.len() >= 2, "the webhook was tried: {seen}");
    assert_eq!(received[0].header("X-Token"), Some(SECRET));
    assert!(
        seen.contains("500"),
        "the echoing answers were reported: {seen}"
    );
    let files: String = ["STATUS.md", "status/ReleaseTrain/q4.yaml"]
        .iter()
        .map(|f| std::fs::read_to_string(dir.join(f)).expect("written"))
        .collect();
    let history = String::from_utf8_lossy(&git(dir, &["log", "-p", "--all"], "nobody", NOW).stdout)
        .into_owned();
    for (what, text) in [("output", &seen), ("status", &files), ("history", &history)] {
        for secret in [SECRET, IN_URL] {
            assert!(!text.contains(secret), "`{secret}` in the {what}:\n{text}");
        }
    }
}

#[test]
fn a_500_is_retried_and_a_timeout_is_recorded_then_delivered_by_the_next_reconcile() {
    let server = Server::start();
    let repo = setup("1s");
    let dir = repo.path();
    server.answer(&[Answer::Status(500)]);
    let out = reconcile(dir, &server, &[]);
    assert_eq!(out.status.code(), Some(0));
    let received = server.received();
    assert_eq!(received.len(), 2, "a 500, then the retry");
    assert_eq!(
        received[0].header("Idempotency-Key"),
        received[1].header("Idempotency-Key")
    );
    // An approval moves the train to construction; the sink hangs past its timeout.
    commit(
        dir,
        &[("approvals/q4-train.yaml", common::APPROVAL)],
        "marco",
        "2026-11-02T10:00:00Z",
    );
    let hang = Answer::Hang(Duration::from_millis(2500));
    server.answer(&[hang, hang, hang]);
    let out = reconcile(dir, &server, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "a failing sink never fails the reconcile"
    );
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        said.contains("not delivered") && said.contains("no answer within 1s"),
        "{said}"
    );
    assert!(!said.contains(&server.url), "the URL stays secret: {said}");
    assert_eq!(
        said.matches("no answer within 1s").count(),
        1,
        "each undelivered notification is said once: {said}"
    );
    assert_eq!(server.received().len(), 5);
    let status = committed_status(dir, "HEAD");
    assert!(
        status.contains("attempts: 1") && status.contains("no answer within 1s"),
        "{status}"
    );
    assert!(
        committed_status(dir, "HEAD").contains("phase: construction"),
        "the transition was committed regardless"
    );
    // The next reconcile delivers it (same id) and clears the outbox.
    std::thread::sleep(Duration::from_millis(3000));
    let out = reconcile(dir, &server, &[]);
    assert_eq!(out.status.code(), Some(0));
    // The status was up to date; the commit printed is the one that recorded the delivery.
    let said = stdout(&out);
    let first = said.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("committed ") && first.ends_with(" railyard: record notifications"),
        "{said}"
    );
    let message = git(dir, &["log", "-1", "--format=%B"], "nobody", NOW);
    assert_eq!(
        String::from_utf8_lossy(&message.stdout),
        "railyard: record notifications\n\n[skip ci]\n\n",
        "one blank line between subject and trailer"
    );
    let received = server.received();
    let last = received.last().expect("a request");
    assert_eq!(
        last.header("Idempotency-Key"),
        Some("ReleaseTrain/q4#phase-entered@construction:2026-11-25T12:00:00Z")
    );
    assert!(!committed_status(dir, "HEAD").contains("outbox:"));
}

#[test]
fn a_sink_without_its_secret_here_is_skipped_without_commits_and_sent_once_it_is_set() {
    let server = Server::start();
    let repo = setup("5s");
    let dir = repo.path();
    let without = || {
        railyard()
            .args(["reconcile", "--now", NOW, "--repo"])
            .arg(dir)
            .env_remove("TEST_WEBHOOK_URL")
            .env("TEST_WEBHOOK_TOKEN", SECRET)
            .output()
            .expect("runs")
    };
    let first = without();
    assert_eq!(first.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&first.stderr)
            .contains("environment variable `TEST_WEBHOOK_URL` (urlFrom) is not set")
    );
    let head = git(dir, &["rev-parse", "HEAD"], "nobody", NOW).stdout;
    // Again: nothing new to commit, however often it runs.
    assert_eq!(stdout(&without()), "up to date\n");
    assert_eq!(git(dir, &["rev-parse", "HEAD"], "nobody", NOW).stdout, head);
    assert!(server.received().is_empty());
    // With the variable set, it goes out.
    let out = reconcile(dir, &server, &[]);
    assert!(
        stdout(&out).contains("sent 1 notification"),
        "{}",
        stdout(&out)
    );
    assert_eq!(server.received().len(), 1);
}

/// What a tiny SMTP server on loopback received: (MAIL FROM, RCPT TOs, DATA).
type Mails = Arc<Mutex<Vec<(String, Vec<String>, String)>>>;

/// A plain SMTP server (no TLS) that accepts every mail and records it.
fn smtp_server() -> (u16, Mails) {
    let mails: Mails = Arc::new(Mutex::new(Vec::new()));
    let recorded = mails.clone();
    let address = serve(move |mut stream, mut reader| {
        let _ = write!(stream, "220 localhost ESMTP test\r\n");
        let (mut from, mut to, mut data) = (String::new(), Vec::new(), String::new());
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            let command = line.trim_end().to_string();
            let upper = command.to_uppercase();
            let reply = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                "250 localhost"
            } else if upper.starts_with("MAIL FROM:") {
                from = command[10..].trim().to_string();
                "250 OK"
            } else if upper.starts_with("RCPT TO:") {
                to.push(command[8..].trim().to_string());
                "250 OK"
            } else if upper == "DATA" {
                let _ = write!(stream, "354 go ahead\r\n");
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == ".\r\n" {
                        break;
                    }
                    data.push_str(&line);
                }
                recorded.lock().expect("lock").push((
                    std::mem::take(&mut from),
                    std::mem::take(&mut to),
                    std::mem::take(&mut data),
                ));
                "250 queued"
            } else if upper == "QUIT" {
                let _ = write!(stream, "221 bye\r\n");
                break;
            } else {
                "250 OK"
            };
            let _ = write!(stream, "{reply}\r\n");
        }
    });
    (address.port(), mails)
}

#[test]
fn an_email_sink_mails_the_recipients_with_what_is_needed_next() {
    let (port, mails) = smtp_server();
    let repo = repo_with(
        &format!(
            "{{name: mail, email: {{host: 127.0.0.1, port: {port}, security: none, from: \"railyard <railyard@example.com>\"}}}}"
        ),
        &[
            "{id: rita, name: Rita, emails: [rita@example.com, rita@home.example]}",
            "{id: marco, emails: [marco@example.com]}",
        ],
    );
    let dir = repo.path();
    let dry = railyard()
        .args(["reconcile", "--dry-run", "--now", NOW, "--repo"])
        .arg(dir)
        .output()
        .expect("runs");
    assert_eq!(dry.status.code(), Some(0));
    assert!(
        mails.lock().expect("lock").is_empty(),
        "a dry-run mails nothing"
    );
    let out = railyard()
        .args(["reconcile", "--now", NOW, "--repo"])
        .arg(dir)
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The train entered scoping (its manager hears it) and needs the managers' approval.
    assert!(
        stdout(&out).contains("sent 2 notifications"),
        "{}",
        stdout(&out)
    );
    let sent = mails.lock().expect("lock").clone();
    assert_eq!(sent.len(), 2);
    let approval = sent
        .iter()
        .find(|m| m.2.contains("needs approval `train` to leave `scoping`"))
        .expect("the approval-needed mail");
    assert_eq!(
        approval.1,
        [
            "<marco@example.com>".to_string(),
            "<rita@example.com>".to_string()
        ]
    );
    let (from, to, data) = sent
        .iter()
        .find(|m| {
            m.2.contains("Subject: [railyard] ReleaseTrain/q4 entered `scoping`")
        })
        .expect("the phase-entered mail");
    assert_eq!(from, "<railyard@example.com>");
    assert_eq!(
        to,
        &["<rita@example.com>".to_string()],
        "the manager, at her first address"
    );
    assert!(
        data.contains("Subject: [railyard] ReleaseTrain/q4 entered `scoping`"),
        "{data}"
    );
    assert!(
        data.contains("ReleaseTrain/q4 entered `scoping`."),
        "{data}"
    );
    assert!(data.contains("What is needed next:"), "{data}");
    assert!(
        data.contains("https://git.example/releases/trains/q4.yaml"),
        "{data}"
    );
    assert!(
        data.contains("Message-ID: <ReleaseTrain.q4.phase-entered.scoping"),
        "{data}"
    );
    // A MIME message: a reader decodes the quoted-printable UTF-8 body as UTF-8.
    assert!(data.contains("MIME-Version: 1.0\r\n"), "{data}");
    assert!(
        data.contains("Content-Type: text/plain; charset=utf-8\r\n"),
        "{data}"
    );
    // Never twice.
    let again = railyard()
        .args(["reconcile", "--now", NOW, "--repo"])
        .arg(dir)
        .output()
        .expect("runs");
    assert_eq!(stdout(&again), "up to date\n");
    assert_eq!(mails.lock().expect("lock").len(), 2);
}
