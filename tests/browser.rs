//! End to end in headless Chromium (Debian's chromium + chromium-driver): every demo role signs in
//! with the keyboard and reaches its home page; screenshots land in target/screenshots/.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use common::TestApp;
use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Driver {
    child: Child,
    http: reqwest::Client,
    base: String,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Session<'a> {
    driver: &'a Driver,
    id: String,
}

fn find_chromedriver() -> Option<String> {
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .map(str::to_string)
}

impl Driver {
    async fn start() -> Option<Driver> {
        let Some(binary) = find_chromedriver() else {
            assert!(
                std::env::var("INTENTDOJO_SKIP_BROWSER").is_ok(),
                "chromedriver not found: install Debian's chromium and chromium-driver (bash .ci/run does), \
                 or set INTENTDOJO_SKIP_BROWSER=1 to skip the browser test"
            );
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let driver = Driver {
            child,
            http: reqwest::Client::new(),
            base: format!("http://127.0.0.1:{port}"),
            _profile: tempfile::tempdir().unwrap(),
        };
        for _ in 0..100 {
            if let Ok(res) = driver
                .http
                .get(format!("{}/status", driver.base))
                .send()
                .await
                && res.status() == 200
            {
                return Some(driver);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not start");
    }

    async fn session(&self, lang: &str) -> Session<'_> {
        let profile = self._profile.path().join(lang);
        let args = vec![
            "--headless".to_string(),
            "--no-sandbox".to_string(),
            "--disable-gpu".to_string(),
            "--disable-background-networking".to_string(),
            "--disable-component-update".to_string(),
            "--disable-sync".to_string(),
            "--disable-quic".to_string(),
            "--no-first-run".to_string(),
            "--window-size=1280,900".to_string(),
            format!("--lang={lang}"),
            format!("--user-data-dir={}", profile.display()),
        ];
        let body = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium", "args": args, "prefs": {"intl.accept_languages": lang}}}}});
        let res: Value = self
            .http
            .post(format!("{}/session", self.base))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = res["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {res}"))
            .to_string();
        Session { driver: self, id }
    }
}

impl Session<'_> {
    fn url(&self, path: &str) -> String {
        format!("{}/session/{}{path}", self.driver.base, self.id)
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let res = self
            .driver
            .http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        res.json().await.unwrap()
    }

    async fn get(&self, path: &str) -> Value {
        self.driver
            .http
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn goto(&self, url: &str) {
        self.post("/url", json!({"url": url})).await;
    }

    async fn find(&self, css: &str) -> String {
        let res = self
            .post("/element", json!({"using": "css selector", "value": css}))
            .await;
        res["value"][ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {res}"))
            .to_string()
    }

    async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.post(&format!("/element/{el}/value"), json!({"text": text}))
            .await;
    }

    async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.post(&format!("/element/{el}/click"), json!({})).await;
    }

    async fn text(&self, css: &str) -> String {
        let el = self.find(css).await;
        self.get(&format!("/element/{el}/text")).await["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    async fn current_path(&self) -> String {
        let url = self.get("/url").await["value"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        url.splitn(4, '/')
            .nth(3)
            .map(|p| format!("/{p}"))
            .unwrap_or_default()
    }

    /// Presses keys on whatever has focus (the W3C Actions API), like a person at the keyboard.
    async fn press(&self, keys: &str) {
        let mut actions = Vec::new();
        for k in keys.chars() {
            actions.push(json!({"type": "keyDown", "value": k.to_string()}));
            actions.push(json!({"type": "keyUp", "value": k.to_string()}));
        }
        self.post(
            "/actions",
            json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]}),
        )
        .await;
    }

    async fn screenshot(&self, name: &str) {
        let png = self.get("/screenshot").await["value"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png)
            .unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), bytes).unwrap();
    }

    async fn close(self) {
        let _ = self.driver.http.delete(self.url("")).send().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_demo_role_signs_in_with_the_keyboard_and_reaches_its_home() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = TestApp::spawn_with(|c| c.train_at_start = true).await;
    intentdojo::cli::demo::seed_accounts(&app.db).await.unwrap();

    let browser = driver.session("en").await;
    browser.goto(&app.url("/login")).await;
    browser.screenshot("login-en").await;
    for account in &intentdojo::cli::demo::DEMO_ACCOUNTS {
        browser.goto(&app.url("/login")).await;
        browser.type_into("input[name=email]", account.email).await;
        // Enter in the password field submits the form: no mouse needed.
        browser
            .type_into(
                "input[name=password]",
                &format!("{}\u{E007}", account.password),
            )
            .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let home = account.roles[0].home_path();
        assert_eq!(
            browser.current_path().await,
            home,
            "{} should land on {home}",
            account.email
        );
        let heading = browser.text("main h1").await;
        assert!(!heading.is_empty(), "{home} has a heading");
        browser
            .screenshot(&format!("home-{}-en", account.roles[0].key()))
            .await;
        if account.roles[0] == intentdojo::accounts::Role::Trainee
            && account.email.starts_with("mei")
        {
            browser.goto(&app.url("/courses")).await;
            browser.screenshot("courses-catalogue-en").await;
            browser
                .goto(&app.url("/courses/getting-started/welcome-and-the-lab"))
                .await;
            browser.screenshot("lesson-en").await;
            // Reveal a message's reading and answer a check, with the keyboard only.
            browser.click("details.reveal summary").await;
            let radio = browser.find("form.check input[type=radio]").await;
            browser
                .post(&format!("/element/{radio}/click"), json!({}))
                .await;
            browser
                .type_into("form.check input[type=radio]", "\u{E007}")
                .await;
            tokio::time::sleep(Duration::from_millis(300)).await;
            assert!(
                browser.text("form.check .verdict").await.len() > 2,
                "the check is answered and judged"
            );
            browser.screenshot("lesson-check-answered-en").await;

            // The lab, with the keyboard only: pick intent, emotion, escalation, Enter.
            browser.goto(&app.url("/lab")).await;
            browser.screenshot("lab-home-en").await;
            browser.goto(&app.url("/lab/next?mode=full")).await;
            assert!(browser.current_path().await.starts_with("/lab/items/"));
            browser.screenshot("lab-item-en").await;
            browser.press("1").await;
            browser.press("2").await;
            browser.press("1").await;
            browser.screenshot("lab-item-chosen-en").await;
            browser.press("\u{E007}").await;
            tokio::time::sleep(Duration::from_millis(400)).await;
            assert!(
                browser.current_path().await.starts_with("/lab/answers/"),
                "Enter submitted the labels"
            );
            browser.screenshot("lab-feedback-en").await;
            // Enter goes on to the next message; s skips it.
            browser.press("\u{E007}").await;
            tokio::time::sleep(Duration::from_millis(400)).await;
            let first = browser.current_path().await;
            assert!(
                first.starts_with("/lab/items/"),
                "Enter led to the next item: {first}"
            );
            browser.press("s").await;
            tokio::time::sleep(Duration::from_millis(400)).await;
            let second = browser.current_path().await;
            assert!(
                second.starts_with("/lab/items/") && second != first,
                "s skipped to another item"
            );
            let answers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM lab_answers")
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
            assert_eq!(answers, 1);
        }
        if account.roles[0] == intentdojo::accounts::Role::Instructor {
            browser.goto(&app.url("/instruct/courses")).await;
            browser.screenshot("authoring-outline-en").await;
            browser.click("table.outline td.grow a").await;
            tokio::time::sleep(Duration::from_millis(200)).await;
            browser.click("button[value=preview]").await;
            tokio::time::sleep(Duration::from_millis(300)).await;
            assert!(
                browser.text(".preview h1").await.len() > 1,
                "the preview shows the lesson"
            );
            browser.screenshot("authoring-editor-preview-en").await;
        }
        if account.roles[0] == intentdojo::accounts::Role::Admin {
            for (path, name) in [
                ("/admin/users", "admin-users"),
                ("/admin/teams/1", "admin-team"),
                ("/admin/users/new", "admin-new-user"),
            ] {
                browser.goto(&app.url(path)).await;
                browser.screenshot(&format!("{name}-en")).await;
            }
        }
        browser.click("form[action='/logout'] button").await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(browser.current_path().await, "/login");
    }
    browser.close().await;

    // The same journey in Chinese: the browser's language picks the interface.
    let browser = driver.session("zh-CN").await;
    browser.goto(&app.url("/login")).await;
    assert_eq!(browser.text("main h1").await, "登录");
    browser.screenshot("login-zh-CN").await;
    browser
        .type_into("input[name=email]", "supervisor@demo.intentdojo")
        .await;
    browser
        .type_into("input[name=password]", "demo-supervisor-2026\u{E007}")
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(browser.current_path().await, "/team");
    assert_eq!(browser.text("main h1").await, "我的团队");
    browser.screenshot("home-supervisor-zh-CN").await;
    browser.goto(&app.url("/admin")).await;
    assert!(
        browser.text("main h1").await.contains("无权访问"),
        "a supervisor is refused admin pages"
    );
    browser.screenshot("forbidden-zh-CN").await;
    browser.click("form[action='/logout'] button").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    browser
        .type_into("input[name=email]", "mei@demo.intentdojo")
        .await;
    browser
        .type_into("input[name=password]", "demo-trainee-2026\u{E007}")
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    browser.goto(&app.url("/courses")).await;
    browser.screenshot("courses-catalogue-zh-CN").await;
    browser
        .goto(&app.url("/courses/getting-started/welcome-and-the-lab"))
        .await;
    browser.screenshot("lesson-zh-CN").await;
    browser.goto(&app.url("/lab/next?mode=full")).await;
    browser.press("342").await;
    browser.press("\u{E007}").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(browser.current_path().await.starts_with("/lab/answers/"));
    browser.screenshot("lab-feedback-zh-CN").await;
    browser.close().await;
}
