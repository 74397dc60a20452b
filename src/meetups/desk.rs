//! The sign-up desk: presses of "sign up" served together, one transaction per event
//! per turn. When sign-up opens like a flash sale, one transaction per press costs the
//! database a commit, a look at the event row and some eight round trips for every fan;
//! the desk (in each process, one task per event being pressed) takes every press that
//! arrived while its last turn ran (at most `MOST_PER_TURN`; right after a turn it waits
//! a few milliseconds for company, `desk_rules::next_turn_waits_until`) and registers the fans new
//! to the event with a handful of statements: the free seats go in the order the presses
//! arrived, the rest get the next numbers on the waiting list, their emails are queued,
//! and it commits once. So the busier the moment, the more fans share a commit.
//!
//! The desk does only that common case. A fan who already had a registration there (a
//! double click, a retry, a second tab, or a sign-up after cancelling), a festival
//! session, an event not taking sign-ups, and every press of a turn that failed go to
//! the engine's own sign-up (`Events::sign_up_writing_in`), which answers the rest and
//! explains refusals: one set of rules, two ways through it.
use super::engine::{Events, Fan};
use super::{desk_places, places};
use super::desk_rules::{first_presses_of_new_fans, next_turn_waits_until, seats_for};
use super::repo::{self, EventLock};
use super::{emails, signup_state, EventStatus, Place, PlaceStatus, SignupState};
use crate::email::outbox;
use crate::error::AppError;
use crate::i18n::Locale;
use std::sync::atomic::{AtomicU64, Ordering};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// Presses one turn takes at most (a turn's statements stay small).
const MOST_PER_TURN: usize = 256;
/// Presses waiting in one event's lane before a new press waits to be queued.
const QUEUE: usize = 16_384;

/// The fan pressing, as the desk needs them.
#[derive(Debug, Clone)]
pub struct Presser {
    pub id: i64,
    pub email: String,
    pub name: String,
    /// The language of their emails.
    pub locale: Locale,
}

/// What a turn answers a press.
#[derive(Debug)]
pub enum Answer {
    /// A seat or a place on the waiting list, given in this turn.
    Placed(Place),
    /// The fan had a registration there before this turn (or pressed twice in it).
    HadOne,
    /// For the engine's own sign-up (see the module).
    Engine,
}

struct Press {
    fan: Presser,
    answer: oneshot::Sender<Answer>,
}

/// The handle: cheap to clone. Each event pressed has its own lane (a queue and the task
/// serving it), so a turn that waits at one event (its row locked by a cancellation
/// notifying thousands) holds up no other; a lane idle for `LANE_IDLE` ends.
#[derive(Clone)]
pub struct SignUpDesk {
    events: Events,
    lanes: Arc<Mutex<HashMap<i64, mpsc::Sender<Press>>>>,
    served: Arc<Served>,
    thread: Arc<DeskThread>,
}

/// Connections the desk's thread keeps open to the database (its own, see `DeskThread`),
/// and their name in PostgreSQL's `pg_stat_activity`.
const DESK_CONNECTIONS: u32 = 4;
pub const DESK_CONNECTION_NAME: &str = "tongcheng sign-up desk";
/// Idle this long, a desk connection is pinged before a turn uses it (`with_own_connections`).
const DESK_PING_AFTER_IDLE: std::time::Duration = std::time::Duration::from_secs(60);
/// The tables a turn reads and writes.
const DESK_TABLES: &[&str] = &["events", "cities", "users", "registrations", "outbox"];

/// The lanes run on a thread of their own, with connections of their own: a turn is
/// the one thing every press waits for, and on the requests' runtime each of its round
/// trips waited behind the requests the workers were serving (the last turn's answers,
/// the next one's sessions): a turn took 6.5 ms there against 4.3 ms without HTTP
/// (BENCHMARKS.md, issue 29).
struct DeskThread {
    runtime: tokio::runtime::Handle,
    /// The engine on the desk's own connections.
    events: Events,
    /// Those connections (PostgreSQL; SQLite shares the app's one writer).
    own_db: Option<crate::infra::db::Db>,
    /// Held by every lane: the thread ends once none is left.
    lanes_alive: mpsc::Sender<()>,
    /// Dropped with the last handle: the thread waits for the lanes to answer what they
    /// hold, closes its connections and ends.
    _closing: oneshot::Sender<()>,
}

/// Lanes open at once; presses to further events go straight to the engine.
const MOST_LANES: usize = 256;
/// How long a lane waits for presses before it ends.
const LANE_IDLE: Duration = Duration::from_secs(30);

/// What a desk has done so far.
#[derive(Default)]
struct Served {
    turns: AtomicU64,
    placed: AtomicU64,
}

impl SignUpDesk {
    /// Opens the desk: its lanes serve presses with `events` (needs a Tokio runtime).
    pub fn open(events: Events) -> SignUpDesk {
        let thread = DeskThread::start(&events);
        SignUpDesk { events, lanes: Arc::default(), served: Arc::default(), thread: Arc::new(thread) }
    }

    /// Puts the desk away (the app stopping): lanes answer the presses queued and end;
    /// waits for the desk's own connections to be given back and closes them.
    pub async fn close(&self) {
        self.lanes.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clear();
        if let Some(db) = &self.thread.own_db {
            db.close().await;
        }
    }

    /// Turns taken (one per event per batch of presses) and fans placed by them, since
    /// the desk opened.
    pub fn served(&self) -> (u64, u64) {
        (self.served.turns.load(Ordering::Relaxed), self.served.placed.load(Ordering::Relaxed))
    }

    /// Signs a fan up (see `Events::sign_up`): a seat if one is free, else the waiting
    /// list; pressing again returns the place the fan already has.
    pub async fn sign_up(&self, event_id: i64, fan: Presser) -> Result<Place, AppError> {
        self.sign_up_then(event_id, fan, || ()).await
    }

    /// The same; `queued` runs once the press waits in its event's lane (from then on
    /// it costs nothing until its turn: `infra::press_queue` lets the next press in).
    pub async fn sign_up_then(&self, event_id: i64, fan: Presser, queued: impl FnOnce()) -> Result<Place, AppError> {
        let (answer, answered) = oneshot::channel();
        let press = Press { fan: fan.clone(), answer };
        // Without a lane, or when its task has just ended, the engine answers.
        let answer = match self.lane(event_id) {
            Some(lane) => match lane.send(press).await {
                Ok(()) => {
                    queued();
                    let queued_at = std::time::Instant::now();
                    let answer = answered.await.unwrap_or(Answer::Engine);
                    metrics::histogram!("signup_desk_wait_seconds").record(queued_at.elapsed().as_secs_f64());
                    answer
                }
                Err(_) => Answer::Engine,
            },
            None => Answer::Engine,
        };
        let through_engine = || async {
            let fan_ref = Fan { id: fan.id, email: &fan.email, name: &fan.name };
            self.events.sign_up_writing_in(event_id, &fan_ref, fan.locale).await
        };
        match answer {
            Answer::Placed(place) => Ok(place),
            Answer::HadOne => match self.events.place(event_id, fan.id).await? {
                Some(place) if place.status != PlaceStatus::Cancelled => Ok(place),
                _ => through_engine().await,
            },
            Answer::Engine => through_engine().await,
        }
    }

    /// The event's lane, opened if need be; `None` when too many are open.
    fn lane(&self, event_id: i64) -> Option<mpsc::Sender<Press>> {
        let mut lanes = self.lanes.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(lane) = lanes.get(&event_id).filter(|lane| !lane.is_closed()) {
            return Some(lane.clone());
        }
        lanes.retain(|_, lane| !lane.is_closed());
        if lanes.len() >= MOST_LANES {
            return None;
        }
        let (lane, waiting) = mpsc::channel(QUEUE);
        lanes.insert(event_id, lane.clone());
        let alive = self.thread.lanes_alive.clone();
        let lane_task = serve(self.thread.events.clone(), event_id, waiting, self.served.clone());
        self.thread.runtime.spawn(async move {
            lane_task.await;
            drop(alive);
        });
        Some(lane)
    }
}

impl DeskThread {
    fn start(events: &Events) -> DeskThread {
        let (closing, closed) = oneshot::channel::<()>();
        let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(runtime) => runtime,
            Err(error) => return DeskThread::beside_requests(events, closing, mpsc::channel(1).0, &error),
        };
        let handle = runtime.handle().clone();
        // The pool's housekeeping goes to the desk's runtime, and its connections open
        // there.
        let own_db = {
            let _inside = handle.enter();
            events.db.with_own_connections(DESK_CONNECTIONS, DESK_CONNECTION_NAME, DESK_PING_AFTER_IDLE)
        };
        // Open and warm them now: a sale's first second is the desk's busiest, and
        // connections opened by its first turns made them wait (BENCHMARKS.md, issue 29).
        if let Some(db) = own_db.clone() {
            handle.spawn(async move { db.open_all(DESK_TABLES).await });
        }
        let closing_db = own_db.clone();
        let (lanes_alive, mut lanes_ended) = mpsc::channel::<()>(1);
        // The runtime goes to the thread once it runs: were the thread refused, it is
        // shut down here without waiting (dropping it inside a runtime would panic).
        let (give, take) = std::sync::mpsc::channel::<tokio::runtime::Runtime>();
        let started = std::thread::Builder::new().name("sign-up desk".into()).spawn(move || {
            let Ok(runtime) = take.recv() else { return };
            runtime.block_on(async move {
                let _ = closed.await;
                // Every lane's handle has gone: each answers what it holds, then ends.
                let _ = lanes_ended.recv().await;
                if let Some(db) = closing_db {
                    db.close().await;
                }
            })
        });
        if let Err(error) = started {
            runtime.shutdown_background();
            return DeskThread::beside_requests(events, closing, lanes_alive, &error);
        }
        if let Err(refused) = give.send(runtime) {
            refused.0.shutdown_background();
        }
        let events = Events { db: own_db.clone().unwrap_or_else(|| events.db.clone()), ..events.clone() };
        DeskThread { runtime: handle, events, own_db, lanes_alive, _closing: closing }
    }

    /// Without a thread of its own (the system refused one), the desk runs as before.
    fn beside_requests(events: &Events, closing: oneshot::Sender<()>, lanes_alive: mpsc::Sender<()>, error: &dyn std::fmt::Display) -> DeskThread {
        tracing::error!(%error, "the sign-up desk's thread did not start; its turns run beside the requests");
        DeskThread { runtime: tokio::runtime::Handle::current(), events: events.clone(), own_db: None, lanes_alive, _closing: closing }
    }
}

/// A lane's task: a turn for every batch of presses waiting, until none come for a while.
async fn serve(events: Events, event_id: i64, mut waiting: mpsc::Receiver<Press>, served: Arc<Served>) {
    let mut turn = Vec::with_capacity(MOST_PER_TURN);
    let mut last_began: Option<Instant> = None;
    while let Ok(taken) = tokio::time::timeout(LANE_IDLE, waiting.recv_many(&mut turn, MOST_PER_TURN)).await {
        if taken == 0 {
            return;
        }
        if let Some(due) = next_turn_waits_until(last_began, Instant::now(), turn.len()) {
            tokio::time::sleep_until(due.into()).await;
            while turn.len() < MOST_PER_TURN {
                let Ok(press) = waiting.try_recv() else { break };
                turn.push(press);
            }
        }
        last_began = Some(Instant::now());
        serve_event(&events, event_id, std::mem::take(&mut turn), &served).await;
    }
    // Idle: presses sent from now on fail to arrive and go to the engine; any already
    // queued are answered first.
    waiting.close();
    while let Some(press) = waiting.recv().await {
        serve_event(&events, event_id, vec![press], &served).await;
    }
}

async fn serve_event(events: &Events, event_id: i64, presses: Vec<Press>, served: &Served) {
    let fans: Vec<&Presser> = presses.iter().map(|p| &p.fan).collect();
    let started = std::time::Instant::now();
    let taken = take_turn(events, event_id, &fans).await;
    let took = started.elapsed();
    metrics::histogram!("signup_turn_seconds").record(took.as_secs_f64());
    tracing::debug!(event_id, presses = presses.len(), took_ms = took.as_secs_f64() * 1000.0, "a sign-up turn");
    let answers = match taken {
        Ok(answers) => answers,
        Err(error) => {
            tracing::warn!(%error, event_id, presses = presses.len(), "a sign-up turn failed; its presses go through the engine one by one");
            Vec::new()
        }
    };
    let placed = answers.iter().filter(|a| matches!(a, Answer::Placed(_))).count() as u64;
    served.turns.fetch_add(1, Ordering::Relaxed);
    served.placed.fetch_add(placed, Ordering::Relaxed);
    metrics::histogram!("signup_turn_presses").record(presses.len() as f64);
    let mut answers = answers.into_iter();
    for press in presses {
        // The fan may have given up waiting: nobody to answer is no error.
        let _ = press.answer.send(answers.next().unwrap_or(Answer::Engine));
    }
}

/// One turn at one event: answers for `fans` (one per press, in order).
async fn take_turn(events: &Events, event_id: i64, fans: &[&Presser]) -> Result<Vec<Answer>, AppError> {
    let engine = || fans.iter().map(|_| Answer::Engine).collect();
    let mut tx = events.begin().await?;
    let now = tx.now;
    let Some(event) = repo::event_info_locked(&mut tx, event_id, EventLock::AgainstStatusChange).await? else {
        return Ok(engine());
    };
    let open = signup_state(event.status, event.signup_opens_at, event.signup_closes_at, event.starts_at, now) == SignupState::Open;
    if !open || event.status != EventStatus::Published || event.awaiting_draw || event.festival_id.is_some() {
        return Ok(engine());
    }
    let mut user_ids: Vec<i64> = fans.iter().map(|f| f.id).collect();
    user_ids.sort_unstable();
    user_ids.dedup();
    let registered: std::collections::HashMap<i64, desk_places::Registered> =
        desk_places::register_many(&mut tx, event_id, &user_ids, now).await?.into_iter().map(|r| (r.user_id, r)).collect();
    let new = first_presses_of_new_fans(fans, |id| registered.contains_key(&id));
    let looks_free = event.capacity.is_none_or(|capacity| event.confirmed < capacity);
    let seats = match new.is_empty() || !looks_free {
        true => 0,
        false => {
            let (capacity, confirmed) = desk_places::lock_seat_count(&mut tx, event_id).await?;
            let seats = seats_for(new.len(), capacity, confirmed);
            if seats > 0 && !places::take_seats(&mut tx, event_id, seats as i64, now).await? {
                tracing::error!(event_id, seats, "the seats counted under lock were not free");
                return Err(AppError::Internal);
            }
            seats
        }
    };
    let (seated, waiting) = new.split_at(seats);
    let registration = |i: &usize| &registered[&fans[*i].id];
    let seated_ids: Vec<i64> = seated.iter().map(|i| registration(i).id).collect();
    let (numbers, left) = match waiting.is_empty() {
        true => (Vec::new(), 0),
        false => places::take_waitlist_numbers(&mut tx, event_id, waiting.len()).await?,
    };
    let numbered: Vec<[i64; 2]> = waiting.iter().zip(&numbers).map(|(i, number)| [registration(i).id, *number]).collect();
    let settled = desk_places::confirm_many(&mut tx, &seated_ids, now).await? + desk_places::waitlist_many(&mut tx, &numbered, now).await?;
    if settled != new.len() as u64 || numbers.len() != waiting.len() {
        tracing::error!(event_id, settled, new = new.len(), "fresh registrations changed within their turn");
        return Err(AppError::Internal);
    }
    let base_url = tx.base_url().to_string();
    let mut answers: Vec<Answer> = fans.iter().map(|_| Answer::HadOne).collect();
    let mut mails = Vec::with_capacity(new.len());
    for i in seated {
        let (fan, r) = (fans[*i], registration(i));
        mails.push(emails::seat_confirmed(fan.locale, &event, &fan.email, &fan.name, &r.ticket_code, r.id, 1, &base_url, false));
        answers[*i] = Answer::Placed(Place { registration_id: r.id, status: PlaceStatus::Confirmed, position: None, ticket_code: Some(r.ticket_code.clone()), checked_in: false });
    }
    for (i, number) in waiting.iter().zip(&numbers) {
        let (fan, r) = (fans[*i], registration(i));
        let position = super::place_on_joining(*number, left);
        mails.push(emails::waitlisted(fan.locale, &event, &fan.email, &fan.name, position, r.id, 1, &base_url));
        answers[*i] = Answer::Placed(Place { registration_id: r.id, status: PlaceStatus::Waitlisted, position: Some(position), ticket_code: None, checked_in: false });
    }
    outbox::enqueue_all(&mut tx, &mails, now).await?;
    tx.commit().await?;
    // As after a single sign-up (`Events::sign_up_writing_in`): a seat freed while these
    // fans joined the list is given now; whoever moved up reads their place again.
    // The turn has committed: a failure here must not send its presses round again.
    let moved_up = match waiting.is_empty() {
        true => Ok(0),
        false => events.fill_free_seats(event_id).await,
    };
    if let Err(error) = &moved_up {
        tracing::warn!(%error, event_id, "filling seats after a sign-up turn (the sweeper will)");
    }
    if !matches!(moved_up, Ok(0)) {
        for i in waiting {
            answers[*i] = Answer::HadOne;
        }
    }
    Ok(answers)
}
