//! A limit on request bodies: forms are small, so anything larger is refused before a
//! server function (or argon2) sees it, with a 413 the browser can show.
use crate::error::AppError;
use axum::body::Body;
use axum::extract::Request;
use axum::http::header::CONTENT_LENGTH;
use axum::middleware::Next;
use axum::response::Response;

/// The largest body a request may carry. The longest form (a 5000-character Chinese
/// description, percent-encoded) is about 45 KB.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Up to this much of a refused body is read and thrown away before answering: a
/// client still sending when the connection closes would see a reset, not the 413.
const DRAIN_BYTES: u64 = 4 * 1024 * 1024;

pub async fn limit_body(request: Request, next: Next) -> Response {
    let declared = request.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    let (parts, body) = request.into_parts();
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        if declared.is_some_and(|length| length <= DRAIN_BYTES) {
            drain(body).await;
        }
        return too_large();
    }
    // Read at most the limit, also when no length is declared (chunked uploads).
    match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        Err(_) => too_large(),
    }
}

/// Reads a body to its end (at most `DRAIN_BYTES`), keeping nothing.
async fn drain(body: Body) {
    use futures::StreamExt;
    let mut read = 0u64;
    let mut stream = body.into_data_stream();
    while let Some(Ok(chunk)) = stream.next().await {
        read += chunk.len() as u64;
        if read > DRAIN_BYTES {
            break;
        }
    }
}

/// The same JSON error body every server function answers with, so the page shows it.
fn too_large() -> Response {
    AppError::TooLarge.into_json_response()
}
