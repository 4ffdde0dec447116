//! Item analysis for a quiz, computed the way Moodle's quiz statistics report
//! does it.
//!
//! # Sources
//!
//! * MoodleDocs developer page "Quiz statistics calculations"
//!   (<https://docs.moodle.org/dev/Quiz_statistics_calculations>): the
//!   definitions of the facility index, the question standard deviation, the
//!   discrimination index, the discriminative efficiency and the test
//!   statistics (skewness, kurtosis, coefficient of internal consistency,
//!   error ratio, standard error).
//! * Moodle's implementation of those definitions, which this module follows
//!   where the page leaves details open:
//!   - `question/classes/statistics/questions/calculator.php`
//!     (`initial_steps_walker`, `initial_question_walker`,
//!     `secondary_steps_walker`, `secondary_question_walker`): per-question
//!     statistics;
//!   - `mod/quiz/report/statistics/classes/calculator.php` (`calculate`,
//!     `median`): test statistics;
//!   - `mod/quiz/report/statistics/statistics_table.php` (`col_sd`,
//!     `is_dubious_question`): how the figures are displayed and which
//!     questions are marked as dubious.
//! * MoodleDocs "Quiz report statistics" (the guide to reading the report):
//!   the interpretation bands the [`ItemStats::flag`] thresholds come from.
//!
//! # Notation
//!
//! For one question, `x_i` is the mark attempt `i` got for it and
//! `y_i = total_i - x_i` is the mark the same attempt got for the *rest of the
//! test*. Only the `n` attempts that include the question take part. Means are
//! written `x̄`, `ȳ`, and every variance and covariance is the sample one
//! (divisor `n - 1`), as in Moodle.
//!
//! # Units
//!
//! Moodle displays most figures as percentages. Here they are fractions:
//! facility `0..1`, discrimination index `-1..1`, Cronbach's alpha at most 1.
//! Test-level mean, median, standard deviation and standard error are in marks
//! (the same unit as [`AttemptScores::total`]).
//!
//! # Missing marks
//!
//! `None` in [`AttemptScores::marks`] means the question is not part of that
//! attempt; the attempt is left out of that question's statistics (Moodle only
//! has data for the questions an attempt contains, e.g. with random
//! questions). A question that was shown but left blank is given 0 marks by
//! Moodle's question engine and counted in its statistics, so pass `Some(0.0)`
//! for it to get Moodle's figures.
//!
//! # Zero variance
//!
//! Where Moodle would divide by a zero variance it reports nothing (`null`);
//! here that is `None`, never `NaN`. A variance counts as zero when the
//! standard deviation is below `1e-9` times the largest absolute value in the
//! data, so floating-point rounding (for example in `total - mark`) does not
//! turn a constant series into a tiny, meaningless non-zero variance.

use std::collections::BTreeMap;

/// Label used for attempts that gave no response, as in Moodle's response
/// analysis.
pub const NO_RESPONSE: &str = "[No response]";

/// Flag: the discrimination index is negative.
pub const FLAG_NEGATIVE_DISCRIMINATION: &str = "negative discrimination";
/// Flag: the facility index is below [`TOO_HARD_FACILITY`].
pub const FLAG_TOO_HARD: &str = "too hard (facility < 0.05)";
/// Flag: the facility index is above [`TOO_EASY_FACILITY`].
pub const FLAG_TOO_EASY: &str = "too easy (facility > 0.95)";
/// Flag: the discrimination index is below [`WEAK_DISCRIMINATION`].
pub const FLAG_WEAK_DISCRIMINATION: &str = "weak discrimination (< 0.2)";
/// Flag: the discriminative efficiency is below
/// [`LOW_DISCRIMINATIVE_EFFICIENCY`].
pub const FLAG_LOW_DISCRIMINATIVE_EFFICIENCY: &str = "low discriminative efficiency (< 0.15)";

/// Facility below this is "too hard". MoodleDocs "Quiz report statistics":
/// a facility of 5% or less means "extremely difficult or something wrong
/// with the question".
pub const TOO_HARD_FACILITY: f64 = 0.05;
/// Facility above this is "too easy". MoodleDocs "Quiz report statistics":
/// 95%–100% means "extremely easy".
pub const TOO_EASY_FACILITY: f64 = 0.95;
/// Discrimination index below this (and not negative) is "weak".
/// MoodleDocs "Quiz report statistics": 20–29% is weak and 0–19% very weak.
pub const WEAK_DISCRIMINATION: f64 = 0.2;
/// Discriminative efficiency below this is flagged. This is Moodle's own
/// "dubious question" rule (`is_dubious_question` in `statistics_table.php`:
/// discriminative efficiency < 15%).
pub const LOW_DISCRIMINATIVE_EFFICIENCY: f64 = 0.15;

/// Relative tolerance below which a standard deviation counts as zero.
const ZERO_SD_TOLERANCE: f64 = 1e-9;

/// One attempt at the quiz.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptScores {
    /// Identifier of the attempt (not used in the calculations).
    pub attempt_id: i64,
    /// Mark per question, in the order of the `questions` slice; `None` when
    /// the question is not part of this attempt. A missing entry (a shorter
    /// vector) is treated as `None`.
    pub marks: Vec<Option<f64>>,
    /// Total score of the attempt: the sum of the marks it got. Moodle uses
    /// the same sum both as the test score and to derive the rest-of-test
    /// mark (`total - mark`).
    pub total: f64,
}

/// What the analysis needs to know about a question.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuestionInfo {
    /// Maximum mark of the question in this quiz.
    pub max_mark: f64,
}

/// Statistics for one question.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemStats {
    /// Number of attempts that include the question (Moodle's `s`).
    pub n: usize,
    /// Facility index: `x̄ / max_mark`, a fraction `0..1`.
    ///
    /// "Quiz statistics calculations", *Facility index*; Moodle's
    /// `initial_question_walker` (`facility = markaverage / maxmark`).
    /// `None` when `n == 0` (Moodle would show 0 there) or `max_mark <= 0`.
    pub facility: Option<f64>,
    /// Standard deviation of the question's marks as a fraction of its maximum
    /// mark: `sqrt(Σ(x_i - x̄)² / (n - 1)) / max_mark`.
    ///
    /// "Quiz statistics calculations", *Standard deviation*; Moodle's
    /// `secondary_question_walker` (`sd`, only when `s > 1`) divided by the
    /// maximum mark as `col_sd` in `statistics_table.php` does. `None` when
    /// `n < 2` or `max_mark <= 0`; `Some(0.0)` when every mark is the same.
    pub sd: Option<f64>,
    /// Discrimination index as a fraction `-1..1` (Moodle shows it ×100): the
    /// product-moment correlation between the question mark and the
    /// rest-of-test mark, `C(x, y) / sqrt(V(x) · V(y))` with
    /// `y_i = total_i - x_i`.
    ///
    /// "Quiz statistics calculations", *Discrimination index*; Moodle's
    /// `secondary_steps_walker` / `secondary_question_walker`
    /// (`discriminationindex = 100 * covariance / sqrt(markvariance *
    /// othermarkvariance)`). `None` when `n < 2` or when either variance is
    /// zero (Moodle: `null` when the product of the variances is 0).
    pub discrimination_index: Option<f64>,
    /// Discriminative efficiency as a fraction (Moodle shows it ×100):
    /// `C(x, y) / C_max(x, y)`, where `C_max` is the covariance obtained by
    /// pairing the question marks and the rest-of-test marks each sorted in
    /// ascending order, i.e. the largest covariance these two sets of marks
    /// could have.
    ///
    /// "Quiz statistics calculations", *Discriminative efficiency*; Moodle's
    /// `secondary_steps_walker` (`covariancemaxsum` from the sorted
    /// `markarray` and `othermarksarray`) and `secondary_question_walker`
    /// (`discriminativeefficiency = 100 * covariance / covariancemax`).
    /// `None` when `n < 2` or `C_max` is zero (which happens exactly when
    /// either variance is zero).
    pub discriminative_efficiency: Option<f64>,
    /// The most serious problem found, if any; only set when `n >= 2`.
    /// Checked in this order, first match wins:
    ///
    /// 1. [`FLAG_NEGATIVE_DISCRIMINATION`]: discrimination index `< 0`
    ///    (MoodleDocs: a negative index means the question is probably
    ///    invalid);
    /// 2. [`FLAG_TOO_HARD`]: facility `<` [`TOO_HARD_FACILITY`] (0.05);
    /// 3. [`FLAG_TOO_EASY`]: facility `>` [`TOO_EASY_FACILITY`] (0.95);
    /// 4. [`FLAG_WEAK_DISCRIMINATION`]: discrimination index `<`
    ///    [`WEAK_DISCRIMINATION`] (0.2);
    /// 5. [`FLAG_LOW_DISCRIMINATIVE_EFFICIENCY`]: discriminative efficiency
    ///    `<` [`LOW_DISCRIMINATIVE_EFFICIENCY`] (0.15), Moodle's "dubious"
    ///    marker.
    ///
    /// Facility is checked before weak discrimination because a very easy or
    /// very hard question cannot discriminate much, and the facility is the
    /// more useful explanation.
    pub flag: Option<&'static str>,
}

/// Test-level statistics, computed from [`AttemptScores::total`] as in
/// Moodle's `mod/quiz/report/statistics/classes/calculator.php` and the
/// "Test statistics" section of "Quiz statistics calculations".
#[derive(Debug, Clone, PartialEq)]
pub struct TestStats {
    /// Number of attempts (Moodle's `s`).
    pub n: usize,
    /// Mean total, `T̄ = Σ T_i / s`. `None` when `s == 0`.
    pub mean: Option<f64>,
    /// Median total: the middle total, or the mean of the two middle totals
    /// when `s` is even (Moodle's `median`). `None` when `s == 0`.
    pub median: Option<f64>,
    /// Sample standard deviation of the totals, `sqrt(Σ(T_i - T̄)² / (s - 1))`.
    /// `None` when `s < 2`.
    pub sd: Option<f64>,
    /// Skewness `k3 / k2^(3/2)` with `m_r = Σ(T_i - T̄)^r / s`,
    /// `k2 = s·m2 / (s - 1)`, `k3 = s²·m3 / ((s - 1)(s - 2))`.
    /// `None` when `s < 3` or `k2 == 0`.
    pub skewness: Option<f64>,
    /// Kurtosis (excess) `k4 / k2²` with
    /// `k4 = s²((s + 1)·m4 - 3(s - 1)·m2²) / ((s - 1)(s - 2)(s - 3))`.
    /// `None` when `s < 4` or `k2 == 0`.
    pub kurtosis: Option<f64>,
    /// Cronbach's alpha, Moodle's coefficient of internal consistency as a
    /// fraction (Moodle shows it ×100): `p / (p - 1) · (1 - Σ V(x_q) / k2)`,
    /// where `p` is the number of questions and `V(x_q)` the sample variance
    /// of question `q`'s marks (a question with fewer than 2 marks adds 0, as
    /// the `null` variance does in Moodle). `None` when `s < 3` (Moodle
    /// computes it inside its skewness block), `p < 2` or `k2 == 0`.
    pub cronbach_alpha: Option<f64>,
    /// Error ratio `sqrt(1 - alpha)` as a fraction. `None` when alpha is
    /// `None` or above 1.
    pub error_ratio: Option<f64>,
    /// Standard error `error_ratio × sd`, in marks.
    pub standard_error: Option<f64>,
}

/// Sum of squared deviations from `mean`.
fn sum_sq_dev(xs: &[f64], mean: f64) -> f64 {
    xs.iter().map(|x| (x - mean) * (x - mean)).sum()
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// True when the spread of `xs` around `mean` is only rounding noise.
/// `ss` is the sum of squared deviations.
fn is_zero_spread(xs: &[f64], ss: f64) -> bool {
    let scale = xs.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
    let tolerance = ZERO_SD_TOLERANCE * scale;
    ss <= xs.len() as f64 * tolerance * tolerance
}

/// Sample variance (divisor `n - 1`), exactly 0 when the spread is only
/// rounding noise. `None` when `n < 2`.
fn sample_variance(xs: &[f64]) -> Option<f64> {
    if xs.len() < 2 {
        return None;
    }
    let ss = sum_sq_dev(xs, mean(xs));
    if is_zero_spread(xs, ss) {
        Some(0.0)
    } else {
        Some(ss / (xs.len() - 1) as f64)
    }
}

/// Sum of products of deviations from the means.
fn sum_cross_dev(xs: &[f64], ys: &[f64]) -> f64 {
    let (mx, my) = (mean(xs), mean(ys));
    xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum()
}

fn sorted(xs: &[f64]) -> Vec<f64> {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    v
}

/// The marks of one question and the matching rest-of-test marks, over the
/// attempts that include the question.
fn question_marks(index: usize, attempts: &[AttemptScores]) -> (Vec<f64>, Vec<f64>) {
    attempts
        .iter()
        .filter_map(|a| {
            let mark = a.marks.get(index).copied().flatten()?;
            Some((mark, a.total - mark))
        })
        .unzip()
}

fn item_flag(
    facility: Option<f64>,
    discrimination: Option<f64>,
    efficiency: Option<f64>,
) -> Option<&'static str> {
    if discrimination.is_some_and(|d| d < 0.0) {
        Some(FLAG_NEGATIVE_DISCRIMINATION)
    } else if facility.is_some_and(|f| f < TOO_HARD_FACILITY) {
        Some(FLAG_TOO_HARD)
    } else if facility.is_some_and(|f| f > TOO_EASY_FACILITY) {
        Some(FLAG_TOO_EASY)
    } else if discrimination.is_some_and(|d| d < WEAK_DISCRIMINATION) {
        Some(FLAG_WEAK_DISCRIMINATION)
    } else if efficiency.is_some_and(|e| e < LOW_DISCRIMINATIVE_EFFICIENCY) {
        Some(FLAG_LOW_DISCRIMINATIVE_EFFICIENCY)
    } else {
        None
    }
}

fn analyse_question(
    index: usize,
    question: &QuestionInfo,
    attempts: &[AttemptScores],
) -> ItemStats {
    let (x, y) = question_marks(index, attempts);
    let n = x.len();
    let max_mark = (question.max_mark > 0.0).then_some(question.max_mark);

    let facility = match (n, max_mark) {
        (0, _) | (_, None) => None,
        (_, Some(max)) => Some(mean(&x) / max),
    };

    let var_x = sample_variance(&x);
    let var_y = sample_variance(&y);
    let sd = var_x.zip(max_mark).map(|(v, max)| v.sqrt() / max);

    // Both the correlation and the efficiency need the two variances to be
    // non-zero; with n >= 2 that is also when C_max != 0.
    let (discrimination_index, discriminative_efficiency) = match (var_x, var_y) {
        (Some(vx), Some(vy)) if vx > 0.0 && vy > 0.0 => {
            let denom = (n - 1) as f64;
            let covariance = sum_cross_dev(&x, &y) / denom;
            let covariance_max = sum_cross_dev(&sorted(&x), &sorted(&y)) / denom;
            let di = covariance / (vx * vy).sqrt();
            let de = (covariance_max > 0.0).then(|| covariance / covariance_max);
            (
                Some(di).filter(|v| v.is_finite()),
                de.filter(|v| v.is_finite()),
            )
        }
        _ => (None, None),
    };

    let flag = if n >= 2 {
        item_flag(facility, discrimination_index, discriminative_efficiency)
    } else {
        None
    };

    ItemStats {
        n,
        facility,
        sd,
        discrimination_index,
        discriminative_efficiency,
        flag,
    }
}

/// Per-question statistics, one [`ItemStats`] per entry of `questions`, in
/// the same order. See the field docs of [`ItemStats`] for each formula and
/// its Moodle source.
pub fn analyse(questions: &[QuestionInfo], attempts: &[AttemptScores]) -> Vec<ItemStats> {
    questions
        .iter()
        .enumerate()
        .map(|(i, q)| analyse_question(i, q, attempts))
        .collect()
}

fn sort_frequencies(
    counts: BTreeMap<&str, usize>,
    no_response: usize,
    denominator: usize,
) -> Vec<(String, usize, f64)> {
    let fraction = |count: usize| count as f64 / denominator as f64;
    let mut rows: Vec<(String, usize, f64)> = counts
        .into_iter()
        .map(|(response, count)| (response.to_string(), count, fraction(count)))
        .collect();
    // Most frequent first; ties keep the alphabetical order of the map.
    rows.sort_by_key(|row| std::cmp::Reverse(row.1));
    if no_response > 0 {
        rows.push((NO_RESPONSE.to_string(), no_response, fraction(no_response)));
    }
    rows
}

/// Frequency of each response to one question: `(response, count, fraction)`
/// with `fraction = count / responses.len()`, like the "Frequency" column of
/// Moodle's response analysis (count over the attempts at the question).
///
/// `responses` holds one entry per attempt at the question (the choice text
/// or key; for a multiple-response question a key standing for the whole
/// combination, or use [`choice_frequencies`]). `None` means the attempt gave
/// no response; those are reported last, under [`NO_RESPONSE`], as Moodle
/// does. The other rows are ordered by count, most frequent first, ties in
/// alphabetical order. The fractions add up to 1; an empty input gives an
/// empty result.
pub fn response_frequencies(responses: &[Option<String>]) -> Vec<(String, usize, f64)> {
    let mut counts = BTreeMap::new();
    let mut no_response = 0;
    for response in responses {
        match response {
            Some(r) => *counts.entry(r.as_str()).or_insert(0) += 1,
            None => no_response += 1,
        }
    }
    sort_frequencies(counts, no_response, responses.len())
}

/// Frequency of each choice for a question where several choices can be
/// picked: each attempt counts once for every distinct choice it picked, and
/// `fraction = count / responses.len()` is the share of attempts that picked
/// the choice (so the fractions can add up to more than 1). `None` or an
/// empty list counts as [`NO_RESPONSE`]. Ordering is as in
/// [`response_frequencies`].
pub fn choice_frequencies(responses: &[Option<Vec<String>>]) -> Vec<(String, usize, f64)> {
    let mut counts = BTreeMap::new();
    let mut no_response = 0;
    for response in responses {
        match response {
            Some(choices) if !choices.is_empty() => {
                let mut distinct: Vec<&str> = choices.iter().map(String::as_str).collect();
                distinct.sort_unstable();
                distinct.dedup();
                for choice in distinct {
                    *counts.entry(choice).or_insert(0) += 1;
                }
            }
            _ => no_response += 1,
        }
    }
    sort_frequencies(counts, no_response, responses.len())
}

/// Test-level statistics over all `attempts`. See [`TestStats`] for each
/// formula; they follow Moodle's `quiz_statistics\calculator::calculate`.
pub fn test_stats(questions: &[QuestionInfo], attempts: &[AttemptScores]) -> TestStats {
    let totals: Vec<f64> = attempts.iter().map(|a| a.total).collect();
    let s = totals.len();
    let mut stats = TestStats {
        n: s,
        mean: None,
        median: None,
        sd: None,
        skewness: None,
        kurtosis: None,
        cronbach_alpha: None,
        error_ratio: None,
        standard_error: None,
    };
    if s == 0 {
        return stats;
    }

    let t_mean = mean(&totals);
    stats.mean = Some(t_mean);
    let ordered = sorted(&totals);
    stats.median = Some(if s.is_multiple_of(2) {
        (ordered[s / 2 - 1] + ordered[s / 2]) / 2.0
    } else {
        ordered[s / 2]
    });

    let Some(variance) = sample_variance(&totals) else {
        return stats;
    };
    let sd = variance.sqrt();
    stats.sd = Some(sd);

    // Moodle computes skewness, kurtosis and the CIC only when s > 2 and
    // k2 != 0.
    if s <= 2 || variance == 0.0 {
        return stats;
    }
    let sf = s as f64;
    let power_sum = |r: i32| totals.iter().map(|t| (t - t_mean).powi(r)).sum::<f64>();
    let m2 = power_sum(2) / sf;
    let m3 = power_sum(3) / sf;
    let m4 = power_sum(4) / sf;
    // k2 = s·m2/(s-1) is the sample variance already computed.
    let k2 = variance;
    let k3 = sf * sf * m3 / ((sf - 1.0) * (sf - 2.0));
    stats.skewness = Some(k3 / k2.powf(1.5));
    if s > 3 {
        let k4 = sf * sf * ((sf + 1.0) * m4 - 3.0 * (sf - 1.0) * m2 * m2)
            / ((sf - 1.0) * (sf - 2.0) * (sf - 3.0));
        stats.kurtosis = Some(k4 / (k2 * k2));
    }

    let p = questions.len();
    if p > 1 {
        let sum_item_variance: f64 = (0..p)
            .map(|i| sample_variance(&question_marks(i, attempts).0).unwrap_or(0.0))
            .sum();
        let pf = p as f64;
        let alpha = pf / (pf - 1.0) * (1.0 - sum_item_variance / k2);
        stats.cronbach_alpha = Some(alpha);
        if alpha <= 1.0 {
            let error_ratio = (1.0 - alpha).sqrt();
            stats.error_ratio = Some(error_ratio);
            stats.standard_error = Some(error_ratio * sd);
        }
    }
    stats
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPS: f64 = 1e-9;

    fn close(actual: Option<f64>, expected: f64) {
        let a = actual.unwrap_or_else(|| panic!("expected Some({expected}), got None"));
        assert!(
            (a - expected).abs() < EPS,
            "expected {expected}, got {a} (diff {})",
            (a - expected).abs()
        );
    }

    /// Builds attempts whose total is the sum of the marks present.
    fn attempts(rows: &[&[Option<f64>]]) -> Vec<AttemptScores> {
        rows.iter()
            .enumerate()
            .map(|(i, marks)| AttemptScores {
                attempt_id: i as i64 + 1,
                marks: marks.to_vec(),
                total: marks.iter().flatten().sum(),
            })
            .collect()
    }

    fn questions(max_marks: &[f64]) -> Vec<QuestionInfo> {
        max_marks
            .iter()
            .map(|&max_mark| QuestionInfo { max_mark })
            .collect()
    }

    // Hand-computed example: 5 attempts, 3 questions.
    //
    //            Q1 (max 1)  Q2 (max 1)  Q3 (max 2)  total
    //   A1            1           1           2         4
    //   A2            1           0           2         3
    //   A3            1           1           1         3
    //   A4            0           1           0         1
    //   A5            0           0           0         0
    //
    // Q1: x = [1,1,1,0,0], x̄ = 3/5 = 0.6, facility = 0.6/1 = 0.6
    //     x - x̄ = [.4,.4,.4,-.6,-.6], Σ(x-x̄)² = 3(.16) + 2(.36) = 1.2
    //     V(x) = 1.2/4 = 0.3, SD = √0.3 (max mark 1, so fraction = √0.3)
    //     rest y = total - x = [3,2,2,1,0], ȳ = 8/5 = 1.6
    //     y - ȳ = [1.4,.4,.4,-.6,-1.6], Σ(y-ȳ)² = 1.96+.16+.16+.36+2.56 = 5.2
    //     Σ(x-x̄)(y-ȳ) = .56+.16+.16+.36+.96 = 2.2
    //     DI = 2.2/√(1.2·5.2) = 2.2/√6.24   (the 1/(n-1) factors cancel)
    //     sorted x dev [-.6,-.6,.4,.4,.4], sorted y [0,1,2,2,3] dev
    //     [-1.6,-.6,.4,.4,1.4]: Σ = .96+.36+.16+.16+.56 = 2.2, DE = 2.2/2.2 = 1
    //
    // Q2: x = [1,0,1,1,0], x̄ = 0.6, facility 0.6, Σ(x-x̄)² = 1.2, V = 0.3,
    //     SD = √0.3
    //     rest y = [3,3,2,0,0], ȳ = 1.6, y - ȳ = [1.4,1.4,.4,-1.6,-1.6]
    //     Σ(y-ȳ)² = 1.96+1.96+.16+2.56+2.56 = 9.2
    //     Σ(x-x̄)(y-ȳ) = .4(1.4) - .6(1.4) + .4(.4) + .4(-1.6) - .6(-1.6)
    //                 = .56 - .84 + .16 - .64 + .96 = 0.2
    //     DI = 0.2/√(1.2·9.2) = 0.2/√11.04 ≈ 0.0602 → "weak discrimination"
    //     sorted y [0,0,2,3,3] dev [-1.6,-1.6,.4,1.4,1.4] against sorted x dev
    //     [-.6,-.6,.4,.4,.4]: Σ = .96+.96+.16+.56+.56 = 3.2, DE = .2/3.2 = 0.0625
    //
    // Q3: x = [2,2,1,0,0], x̄ = 1, facility = 1/2 = 0.5
    //     x - x̄ = [1,1,0,-1,-1], Σ(x-x̄)² = 4, V = 4/4 = 1, SD = 1/2 = 0.5
    //     rest y = [2,1,2,1,0], ȳ = 6/5 = 1.2, y - ȳ = [.8,-.2,.8,-.2,-1.2]
    //     Σ(y-ȳ)² = .64+.04+.64+.04+1.44 = 2.8
    //     Σ(x-x̄)(y-ȳ) = .8 - .2 + 0 + .2 + 1.2 = 2.0
    //     DI = 2/√(4·2.8) = 2/√11.2 ≈ 0.5976
    //     sorted y [0,1,1,2,2] dev [-1.2,-.2,-.2,.8,.8] against sorted x dev
    //     [-1,-1,0,1,1]: Σ = 1.2+.2+0+.8+.8 = 3, DE = 2/3
    //
    // Test: totals T = [4,3,3,1,0], s = 5, T̄ = 11/5 = 2.2
    //     sorted [0,1,3,3,4] → median 3
    //     T - T̄ = [1.8,.8,.8,-1.2,-2.2]
    //     Σd² = 3.24+.64+.64+1.44+4.84 = 10.8, k2 = 10.8/4 = 2.7, SD = √2.7
    //     Σd³ = 5.832+.512+.512-1.728-10.648 = -5.52, m3 = -1.104
    //     k3 = 25(-1.104)/(4·3) = -2.3, skewness = -2.3/2.7^1.5
    //     Σd⁴ = 10.4976+.4096+.4096+2.0736+23.4256 = 36.816, m4 = 7.3632,
    //     m2 = 10.8/5 = 2.16, m2² = 4.6656
    //     k4 = 25(6·7.3632 - 3·4·4.6656)/(4·3·2) = 25(44.1792-55.9872)/24
    //        = 25(-11.808)/24 = -12.3, kurtosis = -12.3/2.7² = -12.3/7.29
    //     Cronbach: p = 3, ΣV(x_q) = 0.3 + 0.3 + 1 = 1.6
    //     alpha = 3/2 · (1 - 1.6/2.7) = 1.5 · 1.1/2.7 = 11/18 ≈ 0.6111
    //     error ratio = √(1 - 11/18) = √(7/18)
    //     standard error = √(7/18)·√2.7 = √1.05
    fn worked_example() -> (Vec<QuestionInfo>, Vec<AttemptScores>) {
        let q = questions(&[1.0, 1.0, 2.0]);
        let a = attempts(&[
            &[Some(1.0), Some(1.0), Some(2.0)],
            &[Some(1.0), Some(0.0), Some(2.0)],
            &[Some(1.0), Some(1.0), Some(1.0)],
            &[Some(0.0), Some(1.0), Some(0.0)],
            &[Some(0.0), Some(0.0), Some(0.0)],
        ]);
        (q, a)
    }

    #[test]
    fn worked_example_item_stats() {
        let (q, a) = worked_example();
        let stats = analyse(&q, &a);
        assert_eq!(stats.len(), 3);

        let q1 = &stats[0];
        assert_eq!(q1.n, 5);
        close(q1.facility, 0.6);
        close(q1.sd, 0.3_f64.sqrt());
        close(q1.discrimination_index, 2.2 / 6.24_f64.sqrt());
        close(q1.discriminative_efficiency, 1.0);
        assert_eq!(q1.flag, None);

        let q2 = &stats[1];
        assert_eq!(q2.n, 5);
        close(q2.facility, 0.6);
        close(q2.sd, 0.3_f64.sqrt());
        close(q2.discrimination_index, 0.2 / 11.04_f64.sqrt());
        close(q2.discriminative_efficiency, 0.0625);
        assert_eq!(q2.flag, Some(FLAG_WEAK_DISCRIMINATION));

        let q3 = &stats[2];
        assert_eq!(q3.n, 5);
        close(q3.facility, 0.5);
        close(q3.sd, 0.5);
        close(q3.discrimination_index, 2.0 / 11.2_f64.sqrt());
        close(q3.discriminative_efficiency, 2.0 / 3.0);
        assert_eq!(q3.flag, None);
    }

    #[test]
    fn worked_example_test_stats() {
        let (q, a) = worked_example();
        let t = test_stats(&q, &a);
        assert_eq!(t.n, 5);
        close(t.mean, 2.2);
        close(t.median, 3.0);
        close(t.sd, 2.7_f64.sqrt());
        close(t.skewness, -2.3 / 2.7_f64.powf(1.5));
        close(t.kurtosis, -12.3 / 7.29);
        close(t.cronbach_alpha, 11.0 / 18.0);
        close(t.error_ratio, (7.0_f64 / 18.0).sqrt());
        close(t.standard_error, 1.05_f64.sqrt());
    }

    #[test]
    fn one_attempt() {
        let q = questions(&[1.0, 2.0]);
        let a = attempts(&[&[Some(1.0), Some(0.5)]]);
        let stats = analyse(&q, &a);
        assert_eq!(stats[0].n, 1);
        close(stats[0].facility, 1.0);
        close(stats[1].facility, 0.25);
        for s in &stats {
            assert_eq!(s.sd, None);
            assert_eq!(s.discrimination_index, None);
            assert_eq!(s.discriminative_efficiency, None);
            assert_eq!(s.flag, None);
        }
        let t = test_stats(&q, &a);
        assert_eq!(t.n, 1);
        close(t.mean, 1.5);
        close(t.median, 1.5);
        assert_eq!(t.sd, None);
        assert_eq!(t.skewness, None);
        assert_eq!(t.kurtosis, None);
        assert_eq!(t.cronbach_alpha, None);
        assert_eq!(t.error_ratio, None);
        assert_eq!(t.standard_error, None);
    }

    #[test]
    fn no_attempts() {
        let q = questions(&[1.0]);
        let stats = analyse(&q, &[]);
        assert_eq!(stats[0].n, 0);
        assert_eq!(stats[0].facility, None);
        assert_eq!(stats[0].sd, None);
        let t = test_stats(&q, &[]);
        assert_eq!(t.mean, None);
        assert_eq!(t.median, None);
    }

    #[test]
    fn all_same_marks_gives_none_not_nan() {
        // Every attempt gets 0.1 on Q1 (a value that is not exact in binary),
        // and Q2 varies. Q1 has zero variance: SD 0, no DI, no DE.
        let q = questions(&[1.0, 1.0]);
        let a = attempts(&[
            &[Some(0.1), Some(1.0)],
            &[Some(0.1), Some(0.0)],
            &[Some(0.1), Some(1.0)],
            &[Some(0.1), Some(0.0)],
        ]);
        let stats = analyse(&q, &a);
        close(stats[0].facility, 0.1);
        close(stats[0].sd, 0.0);
        assert_eq!(stats[0].discrimination_index, None);
        assert_eq!(stats[0].discriminative_efficiency, None);
        // Q2's rest of test is Q1, which is constant: no DI either, even though
        // total - mark is computed in floating point.
        assert_eq!(stats[1].discrimination_index, None);
        assert_eq!(stats[1].discriminative_efficiency, None);

        // All totals equal: SD 0, higher moments and alpha undefined.
        let b = attempts(&[
            &[Some(1.0), Some(0.0)],
            &[Some(0.0), Some(1.0)],
            &[Some(1.0), Some(0.0)],
            &[Some(0.0), Some(1.0)],
        ]);
        let t = test_stats(&q, &b);
        close(t.mean, 1.0);
        close(t.sd, 0.0);
        assert_eq!(t.skewness, None);
        assert_eq!(t.kurtosis, None);
        assert_eq!(t.cronbach_alpha, None);
        assert_eq!(t.standard_error, None);
        for s in analyse(&q, &b) {
            for v in [
                s.facility,
                s.sd,
                s.discrimination_index,
                s.discriminative_efficiency,
            ]
            .into_iter()
            .flatten()
            {
                assert!(v.is_finite());
            }
        }
    }

    #[test]
    fn unanswered_questions_are_left_out() {
        // Q2 is missing from A3 and A5 (not part of those attempts).
        //   Q1: [1,1,0,0,1]            Q2: [1,0,-,1,-]    totals [2,1,0,1,1]
        // Q2 over A1, A2, A4: x = [1,0,1], n = 3, x̄ = 2/3, facility 2/3
        //   x - x̄ = [1/3,-2/3,1/3], Σ² = 1/9+4/9+1/9 = 2/3, V = 1/3, SD = √(1/3)
        //   rest y = [1,1,0], ȳ = 2/3, y - ȳ = [1/3,1/3,-2/3], Σ² = 2/3
        //   Σ(x-x̄)(y-ȳ) = 1/9 - 2/9 - 2/9 = -1/3
        //   DI = (-1/3)/√(2/3 · 2/3) = (-1/3)/(2/3) = -0.5
        //   sorted x dev [-2/3,1/3,1/3] × sorted y dev [-2/3,1/3,1/3]
        //   = 4/9+1/9+1/9 = 2/3, DE = (-1/3)/(2/3) = -0.5
        let q = questions(&[1.0, 1.0]);
        let a = attempts(&[
            &[Some(1.0), Some(1.0)],
            &[Some(1.0), Some(0.0)],
            &[Some(0.0), None],
            &[Some(0.0), Some(1.0)],
            &[Some(1.0), None],
        ]);
        let stats = analyse(&q, &a);
        assert_eq!(stats[0].n, 5);
        close(stats[0].facility, 0.6);
        let q2 = &stats[1];
        assert_eq!(q2.n, 3);
        close(q2.facility, 2.0 / 3.0);
        close(q2.sd, (1.0_f64 / 3.0).sqrt());
        close(q2.discrimination_index, -0.5);
        close(q2.discriminative_efficiency, -0.5);
        assert_eq!(q2.flag, Some(FLAG_NEGATIVE_DISCRIMINATION));

        // A shorter marks vector counts as None for the missing questions.
        let short = vec![AttemptScores {
            attempt_id: 9,
            marks: vec![Some(1.0)],
            total: 1.0,
        }];
        assert_eq!(analyse(&q, &short)[1].n, 0);
    }

    #[test]
    fn question_everyone_gets_right() {
        let q = questions(&[1.0, 2.0]);
        let a = attempts(&[
            &[Some(1.0), Some(2.0)],
            &[Some(1.0), Some(1.0)],
            &[Some(1.0), Some(0.0)],
        ]);
        let s = &analyse(&q, &a)[0];
        assert_eq!(s.n, 3);
        close(s.facility, 1.0);
        close(s.sd, 0.0);
        assert_eq!(s.discrimination_index, None);
        assert_eq!(s.discriminative_efficiency, None);
        assert_eq!(s.flag, Some(FLAG_TOO_EASY));
    }

    #[test]
    fn question_everyone_gets_wrong_is_too_hard() {
        let q = questions(&[1.0, 1.0]);
        let a = attempts(&[
            &[Some(0.0), Some(1.0)],
            &[Some(0.0), Some(0.0)],
            &[Some(0.0), Some(1.0)],
        ]);
        let s = &analyse(&q, &a)[0];
        close(s.facility, 0.0);
        assert_eq!(s.flag, Some(FLAG_TOO_HARD));
    }

    #[test]
    fn right_only_for_low_scorers_is_negative_discrimination() {
        // Q4 is answered correctly only by the two weakest attempts.
        //        Q1 Q2 Q3 Q4  rest of test for Q4
        //   A      1  1  1  0   3
        //   B      1  1  0  0   2
        //   C      1  0  0  1   1
        //   D      0  0  0  1   0
        // x = [0,0,1,1], x̄ = .5, dev [-.5,-.5,.5,.5], Σ² = 1
        // y = [3,2,1,0], ȳ = 1.5, dev [1.5,.5,-.5,-1.5], Σ² = 5
        // Σ(x-x̄)(y-ȳ) = -.75 - .25 - .25 - .75 = -2, DI = -2/√5
        // Sorted pairs: Σ = .75+.25+.25+.75 = 2, DE = -1
        let q = questions(&[1.0, 1.0, 1.0, 1.0]);
        let a = attempts(&[
            &[Some(1.0), Some(1.0), Some(1.0), Some(0.0)],
            &[Some(1.0), Some(1.0), Some(0.0), Some(0.0)],
            &[Some(1.0), Some(0.0), Some(0.0), Some(1.0)],
            &[Some(0.0), Some(0.0), Some(0.0), Some(1.0)],
        ]);
        let s = &analyse(&q, &a)[3];
        close(s.facility, 0.5);
        close(s.discrimination_index, -2.0 / 5.0_f64.sqrt());
        close(s.discriminative_efficiency, -1.0);
        assert_eq!(s.flag, Some(FLAG_NEGATIVE_DISCRIMINATION));
    }

    #[test]
    fn median_of_even_count_is_mean_of_middle_two() {
        let q = questions(&[5.0]);
        let a = attempts(&[&[Some(4.0)], &[Some(1.0)], &[Some(3.0)], &[Some(2.0)]]);
        close(test_stats(&q, &a).median, 2.5);
        // One question: no Cronbach's alpha (p must be at least 2).
        assert_eq!(test_stats(&q, &a).cronbach_alpha, None);
    }

    #[test]
    fn response_frequencies_counts_and_fractions() {
        let r: Vec<Option<String>> = ["B", "A", "B", "C", "B"]
            .iter()
            .map(|s| Some(s.to_string()))
            .chain([None, Some("A".to_string()), None])
            .collect();
        let f = response_frequencies(&r);
        assert_eq!(
            f,
            vec![
                ("B".to_string(), 3, 3.0 / 8.0),
                ("A".to_string(), 2, 2.0 / 8.0),
                ("C".to_string(), 1, 1.0 / 8.0),
                (NO_RESPONSE.to_string(), 2, 2.0 / 8.0),
            ]
        );
        let total: f64 = f.iter().map(|row| row.2).sum();
        assert!((total - 1.0).abs() < EPS);
        assert!(response_frequencies(&[]).is_empty());
    }

    #[test]
    fn choice_frequencies_counts_each_picked_choice() {
        let v = |xs: &[&str]| Some(xs.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let r = vec![
            v(&["A", "C"]),
            v(&["A"]),
            v(&["C", "C"]),
            Some(vec![]),
            None,
        ];
        let f = choice_frequencies(&r);
        assert_eq!(
            f,
            vec![
                ("A".to_string(), 2, 0.4),
                ("C".to_string(), 2, 0.4),
                (NO_RESPONSE.to_string(), 2, 0.4),
            ]
        );
    }
}
