//! Access control and CSRF checks, applied per route from the routing table in `app.rs`.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse, web};

use super::session::Visitor;
use super::{AppError, FormFields, csrf};
use crate::accounts::{Role, Roles};
use crate::app::AppState;

/// Who may use a route. Declared beside each route in the routing table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (login, health probes, certificate verification).
    Public,
    /// Any signed-in user.
    SignedIn,
    /// Signed-in users holding at least one of these roles.
    AnyOf(&'static [Role]),
}

impl Access {
    pub fn allows(self, roles: Option<&Roles>) -> bool {
        match (self, roles) {
            (Access::Public, _) => true,
            (_, None) => false,
            (Access::SignedIn, Some(_)) => true,
            (Access::AnyOf(wanted), Some(roles)) => wanted.iter().any(|r| roles.has(*r)),
        }
    }
}

fn is_safe_method(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Enforces `access`, then CSRF on state-changing methods, before the handler runs.
/// `methods` are those the route answers; others fall through to the router's 405.
pub async fn guard<B: MessageBody + 'static>(
    access: Access,
    methods: std::sync::Arc<[Method]>,
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    if !methods.contains(req.method()) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    let visitor = req
        .extensions()
        .get::<Visitor>()
        .cloned()
        .expect("session middleware runs first");
    let roles = visitor.user.as_ref().map(|u| &u.roles);
    if !access.allows(roles) {
        if visitor.user.is_some() {
            return Ok(req
                .error_response(AppError::Forbidden)
                .map_into_right_body());
        }
        // Not signed in: send to the login page, coming back here afterwards for a page view.
        let mut location = String::from("/login");
        let mut params = Vec::new();
        if req.method() == Method::GET {
            let target = match req.query_string() {
                "" => req.path().to_string(),
                q => format!("{}?{q}", req.path()),
            };
            params.push(("next", target));
        }
        if visitor.expired {
            params.push(("expired", "1".to_string()));
        }
        if !params.is_empty() {
            location.push('?');
            location.push_str(&serde_urlencoded::to_string(&params).unwrap_or_default());
        }
        let response = HttpResponse::SeeOther()
            .insert_header(("location", location))
            .finish();
        return Ok(req.into_response(response).map_into_right_body());
    }

    if !is_safe_method(req.method()) {
        let key = &req
            .app_data::<web::Data<AppState>>()
            .expect("AppState is registered")
            .csrf_key
            .clone();
        let mut submitted = req
            .headers()
            .get(csrf::HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or_else(|| {
                web::Query::<Vec<(String, String)>>::from_query(req.query_string())
                    .ok()
                    .and_then(|q| {
                        q.0.into_iter()
                            .find(|(k, _)| k == csrf::FIELD)
                            .map(|(_, v)| v)
                    })
            });
        if submitted.is_none() && req.content_type() == "application/x-www-form-urlencoded" {
            let body = match req.extract::<web::Bytes>().await {
                Ok(body) => body,
                Err(e) => {
                    return Ok(req
                        .error_response(AppError::from_payload_error(&e))
                        .map_into_right_body());
                }
            };
            submitted = FormFields::parse(&body)
                .ok()
                .and_then(|f| f.opt(csrf::FIELD).map(str::to_string));
            req.set_payload(Payload::from(body));
        }
        let valid = submitted.is_some_and(|token| csrf::verify(key, &visitor.binding, &token));
        if !valid {
            let error = if visitor.expired {
                AppError::SessionExpired
            } else {
                AppError::Csrf
            };
            return Ok(req.error_response(error).map_into_right_body());
        }
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_rules() {
        let trainee = Roles::new(vec![Role::Trainee]);
        let admin_trainee = Roles::new(vec![Role::Admin, Role::Trainee]);
        assert!(Access::Public.allows(None));
        assert!(!Access::SignedIn.allows(None));
        assert!(Access::SignedIn.allows(Some(&trainee)));
        let admins = Access::AnyOf(&[Role::Admin]);
        assert!(!admins.allows(Some(&trainee)));
        assert!(admins.allows(Some(&admin_trainee)));
        assert!(!admins.allows(None));
    }
}
