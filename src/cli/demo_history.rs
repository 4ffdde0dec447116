//! Simulated quiz history for the demo, so the results table and item analysis have something to
//! show on a fresh machine. Nothing here is hand-typed data: a small documented model answers
//! through the same attempt functions the web pages use.
//!
//! The model (a one-parameter logistic "Rasch" model, the usual first model of test answers):
//! - ten simulated trainees, each with an ability θ evenly spread from −1.2 to +2.0;
//! - each question has a difficulty b in [−1, 1], derived from its id (a fixed hash), so the same
//!   bank gives the same difficulties on every machine;
//! - a trainee answers a question right with probability 1 / (1 + e^−(θ − b + 0.4·(n − 1))) on
//!   their n-th attempt (people improve between attempts); otherwise they pick a wrong answer;
//! - attempts start on days spread over the last four weeks and take 40–70 s per question.
//!
//! Random numbers come from a seeded generator, so two demo databases get the same history.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::accounts::Role;
use crate::accounts::store::{self, MemberKind};
use crate::db::Db;
use crate::quizzes::gift::{Question, QuestionKind};
use crate::quizzes::scoring::Response;
use crate::quizzes::{attempts, quiz};

/// The simulated trainees: (email, display name, ability θ). They have no password.
pub const SIMULATED: [(&str, &str, f64); 10] = [
    ("sim.aiko@demo.intentdojo", "Aiko Tanaka (sim)", -1.2),
    ("sim.bruno@demo.intentdojo", "Bruno Costa (sim)", -0.85),
    ("sim.carla@demo.intentdojo", "Carla Méndez (sim)", -0.5),
    ("sim.dieter@demo.intentdojo", "Dieter Braun (sim)", -0.15),
    ("sim.elodie@demo.intentdojo", "Élodie Martin (sim)", 0.2),
    ("sim.fang@demo.intentdojo", "方芳 Fang Fang (sim)", 0.55),
    ("sim.gabriel@demo.intentdojo", "Gabriel Rocha (sim)", 0.9),
    ("sim.hana@demo.intentdojo", "Hana Sato (sim)", 1.25),
    ("sim.ivan@demo.intentdojo", "Iván Ortega (sim)", 1.6),
    ("sim.jing@demo.intentdojo", "李静 Li Jing (sim)", 2.0),
];

/// Quizzes the simulation takes, with the number of attempts per trainee.
const QUIZZES: [(&str, u32); 2] = [("final-exam", 2), ("practice-intent-taxonomy", 2)];

/// A question's difficulty in [−1, 1] from its id (splitmix64, so it is stable everywhere).
pub fn difficulty(question_id: i64) -> f64 {
    let mut z = (question_id as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z % 2001) as f64 / 1000.0 - 1.0
}

/// The chance of a right answer under the model.
pub fn p_right(ability: f64, difficulty: f64, attempt_no: u32) -> f64 {
    let x = ability - difficulty + 0.4 * f64::from(attempt_no.saturating_sub(1));
    1.0 / (1.0 + (-x).exp())
}

/// A response that earns full marks (None for essays and descriptions).
pub fn right_response(q: &Question) -> Option<Response> {
    match &q.kind {
        QuestionKind::Multichoice { answers, single } => {
            let picked: Vec<usize> = if *single {
                let best = answers
                    .iter()
                    .enumerate()
                    .max_by(|a, b| a.1.fraction.total_cmp(&b.1.fraction))?;
                vec![best.0]
            } else {
                (0..answers.len())
                    .filter(|i| answers[*i].fraction > 0.0)
                    .collect()
            };
            Some(Response::Choices { picked })
        }
        QuestionKind::Truefalse { correct, .. } => Some(Response::Truth { value: *correct }),
        QuestionKind::Shortanswer { answers } => answers
            .iter()
            .find(|a| a.fraction >= 1.0 && !a.text.contains('*'))
            .map(|a| Response::Text {
                value: a.text.clone(),
            }),
        QuestionKind::Numerical { answers } => answers
            .iter()
            .find(|a| a.fraction >= 1.0 && a.text != "*")
            .map(|a| Response::Text {
                value: a.text.clone(),
            }),
        QuestionKind::Match { pairs } => Some(Response::Matches {
            chosen: pairs
                .iter()
                .filter(|p| !p.question.is_empty())
                .map(|p| Some(p.answer.clone()))
                .collect(),
        }),
        QuestionKind::Classify(task) => Some(Response::Labels {
            intent: task.intent.clone(),
            emotion: task.emotion.clone(),
        }),
        QuestionKind::Essay | QuestionKind::Description => None,
    }
}

/// A plausible wrong response: a wrong choice, the other truth value, a near miss.
pub fn wrong_response(q: &Question, rng: &mut StdRng) -> Option<Response> {
    match &q.kind {
        QuestionKind::Multichoice { answers, .. } => {
            let wrong: Vec<usize> = (0..answers.len())
                .filter(|i| answers[*i].fraction <= 0.0)
                .collect();
            let pick = *wrong.get(rng.random_range(0..wrong.len().max(1)))?;
            Some(Response::Choices { picked: vec![pick] })
        }
        QuestionKind::Truefalse { correct, .. } => Some(Response::Truth { value: !*correct }),
        QuestionKind::Shortanswer { .. } => Some(Response::Text {
            value: "other".into(),
        }),
        QuestionKind::Numerical { answers } => {
            let right: f64 = answers.iter().find_map(|a| a.text.parse().ok())?;
            Some(Response::Text {
                value: format!("{}", right * 2.0 + 7.0),
            })
        }
        QuestionKind::Match { pairs } => {
            let mut chosen: Vec<Option<String>> = pairs
                .iter()
                .filter(|p| !p.question.is_empty())
                .map(|p| Some(p.answer.clone()))
                .collect();
            if chosen.len() > 1 {
                chosen.swap(0, 1);
            }
            Some(Response::Matches { chosen })
        }
        // The typical half-right reading: the feeling seen, the request missed.
        QuestionKind::Classify(task) => Some(Response::Labels {
            intent: if task.intent == "other_spam" {
                "where_is_my_order".into()
            } else {
                "other_spam".into()
            },
            emotion: task.emotion.clone(),
        }),
        QuestionKind::Essay | QuestionKind::Description => None,
    }
}

/// Creates the simulated trainees and their attempts, once: nothing happens when any quiz
/// attempt exists already. Returns the number of attempts made.
pub async fn seed_quiz_history(db: &Db, now: i64) -> anyhow::Result<usize> {
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM quiz_attempts")
        .fetch_one(&db.pool)
        .await?;
    if existing > 0 {
        return Ok(0);
    }
    let team = match store::team_id_by_name(db, super::demo::DEMO_TEAM).await? {
        Some(id) => id,
        None => store::create_team(db, super::demo::DEMO_TEAM).await?,
    };
    let mut rng = StdRng::seed_from_u64(20_261_123);
    let mut users = Vec::new();
    for (email, name, ability) in SIMULATED {
        let id = match store::user_by_email(db, email).await? {
            Some(u) => u.id,
            None => {
                // No password: these accounts exist only to hold history and cannot sign in.
                let id = store::create_user(
                    db,
                    &store::NewUser {
                        email,
                        display_name: name,
                        password_hash: None,
                        roles: &[Role::Trainee],
                        locale: None,
                    },
                )
                .await?;
                store::add_team_member(db, team, id, MemberKind::Member).await?;
                id
            }
        };
        users.push((id, ability));
    }
    let day = 86_400_000;
    let mut made = 0;
    for (slug, tries) in QUIZZES {
        let Some(quiz) = quiz::by_slug(db, slug).await? else {
            continue;
        };
        for (user_id, ability) in &users {
            for attempt_no in 1..=tries {
                // Week by week: the first attempt 4 to 2 weeks ago, the second a few days later.
                let started = now
                    - rng.random_range(14..28) * day / i64::from(attempt_no)
                    - rng.random_range(0..day);
                let Ok(attempt_id) = attempts::start(db, &quiz, *user_id, started).await? else {
                    continue;
                };
                let mut t = started;
                for slot in attempts::slots(db, attempt_id).await? {
                    t += rng.random_range(40_000..70_000);
                    let right = rng.random_bool(p_right(
                        *ability,
                        difficulty(slot.question_id),
                        attempt_no,
                    ));
                    let response = if right {
                        right_response(&slot.question)
                    } else {
                        wrong_response(&slot.question, &mut rng)
                    };
                    attempts::save_response(db, attempt_id, slot.slot, response.as_ref(), t)
                        .await?;
                }
                attempts::finish(db, attempt_id, t + 20_000).await?;
                made += 1;
            }
        }
    }
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_is_stable_and_sensible() {
        let d: Vec<f64> = (1..200).map(difficulty).collect();
        assert!(d.iter().all(|x| (-1.0..=1.0).contains(x)));
        assert_eq!(difficulty(42), difficulty(42));
        let spread =
            d.iter().cloned().fold(f64::MIN, f64::max) - d.iter().cloned().fold(f64::MAX, f64::min);
        assert!(spread > 1.5, "difficulties spread over the range");
        assert!((p_right(0.0, 0.0, 1) - 0.5).abs() < 1e-12);
        assert!(p_right(2.0, 0.0, 1) > p_right(0.0, 0.0, 1));
        assert!(
            p_right(0.0, 0.0, 2) > p_right(0.0, 0.0, 1),
            "people improve"
        );
    }

    #[test]
    fn right_responses_score_full_marks_and_wrong_ones_do_not() {
        use crate::quizzes::{attempts::auto_fraction, gift};
        let mut rng = StdRng::seed_from_u64(1);
        for text in [
            "Pick {=a ~b ~c}",
            "Pick several {~%50%a ~%50%b ~%-100%c}",
            "Sky {T}",
            "Key {=wismo =where_is_my_order}",
            "N {#12:1}",
            "M {=x -> 1 =y -> 2 =z -> 3}",
        ] {
            let q = match gift::parse(text).unwrap().remove(0) {
                gift::Item::Question(q) => q,
                other => panic!("{other:?}"),
            };
            let right = right_response(&q);
            assert_eq!(auto_fraction(&q, right.as_ref()), Some(1.0), "{text}");
            let wrong = wrong_response(&q, &mut rng);
            assert!(auto_fraction(&q, wrong.as_ref()).unwrap() < 1.0, "{text}");
        }
    }
}
