//! Walks every route of the routing table with every role (and anonymous) and checks the result
//! against the table below, written independently of the code's own declarations. A new route must
//! be added here, or this test fails.

mod common;

use common::{Client, TestApp, location};
use intentdojo::accounts::Role;
use intentdojo::app::endpoints;

/// (method, path, who may use it): "public", "signed-in", or the roles allowed, comma-separated.
const EXPECTED: &[(&str, &str, &str)] = &[
    ("GET", "/", "public"),
    ("GET", "/login", "public"),
    ("POST", "/login", "public"),
    ("POST", "/logout", "signed-in"),
    ("POST", "/lang", "public"),
    ("GET", "/setup", "public"),
    ("POST", "/setup", "public"),
    ("GET", "/password/{token}", "public"),
    ("POST", "/password/{token}", "public"),
    ("GET", "/account", "signed-in"),
    ("POST", "/account", "signed-in"),
    ("GET", "/account/password", "signed-in"),
    ("POST", "/account/password", "signed-in"),
    ("GET", "/learn", "trainee"),
    ("GET", "/team", "supervisor"),
    ("GET", "/instruct", "instructor"),
    ("GET", "/lab", "trainee,instructor"),
    ("GET", "/lab/next", "trainee,instructor"),
    ("GET", "/lab/summary", "trainee,instructor"),
    ("GET", "/lab/items/{id}", "trainee,instructor"),
    ("POST", "/lab/items/{id}", "trainee,instructor"),
    ("GET", "/lab/answers/{id}", "trainee,instructor"),
    ("POST", "/lab/answers/{id}/flag", "trainee,instructor"),
    ("GET", "/instruct/taxonomy", "instructor"),
    ("POST", "/instruct/taxonomy", "instructor"),
    ("GET", "/instruct/questions", "instructor"),
    ("POST", "/instruct/questions/import", "instructor"),
    ("GET", "/instruct/questions/export.gift", "instructor"),
    ("GET", "/instruct/questions/new", "instructor"),
    ("POST", "/instruct/questions/new", "instructor"),
    ("GET", "/instruct/questions/{id}", "instructor"),
    ("GET", "/instruct/questions/{id}/edit", "instructor"),
    ("POST", "/instruct/questions/{id}/edit", "instructor"),
    ("GET", "/quizzes", "trainee,instructor"),
    ("GET", "/quizzes/{id}", "trainee,instructor"),
    ("POST", "/quizzes/{id}/start", "trainee,instructor"),
    ("GET", "/attempts/{id}", "trainee,instructor"),
    ("POST", "/attempts/{id}", "trainee,instructor"),
    ("POST", "/attempts/{id}/slots/{slot}", "trainee,instructor"),
    ("GET", "/attempts/{id}/review", "trainee,instructor"),
    ("GET", "/instruct/quizzes", "instructor"),
    ("POST", "/instruct/quizzes", "instructor"),
    ("GET", "/instruct/quizzes/{id}", "instructor"),
    ("POST", "/instruct/quizzes/{id}", "instructor"),
    ("GET", "/instruct/quizzes/{id}/results", "instructor"),
    ("GET", "/instruct/quizzes/{id}/results.csv", "instructor"),
    ("POST", "/instruct/quizzes/{id}/regrade", "instructor"),
    ("GET", "/instruct/quizzes/{id}/analysis", "instructor"),
    ("GET", "/instruct/grading", "instructor"),
    ("POST", "/instruct/grading/{attempt}/{slot}", "instructor"),
    ("GET", "/instruct/corpus", "instructor"),
    ("POST", "/instruct/corpus/import", "instructor"),
    ("GET", "/instruct/corpus/export/{file}", "instructor"),
    ("GET", "/instruct/review", "instructor"),
    ("POST", "/instruct/review/{id}", "instructor"),
    ("GET", "/instruct/classifier", "instructor"),
    ("POST", "/instruct/classifier/train", "instructor"),
    ("GET", "/courses", "signed-in"),
    ("GET", "/courses/{course}", "signed-in"),
    ("GET", "/courses/{course}/{lesson}", "signed-in"),
    ("POST", "/courses/{course}/{lesson}/complete", "signed-in"),
    (
        "POST",
        "/courses/{course}/{lesson}/checks/{check}",
        "signed-in",
    ),
    ("GET", "/instruct/courses", "instructor"),
    ("POST", "/instruct/courses/{id}/modules", "instructor"),
    ("POST", "/instruct/modules/{id}/lessons", "instructor"),
    ("POST", "/instruct/modules/{id}/move", "instructor"),
    ("GET", "/instruct/lessons/{id}", "instructor"),
    ("POST", "/instruct/lessons/{id}", "instructor"),
    ("GET", "/instruct/lessons/{id}/history", "instructor"),
    (
        "GET",
        "/instruct/lessons/{id}/versions/{version}",
        "instructor",
    ),
    (
        "POST",
        "/instruct/lessons/{id}/versions/{version}/restore",
        "instructor",
    ),
    ("POST", "/instruct/lessons/{id}/publish", "instructor"),
    ("POST", "/instruct/lessons/{id}/move", "instructor"),
    ("GET", "/admin", "admin"),
    ("GET", "/admin/users", "admin"),
    ("POST", "/admin/users", "admin"),
    ("GET", "/admin/users/new", "admin"),
    ("GET", "/admin/users/{id}", "admin"),
    ("POST", "/admin/users/{id}", "admin"),
    ("POST", "/admin/users/{id}/deactivate", "admin"),
    ("POST", "/admin/users/{id}/reactivate", "admin"),
    ("POST", "/admin/users/{id}/reset-password", "admin"),
    ("GET", "/admin/teams", "admin"),
    ("POST", "/admin/teams", "admin"),
    ("GET", "/admin/teams/{id}", "admin"),
    ("POST", "/admin/teams/{id}/members", "admin"),
    ("POST", "/admin/teams/{id}/members/remove", "admin"),
    ("GET", "/certifications", "trainee"),
    ("GET", "/verify/{code}", "public"),
    ("GET", "/team/certifications", "supervisor"),
    ("GET", "/me/progress", "trainee"),
    ("GET", "/team/dashboard", "supervisor,admin"),
    ("GET", "/team/dashboard.csv", "supervisor,admin"),
    ("GET", "/team/answers.csv", "supervisor,admin"),
    ("GET", "/team/trainees/{id}", "supervisor,admin"),
    ("GET", "/team/trainees/{id}/answers", "supervisor,admin"),
    ("GET", "/team/intents/{intent}", "supervisor,admin"),
    ("GET", "/team/languages/{lang}", "supervisor,admin"),
    ("GET", "/team/confusion", "supervisor,admin"),
    (
        "GET",
        "/team/confusion/{reference}/{given}",
        "supervisor,admin",
    ),
    ("GET", "/instruct/certifications", "instructor"),
    ("POST", "/instruct/certifications", "instructor"),
    ("GET", "/instruct/certifications/new", "instructor"),
    ("GET", "/instruct/certifications/{id}", "instructor"),
    ("POST", "/instruct/certifications/{id}", "instructor"),
    ("GET", "/admin/certificates", "admin"),
    ("POST", "/admin/certificates/{id}/revoke", "admin"),
    ("GET", "/calibration", "trainee"),
    ("GET", "/calibration/{id}", "trainee"),
    ("GET", "/calibration/{id}/items/{item}", "trainee"),
    ("POST", "/calibration/{id}/items/{item}", "trainee"),
    ("GET", "/team/calibration", "supervisor,instructor,admin"),
    ("GET", "/team/calibration/new", "supervisor,admin"),
    ("POST", "/team/calibration/new", "supervisor,admin"),
    (
        "GET",
        "/team/calibration/{id}",
        "supervisor,instructor,admin",
    ),
    ("POST", "/team/calibration/{id}/close", "supervisor,admin"),
    (
        "GET",
        "/team/calibration/{id}/report",
        "supervisor,instructor,admin",
    ),
    (
        "GET",
        "/team/calibration/{id}/answers.csv",
        "supervisor,instructor,admin",
    ),
    (
        "POST",
        "/team/calibration/{id}/items/{item}/notes",
        "supervisor,admin",
    ),
    ("GET", "/healthz", "public"),
    ("GET", "/readyz", "public"),
    ("GET", "/metrics", "public"),
    ("GET", "/static/{name}", "public"),
];

const WHO: [(&str, Option<Role>); 5] = [
    ("anonymous", None),
    ("trainee", Some(Role::Trainee)),
    ("supervisor", Some(Role::Supervisor)),
    ("instructor", Some(Role::Instructor)),
    ("admin", Some(Role::Admin)),
];

fn allowed(rule: &str, who: &str) -> bool {
    match rule {
        "public" => true,
        "signed-in" => who != "anonymous",
        roles => roles.split(',').any(|r| r.trim() == who),
    }
}

#[test]
fn the_expected_table_covers_every_route_exactly() {
    let actual: Vec<(String, String)> = endpoints()
        .iter()
        .map(|e| (e.method.to_string(), e.path.to_string()))
        .collect();
    let expected: Vec<(String, String)> = EXPECTED
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    for route in &actual {
        assert!(
            expected.contains(route),
            "route {route:?} is missing from the expected access table"
        );
    }
    for route in &expected {
        assert!(
            actual.contains(route),
            "the table names {route:?}, which is not a route"
        );
    }
}

async fn client_for(app: &TestApp, who: &str, role: Option<Role>, n: usize) -> Client {
    match role {
        None => app.client(),
        Some(role) => {
            app.signed_in(&format!("{who}{n}@routes.example"), &[role])
                .await
                .0
        }
    }
}

#[tokio::test]
async fn every_route_allows_exactly_the_roles_in_the_table() {
    let app = TestApp::spawn().await;
    let target = app.user("target@routes.example", &[Role::Trainee]).await;
    let team = intentdojo::accounts::store::create_team(&app.db, "Route Team")
        .await
        .unwrap();
    let mut failures = Vec::new();
    let mut n = 0;
    for (method, pattern, rule) in EXPECTED {
        let path = pattern
            .replace(
                "{id}",
                &if pattern.starts_with("/admin/teams") {
                    team
                } else {
                    target
                }
                .to_string(),
            )
            .replace("{token}", "no-such-token")
            .replace("{name}", "app.css")
            .replace("{file}", "messages.csv")
            .replace("{course}", "getting-started")
            .replace("{lesson}", "welcome-and-the-lab")
            .replace("{check}", "no-such-check")
            .replace("{version}", "1")
            .replace("{attempt}", &target.to_string())
            .replace("{slot}", "1")
            .replace("{item}", "1")
            .replace("{code}", "no-such-code")
            .replace("{intent}", "missing_part")
            .replace("{lang}", "en")
            .replace("{reference}", "missing_part")
            .replace("{given}", "damaged_defective");
        for (who, role) in WHO {
            n += 1;
            // A fresh client per request: some routes (logout, deactivate) change the session.
            let client = client_for(&app, who, role, n).await;
            let res = if *method == "GET" {
                client.get(&path).await
            } else {
                client.post(&path, &[]).await
            };
            let status = res.status().as_u16();
            // "/" sends visitors to sign in by design, and signing out ends on the login page.
            let by_design = *pattern == "/" || (*pattern == "/logout" && role.is_some());
            let sent_to_login = status == 303 && location(&res).starts_with("/login") && !by_design;
            let denied = status == 403 || sent_to_login;
            let expect_allowed = allowed(rule, who);
            if expect_allowed && denied {
                failures.push(format!(
                    "{method} {path} as {who}: expected allowed, got {status}"
                ));
            }
            if !expect_allowed {
                let right_denial = if role.is_none() {
                    sent_to_login
                } else {
                    status == 403
                };
                if !right_denial {
                    failures.push(format!(
                        "{method} {path} as {who}: expected denied, got {status} {}",
                        location(&res)
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "access table violations:\n{}",
        failures.join("\n")
    );
}

#[tokio::test]
async fn every_state_changing_route_refuses_a_missing_csrf_token() {
    let app = TestApp::spawn().await;
    let target = app.user("target@csrf.example", &[Role::Trainee]).await;
    let mut failures = Vec::new();
    for (i, (method, pattern, rule)) in EXPECTED.iter().enumerate() {
        if *method != "POST" {
            continue;
        }
        let path = pattern
            .replace("{id}", &target.to_string())
            .replace("{token}", "no-such-token")
            .replace("{item}", "1");
        // Use a role that may use the route, so only the missing token can be the reason for a 403.
        let (who, role) = WHO
            .iter()
            .find(|(who, _)| allowed(rule, who))
            .copied()
            .unwrap();
        let client = client_for(&app, who, role, 1000 + i).await;
        let res = client.post_raw(&path, &[("name", "x")]).await;
        if res.status() != 403 {
            failures.push(format!(
                "POST {path} as {who} without a token: {}",
                res.status()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "CSRF not enforced:\n{}",
        failures.join("\n")
    );
}
