//! The one form for an event, official meetup or self-run gathering: its values as
//! typed, the rules each kind follows, and (on the server) the parser that checks
//! every field and answers with a message beside each wrong one.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    /// Held by staff in the host city.
    Official,
    /// Run by a volunteer organizer in their city.
    Gathering,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Official => "official",
            EventKind::Gathering => "gathering",
        }
    }

    pub fn parse(raw: &str) -> Option<EventKind> {
        [EventKind::Official, EventKind::Gathering].into_iter().find(|k| k.as_str() == raw)
    }

    /// Reads a stored kind; an unknown value is an error.
    #[cfg(feature = "ssr")]
    pub fn from_db(raw: &str) -> Result<EventKind, sqlx::Error> {
        EventKind::parse(raw).ok_or_else(|| sqlx::Error::Decode(format!("unknown event kind {raw:?}").into()))
    }

    /// What the form asks and accepts for this kind.
    pub fn form_rules(self) -> FormRules {
        match self {
            EventKind::Official => FormRules {
                asks_city: true,
                asks_signup_opens: true,
                venue_required: false,
                default_capacity: Some(super::DEFAULT_CAPACITY),
                max_capacity: 100_000,
                default_hours: 3,
            },
            EventKind::Gathering => FormRules {
                asks_city: false,
                asks_signup_opens: false,
                venue_required: true,
                default_capacity: None,
                max_capacity: 10_000,
                default_hours: 2,
            },
        }
    }
}

/// How the event form differs between kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormRules {
    /// Staff pick the host city; a gathering is in its organizer's city.
    pub asks_city: bool,
    /// Official sign-up can open later than publication; a gathering's opens at once.
    pub asks_signup_opens: bool,
    pub venue_required: bool,
    /// Seats when the field is left empty; `None`: no limit.
    pub default_capacity: Option<i64>,
    pub max_capacity: i64,
    /// Length when the end is left empty.
    pub default_hours: i64,
}

/// Everything an editor types for an event. Times are as typed ("2026-12-06 19:00",
/// "2026年12月6日 19:00"…: `infra::dates`), in the host city's local time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventFormValues {
    pub city: String,
    pub title: String,
    pub description: String,
    pub venue: String,
    pub address: String,
    pub starts: String,
    pub ends: String,
    pub capacity: String,
    pub signup_opens: String,
    pub signup_closes: String,
    /// `first_come` or `draw` (official meetups; see `admission`).
    pub admission: String,
    /// When applications close, for a draw.
    pub application_closes: String,
    /// The question applicants may answer, for a draw.
    pub question: String,
}

impl EventFormValues {
    /// An empty form for a new event of `kind`.
    pub fn blank(kind: EventKind) -> EventFormValues {
        let capacity = kind.form_rules().default_capacity.map(|c| c.to_string()).unwrap_or_default();
        EventFormValues { capacity, ..EventFormValues::default() }
    }
}

#[cfg(feature = "ssr")]
pub use parse::{parse_event_form, EventDraft};

#[cfg(feature = "ssr")]
mod parse {
    use super::{EventFormValues, FormRules};
    use crate::error::{AppError, FieldErrors};
    use crate::infra::form::{local_time, multiline, text};

    /// A checked event form, times in unix seconds.
    #[derive(Debug, Clone, PartialEq)]
    pub struct EventDraft {
        pub city_id: i64,
        pub title: String,
        pub description: String,
        pub venue: String,
        pub address: String,
        pub starts_at: i64,
        pub ends_at: i64,
        pub capacity: Option<i64>,
        pub signup_opens_at: Option<i64>,
        pub signup_closes_at: Option<i64>,
    }

    /// Checks every field. `city` is the host city and its time zone: chosen in the
    /// form (`Err(message)` when the typed city is unknown) or fixed by the caller.
    /// A start that is new (`previous_start` differs) must be in the future.
    pub fn parse_event_form(
        v: &EventFormValues,
        rules: FormRules,
        city: Result<(i64, String), crate::language::Text>,
        previous_start: Option<i64>,
        now: i64,
    ) -> Result<EventDraft, AppError> {
        let mut errors = FieldErrors::default();
        let (city_id, tz) = match city {
            Ok(city) => (Some(city.0), city.1),
            Err(message) => {
                errors.add("city", message);
                (None, "Asia/Shanghai".to_string())
            }
        };
        let title = text(&mut errors, "title", &v.title, 120, true);
        let description = multiline(&mut errors, "description", &v.description, 5000, false);
        let venue = text(&mut errors, "venue", &v.venue, 200, rules.venue_required);
        let address = text(&mut errors, "address", &v.address, 300, false);
        let starts_at = local_time(&mut errors, "starts", &v.starts, &tz, true);
        if starts_at.is_some_and(|s| s <= now && Some(s) != previous_start) {
            errors.add("starts", crate::msg!(errors.start_in_future));
        }
        let ends_at = local_time(&mut errors, "ends", &v.ends, &tz, false).or(starts_at.map(|s| s + rules.default_hours * 3600));
        if let (Some(s), Some(e)) = (starts_at, ends_at) {
            if e <= s {
                errors.add("ends", crate::msg!(errors.end_after_start));
            }
        }
        let capacity = match v.capacity.trim() {
            "" => Ok(rules.default_capacity),
            raw => match raw.parse::<i64>() {
                Ok(n) if (1..=rules.max_capacity).contains(&n) => Ok(Some(n)),
                _ => Err(()),
            },
        };
        if capacity.is_err() {
            let max = rules.max_capacity;
            errors.add("capacity", if rules.default_capacity.is_none() { crate::msg!(errors.capacity_range_or_empty, max = max) } else { crate::msg!(errors.capacity_range, max = max) });
        }
        let signup_opens_at = if rules.asks_signup_opens { local_time(&mut errors, "signup_opens", &v.signup_opens, &tz, false) } else { None };
        let signup_closes_at = local_time(&mut errors, "signup_closes", &v.signup_closes, &tz, false);
        if let (Some(o), Some(c)) = (signup_opens_at, signup_closes_at) {
            if c <= o {
                errors.add("signup_closes", crate::msg!(errors.close_after_open));
            }
        }
        if let (Some(c), Some(s)) = (signup_closes_at, starts_at) {
            if c > s {
                errors.add("signup_closes", crate::msg!(errors.close_by_start));
            }
        }
        match (city_id, starts_at, ends_at, capacity) {
            (Some(city_id), Some(starts_at), Some(ends_at), Ok(capacity)) if errors.is_empty() => Ok(EventDraft {
                city_id,
                title,
                description,
                venue,
                address,
                starts_at,
                ends_at,
                capacity,
                signup_opens_at,
                signup_closes_at,
            }),
            _ => Err(AppError::Invalid(errors)),
        }
    }

    #[cfg(test)]
    mod tests {
        use super::super::EventKind;
        use super::*;

        const SHANGHAI: &str = "Asia/Shanghai";

        fn values(starts: &str, capacity: &str) -> EventFormValues {
            EventFormValues { title: "Meetup".into(), venue: "Hall".into(), starts: starts.into(), capacity: capacity.into(), ..Default::default() }
        }

        fn city() -> Result<(i64, String), crate::language::Text> {
            Ok((1, SHANGHAI.into()))
        }

        #[test]
        fn each_kind_has_its_defaults() {
            let official = parse_event_form(&values("2099-05-02T14:00", ""), EventKind::Official.form_rules(), city(), None, 0).unwrap();
            assert_eq!(official.capacity, Some(crate::meetups::DEFAULT_CAPACITY));
            assert_eq!(official.ends_at - official.starts_at, 3 * 3600);
            let gathering = parse_event_form(&values("2099-05-02T14:00", ""), EventKind::Gathering.form_rules(), city(), None, 0).unwrap();
            assert_eq!(gathering.capacity, None, "no limit");
            assert_eq!(gathering.ends_at - gathering.starts_at, 2 * 3600);
            let no_venue = EventFormValues { venue: String::new(), ..values("2099-05-02T14:00", "") };
            let error = parse_event_form(&no_venue, EventKind::Gathering.form_rules(), city(), None, 0).unwrap_err();
            assert!(error.field_message("venue").is_some(), "a gathering needs a venue");
            assert!(parse_event_form(&no_venue, EventKind::Official.form_rules(), city(), None, 0).is_ok());
        }

        #[test]
        fn every_wrong_field_gets_its_message() {
            let v = EventFormValues { title: String::new(), ends: "2099-05-02T13:00".into(), ..values("2099-05-02T14:00", "0") };
            let error = parse_event_form(&v, EventKind::Official.form_rules(), Err(crate::msg!(errors.unknown_city_short)), None, 0).unwrap_err();
            for field in ["city", "title", "ends", "capacity"] {
                assert!(error.field_message(field).is_some(), "{field}: {error:?}");
            }
        }

        #[test]
        fn a_new_start_must_be_in_the_future_but_an_old_one_may_stay() {
            let v = values("2020-01-01T10:00", "");
            let rules = EventKind::Official.form_rules();
            let now = 1_700_000_000;
            let error = parse_event_form(&v, rules, city(), None, now).unwrap_err();
            assert!(error.field_message("starts").is_some());
            let start = crate::infra::clock::parse_input("2020-01-01T10:00", SHANGHAI);
            assert!(parse_event_form(&v, rules, city(), start, now).is_ok(), "editing a past event keeps its start");
        }
    }
}
