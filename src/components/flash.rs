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
/// the answer the post got.
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
    }
    action
}

/// The value a field had when its form came back with a mistake, else `value`.
pub fn typed_value(name: &str, value: String) -> String {
    use_context::<Flash>().and_then(|f| f.field(name).map(str::to_string)).unwrap_or(value)
}
