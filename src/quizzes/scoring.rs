//! Scoring one response to one question, as Moodle scores its question types. Pure functions: the
//! attempt code stores responses and calls these; a regrade after a question fix calls them again.
//!
//! Marks are fractions of the question's mark, in [0, 1]:
//! - multiple choice, one answer: the fraction of the chosen answer, never below 0;
//! - multiple response: the fractions of every chosen answer added up (wrong picks carry negative
//!   fractions, so guessing everything costs marks), then kept within [0, 1];
//! - true/false: 1 or 0;
//! - short answer: the best fraction among the accepted answers that match, compared without
//!   regard to case unless asked, with runs of spaces as one and `*` matching any text (Moodle's
//!   wildcard);
//! - numerical: the best fraction among the answers within their tolerance (`*` accepts any
//!   number); a decimal comma is accepted;
//! - matching: the share of items matched right;
//! - classify this message: half for the intent, half for the emotion (each compared with the
//!   reference slug);
//! - essay: none until an instructor grades it; description: not scored.

use super::gift::{Question, QuestionKind};

/// What a trainee gave. Indices refer to the question's answers (or pairs) in stored order.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Response {
    Choices {
        picked: Vec<usize>,
    },
    Truth {
        value: bool,
    },
    Text {
        value: String,
    },
    /// For each matching item (in pair order, extra answers excluded), the chosen answer text.
    Matches {
        chosen: Vec<Option<String>>,
    },
    /// A classify question's picks (taxonomy slugs; empty when not picked).
    Labels {
        intent: String,
        emotion: String,
    },
}

/// The result of scoring: the fraction earned (None: needs a human, or nothing to score) and the
/// feedback texts the response triggered, in question order.
#[derive(Clone, Debug, PartialEq)]
pub struct Scored {
    pub fraction: Option<f64>,
    pub feedback: Vec<String>,
}

impl Scored {
    fn of(fraction: f64, feedback: Vec<String>) -> Scored {
        Scored {
            fraction: Some(fraction.clamp(0.0, 1.0)),
            feedback: feedback.into_iter().filter(|f| !f.is_empty()).collect(),
        }
    }

    fn unscored() -> Scored {
        Scored {
            fraction: None,
            feedback: Vec::new(),
        }
    }
}

/// Runs of whitespace as one space, trimmed; case folded unless `case_sensitive`.
fn normalise(text: &str, case_sensitive: bool) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if case_sensitive {
        joined
    } else {
        joined.to_lowercase()
    }
}

/// Moodle's short-answer match: `*` in the accepted answer matches any run of characters; the
/// rest must match whole (escaped `\*` is a literal star).
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let mut parts: Vec<String> = vec![String::new()];
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'*') => {
                chars.next();
                if let Some(last) = parts.last_mut() {
                    last.push('*');
                }
            }
            '*' => parts.push(String::new()),
            _ => {
                if let Some(last) = parts.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    if parts.len() == 1 {
        return parts[0] == text;
    }
    let (first, last) = (&parts[0], &parts[parts.len() - 1]);
    if !text.starts_with(first.as_str()) || text.len() < first.len() + last.len() {
        return false;
    }
    if !text.ends_with(last.as_str()) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle.as_str()) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

/// A number as people type it: `1822`, ` 3.14 `, `3,14`.
fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim().replace(' ', "");
    let t = if t.contains(',') && !t.contains('.') {
        t.replace(',', ".")
    } else {
        t
    };
    t.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// Scores `response` to `question`. A response of the wrong shape scores 0 (a tampered form
/// cannot earn marks); `case_sensitive` applies to short answers.
pub fn score(question: &Question, response: &Response, case_sensitive: bool) -> Scored {
    match (&question.kind, response) {
        (QuestionKind::Multichoice { answers, single }, Response::Choices { picked }) => {
            let mut picked: Vec<usize> = picked
                .iter()
                .copied()
                .filter(|i| *i < answers.len())
                .collect();
            picked.sort_unstable();
            picked.dedup();
            if *single && picked.len() > 1 {
                return Scored::of(0.0, Vec::new());
            }
            let total: f64 = picked.iter().map(|i| answers[*i].fraction).sum();
            let feedback = picked
                .iter()
                .map(|i| answers[*i].feedback.clone())
                .collect();
            Scored::of(total, feedback)
        }
        (
            QuestionKind::Truefalse {
                correct,
                feedback_true,
                feedback_false,
            },
            Response::Truth { value },
        ) => {
            let feedback = if *value {
                feedback_true
            } else {
                feedback_false
            };
            Scored::of(
                if value == correct { 1.0 } else { 0.0 },
                vec![feedback.clone()],
            )
        }
        (QuestionKind::Shortanswer { answers }, Response::Text { value }) => {
            let given = normalise(value, case_sensitive);
            let best = answers
                .iter()
                .filter(|a| wildcard_match(&normalise(&a.text, case_sensitive), &given))
                .max_by(|a, b| a.fraction.total_cmp(&b.fraction));
            match best {
                Some(a) if !given.is_empty() => Scored::of(a.fraction, vec![a.feedback.clone()]),
                _ => Scored::of(0.0, Vec::new()),
            }
        }
        (QuestionKind::Numerical { answers }, Response::Text { value }) => {
            let Some(x) = parse_number(value) else {
                return Scored::of(0.0, Vec::new());
            };
            let best = answers
                .iter()
                .filter(|a| {
                    a.text.trim() == "*"
                        || parse_number(&a.text)
                            .is_some_and(|target| (x - target).abs() <= a.tolerance + 1e-12)
                })
                .max_by(|a, b| a.fraction.total_cmp(&b.fraction));
            match best {
                Some(a) => Scored::of(a.fraction, vec![a.feedback.clone()]),
                None => Scored::of(0.0, Vec::new()),
            }
        }
        (QuestionKind::Match { pairs }, Response::Matches { chosen }) => {
            let items: Vec<&str> = pairs
                .iter()
                .filter(|p| !p.question.is_empty())
                .map(|p| p.answer.as_str())
                .collect();
            if items.is_empty() {
                return Scored::of(0.0, Vec::new());
            }
            let right = items
                .iter()
                .enumerate()
                .filter(|(i, answer)| chosen.get(*i).and_then(|c| c.as_deref()) == Some(**answer))
                .count();
            Scored::of(right as f64 / items.len() as f64, Vec::new())
        }
        (QuestionKind::Classify(task), Response::Labels { intent, emotion }) => {
            let right = |given: &str, reference: &str| !given.is_empty() && given == reference;
            let fields = [right(intent, &task.intent), right(emotion, &task.emotion)];
            let share = fields.iter().filter(|r| **r).count() as f64 / fields.len() as f64;
            Scored::of(share, Vec::new())
        }
        (QuestionKind::Essay, _) | (QuestionKind::Description, _) => Scored::unscored(),
        _ => Scored::of(0.0, Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quizzes::gift::{self, Item};

    fn question(gift_text: &str) -> Question {
        match gift::parse(gift_text).unwrap().into_iter().next().unwrap() {
            Item::Question(q) => q,
            Item::Category { .. } => panic!("not a question"),
        }
    }

    fn fraction(q: &Question, r: Response) -> Option<f64> {
        score(q, &r, false).fraction
    }

    #[test]
    fn single_choice_scores_the_chosen_answer_and_its_feedback() {
        let q = question(
            "Where? {~Jerusalem#Wrong city. ~%50%Galilee#Be more specific. =Nazareth#Yes!}",
        );
        let s = score(&q, &Response::Choices { picked: vec![1] }, false);
        assert_eq!(s.fraction, Some(0.5));
        assert_eq!(s.feedback, vec!["Be more specific.".to_string()]);
        assert_eq!(
            fraction(&q, Response::Choices { picked: vec![2] }),
            Some(1.0)
        );
        // Two picks on a one-answer question, or an index that does not exist: nothing earned.
        assert_eq!(
            fraction(&q, Response::Choices { picked: vec![1, 2] }),
            Some(0.0)
        );
        assert_eq!(
            fraction(&q, Response::Choices { picked: vec![9] }),
            Some(0.0)
        );
    }

    #[test]
    fn multiple_response_adds_partial_credit_penalises_wrong_picks_and_floors_at_zero() {
        let q = question(
            "Who is entombed? {~%-100%No one ~%50%Grant ~%50%Grant's wife ~%-100%Grant's father}",
        );
        assert_eq!(
            fraction(&q, Response::Choices { picked: vec![1, 2] }),
            Some(1.0)
        );
        assert_eq!(
            fraction(&q, Response::Choices { picked: vec![1] }),
            Some(0.5)
        );
        // Everything ticked: 0.5 + 0.5 - 1 - 1 = -1, floored at 0.
        assert_eq!(
            fraction(
                &q,
                Response::Choices {
                    picked: vec![0, 1, 2, 3]
                }
            ),
            Some(0.0)
        );
        // A repeated index counts once.
        assert_eq!(
            fraction(
                &q,
                Response::Choices {
                    picked: vec![1, 1, 1]
                }
            ),
            Some(0.5)
        );
    }

    #[test]
    fn true_false_gives_the_feedback_of_the_answer_given() {
        let q = question("Grant is buried there.{F#No one is buried there.#Right.}");
        let s = score(&q, &Response::Truth { value: true }, false);
        assert_eq!(s.fraction, Some(0.0));
        assert_eq!(s.feedback, vec!["No one is buried there.".to_string()]);
        assert_eq!(fraction(&q, Response::Truth { value: false }), Some(1.0));
    }

    #[test]
    fn short_answers_ignore_case_and_spacing_unless_asked_and_honour_wildcards() {
        let q = question("Intent? {=where is my order =%50%wismo =*tracking*#Close.}");
        let typed = |v: &str| Response::Text { value: v.into() };
        assert_eq!(fraction(&q, typed("  Where   IS my Order ")), Some(1.0));
        assert_eq!(fraction(&q, typed("WISMO")), Some(0.5));
        assert_eq!(fraction(&q, typed("it is about tracking info")), Some(1.0));
        assert_eq!(fraction(&q, typed("refund")), Some(0.0));
        assert_eq!(fraction(&q, typed("")), Some(0.0));
        assert_eq!(score(&q, &typed("WISMO"), true).fraction, Some(0.0));
        assert!(wildcard_match("a\\*b", "a*b") && !wildcard_match("a\\*b", "axb"));
        assert!(wildcard_match("*", "anything") && wildcard_match("ab*", "ab"));
        assert!(!wildcard_match("ab*ba", "aba"));
    }

    #[test]
    fn numbers_match_within_tolerance_ranges_and_the_catch_all() {
        let q = question("Born? {#=1822:0#Correct! =%50%1822:2#Close. ~#Check a biography.}");
        let typed = |v: &str| Response::Text { value: v.into() };
        let s = score(&q, &typed("1822"), false);
        assert_eq!(
            (s.fraction, s.feedback[0].as_str()),
            (Some(1.0), "Correct!")
        );
        assert_eq!(fraction(&q, typed("1824")), Some(0.5));
        let s = score(&q, &typed("1900"), false);
        assert_eq!(
            (s.fraction, s.feedback[0].as_str()),
            (Some(0.0), "Check a biography.")
        );
        assert_eq!(fraction(&q, typed("eighteen")), Some(0.0));
        let range = question("From 1 to 5? {#1..5}");
        assert_eq!(fraction(&range, typed("4,5")), Some(1.0));
        assert_eq!(fraction(&range, typed("5.01")), Some(0.0));
        assert_eq!(fraction(&range, typed("1")), Some(1.0));
    }

    #[test]
    fn matching_scores_the_share_of_items_matched_right() {
        let q = question(
            "Match. { =Where is my parcel? -> where_is_my_order =It arrived broken -> damaged_defective =Too small -> size_fit }",
        );
        let chosen = |v: [&str; 3]| Response::Matches {
            chosen: v.iter().map(|s| Some(s.to_string())).collect(),
        };
        assert_eq!(
            fraction(
                &q,
                chosen(["where_is_my_order", "damaged_defective", "size_fit"])
            ),
            Some(1.0)
        );
        let two_of_three = fraction(&q, chosen(["where_is_my_order", "size_fit", "size_fit"]));
        assert!((two_of_three.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(
            fraction(&q, Response::Matches { chosen: vec![] }),
            Some(0.0)
        );
    }

    #[test]
    fn essays_wait_for_a_human_and_wrong_shapes_earn_nothing() {
        let essay = question("Write a reply. {}");
        assert_eq!(
            fraction(
                &essay,
                Response::Text {
                    value: "Dear buyer".into()
                }
            ),
            None
        );
        let tf = question("Sky is blue.{T}");
        assert_eq!(
            fraction(
                &tf,
                Response::Text {
                    value: "true".into()
                }
            ),
            Some(0.0)
        );
    }
}
