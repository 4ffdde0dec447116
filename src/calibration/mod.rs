//! Calibration sessions: a supervisor has a group of trainees label the same messages blind; once the
//! session is closed, the report compares their labels with each other and with the gold labels.
//!
//! This file holds the domain (what a session's input means, and the report built from its answers,
//! with the statistics of `reports::agreement`); SQL is in `store.rs`, pages in `routes.rs`.

pub mod routes;
pub mod store;

use std::collections::HashMap;

use crate::lab::Labels;
use crate::reports::agreement::{self, AgreementSummary, Rating};

/// The most messages one session may hold: enough for an afternoon, few enough to discuss.
pub const MAX_ITEMS: usize = 200;
/// Items proposed by default on the new-session form.
pub const DEFAULT_ITEMS: usize = 20;

/// A session title: trimmed, 1 to 120 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Title(String);

impl Title {
    pub fn parse(raw: &str) -> Result<Title, &'static str> {
        let title = raw.trim();
        if title.is_empty() || title.chars().count() > 120 {
            return Err("calibration.error_title");
        }
        Ok(Title(title.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Which messages a session holds: explicit external ids, or a filter over the corpus.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// These messages, in this order.
    Ids(Vec<String>),
    /// Up to `count` messages drawn at random among those matching every filter given.
    Filter(Filter),
}

/// Corpus filters; `None` means any.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub lang: Option<String>,
    pub platform: Option<String>,
    pub intent: Option<String>,
    pub split: Option<String>,
    pub count: usize,
}

fn any_or(raw: &str) -> Option<String> {
    let v = raw.trim();
    (!v.is_empty() && v != "any").then(|| v.to_string())
}

impl Selection {
    /// Reads the new-session form's fields. External ids (separated by commas, spaces or lines)
    /// take precedence over the filters.
    pub fn parse(
        ids: &str,
        lang: &str,
        platform: &str,
        intent: &str,
        split: &str,
        count: &str,
    ) -> Result<Selection, &'static str> {
        let mut list: Vec<String> = Vec::new();
        for id in ids.split(|c: char| c == ',' || c.is_whitespace()) {
            if !id.is_empty() && !list.iter().any(|seen| seen == id) {
                list.push(id.to_string());
            }
        }
        if !list.is_empty() {
            if list.len() > MAX_ITEMS {
                return Err("calibration.error_count");
            }
            return Ok(Selection::Ids(list));
        }
        let count: usize = count
            .trim()
            .parse()
            .map_err(|_| "calibration.error_count")?;
        if count == 0 || count > MAX_ITEMS {
            return Err("calibration.error_count");
        }
        let split = any_or(split);
        if split
            .as_deref()
            .is_some_and(|s| s != "practice" && s != "exam")
        {
            return Err("calibration.error_filter");
        }
        Ok(Selection::Filter(Filter {
            lang: any_or(lang),
            platform: any_or(platform),
            intent: any_or(intent),
            split,
            count,
        }))
    }

    /// How the messages were chosen, in words kept with the session (shown on its pages).
    pub fn describe(&self) -> String {
        match self {
            Selection::Ids(ids) => format!("ids: {}", ids.join(", ")),
            Selection::Filter(f) => {
                let mut parts = vec![format!("count={}", f.count)];
                for (name, value) in [
                    ("lang", &f.lang),
                    ("platform", &f.platform),
                    ("intent", &f.intent),
                    ("split", &f.split),
                ] {
                    if let Some(v) = value {
                        parts.push(format!("{name}={v}"));
                    }
                }
                parts.join(", ")
            }
        }
    }
}

/// Open sessions take answers; closed ones show their report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Open,
    Closed,
}

impl Status {
    pub fn parse(raw: &str) -> Status {
        if raw == "closed" {
            Status::Closed
        } else {
            Status::Open
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Closed => "closed",
        }
    }
}

/// A message in a session.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub id: i64,
    pub position: i64,
    pub message_id: i64,
    pub external_id: String,
    pub text: String,
    pub lang: String,
    pub gold: Labels,
    pub notes: String,
}

/// A trainee in a session.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub user_id: i64,
    pub name: String,
    pub email: String,
}

/// What one trainee gave one item; all labels `None` when they skipped it.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    pub item_id: i64,
    pub user_id: i64,
    pub given: Labels,
}

impl Answer {
    pub fn skipped(&self) -> bool {
        self.given.intent.is_none()
    }
}

/// Which label of an answer a statistic is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Intent,
    Emotion,
    Escalate,
}

impl Field {
    pub const ALL: [Field; 3] = [Field::Intent, Field::Emotion, Field::Escalate];

    pub fn key(self) -> &'static str {
        match self {
            Field::Intent => "intent",
            Field::Emotion => "emotion",
            Field::Escalate => "escalate",
        }
    }

    pub fn of(self, labels: &Labels) -> Option<String> {
        match self {
            Field::Intent => labels.intent.clone(),
            Field::Emotion => labels.emotion.clone(),
            Field::Escalate => labels
                .escalate
                .map(|x| if x { "yes" } else { "no" }.to_string()),
        }
    }
}

/// Ratings for `agreement::summarize`: item = position, rater = user id; skipped items are missing.
pub fn ratings(items: &[Item], answers: &[Answer], field: Field) -> Vec<Rating> {
    let position: HashMap<i64, i64> = items.iter().map(|i| (i.id, i.position)).collect();
    let mut ratings: Vec<(i64, i64, String)> = answers
        .iter()
        .filter_map(|a| {
            let label = field.of(&a.given)?;
            Some((*position.get(&a.item_id)?, a.user_id, label))
        })
        .collect();
    // Items in session order, so the summary lists them that way.
    ratings.sort();
    ratings
        .into_iter()
        .map(|(item, rater, label)| Rating::new(item.to_string(), rater.to_string(), label))
        .collect()
}

/// Cohen's kappa of one trainee against the gold labels, over the items they answered that have one.
#[derive(Clone, Debug, PartialEq)]
pub struct AgainstGold {
    pub user_id: i64,
    pub kappa: Option<f64>,
    pub n: usize,
    pub agreed: usize,
}

pub fn against_gold(
    items: &[Item],
    members: &[Member],
    answers: &[Answer],
    field: Field,
) -> Vec<AgainstGold> {
    let gold: HashMap<i64, String> = items
        .iter()
        .filter_map(|i| Some((i.id, field.of(&i.gold)?)))
        .collect();
    members
        .iter()
        .map(|m| {
            let pairs: Vec<(String, String)> = answers
                .iter()
                .filter(|a| a.user_id == m.user_id)
                .filter_map(|a| Some((field.of(&a.given)?, gold.get(&a.item_id)?.clone())))
                .collect();
            AgainstGold {
                user_id: m.user_id,
                kappa: agreement::cohen_kappa(&pairs),
                n: pairs.len(),
                agreed: pairs.iter().filter(|(a, b)| a == b).count(),
            }
        })
        .collect()
}

/// Everything the report shows, per field.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldReport {
    pub field: Field,
    pub summary: AgreementSummary,
    pub against_gold: Vec<AgainstGold>,
}

pub fn field_report(
    items: &[Item],
    members: &[Member],
    answers: &[Answer],
    field: Field,
) -> FieldReport {
    // Each (item, rater) appears once: the table's UNIQUE key guarantees it, so a duplicate here is
    // a bug; an empty summary is the safe answer.
    let summary = agreement::summarize(&ratings(items, answers, field))
        .unwrap_or_else(|_| agreement::summarize(&[]).expect("no ratings, no duplicates"));
    FieldReport {
        field,
        against_gold: against_gold(items, members, answers, field),
        summary,
    }
}

/// Items ordered for discussion: least pair agreement on intent first (then most ratings), items
/// with fewer than two answers last, session order among equals.
pub fn discussion_order(items: &[Item], intent: &AgreementSummary) -> Vec<i64> {
    let by_position: HashMap<String, &agreement::ItemLabels> =
        intent.items.iter().map(|i| (i.item.clone(), i)).collect();
    let mut order: Vec<(f64, std::cmp::Reverse<usize>, i64, i64)> = items
        .iter()
        .map(|item| {
            let labels = by_position.get(&item.position.to_string());
            let agreement = labels.and_then(|l| l.pair_agreement).unwrap_or(2.0);
            let n = labels.map_or(0, |l| l.n_ratings);
            (agreement, std::cmp::Reverse(n), item.position, item.id)
        })
        .collect();
    order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    order.into_iter().map(|(_, _, _, id)| id).collect()
}

/// Discussion notes: at most this many characters per item.
pub const MAX_NOTES: usize = 5_000;

pub fn parse_notes(raw: &str) -> Result<String, &'static str> {
    let notes = raw.trim();
    if notes.chars().count() > MAX_NOTES {
        return Err("calibration.error_notes");
    }
    Ok(notes.replace("\r\n", "\n"))
}

/// The session's answers as `item,rater,label` CSV (item = message id, rater = email, label = intent),
/// which `intentdojo agreement` reads; emotion, escalate and time follow as extra columns it ignores.
/// Skipped items have no row. Cells a spreadsheet would run as a formula are defused.
pub fn answers_csv(
    items: &[Item],
    members: &[Member],
    answers: &[Answer],
    answered_at: &HashMap<(i64, i64), i64>,
) -> String {
    use crate::csv::spreadsheet_safe;
    let item_by_id: HashMap<i64, &Item> = items.iter().map(|i| (i.id, i)).collect();
    let member_by_id: HashMap<i64, &Member> = members.iter().map(|m| (m.user_id, m)).collect();
    let mut rows: Vec<(i64, &str, &Answer)> = answers
        .iter()
        .filter(|a| !a.skipped())
        .filter_map(|a| {
            let item = item_by_id.get(&a.item_id)?;
            let member = member_by_id.get(&a.user_id)?;
            Some((item.position, member.email.as_str(), a))
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)));
    let mut out = crate::csv::line(&[
        "item",
        "rater",
        "label",
        "emotion",
        "escalate",
        "gold_intent",
        "answered_utc",
    ]);
    out.push_str("\r\n");
    for (_, email, a) in rows {
        let item = item_by_id[&a.item_id];
        let cells = [
            item.external_id.clone(),
            email.to_string(),
            Field::Intent.of(&a.given).unwrap_or_default(),
            Field::Emotion.of(&a.given).unwrap_or_default(),
            Field::Escalate.of(&a.given).unwrap_or_default(),
            item.gold.intent.clone().unwrap_or_default(),
            answered_at
                .get(&(a.item_id, a.user_id))
                .map(|ms| crate::web::page::format_iso(*ms))
                .unwrap_or_default(),
        ];
        let safe: Vec<String> = cells.iter().map(|c| spreadsheet_safe(c)).collect();
        out.push_str(&crate::csv::line(&safe));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: i64, gold: Option<&str>) -> Item {
        Item {
            id,
            position: id,
            message_id: 100 + id,
            external_id: format!("m{id}"),
            text: String::new(),
            lang: "en".into(),
            gold: Labels {
                intent: gold.map(str::to_string),
                emotion: None,
                escalate: None,
            },
            notes: String::new(),
        }
    }

    fn member(id: i64) -> Member {
        Member {
            user_id: id,
            name: format!("u{id}"),
            email: format!("u{id}@x"),
        }
    }

    fn answer(item: i64, user: i64, intent: Option<&str>) -> Answer {
        Answer {
            item_id: item,
            user_id: user,
            given: Labels {
                intent: intent.map(str::to_string),
                emotion: intent.map(|_| "neutral".to_string()),
                escalate: intent.map(|_| false),
            },
        }
    }

    #[test]
    fn selections_parse_ids_first_then_filters() {
        assert_eq!(
            Selection::parse("a, b\nc a", "", "", "", "", "x"),
            Ok(Selection::Ids(vec!["a".into(), "b".into(), "c".into()]))
        );
        assert_eq!(
            Selection::parse("", "es", "any", "", "practice", "12"),
            Ok(Selection::Filter(Filter {
                lang: Some("es".into()),
                platform: None,
                intent: None,
                split: Some("practice".into()),
                count: 12,
            }))
        );
        assert!(Selection::parse("", "", "", "", "", "0").is_err());
        assert!(Selection::parse("", "", "", "", "", "201").is_err());
        assert!(Selection::parse("", "", "", "", "secret", "5").is_err());
        assert!(Title::parse("  ").is_err());
        assert_eq!(Title::parse(" Week 3 ").unwrap().as_str(), "Week 3");
    }

    /// Two raters, four items: they agree on 3 of 4 (p_o = 0.75); A gave x,x,y,y and B x,x,y,x,
    /// so p_e = (2·3 + 2·1)/16 = 0.5 and kappa = (0.75 − 0.5)/(1 − 0.5) = 0.5.
    #[test]
    fn the_report_uses_the_agreement_module_and_tolerates_skips() {
        let items: Vec<Item> = (1..=5).map(|i| item(i, Some("x"))).collect();
        let members = vec![member(1), member(2), member(3)];
        let answers = vec![
            answer(1, 1, Some("x")),
            answer(2, 1, Some("x")),
            answer(3, 1, Some("y")),
            answer(4, 1, Some("y")),
            answer(1, 2, Some("x")),
            answer(2, 2, Some("x")),
            answer(3, 2, Some("y")),
            answer(4, 2, Some("x")),
            answer(5, 2, None),
            answer(5, 1, None),
        ];
        let report = field_report(&items, &members, &answers, Field::Intent);
        let pair = &report.summary.pairwise[0];
        assert_eq!(pair.n, 4);
        assert!((pair.cohen_kappa.unwrap() - 0.5).abs() < 1e-12);
        // Skipped items are missing ratings, not a label.
        assert_eq!(report.summary.n_ratings, 8);
        // Rater 1 against gold (all x): p_o = 2/4 and p_e = (2·4 + 2·0)/16 = 0.5, so kappa is 0.
        assert_eq!(report.against_gold[0].n, 4);
        assert_eq!(report.against_gold[0].agreed, 2);
        assert_eq!(report.against_gold[0].kappa, Some(0.0));
        // The split item first, then the agreed ones in session order, then the one nobody answered.
        let order = discussion_order(&items, &report.summary);
        assert_eq!(order, vec![4, 1, 2, 3, 5]);
    }

    #[test]
    fn the_csv_feeds_the_agreement_command_and_defuses_formulas() {
        let mut items = vec![item(1, Some("x")), item(2, None)];
        items[1].external_id = "=cmd|calc".into();
        let members = vec![member(1), member(2)];
        let answers = vec![
            answer(1, 1, Some("x")),
            answer(1, 2, Some("y")),
            answer(2, 1, Some("x")),
            answer(2, 2, None),
        ];
        let csv = answers_csv(&items, &members, &answers, &HashMap::new());
        assert!(csv.contains("'=cmd|calc"), "{csv}");
        let ratings = agreement::parse_ratings_csv(&csv).unwrap();
        assert_eq!(ratings.len(), 3);
        assert_eq!(ratings[0], Rating::new("m1", "u1@x", "x"));
    }
}
