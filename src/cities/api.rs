//! Server functions for cities.
use super::{CityFans, CityOption};
use crate::error::AppError;
use leptos::prelude::*;

/// Every city the picker can offer (a few hundred, cached in memory on the server).
#[server(endpoint = "city_options")]
pub async fn city_options() -> Result<Vec<CityOption>, AppError> {
    Ok(super::catalogue()?.to_vec())
}

/// Cities with the most verified fans, for the home page.
#[server(endpoint = "cities_with_most_fans")]
pub async fn cities_with_most_fans() -> Result<Vec<CityFans>, AppError> {
    Ok(super::repo::most_fans(&crate::infra::request::state()?.db, 10).await?)
}
