//! Starting the site: database, reference data, sessions, the outbox worker, the HTTP
//! server. Tests use `start` on a fresh database and an ephemeral port.
use crate::i18n::td_string;
use crate::infra::config::Config;
use crate::infra::locale::terminal;
use crate::infra::csrf::PublicOrigin;
use crate::infra::db::Db;
use crate::infra::rate_limit::RateLimits;
use crate::infra::session_store::DbSessionStore;
use crate::infra::state::AppState;
use crate::email::{mailer::Mailer, worker};
use leptos::config::{get_configuration, LeptosOptions};
use sha2::{Digest, Sha512};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use axum::middleware::{from_fn, from_fn_with_state};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_sessions::cookie::{Key, SameSite};
use tower_sessions::{Expiry, SessionManagerLayer};

/// Connects, migrates and loads the city reference data.
pub async fn open_database(config: &Config) -> Result<Db, String> {
    let db = Db::connect(&config.database_url, config.db_max_connections).await?;
    db.migrate().await.map_err(|e| format!("DATABASE_URL: {}", td_string!(terminal(), email.cli.setting.migrations, error = e)))?;
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
    let mut options = get_configuration(file).map_err(|e| td_string!(terminal(), email.cli.setting.leptos, error = e).to_string())?.leptos_options;
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
        None => crate::infra::session_store::stored_secret(db, &crate::accounts::tokens::random_secret()).await.map_err(|e| e.to_string())?,
    };
    Ok(Key::from(&Sha512::digest(secret.as_bytes())))
}

pub struct RunningApp {
    pub addr: SocketAddr,
    pub state: AppState,
    /// Cancelled to stop: the server stops accepting, the timers stop, the worker ends
    /// after its batch.
    pub shutdown: CancellationToken,
    server: JoinHandle<()>,
    worker: JoinHandle<()>,
}

/// How long requests in flight and the worker's batch may take to finish on shutdown.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(8);

impl RunningApp {
    /// Stops taking requests, lets those in flight and the outbox worker's batch
    /// finish (for at most `SHUTDOWN_GRACE`), then closes the database pools (the
    /// sign-up desk's, then the app's).
    pub async fn stop(self) {
        self.shutdown.cancel();
        let finished = tokio::time::timeout(SHUTDOWN_GRACE, async {
            let _ = self.server.await;
            let _ = self.worker.await;
        })
        .await;
        if finished.is_err() {
            tracing::warn!("requests or mail still in progress after {SHUTDOWN_GRACE:?}; stopping anyway");
        }
        self.state.sign_ups.close().await;
        self.state.db.close().await;
    }
}

/// Runs a background timer until shutdown (dropping it mid-way rolls back its
/// transaction; the next process picks the work up).
fn spawn_until(shutdown: &CancellationToken, work: impl std::future::Future<Output = ()> + Send + 'static) {
    let shutdown = shutdown.clone();
    tokio::spawn(async move {
        tokio::select! {
            _ = shutdown.cancelled() => {}
            _ = work => {}
        }
    });
}

/// The session cookie's name (with `__Host-` over HTTPS: `Config::cookie_name`).
pub const SESSION_COOKIE: &str = "tongcheng_session";
/// The bare names of the cookies that carry `__Host-` over HTTPS; pages remove them
/// (`infra::host_cookies::remove_retired`).
pub const PREFIXED_COOKIES: [&str; 3] = [SESSION_COOKIE, crate::sharing::REF_COOKIE, crate::infra::flash::COOKIE];

/// Serves the site on `listener` and starts the background workers; returns at once.
pub async fn start(config: Config, listener: TcpListener) -> Result<RunningApp, String> {
    let db = open_database(&config).await?;
    let cities = crate::cities::repo::options(&db).await.map_err(|e| e.to_string())?;
    let mailer = Mailer::from_config(config.smtp_url.as_deref(), &config.mail_from)?.with_rate_limit(config.mail_per_second);
    let store = DbSessionStore::with_companion(db.clone(), crate::accounts::repo::SESSION_USER);
    let sessions = SessionManagerLayer::new(store.clone())
        .with_name(config.cookie_name(SESSION_COOKIE))
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies())
        .with_expiry(Expiry::OnInactivity(tower_sessions::cookie::time::Duration::days(config.session_idle_days.into())))
        .with_signed(session_key(&config, &db).await?);
    let state = AppState::new(crate::infra::state::AppServices {
        leptos_options: leptos_options(&config)?,
        rate_limits: Arc::new(RateLimits::new(config.auth_attempts_per_minute)),
        sign_ups: crate::meetups::desk::SignUpDesk::open(crate::meetups::engine::Events::new(db.clone(), &config.public_url, crate::infra::clock::Clock::System)),
        config: Arc::new(config),
        db: db.clone(),
    });
    super::telemetry::metrics();
    let shutdown = CancellationToken::new();
    let worker = tokio::spawn(worker::run(db.clone(), mailer, db.mail_waiting(), shutdown.clone()));
    spawn_until(&shutdown, housekeeping(store, state.db.clone(), state.config.mail_retention_days));
    spawn_until(&shutdown, crate::meetups::reminders::remind_forever(state.clone()));
    spawn_until(&shutdown, crate::participation::door::close_doors_forever(state.clone()));
    spawn_until(&shutdown, sweep_free_seats_forever(state.clone()));
    if state.config.analyse_grown_tables {
        spawn_until(&shutdown, crate::infra::statistics::analyse_outgrown_forever(state.db.clone()));
    }
    spawn_until(&shutdown, crate::live::hub::listen_forever(state.db.clone(), state.config.database_url.clone()));
    spawn_until(&shutdown, crate::admission::run::admission_timers_forever(state.clone()));
    if state.config.club_digests {
        spawn_until(&shutdown, crate::clubs::digest::digests_forever(state.clone()));
    }
    let origin = PublicOrigin(state.config.public_origin().into());
    // One stack, outermost first, applied once: `Router::layer` per middleware nests a
    // boxed route per layer, and each request cloned every box below each level
    // (a third of the time hyper and the middleware took on a sign-up, BENCHMARKS.md 2026-12-07).
    let middleware = tower::ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(super::telemetry::REQUEST_ID, MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(super::telemetry::request_span)
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(super::telemetry::REQUEST_ID))
        .layer(from_fn(crate::infra::headers::add_security_headers))
        .layer(from_fn(crate::infra::body_limit::limit_body))
        .layer(from_fn_with_state(crate::infra::press_queue::PressQueue::of(&state.config), crate::infra::press_queue::in_turn))
        // Outside the sessions: it sees the session cookie's removal (log-out).
        .option_layer(state.config.secure_cookies().then(|| tower::util::MapResponseLayer::new(crate::infra::host_cookies::secure_removals)))
        .layer(sessions)
        .layer(from_fn_with_state(crate::infra::session_policy::SessionPolicy::of(&state.config), crate::infra::session_policy::enforce))
        .layer(from_fn_with_state(origin, crate::infra::csrf::refuse_cross_site_writes))
        .layer(from_fn(super::telemetry::record_request))
        .layer(from_fn(crate::infra::locale::resolve));
    let app = super::routes::build(state.clone(), crate::cities::Catalogue(Arc::new(cities))).layer(middleware);
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let stop = shutdown.clone();
    let server = tokio::spawn(async move {
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        if let Err(error) = axum::serve(listener, service).with_graceful_shutdown(stop.cancelled_owned()).await {
            tracing::error!(%error, "server stopped");
        }
    });
    Ok(RunningApp { addr, state, shutdown, server, worker })
}

/// Hourly: deletes expired sessions, blanks the text of old mail, forgets old rate-limit
/// counts, old live changes and old meetups' door scans.
async fn housekeeping(store: DbSessionStore, db: Db, mail_retention_days: u32) {
    loop {
        if let Err(error) = store.delete_expired().await {
            tracing::warn!(%error, "deleting expired sessions");
        }
        let before = crate::infra::clock::now() - i64::from(mail_retention_days) * 86_400;
        if let Err(error) = crate::email::retention::purge_bodies(&db, before).await {
            tracing::warn!(%error, "purging old mail");
        }
        if let Err(error) = crate::infra::rate_limit::forget_old(&db, crate::infra::clock::now()).await {
            tracing::warn!(%error, "forgetting old rate-limit counts");
        }
        if let Err(error) = crate::live::hub::forget_old_changes(&db, crate::infra::clock::now() - crate::live::hub::CHANGES_KEPT_SECS).await {
            tracing::warn!(%error, "forgetting old live changes");
        }
        let scans_before = crate::infra::clock::now() - crate::participation::door_sync::SCANS_KEPT_DAYS * 86_400;
        if let Err(error) = crate::participation::door_repo::forget_old_scans(&db, scans_before).await {
            tracing::warn!(%error, "forgetting old door scans");
        }
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}

/// Every 20 s, gives seats left free (a crash between a cancellation's commit and the
/// fill that follows it) to fans waiting: so within a minute at most.
async fn sweep_free_seats_forever(state: AppState) {
    loop {
        tokio::time::sleep(Duration::from_secs(20)).await;
        let events = crate::meetups::engine::Events::new(state.db.clone(), &state.config.public_url, crate::infra::clock::Clock::System);
        match events.sweep_free_seats().await {
            Ok(0) => {}
            Ok(moved) => {
                tracing::info!(moved, "sweeper gave free seats to waiting fans");
            }
            Err(error) => tracing::error!(%error, "free-seat sweeper"),
        }
    }
}

/// `tongcheng serve`: runs until SIGTERM or Ctrl-C, then stops gracefully (see
/// `RunningApp::stop`) and returns, so the process exits 0.
pub async fn serve(config: Config) -> Result<(), String> {
    let addr = leptos_options(&config)?.site_addr;
    // Take over SIGTERM before the port opens: one that arrived between the first answer
    // and a later sign-up of the handler killed the process outright, requests in flight
    // and all. One that arrives while the migrations run stops the site once started.
    let stopped = stop_signal();
    raise_open_files_limit();
    let listener = TcpListener::bind(addr).await.map_err(|e| format!("SITE_ADDR: {}", td_string!(terminal(), email.cli.setting.listen, addr = addr, error = e)))?;
    let app = start(config, listener).await?;
    tracing::info!("Tongcheng is running at {}", app.state.config.public_url);
    stopped.await;
    tracing::info!("shutting down: finishing requests in flight and the mail being sent");
    app.stop().await;
    tracing::info!("stopped");
    Ok(())
}

/// Every connection is an open file, and in a rush each waiting press holds one: the
/// usual soft limit (1,024) would stop the site accepting anyone (and axum then pauses
/// accepting for a second at a time). Raised to the hard limit the system allows.
fn raise_open_files_limit() {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) if limit < 16_384 => tracing::warn!(limit, "few open files allowed: a rush may exhaust them (raise the hard limit, `ulimit -Hn`)"),
        Ok(limit) => tracing::debug!(limit, "open files allowed"),
        Err(error) => tracing::warn!(%error, "cannot raise the open-files limit"),
    }
}

/// Takes over SIGTERM and Ctrl-C at once (not when first polled); the future ends
/// when either arrives.
fn stop_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{signal, SignalKind};
    let terminate = signal(SignalKind::terminate());
    let interrupt = signal(SignalKind::interrupt());
    async move {
        match (terminate, interrupt) {
            (Ok(mut terminate), Ok(mut interrupt)) => {
                tokio::select! {
                    _ = terminate.recv() => {}
                    _ = interrupt.recv() => {}
                }
            }
            (Ok(mut only), Err(_)) | (Err(_), Ok(mut only)) => {
                only.recv().await;
            }
            (Err(error), Err(_)) => {
                tracing::warn!(%error, "cannot listen for SIGTERM or Ctrl-C; stop the process with SIGKILL");
                std::future::pending::<()>().await;
            }
        }
    }
}
