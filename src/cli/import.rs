//! `intentdojo import gift FILE --dry-run`: check a Moodle GIFT question file and show what it holds.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::quizzes::gift::{self, Item};

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Import a Moodle GIFT question file into the question bank. The file is checked whole first
    /// (every error with its line; exit 1 and nothing stored if there is any). A question with the
    /// same category and name gets a new version when it changed. --dry-run only checks and shows.
    Gift(GiftArgs),
    /// Add buyer messages to the lab's corpus from jsonl, csv or a Label Studio JSON export. The file
    /// is checked whole first (every error with its line); it is imported completely or not at all.
    Messages(super::import_messages::MessagesArgs),
}

#[derive(Args, Debug)]
pub struct GiftArgs {
    /// The GIFT file, UTF-8 text as Moodle exports it.
    pub file: PathBuf,
    /// Category path for the questions that come before any $CATEGORY line, e.g. "top/Returns".
    #[arg(long, value_name = "PATH")]
    pub category: Option<String>,
    /// Check the file and show its questions; nothing is stored.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the questions as a JSON array (the fields of `quizzes::gift::Item`) instead of a list.
    #[arg(long)]
    pub json: bool,
    #[arg(long, env = "INTENTDOJO_DATABASE_URL", default_value = crate::config::DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

pub async fn run(command: ImportCommand) -> anyhow::Result<()> {
    match command {
        ImportCommand::Gift(args) => gift_file(args).await,
        ImportCommand::Messages(args) => super::import_messages::run(args).await,
    }
}

async fn gift_file(args: GiftArgs) -> anyhow::Result<()> {
    let file = args.file.display();
    let input = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {file} (GIFT files are UTF-8 text)"))?;
    let mut items = match gift::parse(&input) {
        Ok(items) => items,
        Err(errors) => {
            for error in &errors {
                eprintln!("{file}:{}: {}", error.line, error.message);
            }
            anyhow::bail!(
                "{} error(s) in {file}; fix them all, a file with errors is not imported",
                errors.len()
            );
        }
    };
    if let Some(category) = &args.category {
        let category = category.trim();
        anyhow::ensure!(
            !category.is_empty(),
            "--category needs a path, e.g. top/Returns"
        );
        items = gift::with_default_category(items, category);
    }
    if !args.dry_run {
        let items = if args.category.is_none() {
            gift::with_default_category(items, crate::quizzes::store::DEFAULT_CATEGORY)
        } else {
            items
        };
        let db = crate::db::Db::connect(&args.database_url, 2).await?;
        let stats =
            crate::quizzes::store::import_items(&db, &items, &format!("cli:{file}"), None).await?;
        let subject = format!(
            "{file}: {} new, {} new versions, {} unchanged",
            stats.inserted, stats.new_versions, stats.unchanged
        );
        crate::accounts::store::audit(&db, None, "questions.imported", &subject).await?;
        println!(
            "imported {file}: {} new question(s), {} new version(s), {} unchanged",
            stats.inserted, stats.new_versions, stats.unchanged
        );
        return Ok(());
    }
    let report = if args.json {
        serde_json::to_string_pretty(&items)? + "\n"
    } else {
        listing(&file.to_string(), &items)
    };
    match std::io::stdout().lock().write_all(report.as_bytes()) {
        // Piped into `head` or `jq` that stopped reading: not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        result => result.context("cannot write to stdout"),
    }
}

fn listing(file: &str, items: &[Item]) -> String {
    let questions = items
        .iter()
        .filter(|item| matches!(item, Item::Question(_)))
        .count();
    let mut out = format!("{file}: {questions} question(s), nothing stored (dry run)\n");
    for item in items {
        let _ = match item {
            Item::Category { name } => writeln!(out, "$CATEGORY: {name}"),
            Item::Question(question) => writeln!(
                out,
                "  {:<12} {}",
                question.kind.type_name(),
                question.name.replace('\n', " ")
            ),
        };
    }
    out
}
