//! Open-loop load: requests sent at fixed times whatever the server does, each timed
//! from when it was due (a slow answer does not delay the next request, so a slow
//! server is seen as slow: no coordinated omission). And sessions made straight in the
//! database, so that 100,000 signed-in fans cost no 100,000 argon2 log-ins.
use sha2::Digest;
use std::future::Future;
use std::time::{Duration, Instant};

/// One request of a schedule: which fan, and when after the start.
#[derive(Debug, Clone, Copy)]
pub struct Due {
    pub fan: usize,
    pub at: Duration,
}

/// Fans `fans` one after another at `rate` a second; a share `twice` of them press a
/// second time within 200 ms (chosen and timed by a fixed hash: the same run every
/// time). Sorted by time.
pub fn schedule(fans: std::ops::Range<usize>, rate: f64, twice: f64, offset: Duration) -> Vec<Due> {
    let mut due: Vec<Due> = Vec::with_capacity(fans.len() * 11 / 10);
    for (n, fan) in fans.enumerate() {
        let at = offset + Duration::from_secs_f64(n as f64 / rate);
        due.push(Due { fan, at });
        let hash = (fan as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
        if (hash % 10_000) as f64 / 10_000.0 < twice {
            due.push(Due { fan, at: at + Duration::from_millis(1 + hash % 199) });
        }
    }
    due.sort_by_key(|d| d.at);
    due
}

/// What one request came to: how long from its due time to its whole answer, and the
/// status (0: no answer).
#[derive(Debug, Clone, Copy)]
pub struct Answer {
    pub due: Duration,
    pub took: Duration,
    pub status: u16,
}

/// Sends `send(fan)` at each due time (from `start`), never waiting for answers before
/// sending the next; returns every answer, in schedule order.
pub async fn run<F, Fut>(start: Instant, due: &[Due], send: F) -> Vec<Answer>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = u16> + Send + 'static,
{
    let mut tasks = Vec::with_capacity(due.len());
    for d in due {
        let at = start + d.at;
        tokio::time::sleep_until(at.into()).await;
        let request = send(d.fan);
        let planned = d.at;
        tasks.push(tokio::spawn(async move {
            let status = request.await;
            Answer { due: planned, took: at.elapsed(), status }
        }));
    }
    let mut answers = Vec::with_capacity(tasks.len());
    for task in tasks {
        answers.push(task.await.unwrap_or(Answer { due: Duration::ZERO, took: Duration::MAX, status: 0 }));
    }
    answers
}

/// Sends a request; its whole answer's status (0: none).
pub fn sent(request: reqwest::RequestBuilder) -> impl Future<Output = u16> + Send + 'static {
    let request = request.send();
    async move {
        match request.await {
            Ok(response) => {
                let status = response.status().as_u16();
                let _ = response.bytes().await;
                status
            }
            Err(_) => 0,
        }
    }
}

/// FLASH_TIMELINE=DIR: every answer (due ms, took µs, status) to DIR/<label>.csv, to
/// see when the slow ones came.
pub fn save_timeline(label: &str, answers: &[Answer]) {
    if let Ok(dir) = std::env::var("FLASH_TIMELINE") {
        let lines: String = answers.iter().map(|a| format!("{},{},{}\n", a.due.as_millis(), a.took.as_micros(), a.status)).collect();
        let name: String = label.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
        let _ = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(format!("{dir}/{name}.csv"), lines));
    }
}

/// Latency percentiles of some answers: (p50, p99, p99.9, max).
pub fn percentiles(answers: &[Answer]) -> (Duration, Duration, Duration, Duration) {
    let mut took: Vec<Duration> = answers.iter().map(|a| a.took).collect();
    if took.is_empty() {
        return Default::default();
    }
    took.sort();
    let pick = |p: f64| took[((took.len() as f64 - 1.0) * p).round() as usize];
    (pick(0.5), pick(0.99), pick(0.999), took[took.len() - 1])
}

/// Signed session cookies for `users` (id, session version), their sessions written
/// straight into the `sessions` table as the app writes them at log-in (signed with
/// the app's stored secret, so every app process accepts them). Returns each user's
/// `Cookie` header value, in order.
pub async fn mint_sessions(db: &tongcheng::infra::db::Db, users: &[(i64, i64)]) -> Vec<String> {
    use tower_sessions::cookie::{Cookie, CookieJar, Key};
    use tower_sessions::session::{Id, Record};
    let secret: String = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'session_secret'").fetch_one(&db.pool).await.expect("the app's session secret");
    let key = Key::from(&sha2::Sha512::digest(secret.as_bytes()));
    let now = tongcheng::infra::clock::now();
    let expiry = tower_sessions::cookie::time::OffsetDateTime::from_unix_timestamp(now + 7 * 86_400).expect("expiry");
    let mut cookies = Vec::with_capacity(users.len());
    for chunk in users.chunks(500) {
        let mut rows = Vec::with_capacity(chunk.len());
        for (user, version) in chunk {
            let id = Id::default();
            let data = [("user_id", serde_json::json!(user)), ("session_version", serde_json::json!(version)), ("logged_in_at", serde_json::json!(now)), ("last_seen", serde_json::json!(now))]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
            let record = Record { id, data, expiry_date: expiry };
            rows.push((id.to_string(), serde_json::to_string(&record).expect("record"), *user));
            let mut jar = CookieJar::new();
            jar.signed_mut(&key).add(Cookie::new(tongcheng::server::start::SESSION_COOKIE, id.to_string()));
            cookies.push(format!("{}={}", tongcheng::server::start::SESSION_COOKIE, jar.get(tongcheng::server::start::SESSION_COOKIE).expect("signed").value()));
        }
        let values: Vec<String> = (0..rows.len()).map(|i| format!("(${}, ${}, ${}, ${})", 4 * i + 1, 4 * i + 2, 4 * i + 3, 4 * i + 4)).collect();
        let sql = format!("INSERT INTO sessions (id, data, expires_at, user_id) VALUES {}", values.join(", "));
        let mut insert = sqlx::query(&sql);
        for (id, data, user) in rows {
            // FLASH_SESSION_USER_APART=1: stored as before the sessions' user_id column, so the
            // app reads each session's user in a statement of its own (to compare).
            let user = std::env::var_os("FLASH_SESSION_USER_APART").is_none().then_some(user);
            insert = insert.bind(id).bind(data).bind(now + 7 * 86_400).bind(user);
        }
        let mut tx = db.begin_write().await.expect("tx");
        insert.execute(&mut *tx).await.expect("sessions");
        tx.commit().await.expect("commit");
    }
    cookies
}
