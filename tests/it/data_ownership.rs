//! A fan's data is theirs (issue 16): they download all of it as JSON, and deleting the
//! account leaves no trace of their address or name in any table (the outbox included)
//! while the counts stay. Built from a fan's whole life on the site, through the real
//! endpoints; on both databases.
use crate::common;

use common::moderation::{apply_and_approve, gathering_form, moderate, staff};
use common::{execute, published_event, Backend, Browser, TestApp};
use reqwest::StatusCode;
use serde_json::Value;
use tongcheng::email::FailedMail;
use tongcheng::error::AppError;
use tongcheng::infra::clock::now;
use tongcheng::meetups::Place;

on_both_databases!(
    a_fan_downloads_everything_about_them,
    every_column_naming_a_user_is_exported_or_explained,
    deleting_an_account_leaves_no_trace_but_keeps_the_counts
);

/// What a fan did: their browser, the meetup they attended, the draw they applied to.
struct Life {
    fan: Browser,
    event: i64,
    draw: i64,
}

/// A fan registered in one browser (which keeps remembering the address) who then,
/// from another: signs up, asks a question, reports another fan's, attends (staff check
/// them in), rates the meetup, and applies for a drawn meetup where staff pick them.
async fn a_life(app: &TestApp, staff: &Browser, email: &str, name: &str) -> Life {
    let first = app.browser();
    let _: String = first
        .call("register", &[("email", email), ("display_name", name), ("password", "password123"), ("city", "深圳")])
        .await
        .expect("register");
    let _: String = first.call("verify_email", &[("token", &app.latest_token(email).await)]).await.expect("verify");
    let fan = app.browser();
    fan.login(email, "password123").await;

    let city = app.city_id("深圳").await;
    let event = published_event(&app.state.db, city, Some(10)).await;
    let id = event.to_string();
    let place: Place = fan.call("sign_up", &[("id", &id)]).await.expect("sign up");
    let neighbour = app.fan("neighbour@example.com", "深圳").await;
    let theirs: Place = neighbour.call("sign_up", &[("id", &id)]).await.expect("sign up");
    let _: i64 = fan.call("ask_question", &[("id", &id), ("body", "Will there be a demo of the new phone?")]).await.expect("ask");
    let other: i64 = neighbour.call("ask_question", &[("id", &id), ("body", "Buy cheap followers here")]).await.expect("ask");
    let _: () = fan.call("report_question", &[("id", &other.to_string()), ("category", "spam"), ("details", "Selling followers")]).await.expect("report");
    let _: bool = fan.call("vote_question", &[("id", &other.to_string())]).await.expect("vote");

    let start = now() - 3600;
    execute(&app.state.db, "UPDATE events SET starts_at = $1, ends_at = $2 WHERE id = $3", &[start, start + 7200, event]).await;
    for code in [place.ticket_code.expect("ticket"), theirs.ticket_code.expect("ticket")] {
        let _: String = staff.call("check_in", &[("code", &code), ("event", &id)]).await.expect("check in");
    }
    // At the meetup they answer the quiz (the neighbour does not), and both win a lucky draw.
    let form = [("event", id.as_str()), ("kind", "quiz"), ("question", "小米的第一款手机是？"), ("options", "小米1\n小米2"), ("correct", "1"), ("seconds", "30")];
    let quiz: i64 = staff.call("save_live_item", &form).await.expect("quiz");
    let quiz = quiz.to_string();
    let _: () = staff.call("switch_live_item", &[("item", quiz.as_str()), ("action", "open")]).await.expect("open");
    let _: i64 = fan.call("answer_live", &[("item", quiz.as_str()), ("choice", "0")]).await.expect("answer");
    let _: () = staff.call("switch_live_item", &[("item", quiz.as_str()), ("action", "close")]).await.expect("close");
    // A quiz decides its places from five answers on: theirs is written as if it had.
    let me = app.scalar(&format!("SELECT id FROM users WHERE email = '{email}'")).await;
    execute(&app.state.db, "INSERT INTO quiz_winners (event_id, place, user_id, score, decided_at) VALUES ($1, 1, $2, 100, $3)", &[event, me, now()]).await;
    for _ in 0..2 {
        let _: Value = staff.call("lucky_draw", &[("event", id.as_str()), ("team", "exclude")]).await.expect("draw");
    }
    let _: bool = fan.call("follow_club", &[("city", &app.city_id("北京").await.to_string())]).await.expect("follow");
    let _: Value = staff.call("close_door", &[("id", &id), ("confirm", "on")]).await.expect("close the door");
    let _: () = fan.call("leave_feedback", &[("id", &id), ("rating", "5"), ("comment", "Great evening, thanks")]).await.expect("rate");

    let draw = published_event(&app.state.db, city, Some(1)).await;
    execute(&app.state.db, "UPDATE events SET admission = 'draw', application_closes_at = $1 WHERE id = $2", &[now() + 86_400, draw]).await;
    let _: () = fan.call("apply_for_seat", &[("id", &draw.to_string()), ("answer", "I test Rust every day")]).await.expect("apply");
    let application = app.scalar(&format!("SELECT MAX(id) FROM applications WHERE event_id = {draw}")).await.to_string();
    let _: () = staff.call("pick_applicant", &[("id", &draw.to_string()), ("application", &application), ("pick", "yes")]).await.expect("pick");
    Life { fan, event, draw }
}

fn rows<'a>(data: &'a Value, section: &str) -> &'a Vec<Value> {
    data[section].as_array().unwrap_or_else(|| panic!("no section {section}"))
}

async fn a_fan_downloads_everything_about_them(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let life = a_life(&app, &staff, "owner@example.com", "Data Owner").await;
    // Staff approved them as an organizer, and a phone at the door scanned both tickets.
    apply_and_approve(&staff, &life.fan, "owner@example.com").await;
    execute(
        &app.state.db,
        "INSERT INTO door_scans (event_id, door, scan_id, registration_id, outcome, scanned_at, received_at) \
         SELECT r.event_id, 'A', 'scan-' || CAST(r.id AS TEXT), r.id, 'admitted', $1, $1 FROM registrations r WHERE r.event_id = $2",
        &[now(), life.event],
    )
    .await;

    let anonymous = app.browser().client.get(format!("{}/account/export.json", app.base)).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let response = life.fan.client.get(format!("{}/account/export.json", app.base)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let file = response.text().await.unwrap();
    let data: Value = serde_json::from_str(&file).expect("JSON");

    let account = &data["account"];
    assert_eq!((account["email"].as_str(), account["display_name"].as_str()), (Some("owner@example.com"), Some("Data Owner")));
    assert_eq!(account["home_city_en"], "Shenzhen");
    let registrations = rows(&data, "registrations");
    assert_eq!(registrations.len(), 1);
    assert_eq!((registrations[0]["event_id"].as_i64(), registrations[0]["status"].as_str()), (Some(life.event), Some("confirmed")));
    assert!(registrations[0]["checked_in_at"].as_i64().is_some());
    let applications = rows(&data, "applications");
    assert_eq!((applications[0]["event_id"].as_i64(), applications[0]["answer"].as_str()), (Some(life.draw), Some("I test Rust every day")));
    assert_eq!(rows(&data, "attendance")[0]["outcome"], "attended");
    assert!(!rows(&data, "points").is_empty(), "points for attending");
    let badges: Vec<&str> = rows(&data, "badges").iter().filter_map(|b| b["badge"].as_str()).collect();
    assert!(badges.contains(&"first_meetup"), "{badges:?}");
    let questions = rows(&data, "questions");
    assert_eq!(questions.len(), 1, "their own question only");
    assert_eq!(questions[0]["body"], "Will there be a demo of the new phone?");
    assert_eq!(rows(&data, "feedback")[0]["comment"], "Great evening, thanks");
    assert_eq!((rows(&data, "feedback")[0]["rating"].as_i64()), Some(5));
    assert_eq!(rows(&data, "reports")[0]["details"], "Selling followers");
    let kinds: Vec<&str> = rows(&data, "emails").iter().filter_map(|m| m["kind"].as_str()).collect();
    assert!(kinds.contains(&"verify_email") && kinds.contains(&"seat_confirmed"), "{kinds:?}");
    assert!(rows(&data, "emails").iter().all(|m| m["recipient"] == "owner@example.com"), "only mail sent to them");

    let answers = rows(&data, "live_answers");
    assert_eq!((answers.len(), answers[0]["question"].as_str(), answers[0]["choice"].as_i64()), (1, Some("小米的第一款手机是？"), Some(0)));
    assert_eq!(rows(&data, "quiz_places")[0]["place"].as_i64(), Some(1));
    assert_eq!(rows(&data, "lucky_draws_won").len(), 1, "one of the two draws, the other the neighbour's");
    assert_eq!(rows(&data, "clubs_followed")[0]["city_id"].as_i64(), Some(app.city_id("北京").await));
    let scans = rows(&data, "door_scans_of_their_tickets");
    assert_eq!((scans.len(), scans[0]["door"].as_str()), (1, Some("A")), "their ticket's scan, not the neighbour's: {scans:?}");
    let decisions = rows(&data, "decisions_about_them");
    assert_eq!((decisions[0]["subject"].as_str(), decisions[0]["action"].as_str()), (Some("application"), Some("approve")), "{decisions:?}");
    assert!(decisions.iter().all(|d| d.get("staff_name").is_none() && d.get("staff_id").is_none()), "not who decided: {decisions:?}");

    assert!(!file.contains("Buy cheap followers"), "another fan's words are not theirs");
    assert!(!file.contains("neighbour@example.com"), "nor another fan's address");
    assert!(!file.contains("argon2") && !file.contains("password_hash"), "no secrets");
}

/// A table that names a user (a column referring to `users`) is a section of the export,
/// or the export says why not: a table added later cannot be forgotten.
async fn every_column_naming_a_user_is_exported_or_explained(backend: Backend) {
    use tongcheng::privacy::export::{NOT_EXPORTED, SECTIONS};
    let app = TestApp::spawn(backend).await;
    let sql = match app.state.db.dialect {
        tongcheng::infra::db::Dialect::Sqlite => {
            "SELECT m.name || '.' || f.\"from\" FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table' AND f.\"table\" = 'users'"
        }
        tongcheng::infra::db::Dialect::Postgres => {
            "SELECT CAST(c.conrelid::regclass AS TEXT) || '.' || CAST(a.attname AS TEXT) FROM pg_constraint c \
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey) WHERE c.contype = 'f' AND c.confrelid = 'users'::regclass"
        }
    };
    let mut naming: Vec<String> = sqlx::query_scalar(sql).fetch_all(&app.state.db.pool).await.unwrap();
    naming.sort();
    naming.dedup();
    assert!(naming.len() > 30, "{naming:?}");
    let mut listed: Vec<String> = SECTIONS.iter().map(|(_, whose, _)| whose.to_string()).chain(NOT_EXPORTED.iter().map(|(column, _)| column.to_string())).collect();
    listed.sort();
    listed.dedup();
    assert_eq!(naming, listed, "every column naming a user, exported or explained (and nothing else listed)");
}

/// Every (table, column) whose text holds `needle` (lower-case), with how many rows.
async fn traces(app: &TestApp, needle: &str) -> Vec<String> {
    let columns: Vec<(String, String)> = match app.state.db.dialect {
        tongcheng::infra::db::Dialect::Sqlite => sqlx::query_as(
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
        ),
        tongcheng::infra::db::Dialect::Postgres => {
            sqlx::query_as("SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM information_schema.columns WHERE table_schema = 'public'")
        }
    }
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    assert!(columns.len() > 100, "every column of every table: {}", columns.len());
    let mut found = Vec::new();
    for (table, column) in columns {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE LOWER(CAST({column} AS TEXT)) LIKE '%{needle}%'");
        let count: i64 = sqlx::query_scalar(&sql).fetch_one(&app.state.db.pool).await.unwrap();
        if count > 0 {
            found.push(format!("{table}.{column}: {count}"));
        }
    }
    found
}

async fn deleting_an_account_leaves_no_trace_but_keeps_the_counts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let life = a_life(&app, &staff, "vanish-old@example.com", "Vanishing Zhu").await;
    let fan = &life.fan;
    // They moved to another address, ...
    let _: String = fan.call("request_email_change", &[("new_email", "vanish@example.com"), ("password", "password123")]).await.unwrap();
    let _: String = fan.call("confirm_email_change", &[("token", &app.latest_token("vanish@example.com").await)]).await.unwrap();
    // ... organize a gathering, and wrote to its attendees (whose mail names them).
    apply_and_approve(&staff, fan, "vanish@example.com").await;
    let gathering: i64 = fan.call("save_gathering", &gathering_form("", "Owned", "Coffee and phones", "5")).await.expect("list");
    moderate(&staff, "gathering", gathering, "approve", "").await;
    let guest = app.fan("guest@example.com", "深圳").await;
    let _: Place = guest.call("sign_up", &[("id", &gathering.to_string())]).await.unwrap();
    let sent: u64 = fan.call("message_attendees", &[("id", &gathering.to_string()), ("subject", "Bring a phone"), ("body", "See you there")]).await.unwrap();
    assert_eq!(sent, 1);
    // ... and, as their club's president, posted news (which the weekly digest carried)
    // and wrote to the club's members.
    let shenzhen = app.city_id("深圳").await.to_string();
    let until = tongcheng::text::date_label(now() + 365 * 86_400);
    let appointment = [("city", shenzhen.as_str()), ("email", "vanish@example.com"), ("role", "president"), ("until", until.as_str()), ("reason", "Runs the club chat")];
    let _: i64 = staff.call("appoint_officer", &appointment).await.expect("appoint");
    let _: i64 = fan.call("post_club_news", &[("city", shenzhen.as_str()), ("title", "Hotpot night"), ("body", "Hotpot on Friday")]).await.expect("post");
    let members: u64 = fan.call("message_club_members", &[("city", shenzhen.as_str()), ("subject", "Club call"), ("body", "Bring friends")]).await.expect("message");
    assert!(members > 0);
    assert!(tongcheng::clubs::digest::queue_week(&app.state.db, &app.state.config.public_url, now()).await.unwrap() > 0, "a digest");
    execute(&app.state.db, "UPDATE outbox SET status = 'sent', sent_at = $1 WHERE kind IN ('club_digest', 'club_message')", &[now()]).await;
    // Their message to the gathering's guest has not gone out yet (its next try is later).
    execute(&app.state.db, "UPDATE outbox SET status = 'pending', sent_at = NULL, next_attempt_at = $1 WHERE kind = 'organizer_message'", &[now() + 86_400]).await;
    let before = traces(&app, "vanish").await;
    for place in [
        "outbox.recipient",
        "outbox.body_text",
        "admission_log.fan_name",
        "sessions.data",
        "rate_limit_hits.limit_key",
        "email_changes.old_email",
        "club_news.author_name",
        "club_messages.author_name",
    ] {
        assert!(before.iter().any(|t| t.starts_with(&format!("{place}:"))), "the test puts the fan in {place}: {before:?}");
    }
    let counts = |app: &TestApp| {
        let db = app.state.db.pool.clone();
        async move {
            let mut all = Vec::new();
            for sql in [
                "SELECT COUNT(*) FROM outbox",
                "SELECT COUNT(*) FROM outbox WHERE kind = 'seat_confirmed'",
                "SELECT COUNT(*) FROM outbox WHERE kind = 'organizer_message'",
                "SELECT COUNT(*) FROM questions",
                "SELECT COUNT(*) FROM reports",
                "SELECT COUNT(*) FROM draw_entries",
                "SELECT COUNT(*) FROM admission_log",
                "SELECT COUNT(*) FROM moderation_log",
                "SELECT COUNT(*) FROM events",
                // The meetup they attended keeps its seats, attendance, ratings and votes.
                "SELECT CAST(COALESCE(SUM(confirmed_count), 0) AS BIGINT) FROM events WHERE door_closed_at IS NOT NULL",
                "SELECT COUNT(*) FROM registrations WHERE checked_in_at IS NOT NULL",
                "SELECT COUNT(*) FROM attendance WHERE outcome = 'attended'",
                "SELECT COUNT(*) FROM attendance",
                "SELECT COUNT(*) FROM feedback",
                "SELECT CAST(COALESCE(SUM(rating), 0) AS BIGINT) FROM feedback",
                "SELECT COUNT(*) FROM question_votes",
            ] {
                all.push((sql, sqlx::query_scalar::<_, i64>(sql).fetch_one(&db).await.unwrap()));
            }
            all
        }
    };
    // One message to them could not be delivered (a full mailbox, say).
    execute(
        &app.state.db,
        "INSERT INTO outbox (idempotency_key, kind, recipient, subject, body_text, body_html, status, attempts, next_attempt_at, last_error, created_at) \
         VALUES ('bounced:vanish', 'seat_confirmed', 'vanish@example.com', 'Your seat', 'Your seat', '', 'failed', 10, $1, '552 mailbox full', $1)",
        &[now()],
    )
    .await;
    let undelivered = app.scalar("SELECT id FROM outbox WHERE idempotency_key = 'bounced:vanish'").await;
    let counted = counts(&app).await;
    let failed: Vec<FailedMail> = staff.call("failed_mail", &[]).await.unwrap();
    assert!(failed.iter().any(|m| m.id == undelivered), "staff see the failed message while its fan exists");

    let _: () = fan.call("delete_account", &[("password", "password123"), ("confirm", "on")]).await.expect("delete");
    assert!(fan.current_user().await.is_none());
    assert_eq!(traces(&app, "vanish").await, Vec::<String>::new(), "no address or name of the fan is left anywhere");
    assert_eq!(counts(&app).await, counted, "the counts stay");
    let unsent = app.scalar("SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND recipient = 'deleted@deleted.invalid'").await;
    assert_eq!(unsent, 0, "mail not yet sent to them never will be");
    let quoting = app.scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'organizer_message' AND status = 'failed' AND body_text = ''").await;
    assert_eq!(quoting, 1, "their message to the gathering's guest, not sent yet, will not go out empty");
    let empty = app.scalar("SELECT id FROM outbox WHERE kind = 'organizer_message'").await;
    assert_eq!(app.text(&format!("SELECT title FROM events WHERE id = {}", life.event)).await, "Test meetup");
    // Mail to a deleted account is not offered to staff for another try, and cannot be.
    let failed: Vec<FailedMail> = staff.call("failed_mail", &[]).await.unwrap();
    assert!(failed.iter().all(|m| m.id != undelivered), "no retry offered for mail to a deleted account: {failed:?}");
    assert!(failed.iter().all(|m| m.id != empty), "nor for mail whose words went with its author: {failed:?}");
    let again = staff.call::<()>("retry_mail", &[("id", &empty.to_string())]).await;
    assert!(matches!(again, Err((StatusCode::UNPROCESSABLE_ENTITY, AppError::Invalid(_)))), "{again:?}");
    let retried = staff.call::<()>("retry_mail", &[("id", &undelivered.to_string())]).await;
    assert!(matches!(retried, Err((StatusCode::UNPROCESSABLE_ENTITY, AppError::Invalid(_)))), "{retried:?}");
    // The meetup's own page still counts them.
    let rated: i64 = app.scalar(&format!("SELECT COUNT(*) FROM feedback WHERE event_id = {} AND user_id IS NULL", life.event)).await;
    assert_eq!(rated, 1, "their rating stays, unsigned");
    common::assert_invariants(&app.state.db).await;
    app.assert_counts_match_recount().await;
}
