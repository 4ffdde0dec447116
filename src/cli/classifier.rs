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

pub async fn run(command: ClassifierCommand) -> anyhow::Result<()> {
    match command {
        ClassifierCommand::Eval(args) => {
            let train = read_labeled(&args.train, &args.field)?;
            let test = read_labeled(&args.test, &args.field)?;
            let examples: Vec<(String, String)> = train
                .iter()
                .map(|(t, l, _)| (t.clone(), l.clone()))
                .collect();
            let started = Instant::now();
            let (_, model) = model::fit(&examples, args.alpha)?;
            let train_seconds = started.elapsed().as_secs_f64();
            let started = Instant::now();
            let predictions: Vec<String> = test
                .iter()
                .map(|(t, _, _)| model.predict(t).label)
                .collect();
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
                test.len() as f64 / predict_seconds
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
