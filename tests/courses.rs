//! Courses over HTTP: catalogue, prerequisites, lessons with teaching blocks, recorded checks,
//! progress, the instructor's editor (preview, save, history, restore, publish), content loading
//! (all or nothing, with path and line) and export round trips.

mod common;

use std::path::Path;

use common::{TestApp, location};
use intentdojo::accounts::Role;
use intentdojo::courses;

const LESSON_A1: &str = "+++\ntitle = \"Where is my order\"\nminutes = 6\ntags = [\"intent:where_is_my_order\"]\n+++\n\
## The promised date\n\nRead the **date** first.\n\n\
```message\nlang: es\nplatform: mercado_libre\nintent: shipping_delay\nemotion: frustrated\nescalate: no\n\
> seller: Llega entre el 3 y el 5 de marzo.\n---\nYa es 12 y nada. Así no se puede.\n---\nThe window passed: a complaint, not a question.\n```\n\n\
## Check\n\n```check\nid: wismo-1\nq: The window passed a week ago. Which intent?\n- Where is my order || Read the date.\n\
* Shipping delay complaint || Right: a broken promise.\n- Cancellation || Nothing asks to cancel.\n```\n";

const LESSON_A1_ZH: &str =
    "+++\ntitle = \"订单在哪\"\nminutes = 6\n+++\n## 承诺日期\n\n先看**日期**。\n";

const LESSON_A2: &str =
    "+++\ntitle = \"Cancellations\"\nminutes = 4\n+++\n## Before dispatch\n\nText.\n";

const LESSON_B1: &str = "+++\ntitle = \"Tone\"\nminutes = 3\n+++\nBe kind.\n";

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Two small courses: `basics` (two lessons, one translated) and `advanced` (requires basics).
fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/content/taxonomy.toml"),
        root.join("taxonomy.toml"),
    )
    .unwrap();
    write(
        root,
        "courses/basics/course.toml",
        "order = 1\nprerequisites = []\ntitle = { en = \"Basics\", zh-CN = \"基础\" }\n\
description = { en = \"The first course.\", zh-CN = \"第一门课。\" }\n\n[[module]]\nslug = \"orders\"\n\
title = { en = \"Orders\", zh-CN = \"订单\" }\nlessons = [\"wismo\", \"cancel\"]\n",
    );
    write(root, "courses/basics/wismo.en.md", LESSON_A1);
    write(root, "courses/basics/wismo.zh-CN.md", LESSON_A1_ZH);
    write(root, "courses/basics/cancel.en.md", LESSON_A2);
    write(
        root,
        "courses/advanced/course.toml",
        "order = 2\nprerequisites = [\"basics\"]\ntitle = { en = \"Advanced\", zh-CN = \"进阶\" }\n\
description = { en = \"Second.\", zh-CN = \"第二门。\" }\n\n[[module]]\nslug = \"tone\"\ntitle = { en = \"Tone\", zh-CN = \"语气\" }\nlessons = [\"tone\"]\n",
    );
    write(root, "courses/advanced/tone.en.md", LESSON_B1);
    dir
}

async fn app_with(content: &Path) -> TestApp {
    let content = content.to_path_buf();
    TestApp::spawn_with(move |c| c.content_dir = content).await
}

#[tokio::test]
async fn a_trainee_reads_a_lesson_answers_a_check_and_progress_is_kept() {
    let content = fixture();
    let app = app_with(content.path()).await;
    let (trainee, trainee_id) = app.signed_in("t@example.com", &[Role::Trainee]).await;

    let (status, html) = trainee.get_text("/courses").await;
    assert_eq!(status, 200);
    assert!(html.contains("Basics") && html.contains("Advanced"));
    assert!(
        html.contains("Unlocks after you complete:"),
        "advanced is locked behind basics"
    );
    assert_eq!(trainee.get("/courses/advanced/tone").await.status(), 403);

    let (status, html) = trainee.get_text("/courses/basics/wismo").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(r##"href="#h-the-promised-date""##),
        "table of contents"
    );
    assert!(
        html.contains("Ya es 12 y nada.") && html.contains("<details class=\"reveal\">"),
        "message bubble with reveal"
    );
    assert!(html.contains("Shipping delay complaint"));
    assert!(html.contains(r#"rel="next""#), "next lesson link");

    // A wrong answer is recorded and explained; then the right one.
    let res = trainee
        .post("/courses/basics/wismo/checks/wismo-1", &[("choice", "0")])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/courses/basics/wismo#check-wismo-1");
    let (_, html) = trainee.get_text("/courses/basics/wismo").await;
    assert!(html.contains("Read the date.") && html.contains("Not quite."));
    assert_eq!(
        trainee
            .post("/courses/basics/wismo/checks/wismo-1", &[("choice", "1")])
            .await
            .status(),
        303
    );
    let (correct, attempts): (i64, i64) = sqlx::query_as(
        "SELECT correct, attempts FROM check_answers WHERE user_id = $1 AND check_id = 'wismo-1'",
    )
    .bind(trainee_id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!((correct, attempts), (1, 2));
    assert_eq!(
        trainee
            .post("/courses/basics/wismo/checks/wismo-1", &[("choice", "7")])
            .await
            .status(),
        400
    );
    assert_eq!(
        trainee
            .post("/courses/basics/wismo/checks/nope", &[("choice", "0")])
            .await
            .status(),
        404
    );

    // Complete both lessons: the next course unlocks.
    let res = trainee
        .post(
            "/courses/basics/wismo/complete",
            &[("done", "1"), ("then", "next")],
        )
        .await;
    assert_eq!(location(&res), "/courses/basics/cancel");
    let res = trainee
        .post(
            "/courses/basics/cancel/complete",
            &[("done", "1"), ("then", "next")],
        )
        .await;
    assert_eq!(location(&res), "/courses/basics");
    assert_eq!(trainee.get("/courses/advanced/tone").await.status(), 200);
    let (_, html) = trainee.get_text("/courses").await;
    assert!(html.contains("2 lessons done"));

    // An instructor edits the lesson: progress and answers survive the new version.
    let (instructor, _) = app.signed_in("i@example.com", &[Role::Instructor]).await;
    let lesson_id: i64 = sqlx::query_scalar("SELECT id FROM lessons WHERE slug = 'wismo'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let edited = LESSON_A1.replace(
        "Read the **date** first.",
        "Always read the **promised date** first.",
    );
    let res = instructor
        .post(
            &format!("/instruct/lessons/{lesson_id}"),
            &[("lang", "en"), ("source", &edited), ("action", "save")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, html) = trainee.get_text("/courses/basics/wismo").await;
    assert!(html.contains("Always read the"));
    assert!(
        html.contains("Right."),
        "the recorded answer is still shown"
    );
    let (_, html) = trainee.get_text("/courses/basics").await;
    assert!(
        html.contains("2 lessons done"),
        "progress survives the edit"
    );
}

#[tokio::test]
async fn a_missing_translation_falls_back_with_a_note() {
    let content = fixture();
    let app = app_with(content.path()).await;
    let (trainee, _) = app.signed_in("zh@example.com", &[Role::Trainee]).await;
    trainee.post("/lang", &[("locale", "zh-CN")]).await;
    let (_, html) = trainee.get_text("/courses/basics/wismo").await;
    assert!(html.contains("订单在哪") && !html.contains("本课尚未翻译"));
    let (_, html) = trainee.get_text("/courses/basics/cancel").await;
    assert!(
        html.contains("Cancellations") && html.contains("本课尚未翻译"),
        "English shown with a note"
    );
}

#[tokio::test]
async fn the_instructor_previews_saves_and_restores_versions() {
    let content = fixture();
    let app = app_with(content.path()).await;
    let (instructor, _) = app.signed_in("i@example.com", &[Role::Instructor]).await;
    let lesson_id: i64 = sqlx::query_scalar("SELECT id FROM lessons WHERE slug = 'cancel'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let editor = format!("/instruct/lessons/{lesson_id}");

    let (status, html) = instructor.get_text(&format!("{editor}?lang=en")).await;
    assert_eq!(status, 200);
    assert!(html.contains("<textarea") && html.contains("Before dispatch"));

    let draft = "+++\ntitle = \"Cancellations v2\"\nminutes = 5\n+++\n## After dispatch\n\n```message\nlang: de\nplatform: amazon\n\
intent: cancellation\nemotion: neutral\nescalate: no\n---\nBitte stornieren.\n---\nPlain request.\n```\n";
    let res = instructor
        .post(
            &editor,
            &[("lang", "en"), ("source", draft), ("action", "preview")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Bitte stornieren.") && html.contains("h-after-dispatch"),
        "server-rendered preview"
    );
    assert_eq!(
        courses::store::versions(&app.db, lesson_id, "en")
            .await
            .unwrap()
            .len(),
        1,
        "preview saves nothing"
    );

    let broken =
        "+++\ntitle = \"x\"\nminutes = 5\n+++\n\n```check\nid: a\nq: Q\n- a || f\n- b || f\n```\n";
    let res = instructor
        .post(
            &editor,
            &[("lang", "en"), ("source", broken), ("action", "save")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("line 6: a check block needs exactly one right option")
    );

    assert_eq!(
        instructor
            .post(
                &editor,
                &[("lang", "en"), ("source", draft), ("action", "save")]
            )
            .await
            .status(),
        303
    );
    let versions = courses::store::versions(&app.db, lesson_id, "en")
        .await
        .unwrap();
    assert_eq!(versions.len(), 2);
    let (_, html) = instructor
        .get_text(&format!("{editor}/history?lang=en"))
        .await;
    assert!(
        html.contains("v2")
            && html.contains("v1")
            && html.contains("content file")
            && html.contains("editor")
    );

    let first = versions.iter().find(|v| v.version == 1).unwrap();
    let (status, html) = instructor
        .get_text(&format!("{editor}/versions/{}", first.id))
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("Before dispatch"));
    let res = instructor
        .post(&format!("{editor}/versions/{}/restore", first.id), &[])
        .await;
    assert_eq!(res.status(), 303);
    let current = courses::store::current_version(&app.db, lesson_id, "en")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            current.version,
            current.origin.as_str(),
            current.title.as_str()
        ),
        (3, "restore", "Cancellations")
    );
    // A version id from another lesson is not found.
    let other: i64 =
        sqlx::query_scalar("SELECT id FROM lesson_versions WHERE lesson_id <> $1 LIMIT 1")
            .bind(lesson_id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        instructor
            .get(&format!("{editor}/versions/{other}"))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn hostile_markdown_saved_in_the_editor_is_neutralised_for_trainees() {
    let content = fixture();
    let app = app_with(content.path()).await;
    let (instructor, _) = app.signed_in("i@example.com", &[Role::Instructor]).await;
    let (trainee, _) = app.signed_in("t@example.com", &[Role::Trainee]).await;
    let lesson_id: i64 = sqlx::query_scalar("SELECT id FROM lessons WHERE slug = 'wismo'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let hostile = "+++\ntitle = \"<script>alert('t')</script>\"\nminutes = 2\n+++\n<script>alert('x')</script>\n\n\
<img src=x onerror=\"alert('y')\">\n\n[go](javascript:alert('z'))\n\n<iframe src=\"https://evil.example\"></iframe>\n";
    let res = instructor
        .post(
            &format!("/instruct/lessons/{lesson_id}"),
            &[("lang", "en"), ("source", hostile), ("action", "save")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, html) = trainee.get_text("/courses/basics/wismo").await;
    for bad in ["<script>alert", "onerror", "javascript:alert", "<iframe"] {
        assert!(!html.contains(bad), "{bad} reached the page");
    }
    assert!(
        html.contains("&lt;script&gt;") || html.contains("&#60;script&#62;"),
        "the title is shown as text"
    );
}

#[tokio::test]
async fn unpublished_lessons_are_hidden_from_trainees_and_reordering_works() {
    let content = fixture();
    let app = app_with(content.path()).await;
    let (instructor, _) = app.signed_in("i@example.com", &[Role::Instructor]).await;
    let (trainee, _) = app.signed_in("t@example.com", &[Role::Trainee]).await;
    let cancel: i64 = sqlx::query_scalar("SELECT id FROM lessons WHERE slug = 'cancel'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        instructor
            .post(
                &format!("/instruct/lessons/{cancel}/publish"),
                &[("published", "0")]
            )
            .await
            .status(),
        303
    );
    assert_eq!(trainee.get("/courses/basics/cancel").await.status(), 404);
    assert_eq!(
        instructor.get("/courses/basics/cancel").await.status(),
        200,
        "instructors still see it"
    );
    assert_eq!(
        instructor
            .post(
                &format!("/instruct/lessons/{cancel}/publish"),
                &[("published", "1")]
            )
            .await
            .status(),
        303
    );
    assert_eq!(trainee.get("/courses/basics/cancel").await.status(), 200);

    assert_eq!(
        instructor
            .post(
                &format!("/instruct/lessons/{cancel}/move"),
                &[("direction", "up")]
            )
            .await
            .status(),
        303
    );
    let course_id: i64 = sqlx::query_scalar("SELECT id FROM courses WHERE slug = 'basics'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let order: Vec<String> = courses::store::lessons(&app.db, Some(course_id))
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.slug)
        .collect();
    assert_eq!(order, ["cancel", "wismo"]);

    // New module and lesson from the browser.
    let res = instructor
        .post(
            &format!("/instruct/courses/{course_id}/modules"),
            &[
                ("slug", "returns"),
                ("title_en", "Returns"),
                ("title_zh", "退货"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        instructor
            .post(
                &format!("/instruct/courses/{course_id}/modules"),
                &[("slug", "returns"), ("title_en", "R"), ("title_zh", "退")]
            )
            .await
            .status(),
        409
    );
    assert_eq!(
        instructor
            .post(
                &format!("/instruct/courses/{course_id}/modules"),
                &[("slug", "../x"), ("title_en", "R"), ("title_zh", "退")]
            )
            .await
            .status(),
        422
    );
    let module_id: i64 = sqlx::query_scalar("SELECT id FROM course_modules WHERE slug = 'returns'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let res = instructor
        .post(
            &format!("/instruct/modules/{module_id}/lessons"),
            &[("slug", "refunds"), ("title", "Refunds")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(location(&res).starts_with("/instruct/lessons/"));
    assert_eq!(
        trainee.get("/courses/basics/refunds").await.status(),
        404,
        "a new lesson starts unpublished"
    );
}

#[tokio::test]
async fn a_broken_content_file_is_reported_with_path_and_line_and_loads_nothing_of_its_course() {
    let content = fixture();
    let app = app_with(content.path()).await;
    let before = courses::store::count_versions(&app.db).await.unwrap();

    let broken = tempfile::tempdir().unwrap();
    let root = broken.path();
    std::fs::copy(
        content.path().join("taxonomy.toml"),
        root.join("taxonomy.toml"),
    )
    .unwrap();
    write(
        root,
        "courses/fresh/course.toml",
        "order = 3\ntitle = { en = \"Fresh\", zh-CN = \"新\" }\n\
description = { en = \"d\", zh-CN = \"d\" }\n\n[[module]]\nslug = \"m\"\ntitle = { en = \"M\", zh-CN = \"M\" }\nlessons = [\"good\", \"bad\"]\n",
    );
    write(root, "courses/fresh/good.en.md", LESSON_B1);
    write(
        root,
        "courses/fresh/bad.en.md",
        "+++\ntitle = \"Bad\"\nminutes = 3\n+++\n\ntext\n\n```message\nlang: en\nplatform: walmart\n",
    );
    let (stats, errors) = courses::load_courses(&app.db, root).await.unwrap();
    assert_eq!(stats.courses, 0);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].path, "courses/fresh/bad.en.md");
    assert_eq!(errors[0].line, 8, "{}", errors[0]);
    assert!(
        courses::store::course_by_slug(&app.db, "fresh")
            .await
            .unwrap()
            .is_none(),
        "nothing of the course is loaded"
    );
    assert_eq!(
        courses::store::count_versions(&app.db).await.unwrap(),
        before
    );

    // The command line says the same and exits non-zero.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_intentdojo"))
        .args([
            "content",
            "load",
            root.to_str().unwrap(),
            "--database-url",
            &app.database.url,
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("courses/fresh/bad.en.md:8:"));
}

#[tokio::test]
async fn loading_is_idempotent_and_export_then_load_changes_nothing() {
    let content = fixture();
    let app = app_with(content.path()).await;
    let versions = courses::store::count_versions(&app.db).await.unwrap();
    let (stats, errors) = courses::load_courses(&app.db, content.path())
        .await
        .unwrap();
    assert!(errors.is_empty());
    assert_eq!(stats.new_versions, 0, "unchanged files are skipped");
    assert_eq!(
        courses::store::count_versions(&app.db).await.unwrap(),
        versions
    );

    // A changed file becomes a new version.
    write(
        content.path(),
        "courses/basics/cancel.en.md",
        &LESSON_A2.replace("Text.", "Changed text."),
    );
    let (stats, _) = courses::load_courses(&app.db, content.path())
        .await
        .unwrap();
    assert_eq!(stats.new_versions, 1);

    let out = tempfile::tempdir().unwrap();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_intentdojo"))
        .args([
            "content",
            "export",
            out.path().to_str().unwrap(),
            "--database-url",
            &app.database.url,
        ])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(
        std::fs::read_to_string(out.path().join("courses/basics/cancel.en.md")).unwrap(),
        LESSON_A2.replace("Text.", "Changed text.")
    );
    std::fs::copy(
        content.path().join("taxonomy.toml"),
        out.path().join("taxonomy.toml"),
    )
    .unwrap();
    let before = courses::store::count_versions(&app.db).await.unwrap();
    let (stats, errors) = courses::load_courses(&app.db, out.path()).await.unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!((stats.courses, stats.new_versions), (2, 0));
    assert_eq!(
        courses::store::count_versions(&app.db).await.unwrap(),
        before
    );
    let exported_toml =
        std::fs::read_to_string(out.path().join("courses/advanced/course.toml")).unwrap();
    assert!(exported_toml.contains("prerequisites = [\"basics\"]"));
}
