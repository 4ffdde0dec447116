//! `intentdojo import messages FILE --format jsonl|csv|label-studio`: add messages to the corpus.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::config::DEFAULT_DATABASE_URL;
use crate::db::Db;
use crate::lab::import::{self, Defaults, Format};

#[derive(Args, Debug)]
pub struct MessagesArgs {
    /// The file to import.
    pub file: PathBuf,
    /// jsonl (the corpus schema), csv (id,text,lang,platform[,intent,emotion,escalate,...]) or
    /// label-studio (Label Studio's JSON export of text classification tasks).
    #[arg(long, default_value = "jsonl")]
    pub format: String,
    /// Language of Label Studio tasks whose data has no `lang`.
    #[arg(long)]
    pub lang: Option<String>,
    /// Platform of Label Studio tasks whose data has no `platform`.
    #[arg(long)]
    pub platform: Option<String>,
    /// Mask e-mail addresses, phone numbers, street addresses and names in the messages (and
    /// their earlier turns) before storing them, and say how many were masked.
    #[arg(long)]
    pub redact: bool,
    #[arg(long, env = "INTENTDOJO_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

pub async fn run(args: MessagesArgs) -> anyhow::Result<()> {
    let format = Format::parse(&args.format).ok_or_else(|| {
        anyhow::anyhow!(
            "--format must be jsonl, csv or label-studio, not {:?}",
            args.format
        )
    })?;
    let name = args.file.display().to_string();
    let size = std::fs::metadata(&args.file)
        .with_context(|| format!("cannot read {name}"))?
        .len();
    anyhow::ensure!(
        size as usize <= import::MAX_IMPORT_BYTES,
        "{name} is larger than {} MiB",
        import::MAX_IMPORT_BYTES >> 20
    );
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {name} (UTF-8 text expected)"))?;
    let db = Db::connect(&args.database_url, 2).await?;
    let (intents, emotions) = crate::lab::keys(&db).await?;
    let keys = crate::lab::corpus::Keys {
        intents: &intents,
        emotions: &emotions,
    };
    let defaults = Defaults {
        lang: args.lang.as_deref(),
        platform: args.platform.as_deref(),
    };
    let mut messages = match import::parse(format, &name, &text, &keys, &defaults) {
        Ok(m) => m,
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            anyhow::bail!(
                "{} error(s): nothing was imported (a file is imported whole or not at all)",
                errors.len()
            );
        }
    };
    if args.redact {
        let masked = crate::lab::redact::redact_messages(&mut messages);
        println!(
            "masked {} item(s) of personal data: {masked}",
            masked.total()
        );
    }
    let bar = indicatif::ProgressBar::new(messages.len() as u64);
    let started = std::time::Instant::now();
    let stats = crate::lab::store::upsert_messages_with_progress(
        &db,
        &format!("import:{name}"),
        &messages,
        &mut |done| bar.set_position(done as u64),
    )
    .await?;
    bar.finish_and_clear();
    println!(
        "imported {} message(s) from {name} in {:.1} s: {} new, {} updated, {} unchanged",
        messages.len(),
        started.elapsed().as_secs_f64(),
        stats.inserted,
        stats.updated,
        stats.unchanged
    );
    Ok(())
}
