//! Whether a trainee meets a certification, requirement by requirement, with the figures behind each
//! verdict. Plain functions over facts gathered elsewhere (`store::facts`): no HTTP, no SQL.
//!
//! The lab requirement reads the trainee's last `window` graded answers (pending answers do not
//! count until an instructor grades them):
//! - overall: correct answers ÷ `window` must reach `accuracy`; fewer than `window` graded answers
//!   do not meet it yet (a short streak of luck is not a record);
//! - per intent: "every intent" means every reference intent that appears at least `min_items` times
//!   among those answers. Each must reach `intent_percent`. Rarer intents are listed as "too few to
//!   judge" and neither pass nor fail the requirement, so one unlucky answer on an intent seen twice
//!   cannot block a certificate.

use super::{Definition, ExamRule, LabRule};

/// One graded lab answer: the reference intent it was graded against and whether it was right.
#[derive(Clone, Debug, PartialEq)]
pub struct GradedAnswer {
    pub intent: Option<String>,
    pub correct: bool,
}

/// A required course and whether the trainee completed it (every published lesson done).
#[derive(Clone, Debug, PartialEq)]
pub struct CourseFact {
    pub id: i64,
    pub slug: String,
    pub title_en: String,
    pub title_zh: String,
    pub completed: bool,
}

/// The exam quiz as the trainee stands with it.
#[derive(Clone, Debug, PartialEq)]
pub struct ExamFact {
    pub quiz_id: i64,
    pub title: String,
    /// The quiz grade in percent (finished, fully graded attempts, by the quiz's grading method).
    pub grade: Option<f64>,
    /// The quiz's own pass mark, used when the certification sets none.
    pub quiz_pass_percent: f64,
}

/// Everything the evaluation needs to know about one trainee.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facts {
    pub courses: Vec<CourseFact>,
    /// Graded answers, newest first, at most the lab window.
    pub lab: Vec<GradedAnswer>,
    /// None when the definition names an exam quiz that no longer exists.
    pub exam: Option<ExamFact>,
}

/// One intent's figures inside the lab window.
#[derive(Clone, Debug, PartialEq)]
pub struct IntentFigure {
    pub intent: String,
    pub correct: usize,
    pub total: usize,
    /// False when the intent appeared fewer than `min_items` times: not judged.
    pub judged: bool,
    pub met: bool,
}

impl IntentFigure {
    pub fn percent(&self) -> f64 {
        ratio(self.correct, self.total)
    }
}

/// One requirement's verdict and the figures that explain it.
#[derive(Clone, Debug, PartialEq)]
pub enum Check {
    Course {
        course: CourseFact,
    },
    LabAccuracy {
        correct: usize,
        graded: usize,
        window: usize,
        needed: f64,
    },
    LabIntents {
        needed: f64,
        min_items: usize,
        intents: Vec<IntentFigure>,
        /// The window holds `window` graded answers (before that the figures are no record yet).
        window_full: bool,
    },
    Exam {
        quiz_id: i64,
        title: String,
        grade: Option<f64>,
        needed: f64,
    },
    /// The definition names an exam quiz that cannot be found: never met.
    ExamMissing,
}

impl Check {
    pub fn met(&self) -> bool {
        match self {
            Check::Course { course } => course.completed,
            Check::LabAccuracy {
                correct,
                graded,
                window,
                needed,
            } => graded >= window && reaches(*correct, *window, *needed),
            Check::LabIntents {
                intents,
                window_full,
                ..
            } => *window_full && intents.iter().all(|i| i.met),
            Check::Exam { grade, needed, .. } => grade.is_some_and(|g| g + 1e-9 >= *needed),
            Check::ExamMissing => false,
        }
    }

    /// The accuracy over the answers there are (the whole window once it is full).
    pub fn lab_percent(&self) -> f64 {
        match self {
            Check::LabAccuracy {
                correct, graded, ..
            } => ratio(*correct, *graded),
            _ => 0.0,
        }
    }

    /// The judged intents below the minimum, weakest first.
    pub fn weak_intents(&self) -> Vec<&IntentFigure> {
        let mut weak: Vec<&IntentFigure> = match self {
            Check::LabIntents { intents, .. } => intents.iter().filter(|i| !i.met).collect(),
            _ => Vec::new(),
        };
        weak.sort_by(|a, b| a.percent().total_cmp(&b.percent()));
        weak
    }
}

/// The verdict on every requirement of a certification for one trainee.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    pub checks: Vec<Check>,
}

impl Evaluation {
    /// Met only when there is at least one requirement and every one is met.
    pub fn all_met(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(Check::met)
    }

    pub fn missing(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| !c.met())
    }
}

fn ratio(correct: usize, total: usize) -> f64 {
    if total == 0 {
        0.0
    } else {
        correct as f64 * 100.0 / total as f64
    }
}

/// `correct / total >= needed %`, exactly (no rounding of the trainee's figure upwards).
fn reaches(correct: usize, total: usize, needed: f64) -> bool {
    total > 0 && correct as f64 * 100.0 + 1e-9 >= needed * total as f64
}

/// Evaluates every requirement of `definition` against a trainee's `facts`.
pub fn evaluate(definition: &Definition, facts: &Facts) -> Evaluation {
    let mut checks: Vec<Check> = definition
        .courses
        .iter()
        .map(|id| {
            let course = facts
                .courses
                .iter()
                .find(|c| c.id == *id)
                .cloned()
                .unwrap_or_else(|| CourseFact {
                    id: *id,
                    slug: String::new(),
                    title_en: format!("#{id}"),
                    title_zh: format!("#{id}"),
                    completed: false,
                });
            Check::Course { course }
        })
        .collect();
    if let Some(lab) = &definition.lab {
        checks.extend(evaluate_lab(lab, &facts.lab));
    }
    if let Some(exam) = &definition.exam {
        checks.push(evaluate_exam(exam, facts.exam.as_ref()));
    }
    Evaluation { checks }
}

/// The two lab checks: overall accuracy over the window, and the per-intent minimum.
pub fn evaluate_lab(rule: &LabRule, answers: &[GradedAnswer]) -> [Check; 2] {
    let window = rule.window as usize;
    let recent = &answers[..answers.len().min(window)];
    let correct = recent.iter().filter(|a| a.correct).count();
    let mut intents: Vec<IntentFigure> = Vec::new();
    for answer in recent {
        let Some(intent) = &answer.intent else {
            continue;
        };
        let figure = match intents.iter_mut().find(|f| &f.intent == intent) {
            Some(f) => f,
            None => {
                intents.push(IntentFigure {
                    intent: intent.clone(),
                    correct: 0,
                    total: 0,
                    judged: false,
                    met: true,
                });
                intents.last_mut().expect("just pushed")
            }
        };
        figure.total += 1;
        figure.correct += usize::from(answer.correct);
    }
    let min_items = rule.intent_min_items as usize;
    for f in &mut intents {
        f.judged = f.total >= min_items.max(1);
        f.met = !f.judged || reaches(f.correct, f.total, rule.intent_percent.value());
    }
    intents.sort_by(|a, b| a.intent.cmp(&b.intent));
    [
        Check::LabAccuracy {
            correct,
            graded: recent.len(),
            window,
            needed: rule.accuracy.value(),
        },
        Check::LabIntents {
            needed: rule.intent_percent.value(),
            min_items,
            intents,
            window_full: recent.len() >= window,
        },
    ]
}

fn evaluate_exam(rule: &ExamRule, fact: Option<&ExamFact>) -> Check {
    match fact.filter(|f| f.quiz_id == rule.quiz_id) {
        Some(f) => Check::Exam {
            quiz_id: f.quiz_id,
            title: f.title.clone(),
            grade: f.grade,
            needed: rule
                .pass_percent
                .map(|p| p.value())
                .unwrap_or(f.quiz_pass_percent),
        },
        None => Check::ExamMissing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certification::Percent;

    fn pct(v: f64) -> Percent {
        Percent::new(v).unwrap()
    }

    fn definition(courses: Vec<i64>, lab: Option<LabRule>, exam: Option<ExamRule>) -> Definition {
        Definition {
            id: 1,
            slug: "level-1".into(),
            title_en: "Level 1".into(),
            title_zh: String::new(),
            description_en: String::new(),
            description_zh: String::new(),
            courses,
            lab,
            exam,
            validity_months: 12,
        }
    }

    fn lab_rule(accuracy: f64, window: u32, intent: f64, min_items: u32) -> LabRule {
        LabRule {
            window,
            accuracy: pct(accuracy),
            intent_percent: pct(intent),
            intent_min_items: min_items,
        }
    }

    /// `n` answers on `intent`, the first `right` of them correct.
    fn answers(intent: &str, n: usize, right: usize) -> Vec<GradedAnswer> {
        (0..n)
            .map(|i| GradedAnswer {
                intent: Some(intent.into()),
                correct: i < right,
            })
            .collect()
    }

    fn course(id: i64, completed: bool) -> CourseFact {
        CourseFact {
            id,
            slug: format!("c{id}"),
            title_en: format!("Course {id}"),
            title_zh: format!("课程 {id}"),
            completed,
        }
    }

    #[test]
    fn lab_accuracy_needs_a_full_window_and_the_bar() {
        let rule = lab_rule(85.0, 200, 70.0, 5);
        // 168 of 200 = 84%: one short of 85%.
        let mut lab = answers("where_is_my_order", 100, 84);
        lab.extend(answers("shipping_delay", 100, 84));
        let [overall, _] = evaluate_lab(&rule, &lab);
        assert!(!overall.met());
        assert_eq!(overall.lab_percent(), 84.0);
        // 170 of 200 = 85% exactly meets it.
        let mut lab = answers("where_is_my_order", 100, 85);
        lab.extend(answers("shipping_delay", 100, 85));
        assert!(evaluate_lab(&rule, &lab)[0].met());
        // 100% over only 150 answers is not yet a record, overall or per intent.
        let lab = answers("where_is_my_order", 150, 150);
        let [overall, intents] = evaluate_lab(&rule, &lab);
        assert!(!overall.met());
        assert!(!intents.met());
        assert!(
            intents.weak_intents().is_empty(),
            "no intent is weak, the window is short"
        );
    }

    #[test]
    fn only_the_last_window_counts() {
        let rule = lab_rule(80.0, 10, 0.0, 1);
        // Newest first: ten right, then a long run of old mistakes that dropped out.
        let mut lab = answers("cancellation", 10, 10);
        lab.extend(answers("cancellation", 50, 0));
        let [overall, intents] = evaluate_lab(&rule, &lab);
        assert!(overall.met());
        assert!(matches!(
            overall,
            Check::LabAccuracy {
                correct: 10,
                graded: 10,
                ..
            }
        ));
        let Check::LabIntents { intents, .. } = intents else {
            panic!()
        };
        assert_eq!(intents[0].total, 10);
    }

    #[test]
    fn every_judged_intent_must_reach_the_minimum() {
        let rule = lab_rule(80.0, 100, 70.0, 5);
        // 90 right out of 100 overall, but cancellation is 6 of 10 = 60%.
        let mut lab = answers("where_is_my_order", 90, 84);
        lab.extend(answers("cancellation", 10, 6));
        let [overall, intents] = evaluate_lab(&rule, &lab);
        assert!(overall.met());
        assert!(!intents.met());
        let weak = intents.weak_intents();
        assert_eq!(weak.len(), 1);
        assert_eq!(weak[0].intent, "cancellation");
        assert_eq!(weak[0].percent(), 60.0);
    }

    #[test]
    fn rare_intents_are_not_judged() {
        let rule = lab_rule(80.0, 100, 70.0, 5);
        // customs_duty: 0 of 4, under the 5-item minimum: listed, not judged, not blocking.
        let mut lab = answers("where_is_my_order", 96, 90);
        lab.extend(answers("customs_duty", 4, 0));
        let [overall, intents] = evaluate_lab(&rule, &lab);
        assert!(overall.met() && intents.met());
        let Check::LabIntents { intents, .. } = intents else {
            panic!()
        };
        let customs = intents.iter().find(|i| i.intent == "customs_duty").unwrap();
        assert!(!customs.judged && customs.met);
        // At the minimum it is judged and fails.
        let mut lab = answers("where_is_my_order", 95, 90);
        lab.extend(answers("customs_duty", 5, 0));
        assert!(!evaluate_lab(&rule, &lab)[1].met());
    }

    #[test]
    fn answers_without_a_reference_intent_count_overall_only() {
        let rule = lab_rule(50.0, 4, 100.0, 1);
        let lab = vec![
            GradedAnswer {
                intent: None,
                correct: false,
            },
            GradedAnswer {
                intent: Some("exchange".into()),
                correct: true,
            },
            GradedAnswer {
                intent: None,
                correct: false,
            },
            GradedAnswer {
                intent: Some("exchange".into()),
                correct: true,
            },
        ];
        let [overall, intents] = evaluate_lab(&rule, &lab);
        assert!(overall.met() && intents.met());
    }

    #[test]
    fn the_exam_uses_the_certification_mark_or_else_the_quiz_mark() {
        let quiz = ExamFact {
            quiz_id: 7,
            title: "Final exam".into(),
            grade: Some(75.0),
            quiz_pass_percent: 70.0,
        };
        let own = ExamRule {
            quiz_id: 7,
            pass_percent: None,
        };
        assert!(evaluate_exam(&own, Some(&quiz)).met());
        let stricter = ExamRule {
            quiz_id: 7,
            pass_percent: Some(pct(80.0)),
        };
        let check = evaluate_exam(&stricter, Some(&quiz));
        assert!(!check.met());
        assert!(matches!(check, Check::Exam { needed, .. } if needed == 80.0));
        let not_taken = ExamFact {
            grade: None,
            ..quiz.clone()
        };
        assert!(!evaluate_exam(&own, Some(&not_taken)).met());
        assert_eq!(evaluate_exam(&own, None), Check::ExamMissing);
        assert!(!Check::ExamMissing.met());
    }

    #[test]
    fn a_certification_is_met_only_when_every_requirement_is() {
        let def = definition(
            vec![1, 2],
            Some(lab_rule(80.0, 10, 60.0, 3)),
            Some(ExamRule {
                quiz_id: 7,
                pass_percent: Some(pct(70.0)),
            }),
        );
        let mut facts = Facts {
            courses: vec![course(1, true), course(2, true)],
            lab: answers("return_refund", 10, 9),
            exam: Some(ExamFact {
                quiz_id: 7,
                title: "Final".into(),
                grade: Some(70.0),
                quiz_pass_percent: 90.0,
            }),
        };
        let evaluation = evaluate(&def, &facts);
        assert_eq!(evaluation.checks.len(), 5);
        assert!(evaluation.all_met());

        facts.courses[1].completed = false;
        let evaluation = evaluate(&def, &facts);
        assert!(!evaluation.all_met());
        let missing: Vec<&Check> = evaluation.missing().collect();
        assert_eq!(missing.len(), 1);
        assert!(matches!(missing[0], Check::Course { course } if course.id == 2));
    }

    #[test]
    fn a_course_missing_from_the_facts_is_not_met_and_nothing_required_is_never_met() {
        let def = definition(vec![9], None, None);
        let evaluation = evaluate(&def, &Facts::default());
        assert!(!evaluation.all_met());
        let empty = definition(vec![], None, None);
        assert!(!evaluate(&empty, &Facts::default()).all_met());
    }
}
