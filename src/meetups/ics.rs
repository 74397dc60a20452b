//! iCalendar (RFC 5545) text for calendar feeds and email invitations.

/// A calendar of stored events, each linking to its page: the one builder from an event
/// to its entry, for the feeds and for the file attached to emails. The city in each
/// location is named in `locale`; titles and descriptions are the organizers' own.
#[cfg(feature = "ssr")]
pub fn calendar_of(locale: crate::i18n::Locale, name: &str, events: &[super::repo::EventInfo], base: &str, now: i64) -> String {
    let urls: Vec<String> = events.iter().map(|e| format!("{base}/meetups/{}", e.id)).collect();
    let locations: Vec<String> = events
        .iter()
        .map(|e| [e.venue.trim(), e.address.trim(), super::emails::city_in(e, locale)].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(" "))
        .collect();
    let entries: Vec<IcsEvent<'_>> = events
        .iter()
        .zip(urls.iter().zip(&locations))
        .map(|(e, (url, location))| IcsEvent {
            uid: format!("event-{}@tongcheng", e.id),
            starts_at: e.starts_at,
            ends_at: e.ends_at,
            title: &e.title,
            location,
            description: &e.description,
            url,
            cancelled: e.status == super::EventStatus::Cancelled,
        })
        .collect();
    calendar(name, &entries, now)
}

/// One event in a calendar.
pub struct IcsEvent<'a> {
    pub uid: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub title: &'a str,
    pub location: &'a str,
    pub description: &'a str,
    pub url: &'a str,
    pub cancelled: bool,
}

/// `20261128T060000Z` for a unix time.
pub fn utc_stamp(timestamp: i64) -> String {
    let date = crate::text::date_label(timestamp).replace('-', "");
    let secs = timestamp.rem_euclid(86_400);
    format!("{date}T{:02}{:02}{:02}Z", secs / 3600, secs / 60 % 60, secs % 60)
}

/// Escapes a TEXT value. Every line break (CRLF, LF or a lone CR) becomes `\n`; other
/// control characters (tab aside) are dropped, so no value can start a property of its own.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets, never inside a UTF-8 character.
pub fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out
}

/// A whole calendar with the given events.
pub fn calendar(name: &str, events: &[IcsEvent<'_>], now: i64) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//Tongcheng//Meetups//EN".to_string(),
        "CALSCALE:GREGORIAN".to_string(),
        "METHOD:PUBLISH".to_string(),
        format!("X-WR-CALNAME:{}", escape(name)),
    ];
    for event in events {
        lines.extend([
            "BEGIN:VEVENT".to_string(),
            format!("UID:{}", event.uid),
            format!("DTSTAMP:{}", utc_stamp(now)),
            format!("DTSTART:{}", utc_stamp(event.starts_at)),
            format!("DTEND:{}", utc_stamp(event.ends_at)),
            format!("SUMMARY:{}", escape(event.title)),
            format!("LOCATION:{}", escape(event.location)),
            format!("DESCRIPTION:{}", escape(&crate::text::plain(event.description))),
            format!("URL:{}", event.url),
            format!("STATUS:{}", if event.cancelled { "CANCELLED" } else { "CONFIRMED" }),
            "END:VEVENT".to_string(),
        ]);
    }
    lines.push("END:VCALENDAR".to_string());
    lines.iter().map(|l| fold(l) + "\r\n").collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_utc() {
        assert_eq!(utc_stamp(1_795_845_600), "20261128T060000Z");
        assert_eq!(utc_stamp(0), "19700101T000000Z");
    }

    #[test]
    fn text_is_escaped_and_long_lines_fold_on_character_boundaries() {
        assert_eq!(escape("a;b,c\\d\ne"), "a\\;b\\,c\\\\d\\ne");
        assert_eq!(escape("a\r\nb\rc\nd"), "a\\nb\\nc\\nd", "a lone CR is a line break too");
        assert_eq!(escape("x\rBEGIN:VEVENT\u{0}\u{1b}"), "x\\nBEGIN:VEVENT");
        assert!(!escape("\r\u{b}\u{c}\u{85}").chars().any(char::is_control));
        let folded = fold(&format!("SUMMARY:{}", "深圳".repeat(30)));
        for line in folded.split("\r\n") {
            assert!(line.len() <= 75, "{} octets", line.len());
        }
        assert_eq!(folded.replace("\r\n ", ""), format!("SUMMARY:{}", "深圳".repeat(30)));
    }

    #[test]
    fn calendar_has_one_event_block_per_event() {
        let event = IcsEvent {
            uid: "event-1@tongcheng".into(),
            starts_at: 1_795_845_600,
            ends_at: 1_795_856_400,
            title: "Meetup, Shenzhen",
            location: "Hall 1",
            description: "Bring friends",
            url: "http://x/meetups/1",
            cancelled: false,
        };
        let ics = calendar("Shenzhen", &[event], 0);
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), 1);
        assert!(ics.contains("DTSTART:20261128T060000Z\r\n"));
        assert!(ics.contains("SUMMARY:Meetup\\, Shenzhen\r\n"));
    }
}
