//! Which language a request is answered in: the visitor's choice (a cookie set by the
//! language switch), else their browser's `Accept-Language`, else Chinese. (The account
//! setting, between the two, is the accounts domain's: `server::locale`.)
use crate::i18n::Locale;
use crate::language::best_locale;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use leptos_i18n::Locale as _;
use leptos::prelude::use_context;

/// The cookie that remembers the language switch.
pub const LANG_COOKIE: &str = "tongcheng_lang";

pub fn from_cookie(headers: &HeaderMap) -> Option<Locale> {
    super::headers::cookie(headers, LANG_COOKIE).and_then(|value| value.parse().ok())
}

/// The browser's preference; `q` weights are ignored because browsers list languages
/// most preferred first.
pub fn from_accept_language(headers: &HeaderMap) -> Option<Locale> {
    let value = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    let tags: Vec<&str> = value
        .split(',')
        .filter_map(|part| part.split(';').next())
        .map(str::trim)
        .filter(|tag| !tag.is_empty() && *tag != "*")
        .collect();
    (!tags.is_empty()).then(|| best_locale(&tags))
}

/// The language a request is answered in, in its extensions; `chosen` when the visitor
/// picked it with the switch (the cookie), not guessed from the browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLocale {
    pub locale: Locale,
    pub chosen: bool,
}

/// Middleware: resolves the request's language for pages, server functions and error
/// pages. Pages differ by cookie and language, so caches must keep them apart.
pub async fn resolve(mut request: Request, next: Next) -> Response {
    let chosen = from_cookie(request.headers());
    let locale = chosen.or_else(|| from_accept_language(request.headers())).unwrap_or_default();
    request.extensions_mut().insert(locale);
    request.extensions_mut().insert(RequestLocale { locale, chosen: chosen.is_some() });
    let mut response = next.run(request).await;
    response.headers_mut().append(header::VARY, HeaderValue::from_static("Cookie, Accept-Language"));
    response
}

/// The `Set-Cookie` value that remembers a language for a year.
pub fn cookie(locale: Locale, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax{secure}", locale.as_str())
}

/// How the language of the request being answered was picked.
pub fn current_request() -> RequestLocale {
    use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<RequestLocale>().copied())
        .unwrap_or(RequestLocale { locale: Locale::default(), chosen: false })
}

/// The language of the request being answered (set by the locale middleware); in a
/// server function or while rendering a page.
pub fn current() -> Locale {
    use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Locale>().copied())
        .unwrap_or_default()
}

/// The language for messages printed by the command line: `LC_ALL`, `LC_MESSAGES` or
/// `LANG` (`en_US.UTF-8` is English); Chinese when none names a language we have.
pub fn terminal() -> Locale {
    terminal_from(|name| std::env::var(name).ok())
}

/// `terminal()` from these variables (the settings a configuration is read from).
pub fn terminal_from(var: impl Fn(&str) -> Option<String>) -> Locale {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|name| var(name))
        .find(|value| !value.is_empty())
        .map(|value| {
            let tag = value.split(['.', '@']).next().unwrap_or_default().replace('_', "-");
            if tag == "C" || tag == "POSIX" {
                Locale::default()
            } else {
                best_locale(&[tag.as_str()])
            }
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(name: header::HeaderName, value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn the_browser_language_picks_the_closest_catalogue() {
        let pick = |v| from_accept_language(&headers(header::ACCEPT_LANGUAGE, v));
        assert_eq!(pick("en-US,en;q=0.9"), Some(Locale::en));
        assert_eq!(pick("zh-TW,zh;q=0.9,en;q=0.5"), Some(Locale::zh_CN));
        assert_eq!(pick("fr-FR"), Some(Locale::zh_CN), "a language we lack falls back to Chinese");
        assert_eq!(pick("*"), None);
    }

    #[test]
    fn the_cookie_names_a_catalogue_or_nothing() {
        assert_eq!(from_cookie(&headers(header::COOKIE, "a=1; tongcheng_lang=en")), Some(Locale::en));
        assert_eq!(from_cookie(&headers(header::COOKIE, "tongcheng_lang=zh-CN")), Some(Locale::zh_CN));
        assert_eq!(from_cookie(&headers(header::COOKIE, "tongcheng_lang=klingon")), None);
    }
}
