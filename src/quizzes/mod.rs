//! Quizzes: the question bank and assessments. GIFT import/export lives in gift.rs.

pub mod analysis;
pub mod attempts;
pub mod authoring;
pub mod bank;
pub mod editor;
pub mod gift;
pub mod quiz;
pub mod routes;
pub mod scoring;
pub mod settings;
pub mod store;
pub mod view;

use gift::TextFormat;

/// A question text, answer or feedback as sanitised HTML, by its GIFT format: markdown is rendered
/// like lessons; Moodle's own format and HTML are HTML already; plain text is escaped.
pub fn text_html(text: &str, format: TextFormat) -> String {
    match format {
        TextFormat::Markdown => crate::courses::render::render_inline_markdown(text),
        TextFormat::Html | TextFormat::Moodle => crate::courses::render::sanitize(text),
        TextFormat::Plain => {
            let escaped = text
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;");
            format!("<p>{}</p>", escaped.replace('\n', "<br>"))
        }
    }
}

/// Loads every `*.gift` file under `root/quizzes` into the question bank. Each file is all or
/// nothing; a broken file is reported (file, line and message, one string per error) and the others
/// load. Questions before any `$CATEGORY:` line go to `intentdojo/<file stem>`.
pub async fn load_banks(
    db: &crate::db::Db,
    root: &std::path::Path,
) -> anyhow::Result<(store::ImportStats, Vec<String>)> {
    let dir = root.join("quizzes");
    let mut total = store::ImportStats::default();
    let mut errors = Vec::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok((total, errors));
    };
    let mut files: Vec<std::path::PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "gift"))
        .collect();
    files.sort();
    for path in files {
        let name = path.display().to_string();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                errors.push(format!("{name}: {e}"));
                continue;
            }
        };
        match gift::parse(&text) {
            Ok(items) => {
                let stem = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let items = gift::with_default_category(items, &format!("intentdojo/{stem}"));
                let rel = format!(
                    "content:quizzes/{}",
                    path.file_name().unwrap_or_default().to_string_lossy()
                );
                let stats = store::import_items(db, &items, &rel, None).await?;
                total.inserted += stats.inserted;
                total.new_versions += stats.new_versions;
                total.unchanged += stats.unchanged;
            }
            Err(list) => errors.extend(
                list.iter()
                    .map(|e| format!("{name}:{}: {}", e.line, e.message)),
            ),
        }
    }
    Ok((total, errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_is_rendered_safely() {
        let evil = "Hi <script>alert(1)</script> **there**";
        for format in [
            TextFormat::Markdown,
            TextFormat::Html,
            TextFormat::Moodle,
            TextFormat::Plain,
        ] {
            let html = text_html(evil, format);
            assert!(!html.contains("<script"), "{format:?}: {html}");
        }
        assert!(text_html("**bold**", TextFormat::Markdown).contains("<strong>bold</strong>"));
        assert_eq!(
            text_html("a < b\nc", TextFormat::Plain),
            "<p>a &lt; b<br>c</p>"
        );
    }
}
