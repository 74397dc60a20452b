//! Cities: the reference data fans choose their home city from.
pub mod api;
#[cfg(feature = "ssr")]
pub mod repo;
mod types;

pub use types::{resolve, search, CityOption};

use serde::{Deserialize, Serialize};

/// The city reference data, loaded once at start-up: it changes only with a migration.
/// The composition root provides it to server functions (context) and handlers
/// (`Extension`).
#[derive(Debug, Clone, Default)]
pub struct Catalogue(pub std::sync::Arc<Vec<CityOption>>);

impl std::ops::Deref for Catalogue {
    type Target = [CityOption];
    fn deref(&self) -> &[CityOption] {
        &self.0
    }
}

/// The catalogue, inside a server function.
#[cfg(feature = "ssr")]
pub fn catalogue() -> Result<Catalogue, crate::error::AppError> {
    leptos::prelude::use_context::<Catalogue>().ok_or_else(|| crate::error::AppError::internal("context", "city catalogue missing"))
}

/// A city and its verified fans, for lists like "cities with the most fans".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct CityFans {
    pub id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub province_en: String,
    pub verified_fans: i64,
}
