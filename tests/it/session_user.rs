//! The logged-in user read with the session in one statement (issue 29: a press of
//! "sign up" reads one row less): what was read is the session's own user as it is now,
//! never stored, and never another user's.
use crate::common;

use common::{Backend, TestApp};
use std::str::FromStr;
use tongcheng::infra::session_store::{DbSessionStore, COMPANION};
use tower_sessions::session::Id;
use tower_sessions::SessionStore;

on_both_databases!(
    the_session_brings_its_user_and_never_stores_it,
    a_change_to_the_user_shows_on_the_next_request,
    a_session_row_naming_another_user_never_logs_in_as_them,
    a_session_held_open_sees_its_user_change,
    a_request_under_way_when_its_session_ended_does_not_bring_it_back,
    sessions_read_together_each_find_their_own,
);

/// The logged-in session's id and stored record.
async fn stored_session(app: &TestApp) -> (String, String) {
    sqlx::query_as("SELECT id, data FROM sessions WHERE data LIKE '%\"user_id\":%'").fetch_one(&app.state.db.pool).await.unwrap()
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(&app.state.db.pool).await.unwrap()
}

async fn run(app: &TestApp, sql: &str, binds: &[i64], text: Option<&str>) {
    let mut tx = app.state.db.begin_write().await.unwrap();
    let mut query = sqlx::query(sql);
    if let Some(text) = text {
        query = query.bind(text.to_string());
    }
    for n in binds {
        query = query.bind(*n);
    }
    query.execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
}

async fn the_session_brings_its_user_and_never_stores_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = app.fan("companion@example.com", "杭州").await;
    let me = user_id(&app, "companion@example.com").await;
    let (id, data) = stored_session(&app).await;
    let column: Option<i64> = sqlx::query_scalar("SELECT user_id FROM sessions WHERE id = $1").bind(&id).fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(column, Some(me), "the session row names its user");
    assert!(!data.contains(COMPANION), "what is read with a session is not stored: {data}");

    let store = DbSessionStore::with_companion(app.state.db.clone(), tongcheng::accounts::repo::SESSION_USER);
    let record = store.load(&Id::from_str(&id).unwrap()).await.unwrap().expect("the session");
    let read: tongcheng::accounts::repo::SessionUser = serde_json::from_value(record.data[COMPANION].clone()).unwrap();
    assert_eq!((read.user.id, read.user.email.as_str(), read.user.home_city.name_zh.as_str()), (me, "companion@example.com", "杭州"));

    // A record saved with its companion (as when a request changes its session): the
    // companion is not stored.
    store.save(&record).await.unwrap();
    let (_, data) = stored_session(&app).await;
    assert!(!data.contains(COMPANION), "a save strips it: {data}");
    assert_eq!(browser.current_user().await.map(|u| u.id), Some(me));
}

async fn a_change_to_the_user_shows_on_the_next_request(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = app.fan("renamed@example.com", "成都").await;
    let me = user_id(&app, "renamed@example.com").await;
    assert_eq!(browser.current_user().await.map(|u| u.display_name), Some("Fan".to_string()));
    run(&app, "UPDATE users SET display_name = $1 WHERE id = $2", &[me], Some("新名字")).await;
    assert_eq!(browser.current_user().await.map(|u| u.display_name), Some("新名字".to_string()));
    // A password changed elsewhere (the version bumped) ends this session.
    run(&app, "UPDATE users SET session_version = session_version + 1 WHERE id = $1", &[me], None).await;
    assert!(browser.current_user().await.is_none());
}

async fn a_session_row_naming_another_user_never_logs_in_as_them(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.fan("other@example.com", "武汉").await;
    let browser = app.fan("mine@example.com", "重庆").await;
    let (me, other) = (user_id(&app, "mine@example.com").await, user_id(&app, "other@example.com").await);
    let (id, _) = sqlx::query_as::<_, (String, String)>("SELECT id, data FROM sessions WHERE user_id = $1").bind(me).fetch_one(&app.state.db.pool).await.unwrap();
    let mut tx = app.state.db.begin_write().await.unwrap();
    sqlx::query("UPDATE sessions SET user_id = $1 WHERE id = $2").bind(other).bind(&id).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    let user = browser.current_user().await.expect("still logged in");
    assert_eq!((user.id, user.email.as_str()), (me, "mine@example.com"), "the session's own user, read again");
}

/// A live stream holds its session for hours and asks now and then whether its listener
/// may still listen: what was read with the session when it opened must not answer.
async fn a_session_held_open_sees_its_user_change(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.fan("held@example.com", "杭州").await;
    let me = user_id(&app, "held@example.com").await;
    let (id, _) = stored_session(&app).await;
    let store = std::sync::Arc::new(DbSessionStore::with_companion(app.state.db.clone(), tongcheng::accounts::repo::SESSION_USER));
    let session = tower_sessions::Session::new(Some(Id::from_str(&id).unwrap()), store, None);
    let user_of_session = || tongcheng::accounts::auth::user_of_session(&app.state.db, &session);
    assert_eq!(user_of_session().await.map(|u| u.id), Some(me), "the session, loaded with its user");
    // The password reset elsewhere: every other session ends.
    run(&app, "UPDATE users SET session_version = session_version + 1 WHERE id = $1", &[me], None).await;
    assert!(user_of_session().await.is_none(), "the held session sees it at its next check");
}

/// A request that loaded its session before the fan logged out (or another device ended
/// it) saves what it loaded at its end: the session stays ended.
async fn a_request_under_way_when_its_session_ended_does_not_bring_it_back(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = app.fan("racing@example.com", "成都").await;
    let (id, _) = stored_session(&app).await;
    let store = DbSessionStore::with_companion(app.state.db.clone(), tongcheng::accounts::repo::SESSION_USER);
    let session = Id::from_str(&id).unwrap();
    let under_way = store.load(&session).await.unwrap().expect("the session, loaded by a request under way");
    let _: () = browser.call("logout", &[]).await.unwrap();
    store.save(&under_way).await.unwrap();
    assert!(store.load(&session).await.unwrap().is_none(), "the ended session stays ended");
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE id = $1").bind(&id).fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(rows, 0);
}

/// Reads that arrive together share one statement (`infra::session_reads`): each still
/// gets its own session and user, and a gone or expired session stays gone.
async fn sessions_read_together_each_find_their_own(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for n in 0..5 {
        app.fan(&format!("together{n}@example.com"), "杭州").await;
    }
    let mut sessions: Vec<(String, Option<i64>)> =
        sqlx::query_as("SELECT id, user_id FROM sessions WHERE user_id IS NOT NULL").fetch_all(&app.state.db.pool).await.unwrap();
    assert_eq!(sessions.len(), 5);
    // One that expired a moment ago, and one that never was.
    let expired = Id::default().to_string();
    run(&app, "INSERT INTO sessions (id, data, expires_at, user_id) SELECT $1, data, 1, user_id FROM sessions WHERE user_id IS NOT NULL LIMIT 1", &[], Some(&expired)).await;
    sessions.push((expired, None));
    sessions.push((Id::default().to_string(), None));

    let store = DbSessionStore::with_companion(app.state.db.clone(), tongcheng::accounts::repo::SESSION_USER);
    // Each asked for several times, all at once, in an order unlike the rows'.
    let asked: Vec<&(String, Option<i64>)> = (0..8).flat_map(|_| sessions.iter().rev()).collect();
    let ids: Vec<Id> = asked.iter().map(|(id, _)| Id::from_str(id).unwrap()).collect();
    let found = futures::future::join_all(ids.iter().map(|id| store.load(id))).await;
    for ((id, user), record) in asked.iter().zip(found) {
        let record = record.unwrap();
        let read = record.as_ref().map(|r| {
            assert_eq!(r.id.to_string(), *id, "the record of the session asked for");
            serde_json::from_value::<tongcheng::accounts::repo::SessionUser>(r.data[COMPANION].clone()).unwrap().user.id
        });
        assert_eq!(read, *user, "session {id}");
    }
    // They did share statements: fans queued behind a statement under way wait for the
    // next, which reads them all.
    assert!(store.statements_run() < asked.len() as u64 / 2, "{} statements for {} reads", store.statements_run(), asked.len());
}
