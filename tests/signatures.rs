//! Signatures as proof (issue 19, parts 2 and 3): commits signed with real keys made by
//! `ssh-keygen`, by git's own `commit -S` (`gpg.format ssh`), and what each proves under
//! `trust.signatures`; railyard's own commits signed with `RAILYARD_SIGNING_KEY` and
//! accepted by `git verify-commit`; status files planted under the bot's name refused.

mod common;

use std::path::{Path, PathBuf};

use common::{APPROVAL, TRAIN, railyard};

const NOW: &str = "2026-11-25T12:00:00Z";
const BOT: (&str, &str) = ("railyard[bot]", "railyard[bot]@users.noreply.github.com");

/// OpenSSH key pairs made by `ssh-keygen` in a temporary folder, by name.
struct Keys(tempfile::TempDir);

impl Keys {
    fn new(names: &[&str]) -> Keys {
        let dir = tempfile::tempdir().expect("a temporary directory");
        for name in names {
            let status = std::process::Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
                .arg(dir.path().join(name))
                .status()
                .expect("ssh-keygen runs");
            assert!(status.success());
        }
        Keys(dir)
    }

    fn private(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }

    fn public(&self, name: &str) -> String {
        std::fs::read_to_string(self.0.path().join(format!("{name}.pub")))
            .expect("a public key")
            .trim()
            .to_string()
    }
}

/// git in `dir` as (name, email) at `date`, hermetic, signing with `key` when given.
fn git_as(
    dir: &Path,
    args: &[&str],
    who: (&str, &str),
    date: &str,
    key: Option<&Path>,
) -> std::process::Output {
    let mut command = std::process::Command::new("git");
    if let Some(key) = key {
        command
            .args(["-c", "gpg.format=ssh", "-c"])
            .arg(format!("user.signingkey={}", key.display()));
    }
    let output = command
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", who.0)
        .env("GIT_AUTHOR_EMAIL", who.1)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_NAME", who.0)
        .env("GIT_COMMITTER_EMAIL", who.1)
        .env("GIT_COMMITTER_DATE", date)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Writes `files` and commits them as `who`, signed with `key` when given.
fn commit_as(dir: &Path, files: &[(&str, &str)], who: (&str, &str), key: Option<&Path>) {
    let date = "2026-11-02T10:00:00Z";
    for (path, text) in files {
        common::write(dir, path, text.as_bytes());
    }
    git_as(dir, &["add", "-A"], who, date, None);
    let sign: &[&str] = if key.is_some() { &["-S"] } else { &[] };
    let args = [&["commit", "-q", "-m", "changes"][..], sign].concat();
    git_as(dir, &args, who, date, key);
}

const MARCO: (&str, &str) = ("Marco", "marco@example.com");

/// A repository whose railyard.yaml sets `trust` (YAML flow text) and whose release
/// managers are rita and marco, marco listing `marco_keys`; train q4 committed by rita.
fn repo_with(keys: &Keys, trust: &str, marco_keys: &[String]) -> tempfile::TempDir {
    let repo = common::git_repo();
    let listed = match marco_keys {
        [] => " []".to_string(),
        // Double-quoted (JSON is YAML): an armored OpenPGP block keeps its lines.
        keys => keys
            .iter()
            .map(|k| format!("\n        - {}", serde_json::json!(k)))
            .collect(),
    };
    let teams = format!(
        "apiVersion: railyard/v1\nkind: Team\nmetadata: {{name: release-managers}}\nspec:\n  members:\n    - id: rita\n      emails: [rita@example.com]\n    - id: marco\n      emails: [marco@example.com]\n      signingKeys:{listed}\n    - id: eve\n      emails: [eve@example.com]\n      signingKeys: ['{}']\n",
        keys.public("eve")
    );
    let config = format!(
        "apiVersion: railyard/v1\nkind: Config\nmetadata: {{name: config}}\nspec:\n  trust: {trust}\n  bot:\n    name: '{}'\n    email: '{}'\n    signingKeys: ['{}']\n",
        BOT.0,
        BOT.1,
        keys.public("bot")
    );
    commit_as(
        repo.path(),
        &[
            ("railyard.yaml", &config),
            ("teams.yaml", &teams),
            ("trains/q4.yaml", TRAIN),
        ],
        ("Rita", "rita@example.com"),
        None,
    );
    repo
}

/// The train's phase and the first reason it is blocked (or the reason it moved).
fn train(dir: &Path) -> (String, String) {
    let (plan, code) = common::dry_run_json(dir, NOW, &[]);
    assert_eq!(code, 0, "{plan}");
    let train = plan["objects"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|o| o["kind"] == "ReleaseTrain")
        .cloned()
        .expect("the train is planned");
    let why = match train["transitions"][0]["reason"].as_str() {
        Some(moved) => moved.to_string(),
        None => train["blockedBy"][0]["reasons"][0]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    };
    (train["phase"].as_str().unwrap_or_default().to_string(), why)
}

/// Replaces HEAD by a copy whose message differs but whose signature is the original's: a
/// signature over other bytes.
fn alter_last_message(dir: &Path) {
    let raw = common::stdout(&git_as(
        dir,
        &["cat-file", "commit", "HEAD"],
        MARCO,
        NOW,
        None,
    ));
    let altered = raw.replace("\nchanges\n", "\nchanges, and more\n");
    assert_ne!(altered, raw);
    let forged = tempfile::NamedTempFile::new().expect("a file");
    std::fs::write(forged.path(), altered).expect("write");
    let path = forged.path().display().to_string();
    let id = common::stdout(&git_as(
        dir,
        &["hash-object", "-t", "commit", "-w", &path],
        MARCO,
        NOW,
        None,
    ));
    git_as(dir, &["reset", "-q", "--hard", id.trim()], MARCO, NOW, None);
}

const REQUIRE: &str = "{signatures: require}";

fn keys() -> Keys {
    Keys::new(&["marco", "eve", "old", "lost", "forge", "bot"])
}

#[test]
fn under_require_only_a_signature_by_the_named_member_counts() {
    let keys = keys();
    let marco = vec![keys.public("marco")];
    // Signed by marco's own key: counts, and the plan says it was signed.
    let repo = repo_with(&keys, REQUIRE, &marco);
    commit_as(
        repo.path(),
        &[("approvals/q4-train.yaml", APPROVAL)],
        MARCO,
        Some(&keys.private("marco")),
    );
    let (phase, why) = train(repo.path());
    assert_eq!(phase, "construction", "{why}");
    assert!(why.contains("`marco` (signed)"), "{why}");

    // Not signed at all.
    let repo = repo_with(&keys, REQUIRE, &marco);
    commit_as(
        repo.path(),
        &[("approvals/q4-train.yaml", APPROVAL)],
        MARCO,
        None,
    );
    let (phase, why) = train(repo.path());
    assert_eq!(phase, "scoping");
    assert!(why.contains("is not signed by `marco`"), "{why}");
    assert!(why.contains("is not signed)"), "{why}");

    // Eve claims to be marco (`--author`) and signs with her own key.
    let repo = repo_with(&keys, REQUIRE, &marco);
    commit_as(
        repo.path(),
        &[("approvals/q4-train.yaml", APPROVAL)],
        MARCO,
        Some(&keys.private("eve")),
    );
    let (phase, why) = train(repo.path());
    assert_eq!(phase, "scoping");
    assert!(why.contains("a key of `eve`, not of `marco`"), "{why}");
}

#[test]
fn expired_revoked_and_unknown_keys_and_bad_signatures_do_not_count() {
    let keys = keys();
    let marco = vec![
        format!("valid-before=\"20260101\" {}", keys.public("old")),
        keys.public("lost"),
    ];
    let trust = format!(
        "{{signatures: require, revokedKeys: ['{}']}}",
        keys.public("lost")
    );
    let cases = [
        ("old", "that was not valid at 2026-11-02T10:00:00Z"),
        ("lost", "the revoked key"),
        ("forge", "a key nobody lists"),
    ];
    for (key, expected) in cases {
        let repo = repo_with(&keys, &trust, &marco);
        commit_as(
            repo.path(),
            &[("approvals/q4-train.yaml", APPROVAL)],
            MARCO,
            Some(&keys.private(key)),
        );
        let (phase, why) = train(repo.path());
        assert_eq!(phase, "scoping", "{key}");
        assert!(why.contains(expected), "{key}: {why}");
    }

    // A signature of other bytes: marco's signed commit with its message changed after.
    let repo = repo_with(&keys, REQUIRE, &[keys.public("marco")]);
    let dir = repo.path();
    commit_as(
        dir,
        &[("approvals/q4-train.yaml", APPROVAL)],
        MARCO,
        Some(&keys.private("marco")),
    );
    alter_last_message(dir);
    let (phase, why) = train(dir);
    assert_eq!(phase, "scoping");
    assert!(why.contains("its signature is bad"), "{why}");
}

#[test]
fn a_forge_key_signs_for_the_author_and_verify_only_reports() {
    let keys = keys();
    let trust = format!(
        "{{signatures: require, forgeKeys: ['{}']}}",
        keys.public("forge")
    );
    let repo = repo_with(&keys, &trust, &[keys.public("marco")]);
    // The forge squashed marco's pull request: marco is the author, the forge signed.
    commit_as(
        repo.path(),
        &[("approvals/q4-train.yaml", APPROVAL)],
        MARCO,
        Some(&keys.private("forge")),
    );
    let (phase, why) = train(repo.path());
    assert_eq!(phase, "construction", "{why}");

    // `verify`: an unsigned approval counts, and the plan says it was not signed.
    let repo = repo_with(&keys, "{signatures: verify}", &[keys.public("marco")]);
    commit_as(
        repo.path(),
        &[("approvals/q4-train.yaml", APPROVAL)],
        MARCO,
        None,
    );
    let (phase, why) = train(repo.path());
    assert_eq!(phase, "construction", "{why}");
    assert!(why.contains("`marco` (not signed: its commit"), "{why}");
}

#[test]
fn a_key_that_does_not_parse_is_located() {
    let keys = keys();
    let repo = repo_with(&keys, REQUIRE, &["ssh-ed25519 not-a-key".to_string()]);
    let output = railyard()
        .args(["validate", "--repo"])
        .arg(repo.path())
        .output()
        .expect("railyard runs");
    assert_eq!(output.status.code(), Some(1));
    let text = common::stdout(&output);
    assert!(text.contains("invalid-format"), "{text}");
    assert!(text.contains("signing key of `marco`"), "{text}");
    assert!(text.contains("teams.yaml:"), "{text}");

    // Signatures on, but no bot key to trust status commits by.
    let repo = common::repo(&[
        (
            "railyard.yaml",
            b"apiVersion: railyard/v1\nkind: Config\nmetadata: {name: config}\nspec:\n  trust: {signatures: verify}\n",
        ),
        ("trains/q4.yaml", TRAIN.as_bytes()),
    ]);
    let output = railyard()
        .args(["validate", "--repo"])
        .arg(repo.path())
        .output()
        .expect("railyard runs");
    assert_eq!(output.status.code(), Some(1));
    let text = common::stdout(&output);
    assert!(text.contains("railyard.yaml:5:"), "{text}");
    assert!(text.contains("none is listed"), "{text}");
}

/// `railyard reconcile` (the commit) in `dir`, signing with `key` when given.
fn reconcile(dir: &Path, key: Option<&Path>) -> std::process::Output {
    let mut command = railyard();
    command.args(["reconcile", "--now", NOW, "--repo"]).arg(dir);
    match key {
        Some(key) => command.env("RAILYARD_SIGNING_KEY", key),
        None => command.env_remove("RAILYARD_SIGNING_KEY"),
    };
    command.output().expect("railyard runs")
}

#[test]
fn railyard_signs_its_commits_and_git_verifies_them() {
    let keys = keys();
    let repo = repo_with(&keys, REQUIRE, &[keys.public("marco")]);
    let dir = repo.path();
    commit_as(
        dir,
        &[("approvals/q4-train.yaml", APPROVAL)],
        MARCO,
        Some(&keys.private("marco")),
    );
    let output = reconcile(dir, Some(&keys.private("bot")));
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let allowed = keys.0.path().join("allowed_signers");
    std::fs::write(&allowed, format!("{} {}\n", BOT.1, keys.public("bot"))).expect("write");
    let verified = std::process::Command::new("git")
        .args(["-c", "gpg.format=ssh", "-c"])
        .arg(format!("gpg.ssh.allowedSignersFile={}", allowed.display()))
        .args(["verify-commit", "HEAD"])
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    assert!(String::from_utf8_lossy(&verified.stderr).contains("Good \"git\" signature"));
    // The signed status is trusted: nothing is recomputed, nobody is told of tampering.
    let output = railyard()
        .args(["reconcile", "--dry-run", "--now", NOW, "--repo"])
        .arg(dir)
        .output()
        .expect("railyard runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("recomputed"), "{stderr}");
    assert_eq!(train(dir).0, "construction");
}

#[test]
fn a_signing_key_that_cannot_sign_is_refused_before_anything_is_written() {
    let keys = keys();
    let repo = repo_with(&keys, REQUIRE, &[keys.public("marco")]);
    let dir = repo.path();
    let head = || common::stdout(&git_as(dir, &["rev-parse", "HEAD"], MARCO, NOW, None));
    let before = head();
    let public = keys.0.path().join("bot.pub");
    // Exit 2: railyard could not do its job (as for any git error), nothing decided.
    let output = reconcile(dir, Some(&public));
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("RAILYARD_SIGNING_KEY"), "{stderr}");
    assert!(stderr.contains("not an OpenSSH private key"), "{stderr}");
    let locked = keys.0.path().join("locked");
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "secret", "-f"])
        .arg(&locked)
        .status()
        .expect("ssh-keygen runs");
    assert!(status.success());
    let output = reconcile(dir, Some(&locked));
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("passphrase"));
    let output = reconcile(dir, Some(&keys.0.path().join("missing")));
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(head(), before, "nothing was committed");
}

/// A status file saying the train is in `deployment`, as railyard would render it.
fn planted_status(dir: &Path) -> String {
    let path = dir.join("status/ReleaseTrain/q4.yaml");
    let written = std::fs::read_to_string(&path).expect("railyard wrote the status");
    assert!(written.contains("phase: construction"), "{written}");
    written.replace("phase: construction", "phase: deployment")
}

#[test]
fn status_planted_under_the_bots_name_is_not_a_starting_point() {
    let keys = keys();
    // Without signatures: railyard writes the status; then someone commits, as the bot, a
    // status file in railyard's exact format together with another change.
    let repo = repo_with(&keys, "{signatures: off}", &[]);
    let dir = repo.path();
    common::commit(
        dir,
        &[("approvals/q4-train.yaml", APPROVAL)],
        "marco",
        "2026-11-02T10:00:00Z",
    );
    let output = reconcile(dir, None);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let planted = planted_status(dir);
    commit_as(
        dir,
        &[
            ("status/ReleaseTrain/q4.yaml", &planted),
            ("notes.txt", "nothing to see\n"),
        ],
        BOT,
        None,
    );
    let output = railyard()
        .args(["reconcile", "--dry-run", "--now", NOW, "--repo"])
        .arg(dir)
        .output()
        .expect("railyard runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("also changed files outside the status dir"),
        "{stderr}"
    );
    assert_eq!(train(dir).0, "construction", "recomputed, not deployment");

    // Alone in its commit, but hand-written: not what railyard renders.
    commit_as(
        dir,
        &[(
            "status/ReleaseTrain/q4.yaml",
            "phase: deployment\nobservedGeneration: 1\n",
        )],
        BOT,
        None,
    );
    let output = railyard()
        .args(["reconcile", "--dry-run", "--now", NOW, "--repo"])
        .arg(dir)
        .output()
        .expect("railyard runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("does not read as railyard writes a status file"),
        "{stderr}"
    );
    let (plan, _) = common::dry_run_json(dir, NOW, &[]);
    let train = &plan["objects"][0];
    assert_eq!(train["phase"], "construction");
    assert!(
        train["notifications"]
            .to_string()
            .contains("status-tampered"),
        "{train}"
    );

    // Under `require`, a status commit not signed by a bot key is not railyard's, however
    // exact its format.
    let repo = repo_with(&keys, REQUIRE, &[keys.public("marco")]);
    let dir = repo.path();
    commit_as(
        dir,
        &[("approvals/q4-train.yaml", APPROVAL)],
        MARCO,
        Some(&keys.private("marco")),
    );
    assert_eq!(
        reconcile(dir, Some(&keys.private("bot"))).status.code(),
        Some(0)
    );
    let planted = planted_status(dir);
    commit_as(dir, &[("status/ReleaseTrain/q4.yaml", &planted)], BOT, None);
    let output = railyard()
        .args(["reconcile", "--dry-run", "--now", NOW, "--repo"])
        .arg(dir)
        .output()
        .expect("railyard runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("not signed by a key in `bot.signingKeys`"),
        "{stderr}"
    );
    assert_eq!(self::train(dir).0, "construction");
}

/// OpenPGP keys made by `gpg` in a temporary home, by name (`<name>@example.com`).
struct Gpg(tempfile::TempDir);

impl Gpg {
    fn new() -> Gpg {
        Gpg(tempfile::tempdir().expect("a temporary directory"))
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        let output = std::process::Command::new("gpg")
            .arg("--homedir")
            .arg(self.0.path())
            .args(["--batch", "--pinentry-mode", "loopback", "--passphrase", ""])
            .args(args)
            .output()
            .expect("gpg runs");
        assert!(
            output.status.success(),
            "gpg {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    /// A signing key for `name`, made at `at` (gpg's clock) and expiring after `expire`
    /// (`0`: never); its fingerprint.
    fn key(&self, name: &str, at: &str, expire: &str) -> String {
        let user = format!("{name} <{name}@example.com>");
        // The clock stands still at `at` (`!`): on a loaded machine a running one put the
        // key's creation a second past a signature made at `at` ("created in the future").
        let frozen = format!("{at}!");
        self.run(&[
            "--faked-system-time",
            &frozen,
            "--quick-gen-key",
            &user,
            "ed25519",
            "sign",
            expire,
        ]);
        let listed = common::stdout(&self.run(&["--with-colons", "--list-keys", &user]));
        listed
            .lines()
            .find_map(|l| l.strip_prefix("fpr:"))
            .map(|l| l.trim_matches(':').to_string())
            .expect("a fingerprint")
    }

    fn export(&self, fingerprint: &str) -> String {
        common::stdout(&self.run(&["--armor", "--export", fingerprint]))
    }

    /// Revokes the key with the certificate gpg made for it.
    fn revoke(&self, fingerprint: &str) {
        let path = self
            .0
            .path()
            .join(format!("openpgp-revocs.d/{fingerprint}.rev"));
        let certificate = std::fs::read_to_string(&path).expect("a revocation certificate");
        let armed = certificate.replace(":-----BEGIN PGP", "-----BEGIN PGP");
        std::fs::write(&path, armed).expect("write");
        self.run(&["--import", &path.display().to_string()]);
    }

    /// Commits `files` as marco, signed by gpg with `fingerprint` at gpg's clock `at`.
    fn commit(&self, dir: &Path, files: &[(&str, &str)], fingerprint: &str, at: &str) {
        let program = self.0.path().join(format!("gpg-at-{at}"));
        std::fs::write(
            &program,
            format!(
                "#!/bin/sh\nexec gpg --homedir '{}' --faked-system-time {at} \"$@\"\n",
                self.0.path().display()
            ),
        )
        .expect("write");
        std::fs::set_permissions(
            &program,
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .expect("chmod");
        let date = "2026-11-02T10:00:00Z";
        for (path, text) in files {
            common::write(dir, path, text.as_bytes());
        }
        git_as(dir, &["add", "-A"], MARCO, date, None);
        git_as(
            dir,
            &[
                "-c",
                "gpg.format=openpgp",
                "-c",
                &format!("gpg.program={}", program.display()),
                "-c",
                &format!("user.signingkey={fingerprint}"),
                "commit",
                "-S",
                "-q",
                "-m",
                "changes",
            ],
            MARCO,
            date,
            None,
        );
    }
}

/// An armored key block as a YAML double-quoted scalar (JSON), lines kept.
fn quoted(text: &str) -> String {
    serde_json::json!(text.trim()).to_string()
}

#[test]
fn openpgp_signatures_count_by_the_listed_armored_key() {
    let keys = keys();
    let gpg = Gpg::new();
    const NOW_GPG: &str = "20261101T100000";
    let marco = gpg.key("marco", NOW_GPG, "0");
    let eve = gpg.key("eve", NOW_GPG, "0");
    let old = gpg.key("old", "20250101T100000", "1d");
    let lost = gpg.key("lost", NOW_GPG, "0");
    let forge = gpg.key("forge", NOW_GPG, "0");
    let listed = |fingerprints: &[&str]| -> Vec<String> {
        fingerprints
            .iter()
            .map(|f| gpg.export(f).trim().to_string())
            .collect()
    };
    let approve = [("approvals/q4-train.yaml", APPROVAL)];

    // marco's own key: counts, signed.
    let repo = repo_with(&keys, REQUIRE, &listed(&[&marco]));
    gpg.commit(repo.path(), &approve, &marco, NOW_GPG);
    let (phase, why) = train(repo.path());
    assert_eq!(phase, "construction", "{why}");
    assert!(why.contains("`marco` (signed)"), "{why}");

    // Eve's own key, which nobody lists, under marco's name.
    let repo = repo_with(&keys, REQUIRE, &listed(&[&marco]));
    gpg.commit(repo.path(), &approve, &eve, NOW_GPG);
    let (phase, why) = train(repo.path());
    assert_eq!(phase, "scoping");
    assert!(why.contains("an OpenPGP key nobody lists"), "{why}");

    // A key that expired before the commit (signed while gpg's clock said it was valid).
    let repo = repo_with(&keys, REQUIRE, &listed(&[&old]));
    gpg.commit(repo.path(), &approve, &old, "20250101T110000");
    let (phase, why) = train(repo.path());
    assert_eq!(phase, "scoping");
    assert!(why.contains("that was not valid at"), "{why}");

    // Signed, then revoked: the key as listed carries its revocation.
    let repo = repo_with(&keys, REQUIRE, &[]);
    gpg.commit(repo.path(), &approve, &lost, NOW_GPG);
    gpg.revoke(&lost);
    let teams = std::fs::read_to_string(repo.path().join("teams.yaml")).expect("teams");
    let teams = teams.replacen(
        "signingKeys: []",
        &format!("signingKeys: [{}]", quoted(&gpg.export(&lost))),
        1,
    );
    commit_as(
        repo.path(),
        &[("teams.yaml", &teams)],
        ("Rita", "rita@example.com"),
        None,
    );
    let (phase, why) = train(repo.path());
    assert_eq!(phase, "scoping");
    assert!(why.contains("revoked key OpenPGP:"), "{why}");

    // A forge's OpenPGP key (as GitHub signs web merges) signs for the author.
    let trust = format!(
        "{{signatures: require, forgeKeys: [{}]}}",
        quoted(&gpg.export(&forge))
    );
    let repo = repo_with(&keys, &trust, &listed(&[&marco]));
    gpg.commit(repo.path(), &approve, &forge, NOW_GPG);
    let (phase, why) = train(repo.path());
    assert_eq!(phase, "construction", "{why}");

    // marco's signed commit with its message changed after.
    let repo = repo_with(&keys, REQUIRE, &listed(&[&marco]));
    let dir = repo.path();
    gpg.commit(dir, &approve, &marco, NOW_GPG);
    alter_last_message(dir);
    let (phase, why) = train(dir);
    assert_eq!(phase, "scoping");
    assert!(why.contains("its signature is bad"), "{why}");
}

#[test]
fn railyards_own_files_are_known_by_the_configured_status_dir_and_summary() {
    let repo = common::git_repo();
    let dir = repo.path();
    common::commit(
        dir,
        &[
            (
                "railyard.yaml",
                "apiVersion: railyard/v1\nkind: Config\nmetadata: {name: config}\nspec: {statusDir: ops/state, summary: RELEASES.md}\n",
            ),
            ("teams.yaml", common::TEAMS),
            ("trains/q4.yaml", TRAIN),
            ("approvals/q4-train.yaml", APPROVAL),
        ],
        "marco",
        "2026-11-02T10:00:00Z",
    );
    let output = reconcile(dir, None);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let dry_run = || {
        let output = railyard()
            .args(["reconcile", "--dry-run", "--now", NOW, "--repo"])
            .arg(dir)
            .output()
            .expect("railyard runs");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    // railyard's commit touched only ops/state/ and RELEASES.md: its status is trusted.
    assert!(!dry_run().contains("recomputed"), "{}", dry_run());
    let path = dir.join("ops/state/ReleaseTrain/q4.yaml");
    let planted = std::fs::read_to_string(&path)
        .expect("the status")
        .replace("phase: construction", "phase: deployment");
    commit_as(
        dir,
        &[
            ("ops/state/ReleaseTrain/q4.yaml", &planted),
            ("trains/notes.txt", "hidden\n"),
        ],
        BOT,
        None,
    );
    assert!(
        dry_run().contains("also changed files outside the status dir"),
        "{}",
        dry_run()
    );
}

/// `railyard approve ReleaseTrain/q4 --gate train --commit` as marco in `dir`.
fn approve_as_marco(dir: &Path) -> std::process::Output {
    railyard()
        .args(["approve", "ReleaseTrain/q4", "--gate", "train", "--commit"])
        .args(["--now", NOW, "--repo"])
        .arg(dir)
        .env("GIT_AUTHOR_NAME", MARCO.0)
        .env("GIT_AUTHOR_EMAIL", MARCO.1)
        .env("GIT_COMMITTER_NAME", MARCO.0)
        .env("GIT_COMMITTER_EMAIL", MARCO.1)
        .env("GIT_COMMITTER_DATE", NOW)
        .output()
        .expect("railyard runs")
}

#[test]
fn railyard_approve_commits_as_git_is_set_to_sign_and_says_whether_it_counts() {
    let keys = keys();
    let marco = vec![keys.public("marco")];
    // git set to sign with marco's key: the approval counts under `require`.
    let repo = repo_with(&keys, REQUIRE, &marco);
    let private = keys.private("marco").display().to_string();
    for (key, value) in [
        ("commit.gpgsign", "true"),
        ("gpg.format", "ssh"),
        ("user.signingkey", private.as_str()),
    ] {
        git_as(repo.path(), &["config", key, value], MARCO, NOW, None);
    }
    let out = approve_as_marco(repo.path());
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("after this commit, ReleaseTrain/q4 moves scoping → construction"),
        "{said}"
    );
    let head = git_as(
        repo.path(),
        &["cat-file", "commit", "HEAD"],
        MARCO,
        NOW,
        None,
    );
    assert!(String::from_utf8_lossy(&head.stdout).contains("-----BEGIN SSH SIGNATURE-----"));
    assert_eq!(train(repo.path()).0, "construction");

    // Not set to sign: committed, and the plan says why it does not count.
    let repo = repo_with(&keys, REQUIRE, &marco);
    let out = approve_as_marco(repo.path());
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        said.contains("after this commit, ReleaseTrain/q4 stays in `scoping`"),
        "{said}"
    );
    assert!(said.contains("is not signed"), "{said}");
}
