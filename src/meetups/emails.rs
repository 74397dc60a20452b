//! Emails about meetups, in the recipient's language. Each has an idempotency key naming
//! the change that caused it, so a retried transaction never queues a second copy.
//! Mails to one fan whose language the caller knows take it; mails to many fans
//! (invitations, notices, organizer messages) are written in every language and each
//! fan gets the copy in theirs.
use super::repo::EventInfo;
use crate::email::templates::{self, Body, Localized};
use crate::email::{Attachment, OutgoingEmail};
use crate::i18n::{td_string, Locale};
use crate::infra::clock::{format_local, now};

fn meetup_url(base: &str, event: &EventInfo) -> String {
    format!("{base}/meetups/{}", event.id)
}

/// The event's city in `locale` (`EventInfo::city` holds both names: "成都 Chengdu").
pub fn city_in(event: &EventInfo, locale: Locale) -> &str {
    let (zh, en) = event.city.split_once(' ').unwrap_or((&event.city, &event.city));
    crate::language::city_name(locale, zh, en)
}

fn when_where(event: &EventInfo, l: Locale) -> String {
    let place = match (event.venue.trim(), event.address.trim()) {
        ("", "") => td_string!(l, email.meetup.venue_tba).to_string(),
        (venue, "") => venue.to_string(),
        ("", address) => address.to_string(),
        (venue, address) => td_string!(l, email.meetup.venue_address, venue = venue, address = address).to_string(),
    };
    let when = format_local(event.starts_at, &event.timezone, l);
    td_string!(l, email.meetup.when_where, when = when, timezone = crate::infra::clock::zone_label(&event.timezone, l), city = city_in(event, l), place = place).to_string()
}

/// "Title: Sat 6 Dec 2026, 19:00 (Beijing time), Chengdu, Hall 1, 1 Main St"
fn title_details(event: &EventInfo, l: Locale) -> String {
    td_string!(l, email.meetup.title_details, title = &event.title, details = when_where(event, l)).to_string()
}

fn greeting(l: Locale, name: Option<&str>) -> String {
    match name {
        Some(name) => td_string!(l, email.hello_name, name = name).to_string(),
        None => td_string!(l, email.hello).to_string(),
    }
}

/// The meetup as a calendar file.
pub fn ics_attachment(event: &EventInfo, base: &str, locale: Locale) -> Attachment {
    let ics = super::ics::calendar_of(locale, &event.title, std::slice::from_ref(event), base, now());
    Attachment::file("meetup.ics", "text/calendar; charset=utf-8", ics)
}

/// An email about `event`, optionally with its calendar file.
struct About<'a> {
    kind: &'static str,
    key: String,
    to: &'a str,
    subject: String,
    body: Body<'a>,
    event: &'a EventInfo,
    attach_ics: bool,
    base: &'a str,
}

impl About<'_> {
    fn build(self, locale: Locale) -> OutgoingEmail {
        let mut mail = templates::message(locale, self.kind, self.key, self.to, self.subject, &self.body);
        mail.event_id = Some(self.event.id);
        if self.attach_ics {
            mail.attachments.push(ics_attachment(self.event, self.base, locale));
        }
        mail
    }
}

/// A confirmed seat: at sign-up, or on moving up from the waiting list.
#[allow(clippy::too_many_arguments)]
pub fn seat_confirmed(
    l: Locale,
    event: &EventInfo,
    to: &str,
    name: &str,
    ticket: &str,
    registration: i64,
    generation: i64,
    base: &str,
    promoted: bool,
) -> OutgoingEmail {
    let (subject, opening) = if promoted {
        (td_string!(l, email.meetup.promoted.subject, title = &event.title).to_string(), td_string!(l, email.meetup.promoted.moved_up).to_string())
    } else {
        (td_string!(l, email.meetup.seat.subject, title = &event.title).to_string(), td_string!(l, email.meetup.seat.confirmed).to_string())
    };
    let url = meetup_url(base, event);
    About {
        kind: if promoted { "seat_promoted" } else { "seat_confirmed" },
        key: format!("seat:{registration}:{generation}"),
        to,
        subject,
        body: Body {
            greeting: greeting(l, Some(name)),
            paragraphs: vec![
                opening,
                title_details(event, l),
                td_string!(l, email.meetup.seat.at_the_door, code = ticket).to_string(),
                td_string!(l, email.meetup.seat.cannot_come).to_string(),
            ],
            link: Some((td_string!(l, email.meetup.seat.button), &url)),
        },
        event,
        attach_ics: true,
        base,
    }
    .build(l)
    .with_ticket_qr(ticket, super::tickets::check_in_url(base, event.id, ticket))
}

impl OutgoingEmail {
    /// Shows the ticket's QR code in the message (a PNG drawn when it is delivered: mail
    /// apps show SVG as nothing), with the code as text beside it, above the button.
    fn with_ticket_qr(mut self, code: &str, check_in_url: String) -> OutgoingEmail {
        let code = templates::escape_html(code);
        let block = format!(
            "<p style=\"text-align:center;margin:20px 0\"><img src=\"cid:{TICKET_QR}\" width=\"240\" height=\"240\" alt=\"{code}\" \
             style=\"width:240px;height:240px;image-rendering:pixelated\"><br>\
             <span style=\"font-family:monospace;font-size:22px;letter-spacing:2px\">{code}</span></p>"
        );
        let at = self.html.find("<p><a href=").or_else(|| self.html.find("</body>")).unwrap_or(self.html.len());
        self.html.insert_str(at, &block);
        self.attachments.push(Attachment::inline_qr_code("ticket-qr.png", TICKET_QR, check_in_url));
        self
    }
}

/// The ticket QR code's `Content-ID` in the ticket email.
pub const TICKET_QR: &str = "ticket-qr@tongcheng";

/// The outbox key of a place's "you are number N" notice (`places` withdraws it by this).
pub fn waitlist_notice_key(registration: i64, generation: i64) -> String {
    format!("waitlist:{registration}:{generation}")
}

/// The outbox keys of a draw's "not this time, you are number N" notices start with
/// this; the fan's id follows (`admission::waiting` queues them, `places` withdraws one).
pub fn draw_notice_prefix(event_id: i64) -> String {
    format!("draw:{event_id}:")
}

/// The outbox key of the draw's notice to one fan.
pub fn draw_notice_key(event_id: i64, user_id: i64) -> String {
    format!("{}{user_id}", draw_notice_prefix(event_id))
}

#[allow(clippy::too_many_arguments)]
pub fn waitlisted(l: Locale, event: &EventInfo, to: &str, name: &str, position: i64, registration: i64, generation: i64, base: &str) -> OutgoingEmail {
    let url = meetup_url(base, event);
    About {
        kind: "waitlisted",
        key: waitlist_notice_key(registration, generation),
        to,
        subject: td_string!(l, email.meetup.waitlisted.subject, title = &event.title).to_string(),
        body: Body {
            greeting: greeting(l, Some(name)),
            paragraphs: vec![
                td_string!(l, email.meetup.waitlisted.position, title = &event.title, position = position).to_string(),
                td_string!(l, email.meetup.waitlisted.next).to_string(),
            ],
            link: Some((td_string!(l, email.meetup.page), &url)),
        },
        event,
        attach_ics: false,
        base,
    }
    .build(l)
}

/// The invitation sent to the city's fans when a meetup is published. The same text
/// goes to every fan of a language, so it is written once per language and copied per
/// recipient in SQL. A meetup whose seats are drawn (`draw_closes`: when applications
/// close) asks fans to apply, and says how the draw works and when applications close.
pub fn invitation(event: &EventInfo, draw_closes: Option<i64>, base: &str) -> Localized {
    let url = meetup_url(base, event);
    Localized::build(|l| {
        let official = td_string!(l, email.meetup.invitation.official, city = city_in(event, l)).to_string();
        let (subject, mut paragraphs, button) = match draw_closes {
            None => (
                td_string!(l, email.meetup.invitation.subject, title = &event.title).to_string(),
                vec![
                    official,
                    title_details(event, l),
                    match event.capacity {
                        Some(seats) => td_string!(l, email.meetup.invitation.seats, seats = seats).to_string(),
                        None => td_string!(l, email.meetup.invitation.everyone).to_string(),
                    },
                ],
                td_string!(l, email.meetup.invitation.button),
            ),
            Some(closes) => (
                td_string!(l, admission.email.invitation_subject, title = &event.title).to_string(),
                vec![
                    official,
                    title_details(event, l),
                    td_string!(l, admission.email.invitation_draw, closes = format_local(closes, &event.timezone, l)).to_string(),
                ],
                td_string!(l, admission.email.invitation_button),
            ),
        };
        if let (Some(_), Some(seats)) = (draw_closes, event.capacity) {
            paragraphs.push(td_string!(l, admission.email.invitation_seats, seats = seats).to_string());
        }
        let mail = About { kind: "invitation", key: String::new(), to: "", subject, body: Body { greeting: greeting(l, None), paragraphs, link: Some((button, &url)) }, event, attach_ics: false, base }.build(l);
        templates::unsubscribable_copy(mail, l, base)
    })
}

/// To everyone signed up, when the meetup changes, is postponed or is cancelled.
pub fn notice(event: &EventInfo, what: &str, base: &str) -> Localized {
    let url = meetup_url(base, event);
    Localized::build(|l| {
        let (kind, subject, line) = match what {
            "cancelled" => (
                "meetup_cancelled",
                td_string!(l, email.meetup.cancelled.subject, title = &event.title).to_string(),
                td_string!(l, email.meetup.cancelled.line),
            ),
            "postponed" => (
                "meetup_postponed",
                td_string!(l, email.meetup.postponed.subject, title = &event.title).to_string(),
                td_string!(l, email.meetup.postponed.line),
            ),
            _ => (
                "meetup_changed",
                td_string!(l, email.meetup.changed.subject, title = &event.title).to_string(),
                td_string!(l, email.meetup.changed.line),
            ),
        };
        About {
            kind,
            key: String::new(),
            to: "",
            subject,
            body: Body { greeting: greeting(l, None), paragraphs: vec![line.to_string(), title_details(event, l)], link: Some((td_string!(l, email.meetup.page), &url)) },
            event,
            attach_ics: what != "postponed",
            base,
        }
        .build(l)
    })
}

pub fn reminder(l: Locale, event: &EventInfo, to: &str, name: &str, ticket: &str, registration: i64, base: &str) -> OutgoingEmail {
    // The button opens the ticket itself (its QR code works offline once opened).
    let url = format!("{base}/tickets/{}", event.id);
    About {
        kind: "reminder",
        key: format!("reminder:{registration}:{}", event.starts_at),
        to,
        subject: td_string!(l, email.meetup.reminder.subject, title = &event.title).to_string(),
        body: Body {
            greeting: greeting(l, Some(name)),
            paragraphs: vec![
                td_string!(l, email.meetup.reminder.soon, title = &event.title).to_string(),
                when_where(event, l),
                td_string!(l, email.meetup.ticket_code, code = ticket).to_string(),
            ],
            link: Some((td_string!(l, email.meetup.reminder.button), &url)),
        },
        event,
        attach_ics: false,
        base,
    }
    .build(l)
}

/// A message from a gathering's organizer to everyone signed up: their words as they
/// wrote them, framed in each fan's language.
pub fn organizer_message(event: &EventInfo, organizer: &str, subject: &str, body: &str, base: &str) -> Localized {
    let url = meetup_url(base, event);
    Localized::build(|l| {
        About {
            kind: "organizer_message",
            key: String::new(),
            to: "",
            subject: td_string!(l, email.organizer_message.subject, subject = subject, title = &event.title).to_string(),
            body: Body {
                greeting: td_string!(l, email.organizer_message.writes, organizer = organizer, title = &event.title).to_string(),
                paragraphs: vec![body.to_string()],
                link: Some((td_string!(l, email.organizer_message.button), &url)),
            },
            event,
            attach_ics: false,
            base,
        }
        .build(l)
    })
}

/// To a fan who applied to organize gatherings: approved, declined or revoked.
pub fn organizer_decision(to: &str, name: &str, decision: &str, reason: &str, base: &str) -> Localized {
    let key = format!("organizer_decision:{to}:{decision}:{}", now());
    let url = format!("{base}/organize");
    Localized::build(|l| {
        let (subject, line) = match decision {
            "approved" => (td_string!(l, email.organizer_decision.approved_subject), td_string!(l, email.organizer_decision.approved)),
            "declined" => (td_string!(l, email.organizer_decision.declined_subject), td_string!(l, email.organizer_decision.declined)),
            _ => (td_string!(l, email.organizer_decision.revoked_subject), td_string!(l, email.organizer_decision.revoked)),
        };
        let mut paragraphs = vec![line.to_string()];
        if !reason.is_empty() {
            paragraphs.push(td_string!(l, email.organizer_decision.reason, reason = reason).to_string());
        }
        let body = Body { greeting: greeting(l, Some(name)), paragraphs, link: Some((td_string!(l, email.organizer_decision.button), &url)) };
        templates::message(l, "organizer_decision", key.clone(), to, subject.to_string(), &body)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meetups::{EventKind, EventStatus};

    fn event() -> EventInfo {
        EventInfo {
            id: 7,
            kind: EventKind::Official,
            status: EventStatus::Published,
            title: "Fan <meetup> & friends".into(),
            description: String::new(),
            city_id: 1,
            city: "成都 Chengdu".into(),
            timezone: "Asia/Shanghai".into(),
            venue: "Hall 1".into(),
            address: String::new(),
            starts_at: 1_795_845_600,
            ends_at: 1_795_856_400,
            capacity: Some(30),
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

    #[test]
    fn a_ticket_is_written_in_the_fans_language() {
        let e = event();
        let zh = seat_confirmed(Locale::zh_CN, &e, "a@b.cn", "小<米>", "K7QX-M2PA-9HVD", 1, 1, "http://x", false);
        assert_eq!(zh.subject, "你的门票：Fan <meetup> & friends");
        assert!(zh.text.starts_with("小<米>，你好！\n\n你的名额已确认。"), "{}", zh.text);
        assert!(zh.text.contains("2026年11月28日 周六 14:00（北京时间），成都，Hall 1"), "{}", zh.text);
        assert!(zh.html.contains("小&lt;米&gt;，你好！") && zh.html.contains("Fan &lt;meetup&gt; &amp; friends"));
        assert!(!zh.html.contains("<meetup>"));

        let en = seat_confirmed(Locale::en, &e, "a@b.cn", "Li", "K7QX-M2PA-9HVD", 1, 1, "http://x", true);
        assert_eq!(en.subject, "You're in: Fan <meetup> & friends");
        assert!(en.text.starts_with("Hello Li,\n\nGood news:"), "{}", en.text);
        assert!(en.text.contains("Sat 28 Nov 2026, 14:00 (Beijing time), Chengdu, Hall 1"), "{}", en.text);
        assert!(en.text.contains("Your ticket code: K7QX-M2PA-9HVD."));
        let ics = &en.attachments.iter().find(|a| a.filename == "meetup.ics").expect("calendar file").content;
        assert!(ics.contains("LOCATION:Hall 1 Chengdu"), "{ics}");
        assert_eq!(en.attachments.len(), 2, "calendar file and QR code");
    }

    #[test]
    fn mail_to_many_fans_is_written_in_each_language() {
        let e = event();
        let invitation = invitation(&e, None, "http://x");
        assert_eq!(invitation.get(Locale::zh_CN).subject, "诚邀参加：Fan <meetup> & friends");
        assert!(invitation.get(Locale::zh_CN).text.contains("同城会团队将在成都举办官方聚会"));
        assert_eq!(invitation.get(Locale::en).subject, "You're invited: Fan <meetup> & friends");
        assert!(invitation.get(Locale::en).text.contains("official meetup in Chengdu"));
        let draw = super::invitation(&e, Some(e.starts_at - 86_400), "http://x");
        assert_eq!(draw.get(Locale::zh_CN).subject, "申请参加：Fan <meetup> & friends");
        assert!(draw.get(Locale::zh_CN).text.contains("请在 2026年11月27日 周五 14:00 之前申请"), "{}", draw.get(Locale::zh_CN).text);
        assert!(draw.get(Locale::zh_CN).text.contains("立即申请") && !draw.get(Locale::zh_CN).text.contains("先到先得"));
        assert_eq!(draw.get(Locale::en).subject, "Apply for a seat: Fan <meetup> & friends");
        assert!(draw.get(Locale::en).text.contains("apply by Fri 27 Nov 2026, 14:00"), "{}", draw.get(Locale::en).text);
        assert!(!draw.get(Locale::en).text.contains("first come"));
        let cancelled = notice(&e, "cancelled", "http://x");
        assert_eq!((cancelled.kind, cancelled.get(Locale::en).subject.as_str()), ("meetup_cancelled", "Cancelled: Fan <meetup> & friends"));
        let decision = organizer_decision("a@b.cn", "Li", "approved", "", "http://x");
        assert_eq!(decision.get(Locale::en).subject, "You are now a Tongcheng organizer");
        assert_eq!(decision.get(Locale::en).idempotency_key, decision.get(Locale::zh_CN).idempotency_key);
        let message = organizer_message(&e, "Wang", "Bring <snacks>", "Line one\nLine two", "http://x");
        assert!(message.get(Locale::en).html.contains("Line one<br>Line two"));
        assert!(message.get(Locale::zh_CN).text.starts_with("“Fan <meetup> & friends”的组织者 Wang 给你发来消息："));
    }
}
