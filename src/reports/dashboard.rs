//! Dashboards: the figures trainees and supervisors read, and the pure rules behind them (sorting,
//! filtering, the median, the weakest intent, which lessons cover an intent). The SQL is in
//! `store.rs`; the pages in `routes.rs`.

use std::cmp::Ordering;

use crate::certification::Status;

/// A share of right answers: `hits` of `total`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Figure {
    pub hits: i64,
    pub total: i64,
}

impl Figure {
    pub fn new(hits: i64, total: i64) -> Figure {
        Figure { hits, total }
    }

    /// The share in [0, 1], or None without answers.
    pub fn share(&self) -> Option<f64> {
        (self.total > 0).then(|| self.hits as f64 / self.total as f64)
    }

    /// `87%`, or `—` without answers. Never rounded up to a whole percent it did not reach.
    pub fn percent(&self) -> String {
        match self.share() {
            Some(s) => format!("{}%", (s * 100.0 + 1e-9).floor() as i64),
            None => "—".to_string(),
        }
    }

    pub fn add(&mut self, other: Figure) {
        self.hits += other.hits;
        self.total += other.total;
    }
}

/// Which teams a page covers: the teams the viewer supervises (or every team, for an
/// administrator), possibly narrowed to one. Team ids come from the database, so they are inlined
/// into SQL as integers.
#[derive(Clone, Debug)]
pub struct TeamScope {
    pub teams: Vec<(i64, String)>,
}

impl TeamScope {
    pub fn id_list(&self) -> String {
        if self.teams.is_empty() {
            return "-1".to_string();
        }
        self.teams
            .iter()
            .map(|(id, _)| id.to_string())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// A subquery for the ids of the scope's trainees.
    pub fn members_sql(&self) -> String {
        format!(
            "SELECT tm.user_id FROM team_members tm WHERE tm.kind = 'member' AND tm.team_id IN ({})",
            self.id_list()
        )
    }

    pub fn names(&self) -> Vec<&str> {
        self.teams.iter().map(|(_, n)| n.as_str()).collect()
    }
}

/// The intent a trainee gets wrong most often (lowest share, at least `WEAK_MIN_ANSWERS`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeakIntent {
    pub intent: String,
    pub figure: Figure,
}

/// Fewer answers on an intent than this say nothing about it.
pub const WEAK_MIN_ANSWERS: i64 = 5;

/// One line of the team table.
#[derive(Clone, Debug, Default)]
pub struct TeamRow {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub active: bool,
    pub teams: Vec<String>,
    /// The latest of: last request, last lab answer, last quiz submission.
    pub last_active: Option<i64>,
    pub lessons_done: i64,
    pub lessons_total: i64,
    pub quiz_best: Option<f64>,
    pub quiz_last: Option<f64>,
    /// Lab answers given (graded or not).
    pub answered: i64,
    pub week: Figure,
    pub month: Figure,
    pub all: Figure,
    pub median_ms: Option<i64>,
    pub weakest: Option<WeakIntent>,
    /// The certificate holding the trainee's place: its status and expiry.
    pub certificate: Option<(Status, i64)>,
}

impl TeamRow {
    /// Keeps the weaker of the current and the candidate intent (ties: more answers, then key).
    pub fn consider_weakest(&mut self, candidate: WeakIntent) {
        if candidate.figure.total < WEAK_MIN_ANSWERS {
            return;
        }
        let weaker = match &self.weakest {
            None => true,
            Some(current) => compare_weakness(&candidate, current) == Ordering::Less,
        };
        if weaker {
            self.weakest = Some(candidate);
        }
    }

    /// Below the threshold: the 30-day accuracy (or, with no answer in 30 days, the overall one)
    /// is under `threshold` (a share). Trainees with no graded answer at all are not "below".
    pub fn below(&self, threshold: f64) -> bool {
        let figure = if self.month.total > 0 {
            self.month
        } else {
            self.all
        };
        figure.share().is_some_and(|s| s < threshold)
    }

    /// The certificate expires within 30 days (and is still valid).
    pub fn expiring(&self, now: i64) -> bool {
        matches!(self.certificate, Some((Status::Valid, expires)) if expires - now <= 30 * 86_400_000)
    }

    pub fn median_seconds(&self) -> Option<f64> {
        self.median_ms.map(|m| m as f64 / 1000.0)
    }
}

fn compare_weakness(a: &WeakIntent, b: &WeakIntent) -> Ordering {
    // a.hits/a.total vs b.hits/b.total without floating point.
    (a.figure.hits * b.figure.total)
        .cmp(&(b.figure.hits * a.figure.total))
        .then(b.figure.total.cmp(&a.figure.total))
        .then(a.intent.cmp(&b.intent))
}

/// The median from the one or two middle values the database picked.
pub fn median_of_middle(values: &[i64]) -> Option<i64> {
    match values {
        [] => None,
        [one] => Some(*one),
        many => {
            let sum: i64 = many.iter().sum();
            Some((sum as f64 / many.len() as f64).round() as i64)
        }
    }
}

/// The median of any list (tests and the benchmark check the SQL against it).
pub fn median(values: &[i64]) -> Option<i64> {
    let mut v = values.to_vec();
    v.sort_unstable();
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => median_of_middle(&v[n / 2 - 1..=n / 2]),
    }
}

/// Columns the team table sorts by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    Name,
    LastActive,
    Lessons,
    QuizBest,
    QuizLast,
    Answered,
    Week,
    Month,
    All,
    Median,
    Weakest,
    Certificate,
}

impl SortKey {
    pub const ALL: [SortKey; 12] = [
        SortKey::Name,
        SortKey::LastActive,
        SortKey::Lessons,
        SortKey::QuizBest,
        SortKey::QuizLast,
        SortKey::Answered,
        SortKey::Week,
        SortKey::Month,
        SortKey::All,
        SortKey::Median,
        SortKey::Weakest,
        SortKey::Certificate,
    ];

    pub fn key(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::LastActive => "active",
            SortKey::Lessons => "lessons",
            SortKey::QuizBest => "quiz_best",
            SortKey::QuizLast => "quiz_last",
            SortKey::Answered => "answered",
            SortKey::Week => "acc7",
            SortKey::Month => "acc30",
            SortKey::All => "acc",
            SortKey::Median => "median",
            SortKey::Weakest => "weakest",
            SortKey::Certificate => "cert",
        }
    }

    pub fn parse(s: &str) -> Option<SortKey> {
        SortKey::ALL.into_iter().find(|k| k.key() == s)
    }

    /// The direction a first click sorts in: names A→Z, figures lowest first (who needs help).
    pub fn natural_desc(self) -> bool {
        matches!(self, SortKey::LastActive | SortKey::Answered)
    }
}

/// Orders missing values last whatever the direction.
fn by_option<T: PartialOrd>(a: Option<T>, b: Option<T>, desc: bool) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => {
            let o = x.partial_cmp(&y).unwrap_or(Ordering::Equal);
            if desc { o.reverse() } else { o }
        }
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// Sorts the table in place; ties fall back to the name.
pub fn sort_rows(rows: &mut [TeamRow], key: SortKey, desc: bool) {
    rows.sort_by(|a, b| {
        let o = match key {
            SortKey::Name => {
                let o = a.name.to_lowercase().cmp(&b.name.to_lowercase());
                if desc { o.reverse() } else { o }
            }
            SortKey::LastActive => by_option(a.last_active, b.last_active, desc),
            SortKey::Lessons => by_option(Some(a.lessons_done), Some(b.lessons_done), desc),
            SortKey::QuizBest => by_option(a.quiz_best, b.quiz_best, desc),
            SortKey::QuizLast => by_option(a.quiz_last, b.quiz_last, desc),
            SortKey::Answered => by_option(Some(a.answered), Some(b.answered), desc),
            SortKey::Week => by_option(a.week.share(), b.week.share(), desc),
            SortKey::Month => by_option(a.month.share(), b.month.share(), desc),
            SortKey::All => by_option(a.all.share(), b.all.share(), desc),
            SortKey::Median => by_option(a.median_ms, b.median_ms, desc),
            SortKey::Weakest => by_option(
                a.weakest.as_ref().and_then(|w| w.figure.share()),
                b.weakest.as_ref().and_then(|w| w.figure.share()),
                desc,
            ),
            SortKey::Certificate => {
                by_option(a.certificate.map(|c| c.1), b.certificate.map(|c| c.1), desc)
            }
        };
        o.then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
            .then(a.user_id.cmp(&b.user_id))
    });
}

/// Keeps the rows whose name or email contains `query` (case-insensitive) and, with
/// `below`, only those under the threshold.
pub fn filter_rows(rows: Vec<TeamRow>, query: &str, below: Option<f64>) -> Vec<TeamRow> {
    let q = query.trim().to_lowercase();
    rows.into_iter()
        .filter(|r| {
            q.is_empty()
                || r.name.to_lowercase().contains(&q)
                || r.email.to_lowercase().contains(&q)
        })
        .filter(|r| below.is_none_or(|t| r.below(t)))
        .collect()
}

/// One week of a trend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeekFigure {
    /// Monday 00:00 UTC, epoch ms.
    pub starts_at: i64,
    pub figure: Figure,
}

/// `weeks` consecutive weeks ending with the one holding `now`, with the figures found (weeks
/// without answers are empty figures).
pub fn fill_weeks(found: &[WeekFigure], now_week: i64, weeks: usize) -> Vec<WeekFigure> {
    (0..weeks)
        .rev()
        .map(|back| {
            let starts_at = now_week - back as i64 * 7 * 86_400_000;
            WeekFigure {
                starts_at,
                figure: found
                    .iter()
                    .find(|w| w.starts_at == starts_at)
                    .map(|w| w.figure)
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// The weeks from the first one with answers, keeping at least the last `min` weeks (a trend of
/// a trainee who started three weeks ago should not open on nine empty weeks).
pub fn trim_leading_empty(weeks: &[WeekFigure], min: usize) -> &[WeekFigure] {
    let first = weeks
        .iter()
        .position(|w| w.figure.total > 0)
        .unwrap_or(weeks.len());
    &weeks[first.min(weeks.len().saturating_sub(min))..]
}

/// A confusion: answers whose reference was `reference` labelled `given`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confusion {
    pub reference: String,
    pub given: String,
    pub count: i64,
}

/// A confusion matrix over intents, rows the reference, columns the given label.
pub struct Matrix {
    pub labels: Vec<String>,
    /// counts[reference][given]
    pub counts: Vec<Vec<i64>>,
}

impl Matrix {
    /// Built from grouped counts, over `labels` (the taxonomy's order) plus any key met that the
    /// taxonomy no longer has.
    pub fn from_counts(labels: &[String], cells: &[Confusion]) -> Matrix {
        let mut labels = labels.to_vec();
        for c in cells {
            for k in [&c.reference, &c.given] {
                if !labels.contains(k) {
                    labels.push(k.clone());
                }
            }
        }
        let n = labels.len();
        let mut counts = vec![vec![0; n]; n];
        for c in cells {
            let i = labels.iter().position(|l| *l == c.reference);
            let j = labels.iter().position(|l| *l == c.given);
            if let (Some(i), Some(j)) = (i, j) {
                counts[i][j] += c.count;
            }
        }
        Matrix { labels, counts }
    }

    pub fn row_total(&self, i: usize) -> i64 {
        self.counts[i].iter().sum()
    }

    /// The share of row `i` in cell `j` (row-normalised), 0 for an empty row.
    pub fn row_share(&self, i: usize, j: usize) -> f64 {
        let total = self.row_total(i);
        if total == 0 {
            0.0
        } else {
            self.counts[i][j] as f64 / total as f64
        }
    }

    pub fn max_count(&self) -> i64 {
        self.counts.iter().flatten().copied().max().unwrap_or(0)
    }
}

/// A lesson and the intents its current text is tagged with (`intent:<key>` in its front matter).
#[derive(Clone, Debug)]
pub struct LessonTags {
    pub lesson_id: i64,
    pub course_slug: String,
    pub href: String,
    pub title_en: String,
    pub title_zh: String,
    pub intents: Vec<String>,
}

/// The course written to teach the intents; its lessons come first when one is looked for.
pub const INTENT_COURSE: &str = "intent-taxonomy";

/// The lessons that teach an intent, best first. Rule: the published lessons tagged
/// `intent:<key>`; those of the intent course (`INTENT_COURSE`) before those of other courses
/// (platform rules and reply craft mention intents but do not teach them); then, for a confusion,
/// those also tagged with the intent given instead (they teach the boundary between the two); then
/// the most specific (fewest intent tags: a lesson on five intents teaches each more closely than
/// the overview of all eighteen); then course order. At most `max`.
pub fn lessons_for_intent<'a>(
    lessons: &'a [LessonTags],
    intent: &str,
    confused_with: Option<&str>,
    max: usize,
) -> Vec<&'a LessonTags> {
    let mut found: Vec<(usize, &LessonTags)> = lessons
        .iter()
        .enumerate()
        .filter(|(_, l)| l.intents.iter().any(|i| i == intent))
        .collect();
    found.sort_by_key(|(pos, l)| {
        let other_course = l.course_slug != INTENT_COURSE;
        let misses_other = confused_with.is_some_and(|c| !l.intents.iter().any(|i| i == c));
        (other_course, misses_other, l.intents.len(), *pos)
    });
    found.into_iter().take(max).map(|(_, l)| l).collect()
}

/// A trainee's results at one quiz, in percent.
#[derive(Clone, Debug)]
pub struct QuizResult {
    pub quiz_id: i64,
    pub title: String,
    pub best: f64,
    pub last: f64,
    pub attempts: i64,
}

/// An answer as the drill-down lists show it.
#[derive(Clone, Debug)]
pub struct Answered {
    pub id: i64,
    pub user_id: i64,
    pub trainee: String,
    pub message_id: i64,
    pub text: String,
    pub lang: String,
    pub ref_source: String,
    pub ref_intent: Option<String>,
    pub given_intent: Option<String>,
    pub ref_emotion: Option<String>,
    pub given_emotion: Option<String>,
    pub intent_correct: Option<bool>,
    pub correct: Option<bool>,
    pub classifier_intent: Option<String>,
    pub millis: i64,
    pub answered_at: i64,
}

impl Answered {
    pub fn seconds(&self) -> String {
        format!("{:.1}", self.millis as f64 / 1000.0)
    }
}

/// The team table as CSV (header and one line per trainee), every text cell defused for
/// spreadsheets. Shares are percentages with one decimal; empty when there is nothing to count.
pub fn team_csv(rows: &[TeamRow]) -> String {
    use crate::csv::{line, spreadsheet_safe};
    use crate::web::page::format_iso;
    let pct = |f: Figure| {
        f.share()
            .map(|s| format!("{:.1}", s * 100.0))
            .unwrap_or_default()
    };
    let mut out = line(&[
        "trainee",
        "email",
        "teams",
        "last_active_utc",
        "lessons_done",
        "lessons_total",
        "quiz_best_percent",
        "quiz_last_percent",
        "answers",
        "accuracy_7d_percent",
        "graded_7d",
        "accuracy_30d_percent",
        "graded_30d",
        "accuracy_all_percent",
        "graded_all",
        "median_seconds_30d",
        "weakest_intent_30d",
        "weakest_intent_percent",
        "certificate_status",
        "certificate_expires_utc",
    ]);
    out.push_str("\r\n");
    for r in rows {
        out.push_str(&line(&[
            spreadsheet_safe(&r.name),
            spreadsheet_safe(&r.email),
            spreadsheet_safe(&r.teams.join("; ")),
            r.last_active.map(format_iso).unwrap_or_default(),
            r.lessons_done.to_string(),
            r.lessons_total.to_string(),
            r.quiz_best.map(|p| format!("{p:.1}")).unwrap_or_default(),
            r.quiz_last.map(|p| format!("{p:.1}")).unwrap_or_default(),
            r.answered.to_string(),
            pct(r.week),
            r.week.total.to_string(),
            pct(r.month),
            r.month.total.to_string(),
            pct(r.all),
            r.all.total.to_string(),
            r.median_seconds()
                .map(|s| format!("{s:.1}"))
                .unwrap_or_default(),
            r.weakest
                .as_ref()
                .map(|w| w.intent.clone())
                .unwrap_or_default(),
            r.weakest
                .as_ref()
                .map(|w| pct(w.figure))
                .unwrap_or_default(),
            r.certificate
                .map(|c| c.0.key().to_string())
                .unwrap_or_else(|| "none".into()),
            r.certificate.map(|c| format_iso(c.1)).unwrap_or_default(),
        ]));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, month: (i64, i64), all: (i64, i64)) -> TeamRow {
        TeamRow {
            user_id: name.len() as i64,
            name: name.into(),
            email: format!("{}@x.example", name.to_lowercase()),
            month: Figure::new(month.0, month.1),
            all: Figure::new(all.0, all.1),
            ..TeamRow::default()
        }
    }

    #[test]
    fn figures_never_round_up() {
        assert_eq!(Figure::new(799, 1000).percent(), "79%");
        assert_eq!(Figure::new(4, 5).percent(), "80%");
        assert_eq!(Figure::new(0, 0).percent(), "—");
        assert_eq!(Figure::new(1, 3).share(), Some(1.0 / 3.0));
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[5]), Some(5));
        assert_eq!(median(&[9, 1, 5]), Some(5));
        assert_eq!(median(&[1, 2, 3, 10]), Some(3), "2.5 rounds to 3");
        assert_eq!(median_of_middle(&[4000, 6000]), Some(5000));
    }

    #[test]
    fn weakest_intent_needs_enough_answers_and_prefers_the_lowest_share() {
        let mut r = TeamRow::default();
        let w = |k: &str, h, t| WeakIntent {
            intent: k.into(),
            figure: Figure::new(h, t),
        };
        r.consider_weakest(w("rare", 0, 4));
        assert!(r.weakest.is_none(), "4 answers say nothing");
        r.consider_weakest(w("b", 3, 6));
        r.consider_weakest(w("a", 4, 5));
        assert_eq!(r.weakest.as_ref().unwrap().intent, "b");
        r.consider_weakest(w("c", 5, 10));
        assert_eq!(
            r.weakest.as_ref().unwrap().intent,
            "c",
            "same 50%, more answers"
        );
    }

    #[test]
    fn sorting_and_filtering() {
        let mut rows = vec![
            row("Carla", (9, 10), (9, 10)),
            row("ana", (5, 10), (5, 10)),
            row("Bo", (0, 0), (0, 0)),
        ];
        sort_rows(&mut rows, SortKey::Month, false);
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["ana", "Carla", "Bo"], "no data last");
        sort_rows(&mut rows, SortKey::Month, true);
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            ["Carla", "ana", "Bo"],
            "no data last, descending too"
        );
        sort_rows(&mut rows, SortKey::Name, false);
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["ana", "Bo", "Carla"]);
        let below = filter_rows(rows.clone(), "", Some(0.8));
        assert_eq!(below.len(), 1);
        assert_eq!(below[0].name, "ana");
        assert_eq!(filter_rows(rows.clone(), "CAR", None).len(), 1);
        assert_eq!(filter_rows(rows, "x.example", None).len(), 3);
        assert_eq!(SortKey::parse("acc30"), Some(SortKey::Month));
        assert_eq!(SortKey::parse("nope"), None);
    }

    #[test]
    fn matrices_normalise_rows() {
        let labels = vec!["a".to_string(), "b".to_string()];
        let m = Matrix::from_counts(
            &labels,
            &[
                Confusion {
                    reference: "a".into(),
                    given: "a".into(),
                    count: 3,
                },
                Confusion {
                    reference: "a".into(),
                    given: "b".into(),
                    count: 1,
                },
                Confusion {
                    reference: "b".into(),
                    given: "z".into(),
                    count: 2,
                },
            ],
        );
        assert_eq!(m.labels, ["a", "b", "z"]);
        assert_eq!(m.counts[0], [3, 1, 0]);
        assert_eq!(m.row_share(0, 1), 0.25);
        assert_eq!(m.row_share(2, 0), 0.0);
        assert_eq!(m.row_share(1, 2), 1.0);
        assert_eq!(m.max_count(), 3);
    }

    #[test]
    fn the_most_specific_lesson_comes_first() {
        let l = |id, intents: &[&str]| LessonTags {
            lesson_id: id,
            course_slug: if id == 4 {
                "other".into()
            } else {
                INTENT_COURSE.into()
            },
            href: format!("/l/{id}"),
            title_en: String::new(),
            title_zh: String::new(),
            intents: intents.iter().map(|s| s.to_string()).collect(),
        };
        let lessons = vec![
            l(1, &["a", "b", "c", "d"]),
            l(2, &["a", "b", "x"]),
            l(3, &["c"]),
            l(4, &["a"]),
            l(5, &["a", "c"]),
        ];
        let ids =
            |found: Vec<&LessonTags>| -> Vec<i64> { found.iter().map(|l| l.lesson_id).collect() };
        assert_eq!(
            ids(lessons_for_intent(&lessons, "a", None, 9)),
            [5, 2, 1, 4]
        );
        assert_eq!(
            ids(lessons_for_intent(&lessons, "a", Some("b"), 2)),
            [2, 1],
            "lessons on both sides of the confusion first"
        );
        assert!(lessons_for_intent(&lessons, "zz", None, 2).is_empty());
    }

    #[test]
    fn weeks_are_filled() {
        let week = 7 * 86_400_000;
        let found = vec![WeekFigure {
            starts_at: 10 * week,
            figure: Figure::new(1, 2),
        }];
        let all = fill_weeks(&found, 11 * week, 3);
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].starts_at, 9 * week);
        assert_eq!(all[1].figure, Figure::new(1, 2));
        assert_eq!(all[2].figure, Figure::default());
        assert_eq!(
            trim_leading_empty(&all, 1).len(),
            2,
            "from the first week with answers"
        );
        assert_eq!(trim_leading_empty(&all, 3).len(), 3, "at least the minimum");
        assert_eq!(trim_leading_empty(&all[2..], 1).len(), 1);
    }

    #[test]
    fn csv_defuses_formulas() {
        let mut r = row("=HYPERLINK(\"x\")", (1, 2), (1, 2));
        r.teams = vec!["Team, A".into()];
        let csv = team_csv(&[r]);
        let mut lines = csv.lines();
        assert!(lines.next().unwrap().starts_with("trainee,email,teams"));
        let l = lines.next().unwrap();
        assert!(l.starts_with("\"'=HYPERLINK(\"\"x\"\")\""), "{l}");
        assert!(l.contains("\"Team, A\""));
        assert!(l.contains(",50.0,2,"));
    }
}
