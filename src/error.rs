//! The one error type every server function returns.
//!
//! User mistakes carry a message per form field, in every language (`Text`), so the
//! page shows it in its reader's; internal failures are logged on the server and reach
//! the user only as a generic sentence.
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use crate::i18n::Locale;
use crate::language::Text;
use serde::{Deserialize, Serialize};

/// Messages for form fields, in the order the fields appear.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(pub Vec<(String, Text)>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, message: Text) {
        self.0.push((field.to_string(), message));
    }

    pub fn get(&self, field: &str) -> Option<&Text> {
        self.0.iter().find(|(f, _)| f == field).map(|(_, m)| m)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was wrong, so validation can end with `errors.into_result()?`.
    pub fn into_result(self) -> Result<(), AppError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self))
        }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let messages: Vec<&str> = self.0.iter().map(|(_, m)| m.en.as_str()).collect();
        f.write_str(&messages.join(" "))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    #[error("{0}")]
    Invalid(FieldErrors),
    #[error("Please log in first.")]
    Unauthorized,
    #[error("You are not allowed to do that.")]
    Forbidden,
    #[error("Not found.")]
    NotFound,
    #[error("Too many attempts. Please wait a minute and try again.")]
    RateLimited,
    #[error("This link is invalid or has expired.")]
    InvalidLink,
    #[error("That is too much to send at once. Please shorten it.")]
    TooLarge,
    #[error("The mailbox is off: this site sends its mail by SMTP.")]
    MailboxOff,
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The database cannot be reached right now: worth trying again shortly.
    #[error("The site cannot reach its database right now. Please try again in a moment.")]
    Unavailable,
    /// So many fans pressed at once that this press waited its longest without a turn
    /// (`infra::press_queue`): nothing was done, pressing again is safe.
    #[error("Very many fans are signing up right now and your press did not get through. Please press again.")]
    Busy,
    #[error("Could not reach the server. Please try again.")]
    Transport(String),
}

impl AppError {
    /// A single-field validation error.
    pub fn field(field: &str, message: Text) -> Self {
        let mut errors = FieldErrors::default();
        errors.add(field, message);
        AppError::Invalid(errors)
    }

    /// The message for one form field, if this error is about it.
    pub fn field_text(&self, field: &str) -> Option<&Text> {
        match self {
            AppError::Invalid(errors) => errors.get(field),
            _ => None,
        }
    }

    /// The English message for one form field (for logs and tests).
    pub fn field_message(&self, field: &str) -> Option<String> {
        self.field_text(field).map(|t| t.en.clone())
    }

    /// A message for the whole form: everything that is not tied to one field.
    pub fn form_text(&self) -> Option<Text> {
        Some(match self {
            AppError::Invalid(_) => return None,
            AppError::Unauthorized => crate::msg!(errors.unauthorized),
            AppError::Forbidden => crate::msg!(errors.forbidden),
            AppError::NotFound => crate::msg!(errors.not_found),
            AppError::RateLimited => crate::msg!(errors.rate_limited),
            AppError::InvalidLink => crate::msg!(errors.invalid_link),
            AppError::TooLarge => crate::msg!(errors.too_large),
            AppError::MailboxOff => crate::msg!(errors.mailbox_off),
            AppError::Internal => crate::msg!(errors.internal),
            AppError::Unavailable => crate::msg!(errors.unavailable),
            AppError::Busy => crate::msg!(errors.busy),
            AppError::Transport(_) => crate::msg!(errors.transport),
        })
    }

    /// Everything this error says, in the reader's language: the field messages, or
    /// the form's.
    pub fn message(&self, locale: Locale) -> String {
        match self {
            AppError::Invalid(errors) => errors.0.iter().map(|(_, m)| m.get(locale)).collect::<Vec<_>>().join(" "),
            other => other.form_message(locale).unwrap_or_default(),
        }
    }

    /// The form's message in the reader's language.
    pub fn form_message(&self, locale: Locale) -> Option<String> {
        self.form_text().map(|t| t.get(locale).to_string())
    }

    /// The HTTP status a server function answers with: user mistakes are 4xx, only our
    /// own failures are 500.
    #[cfg(feature = "ssr")]
    pub fn status_code(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            AppError::InvalidLink => StatusCode::GONE,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::MailboxOff => StatusCode::NOT_FOUND,
            AppError::Transport(_) => StatusCode::BAD_REQUEST,
            AppError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::Unavailable | AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// Logs an internal failure and hides its details from the user.
    #[cfg(feature = "ssr")]
    pub fn internal(context: &str, error: impl std::fmt::Display) -> Self {
        tracing::error!("{context}: {error}");
        AppError::Internal
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        if crate::infra::db::is_unreachable(&error) {
            tracing::warn!(%error, "database unreachable");
            AppError::Unavailable
        } else {
            AppError::internal("database", error)
        }
    }
}

#[cfg(feature = "ssr")]
impl From<tower_sessions::session::Error> for AppError {
    fn from(error: tower_sessions::session::Error) -> Self {
        if error.to_string().contains(crate::infra::session_store::UNREACHABLE) {
            tracing::warn!(%error, "session: database unreachable");
            AppError::Unavailable
        } else {
            AppError::internal("session", error)
        }
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// The error as a server function answers it (status and JSON body, which forms show),
    /// for the middleware that refuses a call before any server function runs.
    pub fn into_json_response(self) -> axum::response::Response {
        use axum::response::IntoResponse;
        let body = serde_json::to_string(&self).unwrap_or_default();
        (self.status_code(), [(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response()
    }
}

#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    /// An error answered outside a server function (middleware): JSON for the API, as
    /// server functions answer, and a plain sentence in both languages for pages.
    fn into_response(self) -> axum::response::Response {
        let status = self.status_code();
        let text = self.form_text().map(|t| format!("{}\n{}", t.zh, t.en)).unwrap_or_default();
        (status, text).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_find_their_field() {
        let mut errors = FieldErrors::default();
        errors.add("email", crate::msg!(errors.email_required));
        let error = errors.into_result().unwrap_err();
        assert_eq!(error.field_message("email").as_deref(), Some("Enter your email address."));
        assert_eq!(error.field_text("email").map(|t| t.zh.as_str()), Some("请输入邮箱地址。"));
        assert_eq!(error.field_message("password"), None);
        assert_eq!(error.form_text(), None);
    }

    #[test]
    fn internal_details_are_not_shown() {
        assert_eq!(AppError::Internal.form_message(Locale::en).as_deref(), Some("Something went wrong on our side. Please try again."));
        assert_eq!(AppError::Internal.form_message(Locale::zh_CN).as_deref(), Some("我们这边出了点问题，请重试。"));
    }
}
