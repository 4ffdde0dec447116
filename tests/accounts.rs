//! Accounts over HTTP: sign-in, sessions (rotation, expiry, revocation), rate limits, CSRF,
//! password links, first-admin setup and the admin pages. Runs on SQLite or PostgreSQL.

mod common;

use common::{PASSWORD, TestApp, location};
use intentdojo::accounts::{Role, store};

#[tokio::test]
async fn a_user_signs_in_lands_on_their_home_and_signs_out() {
    let app = TestApp::spawn().await;
    app.user("mei@example.com", &[Role::Trainee]).await;
    let client = app.client();

    let (status, html) = client.get_text("/login").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(r#"name="email""#)
            && html.contains(r#"name="password""#)
            && html.contains("csrf_token")
    );

    let res = client.login("MEI@example.com ", PASSWORD).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/learn");
    let (status, html) = client.get_text("/learn").await;
    assert_eq!(status, 200);
    assert!(html.contains("mei"), "the home page greets the user");

    let res = client.post("/logout", &[]).await;
    assert_eq!(res.status(), 303);
    let res = client.get("/learn").await;
    assert_eq!(
        res.status(),
        303,
        "signed out: protected pages send to login"
    );
    assert!(location(&res).starts_with("/login?next=%2Flearn"));
}

#[tokio::test]
async fn wrong_passwords_and_unknown_accounts_get_the_same_answer() {
    let app = TestApp::spawn().await;
    app.user("ana@example.com", &[Role::Trainee]).await;
    let client = app.client();
    let wrong = client.login("ana@example.com", "not the password").await;
    assert_eq!(wrong.status(), 401);
    let wrong_text = wrong.text().await.unwrap();
    let unknown = client.login("nobody@example.com", "not the password").await;
    assert_eq!(unknown.status(), 401);
    assert!(wrong_text.contains("The email or password is not right."));
    assert!(
        unknown
            .text()
            .await
            .unwrap()
            .contains("The email or password is not right.")
    );
    let malformed = client.login("not-an-email", "x").await;
    assert_eq!(malformed.status(), 422);
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_account() {
    let app = TestApp::spawn().await;
    app.user("target@example.com", &[Role::Trainee]).await;
    let client = app.client();
    for _ in 0..5 {
        assert_eq!(
            client
                .login("target@example.com", "guess guess guess")
                .await
                .status(),
            401
        );
    }
    // Even the right password is refused now, with a clear message and Retry-After.
    let blocked = client.login("target@example.com", PASSWORD).await;
    assert_eq!(blocked.status(), 429);
    assert!(blocked.headers().get("retry-after").is_some());
    assert!(
        blocked
            .text()
            .await
            .unwrap()
            .contains("Too many failed sign-ins for this account")
    );
    // Another account from the same address is not affected by this account's limit.
    app.user("other@example.com", &[Role::Trainee]).await;
    assert_eq!(
        app.client()
            .login("other@example.com", PASSWORD)
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_client_address() {
    let app = TestApp::spawn_with(|c| c.login_limits.per_client = 4).await;
    app.user("real@example.com", &[Role::Trainee]).await;
    let client = app.client();
    for i in 0..4 {
        let res = client
            .login(&format!("spray{i}@example.com"), "guess guess guess")
            .await;
        assert_eq!(res.status(), 401);
    }
    let blocked = client.login("real@example.com", PASSWORD).await;
    assert_eq!(blocked.status(), 429);
    assert!(blocked.text().await.unwrap().contains("from your network"));
}

#[tokio::test]
async fn a_new_session_id_is_issued_at_every_sign_in() {
    let app = TestApp::spawn().await;
    app.user("fix@example.com", &[Role::Trainee]).await;
    let first = app.client().login("fix@example.com", PASSWORD).await;
    let second = app.client().login("fix@example.com", PASSWORD).await;
    let cookie = |r: &reqwest::Response| {
        r.cookies()
            .find(|c| c.name() == "intentdojo_session")
            .map(|c| c.value().to_string())
            .expect("session cookie")
    };
    let (a, b) = (cookie(&first), cookie(&second));
    assert_ne!(a, b);
    // The cookie is HttpOnly and SameSite=Lax.
    let raw = first
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect::<Vec<_>>();
    let session = raw
        .iter()
        .find(|c| c.starts_with("intentdojo_session="))
        .unwrap();
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
    // The database stores only a hash of the token.
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM sessions")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert!(!stored.contains(&a) && stored.len() == 2);
}

#[tokio::test]
async fn an_attacker_supplied_session_cookie_is_not_adopted() {
    let app = TestApp::spawn().await;
    app.user("victim@example.com", &[Role::Trainee]).await;
    let page = app.client().get("/login").await;
    let visitor = page
        .cookies()
        .find(|c| c.name() == "intentdojo_visitor")
        .expect("visitor cookie")
        .value()
        .to_string();
    let token = common::csrf_from(&page.text().await.unwrap()).unwrap();
    let planted = "planted-session-token-0123456789abcdefghijklmnop";
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(app.url("/login"))
        .header(
            "cookie",
            format!("intentdojo_visitor={visitor}; intentdojo_session={planted}"),
        )
        .form(&[
            ("email", "victim@example.com"),
            ("password", PASSWORD),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let issued = res
        .cookies()
        .find(|c| c.name() == "intentdojo_session")
        .unwrap()
        .value()
        .to_string();
    assert_ne!(issued, planted, "sign-in always issues a fresh session id");
    let planted_hash = intentdojo::web::sha256_hex(planted);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE token_hash = $1")
        .bind(planted_hash)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn idle_and_old_sessions_expire_with_a_clear_message() {
    let app = TestApp::spawn().await;
    let (client, user_id) = app.signed_in("idle@example.com", &[Role::Trainee]).await;
    assert_eq!(client.get("/learn").await.status(), 200);

    // Idle for longer than the limit (120 minutes by default).
    let three_hours_ago = intentdojo::db::now_ms() - 3 * 3_600_000;
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE user_id = $2")
        .bind(three_hours_ago)
        .bind(user_id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let res = client.get("/learn").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/login?next=%2Flearn&expired=1");
    let (_, html) = client.get_text(&location(&res)).await;
    assert!(html.contains("Your session has expired"));
    assert_eq!(
        store::count_sessions(&app.db, user_id).await.unwrap(),
        0,
        "the expired session is deleted"
    );

    // Absolute lifetime: a session older than the maximum ends even if active.
    let client = app.client();
    assert_eq!(
        client.login("idle@example.com", PASSWORD).await.status(),
        303
    );
    let eight_days_ago = intentdojo::db::now_ms() - 8 * 24 * 3_600_000;
    sqlx::query("UPDATE sessions SET created_at = $1 WHERE user_id = $2")
        .bind(eight_days_ago)
        .bind(user_id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(client.get("/learn").await.status(), 303);
}

#[tokio::test]
async fn a_password_change_revokes_every_other_session() {
    let app = TestApp::spawn().await;
    let (laptop, user_id) = app.signed_in("two@example.com", &[Role::Trainee]).await;
    let phone = app.client();
    assert_eq!(phone.login("two@example.com", PASSWORD).await.status(), 303);
    assert_eq!(store::count_sessions(&app.db, user_id).await.unwrap(), 2);

    let res = laptop
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new secret"),
                ("confirm_password", "a brand new secret"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        laptop.get("/learn").await.status(),
        200,
        "the browser that changed it stays signed in"
    );
    assert_eq!(
        phone.get("/learn").await.status(),
        303,
        "the other session is revoked"
    );
    assert_eq!(store::count_sessions(&app.db, user_id).await.unwrap(), 1);
    assert_eq!(
        app.client()
            .login("two@example.com", PASSWORD)
            .await
            .status(),
        401
    );
    assert_eq!(
        app.client()
            .login("two@example.com", "a brand new secret")
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn a_wrong_current_password_or_weak_new_one_is_refused() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in("weak@example.com", &[Role::Trainee]).await;
    let res = client
        .post(
            "/account/password",
            &[
                ("current_password", "wrong one!"),
                ("new_password", "long enough pw"),
                ("confirm_password", "long enough pw"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Your current password is not right.")
    );
    let res = client
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "short"),
                ("confirm_password", "short"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("The password is too short.")
    );
}

#[tokio::test]
async fn deactivation_signs_the_user_out_and_blocks_sign_in_but_keeps_the_account() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in("boss@example.com", &[Role::Admin]).await;
    let (trainee, trainee_id) = app.signed_in("leaver@example.com", &[Role::Trainee]).await;
    let res = admin
        .post(&format!("/admin/users/{trainee_id}/deactivate"), &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(trainee.get("/learn").await.status(), 303);
    let res = app.client().login("leaver@example.com", PASSWORD).await;
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("deactivated"));
    let kept = store::user_by_id(&app.db, trainee_id)
        .await
        .unwrap()
        .expect("never hard-deleted");
    assert!(!kept.active);
    // Reactivation restores access.
    assert_eq!(
        admin
            .post(&format!("/admin/users/{trainee_id}/reactivate"), &[])
            .await
            .status(),
        303
    );
    assert_eq!(
        app.client()
            .login("leaver@example.com", PASSWORD)
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn an_admin_cannot_lock_themselves_out() {
    let app = TestApp::spawn().await;
    let (admin, admin_id) = app
        .signed_in("only-admin@example.com", &[Role::Admin])
        .await;
    let res = admin
        .post(&format!("/admin/users/{admin_id}/deactivate"), &[])
        .await;
    assert_eq!(res.status(), 409);
    let res = admin
        .post(
            &format!("/admin/users/{admin_id}"),
            &[("display_name", "Me"), ("role", "trainee")],
        )
        .await;
    assert_eq!(res.status(), 409);
    assert!(
        store::user_by_id(&app.db, admin_id)
            .await
            .unwrap()
            .unwrap()
            .roles
            .has(Role::Admin)
    );
}

#[tokio::test]
async fn forms_without_a_valid_csrf_token_are_refused() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in("csrf@example.com", &[Role::Admin]).await;
    let missing = client.post_raw("/admin/teams", &[("name", "Team X")]).await;
    assert_eq!(missing.status(), 403);
    assert!(
        missing
            .text()
            .await
            .unwrap()
            .contains("This form has expired or did not come from this site")
    );
    let wrong = client
        .post_raw(
            "/admin/teams",
            &[
                ("name", "Team X"),
                ("csrf_token", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), 403);
    // A token from another user's session does not work either.
    let (other, _) = app.signed_in("other@example.com", &[Role::Admin]).await;
    let foreign = other.csrf().await;
    let res = client
        .post_raw(
            "/admin/teams",
            &[("name", "Team X"), ("csrf_token", &foreign)],
        )
        .await;
    assert_eq!(res.status(), 403);
    assert!(
        store::team_id_by_name(&app.db, "Team X")
            .await
            .unwrap()
            .is_none(),
        "nothing was created"
    );
    // The login form is protected too.
    let anon = app.client();
    let res = anon
        .post_raw(
            "/login",
            &[("email", "csrf@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn login_redirects_only_to_local_paths() {
    let app = TestApp::spawn().await;
    app.user("next@example.com", &[Role::Admin]).await;
    let client = app.client();
    let res = client
        .post(
            "/login",
            &[
                ("email", "next@example.com"),
                ("password", PASSWORD),
                ("next", "/admin/teams"),
            ],
        )
        .await;
    assert_eq!(location(&res), "/admin/teams");
    for evil in ["https://evil.example/", "//evil.example", "/\\evil.example"] {
        let client = app.client();
        let res = client
            .post(
                "/login",
                &[
                    ("email", "next@example.com"),
                    ("password", PASSWORD),
                    ("next", evil),
                ],
            )
            .await;
        assert_eq!(location(&res), "/admin", "{evil} must not be followed");
    }
}

#[tokio::test]
async fn an_invited_user_sets_a_password_once_through_the_link() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in("admin@example.com", &[Role::Admin]).await;
    let res = admin
        .post(
            "/admin/users",
            &[
                ("display_name", "Nova Trainee"),
                ("email", "nova@example.com"),
                ("role", "trainee"),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    let re = regex_lite::Regex::new(r#"value="(http://[^"]+/password/([A-Za-z0-9_-]+))""#).unwrap();
    let token = re.captures(&html).expect("invitation link shown")[2].to_string();

    let invited = app.client();
    let (status, html) = invited.get_text(&format!("/password/{token}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("nova@example.com"));
    let mismatch = invited
        .post(
            &format!("/password/{token}"),
            &[
                ("new_password", "nova's own secret"),
                ("confirm_password", "different secret"),
            ],
        )
        .await;
    assert_eq!(mismatch.status(), 422);
    let res = invited
        .post(
            &format!("/password/{token}"),
            &[
                ("new_password", "nova's own secret"),
                ("confirm_password", "nova's own secret"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        invited
            .login("nova@example.com", "nova's own secret")
            .await
            .status(),
        303
    );
    // The link works once.
    let (status, html) = app.client().get_text(&format!("/password/{token}")).await;
    assert_eq!(status, 410);
    assert!(html.contains("This link is not valid any more"));
}

#[tokio::test]
async fn a_reset_link_replaces_the_password_and_ends_sessions() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in("admin@example.com", &[Role::Admin]).await;
    let (forgetful, id) = app
        .signed_in("forgetful@example.com", &[Role::Trainee])
        .await;
    let res = admin
        .post(&format!("/admin/users/{id}/reset-password"), &[])
        .await;
    let html = res.text().await.unwrap();
    let token = regex_lite::Regex::new(r#"/password/([A-Za-z0-9_-]+)""#)
        .unwrap()
        .captures(&html)
        .unwrap()[1]
        .to_string();
    let res = app
        .client()
        .post(
            &format!("/password/{token}"),
            &[
                ("new_password", "fresh start 2026"),
                ("confirm_password", "fresh start 2026"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        forgetful.get("/learn").await.status(),
        303,
        "old sessions end"
    );
    assert_eq!(
        app.client()
            .login("forgetful@example.com", "fresh start 2026")
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn the_first_admin_is_created_with_the_setup_token() {
    let app = TestApp::spawn().await;
    let token = app
        .setup_token
        .clone()
        .expect("an empty database prints a setup token");
    let client = app.client();
    assert_eq!(client.get("/setup").await.status(), 200);
    let fields = |t: &'static str| {
        vec![
            ("setup_token", t),
            ("display_name", "First Admin"),
            ("email", "first@example.com"),
            ("password", "first admin pw"),
            ("confirm_password", "first admin pw"),
        ]
    };
    let res = client.post("/setup", &fields("wrong-token")).await;
    assert_eq!(res.status(), 403);
    let token: &'static str = Box::leak(token.into_boxed_str());
    let res = client.post("/setup", &fields(token)).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/admin");
    assert_eq!(client.get("/admin").await.status(), 200);
    // Once an account exists, setup is gone.
    assert_eq!(app.client().get("/setup").await.status(), 404);
}

#[tokio::test]
async fn admins_manage_users_and_teams_and_supervisors_see_only_their_team() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in("admin@example.com", &[Role::Admin]).await;
    let res = admin.post("/admin/teams", &[("name", "Team Lima")]).await;
    assert_eq!(res.status(), 303);
    let lima = store::team_id_by_name(&app.db, "Team Lima")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        admin
            .post("/admin/teams", &[("name", "team lima")])
            .await
            .status(),
        303,
        "names are case-sensitive unique"
    );
    assert_eq!(
        admin
            .post("/admin/teams", &[("name", "Team Lima")])
            .await
            .status(),
        409
    );
    assert_eq!(
        admin.post("/admin/teams", &[("name", "")]).await.status(),
        422
    );

    let lima_s = lima.to_string();
    let res = admin
        .post(
            "/admin/users",
            &[
                ("display_name", "Sofía"),
                ("email", "sofia@example.com"),
                ("role", "trainee"),
                ("team", &lima_s),
                ("password", "sofia password"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let dup = admin
        .post(
            "/admin/users",
            &[
                ("display_name", "Sofía 2"),
                ("email", "SOFIA@example.com"),
                ("role", "trainee"),
                ("password", "sofia password"),
            ],
        )
        .await;
    assert_eq!(dup.status(), 409);
    assert!(dup.text().await.unwrap().contains("already exists"));
    let none = admin
        .post(
            "/admin/users",
            &[("display_name", "No Role"), ("email", "norole@example.com")],
        )
        .await;
    assert_eq!(none.status(), 422);

    let (sup, sup_id) = app.signed_in("sup@example.com", &[Role::Supervisor]).await;
    let (_, outsider) = app
        .signed_in("outsider@example.com", &[Role::Trainee])
        .await;
    let (_, text) = sup.get_text("/team").await;
    assert!(text.contains("You do not supervise a team yet"));
    let sup_s = sup_id.to_string();
    let res = admin
        .post(
            &format!("/admin/teams/{lima}/members"),
            &[("user_id", &sup_s), ("kind", "supervisor")],
        )
        .await;
    assert_eq!(res.status(), 303);
    // A trainee cannot be made supervisor; an unknown kind or user is a clear error.
    let outsider_s = outsider.to_string();
    assert_eq!(
        admin
            .post(
                &format!("/admin/teams/{lima}/members"),
                &[("user_id", &outsider_s), ("kind", "supervisor")]
            )
            .await
            .status(),
        422
    );
    assert_eq!(
        admin
            .post(
                &format!("/admin/teams/{lima}/members"),
                &[("user_id", "999999"), ("kind", "member")]
            )
            .await
            .status(),
        404
    );
    assert_eq!(
        admin
            .post(
                &format!("/admin/teams/{lima}/members"),
                &[("user_id", "abc"), ("kind", "member")]
            )
            .await
            .status(),
        400
    );

    let (_, text) = sup.get_text("/team").await;
    assert!(
        text.contains("sofia@example.com"),
        "the supervisor sees their trainee"
    );
    assert!(
        !text.contains("outsider@example.com"),
        "but not trainees of other teams"
    );

    let (status, text) = admin.get_text("/admin/users?q=SOF").await;
    assert_eq!(status, 200);
    assert!(text.contains("sofia@example.com") && !text.contains("outsider@example.com"));
    let (status, _) = admin.get_text("/admin/users?q=%25' OR 1=1 --").await;
    assert_eq!(status, 200, "search text is data, never SQL");
}

#[tokio::test]
async fn the_interface_follows_the_users_language() {
    let app = TestApp::spawn().await;
    let anon = app.client();
    let res = anon
        .http
        .get(app.url("/login"))
        .header("accept-language", "zh-CN,zh;q=0.9")
        .send()
        .await
        .unwrap();
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"<html lang="zh-CN">"#) && html.contains("登录"));

    let (client, _) = app.signed_in("lang@example.com", &[Role::Trainee]).await;
    let (_, html) = client.get_text("/learn").await;
    assert!(html.contains(r#"<html lang="en">"#));
    let res = client
        .post("/lang", &[("locale", "zh-CN"), ("back", "/learn")])
        .await;
    assert_eq!(location(&res), "/learn");
    let (_, html) = client.get_text("/learn").await;
    assert!(
        html.contains("买家意图"),
        "the preference is stored and used"
    );
    let res = client
        .post("/account", &[("display_name", "  陈美 ")])
        .await;
    assert_eq!(res.status(), 303);
    let (_, html) = client.get_text("/account").await;
    assert!(html.contains("修改已保存") && html.contains(r#"value="陈美""#));
    assert_eq!(
        client
            .post("/account", &[("display_name", "")])
            .await
            .status(),
        422
    );
    assert_eq!(
        client
            .post("/lang", &[("locale", "klingon")])
            .await
            .status(),
        400
    );
}

#[tokio::test]
async fn errors_are_pages_in_the_layout_with_the_right_status() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in("admin@example.com", &[Role::Admin]).await;
    let (status, html) = admin.get_text("/no/such/page").await;
    assert_eq!(status, 404);
    assert!(html.contains("<main") && html.contains("This page does not exist"));
    assert_eq!(admin.get("/admin/users/999999").await.status(), 404);
    assert_eq!(admin.get("/admin/users/1%20OR%201=1").await.status(), 404);
    assert_eq!(admin.get("/admin/teams/-1").await.status(), 404);
    let res = admin
        .http
        .delete(app.url("/admin/users"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    // A form body over the limit is refused with 413, not a crash.
    let token = admin.csrf().await;
    let huge = "x".repeat(300 * 1024);
    let res = admin
        .post_raw(
            "/admin/teams",
            &[("name", huge.as_str()), ("csrf_token", &token)],
        )
        .await;
    assert_eq!(res.status(), 413);
    // Security headers are on every response.
    let res = admin.get("/admin").await;
    let h = res.headers();
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    assert!(h.contains_key("x-request-id"));
}

#[tokio::test]
async fn probes_and_metrics() {
    let app = TestApp::spawn().await;
    let client = app.client();
    assert_eq!(client.get_text("/healthz").await, (200, "ok".to_string()));
    assert_eq!(client.get_text("/readyz").await, (200, "ready".to_string()));
    client.get("/login").await;
    let (status, text) = client.get_text("/metrics").await;
    assert_eq!(status, 200);
    assert!(
        text.contains(
            r#"intentdojo_http_requests_total{route="/login",method="GET",status="200"} 1"#
        ),
        "{text}"
    );
    assert!(text.contains("intentdojo_http_request_duration_seconds_bucket"));
    assert!(text.contains(r#"intentdojo_db_pool_connections{state="max"}"#));
}
