//! Account types shared by the server and the browser. Input newtypes parse once, at the
//! edge, so the rest of the code never sees an unchecked email, name or password.
use crate::language::Text;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    Fan,
    Organizer,
    Staff,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Fan => "fan",
            Role::Organizer => "organizer",
            Role::Staff => "staff",
            Role::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Option<Role> {
        match raw {
            "fan" => Some(Role::Fan),
            "organizer" => Some(Role::Organizer),
            "staff" => Some(Role::Staff),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// Staff and admins run the community: dashboards, mailbox, moderation.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Staff | Role::Admin)
    }
}

/// The logged-in user as the pages see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub email_verified: bool,
    /// Invitations to official meetups by email.
    pub wants_invitations: bool,
    /// Shows their fan page and their name in the city's honour lists.
    pub public_profile: bool,
    pub home_city: HomeCity,
    /// A new address waiting for its link to be used (the old one is in use until then).
    pub pending_email: Option<String>,
    /// The language their emails are written in (a tag such as `zh-CN`).
    pub email_language: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HomeCity {
    pub id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub province_en: String,
    pub verified_fans: i64,
}

/// An email address as the site stores it: one plain `name@domain` (parsed by lettre, so
/// no display names, angle brackets, comments or quoted local parts), lower-cased, the
/// domain in its ASCII (IDNA) form, so one address has one spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    #[cfg(feature = "ssr")]
    pub fn parse(raw: &str) -> Result<Email, Text> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(crate::msg!(errors.email_required));
        }
        let too_long = || crate::msg!(errors.email_too_long);
        if raw.chars().count() > Self::MAX_LEN {
            return Err(too_long());
        }
        let malformed = || crate::msg!(errors.email_malformed);
        let address: lettre::Address = raw.parse().map_err(|_| malformed())?;
        let user = address.user();
        if user.starts_with('"') || user.chars().any(char::is_control) {
            return Err(malformed());
        }
        let domain = match url::Host::parse(address.domain()) {
            Ok(url::Host::Domain(domain)) if domain.contains('.') && !domain.ends_with('.') => domain,
            _ => return Err(malformed()),
        };
        let email = format!("{}@{domain}", user.to_lowercase());
        if email.len() > Self::MAX_LEN {
            return Err(too_long());
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A display name: 1 to 40 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX_CHARS: usize = 40;

    pub fn parse(raw: &str) -> Result<DisplayName, Text> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(crate::msg!(errors.name_required));
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err(crate::msg!(errors.at_most_chars, max = Self::MAX_CHARS));
        }
        if name.chars().any(|c| c.is_control() || is_direction_override(c)) {
            return Err(crate::msg!(errors.name_characters));
        }
        if name.chars().all(|c| c.is_whitespace() || is_invisible(c)) {
            return Err(crate::msg!(errors.name_invisible));
        }
        Ok(DisplayName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Characters that reverse or isolate the direction of the text after them: in a name
/// they can make what follows read backwards (and disguise it).
fn is_direction_override(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that take no room on screen (zero-width spaces and joiners, word joiner,
/// byte-order mark, soft hyphen, Hangul fillers).
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{3164}' | '\u{115F}' | '\u{1160}')
}

/// A new password: long enough to resist guessing, short enough to hash quickly.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

fn password_too_long() -> Text {
    crate::msg!(errors.at_most_chars, max = NewPassword::MAX_CHARS)
}

impl NewPassword {
    pub const MIN_CHARS: usize = 8;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(raw: &str) -> Result<NewPassword, Text> {
        match raw.chars().count() {
            n if n < Self::MIN_CHARS => Err(crate::msg!(errors.at_least_chars, min = Self::MIN_CHARS)),
            n if n > Self::MAX_CHARS => Err(password_too_long()),
            _ => Ok(NewPassword(raw.to_string())),
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A password typed to prove who you are (log-in, account deletion): not judged for
/// strength, only capped like `NewPassword`, so nobody can make argon2 hash megabytes.
#[derive(Clone, PartialEq, Eq)]
pub struct TypedPassword(String);

impl TypedPassword {
    pub fn parse(raw: &str) -> Result<TypedPassword, Text> {
        match raw.chars().count() {
            0 => Err(crate::msg!(errors.password_required)),
            n if n > NewPassword::MAX_CHARS => Err(password_too_long()),
            _ => Ok(TypedPassword(raw.to_string())),
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Passwords never show in logs or debug output.
macro_rules! hidden_debug {
    ($($name:ident),*) => {$(
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}(***)", stringify!($name))
            }
        }
    )*};
}
hidden_debug!(NewPassword, TypedPassword);

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "ssr")]
    #[test]
    fn email_is_trimmed_and_normalized() {
        assert_eq!(Email::parse("  Li.Lei@Example.COM ").unwrap().as_str(), "li.lei@example.com");
        assert_eq!(Email::parse("fan@例子.中国").unwrap().as_str(), "fan@xn--fsqu00a.xn--fiqs8s", "one spelling per domain");
        assert_eq!(Email::parse("fan@xn--fsqu00a.xn--fiqs8s").unwrap(), Email::parse("fan@例子.中国").unwrap());
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn malformed_emails_are_refused() {
        for raw in ["", "no-at-sign", "a@b", "a@@b.cn", "a b@c.cn", "@c.cn", "a@.cn", "a@c.", "a@c..cn"] {
            assert!(Email::parse(raw).is_err(), "{raw:?} should be refused");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn addresses_that_hide_another_address_are_refused() {
        for raw in [
            "x<me@evil.com>",
            "Fan <me@evil.com>",
            "\"x<y\"@example.com",
            "\"me@evil.com\"@example.com",
            "me@evil.com (comment)",
            "a@[127.0.0.1]",
            "a@127.0.0.1",
            "a,b@example.com",
            "a\u{0}b@example.com",
        ] {
            assert!(Email::parse(raw).is_err(), "{raw:?} should be refused");
        }
    }

    #[test]
    fn display_name_limits() {
        assert_eq!(DisplayName::parse(" 小米粉丝 ").unwrap().as_str(), "小米粉丝");
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse(&"名".repeat(41)).is_err());
        assert!(DisplayName::parse(&"名".repeat(40)).is_ok());
        assert!(DisplayName::parse("a\u{0007}b").is_err());
        assert!(DisplayName::parse("\u{200B}\u{200D}\u{FEFF}").is_err(), "only zero-width characters");
        assert!(DisplayName::parse("Admin\u{202E}nimda").is_err(), "a right-to-left override");
        assert!(DisplayName::parse("小米\u{200D}粉").is_ok(), "a joiner inside a visible name is fine");
    }

    #[test]
    fn password_limits() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse("long enough").is_ok());
        assert!(NewPassword::parse(&"x".repeat(129)).is_err());
        assert_eq!(format!("{:?}", NewPassword::parse("secret-password").unwrap()), "NewPassword(***)");
        assert!(TypedPassword::parse("").is_err());
        assert!(TypedPassword::parse(&"x".repeat(128)).is_ok());
        assert!(TypedPassword::parse(&"x".repeat(129)).is_err(), "the same cap as new passwords");
    }

    #[test]
    fn roles_round_trip() {
        for role in [Role::Fan, Role::Organizer, Role::Staff, Role::Admin] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert!(Role::Admin.is_staff() && Role::Staff.is_staff());
        assert!(!Role::Fan.is_staff() && !Role::Organizer.is_staff());
    }
}
