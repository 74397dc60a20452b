//! Cities: the reference data fans choose their home city from.
pub mod api;
#[cfg(feature = "ssr")]
pub mod repo;
mod types;

pub use types::{resolve, search, CityOption};

use serde::{Deserialize, Serialize};

/// A city and its verified fans, for lists like "cities with the most fans".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CityFans {
    pub id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub province_en: String,
    pub verified_fans: i64,
}
