//! Adaptive practice: which message a trainee sees next. It favours the trainee's weakest intents
//! and languages, brings mistakes back after a spacing interval, never repeats the last items and
//! never shows exam messages (the caller passes practice messages only).

use std::collections::{HashMap, HashSet};

/// A practice message, as the queue sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub id: i64,
    /// The gold intent, or the classifier's guess for an unlabeled message.
    pub intent: String,
    pub lang: String,
}

/// One past answer of the trainee.
#[derive(Clone, Debug, PartialEq)]
pub struct PastAnswer {
    pub message_id: i64,
    pub intent: String,
    pub lang: String,
    /// None when still ungraded.
    pub correct: Option<bool>,
    pub answered_at: i64,
}

#[derive(Clone, Copy, Debug)]
pub struct QueueSettings {
    /// A mistake comes back after this long…
    pub retry_after_ms: i64,
    /// …with this probability when one is due.
    pub retry_share: f64,
    /// The last N messages shown are never repeated.
    pub no_repeat: usize,
}

impl Default for QueueSettings {
    fn default() -> Self {
        QueueSettings {
            retry_after_ms: 10 * 60 * 1000,
            retry_share: 0.3,
            no_repeat: 10,
        }
    }
}

/// Smoothed accuracy (a Beta(1,1) prior), so one early mistake does not dominate.
fn smoothed(right: usize, total: usize) -> f64 {
    (right as f64 + 1.0) / (total as f64 + 2.0)
}

/// Picks the next message. `random` yields uniform numbers in [0, 1).
pub fn next(
    candidates: &[Candidate],
    history: &[PastAnswer],
    now: i64,
    settings: QueueSettings,
    mut random: impl FnMut() -> f64,
) -> Option<i64> {
    if candidates.is_empty() {
        return None;
    }
    let mut recent: Vec<&PastAnswer> = history.iter().collect();
    recent.sort_by_key(|a| std::cmp::Reverse(a.answered_at));
    let blocked: HashSet<i64> = recent
        .iter()
        .take(settings.no_repeat.min(candidates.len().saturating_sub(1)))
        .map(|a| a.message_id)
        .collect();

    // The latest answer per message decides whether it is still a mistake.
    let mut latest: HashMap<i64, &PastAnswer> = HashMap::new();
    for a in &recent {
        latest.entry(a.message_id).or_insert(a);
    }
    let due: Vec<i64> = latest
        .values()
        .filter(|a| {
            a.correct == Some(false)
                && now - a.answered_at >= settings.retry_after_ms
                && !blocked.contains(&a.message_id)
        })
        .map(|a| a.message_id)
        .filter(|id| candidates.iter().any(|c| c.id == *id))
        .collect();
    if !due.is_empty() && random() < settings.retry_share {
        let mut due = due;
        due.sort_unstable();
        return Some(due[(random() * due.len() as f64) as usize % due.len()]);
    }

    let mut by_intent: HashMap<&str, (usize, usize)> = HashMap::new();
    let mut by_lang: HashMap<&str, (usize, usize)> = HashMap::new();
    for a in history {
        if let Some(ok) = a.correct {
            let i = by_intent.entry(a.intent.as_str()).or_default();
            i.1 += 1;
            i.0 += ok as usize;
            let l = by_lang.entry(a.lang.as_str()).or_default();
            l.1 += 1;
            l.0 += ok as usize;
        }
    }
    let answered_right: HashSet<i64> = latest
        .values()
        .filter(|a| a.correct == Some(true))
        .map(|a| a.message_id)
        .collect();
    let weights: Vec<(i64, f64)> = candidates
        .iter()
        .filter(|c| !blocked.contains(&c.id))
        .map(|c| {
            let (ri, ti) = by_intent
                .get(c.intent.as_str())
                .copied()
                .unwrap_or_default();
            let (rl, tl) = by_lang.get(c.lang.as_str()).copied().unwrap_or_default();
            // Weakness of the intent counts double that of the language; messages already solved
            // come back rarely.
            let weakness = 2.0 * (1.0 - smoothed(ri, ti)) + (1.0 - smoothed(rl, tl));
            let seen_factor = if answered_right.contains(&c.id) {
                0.1
            } else {
                1.0
            };
            (c.id, (0.05 + weakness).powi(2) * seen_factor)
        })
        .collect();
    let total: f64 = weights.iter().map(|(_, w)| w).sum();
    if weights.is_empty() || total <= 0.0 {
        return candidates.first().map(|c| c.id);
    }
    let mut target = random() * total;
    for (id, w) in &weights {
        if target < *w {
            return Some(*id);
        }
        target -= w;
    }
    weights.last().map(|(id, _)| *id)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator for simulations.
    fn lcg(seed: u64) -> impl FnMut() -> f64 {
        let mut state = seed;
        move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    fn corpus() -> Vec<Candidate> {
        let intents = [
            "where_is_my_order",
            "shipping_delay",
            "missing_part",
            "damaged_defective",
            "return_refund",
            "wrong_item",
        ];
        let langs = ["en", "es", "de", "ja"];
        let mut out = Vec::new();
        for i in 0..240 {
            out.push(Candidate {
                id: i,
                intent: intents[i as usize % 6].to_string(),
                lang: langs[(i as usize / 6) % 4].to_string(),
            });
        }
        out
    }

    /// A simulated trainee who always confuses missing_part and is right on everything else: after
    /// a warm-up, missing_part must be shown clearly more than its 1/6 share.
    #[test]
    fn a_simulated_trainee_gets_more_of_their_weak_intent() {
        let candidates = corpus();
        let mut history: Vec<PastAnswer> = Vec::new();
        let mut random = lcg(42);
        let mut shown: HashMap<String, usize> = HashMap::new();
        for step in 0..600 {
            let now = step * 20_000;
            let id = next(
                &candidates,
                &history,
                now,
                QueueSettings::default(),
                &mut random,
            )
            .unwrap();
            let c = candidates.iter().find(|c| c.id == id).unwrap();
            if step >= 100 {
                *shown.entry(c.intent.clone()).or_default() += 1;
            }
            history.push(PastAnswer {
                message_id: id,
                intent: c.intent.clone(),
                lang: c.lang.clone(),
                correct: Some(c.intent != "missing_part"),
                answered_at: now,
            });
        }
        let weak = shown["missing_part"] as f64 / 500.0;
        assert!(weak > 2.0 * (1.0 / 6.0), "missing_part share was {weak:.2}");
    }

    #[test]
    fn the_last_items_are_never_repeated_and_mistakes_come_back_after_the_interval() {
        let candidates = corpus();
        let mut random = lcg(7);
        let mut history: Vec<PastAnswer> = Vec::new();
        for step in 0..200 {
            let now = step * 1000;
            let id = next(
                &candidates,
                &history,
                now,
                QueueSettings::default(),
                &mut random,
            )
            .unwrap();
            let last: Vec<i64> = history
                .iter()
                .rev()
                .take(10)
                .map(|a| a.message_id)
                .collect();
            assert!(
                !last.contains(&id),
                "step {step}: {id} was shown within the last 10"
            );
            let c = &candidates[id as usize];
            history.push(PastAnswer {
                message_id: id,
                intent: c.intent.clone(),
                lang: c.lang.clone(),
                correct: Some(true),
                answered_at: now,
            });
        }
        // One mistake long ago, then ten right answers: with a draw below the retry share the
        // mistake is what comes next.
        let mut history = vec![PastAnswer {
            message_id: 5,
            intent: "x".into(),
            lang: "en".into(),
            correct: Some(false),
            answered_at: 0,
        }];
        for i in 0..10 {
            history.push(PastAnswer {
                message_id: 100 + i,
                intent: "x".into(),
                lang: "en".into(),
                correct: Some(true),
                answered_at: 1 + i,
            });
        }
        let mut draws = [0.0, 0.0].into_iter();
        assert_eq!(
            next(
                &candidates,
                &history,
                3_600_000,
                QueueSettings::default(),
                || draws.next().unwrap()
            ),
            Some(5)
        );
        // Before the interval it is not due.
        let mut draws = [0.0, 0.0, 0.0].into_iter();
        assert_ne!(
            next(
                &candidates,
                &history,
                1000,
                QueueSettings::default(),
                || draws.next().unwrap_or(0.0)
            ),
            Some(5)
        );
        // And never while it is among the last items shown.
        let mut draws = [0.0, 0.0, 0.0].into_iter();
        assert_ne!(
            next(
                &candidates,
                &history[..3],
                3_600_000,
                QueueSettings::default(),
                || draws.next().unwrap_or(0.0)
            ),
            Some(5)
        );
    }

    #[test]
    fn a_tiny_pool_still_yields_an_item() {
        let one = vec![Candidate {
            id: 1,
            intent: "a".into(),
            lang: "en".into(),
        }];
        let history = vec![PastAnswer {
            message_id: 1,
            intent: "a".into(),
            lang: "en".into(),
            correct: Some(true),
            answered_at: 0,
        }];
        assert_eq!(
            next(&one, &history, 10, QueueSettings::default(), || 0.5),
            Some(1)
        );
        assert_eq!(
            next(&[], &history, 10, QueueSettings::default(), || 0.5),
            None
        );
    }
}
