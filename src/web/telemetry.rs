//! Request ids, structured request logs, Prometheus metrics and security headers.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};
use tracing::Instrument;

use crate::app::AppState;

#[derive(Clone, Debug)]
pub struct RequestId(pub String);

const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

/// Request counts by (route, method, status) and latency histograms by (route, method), per process.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<MetricsInner>,
}

#[derive(Default)]
struct MetricsInner {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<(String, String), Histogram>,
}

impl Metrics {
    pub fn record(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        *inner
            .requests
            .entry((route.to_string(), method.to_string(), status))
            .or_default() += 1;
        let h = inner
            .latency
            .entry((route.to_string(), method.to_string()))
            .or_default();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                h.counts[i] += 1;
            }
        }
        h.sum += seconds;
        h.count += 1;
    }

    /// Prometheus text exposition format (version 0.0.4).
    pub fn render(&self, pool_size: u32, pool_idle: usize, pool_max: u32) -> String {
        let mut out = String::new();
        let inner = match self.inner.lock() {
            Ok(inner) => inner,
            Err(poisoned) => poisoned.into_inner(),
        };
        out.push_str(
            "# HELP intentdojo_http_requests_total HTTP requests by route, method and status.\n",
        );
        out.push_str("# TYPE intentdojo_http_requests_total counter\n");
        for ((route, method, status), n) in &inner.requests {
            let _ = writeln!(
                out,
                "intentdojo_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
                escape_label(route)
            );
        }
        out.push_str("# HELP intentdojo_http_request_duration_seconds Request latency by route and method.\n");
        out.push_str("# TYPE intentdojo_http_request_duration_seconds histogram\n");
        for ((route, method), h) in &inner.latency {
            let labels = format!("route=\"{}\",method=\"{method}\"", escape_label(route));
            for (i, bound) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "intentdojo_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {}",
                    h.counts[i]
                );
            }
            let _ = writeln!(
                out,
                "intentdojo_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "intentdojo_http_request_duration_seconds_sum{{{labels}}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "intentdojo_http_request_duration_seconds_count{{{labels}}} {}",
                h.count
            );
        }
        out.push_str("# HELP intentdojo_db_pool_connections Database pool connections by state.\n");
        out.push_str("# TYPE intentdojo_db_pool_connections gauge\n");
        let _ = writeln!(
            out,
            "intentdojo_db_pool_connections{{state=\"open\"}} {pool_size}"
        );
        let _ = writeln!(
            out,
            "intentdojo_db_pool_connections{{state=\"idle\"}} {pool_idle}"
        );
        let _ = writeln!(
            out,
            "intentdojo_db_pool_connections{{state=\"max\"}} {pool_max}"
        );
        out
    }
}

fn escape_label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn request_id_from(req: &ServiceRequest) -> String {
    req.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        .map(str::to_string)
        .unwrap_or_else(|| {
            let token = super::random_token();
            token
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .take(16)
                .collect()
        })
}

const SECURITY_HEADERS: [(&str, &str); 5] = [
    (
        "content-security-policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
];

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let id = request_id_from(&req);
    req.extensions_mut().insert(RequestId(id.clone()));
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = req.method().to_string();
    let span = tracing::info_span!("request", id = %id, method = %method, path = %req.path());
    let mut res = next.call(req).instrument(span.clone()).await?;

    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "(unmatched)".to_string());
    let status = res.status().as_u16();
    let seconds = started.elapsed().as_secs_f64();
    if let Some(state) = state {
        state.metrics.record(&route, &method, status, seconds);
    }
    span.in_scope(
        || tracing::info!(status, route = %route, ms = format!("{:.1}", seconds * 1000.0), "done"),
    );

    let headers = res.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    if !headers.contains_key("cache-control") {
        headers.insert(
            HeaderName::from_static("cache-control"),
            HeaderValue::from_static("no-store"),
        );
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        headers.insert(HeaderName::from_static("x-request-id"), v);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_render_as_prometheus_text() {
        let m = Metrics::default();
        m.record("/login", "POST", 303, 0.004);
        m.record("/login", "POST", 303, 0.2);
        let text = m.render(3, 1, 10);
        assert!(text.contains(
            "intentdojo_http_requests_total{route=\"/login\",method=\"POST\",status=\"303\"} 2"
        ));
        assert!(text.contains("intentdojo_http_request_duration_seconds_bucket{route=\"/login\",method=\"POST\",le=\"0.005\"} 1"));
        assert!(text.contains("intentdojo_http_request_duration_seconds_bucket{route=\"/login\",method=\"POST\",le=\"+Inf\"} 2"));
        assert!(text.contains("intentdojo_db_pool_connections{state=\"idle\"} 1"));
    }
}
