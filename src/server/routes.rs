//! The HTTP routes: server functions under /api, pages rendered by Leptos, static files.
use crate::infra::state::AppState;
use crate::app::{shell, App};
use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, StatusCode};
use crate::error::AppError;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use crate::cities::Catalogue;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, handle_server_fns_with_context, LeptosRoutes};

/// What server functions and pages find in their context: the infrastructure's state
/// and the domains' shared data.
fn provide(state: &AppState, cities: &Catalogue) {
    provide_context(state.clone());
    provide_context(cities.clone());
}

async fn server_fn_handler(State(state): State<AppState>, Extension(cities): Extension<Catalogue>, request: Request<Body>) -> Response {
    let response = handle_server_fns_with_context(move || provide(&state, &cities), request).await;
    with_error_status(response.into_response()).await
}

/// Server functions answer every error with 500; give each `AppError` its own status,
/// so a user's mistake is a 4xx. (Form posts without JavaScript get a redirect instead,
/// which is left alone.)
async fn with_error_status(response: Response) -> Response {
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR || !response.headers().contains_key("serverfnerror") {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = error.status_code();
    }
    Response::from_parts(parts, Body::from(bytes))
}

async fn page_handler(State(state): State<AppState>, Extension(cities): Extension<Catalogue>, request: Request<Body>) -> Response {
    let options = state.leptos_options.clone();
    // Rendered whole before sending, so pages are complete without JavaScript.
    let handler = leptos_axum::render_app_async_with_context(move || provide(&state, &cities), move || shell(options.clone()));
    handler(request).await.into_response()
}

pub fn build(state: AppState, cities: Catalogue) -> Router {
    let routes = generate_route_list(App);
    let (fallback_state, fallback_cities) = (state.clone(), cities.clone());
    Router::new()
        .route("/api/{*fn_name}", get(server_fn_handler).post(server_fn_handler))
        .route("/lang", get(super::locale::switch))
        .route("/healthz", get(super::health::healthz))
        .route("/readyz", get(super::health::readyz))
        .route("/metrics", get(super::health::metrics))
        .route("/calendar/city/{file}", get(crate::meetups::feeds::city_feed))
        .route("/calendar/me/{file}", get(crate::meetups::feeds::personal_feed))
        .route("/staff/meetups/{id}/attendees.csv", get(crate::meetups::feeds::attendees_csv))
        .leptos_routes_with_handler(routes, get(page_handler))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(
            move || provide(&fallback_state, &fallback_cities),
            shell,
        ))
        .layer(Extension(cities))
        .with_state(state)
}
