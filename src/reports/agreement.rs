//! Inter-rater agreement: how far labellers agree beyond what chance alone would give.
//!
//! Three standard statistics for nominal labels (intents, emotions, escalate or not):
//! - [`cohen_kappa`]: two raters, over the items both labelled (Cohen 1960);
//! - [`fleiss_kappa`]: any number of raters, the same number of ratings per item (Fleiss 1971);
//! - [`krippendorff_alpha_nominal`]: any number of raters, missing ratings allowed (Krippendorff).
//!
//! Each returns `None` when the statistic is undefined (nothing to compare, or every rating carries
//! the same label so chance agreement is already total), never NaN. [`parse_ratings_csv`] reads
//! `item,rater,label` files and [`summarize`] turns ratings into everything the CLI and the
//! calibration report show.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

/// How many items [`AgreementSummary::most_disagreement`] lists.
pub const MOST_DISAGREEMENT_LIMIT: usize = 10;

/// Cohen's kappa for two raters; each pair is (rater A's label, rater B's label) for one item.
///
/// `None` when there are no pairs, or when chance agreement is 1 (both raters used one and the same
/// label throughout), where kappa is 0/0.
pub fn cohen_kappa<L: Ord>(pairs: &[(L, L)]) -> Option<f64> {
    if pairs.is_empty() {
        return None;
    }
    let mut a_counts: BTreeMap<&L, u64> = BTreeMap::new();
    let mut b_counts: BTreeMap<&L, u64> = BTreeMap::new();
    let mut agreed = 0u64;
    for (a, b) in pairs {
        *a_counts.entry(a).or_default() += 1;
        *b_counts.entry(b).or_default() += 1;
        if a == b {
            agreed += 1;
        }
    }
    let n = pairs.len() as f64;
    let chance: f64 = a_counts
        .iter()
        .map(|(label, &a)| a as f64 * b_counts.get(label).copied().unwrap_or(0) as f64)
        .sum();
    // (p_o - p_e) / (1 - p_e), multiplied through by n² so the terms stay whole numbers.
    let denominator = n * n - chance;
    if denominator <= 0.0 {
        return None;
    }
    Some((n * agreed as f64 - chance) / denominator)
}

/// Fleiss' kappa with the items it was computed over.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FleissKappa {
    pub kappa: f64,
    /// Items that entered the statistic: those with `ratings_per_item` ratings.
    pub items_used: usize,
    pub ratings_per_item: usize,
}

/// Fleiss' kappa; each item is the list of labels it received (from any raters).
///
/// Fleiss' formula requires the same number of ratings on every item. When the counts differ, the
/// statistic is computed over the items that have the most common number of ratings (ties go to the
/// larger number), and the others are left out: see [`fleiss_kappa_detail`] for how many items
/// were used. Items with fewer than two ratings never count.
///
/// `None` when no item has two ratings or more, or when every used rating carries the same label.
pub fn fleiss_kappa<L: Ord>(items: &[Vec<L>]) -> Option<f64> {
    fleiss_kappa_detail(items).map(|f| f.kappa)
}

/// [`fleiss_kappa`] together with the number of items used and their number of ratings.
pub fn fleiss_kappa_detail<L: Ord>(items: &[Vec<L>]) -> Option<FleissKappa> {
    let m = modal_rating_count(items)?;
    let used: Vec<&Vec<L>> = items.iter().filter(|labels| labels.len() == m).collect();
    let mut totals: BTreeMap<&L, u64> = BTreeMap::new();
    let mut agreement_sum = 0.0;
    let pairs_per_item = (m * (m - 1)) as f64;
    for labels in &used {
        let counts = label_counts(labels.iter());
        let agreeing_pairs: u64 = counts.values().map(|&c| c * (c - 1)).sum();
        agreement_sum += agreeing_pairs as f64 / pairs_per_item;
        for (label, c) in counts {
            *totals.entry(label).or_default() += c;
        }
    }
    if totals.len() < 2 {
        return None;
    }
    let observed = agreement_sum / used.len() as f64;
    let all_ratings = (used.len() * m) as f64;
    let chance: f64 = totals
        .values()
        .map(|&c| {
            let p = c as f64 / all_ratings;
            p * p
        })
        .sum();
    if 1.0 - chance <= 0.0 {
        return None;
    }
    Some(FleissKappa {
        kappa: (observed - chance) / (1.0 - chance),
        items_used: used.len(),
        ratings_per_item: m,
    })
}

/// The most common number of ratings among items with at least two; ties go to the larger number,
/// which keeps more ratings in the statistic.
fn modal_rating_count<L>(items: &[Vec<L>]) -> Option<usize> {
    let mut frequency: BTreeMap<usize, usize> = BTreeMap::new();
    for labels in items.iter().filter(|labels| labels.len() >= 2) {
        *frequency.entry(labels.len()).or_default() += 1;
    }
    frequency
        .into_iter()
        .max_by_key(|&(count, times)| (times, count))
        .map(|(count, _)| count)
}

/// Krippendorff's alpha for nominal data; each unit lists one entry per rater, `None` where that
/// rater gave no label.
///
/// Follows the coincidence-matrix method of Krippendorff's "Computing Krippendorff's
/// Alpha-Reliability" (2011): only pairable values count, so units with fewer than two values are
/// dropped. `None` when no unit has two values, or when all pairable values are the same label
/// (expected disagreement 0).
pub fn krippendorff_alpha_nominal<L: Ord>(units: &[Vec<Option<L>>]) -> Option<f64> {
    // n_c: pairable values per label (the coincidence matrix's marginals).
    let mut totals: BTreeMap<&L, u64> = BTreeMap::new();
    // Σ over c≠k of o_ck, which is n·D_o for the nominal metric.
    let mut disagreeing = 0.0;
    for unit in units {
        let counts = label_counts(unit.iter().flatten());
        let m_u: u64 = counts.values().sum();
        if m_u < 2 {
            continue;
        }
        let same: u64 = counts.values().map(|&c| c * c).sum();
        disagreeing += (m_u * m_u - same) as f64 / (m_u - 1) as f64;
        for (label, c) in counts {
            *totals.entry(label).or_default() += c;
        }
    }
    let n: u64 = totals.values().sum();
    // Σ over c≠k of n_c·n_k, which is n(n-1)·D_e.
    let expected = n * n - totals.values().map(|&c| c * c).sum::<u64>();
    if expected == 0 {
        return None;
    }
    Some(1.0 - (n - 1) as f64 * disagreeing / expected as f64)
}

fn label_counts<'a, L: Ord + 'a>(labels: impl Iterator<Item = &'a L>) -> BTreeMap<&'a L, u64> {
    let mut counts = BTreeMap::new();
    for label in labels {
        *counts.entry(label).or_default() += 1;
    }
    counts
}

/// Landis & Koch's (1977) verbal bands for kappa-like values: a rule of thumb, not a test.
pub fn landis_koch_band(value: f64) -> &'static str {
    if value < 0.0 {
        "poor"
    } else if value <= 0.20 {
        "slight"
    } else if value <= 0.40 {
        "fair"
    } else if value <= 0.60 {
        "moderate"
    } else if value <= 0.80 {
        "substantial"
    } else {
        "almost perfect"
    }
}

/// One label given by one rater to one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    pub item: String,
    pub rater: String,
    pub label: String,
}

impl Rating {
    pub fn new(
        item: impl Into<String>,
        rater: impl Into<String>,
        label: impl Into<String>,
    ) -> Self {
        Self {
            item: item.into(),
            rater: rater.into(),
            label: label.into(),
        }
    }
}

/// Cohen's kappa of one pair of raters over the items both labelled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairwiseKappa {
    pub rater_a: String,
    pub rater_b: String,
    pub cohen_kappa: Option<f64>,
    /// Items both raters labelled.
    pub n: usize,
}

/// How many times one label was given to an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LabelCount {
    pub label: String,
    pub count: usize,
}

/// The labels one item received.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemLabels {
    pub item: String,
    pub n_ratings: usize,
    /// Most frequent first, then alphabetical.
    pub labels: Vec<LabelCount>,
    /// Share of rater pairs on this item that gave the same label; `None` with a single rating.
    pub pair_agreement: Option<f64>,
}

/// Everything the agreement CLI and the calibration report show for a set of ratings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgreementSummary {
    pub n_items: usize,
    pub n_raters: usize,
    pub n_ratings: usize,
    pub fleiss_kappa: Option<f64>,
    /// Items Fleiss' kappa was computed over (see [`fleiss_kappa`] for unequal rating counts).
    pub fleiss_items: usize,
    pub fleiss_ratings_per_item: Option<usize>,
    pub krippendorff_alpha: Option<f64>,
    /// Every pair of raters, in order of first appearance.
    pub pairwise: Vec<PairwiseKappa>,
    /// Every item, in order of first appearance.
    pub items: Vec<ItemLabels>,
    /// Up to [`MOST_DISAGREEMENT_LIMIT`] items whose raters agreed least (lowest pair agreement,
    /// then most ratings); items everyone agreed on are not listed.
    pub most_disagreement: Vec<ItemLabels>,
}

/// A rater labelled the same item twice, so it is unclear which label counts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rater {rater:?} labelled item {item:?} more than once")]
pub struct DuplicateRating {
    pub item: String,
    pub rater: String,
}

/// Builds the summary from ratings; a rater may skip items, but may not label one item twice.
pub fn summarize(ratings: &[Rating]) -> Result<AgreementSummary, DuplicateRating> {
    let mut item_index: HashMap<&str, usize> = HashMap::new();
    let mut rater_index: HashMap<&str, usize> = HashMap::new();
    let mut item_names: Vec<&str> = Vec::new();
    let mut rater_names: Vec<&str> = Vec::new();
    // Per item: rater index -> label; per rater: item index -> label.
    let mut by_item: Vec<BTreeMap<usize, &str>> = Vec::new();
    let mut by_rater: Vec<BTreeMap<usize, &str>> = Vec::new();
    for r in ratings {
        let item = *item_index.entry(&r.item).or_insert_with(|| {
            item_names.push(&r.item);
            by_item.push(BTreeMap::new());
            item_names.len() - 1
        });
        let rater = *rater_index.entry(&r.rater).or_insert_with(|| {
            rater_names.push(&r.rater);
            by_rater.push(BTreeMap::new());
            rater_names.len() - 1
        });
        if by_item[item].insert(rater, &r.label).is_some() {
            return Err(DuplicateRating {
                item: r.item.clone(),
                rater: r.rater.clone(),
            });
        }
        by_rater[rater].insert(item, &r.label);
    }

    let fleiss_input: Vec<Vec<&str>> = by_item
        .iter()
        .map(|labels| labels.values().copied().collect())
        .collect();
    let fleiss = fleiss_kappa_detail(&fleiss_input);
    let units: Vec<Vec<Option<&str>>> = by_item
        .iter()
        .map(|labels| labels.values().map(|&l| Some(l)).collect())
        .collect();

    let mut pairwise = Vec::new();
    for a in 0..rater_names.len() {
        for b in a + 1..rater_names.len() {
            let pairs: Vec<(&str, &str)> = by_rater[a]
                .iter()
                .filter_map(|(item, &la)| by_rater[b].get(item).map(|&lb| (la, lb)))
                .collect();
            pairwise.push(PairwiseKappa {
                rater_a: rater_names[a].to_string(),
                rater_b: rater_names[b].to_string(),
                cohen_kappa: cohen_kappa(&pairs),
                n: pairs.len(),
            });
        }
    }

    let items: Vec<ItemLabels> = item_names
        .iter()
        .zip(&fleiss_input)
        .map(|(name, labels)| item_labels(name, labels))
        .collect();
    let mut disputed: Vec<&ItemLabels> = items
        .iter()
        .filter(|i| i.pair_agreement.is_some_and(|a| a < 1.0))
        .collect();
    // A stable sort keeps first-appearance order among equals.
    disputed.sort_by(|x, y| {
        let (ax, ay) = (
            x.pair_agreement.unwrap_or(1.0),
            y.pair_agreement.unwrap_or(1.0),
        );
        ax.total_cmp(&ay).then(y.n_ratings.cmp(&x.n_ratings))
    });
    let most_disagreement = disputed
        .into_iter()
        .take(MOST_DISAGREEMENT_LIMIT)
        .cloned()
        .collect();

    Ok(AgreementSummary {
        n_items: item_names.len(),
        n_raters: rater_names.len(),
        n_ratings: ratings.len(),
        fleiss_kappa: fleiss.map(|f| f.kappa),
        fleiss_items: fleiss.map_or(0, |f| f.items_used),
        fleiss_ratings_per_item: fleiss.map(|f| f.ratings_per_item),
        krippendorff_alpha: krippendorff_alpha_nominal(&units),
        pairwise,
        items,
        most_disagreement,
    })
}

fn item_labels(item: &str, labels: &[&str]) -> ItemLabels {
    let counts = label_counts(labels.iter());
    let m = labels.len() as u64;
    let pair_agreement = (m >= 2).then(|| {
        let agreeing: u64 = counts.values().map(|&c| c * (c - 1)).sum();
        agreeing as f64 / (m * (m - 1)) as f64
    });
    let mut label_list: Vec<LabelCount> = counts
        .into_iter()
        .map(|(label, count)| LabelCount {
            label: label.to_string(),
            count: count as usize,
        })
        .collect();
    // Counts come alphabetical from the BTreeMap; a stable sort keeps that among equal counts.
    label_list.sort_by_key(|l| std::cmp::Reverse(l.count));
    ItemLabels {
        item: item.to_string(),
        n_ratings: labels.len(),
        labels: label_list,
        pair_agreement,
    }
}

/// Why an `item,rater,label` CSV file cannot be read. Line numbers count from 1, header included.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error("the file is empty: expected a header row naming the columns item, rater, label")]
    Empty,
    #[error(
        "line {line}: the header row lacks the column(s) {}: expected item, rater, label (found: {})",
        missing.join(", "),
        found.join(", ")
    )]
    MissingColumns {
        line: usize,
        missing: Vec<&'static str>,
        found: Vec<String>,
    },
    #[error("line {line}: the header row names the column {column} twice")]
    RepeatedColumn { line: usize, column: &'static str },
    #[error("line {line}: {reason}")]
    BadLine { line: usize, reason: String },
    #[error(
        "line {line}: rater {rater:?} already labelled item {item:?} on line {first_line}; \
         keep one label per rater and item"
    )]
    Duplicate {
        line: usize,
        first_line: usize,
        item: String,
        rater: String,
    },
}

impl From<crate::csv::RecordError> for CsvError {
    fn from(e: crate::csv::RecordError) -> Self {
        CsvError::BadLine {
            line: e.line,
            reason: e.reason,
        }
    }
}

impl CsvError {
    fn bad(line: usize, reason: impl Into<String>) -> Self {
        Self::BadLine {
            line,
            reason: reason.into(),
        }
    }
}

/// Reads ratings from CSV text with a header row naming `item`, `rater` and `label` (any order,
/// any case; other columns are ignored).
///
/// Fields may be quoted to hold commas, line breaks or doubled quotes (`""`); lines may end in LF
/// or CRLF; a UTF-8 byte-order mark and blank lines are skipped. Values are trimmed and must not be
/// empty. A rater who labels the same item twice is an error, since either label could be meant.
pub fn parse_ratings_csv(text: &str) -> Result<Vec<Rating>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = crate::csv::records(text)?.into_iter();
    let (header_line, header) = records.next().ok_or(CsvError::Empty)?;
    let mut columns = [None; 3];
    const NAMES: [&str; 3] = ["item", "rater", "label"];
    for (position, name) in header.iter().enumerate() {
        if let Some(k) = NAMES.iter().position(|n| name.eq_ignore_ascii_case(n)) {
            if columns[k].is_some() {
                return Err(CsvError::RepeatedColumn {
                    line: header_line,
                    column: NAMES[k],
                });
            }
            columns[k] = Some(position);
        }
    }
    let [Some(item_col), Some(rater_col), Some(label_col)] = columns else {
        return Err(CsvError::MissingColumns {
            line: header_line,
            missing: NAMES
                .iter()
                .zip(columns)
                .filter(|(_, c)| c.is_none())
                .map(|(n, _)| *n)
                .collect(),
            found: header,
        });
    };

    let mut first_seen: HashMap<(String, String), usize> = HashMap::new();
    let mut ratings = Vec::new();
    for (line, fields) in records {
        if fields.len() != header.len() {
            return Err(CsvError::bad(
                line,
                format!(
                    "expected {} fields like the header, found {}",
                    header.len(),
                    fields.len()
                ),
            ));
        }
        for (col, name) in [
            (item_col, "item"),
            (rater_col, "rater"),
            (label_col, "label"),
        ] {
            if fields[col].is_empty() {
                return Err(CsvError::bad(line, format!("the {name} field is empty")));
            }
        }
        let rating = Rating::new(
            fields[item_col].as_str(),
            fields[rater_col].as_str(),
            fields[label_col].as_str(),
        );
        let key = (rating.item.clone(), rating.rater.clone());
        if let Some(&first_line) = first_seen.get(&key) {
            return Err(CsvError::Duplicate {
                line,
                first_line,
                item: rating.item,
                rater: rating.rater,
            });
        }
        first_seen.insert(key, line);
        ratings.push(rating);
    }
    Ok(ratings)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compares to three decimals, the precision the published examples give.
    fn assert_3dp(actual: Option<f64>, expected: &str) {
        let actual = actual.expect("the statistic should be defined");
        assert_eq!(format!("{actual:.3}"), expected, "got {actual}");
    }

    fn repeat(
        pair: (&'static str, &'static str),
        times: usize,
    ) -> Vec<(&'static str, &'static str)> {
        vec![pair; times]
    }

    /// Wikipedia, "Cohen's kappa", worked example: 50 grant proposals, two readers; Yes/Yes 20,
    /// Yes/No 5, No/Yes 10, No/No 15; p_o = 0.7, p_e = 0.5, κ = 0.4.
    #[test]
    fn cohen_kappa_matches_the_grant_proposal_example() {
        let mut pairs = repeat(("yes", "yes"), 20);
        pairs.extend(repeat(("yes", "no"), 5));
        pairs.extend(repeat(("no", "yes"), 10));
        pairs.extend(repeat(("no", "no"), 15));
        assert_3dp(cohen_kappa(&pairs), "0.400");
    }

    /// Builds items from a table of counts: row i, column j = how many raters put item i in
    /// category j.
    fn items_from_counts(table: &[[usize; 5]]) -> Vec<Vec<usize>> {
        table
            .iter()
            .map(|row| {
                row.iter()
                    .enumerate()
                    .flat_map(|(category, &count)| std::iter::repeat_n(category + 1, count))
                    .collect()
            })
            .collect()
    }

    /// Fleiss (1971) as reproduced in Wikipedia, "Fleiss' kappa", worked example: 10 subjects,
    /// 14 raters each, 5 categories; P̄ = 0.378, P̄_e = 0.213, κ = 0.210.
    #[test]
    fn fleiss_kappa_matches_the_wikipedia_example() {
        let table = [
            [0, 0, 0, 0, 14],
            [0, 2, 6, 4, 2],
            [0, 0, 3, 5, 6],
            [0, 3, 9, 2, 0],
            [2, 2, 8, 1, 1],
            [7, 7, 0, 0, 0],
            [3, 2, 6, 3, 0],
            [2, 5, 3, 2, 2],
            [6, 5, 2, 1, 0],
            [0, 2, 2, 3, 7],
        ];
        let items = items_from_counts(&table);
        assert_3dp(fleiss_kappa(&items), "0.210");
        let detail = fleiss_kappa_detail(&items).unwrap();
        assert_eq!((detail.items_used, detail.ratings_per_item), (10, 14));
    }

    /// Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011), nominal data with
    /// missing values: 4 observers (A–D), 12 units, values 1–5; α_nominal = 0.743.
    #[rustfmt::skip]
    fn krippendorff_2011_units() -> Vec<Vec<Option<u8>>> {
        let a = [Some(1), Some(2), Some(3), Some(3), Some(2), Some(1), Some(4), Some(1), Some(2), None, None, None];
        let b = [Some(1), Some(2), Some(3), Some(3), Some(2), Some(2), Some(4), Some(1), Some(2), Some(5), None, Some(3)];
        let c = [None, Some(3), Some(3), Some(3), Some(2), Some(3), Some(4), Some(2), Some(2), Some(5), Some(1), None];
        let d = [Some(1), Some(2), Some(3), Some(3), Some(2), Some(4), Some(4), Some(1), Some(2), Some(5), Some(1), None];
        (0..12).map(|u| vec![a[u], b[u], c[u], d[u]]).collect()
    }

    /// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", nominal example with
    /// missing data (4 observers, 12 units): α = 0.743.
    #[test]
    fn krippendorff_alpha_matches_the_2011_nominal_example() {
        assert_3dp(
            krippendorff_alpha_nominal(&krippendorff_2011_units()),
            "0.743",
        );
    }

    /// Wikipedia, "Krippendorff's alpha", computational example: 3 coders, 15 units, many values
    /// missing; α_nominal = 0.691.
    #[test]
    fn krippendorff_alpha_matches_the_wikipedia_example() {
        let rows = [
            "* * * * * 3 4 1 2 1 1 3 3 * 3",
            "1 * 2 1 3 3 4 3 * * * * * * *",
            "* * 2 1 3 4 4 * 2 1 1 3 3 * 4",
        ];
        let coders: Vec<Vec<Option<u8>>> = rows
            .iter()
            .map(|r| r.split(' ').map(|v| v.parse().ok()).collect())
            .collect();
        let units: Vec<Vec<Option<u8>>> = (0..15)
            .map(|u| coders.iter().map(|c| c[u]).collect())
            .collect();
        assert_3dp(krippendorff_alpha_nominal(&units), "0.691");
    }

    #[test]
    fn units_with_fewer_than_two_values_do_not_change_alpha() {
        let mut units = krippendorff_2011_units();
        let alpha = krippendorff_alpha_nominal(&units);
        units.push(vec![Some(4), None, None, None]);
        units.push(vec![None, None, None, None]);
        units.push(vec![]);
        assert_eq!(krippendorff_alpha_nominal(&units), alpha);
    }

    #[test]
    fn perfect_agreement_gives_one() {
        let pairs = [
            ("refund", "refund"),
            ("wismo", "wismo"),
            ("cancel", "cancel"),
        ];
        assert_eq!(cohen_kappa(&pairs), Some(1.0));
        let items = vec![vec!["refund"; 3], vec!["wismo"; 3], vec!["cancel"; 3]];
        assert_eq!(fleiss_kappa(&items), Some(1.0));
        let units: Vec<Vec<Option<&str>>> = items
            .iter()
            .map(|i| i.iter().map(|&l| Some(l)).collect())
            .collect();
        assert_eq!(krippendorff_alpha_nominal(&units), Some(1.0));
    }

    #[test]
    fn every_statistic_is_undefined_without_ratings() {
        assert_eq!(cohen_kappa::<&str>(&[]), None);
        assert_eq!(fleiss_kappa::<&str>(&[]), None);
        assert_eq!(fleiss_kappa::<&str>(&[vec![], vec![]]), None);
        assert_eq!(krippendorff_alpha_nominal::<&str>(&[]), None);
        assert_eq!(
            krippendorff_alpha_nominal::<&str>(&[vec![None, None]]),
            None
        );
    }

    #[test]
    fn a_single_rater_gives_no_agreement_statistic() {
        let items = vec![vec!["refund"], vec!["wismo"], vec!["cancel"]];
        assert_eq!(fleiss_kappa(&items), None);
        let units: Vec<Vec<Option<&str>>> = items.iter().map(|i| vec![Some(i[0]), None]).collect();
        assert_eq!(krippendorff_alpha_nominal(&units), None);
        let ratings = [
            Rating::new("m1", "ana", "refund"),
            Rating::new("m2", "ana", "wismo"),
        ];
        let summary = summarize(&ratings).unwrap();
        assert_eq!((summary.n_items, summary.n_raters), (2, 1));
        assert_eq!(summary.fleiss_kappa, None);
        assert_eq!(summary.krippendorff_alpha, None);
        assert!(summary.pairwise.is_empty());
        assert!(summary.most_disagreement.is_empty());
    }

    /// With one label throughout, chance agreement is total and every kappa or alpha is 0/0.
    #[test]
    fn all_the_same_label_is_undefined_not_nan() {
        assert_eq!(cohen_kappa(&[("refund", "refund"); 4]), None);
        assert_eq!(fleiss_kappa(&vec![vec!["refund"; 3]; 4]), None);
        assert_eq!(
            krippendorff_alpha_nominal(&vec![vec![Some("refund"); 3]; 4]),
            None
        );
    }

    #[test]
    fn systematic_disagreement_is_negative() {
        let pairs = [("refund", "wismo"), ("wismo", "refund")];
        assert_eq!(cohen_kappa(&pairs), Some(-1.0));
        // Two raters who never agree while using different labels: kappa is 0, not undefined.
        assert_eq!(cohen_kappa(&[("refund", "wismo"); 3]), Some(0.0));
    }

    /// Fleiss needs equal counts: only the items with the most common count (here 2) are used.
    #[test]
    fn fleiss_uses_the_items_with_the_most_common_number_of_ratings() {
        let pairs_only = vec![vec!["a", "a"], vec!["a", "b"], vec!["b", "b"]];
        let mut mixed = pairs_only.clone();
        mixed.push(vec!["a", "b", "b"]);
        mixed.push(vec!["a", "a", "a"]);
        mixed.push(vec!["b"]);
        assert_eq!(fleiss_kappa(&mixed), fleiss_kappa(&pairs_only));
        let detail = fleiss_kappa_detail(&mixed).unwrap();
        assert_eq!((detail.items_used, detail.ratings_per_item), (3, 2));
    }

    #[test]
    fn fleiss_breaks_a_tie_in_rating_counts_towards_more_ratings() {
        let items = vec![
            vec!["a", "a"],
            vec!["a", "b"],
            vec!["a", "b", "b"],
            vec!["a", "a", "a"],
        ];
        let detail = fleiss_kappa_detail(&items).unwrap();
        assert_eq!((detail.items_used, detail.ratings_per_item), (2, 3));
        assert_eq!(
            fleiss_kappa(&items),
            fleiss_kappa(&[vec!["a", "b", "b"], vec!["a", "a", "a"]])
        );
    }

    /// A deterministic pseudo-random sweep over small, ragged data sets: every result is either
    /// `None` or a finite number no greater than 1.
    #[test]
    fn results_are_never_nan() {
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |bound: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % bound
        };
        let check = |value: Option<f64>| {
            if let Some(v) = value {
                assert!(v.is_finite() && v <= 1.0 + 1e-12, "bad value {v}");
            }
        };
        for _ in 0..2000 {
            let labels = 1 + next(3);
            let n_items = next(6);
            let n_raters = 1 + next(4);
            let mut ratings = Vec::new();
            for item in 0..n_items {
                for rater in 0..n_raters {
                    if next(4) > 0 {
                        ratings.push(Rating::new(
                            format!("i{item}"),
                            format!("r{rater}"),
                            format!("l{}", next(labels)),
                        ));
                    }
                }
            }
            let summary = summarize(&ratings).unwrap();
            check(summary.fleiss_kappa);
            check(summary.krippendorff_alpha);
            for pair in &summary.pairwise {
                check(pair.cohen_kappa);
            }
            for item in &summary.items {
                check(item.pair_agreement);
            }
            // JSON has no NaN; serializing proves none slipped through.
            assert!(serde_json::to_string(&summary).is_ok());
        }
    }

    #[test]
    fn landis_koch_bands() {
        let bands: Vec<&str> = [-0.1, 0.0, 0.2, 0.21, 0.4, 0.6, 0.743, 0.8, 0.81, 1.0]
            .into_iter()
            .map(landis_koch_band)
            .collect();
        assert_eq!(
            bands,
            [
                "poor",
                "slight",
                "slight",
                "fair",
                "fair",
                "moderate",
                "substantial",
                "substantial",
                "almost perfect",
                "almost perfect"
            ]
        );
    }

    fn krippendorff_2011_ratings() -> Vec<Rating> {
        let mut ratings = Vec::new();
        for (u, unit) in krippendorff_2011_units().iter().enumerate() {
            for (rater, value) in ["A", "B", "C", "D"].iter().zip(unit) {
                if let Some(v) = value {
                    ratings.push(Rating::new(format!("u{}", u + 1), *rater, v.to_string()));
                }
            }
        }
        ratings
    }

    #[test]
    fn summary_of_the_krippendorff_example() {
        let summary = summarize(&krippendorff_2011_ratings()).unwrap();
        assert_eq!(
            (summary.n_items, summary.n_raters, summary.n_ratings),
            (12, 4, 41)
        );
        assert_3dp(summary.krippendorff_alpha, "0.743");
        // Units 2–9 have 4 ratings each, the most common count.
        assert_eq!(
            (summary.fleiss_items, summary.fleiss_ratings_per_item),
            (8, Some(4))
        );
        assert!(summary.fleiss_kappa.is_some());

        // Raters in order of first appearance: C skipped unit 1, so D comes before C.
        let names: Vec<(&str, &str, usize)> = summary
            .pairwise
            .iter()
            .map(|p| (p.rater_a.as_str(), p.rater_b.as_str(), p.n))
            .collect();
        assert_eq!(
            names,
            [
                ("A", "B", 9),
                ("A", "D", 9),
                ("A", "C", 8),
                ("B", "D", 10),
                ("B", "C", 9),
                ("D", "C", 10)
            ]
        );
        // A and B agree on 8 of 9 units: κ = (9·8 − 23) / (81 − 23) = 49/58.
        let ab = summary.pairwise[0].cohen_kappa.unwrap();
        assert!((ab - 49.0 / 58.0).abs() < 1e-12);

        // Unit 6 got four different values; unit 2 three of four the same; unit 12 one rating.
        let u6 = &summary.items[5];
        assert_eq!(u6.pair_agreement, Some(0.0));
        assert_eq!(summary.items[11].pair_agreement, None);
        let worst: Vec<&str> = summary
            .most_disagreement
            .iter()
            .map(|i| i.item.as_str())
            .collect();
        assert_eq!(worst, ["u6", "u2", "u8"]);
        let u2 = &summary.items[1];
        assert_eq!(
            u2.labels,
            [
                LabelCount {
                    label: "2".into(),
                    count: 3
                },
                LabelCount {
                    label: "3".into(),
                    count: 1
                }
            ]
        );
    }

    #[test]
    fn raters_without_shared_items_get_an_undefined_kappa() {
        let ratings = [
            Rating::new("m1", "ana", "refund"),
            Rating::new("m2", "bo", "refund"),
        ];
        let summary = summarize(&ratings).unwrap();
        assert_eq!(summary.pairwise.len(), 1);
        assert_eq!(
            (summary.pairwise[0].n, summary.pairwise[0].cohen_kappa),
            (0, None)
        );
    }

    #[test]
    fn summarize_refuses_a_rater_labelling_an_item_twice() {
        let ratings = [
            Rating::new("m1", "ana", "refund"),
            Rating::new("m1", "ana", "wismo"),
        ];
        assert_eq!(
            summarize(&ratings),
            Err(DuplicateRating {
                item: "m1".into(),
                rater: "ana".into()
            })
        );
    }

    #[test]
    fn the_summary_of_nothing_is_empty() {
        let summary = summarize(&[]).unwrap();
        assert_eq!(
            (summary.n_items, summary.n_raters, summary.fleiss_items),
            (0, 0, 0)
        );
        assert_eq!(summary.fleiss_kappa, None);
        assert_eq!(summary.krippendorff_alpha, None);
    }

    #[test]
    fn csv_reads_quoted_fields_crlf_bom_and_any_column_order() {
        let text = "\u{feff}Rater,label,note,ITEM\r\n\
                    ana,refund,\"ok, sure\",m1\r\n\
                    \r\n\
                    \"bo\",\"not \"\"as\"\" described\",\"two\r\nlines\",\" m1 \"\r\n\
                    ana , wismo ,,m2";
        let ratings = parse_ratings_csv(text).unwrap();
        assert_eq!(
            ratings,
            [
                Rating::new("m1", "ana", "refund"),
                Rating::new("m1", "bo", "not \"as\" described"),
                Rating::new("m2", "ana", "wismo"),
            ]
        );
    }

    #[test]
    fn csv_with_only_a_header_has_no_ratings() {
        assert_eq!(parse_ratings_csv("item,rater,label\n"), Ok(vec![]));
    }

    fn error_of(text: &str) -> String {
        parse_ratings_csv(text).unwrap_err().to_string()
    }

    #[test]
    fn csv_errors_name_the_line() {
        assert_eq!(
            error_of("item,rater,label\nm1,ana,refund\nm2,ana\n"),
            "line 3: expected 3 fields like the header, found 2"
        );
        assert_eq!(
            error_of("item,rater,label\nm1,ana,refund\nm2,bo,\"refund\n"),
            "line 3: a quoted field is never closed: a quote is missing"
        );
        assert!(
            error_of("item,rater,label\nm1,ana,re\"fund\n").starts_with("line 2: a quote inside")
        );
        assert!(
            error_of("item,rater,label\nm1,ana,\"refund\"x\n").starts_with("line 2: text after")
        );
        assert!(
            error_of("item,rater,label\nm1,ana,\"a\" \"\n").starts_with("line 2: a quote right")
        );
        assert_eq!(
            error_of("item,rater,label\nm1,,refund\n"),
            "line 2: the rater field is empty"
        );
        // A line break inside quotes moves the count on.
        assert_eq!(
            error_of("item,rater,label\nm1,ana,\"re\r\nfund\"\nm2,ana\n"),
            "line 4: expected 3 fields like the header, found 2"
        );
        assert_eq!(
            error_of("item,rater,label\nm1,ana,refund\n\nm1,ana,wismo\n"),
            "line 4: rater \"ana\" already labelled item \"m1\" on line 2; \
             keep one label per rater and item"
        );
    }

    #[test]
    fn csv_header_problems_are_explained() {
        assert_eq!(error_of(""), CsvError::Empty.to_string());
        assert_eq!(error_of("\n\r\n"), CsvError::Empty.to_string());
        assert_eq!(
            error_of("item,coder,intent\nm1,ana,refund\n"),
            "line 1: the header row lacks the column(s) rater, label: expected item, rater, label \
             (found: item, coder, intent)"
        );
        assert_eq!(
            error_of("item,rater,label,Item\n"),
            "line 1: the header row names the column item twice"
        );
    }
}
