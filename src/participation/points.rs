//! What taking part is worth. Points are paid into an append-only ledger, each payment
//! named by its source so that paying twice is impossible (see `awards`).

/// Attending an official meetup (met the team).
pub const ATTEND_OFFICIAL: i64 = 10;
/// Attending a fan-run gathering.
pub const ATTEND_GATHERING: i64 = 5;
/// Organizing a gathering at least one fan attended.
pub const ORGANIZE_GATHERING: i64 = 20;
/// Earning a badge.
pub const BADGE: i64 = 5;

/// Points for attending an event of `kind` (`official` or `gathering`; a festival
/// session is an official event).
pub fn for_attending(kind: &str) -> i64 {
    if kind == "gathering" { ATTEND_GATHERING } else { ATTEND_OFFICIAL }
}

/// The ledger keys: one payment per fan and event, per organized event, per badge.
pub fn attend_key(event_id: i64, user_id: i64) -> String {
    format!("attend:{event_id}:{user_id}")
}

pub fn organize_key(event_id: i64) -> String {
    format!("organize:{event_id}")
}

pub fn badge_key(user_id: i64, badge: super::Badge) -> String {
    format!("badge:{user_id}:{}", badge.key())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meeting_the_team_is_worth_more_than_a_gathering() {
        assert_eq!(for_attending("official"), ATTEND_OFFICIAL);
        assert_eq!(for_attending("gathering"), ATTEND_GATHERING);
        assert!(ATTEND_OFFICIAL > ATTEND_GATHERING);
    }

    #[test]
    fn keys_name_one_payment_each() {
        assert_eq!(attend_key(3, 4), "attend:3:4");
        assert_ne!(attend_key(3, 4), attend_key(4, 3));
        assert_eq!(organize_key(9), "organize:9");
        assert_eq!(badge_key(4, super::super::Badge::EarlyFan), "badge:4:early_fan");
    }
}
