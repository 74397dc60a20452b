//! The one save path for events. Staff saving an official meetup and an organizer saving
//! a gathering go through `save_event`; they differ only by kind (the form's rules) and
//! by what the editor may do (publish without review). Who may edit which event is
//! checked by the server function before it calls this.
use super::engine::{self, Events};
use super::form::{parse_event_form, EventDraft, EventFormValues, EventKind};
use super::EventStatus;
use super::repo::{self, EventChanges, EventInfo, NewEvent};
use crate::error::AppError;

/// One save: a new event (`existing: None`) or an edit of `existing`.
pub struct SaveEvent<'a> {
    pub kind: EventKind,
    /// Who saves: the creator of a new event, the organizer of a gathering.
    pub editor_id: i64,
    pub editor_name: &'a str,
    /// The event as the form was read (outside the transaction).
    pub existing: Option<EventInfo>,
    /// Whether the editor may edit the event as it is now: checked again inside the
    /// save's transaction, with the event's row locked, so a change made meanwhile (staff
    /// hiding a gathering) is never overwritten.
    pub may_edit: &'a (dyn Fn(&EventInfo) -> Result<(), AppError> + Send + Sync),
    /// The host city and its time zone, or why the typed city is unknown.
    pub city: Result<(i64, String), crate::language::Text>,
    /// Staff, and organizers staff trust, publish gatherings without review.
    pub trusted: bool,
    pub values: &'a EventFormValues,
}

/// The status of a new event: an official meetup starts as a draft for staff to
/// publish; a gathering waits for review unless its organizer is trusted.
pub fn initial_status(kind: EventKind, trusted: bool) -> EventStatus {
    match (kind, trusted) {
        (EventKind::Official, _) => EventStatus::Draft,
        (EventKind::Gathering, true) => EventStatus::Published,
        (EventKind::Gathering, false) => EventStatus::PendingReview,
    }
}

/// The status after an edit, if it changes: a rejected gathering goes back to review,
/// and so does a published one whose text changed, unless its organizer is trusted.
pub fn status_after_edit(kind: EventKind, status: EventStatus, text_changed: bool, trusted: bool) -> Option<EventStatus> {
    match (kind, status) {
        (EventKind::Official, _) => None,
        (EventKind::Gathering, EventStatus::Rejected) => Some(EventStatus::PendingReview),
        (EventKind::Gathering, EventStatus::Published | EventStatus::Postponed) if text_changed && !trusted => Some(EventStatus::PendingReview),
        _ => None,
    }
}

/// Whether the edit changes what fans read (and staff review).
pub fn text_changed(before: &EventInfo, after: &EventDraft) -> bool {
    before.title != after.title || before.description != after.description || before.venue != after.venue || before.address != after.address
}

/// Whether the edit changes when or where it happens: everyone signed up is told.
pub fn moved(before: &EventInfo, after: &EventDraft) -> bool {
    before.starts_at != after.starts_at
        || before.ends_at != after.ends_at
        || before.city_id != after.city_id
        || before.venue != after.venue
        || before.address != after.address
}

impl EventFormValues {
    /// The form filled with a saved event (times in its city's local time).
    pub fn of(e: &EventInfo, city_label: String) -> EventFormValues {
        use crate::infra::clock::format_input;
        let input = |t: Option<i64>| t.map(|t| format_input(t, &e.timezone)).unwrap_or_default();
        EventFormValues {
            city: city_label,
            title: e.title.clone(),
            description: e.description.clone(),
            venue: e.venue.clone(),
            address: e.address.clone(),
            starts: input(Some(e.starts_at)),
            ends: input(Some(e.ends_at)),
            capacity: e.capacity.map(|c| c.to_string()).unwrap_or_default(),
            signup_opens: input(e.signup_opens_at),
            signup_closes: input(e.signup_closes_at),
            // Filled from the admission settings by the caller.
            admission: String::new(),
            application_closes: String::new(),
            question: String::new(),
        }
    }
}

impl EventDraft {
    pub fn changes(&self) -> EventChanges<'_> {
        EventChanges {
            city_id: self.city_id,
            title: &self.title,
            description: &self.description,
            venue: &self.venue,
            address: &self.address,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            capacity: self.capacity,
            signup_opens_at: self.signup_opens_at,
            signup_closes_at: self.signup_closes_at,
        }
    }
}

/// Checks the form and saves the event; returns its id. A larger capacity moves fans
/// up from the waiting list, a lower one below the seats taken is a field message,
/// and a published event that moves tells everyone signed up.
pub async fn save_event(events: &Events, save: SaveEvent<'_>) -> Result<i64, AppError> {
    let now = events.clock.now();
    let previous_start = save.existing.as_ref().map(|e| e.starts_at);
    let tz = save.city.as_ref().map(|c| c.1.clone()).unwrap_or_else(|_| "Asia/Shanghai".into());
    let mut admission_errors = crate::error::FieldErrors::default();
    let draft = match parse_event_form(save.values, save.kind.form_rules(), save.city, previous_start, now) {
        Ok(draft) => draft,
        Err(AppError::Invalid(mut errors)) => {
            crate::admission::form::parse(&mut errors, save.values, save.kind, &tz, None);
            return Err(AppError::Invalid(errors));
        }
        Err(other) => return Err(other),
    };
    let admission = crate::admission::form::parse(&mut admission_errors, save.values, save.kind, &tz, Some(draft.starts_at));
    admission_errors.into_result()?;
    let festival = save.existing.as_ref().and_then(|e| e.festival_id);
    let mut tx = events.begin().await?;
    let id = match save.existing {
        None => {
            let new = NewEvent {
                kind: save.kind,
                city_id: draft.city_id,
                title: &draft.title,
                starts_at: draft.starts_at,
                ends_at: draft.ends_at,
                capacity: draft.capacity,
                status: initial_status(save.kind, save.trusted),
                created_by: Some(save.editor_id),
                organizer_id: (save.kind == EventKind::Gathering).then_some(save.editor_id),
            };
            let id = repo::insert_event(&mut tx, &new, now).await?;
            repo::update_event(&mut tx, id, &draft.changes(), now).await?;
            id
        }
        Some(unlocked) => {
            let before = repo::event_info_locked(&mut tx, unlocked.id, repo::EventLock::ForStatusChange).await?.ok_or(AppError::NotFound)?;
            (save.may_edit)(&before)?;
            let mut changes = draft.changes();
            if before.festival_id.is_some() {
                // A festival session opens with its festival, whatever the meetup form
                // says: the festival page moves the opening of all its sessions at once.
                changes.signup_opens_at = before.signup_opens_at;
            }
            engine::save_changes(&mut tx, before.id, &changes).await?;
            // The application question is text fans read too: a new one goes to review.
            let question = crate::admission::repo::event_admission(&mut **tx, before.id).await?.map(|a| a.application_question);
            let question_changed = festival.is_none() && question.as_deref().is_some_and(|q| q != admission.question);
            if let Some(status) = status_after_edit(save.kind, before.status, text_changed(&before, &draft) || question_changed, save.trusted) {
                repo::set_status(&mut tx, before.id, status, now).await?;
            }
            if moved(&before, &draft) && before.status == EventStatus::Published {
                let after = repo::event_info(&mut **tx, before.id).await?.ok_or(AppError::NotFound)?;
                let notice = super::emails::notice(&after, "changed", tx.base_url());
                repo::notify_attendees(&mut tx, &notice, before.id, &now.to_string(), now).await?;
            }
            before.id
        }
    };
    // Festival sessions are first come, first served, like the festival's opening.
    if festival.is_none() {
        crate::admission::repo::save_settings(&mut tx, id, &admission, (save.editor_id, save.editor_name), now).await?;
    }
    tx.commit().await?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(status: EventStatus) -> EventInfo {
        EventInfo {
            id: 1,
            kind: EventKind::Gathering,
            status,
            title: "T".into(),
            description: "D".into(),
            city_id: 7,
            city: "深圳".into(),
            timezone: "Asia/Shanghai".into(),
            venue: "V".into(),
            address: "A".into(),
            starts_at: 1000,
            ends_at: 2000,
            capacity: Some(10),
            confirmed: 0,
            signup_opens_at: None,
            signup_closes_at: None,
            organizer: None,
            festival_id: None,
            admission: crate::admission::Admission::FirstCome,
            awaiting_draw: false,
            door_closed_at: None,
            waitlist_numbered: 0,
        }
    }

    fn draft(e: &EventInfo) -> EventDraft {
        EventDraft {
            city_id: e.city_id,
            title: e.title.clone(),
            description: e.description.clone(),
            venue: e.venue.clone(),
            address: e.address.clone(),
            starts_at: e.starts_at,
            ends_at: e.ends_at,
            capacity: e.capacity,
            signup_opens_at: None,
            signup_closes_at: None,
        }
    }

    #[test]
    fn a_new_end_time_city_venue_or_address_is_a_move() {
        let before = event(EventStatus::Published);
        assert!(!moved(&before, &draft(&before)));
        for change in [
            EventDraft { ends_at: 2500, ..draft(&before) },
            EventDraft { starts_at: 900, ..draft(&before) },
            EventDraft { city_id: 8, ..draft(&before) },
            EventDraft { venue: "W".into(), ..draft(&before) },
            EventDraft { address: "B".into(), ..draft(&before) },
        ] {
            assert!(moved(&before, &change), "{change:?}");
        }
        assert!(!moved(&before, &EventDraft { capacity: Some(20), title: "New".into(), ..draft(&before) }));
    }

    #[test]
    fn who_publishes_and_what_goes_back_to_review() {
        use EventStatus::*;
        assert_eq!(initial_status(EventKind::Official, true), Draft);
        assert_eq!(initial_status(EventKind::Gathering, true), Published);
        assert_eq!(initial_status(EventKind::Gathering, false), PendingReview);
        let gathering = EventKind::Gathering;
        assert_eq!(status_after_edit(gathering, Published, true, false), Some(PendingReview));
        assert_eq!(status_after_edit(gathering, Published, true, true), None);
        assert_eq!(status_after_edit(gathering, Published, false, false), None, "a new time or capacity needs no review");
        assert_eq!(status_after_edit(gathering, Rejected, false, true), Some(PendingReview));
        assert_eq!(status_after_edit(gathering, PendingReview, true, false), None);
        assert_eq!(status_after_edit(gathering, Cancelled, true, false), None);
        assert_eq!(status_after_edit(EventKind::Official, Published, true, false), None, "staff edits need no review");
        let before = event(EventStatus::Published);
        assert!(text_changed(&before, &EventDraft { description: "New".into(), ..draft(&before) }));
        assert!(!text_changed(&before, &EventDraft { ends_at: 3000, ..draft(&before) }));
    }
}
