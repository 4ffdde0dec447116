//! Demo calibration sessions, so the report shows data on a fresh machine: one closed session for the
//! demo team answered by simulated trainees, and one open session assigned to the demo trainee.
//! Nothing is hand-typed: the answers come from a small documented model, through the same store
//! functions the pages use.
//!
//! The model, per simulated trainee (ability θ from `demo_history::SIMULATED`) and message:
//! - the message has a difficulty b in [−1, 1] from its id (`demo_history::difficulty`);
//! - the trainee skips it with probability 0.02;
//! - the intent is the gold one with probability 1 / (1 + e^−(θ − b + 0.3)); otherwise it is the
//!   intent most often confused with it (the `CONFUSED_WITH` table, e.g. exchange for a refund) with
//!   probability 0.75, else any other intent;
//! - the emotion is the gold one with probability 1 / (1 + e^−(θ − b′ + 0.3)), b′ the difficulty of
//!   id + 7919; otherwise a neighbour on the scale positive … angry;
//! - escalate is the gold value with probability 1 / (1 + e^−(θ + 1)), else the other one.
//!
//! Random numbers come from a seeded generator, so two demo databases get the same sessions.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::Row;

use super::demo_history::{SIMULATED, difficulty};
use crate::accounts::store as accounts;
use crate::calibration::{Selection, store};
use crate::db::Db;
use crate::lab::Labels;

/// Pairs of intents trainees typically mix up (each is the other's usual confusion).
const CONFUSED_WITH: [(&str, &str); 12] = [
    ("return_refund", "exchange"),
    ("where_is_my_order", "shipping_delay"),
    ("not_as_described", "wrong_item"),
    ("damaged_defective", "missing_part"),
    ("size_fit", "exchange"),
    ("cancellation", "return_refund"),
    ("price_discount", "presale_question"),
    ("invoice_vat", "presale_question"),
    ("usage_howto", "presale_question"),
    ("customs_duty", "shipping_delay"),
    ("threat_report", "not_as_described"),
    ("praise_thanks", "other_spam"),
];

const EMOTIONS: [&str; 6] = [
    "positive",
    "neutral",
    "confused",
    "anxious",
    "frustrated",
    "angry",
];

/// Simulated trainees in the closed session (by index in `SIMULATED`): a spread of abilities.
const CLOSED_MEMBERS: [usize; 6] = [0, 2, 4, 5, 7, 9];
/// Simulated trainees who share the open session with the demo trainees and have started it.
const OPEN_MEMBERS: [usize; 2] = [1, 7];

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn confused_with(intent: &str) -> Option<&'static str> {
    CONFUSED_WITH.iter().find_map(|(a, b)| {
        if *a == intent {
            Some(*b)
        } else if *b == intent {
            Some(*a)
        } else {
            None
        }
    })
}

/// One simulated answer (see the module's model); `None` labels when the trainee skips.
pub fn simulate(
    ability: f64,
    message_id: i64,
    gold: &Labels,
    intents: &[String],
    rng: &mut StdRng,
) -> Labels {
    if rng.random_bool(0.02) {
        return Labels::default();
    }
    let gold_intent = gold.intent.clone().unwrap_or_default();
    let intent = if rng.random_bool(logistic(ability - difficulty(message_id) + 0.3)) {
        gold_intent.clone()
    } else {
        match confused_with(&gold_intent) {
            Some(other) if rng.random_bool(0.75) => other.to_string(),
            _ => {
                let others: Vec<&String> = intents.iter().filter(|i| **i != gold_intent).collect();
                others[rng.random_range(0..others.len())].clone()
            }
        }
    };
    let gold_emotion = gold.emotion.clone().unwrap_or_else(|| "neutral".into());
    let emotion = if rng.random_bool(logistic(ability - difficulty(message_id + 7919) + 0.3)) {
        gold_emotion
    } else {
        let at = EMOTIONS
            .iter()
            .position(|e| *e == gold_emotion)
            .unwrap_or(1);
        let next = if at == 0 || (at + 1 < EMOTIONS.len() && rng.random_bool(0.5)) {
            at + 1
        } else {
            at - 1
        };
        EMOTIONS[next].to_string()
    };
    let gold_escalate = gold.escalate.unwrap_or(false);
    let escalate = if rng.random_bool(logistic(ability + 1.0)) {
        gold_escalate
    } else {
        !gold_escalate
    };
    Labels {
        intent: Some(intent),
        emotion: Some(emotion),
        escalate: Some(escalate),
    }
}

/// `n` gold practice messages spread evenly over the corpus, from `offset`: external ids.
async fn spread_messages(db: &Db, n: usize, offset: usize) -> anyhow::Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT external_id FROM messages WHERE gold_intent IS NOT NULL AND gold_emotion IS NOT NULL
         AND gold_escalate IS NOT NULL AND split = 'practice' ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await?;
    let ids: Vec<String> = rows
        .iter()
        .map(|r| r.try_get("external_id"))
        .collect::<Result<_, _>>()?;
    if ids.len() < n * 2 {
        return Ok(Vec::new());
    }
    let step = ids.len() / n;
    Ok((0..n)
        .map(|k| ids[(k * step + offset) % ids.len()].clone())
        .collect())
}

/// Creates the demo sessions once (nothing happens when any calibration session exists). Returns
/// the number of sessions made.
pub async fn seed_calibration(db: &Db, now: i64) -> anyhow::Result<usize> {
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM calibration_sessions")
        .fetch_one(&db.pool)
        .await?;
    if existing > 0 {
        return Ok(0);
    }
    let Some(team) = accounts::team_id_by_name(db, super::demo::DEMO_TEAM).await? else {
        return Ok(0);
    };
    let Some(supervisor) = accounts::user_by_email(db, "supervisor@demo.intentdojo").await? else {
        return Ok(0);
    };
    let mut sims = Vec::new();
    for (email, _, ability) in SIMULATED {
        let Some(user) = accounts::user_by_email(db, email).await? else {
            return Ok(0);
        };
        sims.push((user.id, ability));
    }
    let intents: Vec<String> = crate::taxonomy::store::list(db, crate::taxonomy::LabelKind::Intent)
        .await?
        .into_iter()
        .map(|l| l.key)
        .collect();
    let mut rng = StdRng::seed_from_u64(20_261_124);
    let day = 86_400_000;
    let mut made = 0;

    // The closed session: 12 messages, six simulated trainees, answered three days ago.
    let ids = spread_messages(db, 12, 0).await?;
    if !ids.is_empty() {
        let members: Vec<(i64, f64)> = CLOSED_MEMBERS.iter().map(|&i| sims[i]).collect();
        let started = now - 3 * day;
        let id = create(
            db,
            "Week 47 calibration",
            team,
            supervisor.id,
            &ids,
            &members,
            started,
        )
        .await?;
        answer_all(db, id, &members, &intents, started, &mut rng, usize::MAX).await?;
        store::close(db, id, now - 2 * day).await?;
        made += 1;
    }

    // The open session: the demo trainees and two simulated ones who have started.
    let ids = spread_messages(db, 8, 7).await?;
    if !ids.is_empty() {
        let mut members: Vec<(i64, f64)> = Vec::new();
        for email in ["mei@demo.intentdojo", "lucas@demo.intentdojo"] {
            if let Some(u) = accounts::user_by_email(db, email).await? {
                members.push((u.id, 0.0));
            }
        }
        let started = now - day / 2;
        let sim_members: Vec<(i64, f64)> = OPEN_MEMBERS.iter().map(|&i| sims[i]).collect();
        let all: Vec<(i64, f64)> = members.iter().chain(&sim_members).copied().collect();
        let id = create(
            db,
            "Week 48 calibration",
            team,
            supervisor.id,
            &ids,
            &all,
            started,
        )
        .await?;
        answer_all(db, id, &sim_members, &intents, started, &mut rng, 5).await?;
        made += 1;
    }
    Ok(made)
}

async fn create(
    db: &Db,
    title: &str,
    team: i64,
    supervisor: i64,
    external_ids: &[String],
    members: &[(i64, f64)],
    at: i64,
) -> anyhow::Result<i64> {
    let selection = Selection::Ids(external_ids.to_vec());
    let message_ids = store::select_messages(db, &selection)
        .await?
        .map_err(|unknown| anyhow::anyhow!("demo messages missing: {unknown:?}"))?;
    let member_ids: Vec<i64> = members.iter().map(|(id, _)| *id).collect();
    Ok(store::create(
        db,
        &store::NewSession {
            title,
            team_id: team,
            created_by: supervisor,
            selection: &selection.describe(),
            message_ids: &message_ids,
            member_ids: &member_ids,
            created_at: at,
        },
    )
    .await?)
}

/// Each member answers the first `limit` items under the model, 20–90 s apart.
async fn answer_all(
    db: &Db,
    session: i64,
    members: &[(i64, f64)],
    intents: &[String],
    started: i64,
    rng: &mut StdRng,
    limit: usize,
) -> anyhow::Result<()> {
    let items = store::items(db, session).await?;
    for (user_id, ability) in members {
        let mut t = started + rng.random_range(0..3_600_000);
        for item in items.iter().take(limit) {
            t += rng.random_range(20_000..90_000);
            let given = simulate(*ability, item.message_id, &item.gold, intents, rng);
            store::answer(db, session, item.id, *user_id, &given, t).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abler_trainees_agree_more_with_gold() {
        let intents: Vec<String> = ["return_refund", "exchange", "other_spam"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let gold = Labels {
            intent: Some("return_refund".into()),
            emotion: Some("neutral".into()),
            escalate: Some(false),
        };
        let mut rng = StdRng::seed_from_u64(1);
        let right = |ability: f64, rng: &mut StdRng| {
            (0..2000)
                .map(|m| simulate(ability, m, &gold, &intents, rng))
                .filter(|l| l.intent == gold.intent)
                .count()
        };
        let (weak, strong) = (right(-1.2, &mut rng), right(2.0, &mut rng));
        assert!(strong > weak + 400, "{weak} vs {strong}");
        let wrong: Vec<Labels> = (0..2000)
            .map(|m| simulate(-1.2, m, &gold, &intents, &mut rng))
            .filter(|l| l.intent.is_some() && l.intent != gold.intent)
            .collect();
        let confused = wrong
            .iter()
            .filter(|l| l.intent.as_deref() == Some("exchange"))
            .count();
        assert!(confused * 2 > wrong.len(), "mostly the usual confusion");
    }
}
