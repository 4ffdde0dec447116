//! Reads `content/courses` (one folder per course: `course.toml` and `<lesson>.<lang>.md` files) and
//! writes it back. Reading validates everything first; a course with any broken file loads nothing.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::render::{self, Vocabulary};
use crate::web::sha256_hex;

pub const LOCALES: [&str; 2] = ["en", "zh-CN"];

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Bilingual {
    pub en: String,
    #[serde(rename = "zh-CN")]
    pub zh: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ModuleFile {
    pub slug: String,
    pub title: Bilingual,
    pub lessons: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CourseFile {
    pub order: i64,
    #[serde(default)]
    pub prerequisites: Vec<String>,
    pub title: Bilingual,
    pub description: Bilingual,
    #[serde(rename = "module", default)]
    pub modules: Vec<ModuleFile>,
}

/// One language version of a lesson, read and validated.
#[derive(Debug, Clone)]
pub struct LessonFile {
    pub locale: &'static str,
    /// Path relative to the content root, e.g. `courses/intent-taxonomy/taxonomy-overview.en.md`.
    pub relative_path: String,
    pub text: String,
    pub hash: String,
    pub title: String,
    pub minutes: u32,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct CourseBundle {
    pub slug: String,
    pub course: CourseFile,
    pub course_hash: String,
    /// (module index, lesson slug, its language versions)
    pub lessons: Vec<(usize, String, Vec<LessonFile>)>,
}

/// A file that cannot be loaded, with where and why.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadError {
    pub path: String,
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.path, self.line, self.message)
    }
}

/// A slug is lower-case ASCII letters, digits and hyphens: safe as a URL segment and a file name.
pub fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 60
        && slug.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Validates a lesson text in one language; the same check the editor runs before saving.
pub fn check_lesson_text(
    text: &str,
    vocab: &Vocabulary,
) -> Result<render::FrontMatter, render::ContentError> {
    render::render_lesson(text, vocab).map(|(front, _)| front)
}

fn error(path: &str, line: usize, message: impl Into<String>) -> LoadError {
    LoadError {
        path: path.to_string(),
        line,
        message: message.into(),
    }
}

/// Reads and validates one course folder.
pub fn read_course(root: &Path, slug: &str, vocab: &Vocabulary) -> Result<CourseBundle, LoadError> {
    let dir = root.join("courses").join(slug);
    let toml_path = format!("courses/{slug}/course.toml");
    if !is_valid_slug(slug) {
        return Err(error(
            &toml_path,
            1,
            "a course folder name is lower-case letters, digits and hyphens",
        ));
    }
    let text = std::fs::read_to_string(dir.join("course.toml"))
        .map_err(|e| error(&toml_path, 1, e.to_string()))?;
    let course: CourseFile = toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start].matches('\n').count() + 1)
            .unwrap_or(1);
        error(&toml_path, line, e.message().to_string())
    })?;
    let mut lessons = Vec::new();
    for (module_index, module) in course.modules.iter().enumerate() {
        if !is_valid_slug(&module.slug) {
            return Err(error(
                &toml_path,
                1,
                format!("invalid module slug {:?}", module.slug),
            ));
        }
        for lesson_slug in &module.lessons {
            if !is_valid_slug(lesson_slug) {
                return Err(error(
                    &toml_path,
                    1,
                    format!("invalid lesson slug {lesson_slug:?}"),
                ));
            }
            if lessons
                .iter()
                .any(|(_, s, _): &(usize, String, Vec<LessonFile>)| s == lesson_slug)
            {
                return Err(error(
                    &toml_path,
                    1,
                    format!("lesson {lesson_slug:?} is listed twice"),
                ));
            }
            let mut versions = Vec::new();
            for locale in LOCALES {
                let relative_path = format!("courses/{slug}/{lesson_slug}.{locale}.md");
                let Ok(text) =
                    std::fs::read_to_string(dir.join(format!("{lesson_slug}.{locale}.md")))
                else {
                    continue;
                };
                let front = check_lesson_text(&text, vocab)
                    .map_err(|e| error(&relative_path, e.line, e.message))?;
                versions.push(LessonFile {
                    locale,
                    hash: sha256_hex(&text),
                    relative_path,
                    text,
                    title: front.title,
                    minutes: front.minutes,
                    tags: front.tags,
                });
            }
            if versions.is_empty() {
                return Err(error(
                    &toml_path,
                    1,
                    format!(
                        "lesson {lesson_slug:?} has no file: expected {lesson_slug}.en.md or {lesson_slug}.zh-CN.md"
                    ),
                ));
            }
            lessons.push((module_index, lesson_slug.clone(), versions));
        }
    }
    Ok(CourseBundle {
        slug: slug.to_string(),
        course_hash: sha256_hex(&text),
        course,
        lessons,
    })
}

/// The course folders under `root/courses`, sorted.
pub fn course_slugs(root: &Path) -> std::io::Result<Vec<String>> {
    let dir = root.join("courses");
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut slugs: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter(|e| e.path().join("course.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    slugs.sort();
    Ok(slugs)
}

/// Reads every course; broken courses are reported and left out, the others are returned.
pub fn read_all(root: &Path, vocab: &Vocabulary) -> (Vec<CourseBundle>, Vec<LoadError>) {
    let mut bundles = Vec::new();
    let mut errors = Vec::new();
    match course_slugs(root) {
        Ok(slugs) => {
            for slug in slugs {
                match read_course(root, &slug, vocab) {
                    Ok(b) => bundles.push(b),
                    Err(e) => errors.push(e),
                }
            }
        }
        Err(e) => errors.push(error("courses", 0, e.to_string())),
    }
    (bundles, errors)
}

/// What `content export` writes for one course.
pub struct ExportedCourse {
    pub slug: String,
    pub course: CourseFile,
    /// (lesson slug, locale, file text)
    pub files: Vec<(String, String, String)>,
}

/// Writes courses in the layout `read_all` reads. Slugs were validated on the way in; they are
/// checked again so a tampered database cannot write outside `dir`.
pub fn write_courses(dir: &Path, courses: &[ExportedCourse]) -> anyhow::Result<usize> {
    let mut written = 0;
    for c in courses {
        anyhow::ensure!(
            is_valid_slug(&c.slug),
            "refusing to export course slug {:?}",
            c.slug
        );
        let course_dir: PathBuf = dir.join("courses").join(&c.slug);
        std::fs::create_dir_all(&course_dir)?;
        std::fs::write(course_dir.join("course.toml"), toml::to_string(&c.course)?)?;
        written += 1;
        for (lesson, locale, text) in &c.files {
            anyhow::ensure!(
                is_valid_slug(lesson) && LOCALES.contains(&locale.as_str()),
                "refusing to export {lesson:?}"
            );
            std::fs::write(course_dir.join(format!("{lesson}.{locale}.md")), text)?;
            written += 1;
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped_vocab() -> Vocabulary {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
        let labels = crate::taxonomy::load_file(&root.join("taxonomy.toml")).unwrap();
        Vocabulary {
            intents: labels
                .iter()
                .filter(|l| l.kind == crate::taxonomy::LabelKind::Intent)
                .map(|l| l.key.clone())
                .collect(),
            emotions: labels
                .iter()
                .filter(|l| l.kind == crate::taxonomy::LabelKind::Emotion)
                .map(|l| l.key.clone())
                .collect(),
        }
    }

    #[test]
    fn every_shipped_course_and_lesson_loads() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
        let (bundles, errors) = read_all(&root, &shipped_vocab());
        assert!(
            errors.is_empty(),
            "content errors:\n{}",
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        );
        assert!(bundles.len() >= 5, "five courses");
    }

    #[test]
    fn slugs_cannot_escape_the_content_folder() {
        for bad in ["../etc", "a/b", "", "Upper", "-x", "a.b"] {
            assert!(!is_valid_slug(bad), "{bad:?}");
        }
        let dir = tempfile::tempdir().unwrap();
        let evil = ExportedCourse {
            slug: "../../evil".into(),
            course: CourseFile {
                order: 1,
                prerequisites: vec![],
                title: Bilingual {
                    en: "x".into(),
                    zh: "x".into(),
                },
                description: Bilingual {
                    en: "x".into(),
                    zh: "x".into(),
                },
                modules: vec![],
            },
            files: vec![],
        };
        assert!(write_courses(dir.path(), &[evil]).is_err());
    }
}
