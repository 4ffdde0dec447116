//! `intentdojo content load|export`: bring course files into the database, or write them back out.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::config::DEFAULT_DATABASE_URL;
use crate::courses;
use crate::db::Db;

#[derive(Subcommand, Debug)]
pub enum ContentCommand {
    /// Load the taxonomy, courses, message corpus and question banks from a content folder (idempotent: unchanged
    /// files are skipped, a changed lesson becomes a new version, progress is kept). Exits 1 if any
    /// file is broken; a broken course or corpus file loads nothing, the others load.
    Load(LoadArgs),
    /// Write every course (course.toml and the current text of each lesson) to a folder in the same
    /// layout, so that loading it again changes nothing.
    Export(ExportArgs),
}

#[derive(Args, Debug)]
pub struct LoadArgs {
    /// Content folder.
    #[arg(default_value = "content")]
    pub dir: PathBuf,
    #[arg(long, env = "INTENTDOJO_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Folder to write into (created if missing; existing files with the same names are replaced).
    pub dir: PathBuf,
    #[arg(long, env = "INTENTDOJO_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

pub async fn run(command: ContentCommand) -> anyhow::Result<()> {
    match command {
        ContentCommand::Load(args) => {
            let db = Db::connect(&args.database_url, 2).await?;
            crate::app::load_taxonomy(&db, &args.dir).await?;
            let (stats, errors) = courses::load_courses(&db, &args.dir).await?;
            println!(
                "loaded {} course(s): {} new lesson version(s), {} unchanged file(s)",
                stats.courses, stats.new_versions, stats.unchanged_files
            );
            let (corpus, corpus_errors) = crate::lab::load_corpus(&db, &args.dir).await?;
            println!(
                "corpus: {} new, {} updated, {} unchanged message(s)",
                corpus.inserted, corpus.updated, corpus.unchanged
            );
            let (bank, bank_errors) = crate::quizzes::load_banks(&db, &args.dir).await?;
            println!(
                "question banks: {} new, {} new version(s), {} unchanged question(s)",
                bank.inserted, bank.new_versions, bank.unchanged
            );
            let (certifications, cert_problems) =
                crate::certification::load_certifications(&db, &args.dir).await?;
            println!("certifications: {certifications} new");
            for e in &cert_problems {
                eprintln!("warning: {e}");
            }
            for e in &errors {
                eprintln!("error: {e} (nothing of this course was loaded)");
            }
            for e in &bank_errors {
                eprintln!("error: {e} (nothing of this file was loaded)");
            }
            for e in &corpus_errors {
                eprintln!("error: {e} (nothing of this file was loaded)");
            }
            let broken = errors.len() + corpus_errors.len() + bank_errors.len();
            if broken > 0 {
                anyhow::bail!("{broken} problem(s) above: the files they are in were not loaded");
            }
            Ok(())
        }
        ContentCommand::Export(args) => {
            let db = Db::connect(&args.database_url, 2).await?;
            let exported = courses::store::export(&db).await?;
            let files = courses::load::write_courses(&args.dir, &exported)?;
            println!(
                "exported {} course(s), {files} file(s) to {}",
                exported.len(),
                args.dir.display()
            );
            Ok(())
        }
    }
}
