//! `intentdojo agreement FILE.csv [--json]`: how far labellers agree, from a CSV of their labels.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::reports::agreement::{self, AgreementSummary};

#[derive(Args, Debug)]
pub struct AgreementArgs {
    /// CSV file with the columns item, rater, label.
    ///
    /// The first row names the columns item, rater and label (any order, any case; other columns
    /// are ignored); then one row per label given. A rater may skip items but may label each item
    /// only once. Quote a field that holds a comma or a quote ("a, b", "say ""hi""").
    ///
    /// Prints Cohen's kappa for every pair of raters over the items both labelled, Fleiss' kappa
    /// (over the items with the most common number of ratings, since it needs equal counts) and
    /// Krippendorff's alpha for nominal data (which allows missing ratings). A statistic that is
    /// undefined, with too few ratings or a single label throughout, shows as n/a (null in JSON).
    pub file: PathBuf,
    /// Print JSON instead of a table: n_items, n_raters, fleiss_kappa, krippendorff_alpha and
    /// pairwise (rater_a, rater_b, cohen_kappa, n), plus the label counts of every item.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: AgreementArgs) -> anyhow::Result<()> {
    let name = args.file.display();
    let text =
        std::fs::read_to_string(&args.file).with_context(|| format!("cannot read {name}"))?;
    let ratings = agreement::parse_ratings_csv(&text).with_context(|| name.to_string())?;
    let summary = agreement::summarize(&ratings).with_context(|| name.to_string())?;
    let output = if args.json {
        serde_json::to_string_pretty(&summary)? + "\n"
    } else {
        render_table(&name.to_string(), &summary)
    };
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(output.as_bytes())
        .and_then(|()| stdout.flush())
    {
        // The reader stopped early (`| head`): not an error of ours.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        result => result.context("cannot write to standard output"),
    }
}

const UNDEFINED: &str = "n/a";

fn stat(value: Option<f64>) -> String {
    value.map_or_else(|| UNDEFINED.to_string(), |v| format!("{v:.3}"))
}

fn render_table(file: &str, s: &AgreementSummary) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Agreement in {file}");
    let _ = writeln!(out, "  items                {}", s.n_items);
    let _ = writeln!(out, "  raters               {}", s.n_raters);
    let _ = writeln!(out, "  ratings              {}", s.n_ratings);
    let fleiss_note = match s.fleiss_ratings_per_item {
        Some(m) if s.fleiss_items < s.n_items => format!(
            "  (over the {} of {} items with {m} ratings: Fleiss needs the same number per item)",
            s.fleiss_items, s.n_items
        ),
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "  Fleiss' κ            {}{fleiss_note}",
        stat(s.fleiss_kappa)
    );
    let _ = writeln!(out, "  Krippendorff's α     {}", stat(s.krippendorff_alpha));

    if !s.pairwise.is_empty() {
        let width_a = column_width("rater A", s.pairwise.iter().map(|p| p.rater_a.as_str()));
        let width_b = column_width("rater B", s.pairwise.iter().map(|p| p.rater_b.as_str()));
        let _ = writeln!(
            out,
            "\nCohen's κ for each pair of raters, over the items both labelled"
        );
        let _ = writeln!(
            out,
            "  {:<width_a$}  {:<width_b$}  {:>9}  {:>6}",
            "rater A", "rater B", "Cohen's κ", "n"
        );
        for p in &s.pairwise {
            let _ = writeln!(
                out,
                "  {:<width_a$}  {:<width_b$}  {:>9}  {:>6}",
                p.rater_a,
                p.rater_b,
                stat(p.cohen_kappa),
                p.n
            );
        }
    }

    let mut bands = Vec::new();
    for (name, value) in [
        ("Fleiss' κ", s.fleiss_kappa),
        ("Krippendorff's α", s.krippendorff_alpha),
    ] {
        if let Some(v) = value {
            bands.push(format!(
                "{name} {v:.3} is {}",
                agreement::landis_koch_band(v)
            ));
        }
    }
    if bands.is_empty() {
        let _ = writeln!(
            out,
            "\n{UNDEFINED}: undefined; it needs items with two ratings or more and more than one \
             label in use."
        );
    } else {
        let _ = writeln!(
            out,
            "\nInterpretation (Landis & Koch 1977 bands, a rule of thumb, not a test): {}.",
            bands.join("; ")
        );
    }

    if !s.most_disagreement.is_empty() {
        let width = column_width("item", s.most_disagreement.iter().map(|i| i.item.as_str()));
        let _ = writeln!(out, "\nItems with the most disagreement");
        for item in &s.most_disagreement {
            let labels: Vec<String> = item
                .labels
                .iter()
                .map(|l| format!("{} ×{}", l.label, l.count))
                .collect();
            let _ = writeln!(out, "  {:<width$}  {}", item.item, labels.join(", "));
        }
    }
    out
}

/// Display width of a text column: its header or longest value, whichever is wider.
fn column_width<'a>(header: &str, values: impl Iterator<Item = &'a str>) -> usize {
    values
        .map(|v| v.chars().count())
        .chain([header.chars().count()])
        .max()
        .unwrap_or(0)
}
