//! SQL for courses, lessons, versions, progress and check answers. Portable across both backends.

use std::borrow::Borrow;
use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::load::{Bilingual, CourseBundle, CourseFile, ExportedCourse, ModuleFile};
use crate::db::{Db, flag, now_ms};
use crate::web::i18n::Locale;

pub type Result<T> = std::result::Result<T, sqlx::Error>;

#[derive(Clone, Debug)]
pub struct Course {
    pub id: i64,
    pub slug: String,
    pub position: i64,
    pub title_en: String,
    pub title_zh: String,
    pub description_en: String,
    pub description_zh: String,
    pub prerequisites: Vec<String>,
}

impl Course {
    pub fn title(&self, locale: impl Borrow<Locale>) -> &str {
        locale.borrow().pick(&self.title_en, &self.title_zh)
    }

    pub fn description(&self, locale: impl Borrow<Locale>) -> &str {
        locale
            .borrow()
            .pick(&self.description_en, &self.description_zh)
    }
}

#[derive(Clone, Debug)]
pub struct Module {
    pub id: i64,
    pub slug: String,
    pub position: i64,
    pub title_en: String,
    pub title_zh: String,
}

impl Module {
    pub fn title(&self, locale: impl Borrow<Locale>) -> &str {
        locale.borrow().pick(&self.title_en, &self.title_zh)
    }
}

/// A lesson with the titles of its current versions.
#[derive(Clone, Debug)]
pub struct Lesson {
    pub id: i64,
    pub course_id: i64,
    pub module_id: i64,
    pub slug: String,
    pub position: i64,
    pub published: bool,
    /// locale tag → (title, minutes)
    pub current: HashMap<String, (String, i64)>,
}

impl Lesson {
    /// The title in the wanted language, else the other one.
    pub fn title(&self, locale: impl Borrow<Locale>) -> &str {
        let locale = *locale.borrow();
        self.current
            .get(locale.tag())
            .or_else(|| self.current.values().next())
            .map(|(t, _)| t.as_str())
            .unwrap_or(&self.slug)
    }

    pub fn minutes(&self, locale: impl Borrow<Locale>) -> i64 {
        let locale = *locale.borrow();
        self.current
            .get(locale.tag())
            .or_else(|| self.current.values().next())
            .map(|(_, m)| *m)
            .unwrap_or(0)
    }
}

#[derive(Clone, Debug)]
pub struct Version {
    pub id: i64,
    pub lesson_id: i64,
    pub locale: String,
    pub version: i64,
    pub source: String,
    pub title: String,
    pub minutes: i64,
    pub origin: String,
    pub author: Option<String>,
    pub created_at: i64,
}

/// What a load did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadStats {
    pub courses: usize,
    pub new_versions: usize,
    pub unchanged_files: usize,
}

async fn returning_id(rows: Vec<AnyRow>) -> Result<i64> {
    rows.first().ok_or(sqlx::Error::RowNotFound)?.try_get("id")
}

/// Stores one validated course in one transaction: course, modules, lessons and a new version for
/// every lesson file whose content changed since it was last loaded. Progress is never touched.
pub async fn apply_bundle(db: &Db, bundle: &CourseBundle) -> Result<LoadStats> {
    let mut tx = db.writer.begin().await?;
    let mut stats = LoadStats {
        courses: 1,
        ..LoadStats::default()
    };
    let c = &bundle.course;
    let now = now_ms();
    let existing = sqlx::query("SELECT id FROM courses WHERE slug = $1")
        .bind(&bundle.slug)
        .fetch_all(&mut *tx)
        .await?;
    let prerequisites = c.prerequisites.join(",");
    let course_id = match existing.first() {
        Some(row) => {
            let id: i64 = row.try_get("id")?;
            sqlx::query(
                "UPDATE courses SET position = $1, title_en = $2, title_zh = $3, description_en = $4,
                 description_zh = $5, prerequisites = $6, updated_at = $7 WHERE id = $8",
            )
            .bind(c.order)
            .bind(&c.title.en)
            .bind(&c.title.zh)
            .bind(&c.description.en)
            .bind(&c.description.zh)
            .bind(&prerequisites)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            id
        }
        None => {
            let rows = sqlx::query(
                "INSERT INTO courses (slug, position, title_en, title_zh, description_en, description_zh, prerequisites, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(&bundle.slug)
            .bind(c.order)
            .bind(&c.title.en)
            .bind(&c.title.zh)
            .bind(&c.description.en)
            .bind(&c.description.zh)
            .bind(&prerequisites)
            .bind(now)
            .fetch_all(&mut *tx)
            .await?;
            returning_id(rows).await?
        }
    };
    let mut module_ids = Vec::new();
    for (position, m) in c.modules.iter().enumerate() {
        module_ids.push(upsert_module(&mut tx, course_id, m, position as i64).await?);
    }
    for (position, (module_index, slug, files)) in bundle.lessons.iter().enumerate() {
        let module_id = module_ids[*module_index];
        let found = sqlx::query("SELECT id FROM lessons WHERE course_id = $1 AND slug = $2")
            .bind(course_id)
            .bind(slug)
            .fetch_all(&mut *tx)
            .await?;
        let lesson_id = match found.first() {
            Some(row) => {
                let id: i64 = row.try_get("id")?;
                sqlx::query("UPDATE lessons SET module_id = $1, position = $2 WHERE id = $3")
                    .bind(module_id)
                    .bind(position as i64)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                id
            }
            None => {
                let rows = sqlx::query(
                    "INSERT INTO lessons (course_id, module_id, slug, position, published) VALUES ($1, $2, $3, $4, 1) RETURNING id",
                )
                .bind(course_id)
                .bind(module_id)
                .bind(slug)
                .bind(position as i64)
                .fetch_all(&mut *tx)
                .await?;
                returning_id(rows).await?
            }
        };
        for file in files {
            let seen = sqlx::query("SELECT content_hash FROM content_files WHERE path = $1")
                .bind(&file.relative_path)
                .fetch_all(&mut *tx)
                .await?;
            let unchanged = match seen.first() {
                Some(row) => row.try_get::<String, _>("content_hash")? == file.hash,
                None => false,
            };
            if unchanged {
                stats.unchanged_files += 1;
                continue;
            }
            // A file identical to the current version (e.g. exported then loaded) is not a new version.
            let current = latest_hash(&mut tx, lesson_id, file.locale).await?;
            if current.as_deref() != Some(file.hash.as_str()) {
                insert_version(
                    &mut tx,
                    lesson_id,
                    file.locale,
                    &file.text,
                    &file.hash,
                    (&file.title, file.minutes as i64, &file.tags.join(",")),
                    "file",
                    None,
                )
                .await?;
                stats.new_versions += 1;
            }
            sqlx::query(
                "INSERT INTO content_files (path, content_hash, loaded_at) VALUES ($1, $2, $3)
                 ON CONFLICT (path) DO UPDATE SET content_hash = $2, loaded_at = $3",
            )
            .bind(&file.relative_path)
            .bind(&file.hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(stats)
}

async fn upsert_module(
    tx: &mut Transaction<'_, Any>,
    course_id: i64,
    m: &ModuleFile,
    position: i64,
) -> Result<i64> {
    let found = sqlx::query("SELECT id FROM course_modules WHERE course_id = $1 AND slug = $2")
        .bind(course_id)
        .bind(&m.slug)
        .fetch_all(&mut **tx)
        .await?;
    if let Some(row) = found.first() {
        let id: i64 = row.try_get("id")?;
        sqlx::query(
            "UPDATE course_modules SET position = $1, title_en = $2, title_zh = $3 WHERE id = $4",
        )
        .bind(position)
        .bind(&m.title.en)
        .bind(&m.title.zh)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        return Ok(id);
    }
    let rows = sqlx::query(
        "INSERT INTO course_modules (course_id, slug, position, title_en, title_zh) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(course_id)
    .bind(&m.slug)
    .bind(position)
    .bind(&m.title.en)
    .bind(&m.title.zh)
    .fetch_all(&mut **tx)
    .await?;
    returning_id(rows).await
}

async fn latest_hash(
    tx: &mut Transaction<'_, Any>,
    lesson_id: i64,
    locale: &str,
) -> Result<Option<String>> {
    let rows = sqlx::query(
        "SELECT content_hash FROM lesson_versions WHERE lesson_id = $1 AND locale = $2 ORDER BY version DESC LIMIT 1",
    )
    .bind(lesson_id)
    .bind(locale)
    .fetch_all(&mut **tx)
    .await?;
    rows.first().map(|r| r.try_get("content_hash")).transpose()
}

#[allow(clippy::too_many_arguments)]
async fn insert_version(
    tx: &mut Transaction<'_, Any>,
    lesson_id: i64,
    locale: &str,
    source: &str,
    hash: &str,
    (title, minutes, tags): (&str, i64, &str),
    origin: &str,
    author_id: Option<i64>,
) -> Result<i64> {
    let next: i64 = sqlx::query(
        "SELECT CAST(COALESCE(MAX(version), 0) + 1 AS BIGINT) AS next FROM lesson_versions WHERE lesson_id = $1 AND locale = $2",
    )
    .bind(lesson_id)
    .bind(locale)
    .fetch_all(&mut **tx)
    .await?
    .first()
    .ok_or(sqlx::Error::RowNotFound)?
    .try_get("next")?;
    sqlx::query(
        "INSERT INTO lesson_versions (lesson_id, locale, version, source, content_hash, title, minutes, tags, origin, author_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(lesson_id)
    .bind(locale)
    .bind(next)
    .bind(source)
    .bind(hash)
    .bind(title)
    .bind(minutes)
    .bind(tags)
    .bind(origin)
    .bind(author_id)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(next)
}

/// Saves an edited (or restored) lesson text as a new version. Returns the version number.
pub async fn save_version(
    db: &Db,
    lesson_id: i64,
    locale: &str,
    source: &str,
    meta: (&str, i64, &str),
    origin: &str,
    author_id: i64,
) -> Result<i64> {
    let mut tx = db.writer.begin().await?;
    let v = insert_version(
        &mut tx,
        lesson_id,
        locale,
        source,
        &crate::web::sha256_hex(source),
        meta,
        origin,
        Some(author_id),
    )
    .await?;
    tx.commit().await?;
    Ok(v)
}

fn course_from_row(r: &AnyRow) -> Result<Course> {
    let prerequisites: String = r.try_get("prerequisites")?;
    Ok(Course {
        id: r.try_get("id")?,
        slug: r.try_get("slug")?,
        position: r.try_get("position")?,
        title_en: r.try_get("title_en")?,
        title_zh: r.try_get("title_zh")?,
        description_en: r.try_get("description_en")?,
        description_zh: r.try_get("description_zh")?,
        prerequisites: prerequisites
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    })
}

const COURSE_COLUMNS: &str =
    "id, slug, position, title_en, title_zh, description_en, description_zh, prerequisites";

pub async fn list_courses(db: &Db) -> Result<Vec<Course>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COURSE_COLUMNS} FROM courses ORDER BY position, slug"
    )))
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(course_from_row).collect()
}

pub async fn course_by_slug(db: &Db, slug: &str) -> Result<Option<Course>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COURSE_COLUMNS} FROM courses WHERE slug = $1"
    )))
    .bind(slug)
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(course_from_row).transpose()
}

pub async fn course_by_id(db: &Db, id: i64) -> Result<Option<Course>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COURSE_COLUMNS} FROM courses WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(course_from_row).transpose()
}

pub async fn modules_of(db: &Db, course_id: i64) -> Result<Vec<Module>> {
    let rows = sqlx::query(
        "SELECT id, slug, position, title_en, title_zh FROM course_modules WHERE course_id = $1 ORDER BY position, id",
    )
    .bind(course_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Module {
                id: r.try_get("id")?,
                slug: r.try_get("slug")?,
                position: r.try_get("position")?,
                title_en: r.try_get("title_en")?,
                title_zh: r.try_get("title_zh")?,
            })
        })
        .collect()
}

/// Lessons of one course (or all courses when `course_id` is None), in module and lesson order,
/// with the titles of their current versions.
pub async fn lessons(db: &Db, course_id: Option<i64>) -> Result<Vec<Lesson>> {
    let filter = if course_id.is_some() {
        "WHERE l.course_id = $1"
    } else {
        "WHERE l.course_id > $1"
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT l.id, l.course_id, l.module_id, l.slug, l.position, l.published FROM lessons l
         JOIN course_modules m ON m.id = l.module_id {filter} ORDER BY l.course_id, m.position, l.position, l.id"
    )))
    .bind(course_id.unwrap_or(0))
    .fetch_all(&db.pool)
    .await?;
    let mut lessons: Vec<Lesson> = rows
        .iter()
        .map(|r| {
            Ok(Lesson {
                id: r.try_get("id")?,
                course_id: r.try_get("course_id")?,
                module_id: r.try_get("module_id")?,
                slug: r.try_get("slug")?,
                position: r.try_get("position")?,
                published: flag(r.try_get("published")?),
                current: HashMap::new(),
            })
        })
        .collect::<Result<_>>()?;
    let titles = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT v.lesson_id, v.locale, v.title, v.minutes FROM lesson_versions v JOIN lessons l ON l.id = v.lesson_id
         {filter} AND v.version = (SELECT MAX(w.version) FROM lesson_versions w WHERE w.lesson_id = v.lesson_id AND w.locale = v.locale)"
    )))
    .bind(course_id.unwrap_or(0))
    .fetch_all(&db.pool)
    .await?;
    for r in titles {
        let lesson_id: i64 = r.try_get("lesson_id")?;
        if let Some(lesson) = lessons.iter_mut().find(|l| l.id == lesson_id) {
            lesson.current.insert(
                r.try_get("locale")?,
                (r.try_get("title")?, r.try_get("minutes")?),
            );
        }
    }
    Ok(lessons)
}

const VERSION_SELECT: &str = "SELECT v.id, v.lesson_id, v.locale, v.version, v.source, v.title, v.minutes, v.origin,
    u.display_name AS author, v.created_at FROM lesson_versions v LEFT JOIN users u ON u.id = v.author_id";

fn version_from_row(r: &AnyRow) -> Result<Version> {
    Ok(Version {
        id: r.try_get("id")?,
        lesson_id: r.try_get("lesson_id")?,
        locale: r.try_get("locale")?,
        version: r.try_get("version")?,
        source: r.try_get("source")?,
        title: r.try_get("title")?,
        minutes: r.try_get("minutes")?,
        origin: r.try_get("origin")?,
        author: r.try_get("author")?,
        created_at: r.try_get("created_at")?,
    })
}

pub async fn current_version(db: &Db, lesson_id: i64, locale: &str) -> Result<Option<Version>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{VERSION_SELECT} WHERE v.lesson_id = $1 AND v.locale = $2 ORDER BY v.version DESC LIMIT 1"
    )))
    .bind(lesson_id)
    .bind(locale)
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(version_from_row).transpose()
}

pub async fn versions(db: &Db, lesson_id: i64, locale: &str) -> Result<Vec<Version>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{VERSION_SELECT} WHERE v.lesson_id = $1 AND v.locale = $2 ORDER BY v.version DESC"
    )))
    .bind(lesson_id)
    .bind(locale)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(version_from_row).collect()
}

pub async fn version_by_id(db: &Db, lesson_id: i64, version_id: i64) -> Result<Option<Version>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{VERSION_SELECT} WHERE v.id = $1 AND v.lesson_id = $2"
    )))
    .bind(version_id)
    .bind(lesson_id)
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(version_from_row).transpose()
}

pub async fn count_versions(db: &Db) -> Result<i64> {
    sqlx::query("SELECT COUNT(*) AS n FROM lesson_versions")
        .fetch_one(&db.pool)
        .await?
        .try_get("n")
}

pub async fn set_published(db: &Db, lesson_id: i64, published: bool) -> Result<()> {
    sqlx::query("UPDATE lessons SET published = $1 WHERE id = $2")
        .bind(published as i64)
        .bind(lesson_id)
        .execute(&db.writer)
        .await?;
    Ok(())
}

/// Creates a module at the end of a course.
pub async fn create_module(db: &Db, course_id: i64, slug: &str, title: &Bilingual) -> Result<i64> {
    let rows = sqlx::query(
        "INSERT INTO course_modules (course_id, slug, position, title_en, title_zh)
         VALUES ($1, $2, (SELECT COALESCE(MAX(position), -1) + 1 FROM course_modules WHERE course_id = $1), $3, $4) RETURNING id",
    )
    .bind(course_id)
    .bind(slug)
    .bind(&title.en)
    .bind(&title.zh)
    .fetch_all(&db.writer)
    .await?;
    returning_id(rows).await
}

/// Creates an unpublished lesson at the end of a module, with a first version in one language.
pub async fn create_lesson(
    db: &Db,
    module_id: i64,
    slug: &str,
    locale: &str,
    source: &str,
    meta: (&str, i64, &str),
    author_id: i64,
) -> Result<i64> {
    let mut tx = db.writer.begin().await?;
    let rows = sqlx::query(
        "INSERT INTO lessons (course_id, module_id, slug, position, published)
         SELECT course_id, id, $2, (SELECT COALESCE(MAX(position), -1) + 1 FROM lessons WHERE module_id = $1), 0
         FROM course_modules WHERE id = $1 RETURNING id",
    )
    .bind(module_id)
    .bind(slug)
    .fetch_all(&mut *tx)
    .await?;
    let lesson_id = returning_id(rows).await?;
    insert_version(
        &mut tx,
        lesson_id,
        locale,
        source,
        &crate::web::sha256_hex(source),
        meta,
        "editor",
        Some(author_id),
    )
    .await?;
    tx.commit().await?;
    Ok(lesson_id)
}

/// Swaps a row with its neighbour among rows sharing a parent (`up` = earlier). False at the end.
/// `table` and `parent` are fixed names from this module, never user input.
async fn swap_with_neighbour(
    db: &Db,
    table: &str,
    parent: &str,
    id: i64,
    up: bool,
) -> Result<bool> {
    let mut tx = db.writer.begin().await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {parent} AS parent, position FROM {table} WHERE id = $1"
    )))
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let Some(row) = rows.first() else {
        return Ok(false);
    };
    let (parent_id, position): (i64, i64) = (row.try_get("parent")?, row.try_get("position")?);
    let (cmp, order) = if up { ("<", "DESC") } else { (">", "ASC") };
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id, position FROM {table} WHERE {parent} = $1 AND position {cmp} $2 ORDER BY position {order} LIMIT 1"
    )))
    .bind(parent_id)
    .bind(position)
    .fetch_all(&mut *tx)
    .await?;
    let Some(n) = rows.first() else {
        return Ok(false);
    };
    let (other_id, other_position): (i64, i64) = (n.try_get("id")?, n.try_get("position")?);
    let update = format!("UPDATE {table} SET position = $1 WHERE id = $2");
    sqlx::query(sqlx::AssertSqlSafe(update.clone()))
        .bind(other_position)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(sqlx::AssertSqlSafe(update))
        .bind(position)
        .bind(other_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

pub async fn move_lesson(db: &Db, lesson_id: i64, up: bool) -> Result<bool> {
    swap_with_neighbour(db, "lessons", "module_id", lesson_id, up).await
}

pub async fn move_module(db: &Db, module_id: i64, up: bool) -> Result<bool> {
    swap_with_neighbour(db, "course_modules", "course_id", module_id, up).await
}

// ---- progress and checks ----

pub async fn record_visit(db: &Db, user_id: i64, lesson_id: i64) -> Result<()> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO lesson_progress (user_id, lesson_id, first_seen_at, last_seen_at) VALUES ($1, $2, $3, $3)
         ON CONFLICT (user_id, lesson_id) DO UPDATE SET last_seen_at = $3",
    )
    .bind(user_id)
    .bind(lesson_id)
    .bind(now)
    .execute(&db.writer)
    .await?;
    Ok(())
}

pub async fn mark_complete(db: &Db, user_id: i64, lesson_id: i64, complete: bool) -> Result<()> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO lesson_progress (user_id, lesson_id, first_seen_at, last_seen_at, completed_at) VALUES ($1, $2, $3, $3, $4)
         ON CONFLICT (user_id, lesson_id) DO UPDATE SET last_seen_at = $3, completed_at = $4",
    )
    .bind(user_id)
    .bind(lesson_id)
    .bind(now)
    .bind(complete.then_some(now))
    .execute(&db.writer)
    .await?;
    Ok(())
}

/// A user's progress: lesson id → (last seen, completed at).
pub async fn progress_of(db: &Db, user_id: i64) -> Result<HashMap<i64, (i64, Option<i64>)>> {
    let rows = sqlx::query(
        "SELECT lesson_id, last_seen_at, completed_at FROM lesson_progress WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("lesson_id")?,
                (r.try_get("last_seen_at")?, r.try_get("completed_at")?),
            ))
        })
        .collect()
}

pub async fn record_check(
    db: &Db,
    user_id: i64,
    lesson_id: i64,
    check_id: &str,
    choice: i64,
    correct: bool,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO check_answers (user_id, lesson_id, check_id, choice, correct, attempts, answered_at)
         VALUES ($1, $2, $3, $4, $5, 1, $6)
         ON CONFLICT (user_id, lesson_id, check_id) DO UPDATE SET choice = $4, correct = $5,
             attempts = check_answers.attempts + 1, answered_at = $6",
    )
    .bind(user_id)
    .bind(lesson_id)
    .bind(check_id)
    .bind(choice)
    .bind(correct as i64)
    .bind(now_ms())
    .execute(&db.writer)
    .await?;
    Ok(())
}

/// A user's answers in one lesson: check id → chosen option index.
pub async fn check_answers(db: &Db, user_id: i64, lesson_id: i64) -> Result<HashMap<String, i64>> {
    let rows = sqlx::query(
        "SELECT check_id, choice FROM check_answers WHERE user_id = $1 AND lesson_id = $2",
    )
    .bind(user_id)
    .bind(lesson_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("check_id")?, r.try_get("choice")?)))
        .collect()
}

/// Everything `content export` writes: every course with its modules and current lesson texts.
pub async fn export(db: &Db) -> Result<Vec<ExportedCourse>> {
    let mut out = Vec::new();
    for course in list_courses(db).await? {
        let modules = modules_of(db, course.id).await?;
        let lessons = lessons(db, Some(course.id)).await?;
        let mut files = Vec::new();
        for lesson in &lessons {
            for locale in super::load::LOCALES {
                if let Some(v) = current_version(db, lesson.id, locale).await? {
                    files.push((lesson.slug.clone(), locale.to_string(), v.source));
                }
            }
        }
        let module_files = modules
            .iter()
            .map(|m| ModuleFile {
                slug: m.slug.clone(),
                title: Bilingual {
                    en: m.title_en.clone(),
                    zh: m.title_zh.clone(),
                },
                lessons: lessons
                    .iter()
                    .filter(|l| l.module_id == m.id)
                    .map(|l| l.slug.clone())
                    .collect(),
            })
            .collect();
        out.push(ExportedCourse {
            slug: course.slug.clone(),
            course: CourseFile {
                order: course.position,
                prerequisites: course.prerequisites.clone(),
                title: Bilingual {
                    en: course.title_en.clone(),
                    zh: course.title_zh.clone(),
                },
                description: Bilingual {
                    en: course.description_en.clone(),
                    zh: course.description_zh.clone(),
                },
                modules: module_files,
            },
            files,
        });
    }
    Ok(out)
}
