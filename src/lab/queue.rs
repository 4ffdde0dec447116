//! Adaptive practice: which message a trainee sees next. It favours the trainee's weakest intents
//! and languages, brings mistakes back after a spacing interval, never repeats the last items and
//! never shows exam messages (the caller passes practice messages only).
//!
//! The pool is grouped by (intent, language) once, so picking costs the number of groups (about a
//! hundred), not the size of the corpus (which may be 100,000 messages).

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
    /// A message the trainee already got right is this much less likely than an unseen one.
    pub solved_factor: f64,
}

impl Default for QueueSettings {
    fn default() -> Self {
        QueueSettings {
            retry_after_ms: 10 * 60 * 1000,
            retry_share: 0.3,
            no_repeat: 10,
            solved_factor: 0.1,
        }
    }
}

/// How many recent answers the queue needs: enough to estimate skill per intent and language and
/// to find due mistakes.
pub const HISTORY_WINDOW: i64 = 500;

struct Group {
    intent: String,
    lang: String,
    members: Vec<i64>,
}

/// The practice messages, grouped by (intent, language).
#[derive(Default)]
pub struct Pool {
    groups: Vec<Group>,
    ids: HashSet<i64>,
    /// The smallest id, for the fallback when everything is blocked.
    first: Option<i64>,
}

impl Pool {
    pub fn new(candidates: Vec<Candidate>) -> Pool {
        let mut index: HashMap<(String, String), usize> = HashMap::new();
        let mut pool = Pool::default();
        let mut sorted = candidates;
        sorted.sort_by_key(|c| c.id);
        for c in sorted {
            pool.first.get_or_insert(c.id);
            pool.ids.insert(c.id);
            let key = (c.intent, c.lang);
            let g = *index.entry(key.clone()).or_insert_with(|| {
                pool.groups.push(Group {
                    intent: key.0,
                    lang: key.1,
                    members: Vec::new(),
                });
                pool.groups.len() - 1
            });
            pool.groups[g].members.push(c.id);
        }
        pool
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn contains(&self, id: i64) -> bool {
        self.ids.contains(&id)
    }
}

/// Smoothed accuracy (a Beta(1,1) prior), so one early mistake does not dominate.
fn smoothed(right: usize, total: usize) -> f64 {
    (right as f64 + 1.0) / (total as f64 + 2.0)
}

/// Picks the next message. `history` is the trainee's recent answers (any order); `random` yields
/// uniform numbers in [0, 1).
pub fn next(
    pool: &Pool,
    history: &[PastAnswer],
    now: i64,
    settings: QueueSettings,
    mut random: impl FnMut() -> f64,
) -> Option<i64> {
    let first = pool.first?;
    let mut recent: Vec<&PastAnswer> = history.iter().collect();
    recent.sort_by_key(|a| std::cmp::Reverse(a.answered_at));
    let blocked: HashSet<i64> = recent
        .iter()
        .take(settings.no_repeat.min(pool.len().saturating_sub(1)))
        .map(|a| a.message_id)
        .collect();

    // The latest answer per message decides whether it is still a mistake.
    let mut latest: HashMap<i64, &PastAnswer> = HashMap::new();
    for a in &recent {
        latest.entry(a.message_id).or_insert(a);
    }
    let mut due: Vec<i64> = latest
        .values()
        .filter(|a| {
            a.correct == Some(false)
                && now - a.answered_at >= settings.retry_after_ms
                && !blocked.contains(&a.message_id)
                && pool.contains(a.message_id)
        })
        .map(|a| a.message_id)
        .collect();
    if !due.is_empty() && random() < settings.retry_share {
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
    let solved: HashSet<i64> = latest
        .values()
        .filter(|a| a.correct == Some(true))
        .map(|a| a.message_id)
        .collect();
    // A group's weight is its size times the squared weakness of its intent (counted double) and
    // language: weak intents come up far more often, yet nothing is starved.
    let weights: Vec<f64> = pool
        .groups
        .iter()
        .map(|g| {
            let (ri, ti) = by_intent
                .get(g.intent.as_str())
                .copied()
                .unwrap_or_default();
            let (rl, tl) = by_lang.get(g.lang.as_str()).copied().unwrap_or_default();
            let weakness = 2.0 * (1.0 - smoothed(ri, ti)) + (1.0 - smoothed(rl, tl));
            g.members.len() as f64 * (0.05 + weakness).powi(2)
        })
        .collect();
    let total: f64 = weights.iter().sum();
    // Draw a group, then a member; blocked members are redrawn and solved ones kept only with
    // `solved_factor` probability (rejection sampling keeps the per-message weights exact).
    for _ in 0..64 {
        let mut target = random() * total;
        let mut group = weights.len() - 1;
        for (i, w) in weights.iter().enumerate() {
            if target < *w {
                group = i;
                break;
            }
            target -= w;
        }
        let members = &pool.groups[group].members;
        let id = members[(random() * members.len() as f64) as usize % members.len()];
        if blocked.contains(&id) {
            continue;
        }
        if solved.contains(&id) && random() >= settings.solved_factor {
            continue;
        }
        return Some(id);
    }
    // Everything drawn was blocked or solved: the first unblocked message, in id order.
    pool.groups
        .iter()
        .flat_map(|g| g.members.iter())
        .filter(|id| !blocked.contains(id))
        .min()
        .copied()
        .or(Some(first))
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

    fn corpus() -> Pool {
        Pool::new(candidates())
    }

    fn candidates() -> Vec<Candidate> {
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
        let all = self::candidates();
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
            let c = &all[id as usize];
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
        let all = self::candidates();
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
            let c = &all[id as usize];
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
        let one = Pool::new(vec![Candidate {
            id: 1,
            intent: "a".into(),
            lang: "en".into(),
        }]);
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
            next(
                &Pool::default(),
                &history,
                10,
                QueueSettings::default(),
                || 0.5
            ),
            None
        );
    }
}
