//! Who is asking: the logged-in user and the checks that guard every server function.
use super::{repo, CurrentUser, Role};
use crate::error::AppError;
use crate::infra::request::{session, state, SESSION_VERSION, USER_ID};

/// The logged-in user, or `None`. A session whose password has since been reset is
/// no longer valid.
pub async fn current_user() -> Result<Option<CurrentUser>, AppError> {
    crate::infra::request::PageReads::once(0, read_current_user).await
}

async fn read_current_user() -> Result<Option<CurrentUser>, AppError> {
    let session = session().await?;
    let Some(user_id) = session.get::<i64>(USER_ID).await? else {
        return Ok(None);
    };
    let version = session.get::<i64>(SESSION_VERSION).await?.unwrap_or(-1);
    if let Some(user) = read_with_session(&session, user_id, version).await {
        return Ok(Some(user));
    }
    let state = state()?;
    match repo::load_current(&state.db, user_id, version).await? {
        Some(user) => Ok(Some(user)),
        None => {
            session.flush().await?;
            Ok(None)
        }
    }
}

/// The user read with the session when this request began (`repo::SESSION_USER`), if
/// it is the session's user at the session's version; otherwise (a log-in or a password
/// change since, a session stored before the companion) it is read again. So a request
/// sees the user as at its start (a role taken away while it runs counts from the next
/// request), and a server function that changes its own user and reads it back in one
/// call would see the row as it was: none does.
async fn read_with_session(session: &tower_sessions::Session, user_id: i64, version: i64) -> Option<CurrentUser> {
    let read = session.get::<repo::SessionUser>(crate::infra::session_store::COMPANION).await.ok().flatten()?;
    (read.user.id == user_id && read.session_version == version).then_some(read.user)
}

/// The logged-in user of a plain HTTP route (a download, a live stream), read now;
/// `None` when nobody is, or the session is no longer valid. Not from what was read with
/// the session: a stream holds its session for hours and asks again to see a lost role
/// or a password reset.
pub async fn user_of_session(db: &crate::infra::db::Db, session: &tower_sessions::Session) -> Option<CurrentUser> {
    let user_id = session.get::<i64>(USER_ID).await.ok().flatten()?;
    let version = session.get::<i64>(SESSION_VERSION).await.ok().flatten().unwrap_or(-1);
    repo::load_current(db, user_id, version).await.ok().flatten()
}

pub async fn require_user() -> Result<CurrentUser, AppError> {
    current_user().await?.ok_or(AppError::Unauthorized)
}

pub async fn require_staff() -> Result<CurrentUser, AppError> {
    let user = require_user().await?;
    if user.role.is_staff() {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

pub async fn require_admin() -> Result<CurrentUser, AppError> {
    let user = require_user().await?;
    if user.role == Role::Admin {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Checks the logged-in fan's own password before a change that needs it (password,
/// address, deleting the account). Each check counts against the account's allowance
/// (`Limit::Reauthenticate`, apart from log-in's, so a thief with a stolen session
/// cannot lock the owner out of log-in); each failure also counts as a failed log-in,
/// so guessing through a session puts the account under attack like guessing at log-in.
pub async fn password_matches(user: &CurrentUser, typed: &super::TypedPassword) -> Result<bool, AppError> {
    use crate::infra::rate_limit::Limit;
    let state = state()?;
    state.rate_limits.check(&state.db, Limit::Reauthenticate, &[user.id.to_string()]).await?;
    let stored = repo::password_hash(&state.db, user.id).await?;
    let matches = super::password::verify(typed.expose().to_string(), stored).await?;
    if !matches {
        state.rate_limits.record(&state.db, Limit::LoginFailures, &user.email).await?;
    }
    Ok(matches)
}
