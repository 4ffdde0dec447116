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

// ---- lab history ----
//
// Several weeks of lab answers for the demo team, so the dashboards show trends, confusions and a
// team table on a fresh machine. The model, all in this file:
// - who: the ten simulated trainees above and the demo trainees Mei and Lucas (θ₀ = 0.3 and −0.4);
// - when: the last six weeks; each trainee practises on 2–5 days a week, 12–40 messages a session,
//   between 08:00 and 18:00 UTC, picking practice messages with gold labels uniformly at random;
// - learning: ability rises with practice, θ(k) = θ₀ + 1.4·(1 − e^(−k/250)) after k answers (the
//   usual negatively accelerated learning curve: fast at first, then flattening);
// - intent: right with probability 1 / (1 + e^−(θ − b + 0.9)), where a message's difficulty b is
//   0.0, plus 0.8 if it is marked hard, plus 0.5 if its intent has a look-alike in `LOOK_ALIKES`;
//   a wrong intent is the look-alike with probability 0.75, else any other intent;
// - emotion and escalation (half the sessions are in full mode, the others intent only): right with
//   probability 1 / (1 + e^−(θ + 0.4)) and 1 / (1 + e^−(θ + 1.0)); a wrong emotion is a neighbour on
//   the calm–angry scale (`EMOTION_NEIGHBOURS`);
// - time per message: 16 s · e^(−0.35·θ(k)) · u, u uniform in [0.55, 1.9], at least 3 s;
// - the reference classifier's view: right with probability 0.62 (its measured held-out intent
//   accuracy on the shipped corpus, see README), else the look-alike or another intent.
// A seeded generator makes two demo databases identical up to "now".

/// Intents people (and models) mix up, each with its usual look-alike.
pub const LOOK_ALIKES: [(&str, &str); 14] = [
    ("missing_part", "damaged_defective"),
    ("damaged_defective", "not_as_described"),
    ("not_as_described", "wrong_item"),
    ("wrong_item", "not_as_described"),
    ("where_is_my_order", "shipping_delay"),
    ("shipping_delay", "where_is_my_order"),
    ("return_refund", "exchange"),
    ("exchange", "size_fit"),
    ("size_fit", "exchange"),
    ("cancellation", "return_refund"),
    ("price_discount", "presale_question"),
    ("usage_howto", "presale_question"),
    ("presale_question", "usage_howto"),
    ("customs_duty", "invoice_vat"),
];

/// Emotions on the calm–angry scale: a wrong emotion is usually the next one over.
pub const EMOTION_NEIGHBOURS: [(&str, &[&str]); 6] = [
    ("positive", &["neutral"]),
    ("neutral", &["confused", "positive"]),
    ("confused", &["neutral", "anxious"]),
    ("anxious", &["frustrated", "confused"]),
    ("frustrated", &["angry", "anxious"]),
    ("angry", &["frustrated"]),
];

/// The demo trainees who get a lab history besides the simulated ones: (email, θ₀).
const DEMO_TRAINEES: [(&str, f64); 2] = [
    ("mei@demo.intentdojo", 0.3),
    ("lucas@demo.intentdojo", -0.4),
];

pub fn look_alike(intent: &str) -> Option<&'static str> {
    LOOK_ALIKES
        .iter()
        .find(|(a, _)| *a == intent)
        .map(|(_, b)| *b)
}

/// Ability after `k` answers.
pub fn ability_after(theta0: f64, k: usize) -> f64 {
    theta0 + 1.4 * (1.0 - (-(k as f64) / 250.0).exp())
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

struct GoldMessage {
    id: i64,
    intent: String,
    emotion: Option<String>,
    escalate: Option<bool>,
    hard: bool,
}

fn wrong_intent(rng: &mut StdRng, right: &str, intents: &[String]) -> String {
    if let Some(other) = look_alike(right)
        && rng.random_bool(0.75)
    {
        return other.to_string();
    }
    let others: Vec<&String> = intents.iter().filter(|i| *i != right).collect();
    others[rng.random_range(0..others.len())].clone()
}

/// Simulates the lab history once: nothing happens when any lab answer exists. Returns the
/// number of answers written.
pub async fn seed_lab_history(db: &Db, now: i64) -> anyhow::Result<usize> {
    use crate::lab::{Fields, Labels};
    use crate::reports::history::{self, PastLabAnswer};
    use sqlx::Row;

    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM lab_answers")
        .fetch_one(&db.pool)
        .await?;
    if existing > 0 {
        return Ok(0);
    }
    let rows = sqlx::query(
        "SELECT id, gold_intent, gold_emotion, gold_escalate, hard FROM messages
         WHERE split = 'practice' AND gold_intent IS NOT NULL ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut messages = Vec::with_capacity(rows.len());
    for r in rows {
        messages.push(GoldMessage {
            id: r.try_get("id")?,
            intent: r.try_get("gold_intent")?,
            emotion: r.try_get("gold_emotion")?,
            escalate: r
                .try_get::<Option<i64>, _>("gold_escalate")?
                .map(|v| v != 0),
            hard: r.try_get::<i64, _>("hard")? != 0,
        });
    }
    if messages.is_empty() {
        return Ok(0);
    }
    let mut intents: Vec<String> = messages.iter().map(|m| m.intent.clone()).collect();
    intents.sort();
    intents.dedup();

    let mut people: Vec<(i64, f64)> = Vec::new();
    for (email, _, theta) in SIMULATED {
        if let Some(u) = store::user_by_email(db, email).await? {
            people.push((u.id, theta));
        }
    }
    for (email, theta) in DEMO_TRAINEES {
        if let Some(u) = store::user_by_email(db, email).await? {
            people.push((u.id, theta));
        }
    }

    let day = 86_400_000_i64;
    let weeks = 6;
    let mut rng = StdRng::seed_from_u64(20_261_124);
    let mut answers = Vec::new();
    for (user_id, theta0) in people {
        let mut k = 0usize;
        for week in (0..weeks).rev() {
            let mut days: Vec<i64> = (0..7).collect();
            let sessions = rng.random_range(2..=5);
            for i in 0..sessions {
                let j = rng.random_range(i..days.len());
                days.swap(i, j);
            }
            let mut chosen: Vec<i64> = days[..sessions].to_vec();
            chosen.sort_unstable_by(|a, b| b.cmp(a));
            for back in chosen {
                let days_ago = week * 7 + back;
                let start_of_day = (now - days_ago * day).div_euclid(day) * day;
                let mut t = start_of_day + rng.random_range(8 * 3_600_000..18 * 3_600_000);
                if t > now {
                    continue;
                }
                let full = rng.random_bool(0.5);
                let fields = if full { Fields::FULL } else { Fields::INTENT };
                for _ in 0..rng.random_range(12..=40) {
                    let m = &messages[rng.random_range(0..messages.len())];
                    let theta = ability_after(theta0, k);
                    let b = if m.hard { 0.8 } else { 0.0 }
                        + if look_alike(&m.intent).is_some() {
                            0.5
                        } else {
                            0.0
                        };
                    let intent = if rng.random_bool(logistic(theta - b + 0.9)) {
                        m.intent.clone()
                    } else {
                        wrong_intent(&mut rng, &m.intent, &intents)
                    };
                    let (emotion, escalate) = if full {
                        let emotion = m.emotion.as_ref().map(|e| {
                            if rng.random_bool(logistic(theta + 0.4)) {
                                e.clone()
                            } else {
                                let near = EMOTION_NEIGHBOURS
                                    .iter()
                                    .find(|(k, _)| k == e)
                                    .map(|(_, n)| *n)
                                    .unwrap_or(&["neutral"]);
                                near[rng.random_range(0..near.len())].to_string()
                            }
                        });
                        let escalate = m.escalate.map(|x| {
                            if rng.random_bool(logistic(theta + 1.0)) {
                                x
                            } else {
                                !x
                            }
                        });
                        (emotion, escalate)
                    } else {
                        (None, None)
                    };
                    let classifier = if rng.random_bool(0.62) {
                        m.intent.clone()
                    } else {
                        wrong_intent(&mut rng, &m.intent, &intents)
                    };
                    let millis = ((16_000.0 * (-0.35 * theta).exp() * rng.random_range(0.55..1.9))
                        as i64)
                        .max(3_000);
                    t += millis + rng.random_range(2_000..6_000);
                    if t > now {
                        break;
                    }
                    answers.push(PastLabAnswer {
                        user_id,
                        message_id: m.id,
                        fields,
                        given: Labels {
                            intent: Some(intent),
                            emotion,
                            escalate,
                        },
                        reference: Labels {
                            intent: Some(m.intent.clone()),
                            emotion: if full { m.emotion.clone() } else { None },
                            escalate: if full { m.escalate } else { None },
                        },
                        classifier_intent: Some(classifier),
                        millis,
                        answered_at: t,
                    });
                    k += 1;
                }
            }
        }
    }
    Ok(history::insert(db, &answers).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lab_model_improves_with_practice_and_confuses_look_alikes() {
        assert_eq!(ability_after(0.5, 0), 0.5);
        assert!(ability_after(0.0, 100) < ability_after(0.0, 500));
        assert!(
            ability_after(0.0, 100_000) <= 1.4 + 1e-9,
            "the curve flattens"
        );
        assert_eq!(look_alike("missing_part"), Some("damaged_defective"));
        assert_eq!(look_alike("where_is_my_order"), Some("shipping_delay"));
        let keys =
            crate::taxonomy::load_file(std::path::Path::new("content/taxonomy.toml")).unwrap();
        for (a, b) in LOOK_ALIKES {
            assert!(
                keys.iter().any(|l| l.key == a) && keys.iter().any(|l| l.key == b),
                "{a} {b}"
            );
        }
        for (e, near) in EMOTION_NEIGHBOURS {
            assert!(keys.iter().any(|l| l.key == e));
            assert!(near.iter().all(|n| keys.iter().any(|l| l.key == *n)));
        }
    }

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
