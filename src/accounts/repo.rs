//! Account storage. Every change that moves a city's verified-fan count updates the
//! count in the same transaction, so it always equals a recount.
use crate::i18n::Locale;
use leptos_i18n::Locale as _;
use super::{CurrentUser, DisplayName, Email, HomeCity, Role};
use crate::infra::db::{Db, Tx};

pub struct LoginRecord {
    pub id: i64,
    pub password_hash: String,
    pub session_version: i64,
    pub locale: Locale,
}

pub struct NewUser<'a> {
    pub email: &'a Email,
    pub display_name: &'a DisplayName,
    pub password_hash: &'a str,
    pub home_city_id: i64,
    pub role: Role,
    /// The language their emails are written in.
    pub locale: Locale,
}

/// Inserts a user; `None` when the email is already registered.
pub async fn insert_user(tx: &mut Tx, user: &NewUser<'_>, now: i64) -> Result<Option<i64>, sqlx::Error> {
    // With its secret for unsubscribe links (see `accounts::unsubscribe`).
    let sql = format!(
        "INSERT INTO users (email, display_name, password_hash, home_city_id, role, locale, created_at, updated_at, inbox, unsubscribe_token) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, {}) ON CONFLICT (email) DO NOTHING RETURNING id",
        tx.dialect.random_token()
    );
    sqlx::query_scalar(&sql)
    .bind(user.email.as_str())
    .bind(user.display_name.as_str())
    .bind(user.password_hash)
    .bind(user.home_city_id)
    .bind(user.role.as_str())
    .bind(user.locale.as_str())
    .bind(now)
    // Which inbox it is, however spelt (sharing: aliases of an account are not new fans).
    .bind(crate::sharing::inbox::normalize(user.email.as_str()))
    .fetch_optional(&mut **tx)
    .await
}

/// The language a user reads Tongcheng in (`None` for an unknown user).
pub async fn locale(db: &Db, user_id: i64) -> Result<Option<Locale>, sqlx::Error> {
    let tag: Option<String> = sqlx::query_scalar("SELECT locale FROM users WHERE id = $1").bind(user_id).fetch_optional(&db.pool).await?;
    Ok(tag.as_deref().map(crate::language::locale_from_tag))
}

/// Remembers the language a user chose, for the emails sent to them.
pub async fn set_locale(db: &Db, user_id: i64, locale: Locale) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE users SET locale = $1 WHERE id = $2").bind(locale.as_str()).bind(user_id).execute(&mut *tx).await?;
    tx.commit().await
}

pub async fn find_for_login(db: &Db, email: &Email) -> Result<Option<LoginRecord>, sqlx::Error> {
    let row: Option<(i64, String, i64, String)> =
        sqlx::query_as("SELECT id, password_hash, session_version, locale FROM users WHERE email = $1")
            .bind(email.as_str())
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.map(|(id, password_hash, session_version, locale)| LoginRecord {
        id,
        password_hash,
        session_version,
        locale: crate::language::locale_from_tag(&locale),
    }))
}

pub async fn password_hash(db: &Db, user_id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1").bind(user_id).fetch_optional(&db.pool).await
}

/// `(id, display_name, verified)` of the account with this email.
pub async fn find_by_email(tx: &mut Tx, email: &Email) -> Result<Option<(i64, String, bool)>, sqlx::Error> {
    let row: Option<(i64, String, Option<i64>)> =
        sqlx::query_as("SELECT id, display_name, email_verified_at FROM users WHERE email = $1")
            .bind(email.as_str())
            .fetch_optional(&mut **tx)
            .await?;
    Ok(row.map(|(id, name, verified_at)| (id, name, verified_at.is_some())))
}

#[derive(sqlx::FromRow)]
struct CurrentUserRow {
    id: i64,
    email: String,
    display_name: String,
    role: String,
    email_verified_at: Option<i64>,
    wants_invitations: i64,
    public_profile: i64,
    city_id: i64,
    name_zh: String,
    name_en: String,
    province_en: String,
    verified_fans: i64,
    pending_email: Option<String>,
    locale: String,
}

impl CurrentUserRow {
    fn into_current(self) -> CurrentUser {
        CurrentUser {
            id: self.id,
            email: self.email,
            display_name: self.display_name,
            role: Role::parse(&self.role).unwrap_or(Role::Fan),
            email_verified: self.email_verified_at.is_some(),
            wants_invitations: self.wants_invitations == 1,
            public_profile: self.public_profile == 1,
            home_city: HomeCity { id: self.city_id, name_zh: self.name_zh, name_en: self.name_en, province_en: self.province_en, verified_fans: self.verified_fans },
            pending_email: self.pending_email,
            email_language: self.locale,
        }
    }
}

/// `CurrentUserRow`'s columns from `users u` and `cities c`, the time bound by `$now`.
macro_rules! current_user_columns {
    ($now:literal) => {
        concat!(
            "u.id, u.email, u.display_name, u.role, u.email_verified_at, u.wants_invitations, u.public_profile, \
             c.id AS city_id, c.name_zh, c.name_en, c.province_en, c.verified_fans, u.locale, \
             (SELECT MAX(x.new_email) FROM email_changes x WHERE x.user_id = u.id AND x.used_at IS NULL AND x.expires_at > ",
            $now,
            ") AS pending_email"
        )
    };
}

/// The user behind a session, if the session's version still matches (a password
/// reset bumps it, logging out every other session).
pub async fn load_current(db: &Db, user_id: i64, session_version: i64) -> Result<Option<CurrentUser>, sqlx::Error> {
    let row: Option<CurrentUserRow> = sqlx::query_as(concat!(
        "SELECT ",
        current_user_columns!("$3"),
        " FROM users u JOIN cities c ON c.id = u.home_city_id WHERE u.id = $1 AND u.session_version = $2"
    ))
    .bind(user_id)
    .bind(session_version)
    .bind(crate::infra::clock::now())
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(CurrentUserRow::into_current))
}

/// The user a session is logged in as, read with the session itself
/// (`infra::session_store::Companion`); `auth::current_user` still checks that it is
/// the session's user and version.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct SessionUser {
    pub session_version: i64,
    pub user: CurrentUser,
}

pub const SESSION_USER: crate::infra::session_store::Companion = crate::infra::session_store::Companion {
    columns: concat!(current_user_columns!("$2"), ", u.session_version"),
    joins: "LEFT JOIN users u ON u.id = s.user_id LEFT JOIN cities c ON c.id = u.home_city_id",
    decode: session_user,
};

fn session_user(row: &sqlx::any::AnyRow) -> Option<serde_json::Value> {
    use sqlx::{FromRow, Row};
    let session_version: i64 = row.try_get::<Option<i64>, _>("session_version").ok().flatten()?;
    let user = CurrentUserRow::from_row(row).ok()?.into_current();
    serde_json::to_value(SessionUser { session_version, user }).ok()
}

/// Where and how to write to a fan.
#[derive(Debug, Clone)]
pub struct Contact {
    pub email: String,
    pub display_name: String,
    /// The language their emails are written in.
    pub locale: Locale,
}

/// The contact of an account, for emails about it.
pub async fn contact(tx: &mut Tx, user_id: i64) -> Result<Option<Contact>, sqlx::Error> {
    let row: Option<(String, String, String)> =
        sqlx::query_as("SELECT email, display_name, locale FROM users WHERE id = $1").bind(user_id).fetch_optional(&mut **tx).await?;
    Ok(row.map(|(email, display_name, locale)| Contact { email, display_name, locale: crate::language::locale_from_tag(&locale) }))
}

/// The language of the account at an email address (`None`: no account has it).
pub async fn locale_of_address(tx: &mut Tx, email: &str) -> Result<Option<Locale>, sqlx::Error> {
    let tag: Option<String> = sqlx::query_scalar("SELECT locale FROM users WHERE email = $1").bind(email).fetch_optional(&mut **tx).await?;
    Ok(tag.as_deref().map(crate::language::locale_from_tag))
}

/// Counts a verified fan in (+1) or out (-1) of a city: its total and its count for
/// the day the fan verified.
async fn adjust_city_fans(tx: &mut Tx, city_id: i64, verified_at: i64, delta: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE cities SET verified_fans = verified_fans + $1 WHERE id = $2")
        .bind(delta)
        .bind(city_id)
        .execute(&mut **tx)
        .await?;
    let day = verified_at.div_euclid(86_400);
    let sql = if delta > 0 {
        "INSERT INTO city_daily_joins (city_id, day, fans) VALUES ($1, $2, $3) \
         ON CONFLICT (city_id, day) DO UPDATE SET fans = city_daily_joins.fans + excluded.fans"
    } else {
        "UPDATE city_daily_joins SET fans = fans + $3 WHERE city_id = $1 AND day = $2"
    };
    sqlx::query(sql).bind(city_id).bind(day).bind(delta).execute(&mut **tx).await?;
    Ok(())
}

/// Marks the email verified; `false` if it already was.
pub async fn mark_verified(tx: &mut Tx, user_id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let city: Option<i64> = sqlx::query_scalar(
        "UPDATE users SET email_verified_at = $1, updated_at = $1 \
         WHERE id = $2 AND email_verified_at IS NULL RETURNING home_city_id",
    )
    .bind(now)
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await?;
    match city {
        Some(city_id) => adjust_city_fans(tx, city_id, now, 1).await.map(|_| true),
        None => Ok(false),
    }
}

/// Sets a new password and ends every existing session of the user.
/// The account's session version (sessions holding another one are over).
pub async fn session_version(tx: &mut Tx, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT session_version FROM users WHERE id = $1").bind(user_id).fetch_one(&mut **tx).await
}

/// Ends every session of the account; returns the new version.
/// Ends every log-in of the account, and its calendar feed's link with them (a link
/// may have been copied on a device that is no longer trusted; the fan makes a new one).
pub async fn end_sessions(tx: &mut Tx, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("UPDATE users SET session_version = session_version + 1, calendar_secret_hash = NULL WHERE id = $1 RETURNING session_version")
        .bind(user_id)
        .fetch_one(&mut **tx)
        .await
}

pub async fn set_password(tx: &mut Tx, user_id: i64, password_hash: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        // A new password ends every log-in and the calendar link (see `end_sessions`).
        "UPDATE users SET password_hash = $1, session_version = session_version + 1, calendar_secret_hash = NULL, updated_at = $2 WHERE id = $3",
    )
    .bind(password_hash)
    .bind(now)
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn set_display_name(tx: &mut Tx, user_id: i64, name: &DisplayName, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET display_name = $1, updated_at = $2 WHERE id = $3")
        .bind(name.as_str())
        .bind(now)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// `(home city, when the email was verified)`.
async fn home_and_verified(tx: &mut Tx, user_id: i64) -> Result<Option<(i64, Option<i64>)>, sqlx::Error> {
    sqlx::query_as("SELECT home_city_id, email_verified_at FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut **tx)
        .await
}

pub async fn change_home_city(tx: &mut Tx, user_id: i64, city_id: i64, now: i64) -> Result<(), sqlx::Error> {
    let Some((old_city, verified)) = home_and_verified(tx, user_id).await? else {
        return Ok(());
    };
    if old_city == city_id {
        return Ok(());
    }
    sqlx::query("UPDATE users SET home_city_id = $1, updated_at = $2 WHERE id = $3")
        .bind(city_id)
        .bind(now)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    if let Some(verified_at) = verified {
        adjust_city_fans(tx, old_city, verified_at, -1).await?;
        adjust_city_fans(tx, city_id, verified_at, 1).await?;
    }
    Ok(())
}

pub async fn delete_user(tx: &mut Tx, user_id: i64) -> Result<(), sqlx::Error> {
    let Some((city, verified)) = home_and_verified(tx, user_id).await? else {
        return Ok(());
    };
    sqlx::query("DELETE FROM users WHERE id = $1").bind(user_id).execute(&mut **tx).await?;
    if let Some(verified_at) = verified {
        adjust_city_fans(tx, city, verified_at, -1).await?;
    }
    Ok(())
}

pub async fn set_role(tx: &mut Tx, user_id: i64, role: Role, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET role = $1, updated_at = $2 WHERE id = $3")
        .bind(role.as_str())
        .bind(now)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn set_wants_invitations(tx: &mut Tx, user_id: i64, wants: bool, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET wants_invitations = $1, updated_at = $2 WHERE id = $3")
        .bind(i64::from(wants))
        .bind(now)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The role of an account, inside a transaction (`None`: no such account).
pub async fn role(tx: &mut Tx, user_id: i64) -> Result<Option<Role>, sqlx::Error> {
    let role: Option<String> = sqlx::query_scalar("SELECT role FROM users WHERE id = $1").bind(user_id).fetch_optional(&mut **tx).await?;
    Ok(role.and_then(|r| Role::parse(&r)))
}

/// What staff see of an organizer.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrganizerProfile {
    pub display_name: String,
    pub email: String,
    pub role: String,
    pub trusted_organizer: i64,
}

pub async fn organizer_profile(db: &Db, user_id: i64) -> Result<Option<OrganizerProfile>, sqlx::Error> {
    sqlx::query_as("SELECT display_name, email, role, trusted_organizer FROM users WHERE id = $1").bind(user_id).fetch_optional(&db.pool).await
}
