//! What an operator watches: logs (text or JSON lines, each request with an id) and
//! Prometheus metrics (requests by route, sign-ups by outcome, the outbox, the pool).
use axum::extract::{MatchedPath, Request};
use axum::http::HeaderName;
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Logs to standard error: text for people, or one JSON object a line for a collector.
/// By default one line per request (with its id, route and time) and what goes wrong.
pub fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // A second initialisation (tests start several apps in one process) is harmless.
    let _ = if json { builder.json().flatten_event(true).try_init() } else { builder.try_init() };
}

/// The process's metrics recorder, installed on first use.
pub fn metrics() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets(&[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5])
                .expect("bucket list is not empty")
                .build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder is installed, and then that one records.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// Counts requests and their latency by route template (`/meetups/{id}`, not every id),
/// so the number of series stays bounded whatever URLs clients send.
pub async fn record_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = match request.extensions().get::<MatchedPath>().map(MatchedPath::as_str) {
        Some("/api/{*fn_name}") => request.uri().path().to_owned(),
        Some(path) => path.to_owned(),
        None => "other".to_owned(),
    };
    let response = next.run(request).await;
    let status = response.status();
    // Unknown server function names are not worth a series each.
    let route = if status == axum::http::StatusCode::NOT_FOUND && route.starts_with("/api/") { "other".to_owned() } else { route };
    let labels = [("method", method), ("route", route)];
    metrics::histogram!("http_request_duration_seconds", &labels).record(started.elapsed().as_secs_f64());
    let [method, route] = labels;
    metrics::counter!("http_requests_total", &[method, route, ("status", status.as_u16().to_string())]).increment(1);
    response
}

/// The span of one request in the logs, carrying its id (also sent back to the client).
pub fn request_span(request: &Request) -> tracing::Span {
    let id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
    tracing::info_span!("request", id, method = %request.method(), path = %logged_path(request.uri().path()))
}

/// A path as the log shows it: a secret in it (the personal calendar feed's) is hidden,
/// since logs are read by more people than hold the link.
pub fn logged_path(path: &str) -> &str {
    match path.starts_with(PERSONAL_FEED) {
        true => "/calendar/me/(hidden).ics",
        false => path,
    }
}

const PERSONAL_FEED: &str = "/calendar/me/";

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_in_paths_stay_out_of_the_log() {
        assert_eq!(super::logged_path("/calendar/me/s3cr3t.ics"), "/calendar/me/(hidden).ics");
        assert_eq!(super::logged_path("/calendar/city/3.ics"), "/calendar/city/3.ics");
    }
}
