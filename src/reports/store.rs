//! The SQL behind the dashboards, portable across SQLite and PostgreSQL (`$1` placeholders, epoch
//! milliseconds, 0/1 booleans). Every figure over lab answers is a `GROUP BY` in the database; only
//! grouped rows (a few per trainee) come back. Counts are summed as integers and divided in Rust, so
//! no backend-specific numeric type crosses the driver.

use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Result, Row};

use super::dashboard::{
    Answered, Confusion, Figure, LessonTags, QuizResult, TeamRow, TeamScope, WeakIntent,
    WeekFigure, median_of_middle,
};
use crate::db::{Db, flag};

const DAY_MS: i64 = 86_400_000;
const WEEK_MS: i64 = 7 * DAY_MS;
/// Week numbers start on Mondays: the epoch (1970-01-01) was a Thursday, three days after one.
const MONDAY_SHIFT_MS: i64 = 3 * DAY_MS;

fn count(r: &AnyRow, col: &str) -> Result<i64> {
    Ok(r.try_get::<Option<i64>, _>(col)?.unwrap_or(0))
}

/// The teams a user may look at: all of them for an administrator, else those they supervise.
pub async fn visible_teams(db: &Db, user_id: i64, admin: bool) -> Result<Vec<(i64, String)>> {
    let sql = if admin {
        "SELECT id, name FROM teams WHERE id > $1 ORDER BY name"
    } else {
        "SELECT t.id, t.name FROM teams t JOIN team_members m ON m.team_id = t.id
         WHERE m.user_id = $1 AND m.kind = 'supervisor' ORDER BY t.name"
    };
    let rows = sqlx::query(sql)
        .bind(if admin { 0 } else { user_id })
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .collect()
}

/// Is this user a trainee member of one of the scope's teams?
pub async fn in_scope(db: &Db, scope: &TeamScope, user_id: i64) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM team_members WHERE user_id = $1 AND kind = 'member' AND team_id IN ({})",
        scope.id_list()
    )))
    .bind(user_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

/// The trainees of the scope: (id, display name, email, active, last seen, team names).
async fn people(db: &Db, scope: &TeamScope) -> Result<Vec<TeamRow>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT u.id, u.display_name, u.email, u.active, u.last_seen_at, t.name AS team_name
         FROM team_members m JOIN users u ON u.id = m.user_id JOIN teams t ON t.id = m.team_id
         WHERE m.kind = 'member' AND m.team_id IN ({}) AND u.id > $1 ORDER BY u.display_name, u.id, t.name",
        scope.id_list()
    )))
    .bind(0_i64)
    .fetch_all(&db.pool)
    .await?;
    let mut out: Vec<TeamRow> = Vec::new();
    for r in rows {
        let id: i64 = r.try_get("id")?;
        let team: String = r.try_get("team_name")?;
        if let Some(last) = out.last_mut().filter(|p| p.user_id == id) {
            last.teams.push(team);
            continue;
        }
        out.push(TeamRow {
            user_id: id,
            name: r.try_get("display_name")?,
            email: r.try_get("email")?,
            active: flag(r.try_get("active")?),
            last_active: r.try_get("last_seen_at")?,
            teams: vec![team],
            ..TeamRow::default()
        });
    }
    Ok(out)
}

/// The team table: one row per trainee with every aggregate, in name order.
/// `now` dates the 7- and 30-day windows. The median time and the weakest intent are over the last
/// 30 days (the pace and the gap a supervisor acts on now, and a bounded number of rows).
pub async fn team_rows(db: &Db, scope: &TeamScope, now: i64) -> Result<Vec<TeamRow>> {
    let mut rows = people(db, scope).await?;
    let index: HashMap<i64, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.user_id, i))
        .collect();
    let members = scope.members_sql();
    let since7 = now - 7 * DAY_MS;
    let since30 = now - 30 * DAY_MS;

    let lab = sqlx::query(AssertSqlSafe(format!(
        "SELECT a.user_id, COUNT(*) AS n,
           SUM(CASE WHEN a.correct IS NOT NULL THEN 1 ELSE 0 END) AS graded,
           SUM(CASE WHEN a.correct = 1 THEN 1 ELSE 0 END) AS hits,
           SUM(CASE WHEN a.correct IS NOT NULL AND a.answered_at >= $1 THEN 1 ELSE 0 END) AS graded7,
           SUM(CASE WHEN a.correct = 1 AND a.answered_at >= $1 THEN 1 ELSE 0 END) AS hits7,
           SUM(CASE WHEN a.correct IS NOT NULL AND a.answered_at >= $2 THEN 1 ELSE 0 END) AS graded30,
           SUM(CASE WHEN a.correct = 1 AND a.answered_at >= $2 THEN 1 ELSE 0 END) AS hits30,
           MAX(a.answered_at) AS last_at
         FROM lab_answers a WHERE a.user_id IN ({members}) GROUP BY a.user_id"
    )))
    .bind(since7)
    .bind(since30)
    .fetch_all(&db.pool)
    .await?;
    for r in lab {
        let Some(&i) = index.get(&r.try_get::<i64, _>("user_id")?) else {
            continue;
        };
        let row = &mut rows[i];
        row.answered = count(&r, "n")?;
        row.all = Figure::new(count(&r, "hits")?, count(&r, "graded")?);
        row.week = Figure::new(count(&r, "hits7")?, count(&r, "graded7")?);
        row.month = Figure::new(count(&r, "hits30")?, count(&r, "graded30")?);
        let last: Option<i64> = r.try_get("last_at")?;
        row.last_active = row.last_active.max(last);
    }

    // Median: the one or two middle answers of each trainee's last 30 days, picked by a window
    // function in the database (SQLite ≥ 3.25 and PostgreSQL both have them).
    let middles = sqlx::query(AssertSqlSafe(format!(
        "SELECT user_id, millis FROM (
           SELECT user_id, millis, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY millis) AS rn,
                  COUNT(*) OVER (PARTITION BY user_id) AS cnt
           FROM lab_answers WHERE answered_at >= $1 AND user_id IN ({members})
         ) x WHERE rn * 2 >= cnt AND rn * 2 <= cnt + 2"
    )))
    .bind(since30)
    .fetch_all(&db.pool)
    .await?;
    let mut middle: HashMap<i64, Vec<i64>> = HashMap::new();
    for r in middles {
        middle
            .entry(r.try_get("user_id")?)
            .or_default()
            .push(r.try_get("millis")?);
    }
    for (user, values) in middle {
        if let Some(&i) = index.get(&user) {
            rows[i].median_ms = median_of_middle(&values);
        }
    }

    let per_intent = sqlx::query(AssertSqlSafe(format!(
        "SELECT user_id, ref_intent, COUNT(*) AS n, SUM(CASE WHEN intent_correct = 1 THEN 1 ELSE 0 END) AS hits
         FROM lab_answers WHERE answered_at >= $1 AND intent_correct IS NOT NULL AND ref_intent IS NOT NULL
           AND user_id IN ({members})
         GROUP BY user_id, ref_intent"
    )))
    .bind(since30)
    .fetch_all(&db.pool)
    .await?;
    for r in per_intent {
        let Some(&i) = index.get(&r.try_get::<i64, _>("user_id")?) else {
            continue;
        };
        let candidate = WeakIntent {
            intent: r.try_get("ref_intent")?,
            figure: Figure::new(count(&r, "hits")?, count(&r, "n")?),
        };
        rows[i].consider_weakest(candidate);
    }

    let total_lessons: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM lessons WHERE published = 1 AND id > $1")
            .bind(0_i64)
            .fetch_one(&db.pool)
            .await?;
    let lessons = sqlx::query(AssertSqlSafe(format!(
        "SELECT p.user_id, COUNT(*) AS n FROM lesson_progress p JOIN lessons l ON l.id = p.lesson_id
         WHERE p.completed_at IS NOT NULL AND l.published = 1 AND p.user_id IN ({members}) AND p.user_id > $1
         GROUP BY p.user_id"
    )))
    .bind(0_i64)
    .fetch_all(&db.pool)
    .await?;
    for row in rows.iter_mut() {
        row.lessons_total = total_lessons;
    }
    for r in lessons {
        if let Some(&i) = index.get(&r.try_get::<i64, _>("user_id")?) {
            rows[i].lessons_done = count(&r, "n")?;
        }
    }

    // Finished, fully graded attempts: a handful per trainee.
    let attempts = sqlx::query(AssertSqlSafe(format!(
        "SELECT user_id, marks, max_marks, submitted_at FROM quiz_attempts
         WHERE state = 'finished' AND needs_grading = 0 AND marks IS NOT NULL AND user_id IN ({members})
           AND user_id > $1
         ORDER BY submitted_at, id"
    )))
    .bind(0_i64)
    .fetch_all(&db.pool)
    .await?;
    for r in attempts {
        let Some(&i) = index.get(&r.try_get::<i64, _>("user_id")?) else {
            continue;
        };
        let marks: f64 = r.try_get("marks")?;
        let max: f64 = r.try_get("max_marks")?;
        let percent = if max > 0.0 { marks / max * 100.0 } else { 0.0 };
        let row = &mut rows[i];
        row.quiz_best = Some(row.quiz_best.map_or(percent, |b: f64| b.max(percent)));
        row.quiz_last = Some(percent);
        let submitted: Option<i64> = r.try_get("submitted_at")?;
        row.last_active = row.last_active.max(submitted);
    }

    let certificates = sqlx::query(AssertSqlSafe(format!(
        "SELECT user_id, expires_at, revoked_at FROM certificates WHERE active = 1 AND user_id IN ({members})
           AND user_id > $1 ORDER BY issued_at, id"
    )))
    .bind(0_i64)
    .fetch_all(&db.pool)
    .await?;
    for r in certificates {
        if let Some(&i) = index.get(&r.try_get::<i64, _>("user_id")?) {
            let expires: i64 = r.try_get("expires_at")?;
            let revoked: Option<i64> = r.try_get("revoked_at")?;
            rows[i].certificate = Some((
                crate::certification::Status::at(revoked, expires, now),
                expires,
            ));
        }
    }
    Ok(rows)
}

/// Graded figures of one trainee grouped by a column: `intent`, `emotion` or `lang`.
pub async fn breakdown(db: &Db, user_id: i64, by: Breakdown) -> Result<Vec<(String, Figure)>> {
    let (key, correct, join) = match by {
        Breakdown::Intent => ("a.ref_intent", "a.intent_correct", ""),
        Breakdown::Emotion => ("a.ref_emotion", "a.emotion_correct", ""),
        Breakdown::Language => (
            "m.lang",
            "a.correct",
            "JOIN messages m ON m.id = a.message_id",
        ),
    };
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {key} AS k, COUNT(*) AS n, SUM(CASE WHEN {correct} = 1 THEN 1 ELSE 0 END) AS hits
         FROM lab_answers a {join} WHERE a.user_id = $1 AND {correct} IS NOT NULL AND {key} IS NOT NULL
         GROUP BY {key} ORDER BY {key}"
    )))
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("k")?,
                Figure::new(count(r, "hits")?, count(r, "n")?),
            ))
        })
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Breakdown {
    Intent,
    Emotion,
    Language,
}

/// Overall figures of one trainee: answers, graded and right.
pub async fn overall(db: &Db, user_id: i64) -> Result<(i64, Figure)> {
    let r = sqlx::query(
        "SELECT COUNT(*) AS n, SUM(CASE WHEN correct IS NOT NULL THEN 1 ELSE 0 END) AS graded,
           SUM(CASE WHEN correct = 1 THEN 1 ELSE 0 END) AS hits
         FROM lab_answers WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_one(&db.pool)
    .await?;
    Ok((
        count(&r, "n")?,
        Figure::new(count(&r, "hits")?, count(&r, "graded")?),
    ))
}

/// Weekly figures (weeks from Monday, UTC) since `since`, oldest first: of one trainee (`user`), or
/// of the whole scope.
pub async fn weekly(
    db: &Db,
    scope: Option<&TeamScope>,
    user: Option<i64>,
    since: i64,
) -> Result<Vec<WeekFigure>> {
    let who = match (user, scope) {
        (Some(_), _) => "user_id = $1".to_string(),
        (None, Some(scope)) => format!("user_id IN ({}) AND user_id > $1", scope.members_sql()),
        (None, None) => "user_id > $1".to_string(),
    };
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT (answered_at + {MONDAY_SHIFT_MS}) / {WEEK_MS} AS week, COUNT(*) AS n,
           SUM(CASE WHEN correct = 1 THEN 1 ELSE 0 END) AS hits
         FROM lab_answers WHERE {who} AND answered_at >= $2 AND correct IS NOT NULL
         GROUP BY (answered_at + {MONDAY_SHIFT_MS}) / {WEEK_MS} ORDER BY week"
    )))
    .bind(user.unwrap_or(0))
    .bind(since)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let week: i64 = r.try_get("week")?;
            Ok(WeekFigure {
                starts_at: week * WEEK_MS - MONDAY_SHIFT_MS,
                figure: Figure::new(count(r, "hits")?, count(r, "n")?),
            })
        })
        .collect()
}

/// (id, display name) of the scope's trainees.
pub async fn trainee_names(db: &Db, scope: &TeamScope) -> Result<Vec<(i64, String)>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT id, display_name FROM users WHERE id IN ({}) AND id > $1 ORDER BY display_name",
        scope.members_sql()
    )))
    .bind(0_i64)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("display_name")?)))
        .collect()
}

/// The week (Monday 00:00 UTC, epoch ms) that holds `t`.
pub fn week_start(t: i64) -> i64 {
    (t + MONDAY_SHIFT_MS).div_euclid(WEEK_MS) * WEEK_MS - MONDAY_SHIFT_MS
}

/// On the items where the classifier gave its view and the reference is gold: the trainee's intent
/// accuracy and the classifier's. (Answers graded by the classifier itself are left out: it would
/// always agree with itself.)
pub async fn versus_classifier(db: &Db, user_id: i64) -> Result<(Figure, Figure)> {
    let r = sqlx::query(
        "SELECT COUNT(*) AS n, SUM(CASE WHEN intent_correct = 1 THEN 1 ELSE 0 END) AS mine,
           SUM(CASE WHEN classifier_intent = ref_intent THEN 1 ELSE 0 END) AS model
         FROM lab_answers WHERE user_id = $1 AND ref_source = 'gold' AND classifier_intent IS NOT NULL
           AND ref_intent IS NOT NULL AND intent_correct IS NOT NULL",
    )
    .bind(user_id)
    .fetch_one(&db.pool)
    .await?;
    let n = count(&r, "n")?;
    Ok((
        Figure::new(count(&r, "mine")?, n),
        Figure::new(count(&r, "model")?, n),
    ))
}

/// The most frequent intent confusions (reference → given), most frequent first. `user` narrows to
/// one trainee; otherwise the whole scope.
pub async fn confusions(
    db: &Db,
    scope: &TeamScope,
    user: Option<i64>,
    only_wrong: bool,
) -> Result<Vec<Confusion>> {
    let who = match user {
        Some(_) => "user_id = $1".to_string(),
        None => format!("user_id IN ({}) AND user_id > $1", scope.members_sql()),
    };
    let wrong = if only_wrong {
        "AND intent_correct = 0"
    } else {
        ""
    };
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT ref_intent, given_intent, COUNT(*) AS n FROM lab_answers
         WHERE {who} AND intent_correct IS NOT NULL AND ref_intent IS NOT NULL AND given_intent IS NOT NULL {wrong}
         GROUP BY ref_intent, given_intent ORDER BY COUNT(*) DESC, ref_intent, given_intent"
    )))
    .bind(user.unwrap_or(0))
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Confusion {
                reference: r.try_get("ref_intent")?,
                given: r.try_get("given_intent")?,
                count: count(r, "n")?,
            })
        })
        .collect()
}

/// Per trainee of the scope, on answers whose reference is `intent`: how they did and what they
/// gave instead. Rows: (user id, given intent, count).
pub async fn intent_answers(
    db: &Db,
    scope: &TeamScope,
    intent: &str,
) -> Result<Vec<(i64, String, i64)>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT user_id, given_intent, COUNT(*) AS n FROM lab_answers
         WHERE ref_intent = $1 AND intent_correct IS NOT NULL AND given_intent IS NOT NULL
           AND user_id IN ({})
         GROUP BY user_id, given_intent",
        scope.members_sql()
    )))
    .bind(intent)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("user_id")?,
                r.try_get("given_intent")?,
                count(r, "n")?,
            ))
        })
        .collect()
}

/// Per trainee of the scope, on messages in `lang`: (user id, intent, graded, right).
pub async fn language_answers(
    db: &Db,
    scope: &TeamScope,
    lang: &str,
) -> Result<Vec<(i64, String, Figure)>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT a.user_id, COALESCE(a.ref_intent, '') AS intent, COUNT(*) AS n,
           SUM(CASE WHEN a.correct = 1 THEN 1 ELSE 0 END) AS hits
         FROM lab_answers a JOIN messages m ON m.id = a.message_id
         WHERE m.lang = $1 AND a.correct IS NOT NULL AND a.user_id IN ({})
         GROUP BY a.user_id, COALESCE(a.ref_intent, '')",
        scope.members_sql()
    )))
    .bind(lang)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("user_id")?,
                r.try_get("intent")?,
                Figure::new(count(r, "hits")?, count(r, "n")?),
            ))
        })
        .collect()
}

/// The languages of the messages answered in the scope, with their figures.
pub async fn languages(db: &Db, scope: &TeamScope) -> Result<Vec<(String, Figure)>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT m.lang, COUNT(*) AS n, SUM(CASE WHEN a.correct = 1 THEN 1 ELSE 0 END) AS hits
         FROM lab_answers a JOIN messages m ON m.id = a.message_id
         WHERE a.correct IS NOT NULL AND a.user_id IN ({}) AND a.user_id > $1
         GROUP BY m.lang ORDER BY m.lang",
        scope.members_sql()
    )))
    .bind(0_i64)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("lang")?,
                Figure::new(count(r, "hits")?, count(r, "n")?),
            ))
        })
        .collect()
}

/// Which answers a list shows.
#[derive(Clone, Debug, Default)]
pub struct AnswerFilter {
    pub user: Option<i64>,
    pub reference: Option<String>,
    pub given: Option<String>,
}

/// A page of answers of the scope, newest first, with the message text and the trainee's name.
pub async fn answers(
    db: &Db,
    scope: &TeamScope,
    filter: &AnswerFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<Answered>> {
    let mut conditions = vec![format!("a.user_id IN ({})", scope.members_sql())];
    let mut n = 0;
    let mut next = || {
        n += 1;
        format!("${n}")
    };
    if filter.user.is_some() {
        conditions.push(format!("a.user_id = {}", next()));
    }
    if filter.reference.is_some() {
        conditions.push(format!("a.ref_intent = {}", next()));
    }
    if filter.given.is_some() {
        conditions.push(format!("a.given_intent = {}", next()));
    }
    let (l, o) = (next(), next());
    let sql = format!(
        "SELECT a.id, a.user_id, u.display_name, a.message_id, m.text, m.lang, a.ref_source, a.ref_intent,
           a.given_intent, a.ref_emotion, a.given_emotion, a.intent_correct, a.correct, a.classifier_intent,
           a.millis, a.answered_at
         FROM lab_answers a JOIN messages m ON m.id = a.message_id JOIN users u ON u.id = a.user_id
         WHERE {} ORDER BY a.answered_at DESC, a.id DESC LIMIT {l} OFFSET {o}",
        conditions.join(" AND ")
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    if let Some(u) = filter.user {
        q = q.bind(u);
    }
    if let Some(r) = &filter.reference {
        q = q.bind(r.clone());
    }
    if let Some(g) = &filter.given {
        q = q.bind(g.clone());
    }
    let rows = q.bind(limit).bind(offset).fetch_all(&db.pool).await?;
    rows.iter().map(answered_from_row).collect()
}

fn answered_from_row(r: &AnyRow) -> Result<Answered> {
    let opt =
        |c: &str| -> Result<Option<bool>> { Ok(r.try_get::<Option<i64>, _>(c)?.map(|v| v != 0)) };
    Ok(Answered {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        trainee: r.try_get("display_name")?,
        message_id: r.try_get("message_id")?,
        text: r.try_get("text")?,
        lang: r.try_get("lang")?,
        ref_source: r.try_get("ref_source")?,
        ref_intent: r.try_get("ref_intent")?,
        given_intent: r.try_get("given_intent")?,
        ref_emotion: r.try_get("ref_emotion")?,
        given_emotion: r.try_get("given_emotion")?,
        intent_correct: opt("intent_correct")?,
        correct: opt("correct")?,
        classifier_intent: r.try_get("classifier_intent")?,
        millis: r.try_get("millis")?,
        answered_at: r.try_get("answered_at")?,
    })
}

/// Every published lesson with its course slug and the tags of its current English version (or
/// any language when it has no English text).
pub async fn lesson_tags(db: &Db) -> Result<Vec<LessonTags>> {
    let rows = sqlx::query(
        "SELECT l.id, c.slug AS course_slug, l.slug AS lesson_slug, c.position AS course_position,
           l.position AS lesson_position, v.locale, v.title, v.tags
         FROM lessons l JOIN courses c ON c.id = l.course_id JOIN lesson_versions v ON v.lesson_id = l.id
         WHERE l.published = $1
           AND v.version = (SELECT MAX(w.version) FROM lesson_versions w WHERE w.lesson_id = v.lesson_id AND w.locale = v.locale)
         ORDER BY c.position, l.position, l.id, v.locale",
    )
    .bind(1_i64)
    .fetch_all(&db.pool)
    .await?;
    let mut out: Vec<LessonTags> = Vec::new();
    for r in rows {
        let id: i64 = r.try_get("id")?;
        let locale: String = r.try_get("locale")?;
        let title: String = r.try_get("title")?;
        let tags: String = r.try_get("tags")?;
        let lesson = match out.iter_mut().find(|l| l.lesson_id == id) {
            Some(l) => l,
            None => {
                let course_slug: String = r.try_get("course_slug")?;
                out.push(LessonTags {
                    lesson_id: id,
                    href: format!(
                        "/courses/{course_slug}/{}",
                        r.try_get::<String, _>("lesson_slug")?
                    ),
                    course_slug,
                    title_en: String::new(),
                    title_zh: String::new(),
                    intents: Vec::new(),
                });
                out.last_mut().expect("just pushed")
            }
        };
        if locale == "en" || lesson.intents.is_empty() {
            lesson.intents = tags
                .split(',')
                .filter_map(|t| t.trim().strip_prefix("intent:"))
                .map(str::to_string)
                .collect();
        }
        match locale.as_str() {
            "zh-CN" => lesson.title_zh = title,
            _ => lesson.title_en = title,
        }
    }
    Ok(out)
}

/// A trainee's finished quiz attempts, by quiz: best and last grade, in percent.
pub async fn quiz_results(db: &Db, user_id: i64) -> Result<Vec<QuizResult>> {
    let rows = sqlx::query(
        "SELECT a.quiz_id, q.title, a.marks, a.max_marks FROM quiz_attempts a JOIN quizzes q ON q.id = a.quiz_id
         WHERE a.user_id = $1 AND a.state = 'finished' AND a.needs_grading = 0 AND a.marks IS NOT NULL
         ORDER BY q.title, a.submitted_at, a.id",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    let mut out: Vec<QuizResult> = Vec::new();
    for r in rows {
        let quiz_id: i64 = r.try_get("quiz_id")?;
        let marks: f64 = r.try_get("marks")?;
        let max: f64 = r.try_get("max_marks")?;
        let percent = if max > 0.0 { marks / max * 100.0 } else { 0.0 };
        match out.iter_mut().find(|q| q.quiz_id == quiz_id) {
            Some(q) => {
                q.best = q.best.max(percent);
                q.last = percent;
                q.attempts += 1;
            }
            None => out.push(QuizResult {
                quiz_id,
                title: r.try_get("title")?,
                best: percent,
                last: percent,
                attempts: 1,
            }),
        }
    }
    Ok(out)
}
