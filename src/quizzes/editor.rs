//! The question editor: a browser form for every question type, read into a [`Question`] and
//! checked as Moodle's editing form checks it. Pure functions; `bank.rs` has the handlers.
//!
//! A question saved here must also survive GIFT: it is written as GIFT and read back, and saved
//! only when that gives the same question, so export and import keep working for everything an
//! instructor can write.

use super::gift::{
    self, Answer, ClassifyTask, Item, NumericalAnswer, Pair, Question, QuestionKind, TextFormat,
    Turn,
};
use crate::web::FormFields;

/// The types the editor writes, in the order the "new question" menu lists them.
pub const TYPES: [&str; 8] = [
    "multichoice",
    "truefalse",
    "shortanswer",
    "numerical",
    "match",
    "essay",
    "description",
    "classify",
];

/// At most this many answer rows or pairs are read from a form (Moodle adds blanks three at a time).
const MAX_ROWS: usize = 40;
/// Blank rows offered after the filled ones.
const BLANK_ROWS: usize = 3;

/// One answer row of the form, as typed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AnswerRow {
    pub text: String,
    /// The fraction as a number string ("1", "0.5", "-0.3333333").
    pub grade: String,
    pub feedback: String,
    pub tolerance: String,
}

/// What the editor form shows and posts, field by field (strings as typed, so a rejected form
/// comes back as it was sent).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EditorForm {
    pub qtype: String,
    pub category: String,
    pub name: String,
    pub format: String,
    pub text: String,
    pub general_feedback: String,
    pub default_mark: String,
    /// Comma-separated.
    pub tags: String,
    pub single: bool,
    pub rows: Vec<AnswerRow>,
    pub pairs: Vec<(String, String)>,
    pub correct_true: bool,
    pub feedback_true: String,
    pub feedback_false: String,
    pub lang: String,
    pub platform: String,
    /// One earlier turn per line: `buyer: …` or `seller: …`.
    pub turns: String,
    pub message: String,
    pub intent: String,
    pub emotion: String,
}

/// Why a question cannot be saved; each names its message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EditorError {
    UnknownType,
    NoCategory,
    NoName,
    NoText,
    BadMark,
    BadGrade,
    TooFewAnswers,
    NoFullMarks,
    MultipleNotHundred,
    BadNumber,
    BadTurn,
    ClassifyIncomplete,
    UnknownLabel,
    NotGift,
}

impl EditorError {
    pub fn message_key(&self) -> &'static str {
        match self {
            EditorError::UnknownType => "editor.err_type",
            EditorError::NoCategory => "editor.err_category",
            EditorError::NoName => "editor.err_name",
            EditorError::NoText => "editor.err_text",
            EditorError::BadMark => "editor.err_mark",
            EditorError::BadGrade => "editor.err_grade",
            EditorError::TooFewAnswers => "editor.err_few_answers",
            EditorError::NoFullMarks => "editor.err_full_marks",
            EditorError::MultipleNotHundred => "editor.err_hundred",
            EditorError::BadNumber => "editor.err_number",
            EditorError::BadTurn => "editor.err_turn",
            EditorError::ClassifyIncomplete => "editor.err_classify",
            EditorError::UnknownLabel => "editor.err_label",
            EditorError::NotGift => "editor.err_gift",
        }
    }
}

/// The grades an answer can carry: Moodle's list, and for multiple-response answers the same
/// negated (a wrong pick costs marks).
pub fn grade_options(negative: bool) -> Vec<(String, String)> {
    let mut options: Vec<f64> = gift::GRADES.to_vec();
    if negative {
        options.extend(gift::GRADES.iter().rev().filter(|g| **g > 0.0).map(|g| -g));
    }
    options
        .into_iter()
        .map(|g| (grade_value(g), grade_label(g)))
        .collect()
}

fn grade_value(fraction: f64) -> String {
    format!("{fraction}")
}

fn grade_label(fraction: f64) -> String {
    let p = format!("{:.5}", fraction * 100.0);
    format!("{}%", p.trim_end_matches('0').trim_end_matches('.'))
}

fn fmt_number(x: f64) -> String {
    format!("{x}")
}

impl EditorForm {
    /// An empty form for a new question of `qtype` in `category`.
    pub fn blank(qtype: &str, category: &str) -> EditorForm {
        let mut form = EditorForm {
            qtype: qtype.to_string(),
            category: category.to_string(),
            format: "markdown".into(),
            default_mark: "1".into(),
            single: true,
            correct_true: true,
            ..EditorForm::default()
        };
        if qtype == "classify" {
            form.text = "What does this buyer want, and how do they feel?".into();
        }
        form.pad();
        form
    }

    /// The form for an existing question.
    pub fn of(category: &str, q: &Question) -> EditorForm {
        let mut form = EditorForm {
            qtype: q.kind.type_name().to_string(),
            category: category.to_string(),
            name: q.name.clone(),
            format: q.format.as_str().to_string(),
            text: q.text.clone(),
            general_feedback: q.general_feedback.clone(),
            default_mark: fmt_number(q.default_mark.unwrap_or(1.0)),
            tags: q.tags.join(", "),
            single: true,
            correct_true: true,
            ..EditorForm::default()
        };
        match &q.kind {
            QuestionKind::Multichoice { answers, single } => {
                form.single = *single;
                form.rows = answers.iter().map(row_of).collect();
            }
            QuestionKind::Shortanswer { answers } => {
                form.rows = answers.iter().map(row_of).collect()
            }
            QuestionKind::Numerical { answers } => {
                form.rows = answers
                    .iter()
                    .map(|a| AnswerRow {
                        text: a.text.clone(),
                        grade: grade_value(a.fraction),
                        feedback: a.feedback.clone(),
                        tolerance: fmt_number(a.tolerance),
                    })
                    .collect()
            }
            QuestionKind::Truefalse {
                correct,
                feedback_true,
                feedback_false,
            } => {
                form.correct_true = *correct;
                form.feedback_true = feedback_true.clone();
                form.feedback_false = feedback_false.clone();
            }
            QuestionKind::Match { pairs } => {
                form.pairs = pairs
                    .iter()
                    .map(|p| (p.question.clone(), p.answer.clone()))
                    .collect()
            }
            QuestionKind::Classify(task) => {
                form.lang = task.lang.clone();
                form.platform = task.platform.clone();
                form.turns = task
                    .turns
                    .iter()
                    .map(|t| format!("{}: {}", t.from, t.text))
                    .collect::<Vec<_>>()
                    .join("\n");
                form.message = task.message.clone();
                form.intent = task.intent.clone();
                form.emotion = task.emotion.clone();
            }
            QuestionKind::Essay | QuestionKind::Description => {}
        }
        form.pad();
        form
    }

    /// The form as posted.
    pub fn from_fields(f: &FormFields) -> EditorForm {
        let text = |name: &str| f.get(name).replace("\r\n", "\n");
        let rows = (0..MAX_ROWS)
            .filter(|i| f.opt(&format!("a{i}_text")).is_some())
            .map(|i| AnswerRow {
                text: text(&format!("a{i}_text")),
                grade: text(&format!("a{i}_grade")),
                feedback: text(&format!("a{i}_feedback")),
                tolerance: text(&format!("a{i}_tolerance")),
            })
            .collect();
        let pairs = (0..MAX_ROWS)
            .filter(|i| f.opt(&format!("p{i}_question")).is_some())
            .map(|i| {
                (
                    text(&format!("p{i}_question")),
                    text(&format!("p{i}_answer")),
                )
            })
            .collect();
        let mut form = EditorForm {
            qtype: text("qtype"),
            category: text("category"),
            name: text("name"),
            format: text("format"),
            text: text("text"),
            general_feedback: text("general_feedback"),
            default_mark: text("default_mark"),
            tags: text("tags"),
            single: f.get("single") == "1",
            rows,
            pairs,
            correct_true: f.get("correct") != "false",
            feedback_true: text("feedback_true"),
            feedback_false: text("feedback_false"),
            lang: text("lang"),
            platform: text("platform"),
            turns: text("turns"),
            message: text("message"),
            intent: text("intent"),
            emotion: text("emotion"),
        };
        form.pad();
        form
    }

    /// Blank rows after the filled ones, so there is room to add answers.
    fn pad(&mut self) {
        let filled = |r: &AnswerRow| !r.text.trim().is_empty() || !r.feedback.trim().is_empty();
        while self.rows.last().is_some_and(|r| !filled(r)) {
            self.rows.pop();
        }
        let want = (self.rows.len() + BLANK_ROWS).clamp(4, MAX_ROWS);
        self.rows.resize(
            want,
            AnswerRow {
                grade: "0".into(),
                ..AnswerRow::default()
            },
        );
        while self
            .pairs
            .last()
            .is_some_and(|(q, a)| q.trim().is_empty() && a.trim().is_empty())
        {
            self.pairs.pop();
        }
        let want = (self.pairs.len() + BLANK_ROWS).clamp(4, MAX_ROWS);
        self.pairs.resize(want, (String::new(), String::new()));
    }

    pub fn tag_list(&self) -> Vec<String> {
        let mut tags: Vec<String> = Vec::new();
        for tag in self.tags.split([',', '，']) {
            let tag = tag.trim().to_lowercase();
            if !tag.is_empty() && !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        tags
    }

    /// The question the form describes, checked. `known_label` says whether an intent or emotion
    /// slug is in the taxonomy (classify questions).
    pub fn to_question(
        &self,
        known_label: impl Fn(crate::taxonomy::LabelKind, &str) -> bool,
    ) -> Result<Question, EditorError> {
        if self.category.trim().trim_matches('/').is_empty()
            || self.category.chars().any(char::is_control)
        {
            return Err(EditorError::NoCategory);
        }
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 255 || name.contains('\n') {
            return Err(EditorError::NoName);
        }
        let text = self.text.trim();
        if text.is_empty() {
            return Err(EditorError::NoText);
        }
        let format = match self.format.as_str() {
            "moodle" => TextFormat::Moodle,
            "html" => TextFormat::Html,
            "plain" => TextFormat::Plain,
            _ => TextFormat::Markdown,
        };
        let default_mark = match self.default_mark.trim() {
            "" | "1" => None,
            m => match m.replace(',', ".").parse::<f64>() {
                Ok(m) if m.is_finite() && m > 0.0 && m <= 100.0 => Some(m),
                _ => return Err(EditorError::BadMark),
            },
        };
        let kind = self.kind(&known_label)?;
        let question = Question {
            name: name.to_string(),
            text: text.to_string(),
            format,
            general_feedback: self.general_feedback.trim().to_string(),
            tags: self.tag_list(),
            default_mark: if matches!(kind, QuestionKind::Description) {
                None
            } else {
                default_mark
            },
            kind,
        };
        // What the editor saves, GIFT must carry: write it and read it back.
        let written = gift::to_gift(&[Item::Question(question.clone())]);
        match gift::parse(&written) {
            Ok(items) if items == [Item::Question(question.clone())] => Ok(question),
            _ => Err(EditorError::NotGift),
        }
    }

    fn answers(&self, negative_allowed: bool) -> Result<Vec<Answer>, EditorError> {
        let allowed = grade_options(negative_allowed);
        self.rows
            .iter()
            .filter(|r| !r.text.trim().is_empty())
            .map(|r| {
                let grade = r.grade.trim();
                if !allowed.iter().any(|(v, _)| v == grade) {
                    return Err(EditorError::BadGrade);
                }
                Ok(Answer {
                    text: r.text.trim().to_string(),
                    fraction: grade.parse().map_err(|_| EditorError::BadGrade)?,
                    feedback: r.feedback.trim().to_string(),
                })
            })
            .collect()
    }

    fn kind(
        &self,
        known_label: &impl Fn(crate::taxonomy::LabelKind, &str) -> bool,
    ) -> Result<QuestionKind, EditorError> {
        let full = |answers: &[Answer]| answers.iter().any(|a| (a.fraction - 1.0).abs() < 1e-9);
        Ok(match self.qtype.as_str() {
            "multichoice" => {
                let answers = self.answers(true)?;
                if answers.len() < 2 {
                    return Err(EditorError::TooFewAnswers);
                }
                if self.single && !full(&answers) {
                    return Err(EditorError::NoFullMarks);
                }
                if !self.single {
                    let positive: f64 = answers.iter().map(|a| a.fraction.max(0.0)).sum();
                    if (positive - 1.0).abs() > 0.01 {
                        return Err(EditorError::MultipleNotHundred);
                    }
                }
                QuestionKind::Multichoice {
                    answers,
                    single: self.single,
                }
            }
            "shortanswer" => {
                let answers = self.answers(false)?;
                if answers.is_empty() {
                    return Err(EditorError::TooFewAnswers);
                }
                if !full(&answers) {
                    return Err(EditorError::NoFullMarks);
                }
                QuestionKind::Shortanswer { answers }
            }
            "numerical" => {
                let answers: Vec<NumericalAnswer> = self
                    .answers(false)?
                    .into_iter()
                    .zip(self.rows.iter().filter(|r| !r.text.trim().is_empty()))
                    .map(|(a, row)| {
                        let number = |s: &str| s.trim().replace(',', ".").parse::<f64>().ok();
                        let text = a.text.trim();
                        if text != "*" && !number(text).is_some_and(f64::is_finite) {
                            return Err(EditorError::BadNumber);
                        }
                        let tolerance = match row.tolerance.trim() {
                            "" => 0.0,
                            t => number(t)
                                .filter(|t| t.is_finite() && *t >= 0.0)
                                .ok_or(EditorError::BadNumber)?,
                        };
                        Ok(NumericalAnswer {
                            text: if text == "*" {
                                "*".into()
                            } else {
                                text.replace(',', ".")
                            },
                            fraction: a.fraction,
                            feedback: a.feedback,
                            tolerance,
                        })
                    })
                    .collect::<Result<_, _>>()?;
                if answers.is_empty() {
                    return Err(EditorError::TooFewAnswers);
                }
                if !answers.iter().any(|a| (a.fraction - 1.0).abs() < 1e-9) {
                    return Err(EditorError::NoFullMarks);
                }
                QuestionKind::Numerical { answers }
            }
            "truefalse" => QuestionKind::Truefalse {
                correct: self.correct_true,
                feedback_true: self.feedback_true.trim().to_string(),
                feedback_false: self.feedback_false.trim().to_string(),
            },
            "match" => {
                let pairs: Vec<Pair> = self
                    .pairs
                    .iter()
                    .filter(|(_, a)| !a.trim().is_empty())
                    .map(|(q, a)| Pair {
                        question: q.trim().to_string(),
                        answer: a.trim().to_string(),
                    })
                    .collect();
                if pairs.iter().filter(|p| !p.question.is_empty()).count() < 2 {
                    return Err(EditorError::TooFewAnswers);
                }
                QuestionKind::Match { pairs }
            }
            "essay" => QuestionKind::Essay,
            "description" => QuestionKind::Description,
            "classify" => {
                let mut turns = Vec::new();
                for line in self.turns.lines().map(str::trim).filter(|l| !l.is_empty()) {
                    let (from, said) = line.split_once(':').ok_or(EditorError::BadTurn)?;
                    let from = from.trim().to_lowercase();
                    if (from != "buyer" && from != "seller") || said.trim().is_empty() {
                        return Err(EditorError::BadTurn);
                    }
                    turns.push(Turn {
                        from,
                        text: said.trim().to_string(),
                    });
                }
                let task = ClassifyTask {
                    message: self.message.trim().to_string(),
                    lang: self.lang.trim().to_string(),
                    platform: self.platform.trim().to_string(),
                    turns,
                    intent: self.intent.trim().to_string(),
                    emotion: self.emotion.trim().to_string(),
                };
                if task.problem().is_some() {
                    return Err(EditorError::ClassifyIncomplete);
                }
                if !known_label(crate::taxonomy::LabelKind::Intent, &task.intent)
                    || !known_label(crate::taxonomy::LabelKind::Emotion, &task.emotion)
                {
                    return Err(EditorError::UnknownLabel);
                }
                QuestionKind::Classify(Box::new(task))
            }
            _ => return Err(EditorError::UnknownType),
        })
    }
}

fn row_of(a: &Answer) -> AnswerRow {
    AnswerRow {
        text: a.text.clone(),
        grade: grade_value(a.fraction),
        feedback: a.feedback.clone(),
        tolerance: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn any_label(_: crate::taxonomy::LabelKind, _: &str) -> bool {
        true
    }

    fn fields(pairs: &[(&str, &str)]) -> EditorForm {
        EditorForm::from_fields(&FormFields::from_pairs(pairs))
    }

    #[test]
    fn every_imported_type_comes_back_from_its_own_form() {
        let source = "$CATEGORY: top/x\n\n\
            // [tag:intent:return_refund] [tag:difficulty:easy] [mark:2]\n\
            ::mc::[markdown]Pick **one** {=right#yes ~%-50%wrong#no ~other}\n\n\
            ::multi::Pick two {~%50%a ~%50%b ~%-100%c}\n\n\
            ::tf::Sky is blue {T#wrong, it is#right}\n\n\
            ::sa::Say hi {=hi =%50%hello#close}\n\n\
            ::num::Pi? {#=3.14:0.01#good =%50%3:0.5}\n\n\
            ::match::Pairs {=a -> 1 =b -> 2 = -> 3}\n\n\
            ::essay::Write {####Guide}\n\n\
            ::desc::Just text\n\n\
            // classify: {\"message\":\"¿Dónde está mi pedido?\",\"lang\":\"es\",\"platform\":\"amazon\",\"turns\":[{\"from\":\"buyer\",\"text\":\"Hola\"},{\"from\":\"seller\",\"text\":\"Hola, ¿en qué le ayudo?\"}],\"intent\":\"where_is_my_order\",\"emotion\":\"anxious\",\"general_feedback\":\"Tracking question.\"}\n\
            ::cls::What does this buyer want?\n";
        let items = gift::parse(source).expect("parses");
        let questions: Vec<&Question> = items
            .iter()
            .filter_map(|i| match i {
                Item::Question(q) => Some(q),
                _ => None,
            })
            .collect();
        assert_eq!(questions.len(), 9);
        for q in questions {
            let form = EditorForm::of("top/x", q);
            assert_eq!(form.to_question(any_label).as_ref(), Ok(q), "{}", q.name);
        }
    }

    #[test]
    fn a_posted_multiple_choice_form_becomes_a_question() {
        let form = fields(&[
            ("qtype", "multichoice"),
            ("category", "top/returns"),
            ("name", "Refund window"),
            ("format", "markdown"),
            (
                "text",
                "How long has an Amazon buyer to return?\r\nPick one.",
            ),
            ("default_mark", "2"),
            ("tags", "platform:amazon, Difficulty:easy, platform:amazon"),
            ("single", "1"),
            ("a0_text", "30 days"),
            ("a0_grade", "1"),
            ("a0_feedback", "Right"),
            ("a1_text", "7 days"),
            ("a1_grade", "0"),
            ("a1_feedback", ""),
            ("a2_text", ""),
            ("a2_grade", "0"),
        ]);
        let q = form.to_question(any_label).expect("valid");
        assert_eq!(q.text, "How long has an Amazon buyer to return?\nPick one.");
        assert_eq!(q.tags, vec!["platform:amazon", "difficulty:easy"]);
        assert_eq!(q.default_mark, Some(2.0));
        let QuestionKind::Multichoice { answers, single } = &q.kind else {
            panic!("{:?}", q.kind)
        };
        assert!(*single);
        assert_eq!(answers.len(), 2);
        assert_eq!(answers[0].feedback, "Right");
    }

    #[test]
    fn the_form_refuses_what_moodle_refuses() {
        let base = |extra: &[(&'static str, &'static str)]| {
            let mut pairs = vec![
                ("category", "top/x"),
                ("name", "Q"),
                ("text", "Text"),
                ("default_mark", "1"),
            ];
            pairs.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
            pairs.extend_from_slice(extra);
            fields(&pairs).to_question(any_label)
        };
        let mc_single_no_full = base(&[
            ("qtype", "multichoice"),
            ("single", "1"),
            ("a0_text", "a"),
            ("a0_grade", "0.5"),
            ("a1_text", "b"),
            ("a1_grade", "0"),
        ]);
        assert_eq!(mc_single_no_full, Err(EditorError::NoFullMarks));
        let multi_not_hundred = base(&[
            ("qtype", "multichoice"),
            ("a0_text", "a"),
            ("a0_grade", "0.5"),
            ("a1_text", "b"),
            ("a1_grade", "0.25"),
        ]);
        assert_eq!(multi_not_hundred, Err(EditorError::MultipleNotHundred));
        let tampered_grade = base(&[
            ("qtype", "shortanswer"),
            ("a0_text", "a"),
            ("a0_grade", "0.42"),
        ]);
        assert_eq!(tampered_grade, Err(EditorError::BadGrade));
        let not_a_number = base(&[
            ("qtype", "numerical"),
            ("a0_text", "three"),
            ("a0_grade", "1"),
        ]);
        assert_eq!(not_a_number, Err(EditorError::BadNumber));
        let one_pair = base(&[("qtype", "match"), ("p0_question", "a"), ("p0_answer", "1")]);
        assert_eq!(one_pair, Err(EditorError::TooFewAnswers));
        assert_eq!(base(&[("qtype", "poll")]), Err(EditorError::UnknownType));
        assert_eq!(
            base(&[("qtype", "essay"), ("default_mark", "-1")]),
            Err(EditorError::BadMark)
        );
        let bad_turn = base(&[
            ("qtype", "classify"),
            ("turns", "agent: hello"),
            ("message", "Where is it?"),
            ("intent", "where_is_my_order"),
            ("emotion", "anxious"),
        ]);
        assert_eq!(bad_turn, Err(EditorError::BadTurn));
        let unknown = fields(&[
            ("qtype", "classify"),
            ("category", "top/x"),
            ("name", "Q"),
            ("text", "Text"),
            ("message", "Where is it?"),
            ("intent", "made_up"),
            ("emotion", "anxious"),
        ])
        .to_question(|kind, slug| {
            kind == crate::taxonomy::LabelKind::Emotion || slug == "where_is_my_order"
        });
        assert_eq!(unknown, Err(EditorError::UnknownLabel));
    }

    #[test]
    fn blank_rows_follow_the_filled_ones() {
        let form = fields(&[
            ("qtype", "multichoice"),
            ("a0_text", "a"),
            ("a0_grade", "1"),
        ]);
        assert_eq!(form.rows.len(), 4);
        assert_eq!(form.rows[0].text, "a");
        let q = gift::parse("::q::x {=a ~b ~c ~d ~e}").expect("parses");
        let Item::Question(q) = &q[0] else { panic!() };
        assert_eq!(EditorForm::of("top", q).rows.len(), 8);
    }
}
