//! Bad input, generated: 10,000 calls per database to the server functions over HTTP,
//! as an anonymous visitor, a fan and staff, with values of the wrong type, huge and
//! negative numbers, any Unicode, invalid UTF-8, megabyte strings, dates far in the past
//! and future, fields missing and extra. No call may panic or answer 5xx; every refusal
//! is an error with a message in both languages; afterwards the database's invariants hold.
//!
//! The endpoints and their fields come from the authorization matrix (tests/it/authorization.rs),
//! so a new server function is fuzzed as soon as it is in that table.
use crate::common;

use common::{Backend, Browser, TestApp};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use tongcheng::error::AppError;
use tongcheng::i18n::Locale;

const CASES: u32 = 10_000;

/// Fields some forms have beyond what the matrix sends.
const MORE_FIELDS: &[(&str, &[&str])] = &[
    ("save_meetup", &["title", "description", "venue", "address", "starts", "ends", "capacity", "signup_opens", "signup_closes", "admission", "application_closes", "question"]),
    ("save_gathering", &["city", "description", "venue", "address", "starts", "ends", "capacity", "signup_opens", "signup_closes"]),
    ("leave_feedback", &["rating", "comment"]),
    ("apply_for_seat", &["answer"]),
    ("set_invitation_preference", &["wants_invitations"]),
    ("set_public_profile", &["public"]),
];

/// (endpoint, its fields), read from the matrix's table.
fn endpoints() -> Vec<(String, Vec<String>)> {
    let source = include_str!("authorization.rs");
    let table = &source[source.find("const TABLE").expect("the matrix's table")..];
    let table = &table[..table.find("];").expect("its end")];
    table
        .lines()
        .filter(|line| line.contains("Rule::"))
        .map(|line| {
            let quoted: Vec<&str> = line.split('"').skip(1).step_by(2).collect();
            let endpoint = quoted[0].to_string();
            // After the endpoint: field, value, field, value…
            let mut fields: Vec<String> = quoted[1..].iter().step_by(2).map(|f| f.to_string()).collect();
            for (name, more) in MORE_FIELDS {
                if *name == endpoint {
                    for field in *more {
                        if !fields.iter().any(|f| f == field) {
                            fields.push(field.to_string());
                        }
                    }
                }
            }
            (endpoint, fields)
        })
        .collect()
}

/// One value as raw bytes (form-encoded later, so invalid UTF-8 reaches the server).
fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => any::<i64>().prop_map(|n| n.to_string().into_bytes()),
        1 => Just(b"99999999999999999999999999999".to_vec()),
        2 => prop_oneof![Just("-1"), Just("0"), Just("1"), Just("yes"), Just("on"), Just("true"), Just("NaN"), Just("1e308")].prop_map(|s| s.as_bytes().to_vec()),
        1 => any::<f64>().prop_map(|f| f.to_string().into_bytes()),
        4 => "\\PC{0,60}".prop_map(String::into_bytes),
        3 => any::<String>().prop_map(String::into_bytes),
        2 => prop::collection::vec(any::<u8>(), 0..40),
        1 => prop_oneof![Just("\u{202E}evil\u{202C}"), Just("\u{200B}\u{200D}\u{FEFF}"), Just("💥🇨🇳👨‍👩‍👧"), Just("<script>alert(1)</script>"), Just("=HYPERLINK(\"x\")"), Just("a\r\nBcc: x@example.com")]
            .prop_map(|s| s.as_bytes().to_vec()),
        2 => prop_oneof![
            Just("0001-01-01T00:00"), Just("9999-12-31T23:59"), Just("1969-12-31T23:59"), Just("2099-02-30T25:61"),
            Just("+275760-09-13T00:00"), Just("2026-13-01"), Just("00:00"), Just("23:59:60"), Just("深圳"), Just("Gotham"),
            Just("draw"), Just("first_come"), Just("published"), Just("cancelled"), Just("staff"), Just("admin"), Just("report"), Just("hide"),
        ]
        .prop_map(|s| s.as_bytes().to_vec()),
        1 => Just(Vec::new()),
    ]
}

/// Now and then a megabyte: over the body limit, refused before any function runs.
fn stray() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![9 => value(), 1 => (1usize..=4).prop_map(|n| vec![b'x'; n << 18])]
}

/// A call: who calls, which endpoint, each field's value (or left out), and maybe a stray field.
fn call(endpoints: usize) -> impl Strategy<Value = (usize, usize, Vec<Option<Vec<u8>>>, Option<Vec<u8>>)> {
    (0..3usize, 0..endpoints, prop::collection::vec(prop::option::weighted(0.9, value()), 16), prop::option::weighted(0.1, stray()))
}

fn encode(bytes: &[u8]) -> String {
    url::form_urlencoded::byte_serialize(bytes).collect()
}

async fn fuzz(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fan = app.fan("fuzz-fan@example.com", "深圳").await;
    let staff = common::staff_browser(&app).await;
    let callers: [Browser; 3] = [app.browser(), fan, staff];
    let endpoints = endpoints();
    assert!(endpoints.len() > 60, "the matrix lists the server functions ({})", endpoints.len());

    let handle = tokio::runtime::Handle::current();
    let tally = std::sync::Arc::new(std::sync::Mutex::new(std::collections::BTreeMap::<u16, usize>::new()));
    let counted = tally.clone();
    let checked = tokio::task::spawn_blocking(move || {
        let config = Config { cases: CASES, failure_persistence: None, max_shrink_iters: 200, ..Config::default() };
        // The same inputs on every run (CI stays reproducible); FUZZ_RANDOM=1 draws new ones.
        let mut runner = if std::env::var_os("FUZZ_RANDOM").is_some() {
            TestRunner::new(config)
        } else {
            TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
        };
        runner.run(&call(endpoints.len()), |(caller, endpoint, values, stray)| {
            let (name, fields) = &endpoints[endpoint];
            let mut body: Vec<String> = fields.iter().zip(&values).filter_map(|(field, value)| value.as_ref().map(|v| format!("{field}={}", encode(v)))).collect();
            if let Some(stray) = stray {
                body.push(format!("stray={}", encode(&stray)));
            }
            let browser = &callers[caller];
            let (status, text) = handle.block_on(async {
                let response = browser
                    .client
                    .post(format!("{}/api/{name}", browser.base))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .body(body.join("&"))
                    .send()
                    .await
                    .map_err(|e| TestCaseError::fail(format!("{name}: no answer to {:.300} ({} bytes): {e:?}", body.join("&"), body.iter().map(String::len).sum::<usize>())))?;
                let status = response.status();
                Ok::<_, TestCaseError>((status, response.text().await.unwrap_or_default()))
            })?;
            *counted.lock().expect("tally").entry(status.as_u16()).or_default() += 1;
            let shown = || format!("{name} as caller {caller} with {:.300} -> {status}: {text:.300}", body.join("&"));
            prop_assert!(!status.is_server_error(), "{}", shown());
            if status.is_client_error() {
                let error: AppError = serde_json::from_str(&text).map_err(|e| TestCaseError::fail(format!("{}: not an AppError ({e})", shown())))?;
                for locale in [Locale::zh_CN, Locale::en] {
                    prop_assert!(!error.message(locale).trim().is_empty(), "{}: a refusal without a message", shown());
                }
            }
            Ok(())
        })
    })
    .await
    .expect("the fuzz runner");
    if let Err(failure) = checked {
        panic!("{failure}");
    }
    // The calls reached the functions: many were answered, many refused with a message.
    let tally = tally.lock().expect("tally").clone();
    let answered: usize = tally.iter().filter(|(s, _)| (200..400).contains(*s)).map(|(_, n)| n).sum();
    let refused: usize = tally.iter().filter(|(s, _)| (400..500).contains(*s)).map(|(_, n)| n).sum();
    assert!(answered >= 500 && refused >= 500, "answers by status: {tally:?}");
    for status in [401, 403, 413, 422] {
        assert!(tally.contains_key(&status), "no {status} among {tally:?}");
    }
    common::assert_invariants(&app.state.db).await;
    app.assert_counts_match_recount().await;
}

/// Both databases in one test each: 10,000 calls take a while in a debug build.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_generated_calls_on_sqlite() {
    common::within_limit(fuzz(Backend::Sqlite)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_generated_calls_on_postgres() {
    common::within_limit(fuzz(Backend::Postgres)).await
}

/// The share surfaces that are not server functions: posters by any id and pages with
/// any `?ref=` value, as a visitor and a fan. Never a 5xx; a poster is a PNG or a 404.
async fn fuzz_share_links(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let city = app.city_id("深圳").await;
    let event = common::published_event(&app.state.db, city, Some(5)).await.to_string();
    let callers = [app.browser(), app.fan("fuzz-sharer@example.com", "深圳").await];
    let handle = tokio::runtime::Handle::current();
    let checked = tokio::task::spawn_blocking(move || {
        let config = Config { cases: 400, failure_persistence: None, max_shrink_iters: 50, ..Config::default() };
        let mut runner = TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
        let shapes = ["/meetups/{}/poster.png", "/festival/{}/poster.png", "/fans/{}/poster.png", "/where-next?ref={}", "/meetups/{}?ref={}", "/register?ref={}"];
        runner.run(&(0..2usize, 0..shapes.len(), value(), 0..2usize), |(caller, shape, raw, real)| {
            let filler = if real == 1 && shape == 4 { event.clone() } else { encode(&raw) };
            let path = shapes[shape].replacen("{}", &filler, 1).replacen("{}", &encode(&raw), 1);
            let browser = &callers[caller];
            let (status, kind) = handle.block_on(async {
                let response = browser.client.get(format!("{}{path}", browser.base)).header("Accept", "text/html").send().await.expect("answered");
                let kind = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
                (response.status(), kind)
            });
            prop_assert!(!status.is_server_error(), "{path} -> {status}");
            if path.contains("poster.png") && status.is_success() {
                prop_assert_eq!(kind, "image/png");
            }
            Ok(())
        })
    })
    .await
    .expect("the fuzz runner");
    if let Err(failure) = checked {
        panic!("{failure}");
    }
}

on_both_databases!(fuzz_share_links);
