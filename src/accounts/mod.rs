//! Fan accounts: registration, email verification, log-in, password reset, profile.
pub mod api;
#[cfg(feature = "ssr")]
pub mod auth;
pub mod devices;
pub mod email_change;
#[cfg(feature = "ssr")]
pub mod emails;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod tokens;
mod types;
pub mod unsubscribe;

pub use types::{CurrentUser, DisplayName, Email, HomeCity, NewPassword, Role, TypedPassword};

/// The inbox an address delivers to, for rules that count people rather than accounts
/// (one draw entry per inbox, one referral per inbox): the local part without its
/// `+tag` (mail providers deliver `li+1@x.cn` to `li@x.cn`), and for Gmail without
/// dots. Addresses are stored lower-cased already. Other providers' aliases (QQ's
/// number and name addresses) cannot be told apart from the address and count apart.
pub fn canonical_inbox(email: &str) -> String {
    let (local, domain) = email.rsplit_once('@').unwrap_or((email, ""));
    let local = local.split('+').next().unwrap_or(local);
    match domain {
        "gmail.com" | "googlemail.com" => format!("{}@gmail.com", local.replace('.', "")),
        _ => format!("{local}@{domain}"),
    }
}

/// Where confirming an email ends: the confirmation page says it worked.
pub const VERIFIED_PATH: &str = "/verify?confirmed=1";

/// Where to go after logging in: a path on this site. `next` is read as a URL relative
/// to `PUBLIC_URL` (as a browser would read it: tabs and newlines dropped, `\` as `/`);
/// anything that leaves the site goes home. The answer is percent-encoded ASCII, safe
/// for a `Location` header.
#[cfg(feature = "ssr")]
pub fn safe_next(next: Option<&str>, public_url: &str) -> String {
    let home = || "/".to_string();
    let (Some(next), Ok(base)) = (next.filter(|n| n.starts_with('/')), url::Url::parse(public_url)) else {
        return home();
    };
    match base.join(next) {
        // A path starting `//` would name another host in a `Location` header.
        Ok(target) if target.origin() == base.origin() && !target.path().starts_with("//") => {
            target[url::Position::BeforePath..].to_string()
        }
        _ => home(),
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::{canonical_inbox, safe_next};

    #[test]
    fn one_inbox_however_tagged() {
        assert_eq!(canonical_inbox("li+draw1@example.com"), "li@example.com");
        assert_eq!(canonical_inbox("li@example.com"), "li@example.com");
        assert_eq!(canonical_inbox("l.i+x+y@gmail.com"), "li@gmail.com");
        assert_eq!(canonical_inbox("li@googlemail.com"), "li@gmail.com");
        assert_eq!(canonical_inbox("l.i@example.com"), "l.i@example.com", "dots matter elsewhere");
    }

    #[test]
    fn next_stays_on_site() {
        let site = "https://meetups.example.com";
        let next = |n: &str| safe_next(Some(n), site);
        assert_eq!(next("/account"), "/account");
        assert_eq!(next("/meetups/3?tab=list#top"), "/meetups/3?tab=list#top");
        assert_eq!(next("//evil.example"), "/");
        assert_eq!(next("https://evil.example"), "/");
        assert_eq!(next("/\\evil.example"), "/");
        assert_eq!(next("/\t/evil.example"), "/", "browsers drop the tab");
        assert_eq!(next("/\n/evil.example"), "/");
        assert_eq!(next("/.//evil.example"), "/");
        assert_eq!(next("/a\u{1}b\u{7f}c 名"), "/a%01b%7Fc%20%E5%90%8D", "control characters are encoded, never sent raw");
        assert_eq!(next("account"), "/");
        assert_eq!(safe_next(None, site), "/");
    }
}
