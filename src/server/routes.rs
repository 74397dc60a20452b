//! The HTTP routes: server functions under /api, pages rendered by Leptos, static files.
use super::state::AppState;
use crate::app::{shell, App};
use axum::body::Body;
use axum::extract::State;
use axum::http::Request;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, handle_server_fns_with_context, LeptosRoutes};

async fn server_fn_handler(State(state): State<AppState>, request: Request<Body>) -> impl IntoResponse {
    handle_server_fns_with_context(move || provide_context(state.clone()), request).await
}

async fn page_handler(State(state): State<AppState>, request: Request<Body>) -> Response {
    let options = state.leptos_options.clone();
    // Rendered whole before sending, so pages are complete without JavaScript.
    let handler = leptos_axum::render_app_async_with_context(move || provide_context(state.clone()), move || shell(options.clone()));
    handler(request).await.into_response()
}

pub fn build(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let fallback_state = state.clone();
    Router::new()
        .route("/api/{*fn_name}", get(server_fn_handler).post(server_fn_handler))
        .leptos_routes_with_handler(routes, get(page_handler))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(
            move || provide_context(fallback_state.clone()),
            shell,
        ))
        .with_state(state)
}
