//! Endpoints for the operator: `/healthz` (the process answers), `/readyz` (it can serve:
//! database reachable, migrations applied, outbox draining) and `/metrics` (Prometheus,
//! behind `METRICS_TOKEN`). None of them needs a session.
use crate::infra::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::time::Duration;

/// Due mail older than this means no worker is delivering.
const OUTBOX_STUCK_SECS: i64 = 600;

pub async fn healthz() -> Response {
    Json(json!({ "status": "ok" })).into_response()
}

/// `SELECT what` over the pending mail of each kind, joined by `join`: the outbox has
/// an index for each (`email::outbox::claim`), none for all pending mail.
fn over_pending_mail(what: &str, condition: &str, join: &str) -> String {
    let kinds = crate::email::rush::deferrable_sql();
    [format!("kind NOT IN {kinds}"), format!("kind IN {kinds}")]
        .map(|kind| format!("SELECT {what} FROM outbox WHERE status = 'pending' AND {kind} {condition}"))
        .join(join)
}

/// Seconds the oldest due, undelivered message has waited (0 when none waits).
async fn oldest_due_mail_age(state: &AppState, now: i64) -> Result<i64, sqlx::Error> {
    let sql = format!("SELECT MIN(t) FROM ({}) due", over_pending_mail("MIN(next_attempt_at) AS t", "AND next_attempt_at <= $1", " UNION ALL "));
    let oldest: Option<i64> = sqlx::query_scalar(&sql).bind(now).fetch_one(&state.db.pool).await?;
    Ok(oldest.map_or(0, |t| now - t))
}

pub async fn readyz(State(state): State<AppState>) -> Response {
    let now = crate::infra::clock::now();
    let checks = async {
        let migrated = state.db.is_migrated().await?;
        let outbox_age = oldest_due_mail_age(&state, now).await?;
        Ok::<_, sqlx::Error>((migrated, outbox_age))
    };
    let (status, body) = match tokio::time::timeout(Duration::from_secs(3), checks).await {
        Ok(Ok((migrated, outbox_age))) => {
            let ready = migrated && outbox_age <= OUTBOX_STUCK_SECS;
            let body = json!({
                "status": if ready { "ready" } else { "not ready" },
                "database": "ok",
                "migrations": if migrated { "applied" } else { "pending" },
                "outbox_oldest_due_secs": outbox_age,
                "outbox": if outbox_age <= OUTBOX_STUCK_SECS { "draining" } else { "stuck" },
            });
            (if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }, body)
        }
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: database");
            (StatusCode::SERVICE_UNAVAILABLE, json!({ "status": "not ready", "database": "unreachable" }))
        }
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, json!({ "status": "not ready", "database": "timeout" })),
    };
    (status, Json(body)).into_response()
}

fn token_matches(headers: &HeaderMap, expected: &str) -> bool {
    let given = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).unwrap_or("");
    // Compared in constant time: the answer must not tell how much of a guess was right.
    given.len() == expected.len() && given.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(expected) = state.config.metrics_token.as_deref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !token_matches(&headers, expected) {
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")]).into_response();
    }
    let now = crate::infra::clock::now();
    let outbox: Result<(i64, i64), sqlx::Error> = async {
        let pending: i64 = sqlx::query_scalar(&format!("SELECT ({})", over_pending_mail("COUNT(*)", "", ") + ("))).fetch_one(&state.db.pool).await?;
        Ok((pending, oldest_due_mail_age(&state, now).await?))
    }
    .await;
    match outbox {
        Ok((pending, age)) => {
            metrics::gauge!("outbox_pending").set(pending as f64);
            metrics::gauge!("outbox_oldest_due_age_seconds").set(age as f64);
        }
        Err(error) => tracing::warn!(%error, "metrics: outbox"),
    }
    let (in_use, size) = state.db.pool_in_use();
    metrics::gauge!("db_pool_connections_in_use").set(in_use as f64);
    metrics::gauge!("db_pool_connections").set(size as f64);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], super::telemetry::metrics().render()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_token_must_match_exactly() {
        let mut headers = HeaderMap::new();
        assert!(!token_matches(&headers, "secret-token-1234"));
        headers.insert(header::AUTHORIZATION, "Bearer secret-token-1234".parse().unwrap());
        assert!(token_matches(&headers, "secret-token-1234"));
        assert!(!token_matches(&headers, "secret-token-1235"));
        assert!(!token_matches(&headers, "secret-token-12345"));
    }
}
