//! Starting the site: database, reference data, sessions, the outbox worker, the HTTP
//! server. Tests use `start` on a fresh database and an ephemeral port.
use super::config::Config;
use super::csrf::PublicOrigin;
use super::db::Db;
use super::rate_limit::RateLimits;
use super::session_store::DbSessionStore;
use super::state::AppState;
use crate::email::{mailer::Mailer, worker};
use leptos::config::{get_configuration, LeptosOptions};
use sha2::{Digest, Sha512};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use axum::middleware::{from_fn, from_fn_with_state};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::{Key, SameSite};
use tower_sessions::{Expiry, SessionManagerLayer};

/// Connects, migrates and loads the city reference data.
pub async fn open_database(config: &Config) -> Result<Db, String> {
    let db = Db::connect(&config.database_url, config.db_max_connections).await?;
    db.migrate().await.map_err(|e| format!("DATABASE_URL: migrations failed: {e}"))?;
    let added = crate::cities::repo::load_reference_data(&db).await?;
    if added > 0 {
        tracing::info!("loaded {added} cities");
    }
    Ok(db)
}

fn leptos_options(config: &Config) -> Result<LeptosOptions, String> {
    // cargo-leptos sets LEPTOS_* variables; without them (tests, plain `cargo run`) the
    // settings come from Cargo.toml.
    let file = std::env::var("LEPTOS_OUTPUT_NAME").is_err().then_some("Cargo.toml");
    let mut options = get_configuration(file).map_err(|e| format!("Leptos settings: {e}"))?.leptos_options;
    if let Some(addr) = config.site_addr {
        options.site_addr = addr;
    }
    Ok(options)
}

/// The key that signs session cookies: from SESSION_SECRET, or generated once and kept
/// in the database so sessions survive restarts and work across processes.
async fn session_key(config: &Config, db: &Db) -> Result<Key, String> {
    let secret = match &config.session_secret {
        Some(secret) => secret.clone(),
        None => {
            let mut tx = db.begin_write().await.map_err(|e| e.to_string())?;
            sqlx::query("INSERT INTO settings (key, value) VALUES ('session_secret', $1) ON CONFLICT (key) DO NOTHING")
                .bind(crate::accounts::tokens::random_secret())
                .execute(&mut *tx)
                .await
                .map_err(|e| e.to_string())?;
            let secret: String = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'session_secret'")
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| e.to_string())?;
            tx.commit().await.map_err(|e| e.to_string())?;
            secret
        }
    };
    Ok(Key::from(&Sha512::digest(secret.as_bytes())))
}

pub struct RunningApp {
    pub addr: SocketAddr,
    pub state: AppState,
}

/// Serves the site on `listener` and starts the background workers; returns at once.
pub async fn start(config: Config, listener: TcpListener) -> Result<RunningApp, String> {
    let db = open_database(&config).await?;
    let cities = crate::cities::repo::options(&db).await.map_err(|e| e.to_string())?;
    let mailer = Mailer::from_config(config.smtp_url.as_deref(), &config.mail_from)?;
    let store = DbSessionStore::new(db.clone());
    let sessions = SessionManagerLayer::new(store.clone())
        .with_name("tongcheng_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies())
        .with_expiry(Expiry::OnInactivity(tower_sessions::cookie::time::Duration::days(config.session_idle_days.into())))
        .with_signed(session_key(&config, &db).await?);
    let state = AppState {
        leptos_options: leptos_options(&config)?,
        rate_limits: Arc::new(RateLimits::new(config.auth_attempts_per_minute)),
        config: Arc::new(config),
        db: db.clone(),
        mail_waiting: Arc::new(Notify::new()),
        cities: Arc::new(cities),
    };
    tokio::spawn(worker::run(db, mailer, state.mail_waiting.clone()));
    tokio::spawn(housekeeping(store, state.db.clone(), state.config.mail_retention_days));
    tokio::spawn(crate::meetups::feeds::remind_forever(state.clone()));
    let origin = PublicOrigin(state.config.public_origin().into());
    let app = super::routes::build(state.clone())
        .layer(from_fn_with_state(origin, super::csrf::refuse_cross_site_writes))
        .layer(from_fn_with_state(state.config.session_policy(), super::session_policy::enforce))
        .layer(sessions)
        .layer(from_fn(super::body_limit::limit_body))
        .layer(from_fn(super::headers::add_security_headers))
        .layer(TraceLayer::new_for_http());
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        if let Err(error) = axum::serve(listener, service).await {
            tracing::error!(%error, "server stopped");
        }
    });
    Ok(RunningApp { addr, state })
}

/// Hourly: deletes expired sessions and blanks the text of old mail.
async fn housekeeping(store: DbSessionStore, db: Db, mail_retention_days: u32) {
    loop {
        if let Err(error) = store.delete_expired().await {
            tracing::warn!(%error, "deleting expired sessions");
        }
        let before = super::clock::now() - i64::from(mail_retention_days) * 86_400;
        if let Err(error) = crate::email::retention::purge_bodies(&db, before).await {
            tracing::warn!(%error, "purging old mail");
        }
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}

/// `tongcheng serve`: runs until Ctrl-C or SIGTERM.
pub async fn serve(config: Config) -> Result<(), String> {
    let addr = leptos_options(&config)?.site_addr;
    let listener = TcpListener::bind(addr).await.map_err(|e| format!("SITE_ADDR: cannot listen on {addr}: {e}"))?;
    let app = start(config, listener).await?;
    tracing::info!("Tongcheng is running at {}", app.state.config.public_url);
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("shutting down");
    app.state.db.close().await;
    Ok(())
}
