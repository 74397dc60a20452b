//! Server functions for accounts. Each checks who is asking on the server, validates
//! its input into newtypes, and does its writes in one transaction.
use super::CurrentUser;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    pub use crate::accounts::repo::{self, NewUser};
    pub use crate::accounts::tokens::{self, Purpose};
    pub use crate::accounts::{password, DisplayName, Email, NewPassword, Role, TypedPassword};
    pub use crate::cities::{resolve, CityOption};
    pub use crate::email::{outbox, templates};
    pub use crate::error::FieldErrors;
    pub use crate::infra::clock::now;
    pub use crate::accounts::auth::require_user;
    pub use crate::infra::request::{client_key, session, state, SESSION_VERSION, USER_ID};
    pub use crate::infra::rate_limit::Limit;

    /// Remembers which address this browser just registered, so a second press of
    /// "Create account" gets a helpful answer without revealing other accounts.
    pub const REGISTERED_EMAIL: &str = "registered_email";

    /// Whether the request is a plain HTML form post (no JavaScript yet): the browser
    /// then follows a redirect, and the page shows the result from its query.
    pub fn plain_form_post() -> bool {
        leptos::prelude::use_context::<axum::http::request::Parts>()
            .and_then(|parts| parts.headers.get(axum::http::header::ACCEPT).and_then(|v| v.to_str().ok()).map(|v| v.contains("text/html")))
            .unwrap_or(false)
    }

    /// After a plain form post succeeds, sends the browser to `path` (which shows the
    /// confirmation); with JavaScript the page shows it from the answer instead.
    pub fn redirect_plain_post(path: &str) {
        if plain_form_post() {
            leptos_axum::redirect(path);
        }
    }

    /// An address confirmed (the first link, a new address's link, a password reset's):
    /// the first time, the account counts as a verified fan — the early-fan badge if it
    /// is among the city's first, and for the fan whose link brought it (with any badge
    /// that earns them); and its own referral code.
    pub async fn confirm_first_address(tx: &mut crate::infra::db::Tx, user_id: i64, now: i64, base_url: &str) -> Result<(), sqlx::Error> {
        use crate::participation::awards::{settle, Fans};
        if !repo::mark_verified(tx, user_id, now).await? {
            return Ok(());
        }
        crate::sharing::referrals::give_code(tx, user_id, now).await?;
        settle(tx, Fans::One(user_id), now, base_url).await?;
        if let Some(referrer) = crate::sharing::referrals::count_confirmed(tx, user_id, now).await? {
            settle(tx, Fans::One(referrer), now, base_url).await?;
        }
        Ok(())
    }

    pub fn parse_city<'a>(cities: &'a [CityOption], raw: &str) -> Result<&'a CityOption, crate::language::Text> {
        if raw.trim().is_empty() {
            return Err(crate::msg!(errors.choose_home_city));
        }
        resolve(cities, raw).ok_or_else(|| crate::msg!(errors.unknown_city))
    }
}

#[server(endpoint = "get_current_user")]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    crate::accounts::auth::current_user().await
}

/// Where a registration without JavaScript lands: the page says the link is on its way
/// (the address stays out of the URL).
pub const REGISTERED_PATH: &str = "/register?sent=1";

/// Creates an unverified account and emails a confirmation link. Returns the address
/// the link went to (a plain form post is sent to [`REGISTERED_PATH`]). An address that
/// already has an account gets a "you already have an account" email instead, and the
/// answer here is the same.
#[server(endpoint = "register")]
pub async fn register(email: String, display_name: String, password: String, city: String) -> Result<String, AppError> {
    use ssr::*;
    let state = state()?;
    state.rate_limits.check_auth(&state.db, &[format!("ip:{}", client_key().await)]).await?;
    let mut errors = FieldErrors::default();
    let email = Email::parse(&email).map_err(|m| errors.add("email", m)).ok();
    let name = DisplayName::parse(&display_name).map_err(|m| errors.add("display_name", m)).ok();
    let password = NewPassword::parse(&password).map_err(|m| errors.add("password", m)).ok();
    let cities = crate::cities::catalogue()?;
    let city = parse_city(&cities, &city).map_err(|m| errors.add("city", m)).ok();
    let (Some(email), Some(name), Some(password), Some(city)) = (email, name, password, city) else {
        return Err(AppError::Invalid(errors));
    };
    let session = session().await?;
    if session.get::<String>(REGISTERED_EMAIL).await?.as_deref() == Some(email.as_str()) {
        return Err(AppError::field("email", crate::msg!(errors.just_registered)));
    }
    let password_hash = password::hash(password.expose().to_string()).await?;
    let may_mail = mail_allowed(&state, email.as_str()).await?;
    let now = now();
    let new_user = NewUser { email: &email, display_name: &name, password_hash: &password_hash, home_city_id: city.id, role: Role::Fan, locale: crate::infra::locale::current() };
    let base = &state.config.public_url;
    // A fan's link brought this visitor? It counts once they confirm (sharing::referrals).
    let arrival = crate::sharing::arrival::arrival();
    let logged_in = arrival.is_some() && super::auth::current_user().await?.is_some();
    let mut tx = state.db.begin_write().await?;
    let mail = match repo::insert_user(&mut tx, &new_user, now).await? {
        Some(user_id) => {
            crate::sharing::referrals::note_registration(&mut tx, user_id, email.as_str(), arrival.clone(), logged_in, now).await?;
            let secret = tokens::issue(&mut tx, user_id, Purpose::VerifyEmail, now).await?;
            templates::verify_email(base, email.as_str(), name.as_str(), &secret)
        }
        None => {
            let existing_name = repo::find_by_email(&mut tx, &email).await?.map(|(_, n, _)| n).unwrap_or_default();
            templates::already_registered(base, email.as_str(), &existing_name, &tokens::random_secret())
        }
    };
    if may_mail {
        outbox::enqueue(&mut tx, &mail, now).await?;
    }
    tx.commit().await?;
    if arrival.is_some() {
        crate::sharing::arrival::clear();
    }
    session.insert(REGISTERED_EMAIL, email.as_str()).await?;
    redirect_plain_post(REGISTERED_PATH);
    Ok(email.as_str().to_string())
}

#[server(endpoint = "login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use ssr::*;
    let state = state()?;
    let email = Email::parse(&email).map_err(|m| AppError::field("email", m))?;
    let client = client_key().await;
    admit_log_in(&state, email.as_str(), &client).await?;
    let password = TypedPassword::parse(&password).map_err(|m| AppError::field("password", m))?;
    let record = repo::find_for_login(&state.db, &email).await?;
    let matches = password::verify(password.expose().to_string(), record.as_ref().map(|r| r.password_hash.clone())).await?;
    let Some(record) = record.filter(|_| matches) else {
        state.rate_limits.record(&state.db, Limit::LoginFailures, email.as_str()).await?;
        return Err(AppError::field("password", crate::msg!(errors.wrong_login)));
    };
    let session = session().await?;
    // A fresh id at log-in, so a session id planted before log-in is worthless.
    session.cycle_id().await?;
    session.insert(USER_ID, record.id).await?;
    session.insert(SESSION_VERSION, record.session_version).await?;
    crate::infra::session_policy::SessionPolicy::of(&state.config).start(&session).await?;
    remember_language(&state, &record).await?;
    leptos_axum::redirect(&super::safe_next(next.as_deref(), &state.config.public_url));
    Ok(())
}

/// Whether the sign-in forms may mail `email` once more: at most 5 an hour to one inbox
/// (`li+1@…` is `li@…`), whoever asks. Past that the form answers as usual and sends
/// nothing, so it reveals nothing and refuses the owner nothing they can act on.
#[cfg(feature = "ssr")]
pub(super) async fn mail_allowed(state: &crate::infra::state::AppState, email: &str) -> Result<bool, AppError> {
    use crate::infra::rate_limit::Limit;
    match state.rate_limits.check(&state.db, Limit::MailToAddress, &[super::canonical_inbox(email)]).await {
        Ok(()) => Ok(true),
        Err(AppError::RateLimited) => Ok(false),
        Err(other) => Err(other),
    }
}

/// Whether a log-in attempt at `email` from `client` may check its password. Attempts
/// count per client address and per (account, client), never per account alone: an
/// attacker's attempts do not keep the owner out. Once an account's failures pass
/// their allowance (an attack, maybe from many addresses), every client gets a small
/// allowance of its own for it: the owner still gets in with the right password, and
/// guessing from many addresses slows to a crawl.
#[cfg(feature = "ssr")]
async fn admit_log_in(state: &crate::infra::state::AppState, email: &str, client: &str) -> Result<(), AppError> {
    use crate::infra::rate_limit::Limit;
    state.rate_limits.check_auth(&state.db, &[format!("ip:{client}")]).await?;
    state.rate_limits.check(&state.db, Limit::Login, &[format!("{email}|{client}")]).await?;
    if state.rate_limits.is_over(&state.db, Limit::LoginFailures, email).await? {
        state.rate_limits.check(&state.db, Limit::LoginUnderAttack, &[format!("{email}|{client}")]).await?;
    }
    Ok(())
}

/// After log-in the site and the emails speak one language: the one picked on this
/// device (which the account then keeps), or else the account's.
#[cfg(feature = "ssr")]
async fn remember_language(state: &crate::infra::state::AppState, record: &super::repo::LoginRecord) -> Result<(), AppError> {
    let request = crate::infra::locale::current_request();
    if request.chosen {
        if request.locale != record.locale {
            super::repo::set_locale(&state.db, record.id, request.locale).await?;
        }
    } else if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        let cookie = crate::infra::locale::cookie(record.locale, state.config.secure_cookies());
        if let Ok(value) = axum::http::HeaderValue::from_str(&cookie) {
            response.append_header(axum::http::header::SET_COOKIE, value);
        }
    }
    Ok(())
}

#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    ssr::session().await?.flush().await?;
    // A shared phone keeps no one's ticket or door list after they log out: the pages
    // kept for offline use, the door's ticket list and scans (the door page asks before
    // a log-out that would drop scans not yet sent), the offline worker.
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(axum::http::HeaderName::from_static("clear-site-data"), axum::http::HeaderValue::from_static("\"cache\", \"storage\""));
    }
    leptos_axum::redirect("/");
    Ok(())
}

/// Uses the emailed link, when its page's button is pressed (mail scanners that open
/// links do not use them up); returns the verified user's display name and sends the
/// browser to the confirmation.
#[server(endpoint = "verify_email")]
pub async fn verify_email(token: String) -> Result<String, AppError> {
    use ssr::*;
    let state = state()?;
    let now = now();
    let mut tx = state.db.begin_write().await?;
    let user_id = tokens::consume(&mut tx, &token, Purpose::VerifyEmail, now).await?.ok_or(AppError::InvalidLink)?;
    confirm_first_address(&mut tx, user_id, now, &state.config.public_url).await?;
    let name = repo::contact(&mut tx, user_id).await?.map(|c| c.display_name).unwrap_or_default();
    tx.commit().await?;
    leptos_axum::redirect(super::VERIFIED_PATH);
    Ok(name)
}

#[server(endpoint = "resend_verification")]
pub async fn resend_verification() -> Result<String, AppError> {
    use ssr::*;
    let state = state()?;
    let user = require_user().await?;
    if user.email_verified {
        return Err(AppError::field("resend", crate::msg!(errors.already_confirmed)));
    }
    state.rate_limits.check_auth(&state.db, &[format!("resend:{}", user.id)]).await?;
    if !mail_allowed(&state, &user.email).await? {
        redirect_plain_post("/?resent=1");
        return Ok(user.email);
    }
    let now = now();
    let mut tx = state.db.begin_write().await?;
    let secret = tokens::issue(&mut tx, user.id, Purpose::VerifyEmail, now).await?;
    let mail = templates::verify_email(&state.config.public_url, &user.email, &user.display_name, &secret);
    outbox::enqueue(&mut tx, &mail, now).await?;
    tx.commit().await?;
    redirect_plain_post("/?resent=1");
    Ok(user.email)
}

/// Emails a reset link if the address has an account. The answer is the same either
/// way, so the form never reveals who is registered.
#[server(endpoint = "request_password_reset")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    use ssr::*;
    let state = state()?;
    let email = Email::parse(&email).map_err(|m| AppError::field("email", m))?;
    state.rate_limits.check_auth(&state.db, &[format!("ip:{}", client_key().await)]).await?;
    let may_mail = mail_allowed(&state, email.as_str()).await?;
    let now = now();
    let mut tx = state.db.begin_write().await?;
    if let Some((user_id, name, _)) = repo::find_by_email(&mut tx, &email).await?.filter(|_| may_mail) {
        let secret = tokens::issue(&mut tx, user_id, Purpose::ResetPassword, now).await?;
        outbox::enqueue(&mut tx, &templates::reset_password(&state.config.public_url, email.as_str(), &name, &secret), now).await?;
    }
    tx.commit().await?;
    redirect_plain_post("/forgot-password?sent=1");
    Ok(())
}

/// Sets a new password from an emailed link. Every other session of the account ends,
/// and the email counts as confirmed (the link proved it).
#[server(endpoint = "reset_password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    use ssr::*;
    let state = state()?;
    state.rate_limits.check_auth(&state.db, &[format!("ip:{}", client_key().await)]).await?;
    let password = NewPassword::parse(&password).map_err(|m| AppError::field("password", m))?;
    // A password is hashed only for a link that works: hashing costs a core's time.
    if !tokens::is_usable(&state.db, &token, Purpose::ResetPassword, now()).await? {
        return Err(AppError::InvalidLink);
    }
    let password_hash = password::hash(password.expose().to_string()).await?;
    let now = now();
    let mut tx = state.db.begin_write().await?;
    let user_id = tokens::consume(&mut tx, &token, Purpose::ResetPassword, now).await?.ok_or(AppError::InvalidLink)?;
    // Older links in the inbox stop working too.
    tokens::revoke_all(&mut tx, user_id, Purpose::ResetPassword, now).await?;
    repo::set_password(&mut tx, user_id, &password_hash, now).await?;
    // The link came to the inbox: that confirms it, as the first link would have.
    confirm_first_address(&mut tx, user_id, now, &state.config.public_url).await?;
    tx.commit().await?;
    leptos_axum::redirect("/login?reset=done");
    Ok(())
}

#[server(endpoint = "update_display_name")]
pub async fn update_display_name(display_name: String) -> Result<String, AppError> {
    use ssr::*;
    let state = state()?;
    let user = require_user().await?;
    let name = DisplayName::parse(&display_name).map_err(|m| AppError::field("display_name", m))?;
    let mut tx = state.db.begin_write().await?;
    repo::set_display_name(&mut tx, user.id, &name, now()).await?;
    tx.commit().await?;
    Ok(name.as_str().to_string())
}

#[server(endpoint = "change_home_city")]
pub async fn change_home_city(city: String) -> Result<String, AppError> {
    use ssr::*;
    let state = state()?;
    let user = require_user().await?;
    let cities = crate::cities::catalogue()?;
    let city = parse_city(&cities, &city).map_err(|m| AppError::field("city", m))?;
    let mut tx = state.db.begin_write().await?;
    repo::change_home_city(&mut tx, user.id, city.id, now()).await?;
    tx.commit().await?;
    Ok(city.label())
}


/// Whether the fan wants invitations to official meetups by email.
#[server(endpoint = "set_invitation_preference")]
pub async fn set_invitation_preference(wants_invitations: Option<String>) -> Result<bool, AppError> {
    use ssr::*;
    let state = state()?;
    let user = require_user().await?;
    let wants = wants_invitations.is_some();
    let mut tx = state.db.begin_write().await?;
    repo::set_wants_invitations(&mut tx, user.id, wants, now()).await?;
    tx.commit().await?;
    Ok(wants)
}
