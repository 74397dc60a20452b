//! Storage of clubs: members and followers, news, and the figures of the staff view.
use crate::infra::db::{Db, Tx};

/// (members: verified fans of the city, followers).
pub async fn counts(db: &Db, city_id: i64) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as("SELECT c.verified_fans, (SELECT COUNT(*) FROM club_follows f WHERE f.city_id = c.id) FROM cities c WHERE c.id = $1")
        .bind(city_id)
        .fetch_one(&db.pool)
        .await
}

/// Holds the fan's row until commit: what counts their follows or posts runs one at a
/// time per fan (PostgreSQL; SQLite's single writer already does).
async fn lock_fan(tx: &mut Tx, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(&format!("SELECT id FROM users WHERE id = $1 {}", tx.dialect.row_lock())).bind(user_id).fetch_optional(&mut **tx).await?;
    Ok(())
}

/// The clubs `user_id` follows.
pub async fn followed(db: &Db, user_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT city_id FROM club_follows WHERE user_id = $1 ORDER BY created_at").bind(user_id).fetch_all(&db.pool).await
}

/// Follows a club unless the fan already follows `max` (counted under a lock on the
/// fan's row, so two presses at once cannot make it `max + 1`). `Ok(false)`: too many.
pub async fn follow(tx: &mut Tx, user_id: i64, city_id: i64, max: usize, now: i64) -> Result<bool, sqlx::Error> {
    lock_fan(tx, user_id).await?;
    let already: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM club_follows WHERE user_id = $1 AND city_id <> $2").bind(user_id).bind(city_id).fetch_one(&mut **tx).await?;
    if already >= max as i64 {
        return Ok(false);
    }
    sqlx::query("INSERT INTO club_follows (user_id, city_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (user_id, city_id) DO NOTHING")
        .bind(user_id)
        .bind(city_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(true)
}

pub async fn unfollow(tx: &mut Tx, user_id: i64, city_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM club_follows WHERE user_id = $1 AND city_id = $2").bind(user_id).bind(city_id).execute(&mut **tx).await?;
    Ok(())
}

/// A news post as stored: (id, title, body, author name, created).
pub type NewsRow = (i64, String, String, String, i64);

pub async fn news(db: &Db, city_id: i64, since: i64, limit: i64) -> Result<Vec<NewsRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, title, body, author_name, created_at FROM club_news WHERE city_id = $1 AND status = 'published' AND created_at >= $2 \
         ORDER BY created_at DESC, id DESC LIMIT $3",
    )
    .bind(city_id)
    .bind(since)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

pub async fn insert_news(tx: &mut Tx, city_id: i64, author: (i64, &str), title: &str, body: &str, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO club_news (city_id, author_id, author_name, title, body, status, created_at) VALUES ($1, $2, $3, $4, $5, 'published', $6) RETURNING id",
    )
    .bind(city_id)
    .bind(author.0)
    .bind(author.1)
    .bind(title)
    .bind(body)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

/// The club a post belongs to (locked against a second decision), if the post exists.
pub async fn news_club(tx: &mut Tx, news_id: i64) -> Result<Option<(i64, String)>, sqlx::Error> {
    let sql = format!("SELECT city_id, status FROM club_news WHERE id = $1 {}", tx.dialect.row_lock());
    sqlx::query_as(&sql).bind(news_id).fetch_optional(&mut **tx).await
}

pub async fn set_news_status(tx: &mut Tx, news_id: i64, status: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE club_news SET status = $1 WHERE id = $2").bind(status).bind(news_id).execute(&mut **tx).await?;
    Ok(())
}

/// Posts by `author_id` in the last day (the posting limit), counted under a lock on the
/// author's row so posts sent at once are counted one after the other.
pub async fn posts_today(tx: &mut Tx, author_id: i64, now: i64) -> Result<i64, sqlx::Error> {
    lock_fan(tx, author_id).await?;
    sqlx::query_scalar("SELECT COUNT(*) FROM club_news WHERE author_id = $1 AND created_at > $2").bind(author_id).bind(now - 86_400).fetch_one(&mut **tx).await
}

/// (event, fans who came, average rating, ratings) for each of `events`.
pub async fn event_outcomes(db: &Db, events: &[i64]) -> Result<Vec<(i64, i64, Option<f64>, i64)>, sqlx::Error> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    // Ids are integers from our own rows, not input.
    let ids = events.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    sqlx::query_as(&format!(
        "SELECT e.id, (SELECT COUNT(*) FROM attendance a WHERE a.event_id = e.id AND a.outcome = 'attended'), \
           (SELECT CAST(AVG(f.rating) AS DOUBLE PRECISION) FROM feedback f WHERE f.event_id = e.id), \
           (SELECT COUNT(*) FROM feedback f WHERE f.event_id = e.id) \
         FROM events e WHERE e.id IN ({ids})"
    ))
    .fetch_all(&db.pool)
    .await
}

/// Every club's figures for the staff view: (city, name zh, name en, province zh,
/// province en, members, officers in term, gatherings in the last 90 days, fans who
/// came to them, their average rating, open reports, longitude, latitude).
pub type HealthRow = (i64, String, String, String, String, i64, i64, i64, i64, Option<f64>, i64, f64, f64);

pub async fn health(db: &Db, now: i64) -> Result<Vec<HealthRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.id, c.name_zh, c.name_en, c.province_zh, c.province_en, c.verified_fans, \
           (SELECT COUNT(DISTINCT o.user_id) FROM club_officers o WHERE o.city_id = c.id AND o.starts_at <= $1 AND o.ends_at > $1 AND (o.ended_at IS NULL OR o.ended_at > $1)), \
           COALESCE(g.gatherings, 0), COALESCE(g.attended, 0), g.rating, \
           (SELECT COUNT(*) FROM reports r JOIN events e ON e.id = r.event_id WHERE e.city_id = c.id AND r.status = 'open') \
           + (SELECT COUNT(*) FROM club_news_reports nr JOIN club_news n ON n.id = nr.news_id WHERE n.city_id = c.id AND nr.status = 'open'), \
           c.longitude, c.latitude \
         FROM cities c LEFT JOIN ( \
           SELECT e.city_id, COUNT(*) AS gatherings, \
             CAST(SUM((SELECT COUNT(*) FROM attendance a WHERE a.event_id = e.id AND a.outcome = 'attended')) AS BIGINT) AS attended, \
             CAST(AVG((SELECT AVG(f.rating) FROM feedback f WHERE f.event_id = e.id)) AS DOUBLE PRECISION) AS rating \
           FROM events e WHERE e.kind = 'gathering' AND e.status IN ('published', 'postponed') AND e.starts_at >= $2 AND e.starts_at < $1 \
           GROUP BY e.city_id) g ON g.city_id = c.id",
    )
    .bind(now)
    .bind(now - 90 * 86_400)
    .fetch_all(&db.pool)
    .await
}

/// Files a fan's report about a news post; `false` when they already reported it.
pub async fn insert_news_report(tx: &mut Tx, news_id: i64, reporter: i64, category: &str, details: &str, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO club_news_reports (news_id, reporter_id, category, details, status, created_at) VALUES ($1, $2, $3, $4, 'open', $5) \
         ON CONFLICT (news_id, reporter_id) DO NOTHING",
    )
    .bind(news_id)
    .bind(reporter)
    .bind(category)
    .bind(details)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An open news report: (id, news, city, city zh, city en, title, author, category,
/// details, reporter).
pub type NewsReportRow = (i64, i64, i64, String, String, String, String, String, String, Option<String>);

/// Open reports about news, of one club or (`None`) of all.
pub async fn open_news_reports(db: &Db, city_id: Option<i64>) -> Result<Vec<NewsReportRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.id, n.id, n.city_id, c.name_zh, c.name_en, n.title, n.author_name, r.category, r.details, u.display_name \
         FROM club_news_reports r JOIN club_news n ON n.id = r.news_id JOIN cities c ON c.id = n.city_id \
         LEFT JOIN users u ON u.id = r.reporter_id WHERE r.status = 'open' AND ($1 = 0 OR n.city_id = $1) ORDER BY r.id",
    )
    .bind(city_id.unwrap_or(0))
    .fetch_all(&db.pool)
    .await
}

/// Resolves an open news report; the post it is about.
pub async fn resolve_news_report(tx: &mut Tx, id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("UPDATE club_news_reports SET status = 'resolved' WHERE id = $1 AND status = 'open' RETURNING news_id").bind(id).fetch_optional(&mut **tx).await
}

/// Hidden news and hidden or sent-back gatherings of a club: (subject, id, title).
pub async fn hidden(db: &Db, city_id: i64) -> Result<Vec<(String, i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT 'news', id, title FROM club_news WHERE city_id = $1 AND status = 'hidden' \
         UNION ALL SELECT 'gathering', id, title FROM events WHERE city_id = $1 AND kind = 'gathering' AND status IN ('hidden', 'rejected') \
         ORDER BY 2 DESC LIMIT 50",
    )
    .bind(city_id)
    .fetch_all(&db.pool)
    .await
}

/// Messages sent to a club in the seven days before `now`, counted under a lock on the
/// club's row so two sent at once are counted one after the other.
pub async fn messages_this_week(tx: &mut Tx, city_id: i64, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query(&format!("SELECT id FROM cities WHERE id = $1 {}", tx.dialect.row_lock())).bind(city_id).fetch_optional(&mut **tx).await?;
    sqlx::query_scalar("SELECT COUNT(*) FROM club_messages WHERE city_id = $1 AND created_at > $2").bind(city_id).bind(now - 7 * 86_400).fetch_one(&mut **tx).await
}

pub async fn insert_message(tx: &mut Tx, city_id: i64, author: (i64, &str), subject: &str, body: &str, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO club_messages (city_id, author_id, author_name, subject, body, recipients, created_at) VALUES ($1, $2, $3, $4, $5, 0, $6) RETURNING id",
    )
    .bind(city_id)
    .bind(author.0)
    .bind(author.1)
    .bind(subject)
    .bind(body)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

pub async fn set_message_recipients(tx: &mut Tx, id: i64, recipients: u64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE club_messages SET recipients = $1 WHERE id = $2").bind(recipients as i64).bind(id).execute(&mut **tx).await?;
    Ok(())
}

/// A club's messages, newest first: (id, subject, body, author, sent, recipients).
pub async fn messages(db: &Db, city_id: i64, limit: i64) -> Result<Vec<(i64, String, String, String, i64, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT id, subject, body, author_name, created_at, recipients FROM club_messages WHERE city_id = $1 ORDER BY id DESC LIMIT $2")
        .bind(city_id)
        .bind(limit)
        .fetch_all(&db.pool)
        .await
}

/// The members and followers of a club, as a `FROM … WHERE …` for `enqueue_copies`
/// (`$1`: the club).
pub const MEMBERS: &str = "FROM users u WHERE u.email_verified_at IS NOT NULL \
     AND (u.home_city_id = $1 OR u.id IN (SELECT f.user_id FROM club_follows f WHERE f.city_id = $1))";
