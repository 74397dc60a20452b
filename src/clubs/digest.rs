//! The weekly club digest: from Friday 18:00 Beijing time, every fan gets at most one
//! email a week with the news their clubs (home city's and followed ones) posted since
//! the last digest, in their language for the frame and the posts as written. Bulk
//! mail: it honours unsubscribing and carries `List-Unsubscribe`. The week is claimed
//! once in `digest_runs` (and none follows within six days), each post carried is
//! marked with its week, and each copy's idempotency key is `digest:{ISO week}:{fan}`,
//! so every process may run the timer and a fan still gets one.
use super::iso_week;
use crate::email::templates::{self, Body, Localized};
use crate::error::AppError;
use crate::i18n::td_string;
use crate::infra::db::{Db, Tx};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Beijing time's offset from UTC: weeks are Beijing's.
const BEIJING: i64 = 8 * 3600;
/// The least time between two digests (whatever ran them).
const MIN_GAP: i64 = 6 * 86_400;
/// How old a post may be and still go out (one put back a month later does not).
const NEWS_WINDOW: i64 = 14 * 86_400;
/// Posts of one club in one digest, newest first.
const POSTS_PER_CLUB: usize = 20;
/// Recipients per `INSERT … SELECT` (their ids are written into the statement).
const RECIPIENTS_PER_STATEMENT: usize = 5_000;

/// Whether digests go out at `now`: Friday from 18:00 Beijing time to the week's end.
pub fn due(now: i64) -> bool {
    use chrono::{Datelike, Timelike, Weekday};
    let Some(beijing) = chrono::DateTime::from_timestamp(now + BEIJING, 0) else { return false };
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
    queue_week(db, base, now).await
}

/// A club's posts for the digest: (title, body, author).
struct ClubNews {
    name_zh: String,
    name_en: String,
    posts: Vec<(String, String, String)>,
}

/// Queues the digest of the week `now` is in (Beijing time), once: nothing if a digest
/// went out in the last `MIN_GAP` (here or in another process, by the timer or the
/// command line) or if no club has news. Each fan gets one message with the news of all
/// their clubs not yet in a digest; those posts are marked with the week.
pub async fn queue_week(db: &Db, base: &str, now: i64) -> Result<u64, AppError> {
    let week = iso_week(now + BEIJING);
    let mut tx = db.begin_write().await?;
    let last: Option<i64> = sqlx::query_scalar("SELECT MAX(ran_at) FROM digest_runs").fetch_one(&mut *tx).await?;
    if last.is_some_and(|at| now - at < MIN_GAP) {
        return Ok(0);
    }
    let (ids, clubs) = undigested(&mut tx, now).await?;
    // A week without news is not claimed: a post later that weekend still goes out.
    if clubs.is_empty() {
        return Ok(0);
    }
    let claimed = sqlx::query("INSERT INTO digest_runs (week, ran_at, queued) VALUES ($1, $2, 0) ON CONFLICT (week) DO NOTHING")
        .bind(&week)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    if claimed.rows_affected() == 0 {
        return Ok(0);
    }
    let mut queued = 0;
    for (combination, fans) in readers(&mut tx, &clubs).await? {
        let mail = letter(&clubs, &combination, base);
        for chunk in fans.chunks(RECIPIENTS_PER_STATEMENT) {
            // Ids are integers from our own rows, not input.
            let ids = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
            let from_where = format!("FROM users u WHERE u.id IN ({ids})");
            queued += crate::email::copies::enqueue_copies(&mut tx, &mail, &format!("digest:{week}:"), "u.id", &from_where, &[], now).await?;
        }
    }
    let ids = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    sqlx::query(&format!("UPDATE club_news SET digest_week = $1 WHERE id IN ({ids})")).bind(&week).execute(&mut *tx).await?;
    sqlx::query("UPDATE digest_runs SET queued = $1 WHERE week = $2").bind(queued as i64).bind(&week).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(queued)
}

/// Published posts of the last `NEWS_WINDOW` no digest carried yet: their ids, and the
/// clubs with their posts (each club's newest `POSTS_PER_CLUB`).
async fn undigested(tx: &mut Tx, now: i64) -> Result<(Vec<i64>, BTreeMap<i64, ClubNews>), sqlx::Error> {
    let rows: Vec<(i64, i64, String, String, String, String, String)> = sqlx::query_as(
        "SELECT n.id, n.city_id, c.name_zh, c.name_en, n.title, n.body, n.author_name FROM club_news n JOIN cities c ON c.id = n.city_id \
         WHERE n.status = 'published' AND n.digest_week IS NULL AND n.created_at > $1 AND n.created_at <= $2 \
         ORDER BY n.city_id, n.created_at DESC, n.id DESC",
    )
    .bind(now - NEWS_WINDOW)
    .bind(now)
    .fetch_all(&mut **tx)
    .await?;
    let mut ids = Vec::new();
    let mut clubs: BTreeMap<i64, ClubNews> = BTreeMap::new();
    for (id, city, name_zh, name_en, title, body, author) in rows {
        let club = clubs.entry(city).or_insert(ClubNews { name_zh, name_en, posts: Vec::new() });
        if club.posts.len() < POSTS_PER_CLUB {
            club.posts.push((title, body, author));
            ids.push(id);
        }
    }
    Ok((ids, clubs))
}

/// Who reads which clubs' news: verified fans who want bulk mail, grouped by the set of
/// `clubs` they belong to (home city or followed), so each group shares one letter.
async fn readers(tx: &mut Tx, clubs: &BTreeMap<i64, ClubNews>) -> Result<BTreeMap<Vec<i64>, Vec<i64>>, sqlx::Error> {
    let ids = clubs.keys().map(i64::to_string).collect::<Vec<_>>().join(", ");
    let pairs: Vec<(i64, i64)> = sqlx::query_as(&format!(
        "SELECT u.id, u.home_city_id FROM users u WHERE u.email_verified_at IS NOT NULL AND u.wants_invitations = 1 AND u.home_city_id IN ({ids}) \
         UNION ALL SELECT f.user_id, f.city_id FROM club_follows f JOIN users u ON u.id = f.user_id \
         WHERE u.email_verified_at IS NOT NULL AND u.wants_invitations = 1 AND f.city_id IN ({ids})"
    ))
    .fetch_all(&mut **tx)
    .await?;
    Ok(group_readers(pairs))
}

/// (fan, club) pairs → each distinct set of clubs with its fans.
fn group_readers(pairs: Vec<(i64, i64)>) -> BTreeMap<Vec<i64>, Vec<i64>> {
    let mut by_fan: HashMap<i64, BTreeSet<i64>> = HashMap::new();
    for (fan, club) in pairs {
        by_fan.entry(fan).or_default().insert(club);
    }
    let mut groups: BTreeMap<Vec<i64>, Vec<i64>> = BTreeMap::new();
    for (fan, clubs) in by_fan {
        groups.entry(clubs.into_iter().collect()).or_default().push(fan);
    }
    for fans in groups.values_mut() {
        fans.sort_unstable();
    }
    groups
}

/// One letter with the news of `combination`'s clubs, in every language.
fn letter(clubs: &BTreeMap<i64, ClubNews>, combination: &[i64], base: &str) -> Localized {
    let first_url = format!("{base}/clubs/{}", combination.first().copied().unwrap_or_default());
    Localized::build(|l| {
        let mut paragraphs = Vec::new();
        let mut names = Vec::new();
        for city in combination {
            let Some(club) = clubs.get(city) else { continue };
            let name = crate::language::city_name(l, &club.name_zh, &club.name_en);
            names.push(name.to_string());
            paragraphs.push(format!("{} {base}/clubs/{city}", td_string!(l, clubs.digest.intro, city = name)));
            for (title, body, author) in &club.posts {
                paragraphs.push(format!("{title}\n{body}\n— {author}"));
            }
        }
        let subject = match names.as_slice() {
            [one] => td_string!(l, clubs.digest.subject, city = one.as_str()).to_string(),
            _ => td_string!(l, clubs.digest.subject_many, count = names.len()).to_string(),
        };
        let body = Body { greeting: td_string!(l, email.hello).to_string(), paragraphs, link: Some((td_string!(l, clubs.digest.button), &first_url)) };
        let mail = templates::message(l, "club_digest", String::new(), "", subject, &body);
        templates::unsubscribable_copy(mail, l, base)
    })
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
    fn a_fan_of_several_clubs_is_in_one_group() {
        let groups = super::group_readers(vec![(1, 10), (2, 10), (3, 20), (2, 20), (4, 10), (4, 10)]);
        let groups: Vec<(Vec<i64>, Vec<i64>)> = groups.into_iter().collect();
        assert_eq!(groups, vec![(vec![10], vec![1, 4]), (vec![10, 20], vec![2]), (vec![20], vec![3])]);
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
