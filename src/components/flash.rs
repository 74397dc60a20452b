//! What a form post without the WASM leaves for the page it returns to. The browser
//! posts the form natively, the server function answers with a redirect back, and the
//! page renders anew: the flash carries the server function's answer (so "we sent you a
//! link" still shows) or, after a mistake, the values typed (so nothing is lost).
//! Written by the server (`infra::flash`), read once by the next page.
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    /// The server function's path, e.g. `/api/register`.
    pub path: String,
    /// Its answer as JSON, after a success.
    pub ok: Option<String>,
    /// The fields posted, after a mistake (never passwords or tokens).
    pub fields: Vec<(String, String)>,
}

impl Flash {
    pub fn ok_for(&self, path: &str) -> Option<&str> {
        (self.path == path).then_some(self.ok.as_deref()).flatten()
    }

    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// A server action for a form; on the page a plain post returns to, it already holds
/// the answer the post got: the value (from the flash) or the error (from the URL).
pub fn server_action<S>() -> ServerAction<S>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: serde::de::DeserializeOwned + Send + Sync + 'static,
{
    let action = ServerAction::<S>::new();
    if let Some(ok) = use_context::<Flash>().and_then(|f| f.ok_for(S::PATH).map(str::to_string)) {
        if let Ok(value) = serde_json::from_str::<S::Output>(&ok) {
            action.value().set(Some(Ok(value)));
        }
    } else if action.value().with_untracked(Option::is_none) {
        if let Some(error) = error_in_url(S::PATH) {
            action.value().set(Some(Err(error)));
        }
    }
    action
}

/// The error a plain post to the server function at `path` came back with: Leptos puts
/// it in the URL it redirects to (`__path`, `__err`). Its router hands it to the actions
/// made inside it; the shared ones (`components::auth`) are made above the router, so
/// they read it here (else the account page's forms would lose their messages).
fn error_in_url(path: &str) -> Option<AppError> {
    #[cfg(feature = "ssr")]
    {
        let parts = use_context::<axum::http::request::Parts>()?;
        let query = parts.uri.query()?;
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        let value = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        if value("__path")? != path {
            return None;
        }
        Some(leptos::server_fn::error::ServerFnUrlError::<AppError>::decode_err(value("__err")?))
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = path;
        None
    }
}

/// The value a field had when its form came back with a mistake, else `value`.
pub fn typed_value(name: &str, value: String) -> String {
    use_context::<Flash>().and_then(|f| f.field(name).map(str::to_string)).unwrap_or(value)
}
