//! The admission fields of the event form: the mode, when applications close and the
//! optional question. Staff set them on official meetups, an organizer on their own
//! gathering (the form and the save path are the same: `meetups::editing::save_event`).
use super::repo::Settings;
use super::Admission;
use crate::error::FieldErrors;
use crate::infra::db::Db;
use crate::infra::form::{local_time, text};
use crate::meetups::repo::EventInfo;
use crate::meetups::{EventFormValues, EventKind};

/// Checks the admission fields; `starts_at` (when known) bounds the close. A draw needs a
/// number of seats (a gathering's form may leave it empty: no limit).
pub fn parse(errors: &mut FieldErrors, v: &EventFormValues, kind: EventKind, tz: &str, starts_at: Option<i64>) -> Settings {
    let admission = match v.admission.trim() {
        "" => Admission::FirstCome,
        raw => Admission::parse(raw).unwrap_or_else(|| {
            errors.add("admission", crate::msg!(admission.errors.unknown_mode));
            Admission::FirstCome
        }),
    };
    let draw = admission == Admission::Draw;
    if draw && v.capacity.trim().is_empty() && kind.form_rules().default_capacity.is_none() {
        errors.add("capacity", crate::msg!(admission.errors.draw_needs_seats));
    }
    let closes_at = local_time(errors, "application_closes", &v.application_closes, tz, draw);
    if let (Some(c), Some(s)) = (closes_at, starts_at) {
        if c > s {
            errors.add("application_closes", crate::msg!(admission.errors.close_by_start));
        }
    }
    let question = text(errors, "question", &v.question, 300, false);
    Settings { admission, closes_at: closes_at.filter(|_| draw), question: if draw { question } else { String::new() } }
}

/// Fills the form's admission fields with the event's saved settings.
pub async fn fill(db: &Db, event: &EventInfo, form: &mut EventFormValues) -> Result<(), sqlx::Error> {
    if let Some(a) = super::repo::event_admission(&db.pool, event.id).await? {
        form.admission = a.mode().as_str().to_string();
        form.application_closes = a.application_closes_at.map(|t| crate::infra::clock::format_input(t, &event.timezone)).unwrap_or_default();
        form.question = a.application_question;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draw_needs_a_close_before_the_start() {
        let tz = "Asia/Shanghai";
        let start = crate::infra::clock::parse_input("2099-05-02T14:00", tz);
        let v = EventFormValues { admission: "draw".into(), ..Default::default() };
        let mut errors = FieldErrors::default();
        parse(&mut errors, &v, EventKind::Official, tz, start);
        assert!(errors.get("application_closes").is_some(), "the close is required");
        let v = EventFormValues { admission: "draw".into(), application_closes: "2099-05-03T10:00".into(), question: "Ask?".into(), ..Default::default() };
        let mut errors = FieldErrors::default();
        parse(&mut errors, &v, EventKind::Official, tz, start);
        assert!(errors.get("application_closes").is_some(), "after the start");
        let v = EventFormValues { application_closes: "2099-05-01T10:00".into(), ..v };
        let mut errors = FieldErrors::default();
        let s = parse(&mut errors, &v, EventKind::Official, tz, start);
        assert!(errors.is_empty());
        assert_eq!((s.admission, s.question.as_str()), (Admission::Draw, "Ask?"));
        let mut errors = FieldErrors::default();
        assert_eq!(parse(&mut errors, &EventFormValues::default(), EventKind::Official, tz, start), Settings::default(), "first come by default");
        let mut errors = FieldErrors::default();
        assert_eq!(parse(&mut errors, &v, EventKind::Official, tz, start).admission, Admission::Draw, "official meetups have 40 seats by default");
        assert!(errors.is_empty());
        let mut errors = FieldErrors::default();
        assert_eq!(parse(&mut errors, &v, EventKind::Gathering, tz, start).admission, Admission::Draw, "an organizer turns the draw on");
        assert!(errors.get("capacity").is_some(), "a gathering without a limit has no seats to draw");
        let v = EventFormValues { capacity: "12".into(), ..v };
        let mut errors = FieldErrors::default();
        assert_eq!(parse(&mut errors, &v, EventKind::Gathering, tz, start).closes_at, s.closes_at);
        assert!(errors.is_empty());
    }
}
