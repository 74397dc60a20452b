//! Who is asking: the logged-in user and the checks that guard every server function.
use super::{repo, CurrentUser, Role};
use crate::error::AppError;
use crate::infra::request::{session, state, SESSION_VERSION, USER_ID};

/// The logged-in user, or `None`. A session whose password has since been reset is
/// no longer valid.
pub async fn current_user() -> Result<Option<CurrentUser>, AppError> {
    let session = session().await?;
    let Some(user_id) = session.get::<i64>(USER_ID).await? else {
        return Ok(None);
    };
    let version = session.get::<i64>(SESSION_VERSION).await?.unwrap_or(-1);
    let state = state()?;
    match repo::load_current(&state.db, user_id, version).await? {
        Some(user) => Ok(Some(user)),
        None => {
            session.flush().await?;
            Ok(None)
        }
    }
}

/// The logged-in user of a plain HTTP route (a download, not a server function);
/// `None` when nobody is, or the session is no longer valid.
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
