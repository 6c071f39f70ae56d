//! `railyard completions` and `railyard man`: generated from the command line itself, so
//! they name every command; the bash script parses, and groff renders every page cleanly.

mod common;

use common::{railyard, stdout};

/// The commands `railyard --help` lists (clap's own `help` aside).
fn commands() -> Vec<String> {
    let help = railyard().arg("--help").output().expect("railyard runs");
    let text = stdout(&help);
    let listed = text
        .split("Commands:")
        .nth(1)
        .and_then(|rest| rest.split("Options:").next())
        .expect("a Commands section");
    listed
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|word| word.chars().all(|c| c.is_ascii_lowercase()) && *word != "help")
        .map(String::from)
        .collect()
}

#[test]
fn completions_name_every_command_and_bash_parses_its_script() {
    let commands = commands();
    assert!(commands.len() >= 10, "{commands:?}");
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let output = railyard()
            .args(["completions", shell])
            .output()
            .expect("runs");
        assert!(output.status.success(), "{shell}");
        let script = stdout(&output);
        for command in &commands {
            assert!(
                script.contains(command.as_str()),
                "{shell} lacks `{command}`"
            );
        }
    }
    let bash = railyard()
        .args(["completions", "bash"])
        .output()
        .expect("runs");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("railyard.bash");
    std::fs::write(&path, &bash.stdout).expect("written");
    let parsed = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .status()
        .expect("bash runs");
    assert!(parsed.success(), "bash -n refuses the completion script");
    // Sourced, it registers a completion for `railyard`.
    let registered = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!("source {} && complete -p railyard", path.display()))
        .output()
        .expect("bash runs");
    assert!(
        stdout(&registered).contains("railyard"),
        "{}",
        String::from_utf8_lossy(&registered.stderr)
    );
}

#[test]
fn an_unknown_shell_is_refused_with_the_ones_there_are() {
    railyard()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("possible values: bash"));
}

#[test]
fn man_pages_cover_every_command_and_render_without_warnings() {
    let page = railyard().arg("man").output().expect("runs");
    assert!(page.status.success());
    let text = stdout(&page);
    assert!(
        text.starts_with(".ie") || text.contains(".TH railyard 1"),
        "{text}"
    );
    let dir = tempfile::tempdir().expect("a temporary directory");
    railyard()
        .arg("man")
        .arg("--out")
        .arg(dir.path())
        .assert()
        .success();
    for command in commands() {
        let page = dir.path().join(format!("railyard-{command}.1"));
        assert!(page.is_file(), "no page for `{command}`");
        if let Ok(rendered) = std::process::Command::new("groff")
            .args(["-k", "-man", "-Tutf8", "-ww", "-z"])
            .arg(&page)
            .output()
        {
            assert!(rendered.status.success(), "groff fails on {command}");
            assert!(
                rendered.stderr.is_empty(),
                "groff warns on {command}: {}",
                String::from_utf8_lossy(&rendered.stderr)
            );
        }
    }
}

#[test]
fn man_into_a_path_that_is_a_file_fails_clearly() {
    let file = tempfile::NamedTempFile::new().expect("a file");
    railyard()
        .arg("man")
        .arg("--out")
        .arg(file.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot create"));
}
