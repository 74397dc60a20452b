//! A limit on request bodies: forms are small, so anything larger is refused before a
//! server function (or argon2) sees it, with a 413 the browser can show.
use crate::error::AppError;
use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The largest body a request may carry. The longest form (a 5000-character Chinese
/// description, percent-encoded) is about 45 KB.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub async fn limit_body(request: Request, next: Next) -> Response {
    let declared = request.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return too_large();
    }
    let (parts, body) = request.into_parts();
    // Read at most the limit, also when no length is declared (chunked uploads).
    match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        Err(_) => too_large(),
    }
}

/// The same JSON error body every server function answers with, so the page shows it.
fn too_large() -> Response {
    let body = serde_json::to_string(&AppError::TooLarge).unwrap_or_default();
    (StatusCode::PAYLOAD_TOO_LARGE, [(CONTENT_TYPE, "application/json")], body).into_response()
}
