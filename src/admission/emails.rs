//! Admission emails, in the recipient's language: "not this time" after the draw (one
//! text per language, each copy numbered with the fan's place on the waiting list), the
//! request to reconfirm a seat, and the notice that an unconfirmed seat passed on.
//! Tickets for selected fans are the engine's (`meetups::emails::seat_confirmed`).
use crate::email::templates::{self, Body, Localized};
use crate::email::OutgoingEmail;
use crate::i18n::{td_string, Locale};
use crate::infra::clock::format_local;
use crate::meetups::emails::city_in;
use crate::meetups::repo::EventInfo;

fn url(base: &str, event: &EventInfo) -> String {
    format!("{base}/meetups/{}", event.id)
}

fn when(event: &EventInfo, l: Locale) -> String {
    td_string!(l, admission.email.when, when = format_local(event.starts_at, &event.timezone, l), city = city_in(event, l)).to_string()
}

/// To every applicant the draw did not select; `outbox::NUMBER` is their place.
pub fn not_this_time(event: &EventInfo, base: &str) -> Localized {
    let url = url(base, event);
    Localized::build(|l| {
        let body = Body {
            greeting: td_string!(l, admission.email.hello).to_string(),
            paragraphs: vec![
                td_string!(l, admission.email.not_this_time, title = &event.title).to_string(),
                when(event, l),
                td_string!(l, admission.email.waiting_number, number = crate::email::outbox::NUMBER.as_str()).to_string(),
                td_string!(l, admission.email.next_time).to_string(),
            ],
            link: Some((td_string!(l, admission.email.page), &url)),
        };
        let subject = td_string!(l, admission.email.not_this_time_subject, title = &event.title).to_string();
        let mut mail = templates::message(l, "draw_waitlisted", String::new(), "", subject, &body);
        mail.event_id = Some(event.id);
        templates::unsubscribable_copy(mail, l, base)
    })
}

/// Asks a fan with repeated no-shows to reconfirm their seat by `due_at`.
pub fn reconfirm_ask(l: Locale, event: &EventInfo, user_id: i64, to: &str, name: &str, due_at: i64, base: &str) -> OutgoingEmail {
    let url = url(base, event);
    let body = Body {
        greeting: td_string!(l, admission.email.hello_name, name = name).to_string(),
        paragraphs: vec![
            td_string!(l, admission.email.reconfirm_ask, title = &event.title).to_string(),
            when(event, l),
            td_string!(l, admission.email.reconfirm_by, due = format_local(due_at, &event.timezone, l)).to_string(),
        ],
        link: Some((td_string!(l, admission.email.reconfirm_button), &url)),
    };
    let subject = td_string!(l, admission.email.reconfirm_subject, title = &event.title).to_string();
    let mut mail = templates::message(l, "reconfirm_ask", format!("reconfirm_ask:{}:{user_id}", event.id), to, subject, &body);
    mail.event_id = Some(event.id);
    mail
}

/// Tells a fan their unconfirmed seat passed to the waiting list.
pub fn seat_released(l: Locale, event: &EventInfo, user_id: i64, to: &str, name: &str, base: &str) -> OutgoingEmail {
    let url = url(base, event);
    let body = Body {
        greeting: td_string!(l, admission.email.hello_name, name = name).to_string(),
        paragraphs: vec![td_string!(l, admission.email.released, title = &event.title).to_string(), when(event, l)],
        link: Some((td_string!(l, admission.email.page), &url)),
    };
    let subject = td_string!(l, admission.email.released_subject, title = &event.title).to_string();
    let mut mail = templates::message(l, "reconfirm_released", format!("reconfirm_released:{}:{user_id}", event.id), to, subject, &body);
    mail.event_id = Some(event.id);
    mail
}
