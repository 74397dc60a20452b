//! Hot pages as a visitor sees them, kept for a second. Before a flash sale opens,
//! thousands reload the meetup page; a visitor's copy (no cookies: no session, no
//! flash, no arrival) is the same for all of them in one language, so once a page is
//! asked for often (`HOT_PAGE_VIEWS` within `HOT_PAGE_SECONDS`, 20 in 1 s) one render
//! serves the next second's visitors, each with a fresh nonce; one render at a time
//! replaces the copy (under load a render takes longer than the copy lasts: the others
//! meanwhile get the copy it replaces). A page asked for now and then is always rendered
//! afresh, so nobody who edits a page and looks at it sees an old copy.
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use axum::body::Bytes;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
    /// Hot until then: `fresh_for` after enough views came within it, or after the
    /// copy made while it was hot (a slow render does not cool the page down).
    hot_until: Option<Instant>,
    copy: Option<Copy>,
    /// When the render that will replace the copy began, if one is running: one render
    /// per page at a time, the others meanwhile get the copy it replaces.
    rendering_since: Option<Instant>,
}

/// How long past its second a copy may still go out while its successor renders.
const STALE_AT_MOST: Duration = Duration::from_secs(5);
/// A render running longer than this is taken for lost (its visitor left, it stalled).
const RENDER_AT_MOST: Duration = Duration::from_secs(10);

/// What to do with one view of a page.
#[derive(Debug, PartialEq, Eq)]
enum Decision {
    Copy,
    Render { keep: bool },
}

/// Counts a view and decides: a fresh copy goes out; a stale one too while another
/// visitor's render replaces it; otherwise this view renders (and, if the page is hot,
/// its render replaces the copy).
fn decide(page: &mut Page, now: Instant, rule: Rule) -> Decision {
    if !count_view(page, now, rule) {
        return Decision::Render { keep: false };
    }
    let age = page.copy.as_ref().map(|c| now.saturating_duration_since(c.made));
    let rendering = page.rendering_since.is_some_and(|since| now.saturating_duration_since(since) < RENDER_AT_MOST);
    match age {
        Some(age) if age < rule.fresh_for => Decision::Copy,
        Some(age) if rendering && age < rule.fresh_for + STALE_AT_MOST => Decision::Copy,
        _ if rendering => Decision::Render { keep: false },
        _ => {
            page.rendering_since = Some(now);
            Decision::Render { keep: true }
        }
    }
}

/// The decision for one view of a page: counts it, and says whether it is hot.
fn count_view(page: &mut Page, now: Instant, rule: Rule) -> bool {
    match page.window_started {
        Some(start) if now.duration_since(start) < rule.fresh_for => page.views += 1,
        _ => {
            page.window_started = Some(now);
            page.views = 1;
        }
    }
    if page.views >= rule.hot_views {
        page.hot_until = page.hot_until.max(Some(now + rule.fresh_for));
    }
    page.hot_until.is_some_and(|until| now < until)
}

/// When a page is hot, and how long its copy stands.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub hot_views: u32,
    pub fresh_for: Duration,
}

impl Rule {
    pub fn of(config: &crate::infra::config::Config) -> Rule {
        Rule { hot_views: config.hot_page_views, fresh_for: Duration::from_secs(config.hot_page_seconds.into()) }
    }
}

#[derive(Clone)]
pub struct PageCache {
    pages: Arc<Mutex<HashMap<Key, Page>>>,
    rule: Rule,
}

/// What `PageCache::lookup` found.
pub enum Lookup {
    /// A copy to send (already given its own nonce).
    Hit(Response<Body>),
    /// Render it; `keep` says whether to keep the result (as of `started`: a copy is as
    /// old as the data its render read, not as the moment the render ended).
    Render { key: Key, keep: bool, started: Instant },
    /// Not a visitor's page: render it, keep nothing.
    Private,
}

impl PageCache {
    pub fn new(rule: Rule) -> PageCache {
        PageCache { pages: Arc::default(), rule }
    }

    fn pages(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Page>> {
        self.pages.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts a view and answers it from a copy when the page is hot and has one.
    pub fn lookup(&self, request: &Request<Body>, language: &str) -> Lookup {
        let Some(key) = visitor_key(request, language) else { return Lookup::Private };
        let now = Instant::now();
        let copy = {
            let mut pages = self.pages();
            if pages.len() >= PAGES_KEPT && !pages.contains_key(&key) {
                make_room(&mut pages, now, self.rule.fresh_for);
            }
            let page = pages.entry(key.clone()).or_default();
            match (decide(page, now, self.rule), page.copy.as_ref()) {
                (Decision::Copy, Some(copy)) => copy.clone(),
                (Decision::Render { keep }, _) => return Lookup::Render { key, keep, started: now },
                (Decision::Copy, None) => return Lookup::Render { key, keep: false, started: now },
            }
        };
        // The nonce is replaced with the map let go: hits do not queue behind each other.
        Lookup::Hit(with_fresh_nonce(copy))
    }

    /// Keeps a page rendered from `started` for the next second's visitors, when it can
    /// be shared: a success without an error in it, setting no cookie, with the nonce its
    /// policy names, and newer than the copy already kept.
    pub async fn keep(&self, key: Key, started: Instant, response: Response<Body>) -> Response<Body> {
        if let Some(page) = self.pages().get_mut(&key) {
            page.rendering_since = None;
        }
        let shareable = response.status() == StatusCode::OK
            && !response.headers().contains_key(header::SET_COOKIE)
            && !response.headers().contains_key(crate::infra::headers::PAGE_ERROR);
        if !shareable {
            return response;
        }
        let (parts, body) = response.into_parts();
        let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
            return Response::from_parts(parts, Body::empty());
        };
        if let Some(nonce) = policy_nonce(&parts.headers) {
            let copy = Copy { headers: parts.headers.clone(), body: body.clone(), nonce, made: started };
            if let Some(page) = self.pages().get_mut(&key) {
                if page.copy.as_ref().is_none_or(|kept| kept.made < started) {
                    page.hot_until = page.hot_until.max(Some(Instant::now() + self.rule.fresh_for));
                    page.copy = Some(copy);
                }
            }
        }
        Response::from_parts(parts, Body::from(body))
    }
}

/// Room for another page: the cold ones go, and if every page is warm, the one whose
/// views started longest ago (a burst of new addresses cannot keep a hot page out).
fn make_room(pages: &mut HashMap<Key, Page>, now: Instant, fresh_for: Duration) {
    pages.retain(|_, page| page.hot_until.is_some_and(|until| now < until) || page.window_started.is_some_and(|s| now.duration_since(s) < fresh_for));
    while pages.len() >= PAGES_KEPT {
        let coldest = pages.iter().filter(|(_, p)| !p.hot_until.is_some_and(|until| now < until)).min_by_key(|(_, p)| p.window_started).map(|(k, _)| k.clone());
        let Some(coldest) = coldest.or_else(|| pages.iter().min_by_key(|(_, p)| p.window_started).map(|(k, _)| k.clone())) else { break };
        pages.remove(&coldest);
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
/// it before the page arrives. Every occurrence goes (Leptos also writes it in the
/// hydration links' `crossorigin`); 128 random bits match nothing else.
fn with_fresh_nonce(copy: Copy) -> Response<Body> {
    let nonce = fresh_nonce();
    let page = String::from_utf8_lossy(&copy.body).replace(&copy.nonce, &nonce);
    let mut headers = copy.headers;
    if let Some(policy) = headers.get(header::CONTENT_SECURITY_POLICY).and_then(|p| p.to_str().ok()) {
        if let Ok(value) = HeaderValue::from_str(&policy.replace(&copy.nonce, &nonce)) {
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

    const RULE: Rule = Rule { hot_views: 20, fresh_for: Duration::from_secs(1) };

    #[test]
    fn a_page_is_hot_after_enough_views_within_a_second() {
        let mut page = Page::default();
        let start = Instant::now();
        for _ in 1..RULE.hot_views {
            assert!(!count_view(&mut page, start, RULE));
        }
        assert!(count_view(&mut page, start + Duration::from_millis(900), RULE));
        assert!(count_view(&mut page, start + Duration::from_millis(1_500), RULE), "hot for a second after");
        assert!(!count_view(&mut page, start + Duration::from_millis(2_000), RULE), "then cool: a view or two does not warm it");
        let quiet: Vec<bool> = (0..RULE.hot_views).map(|i| count_view(&mut page, start + Duration::from_millis(2_100 + 60 * i as u64), RULE)).collect();
        assert!(quiet.iter().all(|hot| !hot), "views spread over more than a second stay cool");
    }

    #[test]
    fn one_render_at_a_time_replaces_a_hot_pages_copy() {
        let start = Instant::now();
        let copy = |made| Copy { headers: HeaderMap::new(), body: Bytes::new(), nonce: "n".into(), made };
        let mut page = Page { window_started: Some(start), views: RULE.hot_views, hot_until: Some(start + RULE.fresh_for), ..Page::default() };
        let at = |ms| start + Duration::from_millis(ms);
        assert_eq!(decide(&mut page, at(10), RULE), Decision::Render { keep: true }, "no copy yet: this view makes it");
        assert_eq!(decide(&mut page, at(20), RULE), Decision::Render { keep: false }, "no copy to give while it renders");
        page.rendering_since = None;
        page.copy = Some(copy(at(10)));
        page.hot_until = Some(at(60_000));
        assert_eq!(decide(&mut page, at(500), RULE), Decision::Copy, "fresh");
        assert_eq!(decide(&mut page, at(1_200), RULE), Decision::Render { keep: true }, "stale: the next view renders");
        assert_eq!(decide(&mut page, at(1_300), RULE), Decision::Copy, "the others get the stale copy meanwhile");
        assert_eq!(decide(&mut page, at(6_100), RULE), Decision::Render { keep: false }, "never older than 5 s past its second");
        assert_eq!(decide(&mut page, at(11_300), RULE), Decision::Render { keep: true }, "a render lost for 10 s is given up");
    }

    #[test]
    fn a_full_map_makes_room_for_a_new_page_without_dropping_a_hot_one() {
        let now = Instant::now();
        let mut pages: HashMap<Key, Page> = HashMap::new();
        for i in 0..PAGES_KEPT {
            let page = Page { window_started: Some(now - Duration::from_millis(i as u64)), views: 1, ..Page::default() };
            pages.insert(Key { path: format!("/x/{i}"), language: "en".into() }, page);
        }
        let hot = Key { path: "/x/0".into(), language: "en".into() };
        pages.get_mut(&hot).unwrap().hot_until = Some(now + Duration::from_secs(1));
        make_room(&mut pages, now, RULE.fresh_for);
        assert!(pages.len() < PAGES_KEPT);
        assert!(pages.contains_key(&hot), "the hot page stays");
        assert!(!pages.contains_key(&Key { path: format!("/x/{}", PAGES_KEPT - 1), language: "en".into() }), "the longest-counted cold page goes");
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
        let body = Bytes::from_static(b"<link crossorigin=\"OLD1\"><script nonce=\"OLD1\">x</script>");
        let copy = Copy { headers, body, nonce: "OLD1".into(), made: Instant::now() };
        let response = with_fresh_nonce(copy);
        let nonce = policy_nonce(response.headers()).unwrap();
        assert_ne!(nonce, "OLD1");
        assert_eq!(nonce.len(), 22);
        let page = futures::executor::block_on(axum::body::to_bytes(response.into_body(), usize::MAX)).unwrap();
        let page = String::from_utf8(page.to_vec()).unwrap();
        assert!(!page.contains("OLD1") && page.matches(&nonce).count() == 2, "{page}");
    }
}
