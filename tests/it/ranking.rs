//! City ranking, the host-city planner and "Where next?", on both databases.
use crate::common;

use common::{Backend, Browser, TestApp};
use reqwest::StatusCode;
use tongcheng::accounts::Role;
use tongcheng::error::AppError;
use tongcheng::staff::ranking::{RankedCity, Standing};
use tongcheng::staff::{CityStanding, PlanPage, RankingPage};

on_both_databases!(
    only_staff_see_and_act_on_the_plan,
    ranking_moves_at_once_with_every_account_change,
    threshold_and_cool_down_are_settable_and_respected,
    accepting_swapping_and_picking_create_drafts_and_record_decisions,
    fans_see_their_city_standing,
    the_ranking_page_shows_fifty_cities_at_a_time,
);


async fn set_rules(staff: &Browser, min_fans: &str, cooldown: &str) {
    let _: () = staff
        .call("save_planning_rules", &[("min_fans", min_fans), ("cooldown_weeks", cooldown), ("weekday", "5"), ("local_time", "14:00")])
        .await
        .expect("save rules");
}

async fn ranking(staff: &Browser) -> Vec<RankedCity> {
    let page: RankingPage = staff.call("city_ranking", &[]).await.expect("ranking");
    page.rows
}

fn row<'a>(rows: &'a [RankedCity], name_zh: &str) -> &'a RankedCity {
    rows.iter().find(|c| c.figures.name_zh == name_zh).expect("city in ranking")
}

async fn only_staff_see_and_act_on_the_plan(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fan = app.fan("fan@example.com", "深圳").await;
    let anonymous = app.browser();
    for endpoint in ["city_ranking", "host_plan", "staff_dashboard"] {
        let by_fan: Result<serde_json::Value, _> = fan.call(endpoint, &[]).await;
        assert_eq!(by_fan.unwrap_err(), (StatusCode::FORBIDDEN, AppError::Forbidden), "{endpoint}");
        let by_anonymous: Result<serde_json::Value, _> = anonymous.call(endpoint, &[]).await;
        assert_eq!(by_anonymous.unwrap_err(), (StatusCode::UNAUTHORIZED, AppError::Unauthorized), "{endpoint}");
    }
    let form = [("date", "2099-01-03"), ("city", "深圳"), ("source", "manual")];
    let chosen: Result<i64, _> = fan.call("choose_host_city", &form).await;
    assert_eq!(chosen.unwrap_err().1, AppError::Forbidden);
    let saved: Result<(), _> = fan.call("save_planning_rules", &[("min_fans", "1"), ("cooldown_weeks", "1"), ("weekday", "0"), ("local_time", "10:00")]).await;
    assert_eq!(saved.unwrap_err().1, AppError::Forbidden);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM events").await, 0);
    for page in ["/staff", "/staff/ranking", "/staff/planner"] {
        let (_, html) = fan.page(page).await;
        assert!(html.contains("You are not allowed to do that."), "{page}");
    }
    // Admins are staff too.
    tongcheng::server::seed::create_staff(&app.state.db, "admin@example.com", "Admin", Some("admin-password"), "北京", Role::Admin, tongcheng::i18n::Locale::en)
        .await
        .unwrap();
    let admin = app.browser();
    admin.login("admin@example.com", "admin-password").await;
    let _: PlanPage = admin.call("host_plan", &[]).await.expect("admins see the plan");
}

async fn ranking_moves_at_once_with_every_account_change(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = common::staff_browser(&app).await;
    let fans_in = |rows: &[RankedCity], city: &str| row(rows, city).figures.verified_fans;
    let start = ranking(&staff).await;
    let (sz, wh) = (fans_in(&start, "深圳"), fans_in(&start, "武汉"));

    let newcomer = app.browser();
    let _: String = newcomer
        .call("register", &[("email", "new@example.com"), ("display_name", "New"), ("password", "password123"), ("city", "深圳")])
        .await
        .unwrap();
    assert_eq!(fans_in(&ranking(&staff).await, "深圳"), sz, "registered but unverified: not counted");
    let token = app.latest_token("new@example.com").await;
    let _: String = newcomer.call("verify_email", &[("token", &token)]).await.unwrap();
    let rows = ranking(&staff).await;
    assert_eq!(fans_in(&rows, "深圳"), sz + 1, "verified: counted");
    assert_eq!(row(&rows, "深圳").figures.joined_30d, 1, "a new fan this month");

    newcomer.login("new@example.com", "password123").await;
    let _: String = newcomer.call("change_home_city", &[("city", "武汉")]).await.unwrap();
    let rows = ranking(&staff).await;
    assert_eq!((fans_in(&rows, "深圳"), fans_in(&rows, "武汉")), (sz, wh + 1), "moved city");

    let _: () = newcomer.call("delete_account", &[("password", "password123"), ("confirm", "on")]).await.unwrap();
    assert_eq!(fans_in(&ranking(&staff).await, "武汉"), wh, "deleted: gone");
    app.assert_counts_match_recount().await;
}

async fn threshold_and_cool_down_are_settable_and_respected(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = common::staff_browser(&app).await;
    app.fan("a@example.com", "成都").await;
    app.fan("b@example.com", "成都").await;
    app.fan("c@example.com", "拉萨").await;
    set_rules(&staff, "2", "12").await;
    let rows = ranking(&staff).await;
    assert_eq!(row(&rows, "成都").standing, Standing::Eligible);
    assert_eq!(row(&rows, "拉萨").standing, Standing::TooFewFans);
    assert_eq!(row(&rows, "拉萨").fans_needed, 1);
    assert!(row(&rows, "拉萨").explanation.contains("needs 1 more"));
    // Chengdu hosted two weeks ago: it rests.
    let two_weeks_ago = tongcheng::infra::clock::now() - 14 * 24 * 3600;
    common::execute(
        &app.state.db,
        "INSERT INTO events (kind, city_id, title, starts_at, ends_at, status, created_at, updated_at) \
         VALUES ('official', $1, 'Past', $2, $2, 'published', $2, $2)",
        &[app.city_id("成都").await, two_weeks_ago],
    )
    .await;
    let rows = ranking(&staff).await;
    assert_eq!(row(&rows, "成都").standing, Standing::Resting);
    assert!(row(&rows, "成都").explanation.contains("last hosted 2 weeks ago"));
    set_rules(&staff, "2", "1").await;
    assert_eq!(row(&ranking(&staff).await, "成都").standing, Standing::Eligible, "shorter cool-down");
    let bad: Result<(), _> = staff
        .call("save_planning_rules", &[("min_fans", "0"), ("cooldown_weeks", "x"), ("weekday", "9"), ("local_time", "25:99")])
        .await;
    let error = bad.unwrap_err().1;
    for field in ["min_fans", "cooldown_weeks", "weekday", "local_time"] {
        assert!(error.field_message(field).is_some(), "{field}");
    }
    // Sorting and the province filter.
    let page: RankingPage = staff.call("city_ranking", &[("sort", "fans"), ("desc", "1"), ("province", "Sichuan")]).await.unwrap();
    assert!(page.rows.iter().all(|c| c.figures.province_en == "Sichuan"));
    assert_eq!(page.rows[0].figures.name_zh, "成都");
}

async fn accepting_swapping_and_picking_create_drafts_and_record_decisions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = common::staff_browser(&app).await;
    for (email, city) in [("a@example.com", "广州"), ("b@example.com", "广州"), ("c@example.com", "西安"), ("d@example.com", "西安"), ("e@example.com", "西安")] {
        app.fan(email, city).await;
    }
    set_rules(&staff, "2", "12").await;
    let plan: PlanPage = staff.call("host_plan", &[]).await.unwrap();
    assert_eq!(plan.proposals.len(), 6);
    let proposed: Vec<Option<String>> = plan.proposals.iter().map(|p| p.city.as_ref().map(|c| c.figures.name_zh.clone())).collect();
    assert_eq!(proposed.iter().flatten().count(), plan.eligible.len().min(6), "each eligible city once");
    let first = &plan.proposals[0];
    let city = first.city.as_ref().unwrap();
    assert!(first.local_start.contains("14:00"), "{}", first.local_start);

    let id: i64 = staff
        .call("choose_host_city", &[("date", &first.date), ("city", &city.figures.city_id.to_string()), ("source", "proposal")])
        .await
        .expect("accept");
    let (status, capacity): (String, Option<i64>) = sqlx::query_as("SELECT status, capacity FROM events WHERE id = $1")
        .bind(id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!((status.as_str(), capacity), ("draft", Some(50)));

    let plan: PlanPage = staff.call("host_plan", &[]).await.unwrap();
    assert!(
        plan.proposals.iter().all(|p| p.city.as_ref().map(|c| c.figures.city_id) != Some(city.figures.city_id)),
        "a scheduled city is not proposed again"
    );
    assert!(plan.proposals[0].date > first.date, "the rotation moves on");
    assert_eq!(plan.decisions.len(), 1);
    let decision = &plan.decisions[0];
    assert_eq!((decision.source.as_str(), decision.decided_by.as_str()), ("proposal", "Boss"));
    assert!(decision.figures.contains("fans per 100k"), "figures recorded: {}", decision.figures);
    assert_eq!(decision.event_id, Some(id));

    // Swapping in a city that is not eligible is refused; picking by hand is not.
    let swap: Result<i64, _> = staff.call("choose_host_city", &[("date", &plan.proposals[0].date), ("city", "拉萨"), ("source", "swap")]).await;
    assert!(swap.unwrap_err().1.field_message("city").unwrap().contains("not eligible"));
    let manual: i64 = staff.call("choose_host_city", &[("date", "2099-06-06"), ("city", "lasa"), ("source", "manual")]).await.unwrap();
    assert!(manual > id);
    let past: Result<i64, _> = staff.call("choose_host_city", &[("date", "2001-01-01"), ("city", "拉萨"), ("source", "manual")]).await;
    assert!(past.unwrap_err().1.field_message("date").is_some());
    let plan: PlanPage = staff.call("host_plan", &[]).await.unwrap();
    assert_eq!(plan.decisions.len(), 2);
    assert_eq!(plan.decisions[0].source, "manual");
}

async fn fans_see_their_city_standing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fan = app.fan("me@example.com", "杭州").await;
    let mine: Option<CityStanding> = fan.call("where_next", &[]).await.unwrap();
    let mine = mine.expect("the fan's own city");
    assert_eq!(mine.city.figures.name_zh, "杭州");
    assert_eq!(mine.city.fans_needed, 99, "100 needed by default, 1 there");
    assert!(mine.share_url.ends_with(&format!("/where-next?city={}", mine.city.figures.city_id)));
    let other: Option<CityStanding> = app.browser().call("where_next", &[("city", "上海")]).await.unwrap();
    assert_eq!(other.unwrap().city.figures.name_zh, "上海");
    let nobody: Option<CityStanding> = app.browser().call("where_next", &[]).await.unwrap();
    assert!(nobody.is_none());
    let (_, html) = fan.page("/where-next").await;
    assert!(html.contains("needs 99 more verified fans"), "server-rendered standing");
}

/// On a phone the ranking is read a page at a time: fifty rows, then a link to the next
/// fifty; every city at once only when asked.
async fn the_ranking_page_shows_fifty_cities_at_a_time(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = common::staff_browser(&app).await;
    let cities = staff.call::<RankingPage>("city_ranking", &[]).await.expect("ranking").total;
    assert!(cities > 100, "the city catalogue is ranked: {cities}");
    let rows = |html: &str| html.matches("<tr class=\"standing-").count();
    let (_, first) = staff.page("/staff/ranking").await;
    assert_eq!(rows(&first), 50);
    assert!(first.contains("&amp;page=2\" rel=\"next\"") || first.contains("&page=2\" rel=\"next\""), "a link to the next page");
    let (_, last) = staff.page(&format!("/staff/ranking?page={}", cities.div_ceil(50))).await;
    assert_eq!(rows(&last), cities - (cities.div_ceil(50) - 1) * 50);
    assert!(!last.contains("rel=\"next\""), "no page after the last");
    let (_, all) = staff.page("/staff/ranking?page=all").await;
    assert_eq!(rows(&all), cities);
}
