//! The admission fields of the event form (official meetups): the mode, when
//! applications close and the optional question.
use super::repo::Settings;
use super::Admission;
use crate::error::FieldErrors;
use crate::infra::form::{local_time, text};
use crate::meetups::{EventFormValues, EventKind};

/// Checks the admission fields; `starts_at` (when known) bounds the close. Gatherings
/// are first come (their form does not ask).
pub fn parse(errors: &mut FieldErrors, v: &EventFormValues, kind: EventKind, tz: &str, starts_at: Option<i64>) -> Settings {
    if kind != EventKind::Official {
        return Settings::default();
    }
    let admission = match v.admission.trim() {
        "" => Admission::FirstCome,
        raw => Admission::parse(raw).unwrap_or_else(|| {
            errors.add("admission", crate::msg!(admission.errors.unknown_mode));
            Admission::FirstCome
        }),
    };
    let draw = admission == Admission::Draw;
    let closes_at = local_time(errors, "application_closes", &v.application_closes, tz, draw);
    if let (Some(c), Some(s)) = (closes_at, starts_at) {
        if c > s {
            errors.add("application_closes", crate::msg!(admission.errors.close_by_start));
        }
    }
    let question = text(errors, "question", &v.question, 300, false);
    Settings { admission, closes_at: closes_at.filter(|_| draw), question: if draw { question } else { String::new() } }
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
        assert_eq!(parse(&mut errors, &v, EventKind::Gathering, tz, start), Settings::default(), "gatherings are first come");
    }
}
