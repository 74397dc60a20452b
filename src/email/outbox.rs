//! The outbox table: a durable queue of messages, filled inside business transactions
//! and drained by the worker with leases, so no message is lost or sent twice by design.
use super::templates::Localized;
use super::{MailMessage, MailSummary, OutgoingEmail};
use crate::i18n::Locale;
use super::retries::after_failure;
pub use super::retries::DeliveryError;
use crate::infra::db::{Db, Tx};

/// The recipient of mail whose fan deleted their account (`.invalid` never resolves):
/// it is never sent again, so staff are not offered to retry it.
pub const ERASED_RECIPIENT: &str = "deleted@deleted.invalid";
/// Messages a worker claims at once.
pub const BATCH: i64 = 100;
/// Messages of a batch sent at the same time (over the SMTP transport's pool).
pub const SEND_CONCURRENCY: i64 = 10;
/// The longest one delivery may take before the worker gives up on it.
pub const SEND_TIMEOUT_SECS: i64 = 10;
/// The slowest a batch can take: every round of concurrent sends timing out, plus one
/// second a message under the strictest rate cap (`MAIL_PER_SECOND=1`).
const SLOWEST_BATCH_SECS: i64 = (BATCH + SEND_CONCURRENCY - 1) / SEND_CONCURRENCY * SEND_TIMEOUT_SECS + BATCH;
/// How long a worker holds a claimed batch before another may retry it: longer than the
/// slowest batch, so a slow SMTP server never makes two workers send the same message.
pub const LEASE_SECS: i64 = 2 * SLOWEST_BATCH_SECS;
const _: () = assert!(LEASE_SECS > SLOWEST_BATCH_SECS, "the lease must outlast the slowest batch");

/// The columns every queued message fills, in the order both enqueue statements bind.
pub(super) const INSERT_COLUMNS: &str =
    "INSERT INTO outbox (idempotency_key, kind, recipient, subject, body_text, body_html, event_id, attachments, next_attempt_at, created_at, list_unsubscribe)";

pub use super::copies::{enqueue_copies, enqueue_numbered_copies, NUMBER};

pub(super) fn attachments_json(email: &OutgoingEmail) -> String {
    serde_json::to_string(&email.attachments).unwrap_or_else(|_| "[]".into())
}

/// What the enqueue functions take: a message in one language, or in every language
/// (then each recipient gets the copy in their own).
#[derive(Clone, Copy)]
pub enum Letter<'a> {
    One(&'a OutgoingEmail),
    Every(&'a Localized),
}

impl<'a> From<&'a OutgoingEmail> for Letter<'a> {
    fn from(mail: &'a OutgoingEmail) -> Self {
        Letter::One(mail)
    }
}

impl<'a> From<&'a Localized> for Letter<'a> {
    fn from(mail: &'a Localized) -> Self {
        Letter::Every(mail)
    }
}

/// Queues a message in the caller's transaction. Returns `false` when a message with
/// the same idempotency key is already queued. A message in every language goes out in
/// the language of the account at its address; to an address without an account, in the
/// language of the request that caused it.
pub async fn enqueue<'a>(tx: &mut Tx, email: impl Into<Letter<'a>>, now: i64) -> Result<bool, sqlx::Error> {
    let email = match email.into() {
        Letter::One(email) => email,
        Letter::Every(every) => {
            let to = &every.get(Locale::default()).to;
            let locale = crate::accounts::repo::locale_of_address(tx, to).await?.unwrap_or_else(crate::infra::locale::current);
            every.get(locale)
        }
    };
    Ok(enqueue_all(tx, std::slice::from_ref(email), now).await? == 1)
}

/// Messages queued by one statement of [`enqueue_all`] (9 binds each). SQLite looks
/// each `$N` up in a list of the statement's names while parsing: thousands of binds in
/// one statement cost more than the round trips they save.
const MESSAGES_PER_STATEMENT: usize = 100;

/// Queues many messages (each to one address, in its language) in the caller's
/// transaction, a few hundred per statement. Returns how many were new: a message whose
/// idempotency key is already queued is left out, as by [`enqueue`].
pub async fn enqueue_all(tx: &mut Tx, mails: &[OutgoingEmail], now: i64) -> Result<u64, sqlx::Error> {
    let mut queued = 0;
    for chunk in mails.chunks(MESSAGES_PER_STATEMENT) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                let p = 9 * i + 2;
                format!("(${p}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, $1, $1, ${})", p + 1, p + 2, p + 3, p + 4, p + 5, p + 6, p + 7, p + 8)
            })
            .collect();
        let sql = format!("{INSERT_COLUMNS} VALUES {} ON CONFLICT (idempotency_key) DO NOTHING", rows.join(", "));
        let mut query = sqlx::query(&sql).bind(now);
        for email in chunk {
            query = query
                .bind(&email.idempotency_key)
                .bind(email.kind)
                .bind(&email.to)
                .bind(&email.subject)
                .bind(&email.text)
                .bind(&email.html)
                .bind(email.event_id)
                .bind(attachments_json(email))
                .bind(email.list_unsubscribe.as_deref());
        }
        queued += query.execute(&mut **tx).await?.rows_affected();
    }
    // Notices that wait for the rush to pass start one (or keep it on) and do not wake
    // the worker (each turn of the sign-up desk queues some: waking for them was two
    // empty claims a turn); it finds them when it next looks (`worker::POLL`).
    let deferrable = |m: &OutgoingEmail| super::rush::DEFERRABLE.contains(&m.kind);
    if mails.iter().any(deferrable) {
        super::rush::note_held_mail();
    }
    if !mails.iter().all(deferrable) {
        tx.queued_mail();
    }
    Ok(queued)
}

/// A message leased to a worker for delivery.
#[derive(Clone)]
pub struct Claimed {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub attempts: i64,
    pub attachments: Vec<super::Attachment>,
    /// Bulk mail's unsubscribe URL, for `List-Unsubscribe`.
    pub list_unsubscribe: Option<String>,
}

/// A batch of messages leased to one worker; its token proves the lease.
pub struct Claim {
    pub token: String,
    pub messages: Vec<Claimed>,
}

#[derive(sqlx::FromRow)]
struct ClaimedRow {
    id: i64,
    recipient: String,
    subject: String,
    body_text: String,
    body_html: String,
    attempts: i64,
    attachments: String,
    list_unsubscribe: Option<String>,
}

/// The statement leasing due messages (`$1` lease end, `$2` token, `$3` now, `$4`
/// limit): mail that cannot wait, or (`held`) notices of the kinds that can
/// (`rush::DEFERRABLE`) queued by `$5`. Public for the test of its plan.
pub fn claim_sql(dialect: crate::infra::dialect::Dialect, held: bool) -> String {
    // Each kind of claim reads its own partial index, in that index's order
    // (`outbox_urgent`, `outbox_held`); the kinds are spelt out so the planner sees the
    // indexes apply. (An index of every pending message was dropped: after the outbox had
    // been analysed idle the planner took it for the notices, reading them all and
    // sorting, 26 ms a claim with 14,000 held, instead of stopping at the first.)
    let kinds = super::rush::deferrable_sql();
    let (condition, order) = match held {
        true => (format!("kind IN {kinds} AND created_at <= $5"), "created_at, id"),
        false => (format!("kind NOT IN {kinds}"), "id"),
    };
    format!(
        "UPDATE outbox SET locked_until = $1, lease_token = $2, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM outbox \
                      WHERE status = 'pending' AND {condition} AND next_attempt_at <= $3 AND (locked_until IS NULL OR locked_until <= $3) \
                      ORDER BY {order} LIMIT $4 {}) \
         RETURNING id, recipient, subject, body_text, body_html, attempts, attachments, list_unsubscribe",
        dialect.skip_locked()
    )
}

/// Leases up to `limit` due messages under `token`: mail that cannot wait, or (`held`)
/// notices of the kinds that can, queued by the time given.
async fn claim(db: &Db, tx: &mut Tx, held: Option<i64>, limit: i64, now: i64, token: &str) -> Result<Vec<ClaimedRow>, sqlx::Error> {
    let sql = claim_sql(db.dialect, held.is_some());
    let query = sqlx::query_as(&sql).bind(now + LEASE_SECS).bind(token).bind(now).bind(limit);
    match held {
        Some(queued_by) => query.bind(queued_by).fetch_all(&mut **tx).await,
        None => query.fetch_all(&mut **tx).await,
    }
}

/// Leases up to `limit` due messages to this worker and counts the attempt. Half a batch
/// is kept for the notices of the kinds that can wait (`rush::DEFERRABLE`), oldest
/// first — during a rush (`rush`) only those held `rush::HOLD_AT_MOST` already — so
/// neither a rush that never ends nor a long queue of other mail (a city-wide
/// invitation at the mail rate) holds them back; the rest of the batch is mail that
/// cannot wait, then more notices if room is left.
pub async fn claim_due(db: &Db, limit: i64, now: i64, rush: bool) -> Result<Claim, sqlx::Error> {
    let token = crate::infra::secrets::random_secret();
    let mut tx = db.begin_write().await?;
    let queued_by = if rush { now - super::rush::HOLD_AT_MOST.as_secs() as i64 } else { i64::MAX };
    let mut rows = claim(db, &mut tx, Some(queued_by), (limit / 2).max(1), now, &token).await?;
    rows.extend(claim(db, &mut tx, None, limit - rows.len() as i64, now, &token).await?);
    let room = limit - rows.len() as i64;
    if room > 0 {
        rows.extend(claim(db, &mut tx, Some(queued_by), room, now, &token).await?);
    }
    tx.commit().await?;
    let mut messages: Vec<Claimed> = rows
        .into_iter()
        .map(|r| Claimed {
            attachments: serde_json::from_str(&r.attachments).unwrap_or_default(),
            id: r.id,
            recipient: r.recipient,
            subject: r.subject,
            body_text: r.body_text,
            body_html: r.body_html,
            attempts: r.attempts,
            list_unsubscribe: r.list_unsubscribe,
        })
        .collect();
    messages.sort_by_key(|m| m.id);
    Ok(Claim { token, messages })
}

/// Records delivered messages, a whole batch in one write (the writer is shared with
/// sign-ups, so fewer, larger writes leave it free for them). Only messages this
/// worker still holds are marked; returns how many.
pub async fn mark_sent(db: &Db, claim: &Claim, ids: &[i64], via: &str, now: i64) -> Result<u64, sqlx::Error> {
    if ids.is_empty() {
        return Ok(0);
    }
    let placeholders: Vec<String> = (4..ids.len() + 4).map(|i| format!("${i}")).collect();
    // Mail delivered by SMTP keeps no one-time link (see `retention`).
    let forget = format!("$2 = 'smtp' AND kind IN ({})", super::retention::secret_kinds_sql());
    let sql = format!(
        "UPDATE outbox SET status = 'sent', sent_at = $1, delivered_via = $2, locked_until = NULL, last_error = NULL, \
         body_text = CASE WHEN {forget} THEN '' ELSE body_text END, body_html = CASE WHEN {forget} THEN '' ELSE body_html END \
         WHERE lease_token = $3 AND status = 'pending' AND id IN ({})",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(&sql).bind(now).bind(via).bind(&claim.token);
    for id in ids {
        query = query.bind(*id);
    }
    let mut tx = db.begin_write().await?;
    let done = query.execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}

/// Records a failed attempt: retry later with backoff, or stop (permanent failure, or
/// `retries::MAX_ATTEMPTS` reached) and leave it for staff.
pub async fn mark_failed_attempt(db: &Db, claim: &Claim, message: &Claimed, error: &DeliveryError, now: i64) -> Result<(), sqlx::Error> {
    use rand::Rng;
    let (status, retry_at) = after_failure(message.attempts, error, now, rand::thread_rng().gen::<f64>());
    let text: String = error.message.chars().take(500).collect();
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "UPDATE outbox SET status = $1, next_attempt_at = $2, locked_until = NULL, last_error = $3 \
         WHERE id = $4 AND lease_token = $5 AND status = 'pending'",
    )
    .bind(status)
    .bind(retry_at)
    .bind(text)
    .bind(message.id)
    .bind(&claim.token)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Puts failed messages back in the queue for one more round of attempts (staff).
pub async fn retry_failed(db: &Db, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let done = sqlx::query(
        "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $1, locked_until = NULL \
         WHERE id = $2 AND status = 'failed' AND recipient <> $3 AND body_text <> ''",
    )
    .bind(now)
    .bind(id)
    .bind(ERASED_RECIPIENT)
    .execute(&mut *tx)
    .await?;
    tx.queued_mail();
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

/// Messages that could not be delivered and may be retried, newest first, for staff
/// (mail to deleted accounts is not among them, nor mail whose words are gone: by
/// retention, or with their deleted author — sent again it would arrive empty).
pub async fn failed(db: &Db, limit: i64) -> Result<Vec<super::FailedMail>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, recipient, subject, attempts, created_at, COALESCE(last_error, '') AS last_error FROM outbox \
         WHERE status = 'failed' AND recipient <> $2 AND body_text <> '' ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .bind(ERASED_RECIPIENT)
    .fetch_all(&db.pool)
    .await
}

const SUMMARY_COLUMNS: &str = "id, recipient, subject, status, attempts, created_at, delivered_via";

/// Newest messages first, optionally only those to one address.
pub async fn recent(db: &Db, recipient: Option<&str>, limit: i64) -> Result<Vec<MailSummary>, sqlx::Error> {
    let rows: Vec<MailSummary> = match recipient {
        Some(to) => {
            sqlx::query_as(&format!("SELECT {SUMMARY_COLUMNS} FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT $2"))
                .bind(to)
                .bind(limit)
                .fetch_all(&db.pool)
                .await?
        }
        None => {
            sqlx::query_as(&format!("SELECT {SUMMARY_COLUMNS} FROM outbox ORDER BY id DESC LIMIT $1"))
                .bind(limit)
                .fetch_all(&db.pool)
                .await?
        }
    };
    Ok(rows)
}

pub async fn message(db: &Db, id: i64) -> Result<Option<MailMessage>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {SUMMARY_COLUMNS}, body_text, last_error FROM outbox WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

/// Messages of one kind about one meetup, by status, e.g. `[("pending", 3), ("sent", 120)]`.
pub async fn counts_for_event(db: &Db, event_id: i64, kind: &str) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT status, COUNT(*) FROM outbox WHERE event_id = $1 AND kind = $2 GROUP BY status ORDER BY status")
        .bind(event_id)
        .bind(kind)
        .fetch_all(&db.pool)
        .await
}
