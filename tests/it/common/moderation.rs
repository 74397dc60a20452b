//! People for moderation tests: staff, organizers and their gatherings.
use super::{Browser, TestApp};
use tongcheng::accounts::Role;
use tongcheng::gatherings::ModerationQueue;

/// A logged-in staff member (or admin) created like `tongcheng create-staff` does.
pub async fn staff_member(app: &TestApp, email: &str, name: &str, role: Role) -> Browser {
    tongcheng::server::seed::create_staff(&app.state.db, email, name, Some("staff-password"), "北京", role, tongcheng::i18n::Locale::en).await.unwrap();
    let browser = app.browser();
    browser.login(email, "staff-password").await;
    browser
}

/// The duty manager, boss@example.com ("Boss").
pub async fn staff(app: &TestApp) -> Browser {
    staff_member(app, "boss@example.com", "Boss", Role::Staff).await
}

pub async fn user_id(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(&app.state.db.pool).await.expect("user")
}

pub async fn moderate(staff: &Browser, subject: &str, id: i64, action: &str, reason: &str) {
    let id = id.to_string();
    let _: () = staff
        .call("moderate", &[("subject", subject), ("id", &id), ("action", action), ("reason", reason)])
        .await
        .unwrap_or_else(|e| panic!("{subject} {action}: {e:?}"));
}

/// A fan of `city` who applied and was approved; returns the logged-in organizer.
pub async fn organizer(app: &TestApp, staff: &Browser, email: &str, city: &str) -> Browser {
    let fan = app.fan(email, city).await;
    apply_and_approve(staff, &fan, email).await;
    fan
}

pub async fn apply_and_approve(staff: &Browser, fan: &Browser, email: &str) {
    let _: () = fan.call("apply_organizer", &[("reason", "I run the local fan club chat.")]).await.expect("apply");
    let queue: ModerationQueue = staff.call("moderation_queue", &[]).await.unwrap();
    let application = queue.applications.iter().find(|a| a.email == email).expect("application in the queue");
    moderate(staff, "application", application.id, "approve", "").await;
    // The role is read from the database on every request: no new log-in needed.
}

pub fn gathering_form<'a>(id: &'a str, title: &'a str, description: &'a str, capacity: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("id", id),
        ("title", title),
        ("description", description),
        ("venue", "Cafe 42"),
        ("address", "42 Road"),
        ("starts", "2099-03-07 19:00"),
        ("ends", ""),
        ("capacity", capacity),
        ("signup_closes", ""),
    ]
}
