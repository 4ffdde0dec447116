//! Form bodies as ordered fields, so repeated names (checkbox groups such as `role`) are kept.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use super::AppError;

/// The fields of an `application/x-www-form-urlencoded` body, in order.
#[derive(Debug, Default, Clone)]
pub struct FormFields(pub Vec<(String, String)>);

impl FormFields {
    pub fn parse(body: &[u8]) -> Result<FormFields, AppError> {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
            .map(FormFields)
            .map_err(|_| AppError::BadRequest("error.form_malformed"))
    }

    /// Fields from name/value pairs (tests and callers that build a form by hand).
    pub fn from_pairs(pairs: &[(&str, &str)]) -> FormFields {
        FormFields(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    /// The first value of a field, or "" when absent.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    pub fn opt(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// A numeric id field; a tampered or missing id is a bad request.
    pub fn id(&self, name: &str) -> Result<i64, AppError> {
        self.get(name)
            .trim()
            .parse()
            .map_err(|_| AppError::BadRequest("error.form_malformed"))
    }
}

impl FromRequest for FormFields {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let body = body.await.map_err(|e| AppError::from_payload_error(&e))?;
            FormFields::parse(&body)
        })
    }
}
