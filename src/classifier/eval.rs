//! Evaluation of predictions against references: accuracy, macro-F1, per-class precision and
//! recall, per-group accuracy (e.g. per language) and the confusion matrix.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ClassReport {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Evaluation {
    pub n: usize,
    pub accuracy: f64,
    pub macro_f1: f64,
    pub per_class: Vec<ClassReport>,
    /// group (e.g. language) → (accuracy, n)
    pub per_group: BTreeMap<String, (f64, usize)>,
    pub labels: Vec<String>,
    /// confusion[reference][predicted], in `labels` order.
    pub confusion: Vec<Vec<usize>>,
}

/// `rows` are (reference, predicted, group).
pub fn evaluate(rows: &[(String, String, String)]) -> Evaluation {
    let labels: Vec<String> = rows
        .iter()
        .flat_map(|(r, p, _)| [r.clone(), p.clone()])
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let index = |l: &str| labels.iter().position(|x| x == l).unwrap_or(0);
    let mut confusion = vec![vec![0usize; labels.len()]; labels.len()];
    let mut groups: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (reference, predicted, group) in rows {
        confusion[index(reference)][index(predicted)] += 1;
        let g = groups.entry(group.clone()).or_default();
        g.1 += 1;
        if reference == predicted {
            g.0 += 1;
        }
    }
    let correct: usize = (0..labels.len()).map(|i| confusion[i][i]).sum();
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let per_class: Vec<ClassReport> = labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let tp = confusion[i][i];
            let predicted: usize = (0..labels.len()).map(|r| confusion[r][i]).sum();
            let support: usize = confusion[i].iter().sum();
            let precision = ratio(tp, predicted);
            let recall = ratio(tp, support);
            let f1 = if precision + recall == 0.0 {
                0.0
            } else {
                2.0 * precision * recall / (precision + recall)
            };
            ClassReport {
                label: label.clone(),
                precision,
                recall,
                f1,
                support,
            }
        })
        .collect();
    // Macro-F1 over the classes present in the reference, as scikit-learn does with labels=y_true.
    let present: Vec<&ClassReport> = per_class.iter().filter(|c| c.support > 0).collect();
    let macro_f1 = if present.is_empty() {
        0.0
    } else {
        present.iter().map(|c| c.f1).sum::<f64>() / present.len() as f64
    };
    Evaluation {
        n: rows.len(),
        accuracy: ratio(correct, rows.len()),
        macro_f1,
        per_class,
        per_group: groups
            .into_iter()
            .map(|(g, (ok, n))| (g, (ratio(ok, n), n)))
            .collect(),
        labels,
        confusion,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(r: &str, p: &str) -> (String, String, String) {
        (r.into(), p.into(), "en".into())
    }

    #[test]
    fn metrics_match_a_hand_computed_example() {
        // a: 2 right, 1 predicted as b; b: 1 right; c: 1 predicted as a.
        let rows = [
            row("a", "a"),
            row("a", "a"),
            row("a", "b"),
            row("b", "b"),
            row("c", "a"),
        ];
        let e = evaluate(&rows);
        assert_eq!(e.accuracy, 0.6);
        let a = &e.per_class[0];
        assert_eq!(
            (a.precision, a.recall, a.support),
            (2.0 / 3.0, 2.0 / 3.0, 3)
        );
        let b = &e.per_class[1];
        assert_eq!((b.precision, b.recall), (0.5, 1.0));
        // F1: a 2/3, b 2/3, c 0 → macro 4/9.
        assert!((e.macro_f1 - 4.0 / 9.0).abs() < 1e-12);
        assert_eq!(
            e.confusion,
            vec![vec![2, 1, 0], vec![0, 1, 0], vec![1, 0, 0]]
        );
        assert_eq!(e.per_group["en"], (0.6, 5));
    }

    #[test]
    fn empty_input_gives_zeros_not_nan() {
        let e = evaluate(&[]);
        assert_eq!((e.n, e.accuracy, e.macro_f1), (0, 0.0, 0.0));
    }
}
