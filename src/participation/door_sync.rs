//! Doors on phones: a door downloads what it needs to check tickets while offline (the
//! event's tickets as keys, with names and status) and sends what it scanned when the
//! network returns. The server decides: the first check-in of a ticket wins; a second
//! (the same ticket at another door while both were offline) is a refused duplicate,
//! told to the door that sent it. Any number of doors may run one event at once.
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A door's name ("B", "东门"): at most this many characters.
pub const DOOR_NAME_MAX: usize = 40;
/// Scans a door may send in one sync (it sends more in several): 400 fit the 64 KB
/// request limit with room to spare.
pub const SCANS_PER_SYNC: usize = 400;
/// A door's id for a scan: random, 16 to 64 letters, digits, `-` and `_` (two phones
/// using one door name never take each other's verdicts).
pub const SCAN_ID_LEN: (usize, usize) = (16, 64);
/// How long after check-in ends an offline door may still send its scans: a door
/// reconnects within hours; later, nobody is let in after the fact.
pub const LATE_SYNC: i64 = 6 * 3600;
/// How long a meetup's door scans are kept after it ends: the doors' record for settling
/// a dispute about the day (who showed which ticket, when, at which door). Who got in
/// stays on their registration; the scans, which name fans' tickets, go.
pub const SCANS_KEPT_DAYS: i64 = 90;
/// How far a door's clock may be trusted: a scan time outside this window of the
/// server's is taken as the time it arrived.
pub const CLOCK_SLACK: i64 = 36 * 3600;

/// One ticket as a door holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoorTicket {
    /// `ticket_key(event, code)`: the door finds a scanned code without holding codes
    /// (a lost phone lets nobody in).
    pub key: String,
    pub name: String,
    /// As stored: confirmed, cancelled, waitlisted…
    pub status: String,
    /// When (Unix seconds) and at which door it checked in.
    pub checked_in: Option<(i64, Option<String>)>,
}

/// A check-in as the doors' shared list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecentCheckIn {
    pub name: String,
    pub at: i64,
    /// `at` as the event's city reads it ("19:02").
    pub time: String,
    pub door: Option<String>,
}

/// What every door of an event shares: how many are in of how many expected, and the
/// latest check-ins at any door, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoorBoard {
    /// Confirmed seats, and how many of them are in.
    pub expected: i64,
    pub checked_in: i64,
    pub recent: Vec<RecentCheckIn>,
}

/// What a door needs to work offline, and the count all doors share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoorManifest {
    pub event_id: i64,
    pub title: String,
    pub timezone: String,
    pub tickets: Vec<DoorTicket>,
    pub board: DoorBoard,
    /// When tickets may check in (Unix seconds): from the local midnight of the event's
    /// day until the grace after its end. An offline door says "not yet" or "over" itself.
    pub opens_at: i64,
    pub closes_at: i64,
}

/// What the door page on a phone shows before its script has the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhoneDoor {
    pub event_id: i64,
    pub title: String,
    /// When it starts, in the reader's language and the event's time zone.
    pub starts: String,
    pub timezone: String,
    /// The page this door belongs to: the staff meetup page or the organizer's gathering.
    pub back: String,
    /// "Not yet: tickets check in on …", said offline as the server would say it.
    pub not_yet: String,
    pub board: DoorBoard,
}

/// A scan a door made (offline or not), with the door's own id for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfflineScan {
    pub scan_id: String,
    pub code: String,
    pub scanned_at: i64,
}

/// What the server decided about a scan. Sent as `as_str` says (the door's script
/// compares its own decision with these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanOutcome {
    CheckedIn,
    /// Already in: another door (or this one) was first.
    Duplicate,
    NotConfirmed,
    OtherEvent,
    Unknown,
    NotYet,
    Over,
    NotYours,
}

impl ScanOutcome {
    pub const ALL: [ScanOutcome; 8] = [
        ScanOutcome::CheckedIn,
        ScanOutcome::Duplicate,
        ScanOutcome::NotConfirmed,
        ScanOutcome::OtherEvent,
        ScanOutcome::Unknown,
        ScanOutcome::NotYet,
        ScanOutcome::Over,
        ScanOutcome::NotYours,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ScanOutcome::CheckedIn => "checked_in",
            ScanOutcome::Duplicate => "duplicate",
            ScanOutcome::NotConfirmed => "not_confirmed",
            ScanOutcome::OtherEvent => "other_event",
            ScanOutcome::Unknown => "unknown",
            ScanOutcome::NotYet => "not_yet",
            ScanOutcome::Over => "over",
            ScanOutcome::NotYours => "not_yours",
        }
    }

    pub fn parse(raw: &str) -> Option<ScanOutcome> {
        Self::ALL.into_iter().find(|o| o.as_str() == raw)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanVerdict {
    pub scan_id: String,
    pub outcome: ScanOutcome,
    /// The fan's name, when the ticket is known.
    pub name: Option<String>,
    /// Said to the door, in its language.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoorSync {
    pub verdicts: Vec<ScanVerdict>,
    /// Fresh: cancellations and promotions made meanwhile reach the door.
    pub manifest: DoorManifest,
}

/// The key of a ticket at the door of `event_id`: the first 20 hex digits of
/// SHA-256("{event}:{CODE}"), the code as stored (`tickets::normalize_code`; the door's
/// script normalises the same way).
#[cfg(feature = "ssr")]
pub fn ticket_key(event_id: i64, code: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{event_id}:{}", crate::meetups::tickets::normalize_code(code)).as_bytes());
    digest.iter().take(10).map(|b| format!("{b:02x}")).collect()
}

/// The scan's time as the door's clock said, unless that clock is far off.
pub fn trusted_scan_time(scanned_at: i64, now: i64) -> i64 {
    if scanned_at > now || scanned_at < now - CLOCK_SLACK {
        now
    } else {
        scanned_at
    }
}

/// What a door needs to check this event's tickets offline.
#[server(endpoint = "door_manifest")]
pub async fn load_door_manifest(event: i64) -> Result<DoorManifest, AppError> {
    let info = super::api::event_for_door(event).await?;
    let state = crate::infra::request::state()?;
    Ok(super::door_repo::manifest(&state.db, &info, grace(&state)).await?)
}

#[cfg(feature = "ssr")]
fn grace(state: &crate::infra::state::AppState) -> i64 {
    i64::from(state.config.check_in_grace_minutes) * 60
}

/// The door page on a phone: the event, and the board as it stands.
#[server(endpoint = "phone_door")]
pub async fn load_phone_door(event: i64) -> Result<PhoneDoor, AppError> {
    let info = super::api::event_for_door(event).await?;
    let state = crate::infra::request::state()?;
    let locale = crate::infra::locale::current();
    let board = super::door_repo::manifest(&state.db, &info, grace(&state)).await?.board;
    let user = crate::accounts::auth::require_user().await?;
    let own = info.organizer.as_ref().is_some_and(|(id, _)| *id == user.id);
    let back = if own { format!("/organize/{event}") } else { format!("/staff/meetups/{event}") };
    let not_yet = super::door_repo::Refusal::NotYet(info.starts_at, info.timezone.clone()).text().get(locale).to_string();
    let starts = crate::infra::clock::format_local(info.starts_at, &info.timezone, locale);
    Ok(PhoneDoor { event_id: info.id, title: info.title, starts, timezone: info.timezone, back, not_yet, board })
}

/// The count and latest check-ins all doors of an event share (for a door's page).
#[server(endpoint = "door_board")]
pub async fn load_door_board(event: i64) -> Result<DoorBoard, AppError> {
    let info = super::api::event_for_door(event).await?;
    let state = crate::infra::request::state()?;
    Ok(super::door_repo::manifest(&state.db, &info, grace(&state)).await?.board)
}

/// A door sends what it scanned (a JSON list of `OfflineScan`); each scan gets the
/// server's verdict (the same one when sent again), and the door a fresh manifest.
#[server(endpoint = "sync_door")]
pub async fn sync_door(event: i64, door: String, scans: String) -> Result<DoorSync, AppError> {
    let user = crate::accounts::auth::require_user().await?;
    let info = super::api::event_for_door(event).await?;
    let state = crate::infra::request::state()?;
    let mut errors = crate::error::FieldErrors::default();
    let door = crate::infra::form::text(&mut errors, "door", &door, DOOR_NAME_MAX, true);
    errors.into_result()?;
    let scans: Vec<OfflineScan> = serde_json::from_str(&scans).map_err(|_| AppError::field("scans", crate::msg!(errors.door_scans_unreadable)))?;
    let id_ok = |id: &str| (SCAN_ID_LEN.0..=SCAN_ID_LEN.1).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    // A code that is no ticket's is decided like any other unknown code (one bad scan
    // must not hold back a door's others).
    if scans.len() > SCANS_PER_SYNC || scans.iter().any(|s| !id_ok(&s.scan_id)) {
        return Err(AppError::field("scans", crate::msg!(errors.door_scans_unreadable)));
    }
    // Counted before the transaction: the count is a write of its own.
    state.rate_limits.check(&state.db, crate::infra::rate_limit::Limit::DoorSync, &[format!("user:{}:event:{event}", user.id)]).await?;
    let grace = grace(&state);
    let verdicts = super::door_repo::sync_scans(&state.db, &user, &info, &door, scans, crate::infra::clock::now(), grace, &state.config.public_url).await?;
    Ok(DoorSync { verdicts, manifest: super::door_repo::manifest(&state.db, &info, grace).await? })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_doors_clock_is_trusted_within_a_day_and_a_half() {
        let now = 1_796_342_400;
        assert_eq!(trusted_scan_time(now - 600, now), now - 600, "ten minutes offline");
        assert_eq!(trusted_scan_time(now + 60, now), now, "a clock ahead");
        assert_eq!(trusted_scan_time(now - 3 * 86_400, now), now, "a clock days behind");
        for outcome in ScanOutcome::ALL {
            assert_eq!(ScanOutcome::parse(outcome.as_str()), Some(outcome));
            assert_eq!(serde_json::to_string(&outcome).unwrap(), format!("\"{}\"", outcome.as_str()), "as the door's script reads it");
        }
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn ticket_keys_ignore_case_and_spaces_and_differ_by_event() {
        assert_eq!(ticket_key(7, " k7qx-m2pa-9hvd "), ticket_key(7, "K7QX-M2PA-9HVD"));
        assert_eq!(ticket_key(7, "K7QXM2PA9HVD"), ticket_key(7, "K7QX-M2PA-9HVD"), "typed without dashes");
        assert_ne!(ticket_key(7, "AB12CD"), ticket_key(8, "AB12CD"));
        assert_eq!(ticket_key(7, "AB12CD").len(), 20);
    }
}
