//! `intentdojo classifier eval`: train on one labeled file, evaluate on another.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, Subcommand};
use serde_json::Value;

use crate::classifier::{eval, model};

#[derive(Subcommand, Debug)]
pub enum ClassifierCommand {
    /// Train on TRAIN.jsonl and report accuracy and macro-F1 on TEST.jsonl. Lines are JSON objects
    /// with a `text` and a label field (other fields are ignored).
    Eval(EvalArgs),
    /// Train the app's reference models (intent, emotion, escalate) from the gold corpus in the
    /// database, store their held-out evaluation (shown on /instruct/classifier) and print it.
    /// A running server uses its own models until it restarts or an instructor retrains.
    Train(DbArgs),
    /// Read one message the way the app's reference models do: trains them from the gold corpus
    /// (as the server does at start), then prints each field's prediction, its confidence and the
    /// words that pushed the intent.
    Predict(PredictArgs),
}

#[derive(Args, Debug)]
pub struct DbArgs {
    #[arg(long, env = "INTENTDOJO_DATABASE_URL", default_value = crate::config::DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

#[derive(Args, Debug)]
pub struct PredictArgs {
    /// The buyer message (read from standard input when omitted).
    pub text: Option<String>,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Args, Debug)]
pub struct EvalArgs {
    #[arg(long)]
    pub train: PathBuf,
    #[arg(long)]
    pub test: PathBuf,
    /// The field that holds the label.
    #[arg(long, default_value = "label")]
    pub field: String,
    /// Additive (Laplace/Lidstone) smoothing.
    #[arg(long, default_value_t = model::DEFAULT_ALPHA)]
    pub alpha: f64,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Reads (text, label, lang) from a JSONL file; a bad line is an error naming file and line.
pub fn read_labeled(path: &Path, field: &str) -> anyhow::Result<Vec<(String, String, String)>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = || format!("{}:{}", path.display(), i + 1);
        let value: Value =
            serde_json::from_str(line).map_err(|e| anyhow::anyhow!("{}: not JSON: {e}", at()))?;
        let text = value
            .get("text")
            .and_then(Value::as_str)
            .ok_or_else(|| anyhow::anyhow!("{}: no \"text\" string", at()))?;
        let label = match value.get(field) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => anyhow::bail!("{}: no \"{field}\" label", at()),
        };
        let lang = value
            .get("lang")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        out.push((text.to_string(), label, lang));
    }
    Ok(out)
}

async fn trained(
    database_url: &str,
    store: bool,
) -> anyhow::Result<crate::classifier::reference::ReferenceModels> {
    let db = crate::db::Db::connect(database_url, 2).await?;
    let gold = crate::lab::store::gold_messages(&db).await?;
    anyhow::ensure!(
        gold.len() >= 10,
        "only {} gold messages in the database: load content first",
        gold.len()
    );
    let (models, reports) =
        tokio::task::spawn_blocking(move || crate::classifier::reference::train(&gold)).await??;
    if store {
        crate::classifier::reference::store_reports(&db, &reports, None).await?;
        for r in &reports {
            println!(
                "{:<9} trained on {} in {:.2} s; held-out accuracy {:.3}, macro-F1 {:.3} (n={})",
                r.field,
                r.n_train,
                r.train_seconds,
                r.evaluation.accuracy,
                r.evaluation.macro_f1,
                r.n_test
            );
        }
    }
    Ok(models)
}

pub async fn run(command: ClassifierCommand) -> anyhow::Result<()> {
    match command {
        ClassifierCommand::Train(args) => {
            trained(&args.database_url, true).await?;
            Ok(())
        }
        ClassifierCommand::Predict(args) => {
            let text = match args.text {
                Some(t) => t,
                None => std::io::read_to_string(std::io::stdin())?,
            };
            anyhow::ensure!(!text.trim().is_empty(), "give a message to read");
            let models = trained(&args.db.database_url, false).await?;
            for (field, model) in [
                ("intent", &models.intent),
                ("emotion", &models.emotion),
                ("escalate", &models.escalate),
            ] {
                let p = model.predict(&text);
                println!("{field:<9} {} ({:.1}%)", p.label, p.confidence * 100.0);
            }
            let p = models.intent.predict(&text);
            let words = models
                .intent
                .explain(&text, &p.label, p.runner_up.as_deref(), 6);
            let list: Vec<String> = words
                .iter()
                .map(|w| format!("{} (+{:.2})", w.feature, w.weight))
                .collect();
            println!("because  {}", list.join(", "));
            Ok(())
        }
        ClassifierCommand::Eval(args) => {
            let train = read_labeled(&args.train, &args.field)?;
            let test = read_labeled(&args.test, &args.field)?;
            let examples: Vec<(String, String)> = train
                .iter()
                .map(|(t, l, _)| (t.clone(), l.clone()))
                .collect();
            let started = Instant::now();
            let model = model::fit(model::pairs(&examples), args.alpha)?;
            let train_seconds = started.elapsed().as_secs_f64();
            let started = Instant::now();
            let predictions: Vec<String> = test
                .iter()
                .map(|(t, _, _)| model.predict(t).label)
                .collect();
            // A small test set predicts in a few milliseconds, too short to time; repeat it
            // until a quarter of a second has passed (the predictions are the same each round).
            let mut predicted = test.len();
            while !test.is_empty() && started.elapsed().as_secs_f64() < 0.25 {
                for (t, _, _) in &test {
                    std::hint::black_box(model.predict(t));
                }
                predicted += test.len();
            }
            let predict_seconds = started.elapsed().as_secs_f64();
            let rows: Vec<(String, String, String)> = test
                .iter()
                .zip(predictions)
                .map(|((_, reference, lang), predicted)| {
                    (reference.clone(), predicted, lang.clone())
                })
                .collect();
            let e = eval::evaluate(&rows);
            let predict_per_second = if predict_seconds > 0.0 {
                predicted as f64 / predict_seconds
            } else {
                0.0
            };
            if args.json {
                let out = serde_json::json!({
                    "accuracy": e.accuracy,
                    "macro_f1": e.macro_f1,
                    "train_seconds": train_seconds,
                    "predict_per_second": predict_per_second,
                    "n_train": train.len(),
                    "n_test": test.len(),
                    "n_classes": model.classes.len(),
                    "alpha": args.alpha,
                    "per_class": e.per_class,
                    "per_group": e.per_group,
                });
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                println!(
                    "trained on {} examples ({} classes) in {train_seconds:.2} s",
                    train.len(),
                    model.classes.len()
                );
                println!(
                    "tested on {}: accuracy {:.3}, macro-F1 {:.3}, {predict_per_second:.0} predictions/s",
                    test.len(),
                    e.accuracy,
                    e.macro_f1
                );
                for (group, (acc, n)) in &e.per_group {
                    if !group.is_empty() {
                        println!("  {group:<6} accuracy {acc:.3} (n={n})");
                    }
                }
            }
            Ok(())
        }
    }
}
