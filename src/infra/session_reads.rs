//! Session reads that arrive together share one statement. Every request with a session
//! cookie reads its session (with its user) before anything else, so in a rush of presses
//! or reloads that read is one statement per request — as many as the press itself costs
//! the database, each with its own round trip. Reads wait here instead: a reader takes
//! every read waiting (at most `MOST_PER_STATEMENT`) and looks them all up with one
//! `IN (…)`; at most `STATEMENTS_AT_ONCE` run at a time. A quiet site reads each session
//! at once, as before; a busy one reads them in batches that grow with the rush.
use super::db::Db;
use sqlx::any::AnyRow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, Semaphore};

/// Ids one statement looks up at most.
const MOST_PER_STATEMENT: usize = 32;
/// Statements under way at once (each holds a connection of the read pool).
const STATEMENTS_AT_ONCE: usize = 2;
/// Reads waiting before a new one waits to be queued.
const QUEUE: usize = 4_096;
/// A read not answered by then is answered "database unreachable" (try again), as a
/// read waiting that long for a pool connection was before: a stuck statement must not
/// hold every logged-in request behind it.
const READ_AT_MOST: Duration = Duration::from_secs(10);

type Found = Result<Option<AnyRow>, Arc<sqlx::Error>>;

struct Wanted {
    id: String,
    answer: oneshot::Sender<Found>,
}

/// The handle: cheap to clone. Reads come back as rows of `select`, found by `id`.
#[derive(Clone)]
pub struct SessionReads {
    queue: mpsc::Sender<Wanted>,
    statements: Arc<AtomicU64>,
}

impl SessionReads {
    /// Starts the reader (needs a Tokio runtime). `select` reads the sessions; its ids
    /// are `$1, $3, $4, …` and `$2` is the current unix time, and it names each row's
    /// session id `session_id`.
    pub fn start(db: Db, select: impl Fn(&str) -> String) -> SessionReads {
        let (queue, waiting) = mpsc::channel(QUEUE);
        // One statement per batch size (1, 2, 4, … ids; a batch is padded to the next),
        // so each connection prepares a handful, not one per count of ids.
        let statements = std::iter::successors(Some(1usize), |n| (*n < MOST_PER_STATEMENT).then_some(n * 2))
            .map(|n| {
                let ids: Vec<String> = std::iter::once("$1".to_string()).chain((3..n + 2).map(|i| format!("${i}"))).collect();
                (n, Arc::<str>::from(select(&ids.join(", "))))
            })
            .collect();
        let run = Arc::new(AtomicU64::new(0));
        tokio::spawn(read_in_batches(db, statements, waiting, run.clone()));
        SessionReads { queue, statements: run }
    }

    /// The session `id`'s row, if it exists and has not expired.
    pub async fn read(&self, id: String) -> Found {
        let (answer, answered) = oneshot::channel();
        let asked = async {
            self.queue.send(Wanted { id, answer }).await.map_err(|_| Arc::new(sqlx::Error::PoolClosed))?;
            answered.await.unwrap_or_else(|_| Err(Arc::new(sqlx::Error::PoolClosed)))
        };
        tokio::time::timeout(READ_AT_MOST, asked).await.unwrap_or_else(|_| Err(Arc::new(sqlx::Error::PoolTimedOut)))
    }

    /// Statements run so far (each read one or more sessions).
    pub fn statements_run(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }
}

async fn read_in_batches(db: Db, statements: Vec<(usize, Arc<str>)>, mut waiting: mpsc::Receiver<Wanted>, run: Arc<AtomicU64>) {
    let at_once = Arc::new(Semaphore::new(STATEMENTS_AT_ONCE));
    let mut batch = Vec::with_capacity(MOST_PER_STATEMENT);
    loop {
        // A free slot first, then whatever has arrived: while both statements run, reads
        // gather for the next.
        let Ok(slot) = at_once.clone().acquire_owned().await else { return };
        if waiting.recv_many(&mut batch, MOST_PER_STATEMENT).await == 0 {
            return;
        }
        let mut wanted = std::mem::replace(&mut batch, Vec::with_capacity(MOST_PER_STATEMENT));
        // Nobody waits for a read whose request has gone (the fan left, a page rendered again).
        wanted.retain(|w| !w.answer.is_closed());
        let mut ids: Vec<&str> = wanted.iter().map(|w| w.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        let ids: Vec<String> = ids.into_iter().map(str::to_string).collect();
        // Batches hold at most MOST_PER_STATEMENT ids, the largest statement's count.
        let Some((size, sql)) = statements.iter().find(|(n, _)| *n >= ids.len()).cloned().filter(|_| !ids.is_empty()) else { continue };
        run.fetch_add(1, Ordering::Relaxed);
        let db = db.clone();
        tokio::spawn(async move {
            let found = tokio::time::timeout(READ_AT_MOST, look_up(&db, &sql, size, &ids)).await.unwrap_or(Err(sqlx::Error::PoolTimedOut));
            answer(wanted, found);
            drop(slot);
        });
    }
}

/// The rows of `ids` (distinct, at least one) by session id, with one statement of `size` ids.
async fn look_up(db: &Db, sql: &str, size: usize, ids: &[String]) -> Result<HashMap<String, AnyRow>, sqlx::Error> {
    use sqlx::Row;
    let mut query = sqlx::query(sql).bind(ids[0].as_str()).bind(super::clock::now());
    for i in 1..size {
        // Padding repeats the last id: the same rows, found once.
        query = query.bind(ids[i.min(ids.len() - 1)].as_str());
    }
    let rows = query.fetch_all(&db.pool).await?;
    rows.into_iter().map(|row| Ok((row.try_get::<String, _>("session_id")?, row))).collect()
}

fn answer(wanted: Vec<Wanted>, found: Result<HashMap<String, AnyRow>, sqlx::Error>) {
    match found {
        Ok(rows) => {
            for w in wanted {
                // The request may have gone meanwhile: nobody to answer is no error.
                let _ = w.answer.send(Ok(rows.get(&w.id).cloned()));
            }
        }
        Err(error) => {
            let error = Arc::new(error);
            for w in wanted {
                let _ = w.answer.send(Err(error.clone()));
            }
        }
    }
}
