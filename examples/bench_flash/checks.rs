//! What bench_flash checks after each phase: the seats, the waiting list, the
//! invariants, and each confirmed fan's ticket at the SMTP sink.
use super::bench_common::open_loop::{Answer, Due};
use super::bench_common::smtp::Received;
use super::SEATS;
use std::time::{Duration, Instant};
use tongcheng::infra::clock::now;
use tongcheng::infra::db::Db;

/// Exactly the seats confirmed, everyone else waiting with queue numbers 1…N, and the
/// database's invariants clean; "OK" or what is wrong.
pub async fn check(db: &Db, event: i64, fans: usize) -> String {
    let confirmed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND status = 'confirmed'").bind(event).fetch_one(&db.pool).await.expect("count");
    let seqs: Vec<i64> =
        sqlx::query_scalar("SELECT waitlist_seq FROM registrations WHERE event_id = $1 AND status = 'waitlisted' ORDER BY waitlist_seq").bind(event).fetch_all(&db.pool).await.expect("seqs");
    let numbered = seqs.iter().enumerate().all(|(i, s)| *s == seqs[0] + i as i64);
    let violations = tongcheng::meetups::invariants::violations(db, now()).await.expect("check");
    let exact = confirmed == SEATS && seqs.len() + SEATS as usize == fans && numbered && violations.is_empty();
    if exact {
        "OK".into()
    } else {
        format!("FAILED: {confirmed} confirmed, {} waiting, numbered 1…N: {numbered}, invariants: {violations:?}", seqs.len())
    }
}

/// `check` when every press was answered 200 (all `fans` registered), else
/// `check_as_answered`: a press turned away "busy" registers nobody.
pub async fn check_presses(db: &Db, event: i64, fans: usize, users: &[(i64, i64, String)], due: &[Due], answers: &[Answer]) -> String {
    match answers.iter().all(|a| a.status == 200) {
        true => check(db, event, fans).await,
        false => check_as_answered(db, event, users, due, answers).await,
    }
}

/// The check after presses some of which were answered "busy, press again" (503):
/// exactly the fans answered 200 are registered — none of those told busy, unless
/// another of their presses got through (fans whose press got no answer may be either).
pub async fn check_as_answered(db: &Db, event: i64, users: &[(i64, i64, String)], due: &[Due], answers: &[Answer]) -> String {
    use std::collections::HashSet;
    let mut through = HashSet::new();
    let mut unknown = HashSet::new();
    for (d, a) in due.iter().zip(answers) {
        match a.status {
            200 => through.insert(users[d.fan].0),
            0 => unknown.insert(users[d.fan].0),
            _ => false,
        };
    }
    let registered: HashSet<i64> = sqlx::query_scalar("SELECT user_id FROM registrations WHERE event_id = $1").bind(event).fetch_all(&db.pool).await.expect("registered").into_iter().collect();
    let missing = through.difference(&registered).count();
    let unexpected = registered.iter().filter(|id| !through.contains(id) && !unknown.contains(id)).count();
    let busy = due.iter().zip(answers).filter(|(_, a)| a.status == 503).map(|(d, _)| users[d.fan].0).collect::<HashSet<_>>().difference(&through).count();
    let seats = check(db, event, registered.len()).await;
    if missing == 0 && unexpected == 0 {
        format!("{seats}; {} fans answered 200 all registered, {busy} told only \"busy\" (503) left nothing", through.len())
    } else {
        format!("FAILED: {missing} fans answered 200 without a registration, {unexpected} registered though told only \"busy\"; {seats}")
    }
}

/// Each confirmed fan's ticket (`seat_confirmed`, queued in the seat's transaction)
/// delivered to the SMTP sink once (its Message-ID names its outbox row), waiting up to
/// 3 minutes for it; without a sink (`None`), queued once each.
pub async fn tickets(db: &Db, event: i64, sink: Option<&Received>) -> String {
    let confirmed: Vec<String> = sqlx::query_scalar("SELECT u.email FROM registrations r JOIN users u ON u.id = r.user_id WHERE r.event_id = $1 AND r.status = 'confirmed' ORDER BY u.email")
        .bind(event)
        .fetch_all(&db.pool)
        .await
        .expect("confirmed");
    let tickets: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, recipient FROM outbox WHERE event_id = $1 AND kind = 'seat_confirmed' ORDER BY recipient").bind(event).fetch_all(&db.pool).await.expect("tickets");
    let waited = Instant::now();
    let delivered = match sink {
        None => vec![1; tickets.len()],
        Some(received) => loop {
            // Counted by outbox row in one pass: the sink holds every mail of the
            // run (and of the runs before), and it waits for this lock to add more.
            let rows: std::collections::HashMap<i64, usize> = received.lock().expect("sink").iter().fold(std::collections::HashMap::new(), |mut seen, (id, _)| {
                if let Some(row) = id.strip_prefix("<outbox-").and_then(|rest| rest.split('@').next()).and_then(|row| row.parse().ok()) {
                    *seen.entry(row).or_default() += 1;
                }
                seen
            });
            let delivered: Vec<usize> = tickets.iter().map(|(id, _)| rows.get(id).copied().unwrap_or(0)).collect();
            if delivered.iter().all(|n| *n >= 1) || waited.elapsed() > Duration::from_secs(180) {
                break delivered;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        },
    };
    let recipients: Vec<&str> = tickets.iter().map(|(_, to)| to.as_str()).collect();
    let once = recipients == confirmed.iter().map(String::as_str).collect::<Vec<_>>() && delivered.iter().all(|n| *n == 1);
    format!(
        "tickets: {} queued for {} confirmed fans, {} delivered to the SMTP sink {} (within {:.0} s of the last press)",
        tickets.len(),
        confirmed.len(),
        delivered.iter().filter(|n| **n >= 1).count(),
        if once { "once each: OK" } else { "— NOT once each" },
        waited.elapsed().as_secs_f64()
    )
}
