//! The `seedfeed` binary: arguments, logging, and exit codes around the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use seedfeed::config::{Config, LogFormat};
use seedfeed::index::Indexer;

/// `seedfeed --version`: the version and the commit it was built from (`build.rs`).
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("SEEDFEED_COMMIT"),
    ")"
);

#[derive(Parser)]
#[command(
    version = VERSION,
    about = "Serve a folder of news-article seeds as live RSS 2.0 and Atom 1.0 feeds"
)]
struct Cli {
    /// The configuration file; the seeds folder in it is relative to this file's folder.
    #[arg(long, global = true, default_value = "config.toml")]
    config: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Scan the seeds folder, then serve the feeds and follow changes (the default).
    Serve,
    /// Validate the config and every seed; print each rejected seed. Exit 1 if any was rejected.
    Check,
    /// Write the current documents (feeds, pages, OPML) with .gz and .br siblings to OUT:
    /// the bytes the server serves, for a static host.
    Build {
        #[arg(long)]
        out: PathBuf,
    },
    /// Write a commented config (at --config) for the seeds folder DIR, which `check` accepts.
    Init {
        /// The seeds folder, relative to the config's folder (or absolute).
        #[arg(default_value = "seeds")]
        dir: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    seedfeed::allocator::tune();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&cli.config),
        Command::Check => check(&cli.config),
        Command::Init { dir } => init(&cli.config, &dir),
        Command::Build { out } => build(&cli.config, &out),
    }
}

/// Logs to stderr as the config says, at the level `SEEDFEED_LOG` names (`info` by default;
/// `seedfeed::access=debug` adds a line per request).
fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SEEDFEED_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let log = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => log.json().with_current_span(false).init(),
        LogFormat::Human => {
            // Colours only for a person at a terminal, never in a log file or journal.
            let colours = std::io::IsTerminal::is_terminal(&std::io::stderr())
                && std::env::var_os("NO_COLOR").is_none();
            log.with_ansi(colours).init()
        }
    }
}

/// The config at `config_path`, with logging set up as it says; refused: the message on
/// stderr and `refused` as the exit status.
fn load(config_path: &std::path::Path, refused: ExitCode) -> Result<Config, ExitCode> {
    match Config::load(config_path) {
        Ok(config) => {
            init_logging(config.log.format);
            Ok(config)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Err(refused)
        }
    }
}

fn build(config_path: &std::path::Path, out: &std::path::Path) -> ExitCode {
    let config = match load(config_path, ExitCode::from(2)) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let started = std::time::Instant::now();
    match seedfeed::mirror::build(&config, out) {
        Ok(built) => {
            println!(
                "{} documents, {} files, {} bytes in {} ({} ms)",
                built.documents,
                built.files,
                built.bytes,
                out.display(),
                started.elapsed().as_millis()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init(config_path: &std::path::Path, seeds: &std::path::Path) -> ExitCode {
    match seedfeed::config::write_config(config_path, seeds) {
        Ok(()) => {
            println!(
                "wrote {} for {}; check it with `seedfeed --config {0} check`",
                config_path.display(),
                seeds.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn serve(config_path: &std::path::Path) -> ExitCode {
    let config = match load(config_path, ExitCode::from(2)) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let running = match seedfeed::app::start(config) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match running.wait() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn check(config_path: &std::path::Path) -> ExitCode {
    let config = match load(config_path, ExitCode::FAILURE) {
        Ok(config) => config,
        Err(code) => return code,
    };
    // `check` reads every seed afresh: the cache would only say what was true before.
    let mut config = config;
    config.seeds.cache = None;
    let mut indexer = match Indexer::open(&config) {
        Ok(i) => i,
        Err(e) => {
            eprintln!(
                "error: [seeds] dir: cannot open {}: {e}",
                config.seeds.dir.display()
            );
            return ExitCode::FAILURE;
        }
    };
    let progress = seedfeed::progress::ScanProgress::new();
    let report = indexer.scan_with_progress(&|done, total| progress.update(done, total));
    for (path, reason) in indexer.store().rejected() {
        println!("rejected {}: {reason}", path.display());
    }
    println!(
        "{} entries, {} rejected, {} ms ({})",
        report.entries,
        report.rejected,
        report.elapsed.as_millis(),
        indexer.root().display()
    );
    if report.rejected > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
