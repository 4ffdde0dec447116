//! How a question of an attempt is shown: the inputs with the trainee's saved answer, and — when
//! the quiz's review setting allows — the mark, the feedback the answer triggered and the right
//! answer. Plain data for the templates, built and tested without HTTP.

use super::attempts::{self, Slot};
use super::gift::{Question, QuestionKind};
use super::scoring::{self, Response};
use super::settings::choice_order;
use super::text_html;

pub struct ChoiceView {
    /// The answer's stored position (the form value), whatever order it is shown in.
    pub index: usize,
    pub html: String,
    pub selected: bool,
    pub correct: bool,
}

pub struct MatchItem {
    pub field: String,
    pub html: String,
    pub selected: String,
}

pub enum Inputs {
    Choices {
        multiple: bool,
        choices: Vec<ChoiceView>,
    },
    TrueFalse {
        value: Option<bool>,
    },
    Text {
        value: String,
        numeric: bool,
    },
    Essay {
        value: String,
    },
    Match {
        items: Vec<MatchItem>,
        options: Vec<String>,
    },
    Classify(ClassifyView),
    None,
}

/// The intents and emotions a classify question offers: (slug, name in the reader's language), in
/// taxonomy order.
#[derive(Clone, Debug, Default)]
pub struct LabelChoices {
    pub intents: Vec<(String, String)>,
    pub emotions: Vec<(String, String)>,
}

impl LabelChoices {
    pub fn from_taxonomy(
        taxonomy: &crate::lab::cache::Taxonomy,
        locale: &crate::web::i18n::Locale,
    ) -> LabelChoices {
        let pairs = |labels: &[crate::taxonomy::Label]| {
            labels
                .iter()
                .map(|l| (l.key.clone(), l.name(locale).to_string()))
                .collect()
        };
        LabelChoices {
            intents: pairs(&taxonomy.intents),
            emotions: pairs(&taxonomy.emotions),
        }
    }

    /// The name of an intent, or its slug when the taxonomy no longer has it.
    pub fn intent_name<'a>(&'a self, slug: &'a str) -> &'a str {
        name_in(&self.intents, slug)
    }

    pub fn emotion_name<'a>(&'a self, slug: &'a str) -> &'a str {
        name_in(&self.emotions, slug)
    }
}

fn name_in<'a>(pairs: &'a [(String, String)], slug: &'a str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == slug)
        .map_or(slug, |(_, name)| name.as_str())
}

/// A classify question as shown: the conversation, and the two pickers with what was picked.
pub struct ClassifyView {
    pub lang: String,
    pub platform: String,
    /// Earlier turns, oldest first: (from the seller, text).
    pub turns: Vec<(bool, String)>,
    pub message: String,
    pub intent_field: String,
    pub emotion_field: String,
    pub intent: String,
    pub emotion: String,
    pub intents: Vec<(String, String)>,
    pub emotions: Vec<(String, String)>,
    /// Whether each pick was right, once the review shows it.
    pub intent_right: bool,
    pub emotion_right: bool,
}

/// Correct, partly correct, incorrect, not answered, or waiting for a human (Moodle's states).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Correct,
    Partial,
    Incorrect,
    Unanswered,
    Pending,
    Info,
}

impl Outcome {
    pub fn class(self) -> &'static str {
        match self {
            Outcome::Correct => "correct",
            Outcome::Partial => "partial",
            Outcome::Incorrect => "incorrect",
            Outcome::Unanswered => "unanswered",
            Outcome::Pending => "pending",
            Outcome::Info => "info",
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Outcome::Correct => "quiz.outcome_correct",
            Outcome::Partial => "quiz.outcome_partial",
            Outcome::Incorrect => "quiz.outcome_incorrect",
            Outcome::Unanswered => "quiz.outcome_unanswered",
            Outcome::Pending => "quiz.outcome_pending",
            Outcome::Info => "quiz.outcome_info",
        }
    }
}

pub fn outcome(slot: &Slot) -> Outcome {
    if matches!(slot.question.kind, QuestionKind::Description) {
        return Outcome::Info;
    }
    if slot.response.is_none() {
        return Outcome::Unanswered;
    }
    match slot.effective_fraction() {
        None => Outcome::Pending,
        Some(f) if f >= 1.0 - 1e-9 => Outcome::Correct,
        Some(f) if f > 1e-9 => Outcome::Partial,
        Some(_) => Outcome::Incorrect,
    }
}

pub struct QuestionView {
    pub slot: i64,
    pub number: usize,
    pub field: String,
    pub text_html: String,
    pub inputs: Inputs,
    /// Inputs are shown but cannot change (submitted, or checked with immediate feedback).
    pub locked: bool,
    /// Marks, feedback and right answer are shown.
    pub reveal: bool,
    pub outcome: Outcome,
    pub mark: Option<f64>,
    pub max_mark: f64,
    pub feedback: Vec<String>,
    pub general_feedback: String,
    pub right_answer: String,
    pub grader_comment: String,
    pub is_description: bool,
}

impl QuestionView {
    pub fn mark_text(&self) -> String {
        match self.mark {
            Some(m) => format!("{} / {}", fmt_mark(m), fmt_mark(self.max_mark)),
            None => format!("– / {}", fmt_mark(self.max_mark)),
        }
    }
}

/// A mark as Moodle prints it: up to two decimals, no trailing zeros.
pub fn fmt_mark(m: impl std::borrow::Borrow<f64>) -> String {
    let s = format!("{:.2}", m.borrow());
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The right answer in words, as Moodle's "The correct answer is: …".
pub fn right_answer(q: &Question, labels: &LabelChoices) -> String {
    let f = q.format;
    let plain = |t: &str| super::text_html(t, f);
    match &q.kind {
        QuestionKind::Multichoice { answers, .. } => answers
            .iter()
            .filter(|a| a.fraction > 0.0)
            .map(|a| strip_p(&plain(&a.text)))
            .collect::<Vec<_>>()
            .join(", "),
        QuestionKind::Truefalse { correct, .. } => {
            if *correct { "True" } else { "False" }.to_string()
        }
        QuestionKind::Shortanswer { answers } => answers
            .iter()
            .filter(|a| a.fraction >= 1.0)
            .map(|a| strip_p(&plain(&a.text)))
            .next()
            .unwrap_or_default(),
        QuestionKind::Numerical { answers } => answers
            .iter()
            .find(|a| a.fraction >= 1.0)
            .map(|a| {
                if a.tolerance > 0.0 {
                    format!("{} ± {}", a.text, a.tolerance)
                } else {
                    a.text.clone()
                }
            })
            .unwrap_or_default(),
        QuestionKind::Match { pairs } => pairs
            .iter()
            .filter(|p| !p.question.is_empty())
            .map(|p| format!("{} → {}", strip_p(&plain(&p.question)), p.answer))
            .collect::<Vec<_>>()
            .join("<br>"),
        QuestionKind::Classify(task) => format!(
            "{} · {}",
            html_escape(labels.intent_name(&task.intent)),
            html_escape(labels.emotion_name(&task.emotion))
        ),
        QuestionKind::Essay | QuestionKind::Description => String::new(),
    }
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Inline HTML from a rendered paragraph (`<p>x</p>` → `x`), for lists and selects.
pub fn strip_p(html: &str) -> String {
    html.trim()
        .strip_prefix("<p>")
        .and_then(|s| s.strip_suffix("</p>"))
        .unwrap_or(html)
        .to_string()
}

fn inputs(slot: &Slot, shuffle: bool, seed: i64, labels: &LabelChoices) -> Inputs {
    let q = &slot.question;
    let r = slot.response.as_ref();
    match &q.kind {
        QuestionKind::Multichoice { answers, single } => {
            let picked: Vec<usize> = match r {
                Some(Response::Choices { picked }) => picked.clone(),
                _ => Vec::new(),
            };
            let order = choice_order(answers.len(), shuffle, seed as u64, slot.question_id);
            Inputs::Choices {
                multiple: !single,
                choices: order
                    .into_iter()
                    .map(|i| ChoiceView {
                        index: i,
                        html: strip_p(&text_html(&answers[i].text, q.format)),
                        selected: picked.contains(&i),
                        correct: answers[i].fraction > 0.0,
                    })
                    .collect(),
            }
        }
        QuestionKind::Truefalse { .. } => Inputs::TrueFalse {
            value: match r {
                Some(Response::Truth { value }) => Some(*value),
                _ => None,
            },
        },
        QuestionKind::Shortanswer { .. } | QuestionKind::Numerical { .. } => Inputs::Text {
            value: text_of(r),
            numeric: matches!(q.kind, QuestionKind::Numerical { .. }),
        },
        QuestionKind::Essay => Inputs::Essay { value: text_of(r) },
        QuestionKind::Match { pairs } => {
            let chosen: Vec<Option<String>> = match r {
                Some(Response::Matches { chosen }) => chosen.clone(),
                _ => Vec::new(),
            };
            Inputs::Match {
                items: pairs
                    .iter()
                    .filter(|p| !p.question.is_empty())
                    .enumerate()
                    .map(|(i, p)| MatchItem {
                        field: format!("{}_{i}", attempts::field(slot.slot)),
                        html: strip_p(&text_html(&p.question, q.format)),
                        selected: chosen.get(i).cloned().flatten().unwrap_or_default(),
                    })
                    .collect(),
                options: attempts::match_options(q),
            }
        }
        QuestionKind::Classify(task) => {
            let (intent, emotion) = match r {
                Some(Response::Labels { intent, emotion }) => (intent.clone(), emotion.clone()),
                _ => (String::new(), String::new()),
            };
            let field = attempts::field(slot.slot);
            Inputs::Classify(ClassifyView {
                lang: task.lang.clone(),
                platform: task.platform.clone(),
                turns: task
                    .turns
                    .iter()
                    .map(|t| (t.from == "seller", t.text.clone()))
                    .collect(),
                message: task.message.clone(),
                intent_field: format!("{field}_intent"),
                emotion_field: format!("{field}_emotion"),
                intent_right: !intent.is_empty() && intent == task.intent,
                emotion_right: !emotion.is_empty() && emotion == task.emotion,
                intent,
                emotion,
                intents: labels.intents.clone(),
                emotions: labels.emotions.clone(),
            })
        }
        QuestionKind::Description => Inputs::None,
    }
}

fn text_of(r: Option<&Response>) -> String {
    match r {
        Some(Response::Text { value }) => value.clone(),
        _ => String::new(),
    }
}

/// The view of each slot. `finished`: the attempt is submitted; `review_allowed`: the quiz's
/// review setting lets the trainee see marks and feedback now (checked slots always show theirs
/// when the quiz gives immediate feedback).
pub fn questions(
    slots: &[Slot],
    finished: bool,
    review_allowed: bool,
    shuffle_choices: bool,
    seed: i64,
    labels: &LabelChoices,
) -> Vec<QuestionView> {
    let mut number = 0;
    slots
        .iter()
        .map(|slot| {
            let q = &slot.question;
            let is_description = matches!(q.kind, QuestionKind::Description);
            if !is_description {
                number += 1;
            }
            let reveal = review_allowed && (finished || slot.checked);
            let feedback = match (&slot.response, reveal) {
                (Some(r), true) => scoring::score(q, r, false)
                    .feedback
                    .iter()
                    .map(|f| text_html(f, q.format))
                    .collect(),
                _ => Vec::new(),
            };
            QuestionView {
                slot: slot.slot,
                number,
                field: attempts::field(slot.slot),
                text_html: text_html(&q.text, q.format),
                inputs: inputs(slot, shuffle_choices, seed, labels),
                locked: finished || slot.checked,
                reveal,
                outcome: outcome(slot),
                mark: slot.mark(),
                max_mark: slot.max_mark,
                feedback,
                general_feedback: if reveal && !q.general_feedback.trim().is_empty() {
                    text_html(&q.general_feedback, q.format)
                } else {
                    String::new()
                },
                right_answer: if reveal {
                    right_answer(q, labels)
                } else {
                    String::new()
                },
                grader_comment: if reveal {
                    slot.grader_comment.clone()
                } else {
                    String::new()
                },
                is_description,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quizzes::gift;

    fn slot(gift_text: &str, response: Option<Response>, checked: bool) -> Slot {
        let question = match gift::parse(gift_text).unwrap().remove(0) {
            gift::Item::Question(q) => q,
            other => panic!("{other:?}"),
        };
        let fraction = attempts::auto_fraction(&question, response.as_ref());
        Slot {
            slot: 1,
            question_id: 7,
            question_version: 1,
            max_mark: attempts::max_mark_of(&question),
            question,
            response,
            saved_at: None,
            checked,
            fraction,
            manual_fraction: None,
            grader_comment: String::new(),
        }
    }

    #[test]
    fn nothing_is_revealed_before_the_review_allows_it() {
        let s = slot(
            "Pick {=right#Yes, well read. ~wrong#No: read the last line.}",
            Some(Response::Choices { picked: vec![1] }),
            false,
        );
        let during = questions(
            std::slice::from_ref(&s),
            false,
            true,
            false,
            1,
            &LabelChoices::default(),
        );
        assert!(!during[0].reveal && during[0].feedback.is_empty() && !during[0].locked);
        let after_but_hidden = questions(
            std::slice::from_ref(&s),
            true,
            false,
            false,
            1,
            &LabelChoices::default(),
        );
        assert!(after_but_hidden[0].locked && !after_but_hidden[0].reveal);
        assert!(after_but_hidden[0].right_answer.is_empty());
        let review = questions(
            std::slice::from_ref(&s),
            true,
            true,
            false,
            1,
            &LabelChoices::default(),
        );
        assert_eq!(review[0].outcome, Outcome::Incorrect);
        assert!(review[0].feedback[0].contains("read the last line"));
        assert!(review[0].right_answer.contains("right"));
        assert_eq!(review[0].mark_text(), "0 / 1");
    }

    #[test]
    fn checked_questions_show_feedback_during_the_attempt() {
        let s = slot(
            "Sky {T#Good.#It is blue.}",
            Some(Response::Truth { value: true }),
            true,
        );
        let v = questions(&[s], false, true, false, 1, &LabelChoices::default());
        assert!(v[0].locked && v[0].reveal);
        assert_eq!(v[0].outcome, Outcome::Correct);
    }

    #[test]
    fn descriptions_are_not_numbered_and_choices_keep_their_stored_index() {
        let intro = slot("Read the case below.", None, false);
        let mut q = slot(
            "Pick {=a ~b ~c ~d}",
            Some(Response::Choices { picked: vec![2] }),
            false,
        );
        q.slot = 2;
        let v = questions(
            &[intro, q],
            false,
            false,
            true,
            99,
            &LabelChoices::default(),
        );
        assert!(v[0].is_description);
        assert_eq!(v[1].number, 1);
        let Inputs::Choices { choices, multiple } = &v[1].inputs else {
            panic!("choices expected");
        };
        assert!(!multiple);
        let selected: Vec<usize> = choices
            .iter()
            .filter(|c| c.selected)
            .map(|c| c.index)
            .collect();
        assert_eq!(selected, vec![2]);
        assert_eq!(fmt_mark(0.5), "0.5");
        assert_eq!(fmt_mark(2.0), "2");
    }
}
