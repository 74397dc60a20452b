//! The door's decisions and storage: whether a ticket gets in (one rule for the typed
//! code, the scanned one and the offline scan sent later), the scans doors sent, and
//! what a door downloads.
use super::door_sync::{ticket_key, DoorBoard, DoorManifest, DoorTicket, OfflineScan, RecentCheckIn, ScanOutcome, ScanVerdict};
use crate::accounts::CurrentUser;
use crate::error::AppError;
use crate::infra::clock::format_local;
use crate::infra::db::{Db, Tx};
use crate::language::Text;
use crate::meetups::places::Ticket;
use crate::meetups::repo::EventInfo;

/// Why a ticket does not get in.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    Unknown,
    NotYours,
    OtherEvent(String),
    NotConfirmed,
    /// For a later day (its start, in its time zone).
    NotYet(i64, String),
    Over,
    /// Already in: name, when, at which door, in the event's time zone.
    Already(String, i64, Option<String>, String),
}

impl Refusal {
    pub fn outcome(&self) -> ScanOutcome {
        match self {
            Refusal::Unknown => ScanOutcome::Unknown,
            Refusal::NotYours => ScanOutcome::NotYours,
            Refusal::OtherEvent(_) => ScanOutcome::OtherEvent,
            Refusal::NotConfirmed => ScanOutcome::NotConfirmed,
            Refusal::NotYet(..) => ScanOutcome::NotYet,
            Refusal::Over => ScanOutcome::Over,
            Refusal::Already(..) => ScanOutcome::Duplicate,
        }
    }

    /// What the door is told, in every language.
    pub fn text(&self) -> Text {
        use crate::i18n::td_string;
        match self {
            Refusal::Unknown => crate::msg!(errors.ticket_unknown),
            Refusal::NotYours => crate::msg!(errors.ticket_not_yours_to_check),
            Refusal::OtherEvent(title) => crate::msg!(errors.ticket_other_event, title = title),
            Refusal::NotConfirmed => crate::msg!(errors.ticket_not_confirmed),
            Refusal::NotYet(at, tz) => Text::build(|l| td_string!(l, errors.ticket_not_today, when = format_local(*at, tz, l)).to_string()),
            Refusal::Over => crate::msg!(errors.ticket_check_in_over),
            Refusal::Already(name, at, Some(door), tz) => {
                Text::build(|l| td_string!(l, errors.already_in_at_door, name = name, when = crate::infra::clock::format_time(*at, tz), door = door).to_string())
            }
            Refusal::Already(name, _, None, _) => crate::msg!(errors.already_checked_in, name = name),
        }
    }
}

/// Lets the ticket with `code` in at `at` (at `door`, if it has a name), or says why
/// not. `event`: the event whose door this is, when the door names one. A check-in after
/// the door closed turns the fan's no-show into an attendance.
#[allow(clippy::too_many_arguments)]
pub async fn admit(tx: &mut Tx, user: &CurrentUser, code: &str, event: Option<i64>, at: i64, door: Option<&str>, grace: i64, base: &str) -> Result<Result<Ticket, Refusal>, AppError> {
    use super::door::{check_in_time, CheckInTime};
    let Some(mut ticket) = crate::meetups::places::find_ticket(tx, code).await? else { return Ok(Err(Refusal::Unknown)) };
    // The event's row is held until commit: a door closing meanwhile waits, and whether
    // it had closed is read under the hold (else the fan could end up a no-show).
    let sql = format!("SELECT door_closed_at FROM events WHERE id = $1 {}", tx.dialect.hold_rows());
    ticket.door_closed_at = sqlx::query_scalar(&sql).bind(ticket.event_id).fetch_one(&mut **tx).await?;
    let info = crate::meetups::repo::event_info(&mut **tx, ticket.event_id).await?.ok_or(AppError::NotFound)?;
    if !super::api::may_run_the_door(user, &info) {
        return Ok(Err(Refusal::NotYours));
    }
    if event.is_some_and(|e| e != ticket.event_id) {
        return Ok(Err(Refusal::OtherEvent(info.title)));
    }
    if crate::meetups::PlaceStatus::from_db(&ticket.status)? != crate::meetups::PlaceStatus::Confirmed {
        return Ok(Err(Refusal::NotConfirmed));
    }
    match check_in_time(at, crate::infra::clock::local_day_start(info.starts_at, &info.timezone), info.ends_at, grace) {
        CheckInTime::Open => {}
        CheckInTime::NotYet => return Ok(Err(Refusal::NotYet(info.starts_at, info.timezone))),
        CheckInTime::Over => return Ok(Err(Refusal::Over)),
    }
    if !crate::meetups::places::mark_checked_in(tx, ticket.id, at, door).await? {
        let (first, first_door): (Option<i64>, Option<String>) =
            sqlx::query_as("SELECT checked_in_at, checked_in_door FROM registrations WHERE id = $1").bind(ticket.id).fetch_one(&mut **tx).await?;
        return Ok(Err(match first {
            Some(first) => Refusal::Already(ticket.display_name, first, first_door, info.timezone),
            None => Refusal::NotConfirmed,
        }));
    }
    if ticket.door_closed_at.is_some() {
        super::door::late_check_in(tx, ticket.event_id, ticket.user_id, crate::infra::clock::now(), base).await?;
    }
    // The room's screen counts who is in, and only checked-in fans take part.
    crate::live::hub::changed(tx, ticket.event_id, crate::infra::clock::now()).await?;
    Ok(Ok(ticket))
}

/// Decides the scans a door sent, in one transaction, each once (`record_scan`); the
/// verdicts in the order the scans were decided.
#[allow(clippy::too_many_arguments)]
pub async fn sync_scans(db: &Db, user: &CurrentUser, info: &EventInfo, door: &str, mut scans: Vec<OfflineScan>, now: i64, grace: i64, base: &str) -> Result<Vec<ScanVerdict>, AppError> {
    use super::door_sync::{trusted_scan_time, LATE_SYNC};
    // One order for every door: two doors syncing the same tickets at once take their
    // rows in the same order, so neither waits for the other in a circle.
    scans.sort_by_cached_key(|s| (crate::meetups::tickets::normalize_code(&s.code), s.scan_id.clone()));
    let mut tx = db.begin_write().await?;
    // Late check-ins (after the door closed) write the record, which one transaction at
    // a time does: taken first, before any ticket's row, so two doors never wait for
    // each other in a circle.
    let closed: Option<i64> = sqlx::query_scalar("SELECT door_closed_at FROM events WHERE id = $1").bind(info.id).fetch_one(&mut *tx).await?;
    if closed.is_some() {
        super::awards::write_the_record_alone(&mut tx).await?;
    }
    let mut verdicts = Vec::with_capacity(scans.len());
    for scan in &scans {
        // Sent too long after the end, a scan's time is not taken on trust: it is now.
        let at = if now > info.ends_at + grace + LATE_SYNC { now } else { trusted_scan_time(scan.scanned_at, now) };
        verdicts.push(record_scan(&mut tx, user, info, door, scan, at, now, grace, base).await?);
    }
    tx.commit().await?;
    Ok(verdicts)
}

/// Decides one scan a door sent, once: sent again (the answer was lost), it gets the
/// verdict it got the first time. The scan's row is taken first, so the same scan sent
/// twice at once is decided once.
#[allow(clippy::too_many_arguments)]
pub async fn record_scan(tx: &mut Tx, user: &CurrentUser, info: &EventInfo, door: &str, scan: &OfflineScan, at: i64, now: i64, grace: i64, base: &str) -> Result<ScanVerdict, AppError> {
    let claimed: Option<i64> = sqlx::query_scalar(
        "INSERT INTO door_scans (event_id, door, scan_id, outcome, scanned_at, received_at, user_id) VALUES ($1, $2, $3, 'pending', $4, $5, $6) \
         ON CONFLICT (event_id, door, scan_id) DO NOTHING RETURNING id",
    )
    .bind(info.id)
    .bind(door)
    .bind(&scan.scan_id)
    .bind(at)
    .bind(now)
    .bind(user.id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = claimed else {
        return earlier_verdict(tx, info, door, scan).await;
    };
    let (outcome, name, registration, message) = match admit(tx, user, &scan.code, Some(info.id), at, Some(door), grace, base).await? {
        Ok(ticket) => {
            let message = crate::i18n::td_string!(crate::infra::locale::current(), participation.door.welcome, name = &ticket.display_name).to_string();
            (ScanOutcome::CheckedIn, Some(ticket.display_name), Some(ticket.id), message)
        }
        Err(refusal) => {
            let name = match &refusal {
                Refusal::Already(name, ..) => Some(name.clone()),
                _ => None,
            };
            let registration: Option<i64> = sqlx::query_scalar("SELECT id FROM registrations WHERE ticket_code = $1 AND event_id = $2")
                .bind(crate::meetups::tickets::normalize_code(&scan.code))
                .bind(info.id)
                .fetch_optional(&mut **tx)
                .await?;
            (refusal.outcome(), name, registration, refusal.text().get(crate::infra::locale::current()).to_string())
        }
    };
    sqlx::query("UPDATE door_scans SET outcome = $1, registration_id = $2, message = $3 WHERE id = $4")
        .bind(outcome.as_str())
        .bind(registration)
        .bind(&message)
        .bind(row)
        .execute(&mut **tx)
        .await?;
    Ok(ScanVerdict { scan_id: scan.scan_id.clone(), outcome, name, message })
}

/// The verdict a scan got when it was first sent, word for word.
async fn earlier_verdict(tx: &mut Tx, info: &EventInfo, door: &str, scan: &OfflineScan) -> Result<ScanVerdict, AppError> {
    let (outcome, message, name): (String, String, Option<String>) = sqlx::query_as(
        "SELECT s.outcome, s.message, u.display_name FROM door_scans s LEFT JOIN registrations r ON r.id = s.registration_id LEFT JOIN users u ON u.id = r.user_id \
         WHERE s.event_id = $1 AND s.door = $2 AND s.scan_id = $3",
    )
    .bind(info.id)
    .bind(door)
    .bind(&scan.scan_id)
    .fetch_one(&mut **tx)
    .await?;
    let outcome = ScanOutcome::parse(&outcome).unwrap_or(ScanOutcome::Unknown);
    let name = name.filter(|_| matches!(outcome, ScanOutcome::CheckedIn | ScanOutcome::Duplicate));
    Ok(ScanVerdict { scan_id: scan.scan_id.clone(), outcome, name, message })
}

/// What a door downloads: every ticket of the event as a key with its fan's name and
/// status, the shared count, and the latest check-ins at every door.
pub async fn manifest(db: &Db, info: &EventInfo, grace: i64) -> Result<DoorManifest, sqlx::Error> {
    let rows: Vec<(String, String, String, Option<i64>, Option<String>)> = sqlx::query_as(
        "SELECT r.ticket_code, u.display_name, r.status, r.checked_in_at, r.checked_in_door \
         FROM registrations r JOIN users u ON u.id = r.user_id WHERE r.event_id = $1 ORDER BY r.id",
    )
    .bind(info.id)
    .fetch_all(&db.pool)
    .await?;
    let confirmed = |status: &str| status == "confirmed";
    let expected = rows.iter().filter(|r| confirmed(&r.2)).count() as i64;
    let checked_in = rows.iter().filter(|r| confirmed(&r.2) && r.3.is_some()).count() as i64;
    let mut recent: Vec<RecentCheckIn> =
        rows.iter().filter(|r| confirmed(&r.2)).filter_map(|r| r.3.map(|at| RecentCheckIn { name: r.1.clone(), at, time: crate::infra::clock::format_time(at, &info.timezone), door: r.4.clone() })).collect();
    recent.sort_by(|a, b| b.at.cmp(&a.at));
    recent.truncate(10);
    let tickets = rows
        .into_iter()
        // A door needs a name only for a seat that gets in (a lost phone shows no more).
        .map(|(code, name, status, at, door)| DoorTicket { key: ticket_key(info.id, &code), name: if confirmed(&status) { name } else { String::new() }, status, checked_in: at.map(|at| (at, door)) })
        .collect();
    Ok(DoorManifest {
        event_id: info.id,
        title: info.title.clone(),
        timezone: info.timezone.clone(),
        tickets,
        board: DoorBoard { expected, checked_in, recent },
        opens_at: crate::infra::clock::local_day_start(info.starts_at, &info.timezone),
        closes_at: info.ends_at + grace,
    })
}

/// Forgets the scans of meetups that ended before `ended_before` (hourly housekeeping,
/// `door_sync::SCANS_KEPT_DAYS` after); how many went. A door sending an old scan again
/// afterwards gets it judged afresh: too late to let anyone in.
pub async fn forget_old_scans(db: &Db, ended_before: i64) -> Result<u64, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let done = sqlx::query("DELETE FROM door_scans WHERE event_id IN (SELECT id FROM events WHERE ends_at < $1)").bind(ended_before).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}
