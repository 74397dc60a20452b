//! The festival invitation, in every language (each fan gets the copy in theirs).
use super::repo::Festival;
use crate::email::templates::{self, Body, Localized};
use crate::i18n::td_string;
use crate::infra::clock::format_local;
use crate::meetups::repo::EventInfo;

/// The invitation to one session's city: the festival, the local session, the opening.
pub fn invitation(festival: &Festival, session: &EventInfo, base: &str) -> Localized {
    let url = format!("{base}/festival/{}", festival.id);
    Localized::build(|l| {
        let city = crate::meetups::emails::city_in(session, l);
        let starts = format_local(session.starts_at, &session.timezone, l);
        let opens = format_local(festival.opens_at, super::OPENING_TIMEZONE, l);
        let venue = if session.venue.trim().is_empty() { td_string!(l, festival.email.venue_tba).to_string() } else { session.venue.clone() };
        let body = Body {
            greeting: td_string!(l, email.hello).to_string(),
            paragraphs: vec![
                td_string!(l, festival.email.intro, name = &festival.name, city = city).to_string(),
                td_string!(l, festival.email.session, starts = starts, venue = venue, seats = session.capacity.unwrap_or_default()).to_string(),
                td_string!(l, festival.email.opens, opens = opens, timezone = crate::infra::clock::zone_label(super::OPENING_TIMEZONE, l)).to_string(),
                td_string!(l, festival.email.one_place).to_string(),
            ],
            link: Some((td_string!(l, festival.email.button), &url)),
        };
        let subject = td_string!(l, festival.email.subject, name = &festival.name, city = city).to_string();
        let mut mail = templates::message(l, "festival_invitation", String::new(), "", subject, &body);
        mail.event_id = Some(session.id);
        templates::unsubscribable_copy(mail, l, base)
    })
}
