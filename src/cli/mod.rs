//! The command line: one file per subcommand.

pub mod agreement;
pub mod classifier;
pub mod content;
pub mod demo;
pub mod demo_calibration;
pub mod demo_history;
pub mod export;
pub mod import;
pub mod import_messages;
pub mod serve;
pub mod user_add;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "intentdojo",
    version,
    about = "Train customer-service staff to read buyer messages right.",
    long_about = "Train customer-service staff to read buyer messages right.\n\n\
                  Run with no command to start the demo: SQLite under ./data, demo content and demo \
                  accounts (printed at start), on http://127.0.0.1:8080."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Start a ready-to-try instance with demo accounts (the default when no command is given).
    Demo(demo::DemoArgs),
    /// Run the server for real use: no demo accounts; an empty database prints a one-time setup token.
    Serve(crate::config::ServeArgs),
    /// Manage users from the command line (safe while the server runs).
    #[command(subcommand)]
    User(UserCommand),
    /// Load course content into the database, or export it back to files.
    #[command(subcommand)]
    Content(content::ContentCommand),
    /// Agreement statistics (Cohen, Fleiss, Krippendorff) for labels in a CSV file: item,rater,label.
    Agreement(agreement::AgreementArgs),
    /// The reference classifier: evaluate it on any labeled data.
    #[command(subcommand)]
    Classifier(classifier::ClassifierCommand),
    /// Import content from other tools.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Export lab answers or the message corpus to standard output.
    #[command(subcommand)]
    Export(export::ExportCommand),
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user. Without --password-stdin, prints a one-time link path to set the password.
    Add(user_add::UserAddArgs),
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}

pub fn main(cli: Cli) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            None => {
                let args = demo::DemoArgs::default();
                init_logging(&args.log_level);
                demo::run(args).await
            }
            Some(Command::Demo(args)) => {
                init_logging(&args.log_level);
                demo::run(args).await
            }
            Some(Command::Serve(args)) => {
                init_logging(&args.log_level);
                serve::run(args).await
            }
            Some(Command::User(UserCommand::Add(args))) => {
                init_logging("warn");
                user_add::run(args).await
            }
            Some(Command::Content(command)) => {
                init_logging("warn");
                content::run(command).await
            }
            Some(Command::Agreement(args)) => {
                init_logging("warn");
                agreement::run(args)
            }
            Some(Command::Classifier(command)) => {
                init_logging("warn");
                classifier::run(command).await
            }
            Some(Command::Export(command)) => {
                init_logging("warn");
                export::run(command).await
            }
            Some(Command::Import(command)) => {
                init_logging("warn");
                import::run(command).await
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
