//! The `railyard` binary: parses arguments, runs the command, maps the result to an exit code.

mod cli;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the system allocator: parsing ten thousand manifests allocates
/// millions of small strings and nodes, and glibc's malloc and free were a quarter of a
/// reconcile's time (perf, on the generated 10,000-manifest repository).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::init_tracing(&args);
    railyard::reclaim::set_mode(cli::reclaim_mode(&args.command));
    railyard::reclaim::freed_pages_back_soon();
    if !cli::runs_tasks(&args.command) {
        railyard::reclaim::without_huge_pages();
    }
    let code = match cli::run(&args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(cli::EXIT_FAILURE)
        }
    };
    // Nothing is being freed while the process exits.
    railyard::reclaim::settle(std::time::Duration::from_secs(10));
    code
}
