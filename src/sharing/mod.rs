//! Sharing and growth: share cards (`components::share`), posters for WeChat Moments
//! (`poster`), and fans who bring fans (`referrals`). The rules — who counts for whom,
//! which addresses are one inbox, how far a city is from the planner's threshold — are
//! plain functions here and in `inbox`; I/O stays in the ssr-only modules.
pub mod api;
#[cfg(feature = "ssr")]
pub mod arrival;
pub mod inbox;
#[cfg(feature = "ssr")]
pub mod poster;
#[cfg(feature = "ssr")]
pub mod poster_route;
#[cfg(feature = "ssr")]
pub mod referrals;

/// The query parameter a fan's links carry.
pub const REF_PARAM: &str = "ref";
/// The cookie remembering the first fan whose link brought a visitor: `code.arrived_at`.
pub const REF_COOKIE: &str = "tc_ref";
/// A visitor who registers within this long of arriving through a link counts.
pub const ARRIVAL_WINDOW_SECS: i64 = 30 * 86_400;
/// A registration deleted within this long of being made never counted.
pub const GRACE_SECS: i64 = 7 * 86_400;
/// Badges at these numbers of fans brought (`participation::badges`).
pub const BRINGER_BADGES: [i64; 3] = [1, 5, 20];
/// Letters of a referral code: lower case and digits without look-alikes (0/o, 1/l).
const CODE_ALPHABET: &[u8] = b"23456789abcdefghijkmnpqrstuvwxyz";
pub const CODE_LEN: usize = 10;

/// A referral code as a link carries it, if it is one (anything else is ignored).
pub fn parse_code(raw: &str) -> Option<String> {
    let code = raw.trim().to_ascii_lowercase();
    (code.len() == CODE_LEN && code.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(code)
}

/// A new code from random bytes (one letter per byte).
pub fn code_from(bytes: [u8; CODE_LEN]) -> String {
    bytes.iter().map(|b| CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()] as char).collect()
}

/// The remembered arrival, from the cookie's value: (code, arrived_at).
pub fn parse_arrival(value: &str) -> Option<(String, i64)> {
    let (code, at) = value.split_once('.')?;
    Some((parse_code(code)?, at.parse().ok()?))
}

/// Why a registration does not count for the fan whose link brought it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotCounted {
    /// Registered more than 30 days after arriving.
    TooLate,
    /// The referrer's own inbox (another alias of it).
    Oneself,
    /// Registered while logged in to an existing account.
    ExistingAccount,
}

/// Whether a registration counts for the referrer: the pure rule, given when the visitor
/// arrived, when they registered, both inboxes (normalized) and whether the browser was
/// logged in to an account already. That the inbox was never counted before is the
/// database's rule (one row per inbox).
pub fn referral_rule(arrived_at: i64, registered_at: i64, referrer_inbox: &str, new_inbox: &str, logged_in: bool) -> Result<(), NotCounted> {
    if logged_in {
        return Err(NotCounted::ExistingAccount);
    }
    if registered_at - arrived_at > ARRIVAL_WINDOW_SECS || registered_at < arrived_at - 86_400 {
        return Err(NotCounted::TooLate);
    }
    if referrer_inbox == new_inbox {
        return Err(NotCounted::Oneself);
    }
    Ok(())
}

/// Whether deleting an account registered at `registered_at` takes back its referral.
pub fn deletion_takes_back(registered_at: i64, deleted_at: i64) -> bool {
    deleted_at - registered_at < GRACE_SECS
}

/// How many more confirmed fans a city needs to reach the planner's threshold
/// (`min_fans`): `None` once it has reached it.
pub fn fans_to_threshold(verified_fans: i64, min_fans: i64) -> Option<i64> {
    (verified_fans < min_fans).then(|| min_fans - verified_fans)
}

/// A page's address with the sharer's code.
pub fn with_ref(url: &str, code: Option<&str>) -> String {
    match code {
        Some(code) if url.contains('?') => format!("{url}&{REF_PARAM}={code}"),
        Some(code) => format!("{url}?{REF_PARAM}={code}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_ten_unambiguous_letters_and_anything_else_is_ignored() {
        let code = code_from([0, 1, 31, 32, 200, 255, 7, 8, 9, 10]);
        assert_eq!(code.len(), CODE_LEN);
        assert_eq!(parse_code(&code), Some(code.clone()));
        assert_eq!(parse_code(&code.to_uppercase()), Some(code.clone()), "typed in capitals");
        assert_eq!(parse_code("abc"), None);
        assert_eq!(parse_code("<script>ab"), None);
        assert_eq!(parse_code("0000000000"), None, "no look-alike letters");
        assert_eq!(parse_arrival(&format!("{code}.1700000000")), Some((code.clone(), 1_700_000_000)));
        assert_eq!(parse_arrival(&format!("{code}.x")), None);
        assert_eq!(parse_arrival("nothing"), None);
    }

    #[test]
    fn a_registration_counts_within_thirty_days_for_someone_else_only() {
        let day = 86_400;
        assert_eq!(referral_rule(0, 29 * day, "a@x.cn", "b@x.cn", false), Ok(()));
        assert_eq!(referral_rule(0, 30 * day, "a@x.cn", "b@x.cn", false), Ok(()));
        assert_eq!(referral_rule(0, 30 * day + 1, "a@x.cn", "b@x.cn", false), Err(NotCounted::TooLate));
        assert_eq!(referral_rule(5 * day, 0, "a@x.cn", "b@x.cn", false), Err(NotCounted::TooLate), "an arrival in the future is not believed");
        assert_eq!(referral_rule(0, day, "a@x.cn", "a@x.cn", false), Err(NotCounted::Oneself));
        assert_eq!(referral_rule(0, day, "a@x.cn", "b@x.cn", true), Err(NotCounted::ExistingAccount));
    }

    #[test]
    fn only_a_deletion_within_seven_days_takes_the_referral_back() {
        assert!(deletion_takes_back(0, GRACE_SECS - 1));
        assert!(!deletion_takes_back(0, GRACE_SECS));
    }

    #[test]
    fn the_threshold_gap_is_what_is_missing_and_nothing_once_reached() {
        assert_eq!(fans_to_threshold(480, 500), Some(20));
        assert_eq!(fans_to_threshold(500, 500), None);
        assert_eq!(fans_to_threshold(0, 500), Some(500));
    }

    #[test]
    fn links_carry_the_code_after_their_own_query() {
        assert_eq!(with_ref("https://t.cn/meetups/3", Some("abcdefghij")), "https://t.cn/meetups/3?ref=abcdefghij");
        assert_eq!(with_ref("https://t.cn/where-next?city=2", Some("abcdefghij")), "https://t.cn/where-next?city=2&ref=abcdefghij");
        assert_eq!(with_ref("https://t.cn/meetups/3", None), "https://t.cn/meetups/3");
    }
}
