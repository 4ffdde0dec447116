//! `intentdojo export answers|messages|questions`: the lab's data to standard output, as JSONL or
//! CSV, and the question bank as GIFT.

use std::io::Write;

use clap::{Args, Subcommand, ValueEnum};

use crate::config::DEFAULT_DATABASE_URL;
use crate::db::Db;
use crate::lab::store;

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// Every trainee answer: id, trainee, message id, given labels, reference labels, correctness,
    /// time taken and timestamp.
    Answers(ExportArgs),
    /// The message corpus, in the schema of content/datasets (JSONL) or the import's CSV columns.
    Messages(ExportArgs),
    /// The question bank as Moodle GIFT (a $CATEGORY line before each category's questions); it
    /// imports again into this site or Moodle unchanged.
    Questions(QuestionsArgs),
}

#[derive(Args, Debug)]
pub struct QuestionsArgs {
    /// Only this category and those below it, e.g. "intentdojo/final-exam".
    #[arg(long, value_name = "PATH")]
    pub category: Option<String>,
    #[arg(long, env = "INTENTDOJO_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    Jsonl,
    Csv,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: Format,
    #[arg(long, env = "INTENTDOJO_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

/// Renders the export as text (shared by the command line and the download links).
pub async fn render(db: &Db, answers: bool, format: Format) -> anyhow::Result<String> {
    let mut out = String::new();
    if answers {
        let rows = store::export_answers(db).await?;
        match format {
            Format::Jsonl => {
                for r in &rows {
                    out.push_str(&serde_json::to_string(r)?);
                    out.push('\n');
                }
            }
            Format::Csv => {
                out.push_str(&crate::csv::line(&store::ANSWER_EXPORT_COLUMNS));
                out.push_str("\r\n");
                for r in &rows {
                    out.push_str(&crate::csv::line(&r.csv_fields()));
                    out.push_str("\r\n");
                }
            }
        }
    } else {
        let messages = store::export_messages(db).await?;
        match format {
            Format::Jsonl => {
                for m in &messages {
                    out.push_str(&serde_json::to_string(m)?);
                    out.push('\n');
                }
            }
            Format::Csv => out.push_str(&store::messages_csv(&messages)),
        }
    }
    Ok(out)
}

pub async fn run(command: ExportCommand) -> anyhow::Result<()> {
    let text = match command {
        ExportCommand::Answers(a) => {
            render(&Db::connect(&a.database_url, 2).await?, true, a.format).await?
        }
        ExportCommand::Messages(a) => {
            render(&Db::connect(&a.database_url, 2).await?, false, a.format).await?
        }
        ExportCommand::Questions(a) => {
            let db = Db::connect(&a.database_url, 2).await?;
            let questions =
                crate::quizzes::store::list(&db, a.category.as_deref().unwrap_or("")).await?;
            crate::quizzes::gift::to_gift(&crate::quizzes::store::as_items(&questions))
        }
    };
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth a message.
    match stdout.write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
