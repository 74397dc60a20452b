//! The authorization matrix: every server function and every non-static route, called as
//! each kind of visitor, refused or allowed as the table below says. "Refused" is 401
//! (not logged in) or 403; anything else (an answer, a 404, a message beside a field)
//! means the server let the caller through to the function's own checks.
use crate::common;

use common::moderation::{gathering_form, moderate, organizer, staff_member};
use common::{published_event, Backend, Browser, TestApp};
use reqwest::StatusCode;
use tongcheng::accounts::Role;

on_both_databases!(every_endpoint_refuses_exactly_the_callers_the_table_says);

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Rule {
    Anyone,
    /// Logged in, verified or not.
    LoggedIn,
    /// Organizers (and staff and admins, who may also list gatherings).
    Organizer,
    /// Only the organizer who owns the gathering.
    Owner,
    /// Staff, or the organizer who owns the gathering.
    StaffOrOwner,
    Staff,
    Admin,
    /// A club's officer in term: none of the callers here is one (`tests/it/clubs.rs`
    /// holds the officers' matrix).
    Officer,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Caller {
    Anonymous,
    Unverified,
    Fan,
    Organizer,
    Staff,
    Admin,
}

const CALLERS: [Caller; 6] = [Caller::Anonymous, Caller::Unverified, Caller::Fan, Caller::Organizer, Caller::Staff, Caller::Admin];

fn allowed(rule: Rule, caller: Caller) -> bool {
    use Caller::*;
    match rule {
        Rule::Anyone => true,
        Rule::LoggedIn => caller != Anonymous,
        Rule::Organizer => matches!(caller, Organizer | Staff | Admin),
        Rule::Owner => caller == Organizer,
        Rule::StaffOrOwner => matches!(caller, Organizer | Staff | Admin),
        Rule::Staff => matches!(caller, Staff | Admin),
        Rule::Admin => caller == Admin,
        Rule::Officer => false,
    }
}

/// The table: endpoint, rule, form. Forms are harmless (wrong ids, invalid values), so
/// an allowed call changes nothing that later rows depend on (but the last). `{event}`, `{gathering}`,
/// `{fan}` are filled in.
const TABLE: &[(&str, Rule, &[(&str, &str)])] = &[
    ("city_options", Rule::Anyone, &[]),
    ("cities_with_most_fans", Rule::Anyone, &[]),
    ("city_events", Rule::Anyone, &[("city", "1795565")]),
    ("where_next", Rule::Anyone, &[]),
    ("upcoming_meetups", Rule::Anyone, &[]),
    ("load_meetup", Rule::Anyone, &[("id", "{event}")]),
    ("get_current_user", Rule::Anyone, &[]),
    ("load_fan_page", Rule::Anyone, &[("id", "{fan}")]),
    ("load_city_honour", Rule::Anyone, &[("city_id", "1795565")]),
    // Only ever the caller's own code; nothing for a visitor.
    ("load_referral_code", Rule::Anyone, &[]),
    ("register", Rule::Anyone, &[("email", "not-an-email"), ("display_name", ""), ("password", ""), ("city", "")]),
    ("login", Rule::Anyone, &[("email", "nobody@example.com"), ("password", "wrong-password")]),
    ("verify_email", Rule::Anyone, &[("token", "bogus")]),
    ("request_password_reset", Rule::Anyone, &[("email", "not-an-email")]),
    ("reset_password", Rule::Anyone, &[("token", "bogus"), ("password", "x")]),
    ("confirm_email_change", Rule::Anyone, &[("token", "bogus")]),
    ("unsubscribe", Rule::Anyone, &[("token", "bogus")]),
    ("organizer_status", Rule::LoggedIn, &[]),
    ("apply_organizer", Rule::LoggedIn, &[("reason", "")]),
    ("sign_up", Rule::LoggedIn, &[("id", "999999")]),
    ("cancel_place", Rule::LoggedIn, &[("id", "999999"), ("confirm", "on")]),
    ("apply_for_seat", Rule::LoggedIn, &[("id", "999999")]),
    ("withdraw_application", Rule::LoggedIn, &[("id", "999999"), ("confirm", "on")]),
    ("reconfirm_seat", Rule::LoggedIn, &[("id", "999999")]),
    ("load_staff_admission", Rule::Staff, &[("id", "{event}")]),
    ("pick_applicant", Rule::Staff, &[("id", "{event}"), ("application", "999999"), ("pick", "yes")]),
    ("draw_now", Rule::Staff, &[("id", "{event}"), ("confirm", "on")]),
    ("list_my_meetups", Rule::LoggedIn, &[]),
    ("new_calendar_link", Rule::LoggedIn, &[]),
    ("delete_account", Rule::LoggedIn, &[("password", "not-the-password"), ("confirm", "on")]),
    ("resend_verification", Rule::LoggedIn, &[]),
    ("update_display_name", Rule::LoggedIn, &[("display_name", "")]),
    ("change_home_city", Rule::LoggedIn, &[("city", "Gotham")]),
    ("set_invitation_preference", Rule::LoggedIn, &[]),
    ("set_public_profile", Rule::LoggedIn, &[]),
    ("report_gathering", Rule::LoggedIn, &[("id", "999999"), ("category", "spam"), ("details", "")]),
    ("mailbox", Rule::LoggedIn, &[]),
    ("change_password", Rule::LoggedIn, &[("current_password", "not-the-password"), ("new_password", "x")]),
    ("log_out_other_devices", Rule::LoggedIn, &[]),
    ("request_email_change", Rule::LoggedIn, &[("new_email", "not-an-email"), ("password", "not-the-password")]),
    ("mailbox_message", Rule::LoggedIn, &[("id", "999999")]),
    ("save_gathering", Rule::Organizer, &[("id", ""), ("title", "")]),
    ("own_gathering", Rule::Owner, &[("id", "{gathering}")]),
    ("message_attendees", Rule::Owner, &[("id", "{gathering}"), ("subject", ""), ("body", "")]),
    ("moderation_queue", Rule::Staff, &[]),
    ("moderate", Rule::Staff, &[("subject", "report"), ("id", "999999"), ("action", "bogus")]),
    ("organizer_history", Rule::Staff, &[("user_id", "{fan}")]),
    ("city_ranking", Rule::Staff, &[]),
    ("save_planning_rules", Rule::Staff, &[("min_fans", "x"), ("cooldown_weeks", "x"), ("weekday", "x"), ("local_time", "x")]),
    ("host_plan", Rule::Staff, &[]),
    ("choose_host_city", Rule::Staff, &[("date", "x"), ("city", "x"), ("source", "x")]),
    ("staff_dashboard", Rule::Staff, &[]),
    ("staff_meetups", Rule::Staff, &[]),
    ("load_staff_meetup", Rule::Staff, &[("id", "{event}")]),
    ("invitation_progress", Rule::Staff, &[("id", "{event}")]),
    ("save_meetup", Rule::Staff, &[("id", ""), ("city", "Gotham")]),
    ("publish_meetup", Rule::Staff, &[("id", "{event}"), ("radius_km", "")]),
    ("change_meetup_status", Rule::Staff, &[("id", "{event}"), ("status", "bogus")]),
    // Organizers reach the function; which doors they run it checks per ticket.
    ("check_in", Rule::Organizer, &[("code", "NOPE-NOPE-NOPE")]),
    ("door_manifest", Rule::Staff, &[("event", "{event}")]),
    ("door_board", Rule::Staff, &[("event", "{event}")]),
    ("phone_door", Rule::Staff, &[("event", "{event}")]),
    // Live at the meetup: fans take part only with a seat (tests/it/live.rs); those
    // running it are staff or the gathering's organizer.
    ("live_phone", Rule::Staff, &[("event", "{event}")]),
    ("live_screen", Rule::Staff, &[("event", "{event}"), ("key", "guess")]),
    ("answer_live", Rule::LoggedIn, &[("item", "999999"), ("choice", "0")]),
    ("live_run", Rule::Staff, &[("event", "{event}")]),
    ("save_live_item", Rule::Staff, &[("event", "{event}"), ("kind", "bogus"), ("question", ""), ("options", "")]),
    ("switch_live_item", Rule::LoggedIn, &[("item", "999999"), ("action", "open")]),
    ("copy_live_item", Rule::Staff, &[("item", "999999"), ("event", "{event}")]),
    ("lucky_draw", Rule::Staff, &[("event", "{event}")]),
    ("decide_quiz", Rule::Staff, &[("event", "{event}")]),
    ("screen_link", Rule::Staff, &[("event", "{event}")]),
    ("sync_door", Rule::Staff, &[("event", "{event}"), ("door", "A"), ("scans", "[]")]),
    ("door_status", Rule::StaffOrOwner, &[("id", "{gathering}")]),
    ("close_door", Rule::StaffOrOwner, &[("id", "{gathering}"), ("confirm", "on")]),
    ("load_festival", Rule::Anyone, &[("id", "999999")]),
    ("festival_seats", Rule::Anyone, &[("id", "999999")]),
    ("switch_session", Rule::LoggedIn, &[("festival_id", "999999"), ("id", "999999")]),
    ("staff_festivals", Rule::Staff, &[]),
    ("save_festival", Rule::Staff, &[("id", ""), ("name", ""), ("description", ""), ("day", "x"), ("opens", "x")]),
    ("load_staff_festival", Rule::Staff, &[("id", "999999")]),
    ("add_festival_session", Rule::Staff, &[("festival_id", "999999"), ("city", "Gotham"), ("venue", ""), ("address", ""), ("start_time", "x"), ("capacity", "")]),
    ("propose_festival_cities", Rule::Staff, &[("festival_id", "999999"), ("count", "x"), ("propose_time", "x"), ("propose_capacity", "")]),
    ("invite_festival", Rule::Staff, &[("festival_id", "999999")]),
    ("load_conversation", Rule::Anyone, &[("id", "{event}")]),
    ("ask_question", Rule::LoggedIn, &[("id", "{event}"), ("body", "")]),
    ("vote_question", Rule::LoggedIn, &[("id", "999999")]),
    ("report_question", Rule::LoggedIn, &[("id", "999999"), ("category", "spam"), ("details", "")]),
    ("leave_feedback", Rule::LoggedIn, &[("id", "{event}")]),
    ("event_conversation", Rule::StaffOrOwner, &[("id", "{gathering}")]),
    // Organizers reach the function; whose questions they mark it checks per question.
    ("mark_answered", Rule::Organizer, &[("id", "999999")]),
    ("feedback_by_city", Rule::Staff, &[]),
    ("failed_mail", Rule::Staff, &[]),
    ("retry_mail", Rule::Staff, &[("id", "999999")]),
    ("set_role", Rule::Admin, &[("user_id", "{fan}"), ("role", "bogus")]),
    ("load_club", Rule::Anyone, &[("city", "1795565")]),
    ("follow_club", Rule::LoggedIn, &[("city", "999999")]),
    ("unfollow_club", Rule::LoggedIn, &[("city", "1795565")]),
    ("appoint_officer", Rule::Staff, &[("city", "1795565"), ("email", "x"), ("role", "king"), ("until", "x"), ("reason", "")]),
    ("end_officer_term", Rule::LoggedIn, &[("term", "999999"), ("reason", "x")]),
    ("post_club_news", Rule::Officer, &[("city", "1795565"), ("title", "T"), ("body", "B")]),
    ("hide_club_news", Rule::LoggedIn, &[("id", "999999"), ("reason", "x")]),
    ("load_club_desk", Rule::Staff, &[("city", "1795565")]),
    ("load_club_health", Rule::Staff, &[("sort", "members")]),
    ("report_club_news", Rule::LoggedIn, &[("id", "999999"), ("category", "spam"), ("details", "")]),
    ("load_news_reports", Rule::Staff, &[]),
    ("answer_news_report", Rule::Staff, &[("id", "999999"), ("action", "dismiss")]),
    ("restore_club_news", Rule::Staff, &[("id", "999999"), ("reason", "x")]),
    // Officers in term and staff (who write as staff).
    ("message_club_members", Rule::Staff, &[("city", "1795565"), ("subject", "T"), ("body", "B")]),
    // Last: the owner's call really cancels the gathering.
    ("cancel_gathering", Rule::Owner, &[("id", "{gathering}"), ("confirm", "on")]),
];

/// Plain routes (GET), with the same rules.
const ROUTES: &[(&str, Rule)] = &[
    ("/calendar/city/1795565.ics", Rule::Anyone),
    ("/calendar/me/not-a-token.ics", Rule::Anyone),
    ("/healthz", Rule::Anyone),
    ("/fans/{fan}", Rule::Anyone),
    ("/unsubscribe?token=bogus", Rule::Anyone),
    ("/confirm-email?token=bogus", Rule::Anyone),
    ("/account/export.json", Rule::LoggedIn),
    ("/staff/meetups/{event}/attendees.csv", Rule::Staff),
    ("/staff/meetups/{gathering}/attendees.csv", Rule::StaffOrOwner),
];

async fn unverified(app: &TestApp) -> Browser {
    let browser = app.browser();
    let _: String = browser
        .call("register", &[("email", "pending@example.com"), ("display_name", "Pending"), ("password", "password123"), ("city", "深圳")])
        .await
        .expect("register");
    browser.login("pending@example.com", "password123").await;
    browser
}

async fn every_endpoint_refuses_exactly_the_callers_the_table_says(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff_member(&app, "boss@example.com", "Boss", Role::Staff).await;
    let admin = staff_member(&app, "chief@example.com", "Chief", Role::Admin).await;
    let host = organizer(&app, &staff, "host@example.com", "深圳").await;
    let fan = app.fan("fan@example.com", "深圳").await;
    let fan_id = common::moderation::user_id(&app, "fan@example.com").await.to_string();
    let event = published_event(&app.state.db, app.city_id("深圳").await, Some(10)).await.to_string();
    let gathering: i64 = host.call("save_gathering", &gathering_form("", "Owned", "", "5")).await.expect("list");
    moderate(&staff, "gathering", gathering, "approve", "").await;
    let gathering = gathering.to_string();
    let callers = [
        (Caller::Anonymous, app.browser()),
        (Caller::Unverified, unverified(&app).await),
        (Caller::Fan, fan),
        (Caller::Organizer, host),
        (Caller::Staff, staff),
        (Caller::Admin, admin),
    ];
    assert_eq!(callers.iter().map(|c| c.0).collect::<Vec<_>>(), CALLERS);
    let fill = |value: &str| value.replace("{event}", &event).replace("{gathering}", &gathering).replace("{fan}", &fan_id);

    // The table is complete: every server function the site registers is in it.
    // (`logout` answers anyone and only ends the caller's own session: calling it here
    // would log the callers out for the rows after it.)
    let mut listed: std::collections::HashSet<&str> = TABLE.iter().map(|(endpoint, _, _)| *endpoint).collect();
    listed.insert("logout");
    let mut missing: Vec<&str> =
        leptos::server_fn::axum::server_fn_paths().filter_map(|(path, _)| path.strip_prefix("/api/")).filter(|name| !listed.contains(name)).collect();
    missing.sort_unstable();
    assert!(missing.is_empty(), "server functions missing from the matrix (and so from the fuzz test): {missing:?}");

    let mut wrong = Vec::new();
    for (endpoint, rule, form) in TABLE {
        let form: Vec<(String, String)> = form.iter().map(|(k, v)| (k.to_string(), fill(v))).collect();
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        for (caller, browser) in &callers {
            let refused = match browser.call::<serde_json::Value>(endpoint, &form).await {
                Ok(_) => false,
                Err((status, _)) => matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN),
            };
            if refused == allowed(*rule, *caller) {
                wrong.push(format!("{endpoint} as {caller:?}: {}", if refused { "refused" } else { "allowed" }));
            }
        }
    }
    for (path, rule) in ROUTES {
        let path = fill(path);
        for (caller, browser) in &callers {
            let status = browser.client.get(format!("{}{path}", app.base)).send().await.unwrap().status();
            let refused = matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN);
            if refused == allowed(*rule, *caller) {
                wrong.push(format!("GET {path} as {caller:?}: {status}"));
            }
        }
    }
    assert!(wrong.is_empty(), "callers treated against the table:\n{}", wrong.join("\n"));
}
