//! Hot pages as a visitor sees them, kept for a second. Before a flash sale opens,
//! thousands reload the meetup page; a visitor's copy (no cookies: no session, no
//! flash, no arrival) is the same for all of them in one language, so once a page is
//! asked for often (`HOT_VIEWS` in a second) one render serves the next second's
//! visitors, each with a fresh nonce. A page asked for now and then is always rendered
//! afresh, so nobody who edits a page and looks at it sees an old copy.
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use axum::body::Bytes;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Views of one page in one second that make it hot.
pub const HOT_VIEWS: u32 = 20;
/// How long a visitor's copy stands.
pub const FRESH_FOR: Duration = Duration::from_secs(1);
/// Pages kept at most (a storm is about a few pages; anything past this is dropped).
const PAGES_KEPT: usize = 256;

/// What a copy is kept under: the address and the language it is written in.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Key {
    path: String,
    language: String,
}

/// A copy: the page with the nonce it was rendered with.
#[derive(Clone)]
struct Copy {
    headers: HeaderMap,
    body: Bytes,
    nonce: String,
    made: Instant,
}

#[derive(Default)]
struct Page {
    window_started: Option<Instant>,
    views: u32,
    /// Hot until then: a second after `HOT_VIEWS` views came within one, or after the
    /// copy made while it was hot (a slow render does not cool the page down).
    hot_until: Option<Instant>,
    copy: Option<Copy>,
}

/// The decision for one view of a page: counts it, and says whether it is hot.
fn count_view(page: &mut Page, now: Instant) -> bool {
    match page.window_started {
        Some(start) if now.duration_since(start) < FRESH_FOR => page.views += 1,
        _ => {
            page.window_started = Some(now);
            page.views = 1;
        }
    }
    if page.views >= HOT_VIEWS {
        page.hot_until = Some(now + FRESH_FOR);
    }
    page.hot_until.is_some_and(|until| now < until)
}

#[derive(Clone, Default)]
pub struct PageCache(Arc<Mutex<HashMap<Key, Page>>>);

/// What `PageCache::lookup` found.
pub enum Lookup {
    /// A copy to send (already given its own nonce).
    Hit(Response<Body>),
    /// Render it; `keep` says whether to keep the result.
    Render { key: Key, keep: bool },
    /// Not a visitor's page: render it, keep nothing.
    Private,
}

impl PageCache {
    fn pages(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Page>> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts a view and answers it from a copy when the page is hot and has one.
    pub fn lookup(&self, request: &Request<Body>, language: &str) -> Lookup {
        let Some(key) = visitor_key(request, language) else { return Lookup::Private };
        let now = Instant::now();
        let mut pages = self.pages();
        if pages.len() >= PAGES_KEPT && !pages.contains_key(&key) {
            pages.retain(|_, page| page.hot_until.is_some_and(|until| now < until) || page.window_started.is_some_and(|s| now.duration_since(s) < FRESH_FOR));
            if pages.len() >= PAGES_KEPT {
                return Lookup::Render { key, keep: false };
            }
        }
        let page = pages.entry(key.clone()).or_default();
        let hot = count_view(page, now);
        match page.copy.as_ref().filter(|c| hot && now.duration_since(c.made) < FRESH_FOR) {
            Some(copy) => Lookup::Hit(with_fresh_nonce(copy.clone())),
            None => Lookup::Render { key, keep: hot },
        }
    }

    /// Keeps a rendered page for the next second's visitors, when it can be shared: a
    /// success, setting no cookie, with the nonce its policy names.
    pub async fn keep(&self, key: Key, response: Response<Body>) -> Response<Body> {
        if response.status() != StatusCode::OK || response.headers().contains_key(header::SET_COOKIE) {
            return response;
        }
        let (parts, body) = response.into_parts();
        let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
            return Response::from_parts(parts, Body::empty());
        };
        if let Some(nonce) = policy_nonce(&parts.headers) {
            let copy = Copy { headers: parts.headers.clone(), body: body.clone(), nonce, made: Instant::now() };
            if let Some(page) = self.pages().get_mut(&key) {
                page.hot_until = page.hot_until.max(Some(copy.made + FRESH_FOR));
                page.copy = Some(copy);
            }
        }
        Response::from_parts(parts, Body::from(body))
    }
}

/// The key of a visitor's view: a plain GET without a query and without cookies other
/// than the language's (a session, a flash or an arrival makes the page someone's own).
fn visitor_key(request: &Request<Body>, language: &str) -> Option<Key> {
    if request.method() != Method::GET || request.uri().query().is_some() {
        return None;
    }
    for cookies in request.headers().get_all(header::COOKIE) {
        let cookies = cookies.to_str().ok()?;
        let language_cookie = format!("{}=", crate::infra::locale::LANG_COOKIE);
        let only_language = cookies.split(';').map(str::trim).filter(|c| !c.is_empty()).all(|c| c.starts_with(&language_cookie));
        if !only_language {
            return None;
        }
    }
    Some(Key { path: request.uri().path().to_string(), language: language.to_string() })
}

/// The nonce a page's policy names (`script-src … 'nonce-…'`).
fn policy_nonce(headers: &HeaderMap) -> Option<String> {
    let policy = headers.get(header::CONTENT_SECURITY_POLICY)?.to_str().ok()?;
    let nonce = policy.split("'nonce-").nth(1)?.split('\'').next()?;
    (!nonce.is_empty()).then(|| nonce.to_string())
}

/// The copy with a nonce of its own: a nonce is only worth anything if nobody can know
/// it before the page arrives.
fn with_fresh_nonce(copy: Copy) -> Response<Body> {
    let nonce = fresh_nonce();
    let page = String::from_utf8_lossy(&copy.body).replace(&format!("nonce=\"{}\"", copy.nonce), &format!("nonce=\"{nonce}\""));
    let mut headers = copy.headers;
    if let Some(policy) = headers.get(header::CONTENT_SECURITY_POLICY).and_then(|p| p.to_str().ok()) {
        if let Ok(value) = HeaderValue::from_str(&policy.replace(&format!("'nonce-{}'", copy.nonce), &format!("'nonce-{nonce}'"))) {
            headers.insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    headers.remove(header::CONTENT_LENGTH);
    let mut response = Response::new(Body::from(page));
    *response.headers_mut() = headers;
    response
}

fn fresh_nonce() -> String {
    use base64::Engine as _;
    use rand::RngCore as _;
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(path: &str, cookie: Option<&str>) -> Request<Body> {
        let mut request = Request::get(path);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request.body(Body::empty()).unwrap()
    }

    #[test]
    fn a_page_is_hot_after_enough_views_within_a_second() {
        let mut page = Page::default();
        let start = Instant::now();
        for _ in 1..HOT_VIEWS {
            assert!(!count_view(&mut page, start));
        }
        assert!(count_view(&mut page, start + Duration::from_millis(900)));
        assert!(count_view(&mut page, start + Duration::from_millis(1_500)), "hot for a second after");
        assert!(!count_view(&mut page, start + Duration::from_millis(2_000)), "then cool: a view or two does not warm it");
        let quiet: Vec<bool> = (0..HOT_VIEWS).map(|i| count_view(&mut page, start + Duration::from_millis(2_100 + 60 * i as u64))).collect();
        assert!(quiet.iter().all(|hot| !hot), "{HOT_VIEWS} views spread over more than a second stay cool");
    }

    #[test]
    fn only_a_cookieless_visitors_plain_view_is_shared() {
        assert!(visitor_key(&get("/meetups/1", None), "zh-CN").is_some());
        assert!(visitor_key(&get("/meetups/1", Some("tongcheng_lang=en")), "en").is_some());
        assert!(visitor_key(&get("/meetups/1", Some("tongcheng_lang=en; id=abc")), "en").is_none(), "a session");
        assert!(visitor_key(&get("/meetups/1", Some("tc_flash=x")), "en").is_none(), "a flash");
        assert!(visitor_key(&get("/meetups/1?ref=ABC", None), "en").is_none(), "an arrival");
        let post = Request::post("/meetups/1").body(Body::empty()).unwrap();
        assert!(visitor_key(&post, "en").is_none());
        assert_ne!(visitor_key(&get("/", None), "en"), visitor_key(&get("/", None), "zh-CN"), "each language its own copy");
    }

    #[test]
    fn a_copy_goes_out_with_a_nonce_of_its_own() {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("script-src 'self' 'nonce-OLD1'"));
        let copy = Copy { headers, body: Bytes::from_static(b"<script nonce=\"OLD1\">x</script>"), nonce: "OLD1".into(), made: Instant::now() };
        let response = with_fresh_nonce(copy);
        let nonce = policy_nonce(response.headers()).unwrap();
        assert_ne!(nonce, "OLD1");
        assert_eq!(nonce.len(), 22);
    }
}
