//! Quiz settings and the rules they imply, as plain functions: which questions an attempt gets
//! (fixed or drawn at random per category, stratified), when an attempt is due, how several
//! attempts combine into one grade, and when feedback may be shown.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

/// How the grades of several attempts make the quiz grade (Moodle's "grading method").
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GradingMethod {
    Highest,
    Average,
    First,
    Last,
}

impl GradingMethod {
    pub const ALL: [GradingMethod; 4] = [
        GradingMethod::Highest,
        GradingMethod::Average,
        GradingMethod::First,
        GradingMethod::Last,
    ];

    pub fn key(self) -> &'static str {
        match self {
            GradingMethod::Highest => "highest",
            GradingMethod::Average => "average",
            GradingMethod::First => "first",
            GradingMethod::Last => "last",
        }
    }

    pub fn parse(key: &str) -> Option<GradingMethod> {
        Self::ALL.into_iter().find(|m| m.key() == key)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            GradingMethod::Highest => "quiz.grading_highest",
            GradingMethod::Average => "quiz.grading_average",
            GradingMethod::First => "quiz.grading_first",
            GradingMethod::Last => "quiz.grading_last",
        }
    }

    /// The quiz grade from the grades of finished attempts, oldest first; None without any.
    pub fn combine(self, grades: &[f64]) -> Option<f64> {
        match self {
            GradingMethod::Highest => grades.iter().copied().reduce(f64::max),
            GradingMethod::Average => {
                (!grades.is_empty()).then(|| grades.iter().sum::<f64>() / grades.len() as f64)
            }
            GradingMethod::First => grades.first().copied(),
            GradingMethod::Last => grades.last().copied(),
        }
    }
}

/// When a trainee may see feedback and the right answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewTiming {
    /// After each answer, during the attempt.
    Immediately,
    /// Once the attempt is submitted.
    AfterSubmission,
    /// Once the quiz has closed for everyone (exams: no answers leak while others still sit it).
    AfterClose,
}

impl ReviewTiming {
    pub const ALL: [ReviewTiming; 3] = [
        ReviewTiming::Immediately,
        ReviewTiming::AfterSubmission,
        ReviewTiming::AfterClose,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ReviewTiming::Immediately => "immediately",
            ReviewTiming::AfterSubmission => "after_submission",
            ReviewTiming::AfterClose => "after_close",
        }
    }

    pub fn parse(key: &str) -> Option<ReviewTiming> {
        Self::ALL.into_iter().find(|m| m.key() == key)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            ReviewTiming::Immediately => "quiz.review_immediately",
            ReviewTiming::AfterSubmission => "quiz.review_after_submission",
            ReviewTiming::AfterClose => "quiz.review_after_close",
        }
    }

    /// May feedback be shown now, for an attempt that is `submitted` or not, in a quiz closing at
    /// `close_at` (None: never closes)?
    pub fn allows(self, submitted: bool, now: i64, close_at: Option<i64>) -> bool {
        match self {
            ReviewTiming::Immediately => true,
            ReviewTiming::AfterSubmission => submitted,
            ReviewTiming::AfterClose => submitted && close_at.is_some_and(|c| now >= c),
        }
    }
}

/// When an attempt started at `started_at` must be submitted: the time limit or the quiz's close,
/// whichever comes first. None: no deadline.
pub fn deadline(started_at: i64, time_limit_ms: Option<i64>, close_at: Option<i64>) -> Option<i64> {
    let by_limit = time_limit_ms.map(|l| started_at + l);
    match (by_limit, close_at) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// A rule of a random quiz: `count` questions from `category` and the categories below it that
/// carry `tag` (either may be empty: any category, any tag). "2 per intent" is one rule per
/// intent tag or intent category.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DrawRule {
    #[serde(default)]
    pub category: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tag: String,
    pub count: usize,
}

impl DrawRule {
    /// The rule as instructors read it: `category`, `category #tag` or `#tag`.
    pub fn describe(&self) -> String {
        match (self.category.is_empty(), self.tag.is_empty()) {
            (false, true) => self.category.clone(),
            (false, false) => format!("{} #{}", self.category, self.tag),
            (true, false) => format!("#{}", self.tag),
            (true, true) => "*".into(),
        }
    }

    fn admits(&self, candidate: &Candidate) -> bool {
        (self.category.is_empty() || in_category(&candidate.category, &self.category))
            && (self.tag.is_empty() || candidate.tags.contains(&self.tag))
    }
}

/// A question a rule may draw.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub id: i64,
    pub category: String,
    pub tags: Vec<String>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum DrawError {
    #[error("{rule} has {available} unused question(s), the quiz asks for {wanted}")]
    NotEnough {
        rule: String,
        available: usize,
        wanted: usize,
    },
}

fn in_category(path: &str, category: &str) -> bool {
    let category = category.trim_matches('/');
    path == category
        || path
            .strip_prefix(category)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Draws the questions of one attempt from the candidate questions (descriptions excluded by the
/// caller). Each rule draws distinct questions not drawn by an earlier rule, so "2 per intent"
/// stays stratified; `seed` makes the draw reproducible (the attempt stores it). With `shuffle`,
/// the drawn questions are shuffled; otherwise they keep rule order.
pub fn draw(
    bank: &[Candidate],
    rules: &[DrawRule],
    shuffle: bool,
    seed: u64,
) -> Result<Vec<i64>, DrawError> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut chosen: Vec<i64> = Vec::new();
    for rule in rules {
        let mut pool: Vec<i64> = bank
            .iter()
            .filter(|c| rule.admits(c) && !chosen.contains(&c.id))
            .map(|c| c.id)
            .collect();
        if pool.len() < rule.count {
            return Err(DrawError::NotEnough {
                rule: rule.describe(),
                available: pool.len(),
                wanted: rule.count,
            });
        }
        pool.sort_unstable();
        pool.shuffle(&mut rng);
        chosen.extend(pool.into_iter().take(rule.count));
    }
    if shuffle {
        chosen.shuffle(&mut rng);
    }
    Ok(chosen)
}

/// The order in which an attempt shows the choices of a question: shuffled per attempt and
/// question (stable for the attempt, so a resumed attempt looks the same).
pub fn choice_order(n: usize, shuffle: bool, seed: u64, question_id: i64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    if shuffle {
        let mut rng =
            StdRng::seed_from_u64(seed ^ (question_id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        order.shuffle(&mut rng);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bank() -> Vec<Candidate> {
        let mut bank = Vec::new();
        for (i, cat) in [
            "exam/intent/returns",
            "exam/intent/delivery",
            "exam/emotion",
        ]
        .iter()
        .enumerate()
        {
            for j in 0..4 {
                bank.push(Candidate {
                    id: (i * 10 + j) as i64,
                    category: cat.to_string(),
                    // Every other question is hard.
                    tags: if j % 2 == 0 {
                        vec!["difficulty:hard".into()]
                    } else {
                        Vec::new()
                    },
                });
            }
        }
        bank.push(Candidate {
            id: 99,
            category: "exam/intentional".to_string(),
            tags: vec!["difficulty:hard".into()],
        });
        bank
    }

    fn rule(category: &str, count: usize) -> DrawRule {
        DrawRule {
            category: category.into(),
            tag: String::new(),
            count,
        }
    }

    fn tagged(category: &str, tag: &str, count: usize) -> DrawRule {
        DrawRule {
            tag: tag.into(),
            ..rule(category, count)
        }
    }

    #[test]
    fn rules_can_draw_by_tag_within_a_category_or_across_the_bank() {
        let hard_intents = draw(
            &bank(),
            &[tagged("exam/intent", "difficulty:hard", 4)],
            false,
            5,
        )
        .unwrap();
        let mut sorted = hard_intents.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, vec![0, 2, 10, 12]);
        // Across every category: 7 hard questions (99 included).
        let everywhere = draw(&bank(), &[tagged("", "difficulty:hard", 7)], false, 5).unwrap();
        assert!(everywhere.contains(&99));
        assert_eq!(
            draw(
                &bank(),
                &[tagged("exam/emotion", "difficulty:hard", 3)],
                false,
                5
            ),
            Err(DrawError::NotEnough {
                rule: "exam/emotion #difficulty:hard".into(),
                available: 2,
                wanted: 3
            })
        );
    }

    #[test]
    fn draws_are_stratified_distinct_and_reproducible() {
        let rules = [
            rule("exam/intent/returns", 2),
            rule("exam/intent/delivery", 2),
            rule("exam/emotion", 1),
        ];
        let a = draw(&bank(), &rules, false, 7).unwrap();
        assert_eq!(a.len(), 5);
        assert!(a[..2].iter().all(|id| (0..4).contains(id)));
        assert!(a[2..4].iter().all(|id| (10..14).contains(id)));
        assert!((20..24).contains(&a[4]));
        assert_eq!(a, draw(&bank(), &rules, false, 7).unwrap());
        // Different seeds draw differently (over a few seeds at least once).
        assert!((8..20).any(|s| draw(&bank(), &rules, false, s).unwrap() != a));
        let shuffled = draw(&bank(), &rules, true, 7).unwrap();
        let mut sorted = shuffled.clone();
        sorted.sort_unstable();
        let mut expected = a.clone();
        expected.sort_unstable();
        assert_eq!(sorted, expected, "shuffling reorders the same draw");
    }

    #[test]
    fn a_parent_category_includes_its_children_but_not_lookalikes() {
        let drawn = draw(&bank(), &[rule("exam/intent", 8)], false, 1).unwrap();
        assert_eq!(drawn.len(), 8);
        assert!(
            !drawn.contains(&99),
            "exam/intentional is not under exam/intent"
        );
        // Rules never draw the same question twice.
        let drawn = draw(
            &bank(),
            &[rule("exam/intent/returns", 3), rule("exam/intent", 5)],
            false,
            3,
        )
        .unwrap();
        let mut unique = drawn.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 8);
        assert_eq!(
            draw(&bank(), &[rule("exam/intent", 9)], false, 1),
            Err(DrawError::NotEnough {
                rule: "exam/intent".into(),
                available: 8,
                wanted: 9
            })
        );
    }

    #[test]
    fn grading_methods_combine_attempts() {
        let grades = [6.0, 9.0, 7.5];
        assert_eq!(GradingMethod::Highest.combine(&grades), Some(9.0));
        assert_eq!(GradingMethod::Average.combine(&grades), Some(7.5));
        assert_eq!(GradingMethod::First.combine(&grades), Some(6.0));
        assert_eq!(GradingMethod::Last.combine(&grades), Some(7.5));
        assert_eq!(GradingMethod::Average.combine(&[]), None);
    }

    #[test]
    fn deadlines_and_review_timing() {
        assert_eq!(deadline(1000, Some(600), None), Some(1600));
        assert_eq!(deadline(1000, Some(600), Some(1200)), Some(1200));
        assert_eq!(deadline(1000, None, Some(5000)), Some(5000));
        assert_eq!(deadline(1000, None, None), None);
        assert!(ReviewTiming::Immediately.allows(false, 0, None));
        assert!(!ReviewTiming::AfterSubmission.allows(false, 0, None));
        assert!(ReviewTiming::AfterSubmission.allows(true, 0, None));
        assert!(!ReviewTiming::AfterClose.allows(true, 10, Some(20)));
        assert!(ReviewTiming::AfterClose.allows(true, 20, Some(20)));
        assert!(!ReviewTiming::AfterClose.allows(true, 20, None));
    }

    #[test]
    fn choice_order_is_a_stable_permutation() {
        let a = choice_order(5, true, 42, 7);
        assert_eq!(a, choice_order(5, true, 42, 7));
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, vec![0, 1, 2, 3, 4]);
        assert_eq!(choice_order(4, false, 42, 7), vec![0, 1, 2, 3]);
        assert!((0..20).any(|q| choice_order(5, true, 42, q) != a));
    }
}
