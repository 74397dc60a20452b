//! The seat engine: the one way places change at meetups, gatherings (and festival
//! sessions to come). Every change happens in one write transaction together with the
//! email it causes:
//! - sign-up: claim the fan's registration (insert or lock it), then take a seat with a
//!   conditional update of the event's `confirmed_count` (the database refuses to go
//!   past the capacity), else join the waiting list with the next number;
//! - cancel: free the place; a freed seat passes straight to the first fan waiting.
//!
//! `Events` is the handle (database, clock, public URL); its transactions (`EventTx`)
//! fill seats they may have freed once they commit, and the database's transaction
//! wakes the mail worker, so no caller has to remember either.
use crate::i18n::{td_string, Locale};
use crate::language::Text;
use super::places::{self, Claimed};
use super::repo::{self, EventInfo, EventLock};
use super::{emails, signup_state, EventStatus, Place, PlaceStatus, SignupState};
use crate::email::outbox;
use crate::error::AppError;
use crate::infra::clock::Clock;
use crate::infra::db::{Db, Tx};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Who is signing up, for the confirmation email.
pub struct Fan<'a> {
    pub id: i64,
    pub email: &'a str,
    pub name: &'a str,
}

/// The event engine's handle.
#[derive(Clone)]
pub struct Events {
    pub db: Db,
    /// Links in emails start with it.
    pub base_url: Arc<str>,
    pub clock: Clock,
}

/// A write transaction of the event engine: it remembers the events where it may have
/// freed a seat, and gives those seats to fans waiting once it has committed.
pub struct EventTx {
    tx: Tx,
    events: Events,
    /// The transaction's time.
    pub now: i64,
    may_have_free_seats: BTreeSet<i64>,
}

impl std::ops::Deref for EventTx {
    type Target = Tx;
    fn deref(&self) -> &Tx {
        &self.tx
    }
}

impl std::ops::DerefMut for EventTx {
    fn deref_mut(&mut self) -> &mut Tx {
        &mut self.tx
    }
}

impl EventTx {
    pub fn base_url(&self) -> &str {
        &self.events.base_url
    }

    /// Notes that a seat of `event_id` may be free after this transaction.
    pub fn may_free_a_seat(&mut self, event_id: i64) {
        self.may_have_free_seats.insert(event_id);
    }

    /// Rolls back: nothing it did is kept.
    pub async fn rollback(self) -> Result<(), AppError> {
        Ok(self.tx.rollback().await?)
    }

    /// Commits, then fills the seats it may have freed.
    pub async fn commit(self) -> Result<(), AppError> {
        self.tx.commit().await?;
        for event_id in self.may_have_free_seats {
            self.events.fill_free_seats(event_id).await?;
        }
        Ok(())
    }
}

impl Events {
    pub fn new(db: Db, base_url: &str, clock: Clock) -> Events {
        Events { db, base_url: base_url.into(), clock }
    }

    /// The engine of the app serving this request.
    pub fn current() -> Result<Events, AppError> {
        let state = crate::infra::request::state()?;
        Ok(Events::new(state.db.clone(), &state.config.public_url, Clock::System))
    }

    pub async fn begin(&self) -> Result<EventTx, AppError> {
        Ok(EventTx { tx: self.db.begin_write().await?, events: self.clone(), now: self.clock.now(), may_have_free_seats: BTreeSet::new() })
    }

    /// Signs a fan up: a seat if one is free, else a place on the waiting list. Pressing
    /// again (double click, retry, second tab) returns the place the fan already has.
    pub async fn sign_up(&self, event_id: i64, fan: &Fan<'_>) -> Result<Place, AppError> {
        // Read before the write transaction: the email goes out in the fan's language.
        let locale = crate::accounts::repo::locale(&self.db, fan.id).await?.unwrap_or_default();
        self.sign_up_writing_in(event_id, fan, locale).await
    }

    /// `sign_up` when the caller knows the fan's email language (the logged-in user has
    /// it): one statement fewer on the busiest path.
    pub async fn sign_up_writing_in(&self, event_id: i64, fan: &Fan<'_>, locale: Locale) -> Result<Place, AppError> {
        let place = match self.try_sign_up(event_id, fan, locale, true).await? {
            Some(place) => place,
            // The last seats went while this fan tried: the waiting list it is.
            None => self.try_sign_up(event_id, fan, locale, false).await?.ok_or(AppError::Internal)?,
        };
        if place.status == PlaceStatus::Waitlisted && self.fill_free_seats(event_id).await? > 0 {
            // A seat came free while this fan joined the list; they may be the one who got it.
            return self.place(event_id, fan.id).await?.ok_or(AppError::Internal);
        }
        Ok(place)
    }

    /// One sign-up transaction. A seat is tried for only when the event looked free at
    /// the start, and taken by the last statement before commit, so the event row stays
    /// locked for the shortest time; `None` when the seats ran out meanwhile (nothing is
    /// kept). Fans joining the waiting list take no lock on the event row on PostgreSQL.
    /// At a festival session the fan's one place in the festival is held first: its key
    /// decides between two sessions pressed at once (see `festival::places`).
    async fn try_sign_up(&self, event_id: i64, fan: &Fan<'_>, locale: Locale, seat_if_free: bool) -> Result<Option<Place>, AppError> {
        let mut tx = self.begin().await?;
        let now = tx.now;
        let event = repo::event_info_locked(&mut tx, event_id, EventLock::AgainstStatusChange).await?.ok_or(AppError::NotFound)?;
        // A cancelled session has freed its fans' festival places (see `change_status`):
        // pressing it again shows the old place but holds none.
        if let Some(festival_id) = event.festival_id.filter(|_| event.status != EventStatus::Cancelled) {
            let held = crate::festival::places::hold(&mut tx, festival_id, fan.id, event_id, now).await?;
            if held != event_id {
                return Err(crate::festival::places::held_elsewhere(&mut tx, held).await?);
            }
        }
        let claimed = places::claim(&mut tx, event_id, fan.id, &super::tickets::new_ticket_code(), now).await?;
        if claimed.status != PlaceStatus::Cancelled.as_str() {
            tx.commit().await?;
            return Ok(Some(self.place(event_id, fan.id).await?.ok_or(AppError::Internal)?));
        }
        if event.awaiting_draw {
            return Err(AppError::field("signup", crate::msg!(admission.errors.apply_instead)));
        }
        let state = signup_state(event.status, event.signup_opens_at, event.signup_closes_at, event.starts_at, now);
        if state != SignupState::Open {
            return Err(refusal(state, &event));
        }
        match decide(&mut tx, &event, &claimed, fan, locale, seat_if_free).await? {
            Some(place) => {
                tx.commit().await?;
                Ok(Some(place))
            }
            None => {
                tx.rollback().await?;
                Ok(None)
            }
        }
    }

    /// The fan's current place at an event.
    pub async fn place(&self, event_id: i64, user_id: i64) -> Result<Option<Place>, AppError> {
        Ok(places::place(&self.db, event_id, user_id).await?)
    }

    pub async fn cancel(&self, event_id: i64, user_id: i64) -> Result<(), AppError> {
        let mut tx = self.begin().await?;
        if !cancel_in(&mut tx, event_id, user_id).await? {
            return Err(AppError::field("signup", crate::msg!(errors.no_place_to_cancel)));
        }
        tx.commit().await
    }

    /// Postpones or cancels an event and tells everyone signed up, in one transaction
    /// that holds the event against sign-ups still deciding (see `EventLock`).
    /// `may_change` decides, with the event's row locked, whether the asker may (an
    /// organizer's gathering hidden by staff meanwhile is theirs no more).
    pub async fn change_status(&self, id: i64, status: &str, may_change: &(dyn Fn(&EventInfo) -> Result<(), AppError> + Send + Sync)) -> Result<(), AppError> {
        let mut tx = self.begin().await?;
        let now = tx.now;
        let event = repo::event_info_locked(&mut tx, id, EventLock::ForStatusChange).await?.ok_or(AppError::NotFound)?;
        may_change(&event)?;
        let target = EventStatus::parse(status);
        let allowed = match target {
            Some(EventStatus::Postponed) => event.status == EventStatus::Published,
            Some(EventStatus::Cancelled) => event.status != EventStatus::Cancelled,
            _ => false,
        };
        let Some(target) = target.filter(|_| allowed) else {
            return Err(AppError::field("status", Text::build(|l| td_string!(l, errors.status_change, from = event.status.label(l), to = EventStatus::parse(status).map_or(status, |s| s.label(l))).to_string())));
        };
        repo::set_status(&mut tx, id, target, now).await?;
        if target == EventStatus::Cancelled {
            // Fans of a cancelled festival session may choose another.
            crate::festival::places::release_event(&mut tx, id).await?;
            places::withdraw_waitlist_notices_of(&mut tx, id, now).await?;
        }
        let event = EventInfo { status: target, ..event };
        repo::notify_attendees(&mut tx, &emails::notice(&event, status, &self.base_url), id, &now.to_string(), now).await?;
        tx.commit().await
    }

    /// Gives free seats to fans waiting, if there are both. Runs after every commit that
    /// may leave a seat free (a cancellation with nobody visibly waiting, a larger
    /// capacity) and after a fan joins a waiting list: on PostgreSQL either side may not
    /// yet see the other's uncommitted change, but whichever commits second sees the
    /// first here. Returns how many fans moved up.
    pub async fn fill_free_seats(&self, event_id: i64) -> Result<i64, AppError> {
        if !places::seat_free_while_fans_wait(&self.db, event_id).await? {
            return Ok(0);
        }
        let mut tx = self.db.begin_write().await?;
        let now = self.clock.now();
        let event = repo::event_info_locked(&mut tx, event_id, EventLock::AgainstStatusChange).await?.ok_or(AppError::NotFound)?;
        let mut moved = 0;
        if promotes(&event, now) {
            while places::take_seat(&mut tx, event_id, now).await? {
                if !promote_next(&mut tx, &event, &self.base_url, now).await? {
                    places::release_seat(&mut tx, event_id, now).await?;
                    break;
                }
                moved += 1;
            }
        }
        tx.commit().await?;
        Ok(moved)
    }

    /// Fills every free seat that has a fan waiting, at every event still taking fans:
    /// repairs what a crash or an error between a commit and its fill left behind. Safe
    /// in several processes at once: each fill is its own transaction, seats are taken
    /// by the conditional update and fans promoted one row at a time.
    pub async fn sweep_free_seats(&self) -> Result<i64, AppError> {
        let mut moved = 0;
        for event_id in places::events_with_seats_free_while_fans_wait(&self.db, self.clock.now()).await? {
            moved += self.fill_free_seats(event_id).await?;
        }
        Ok(moved)
    }
}

/// Settles a claimed registration (see `places::claim`): a seat when `seat_if_free` and
/// the event looked free, else the waiting list with the next number; queues the email,
/// and takes the seat by the last statement. `None` when the seat went meanwhile: the
/// caller must roll back.
pub async fn decide(tx: &mut EventTx, event: &EventInfo, claimed: &Claimed, fan: &Fan<'_>, locale: Locale, seat_if_free: bool) -> Result<Option<Place>, AppError> {
    let (now, event_id) = (tx.now, event.id);
    let generation = claimed.generation + 1;
    let base_url = tx.events.base_url.clone();
    let looks_free = event.capacity.is_none_or(|capacity| event.confirmed < capacity);
    let (place, mail) = if seat_if_free && looks_free {
        let ticket = settle(tx, claimed, PlaceStatus::Confirmed, None).await?;
        let mail = emails::seat_confirmed(locale, event, fan.email, fan.name, &ticket, claimed.id, generation, &base_url, false);
        (Place { registration_id: claimed.id, status: PlaceStatus::Confirmed, position: None, ticket_code: Some(ticket), checked_in: false }, mail)
    } else {
        let (number, left) = places::settle_waitlisted(tx, claimed, event_id, now).await?.ok_or_else(|| changed_while_claimed(claimed))?;
        let position = super::place_on_joining(number, left);
        let mail = emails::waitlisted(locale, event, fan.email, fan.name, position, claimed.id, generation, &base_url);
        (Place { registration_id: claimed.id, status: PlaceStatus::Waitlisted, position: Some(position), ticket_code: None, checked_in: false }, mail)
    };
    outbox::enqueue(tx, &mail, now).await?;
    if place.status == PlaceStatus::Confirmed && !places::take_seat(tx, event_id, now).await? {
        return Ok(None);
    }
    Ok(Some(place))
}

/// Why a fan cannot sign up now; before the opening, with the time it opens (in the
/// event's time zone, in the reader's language).
pub fn refusal(state: SignupState, event: &EventInfo) -> AppError {
    let message = match (state, event.signup_opens_at) {
        (SignupState::NotOpenYet, Some(opens)) => Text::build(|l| {
            let time = crate::infra::clock::format_local(opens, &event.timezone, l);
            td_string!(l, errors.signup_opens_at, time = time, timezone = crate::infra::clock::zone_label(&event.timezone, l)).to_string()
        }),
        _ => state.message(),
    };
    AppError::field("signup", message)
}

async fn settle(tx: &mut EventTx, claimed: &Claimed, status: PlaceStatus, waitlist_seq: Option<i64>) -> Result<String, AppError> {
    let now = tx.now;
    places::settle(tx, claimed, status, waitlist_seq, now).await?.ok_or_else(|| changed_while_claimed(claimed))
}

fn changed_while_claimed(claimed: &Claimed) -> AppError {
    tracing::error!(registration_id = claimed.id, "registration changed while it was claimed");
    AppError::Internal
}

/// Gives the next fan on the waiting list the seat; `false` when nobody is waiting.
async fn promote_next(tx: &mut Tx, event: &EventInfo, base_url: &str, now: i64) -> Result<bool, AppError> {
    let Some(promoted) = places::promote_first_waiting(tx, event.id, now).await? else {
        return Ok(false);
    };
    places::count_left_waitlist(tx, event.id).await?;
    let fan = crate::accounts::repo::contact(tx, promoted.user_id).await?.ok_or(AppError::NotFound)?;
    let mail = emails::seat_confirmed(fan.locale, event, &fan.email, &fan.display_name, &promoted.ticket_code, promoted.id, promoted.generation, base_url, true);
    outbox::enqueue(tx, &mail, now).await?;
    Ok(true)
}

/// Whether a freed seat passes to the waiting list: only while the event is on and has
/// not started (nobody is told "you're in" for a cancelled or past meetup).
pub fn promotes(event: &EventInfo, now: i64) -> bool {
    matches!(event.status, EventStatus::Published | EventStatus::Postponed) && now < event.starts_at
}

/// Cancels a fan's place in the caller's transaction. A freed seat goes to the first
/// fan waiting (the seat count stays) while the event still takes fans; otherwise the
/// count goes down. Returns whether there was a place to cancel.
pub async fn cancel_in(tx: &mut EventTx, event_id: i64, user_id: i64) -> Result<bool, AppError> {
    let (now, base_url) = (tx.now, tx.events.base_url.clone());
    let event = repo::event_info_locked(tx, event_id, EventLock::AgainstStatusChange).await?.ok_or(AppError::NotFound)?;
    // At a festival session the fan's festival place is locked first, in the same
    // order as sign-ups take it (see `try_sign_up`).
    if let Some(festival_id) = event.festival_id {
        crate::festival::places::lock(tx, festival_id, user_id).await?;
    }
    let cancelled = if places::cancel_if(tx, event_id, user_id, PlaceStatus::Confirmed, now).await? {
        if !(promotes(&event, now) && promote_next(tx, &event, &base_url, now).await?) {
            places::release_seat(tx, event_id, now).await?;
            tx.may_free_a_seat(event_id);
        }
        true
    } else {
        let left = places::cancel_if(tx, event_id, user_id, PlaceStatus::Waitlisted, now).await?;
        if left {
            places::count_left_waitlist(tx, event_id).await?;
        }
        left
    };
    if let Some(festival_id) = event.festival_id.filter(|_| cancelled) {
        crate::festival::places::release(tx, festival_id, user_id, event_id).await?;
    }
    Ok(cancelled)
}

/// Before an account is deleted: its places at events that have not started pass on to
/// the fans waiting and go. Places at events that have started are history: they stay,
/// and deleting the account unsigns them (so past seat counts do not change).
pub async fn leave_upcoming_events(tx: &mut EventTx, user_id: i64) -> Result<(), AppError> {
    let now = tx.now;
    for event_id in places::upcoming_events_of(tx, user_id, now).await? {
        cancel_in(tx, event_id, user_id).await?;
    }
    places::delete_upcoming(tx, user_id, now).await?;
    Ok(())
}

/// Saves an edited event, or explains (beside the capacity field) why the capacity
/// cannot be that low. The update itself checks it, so a racing sign-up never makes the
/// database refuse the save halfway. A larger capacity fills seats after the commit.
pub async fn save_changes(tx: &mut EventTx, id: i64, changes: &repo::EventChanges<'_>) -> Result<(), AppError> {
    let now = tx.now;
    if repo::update_event(tx, id, changes, now).await? {
        tx.may_free_a_seat(id);
        return Ok(());
    }
    let confirmed = places::confirmed_count(tx, id).await?;
    Err(AppError::field("capacity", crate::msg!(errors.capacity_below_confirmed, count = confirmed)))
}
