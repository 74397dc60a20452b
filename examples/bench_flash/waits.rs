//! FLASH_DESK_WAITS=1 (PostgreSQL): what the sign-up desks' database connections did
//! through each moment, sampled every 10 ms from `pg_stat_activity`. A backend ready to
//! run but without a core shows no wait ("running"), so on a busy machine "running"
//! includes waiting for a core. The sampling costs the run a little CPU.
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::oneshot;
use tongcheng::infra::db::{Db, Dialect};

const SAMPLE: &str = "SELECT COALESCE(wait_event_type || ':' || wait_event, 'running') FROM pg_stat_activity \
                      WHERE datname = current_database() AND application_name = $1 AND state = 'active'";

pub struct Sampler {
    stop: oneshot::Sender<()>,
    samples: tokio::task::JoinHandle<(u64, BTreeMap<String, u64>)>,
}

/// Starts sampling if asked for (and on PostgreSQL).
pub fn start(db: &Db) -> Option<Sampler> {
    if db.dialect != Dialect::Postgres || std::env::var_os("FLASH_DESK_WAITS").is_none() {
        return None;
    }
    let pool = db.pool.clone();
    let (stop, mut stopped) = oneshot::channel();
    let samples = tokio::spawn(async move {
        let (mut ticks, mut seen) = (0, BTreeMap::new());
        let mut every = tokio::time::interval(Duration::from_millis(10));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                _ = &mut stopped => break,
                _ = every.tick() => {}
            }
            let name = tongcheng::meetups::desk::DESK_CONNECTION_NAME;
            let Ok(waits) = sqlx::query_scalar::<_, String>(SAMPLE).bind(name).fetch_all(&pool).await else { continue };
            ticks += 1;
            for wait in waits {
                *seen.entry(wait).or_insert(0) += 1;
            }
        }
        (ticks, seen)
    });
    Some(Sampler { stop, samples })
}

impl Sampler {
    /// Stops sampling: what the desks' connections were seen doing, most often first.
    pub async fn finish(self) -> String {
        let _ = self.stop.send(());
        let (ticks, seen) = self.samples.await.unwrap_or_default();
        let mut seen: Vec<(String, u64)> = seen.into_iter().collect();
        seen.sort_by(|a, b| b.1.cmp(&a.1));
        let seen: Vec<String> = seen.iter().map(|(wait, count)| format!("{wait} {count}")).collect();
        format!("the desks' database connections, active, over {ticks} samples 10 ms apart: {}", seen.join(", "))
    }
}
