//! The flash cookie: a plain form post's outcome, carried across its redirect to the
//! next page render (see `components::flash`). Short-lived, HttpOnly, read once.
use crate::components::flash::Flash;
use axum::http::HeaderMap;
use base64::Engine;

pub const COOKIE: &str = "tongcheng_flash";
/// Browsers keep cookies up to 4 KB; long texts are not worth more.
const MAX_BYTES: usize = 3_000;
const ENGINE: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Fields never written into a cookie.
fn is_secret(name: &str) -> bool {
    ["password", "token", "secret", "code"].iter().any(|word| name.contains(word))
}

/// The `Set-Cookie` value for a flash, dropping the typed fields if it would be too big.
/// `name` is `COOKIE` as the site names it (`Config::cookie_name`).
pub fn set_cookie(flash: &Flash, name: &str, secure: bool) -> Option<String> {
    let mut flash = flash.clone();
    flash.fields.retain(|(name, _)| !is_secret(name));
    let mut value = ENGINE.encode(serde_json::to_vec(&flash).ok()?);
    if value.len() > MAX_BYTES {
        flash.fields.clear();
        value = ENGINE.encode(serde_json::to_vec(&flash).ok()?);
    }
    if value.len() > MAX_BYTES {
        return None;
    }
    let secure = super::headers::secure_attribute(secure);
    Some(format!("{name}={value}; Path=/; Max-Age=60; HttpOnly; SameSite=Lax{secure}"))
}

pub fn read(headers: &HeaderMap, name: &str) -> Option<Flash> {
    let value = super::headers::cookie(headers, name)?;
    serde_json::from_slice(&ENGINE.decode(value).ok()?).ok()
}

/// The page a plain form post returns to, with only this post's error in its address.
/// Leptos adds `__path` and `__err` to the page the form was on, whose address may
/// already hold an earlier post's: pages read the first pair, so a second mistake
/// would show the first one's message. Earlier pairs go; after a success, all of them.
pub fn fresh_return(location: &str, failed: bool) -> String {
    let (address, fragment) = location.split_once('#').map_or((location, None), |(a, f)| (a, Some(f)));
    let Some((path, query)) = address.split_once('?') else { return location.to_string() };
    let is_error_part = |pair: &&str| pair.starts_with("__path=") || pair.starts_with("__err=");
    let pairs: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
    let last_error_pairs: Vec<&str> = match failed {
        true => ["__path=", "__err="].iter().filter_map(|key| pairs.iter().rev().find(|p| p.starts_with(key)).copied()).collect(),
        false => Vec::new(),
    };
    let kept: Vec<&str> = pairs.iter().copied().filter(|p| !is_error_part(p)).chain(last_error_pairs).collect();
    let mut fresh = if kept.is_empty() { path.to_string() } else { format!("{path}?{}", kept.join("&")) };
    if let Some(fragment) = fragment {
        fresh.push('#');
        fresh.push_str(fragment);
    }
    fresh
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_form_post_returns_with_only_its_own_error() {
        use super::fresh_return;
        let twice = "/account?lang=en&__path=%2Fapi%2Fa&__err=first&__path=%2Fapi%2Fb&__err=second";
        assert_eq!(fresh_return(twice, true), "/account?lang=en&__path=%2Fapi%2Fb&__err=second");
        assert_eq!(fresh_return(twice, false), "/account?lang=en", "a success shows no old error");
        assert_eq!(fresh_return("/account?__path=x&__err=y#delete", false), "/account#delete");
        assert_eq!(fresh_return("/account?__path=x&__err=y", true), "/account?__path=x&__err=y");
        assert_eq!(fresh_return("/account", false), "/account");
    }

    use super::*;
    use axum::http::{header, HeaderValue};

    fn round_trip(flash: &Flash) -> Option<Flash> {
        let cookie = set_cookie(flash, COOKIE, false)?;
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_str(cookie.split(';').next()?).ok()?);
        read(&headers, COOKIE)
    }

    #[test]
    fn passwords_never_reach_the_cookie_and_long_texts_are_dropped() {
        let fields = vec![("display_name".to_string(), "李雷".to_string()), ("password".to_string(), "hunter22".to_string())];
        let flash = Flash { path: "/api/register".into(), ok: None, fields };
        let back = round_trip(&flash).expect("a cookie");
        assert_eq!(back.field("display_name"), Some("李雷"));
        assert_eq!(back.field("password"), None);

        let long = Flash { path: "/api/save".into(), ok: None, fields: vec![("description".into(), "长".repeat(4000))] };
        let back = round_trip(&long).expect("still a cookie, without the text");
        assert_eq!((back.path.as_str(), back.fields.len()), ("/api/save", 0));
        assert_eq!(back.ok_for("/api/save"), None);
    }
}
