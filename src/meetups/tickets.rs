//! Tickets: the code a fan shows at the door, and its QR code (the check-in link, which
//! staff can open with a phone camera).
use rand::Rng;

/// An unguessable, easy-to-type ticket code like `K7QX-M2PA-9HVD` (no 0/O, 1/I).
pub fn new_ticket_code() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut rng = rand::rngs::OsRng;
    (0..3)
        .map(|_| (0..4).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
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
