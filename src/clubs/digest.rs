//! The weekly club digest: from Friday 18:00 Beijing time, every member (home city) and
//! follower of a club that posted news in the last seven days gets one email with it,
//! in their language for the frame and the posts as written. Bulk mail: it honours
//! unsubscribing and carries `List-Unsubscribe`. Each copy's idempotency key is
//! `digest:{club}:{ISO week}:{fan}`, and each club's week is claimed once in
//! `club_digests`, so every process may run the timer: a fan gets one digest per club a
//! week (a fan following clubs gets one from each).
use super::{iso_week, repo};
use crate::email::templates::{self, Body, Localized};
use crate::error::AppError;
use crate::i18n::td_string;
use crate::infra::db::Db;

const WEEK: i64 = 7 * 86_400;

/// Whether digests go out at `now`: Friday from 18:00 Beijing time to the week's end.
pub fn due(now: i64) -> bool {
    use chrono::{Datelike, Timelike, Weekday};
    let Some(beijing) = chrono::DateTime::from_timestamp(now + 8 * 3600, 0) else { return false };
    match beijing.weekday() {
        Weekday::Fri => beijing.hour() >= 18,
        Weekday::Sat | Weekday::Sun => true,
        _ => false,
    }
}

/// Queues this week's digests if they are due; returns how many were queued.
pub async fn run_due(db: &Db, base: &str, now: i64) -> Result<u64, AppError> {
    if !due(now) {
        return Ok(0);
    }
    let clubs: Vec<i64> = sqlx::query_scalar("SELECT DISTINCT city_id FROM club_news WHERE status = 'published' AND created_at > $1")
        .bind(now - WEEK)
        .fetch_all(&db.pool)
        .await?;
    let mut queued = 0;
    for city in clubs {
        queued += queue_for_club(db, city, base, now).await?;
    }
    Ok(queued)
}

/// Queues the club's digest of the week `now` is in for every member and follower: the
/// news since the last digest's (or of the last seven days), none lost or sent twice
/// however the timer runs, and at most one digest a week (`club_digests`, whose key also
/// lets one process of several do it).
pub async fn queue_for_club(db: &Db, city_id: i64, base: &str, now: i64) -> Result<u64, AppError> {
    let week = iso_week(now);
    let last: Option<i64> = sqlx::query_scalar("SELECT MAX(covered_until) FROM club_digests WHERE city_id = $1").bind(city_id).fetch_one(&db.pool).await?;
    let news = repo::news(db, city_id, last.unwrap_or(now - WEEK), 20).await?;
    if news.is_empty() {
        return Ok(0);
    }
    // A timer has no request, so no catalogue in context: the names come from the row.
    let (name_zh, name_en): (String, String) = sqlx::query_as("SELECT name_zh, name_en FROM cities WHERE id = $1").bind(city_id).fetch_one(&db.pool).await?;
    let url = format!("{base}/clubs/{city_id}");
    let mail = Localized::build(|l| {
        let name = crate::language::city_name(l, &name_zh, &name_en);
        let mut paragraphs = vec![td_string!(l, clubs.digest.intro, city = name).to_string()];
        for (_, title, body, author, _) in &news {
            paragraphs.push(as_written(&format!("{title}\n{body}\n— {author}")));
        }
        let body = Body { greeting: td_string!(l, email.hello).to_string(), paragraphs, link: Some((td_string!(l, clubs.digest.button), &url)) };
        let subject = td_string!(l, clubs.digest.subject, city = name).to_string();
        let mail = templates::message(l, "club_digest", String::new(), "", subject, &body);
        templates::unsubscribable_copy(mail, l, base)
    });
    let members = "FROM users u WHERE u.email_verified_at IS NOT NULL \
         AND (u.home_city_id = $1 OR u.id IN (SELECT f.user_id FROM club_follows f WHERE f.city_id = $1))";
    let mut tx = db.begin_write().await?;
    let claimed = sqlx::query("INSERT INTO club_digests (city_id, week, covered_until) VALUES ($1, $2, $3) ON CONFLICT (city_id, week) DO NOTHING")
        .bind(city_id)
        .bind(&week)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    if claimed.rows_affected() == 0 {
        return Ok(0);
    }
    let key = format!("digest:{city_id}:{week}:");
    let queued = crate::email::copies::enqueue_copies(&mut tx, &mail, &key, "u.id", members, &[city_id], now).await?;
    tx.commit().await?;
    Ok(queued)
}

/// What officers wrote, as written, except the placeholders the per-fan copy fills in
/// (`{{unsubscribe_token}}` would hand each reader's secret to a link of the writer's).
fn as_written(text: &str) -> String {
    text.replace("{{", "{ {")
}

/// Every ten minutes, queues the digests that are due (a no-op once a week's are out).
pub async fn digests_forever(state: crate::infra::state::AppState) {
    loop {
        match run_due(&state.db, &state.config.public_url, crate::infra::clock::now()).await {
            Ok(0) => {}
            Ok(queued) => tracing::info!(queued, "club digests queued"),
            Err(error) => tracing::error!(%error, "club digests"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(600)).await;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn officers_text_cannot_take_a_placeholder() {
        assert_eq!(super::as_written("see https://x.example/?t={{unsubscribe_token}}"), "see https://x.example/?t={ {unsubscribe_token}}");
    }

    #[test]
    fn digests_go_out_from_friday_evening_beijing_time() {
        // 2026-12-04 is a Friday; 10:00 UTC is 18:00 in Beijing.
        let friday_utc_midnight = 1_796_342_400;
        assert!(!super::due(friday_utc_midnight + 9 * 3600 + 59 * 60), "17:59 Beijing");
        assert!(super::due(friday_utc_midnight + 10 * 3600), "18:00 Beijing");
        assert!(super::due(friday_utc_midnight + 2 * 86_400), "Sunday");
        assert!(!super::due(friday_utc_midnight + 3 * 86_400), "Monday");
    }
}
