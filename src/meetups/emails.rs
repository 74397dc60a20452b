//! Emails about meetups. Each has an idempotency key naming the change that caused
//! it, so a retried transaction never queues a second copy.
use super::repo::EventInfo;
use crate::email::templates::escape_html;
use crate::email::{Attachment, OutgoingEmail};
use crate::infra::clock::{format_local, now};

fn meetup_url(base: &str, event: &EventInfo) -> String {
    format!("{base}/meetups/{}", event.id)
}

fn when_where(event: &EventInfo) -> String {
    let place = [event.venue.as_str(), event.address.as_str()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(", ");
    let place = if place.is_empty() { "venue to be announced".to_string() } else { place };
    format!("{} ({}), {}, {}", format_local(event.starts_at, &event.timezone, crate::i18n::Locale::zh_CN), event.timezone, event.city, place)
}

/// The meetup as a calendar file.
pub fn ics_attachment(event: &EventInfo, base: &str) -> Attachment {
    let ics = super::ics::calendar_of(&event.title, std::slice::from_ref(event), base, now());
    Attachment::file("meetup.ics", "text/calendar; charset=utf-8", ics)
}

struct Mail<'a> {
    kind: &'static str,
    key: String,
    to: &'a str,
    subject: String,
    lines: Vec<String>,
    link: (&'static str, String),
    event: &'a EventInfo,
    attach_ics: bool,
    base: &'a str,
}

impl Mail<'_> {
    fn build(self) -> OutgoingEmail {
        let (label, url) = &self.link;
        let text = format!("{}\n\n{label}:\n{url}\n\n— Tongcheng 同城会\n", self.lines.join("\n\n"));
        let paragraphs: String = self.lines.iter().map(|l| format!("<p>{}</p>", escape_html(l))).collect();
        let html = format!(
            "<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.5\">{paragraphs}\
             <p><a href=\"{0}\">{1}</a></p><p style=\"color:#666\">— Tongcheng 同城会</p></body></html>",
            escape_html(url),
            escape_html(label)
        );
        OutgoingEmail {
            kind: self.kind,
            idempotency_key: self.key,
            to: self.to.to_string(),
            subject: self.subject,
            text,
            html,
            event_id: Some(self.event.id),
            attachments: if self.attach_ics { vec![ics_attachment(self.event, self.base)] } else { Vec::new() },
        }
    }
}

/// A confirmed seat: at sign-up, or on moving up from the waiting list.
#[allow(clippy::too_many_arguments)]
pub fn seat_confirmed(event: &EventInfo, to: &str, name: &str, ticket: &str, registration: i64, generation: i64, base: &str, promoted: bool) -> OutgoingEmail {
    let opening = if promoted {
        "Good news: a seat opened up and you moved up from the waiting list. Your seat is confirmed.".to_string()
    } else {
        "Your seat is confirmed.".to_string()
    };
    Mail {
        kind: if promoted { "seat_promoted" } else { "seat_confirmed" },
        key: format!("seat:{registration}:{generation}"),
        to,
        subject: if promoted { format!("You're in: {}", event.title) } else { format!("Your ticket: {}", event.title) },
        lines: vec![
            format!("Hello {name},"),
            opening,
            format!("{}: {}", event.title, when_where(event)),
            format!("Your ticket code: {ticket}. Show it, or the attached QR code, at the door."),
            "Can't come after all? Please cancel on the meetup page so the next fan on the waiting list gets your seat.".into(),
        ],
        link: ("Your ticket and the meetup page", meetup_url(base, event)),
        event,
        attach_ics: true,
        base,
    }
    .build()
    .with_ticket_qr(super::tickets::check_in_url(base, ticket))
}

impl OutgoingEmail {
    /// Attaches the ticket's QR code (drawn when the message is delivered).
    fn with_ticket_qr(mut self, check_in_url: String) -> OutgoingEmail {
        self.attachments.push(Attachment::qr_code("ticket-qr.svg", check_in_url));
        self
    }
}

pub fn waitlisted(event: &EventInfo, to: &str, name: &str, position: i64, registration: i64, generation: i64, base: &str) -> OutgoingEmail {
    Mail {
        kind: "waitlisted",
        key: format!("waitlist:{registration}:{generation}"),
        to,
        subject: format!("On the waiting list: {}", event.title),
        lines: vec![
            format!("Hello {name},"),
            format!("{} is full, so you are number {position} on the waiting list.", event.title),
            "When someone cancels, the first fan waiting gets the seat at once, and we email you your ticket.".into(),
        ],
        link: ("The meetup page", meetup_url(base, event)),
        event,
        attach_ics: false,
        base,
    }
    .build()
}

/// The invitation sent to the city's fans when a meetup is published. The same text
/// goes to every fan, so it is written once and copied per recipient in SQL.
pub fn invitation(event: &EventInfo, base: &str) -> OutgoingEmail {
    Mail {
        kind: "invitation",
        key: String::new(),
        to: "",
        subject: format!("You're invited: {}", event.title),
        lines: vec![
            "Hello,".into(),
            format!("The Tongcheng team is holding an official meetup in {}: come and meet the engineers and other fans.", event.city),
            format!("{}: {}", event.title, when_where(event)),
            match event.capacity {
                Some(seats) => format!("There are {seats} seats, first come first served; after that you can join the waiting list."),
                None => "Everyone is welcome.".into(),
            },
        ],
        link: ("Sign up", meetup_url(base, event)),
        event,
        attach_ics: false,
        base,
    }
    .build()
}

/// To everyone signed up, when the meetup changes, is postponed or is cancelled.
pub fn notice(event: &EventInfo, what: &str, base: &str) -> OutgoingEmail {
    let (kind, subject, line) = match what {
        "cancelled" => ("meetup_cancelled", format!("Cancelled: {}", event.title), "We are sorry: this meetup is cancelled.".to_string()),
        "postponed" => ("meetup_postponed", format!("Postponed: {}", event.title), "This meetup is postponed. Your place is kept; we will email you the new date.".to_string()),
        _ => ("meetup_changed", format!("Changed: {}", event.title), "The details of this meetup have changed. Here they are now:".to_string()),
    };
    Mail {
        kind,
        key: String::new(),
        to: "",
        subject,
        lines: vec!["Hello,".into(), line, format!("{}: {}", event.title, when_where(event))],
        link: ("The meetup page", meetup_url(base, event)),
        event,
        attach_ics: what != "postponed",
        base,
    }
    .build()
}

pub fn reminder(event: &EventInfo, to: &str, name: &str, ticket: &str, registration: i64, base: &str) -> OutgoingEmail {
    Mail {
        kind: "reminder",
        key: format!("reminder:{registration}:{}", event.starts_at),
        to,
        subject: format!("Tomorrow: {}", event.title),
        lines: vec![
            format!("Hello {name},"),
            format!("A reminder: {} starts in less than a day.", event.title),
            when_where(event),
            format!("Your ticket code: {ticket}."),
        ],
        link: ("Your ticket", meetup_url(base, event)),
        event,
        attach_ics: false,
        base,
    }
    .build()
}

/// A message from a gathering's organizer to everyone signed up.
pub fn organizer_message(event: &EventInfo, organizer: &str, subject: &str, body: &str, base: &str) -> OutgoingEmail {
    Mail {
        kind: "organizer_message",
        key: String::new(),
        to: "",
        subject: format!("{subject} · {}", event.title),
        lines: vec![format!("{organizer}, who organizes {}, writes:", event.title), body.to_string()],
        link: ("The gathering page", meetup_url(base, event)),
        event,
        attach_ics: false,
        base,
    }
    .build()
}

/// To a fan who applied to organize gatherings: approved, declined or revoked.
pub fn organizer_decision(to: &str, name: &str, decision: &str, reason: &str, base: &str) -> OutgoingEmail {
    let (subject, line) = match decision {
        "approved" => ("You are now a Tongcheng organizer", "Your application is approved: you can now list gatherings for your city."),
        "declined" => ("Your organizer application", "Your application to organize gatherings was not approved this time."),
        _ => ("Your organizer role has ended", "Staff have ended your organizer role."),
    };
    let mut text = format!("Hello {name},\n\n{line}\n\n");
    if !reason.is_empty() {
        text.push_str(&format!("Reason: {reason}\n\n"));
    }
    text.push_str(&format!("{base}/organize\n\n— Tongcheng 同城会\n"));
    let html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif\"><p>{}</p><p>{}</p>{}<p><a href=\"{}/organize\">Tongcheng</a></p></body></html>",
        escape_html(&format!("Hello {name},")),
        escape_html(line),
        if reason.is_empty() { String::new() } else { format!("<p>Reason: {}</p>", escape_html(reason)) },
        escape_html(base)
    );
    OutgoingEmail {
        kind: "organizer_decision",
        idempotency_key: format!("organizer_decision:{to}:{decision}:{}", now()),
        to: to.to_string(),
        subject: subject.to_string(),
        text,
        html,
        event_id: None,
        attachments: Vec::new(),
    }
}
