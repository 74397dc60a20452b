//! Tickets: the code a fan shows at the door, and its QR code (the check-in link, which
//! staff can open with a phone camera).
use crate::infra::dialect::Dialect;
use rand::Rng;

/// The code's characters: no 0/O, 1/I. 32 of them, so 5 random bits pick one.
const ALPHABET: &str = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// An unguessable, easy-to-type ticket code like `K7QX-M2PA-9HVD` (no 0/O, 1/I).
pub fn new_ticket_code() -> String {
    let alphabet = ALPHABET.as_bytes();
    let mut rng = rand::rngs::OsRng;
    (0..3)
        .map(|_| (0..4).map(|_| alphabet[rng.gen_range(0..alphabet.len())] as char).collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// A code as a fan or a door may give it ("k7qx m2pa-9hvd", "K7QXM2PA9HVD") in the
/// form it is stored in ("K7QX-M2PA-9HVD"); anything else stays as typed, upper case
/// (and matches no ticket).
pub fn normalize_code(raw: &str) -> String {
    let bare: String = raw.chars().filter(|c| !c.is_whitespace() && *c != '-').flat_map(char::to_uppercase).collect();
    if bare.len() == 12 && bare.chars().all(|c| ALPHABET.contains(c)) {
        format!("{}-{}-{}", &bare[0..4], &bare[4..8], &bare[8..12])
    } else {
        raw.trim().to_uppercase()
    }
}

/// The same kind of code made by the database, for statements that give many fans a
/// place at once: `(per_row_random, code)`. Select `per_row_random AS r` in an inner
/// query, then `code` over its rows. PostgreSQL: five random bits from each of twelve
/// bytes of a version-4 UUID (`gen_random_uuid`, the server's strong random source;
/// byte 6 holds the version and is skipped; a subquery whose columns call a volatile
/// function is not flattened, so each row draws once). SQLite: five bits of a fresh
/// `random()` per character (its generator is seeded from the operating system).
/// 60 random bits a code, like `new_ticket_code`; the unique index refuses a repeat
/// (the transaction then fails and is tried again).
pub fn sql_codes(dialect: Dialect) -> (&'static str, String) {
    let pick = |bits: String| format!("substr('{ALPHABET}', 1 + ({bits}), 1)");
    let chars: Vec<String> = match dialect {
        Dialect::Postgres => [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12].iter().map(|byte| pick(format!("get_byte(r, {byte}) & 31"))).collect(),
        Dialect::Sqlite => (0..12).map(|_| pick("random() & 31".into())).collect(),
    };
    let groups: Vec<String> = chars.chunks(4).map(|group| group.join(" || ")).collect();
    let per_row_random = match dialect {
        Dialect::Postgres => "uuid_send(gen_random_uuid())",
        Dialect::Sqlite => "0",
    };
    (per_row_random, groups.join(" || '-' || "))
}

/// The door page with the ticket filled in; it names the event, so a ticket shown at the
/// wrong door is refused.
pub fn check_in_url(base: &str, event_id: i64, code: &str) -> String {
    format!("{base}/staff/check-in?event={event_id}&code={code}")
}

/// The ticket as a QR code (SVG) of its check-in link.
pub fn ticket_qr(base: &str, event_id: i64, code: &str) -> Option<String> {
    crate::email::qr_svg(&check_in_url(base, event_id, code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_however_they_are_typed() {
        assert_eq!(normalize_code(" k7qx-m2pa-9hvd\n"), "K7QX-M2PA-9HVD");
        assert_eq!(normalize_code("K7QXM2PA9HVD"), "K7QX-M2PA-9HVD");
        assert_eq!(normalize_code("k7qx m2pa 9hvd"), "K7QX-M2PA-9HVD");
        // Not a code (0 and O are never in one; too short): left as typed, upper case.
        assert_eq!(normalize_code("K7QX-M2PA-9HV0"), "K7QX-M2PA-9HV0");
        assert_eq!(normalize_code("abc"), "ABC");
        assert_eq!(normalize_code("ÄÖÜ-ÄÖÜ-ÄÖÜ-ÄÖÜ"), "ÄÖÜ-ÄÖÜ-ÄÖÜ-ÄÖÜ");
        let code = new_ticket_code();
        assert_eq!(normalize_code(&code.replace('-', "").to_lowercase()), code);
    }
}
