//! The refresh storm (phase 3 of `bench_flash`): for `storm_secs` fans reload the meetup
//! page (half logged in) at `page_rate`; sign-up opens halfway and `rate` presses a
//! second arrive in the middle of that reloading.
use super::bench_common::{self, open_loop::{self, Answer}};
use super::{checks, fresh_sessions, header, meetup, presses, quiet, row, stages, TWICE};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tongcheng::infra::db::Db;

/// How the storm is shaped.
pub struct Storm {
    pub rate: f64,
    pub fans: usize,
    pub page_rate: f64,
    pub storm_secs: u64,
}

/// Runs the storm and prints its tables.
pub async fn run(db: &Db, apps: &bench_common::AppProcesses, client: &reqwest::Client, busy: &Arc<bench_common::LeastBusy>, users: &[(i64, i64, String)], shape: Storm) {
    let Storm { rate, fans, page_rate, storm_secs } = shape;
    let half = storm_secs / 2;
    let cookies = fresh_sessions(db, users).await;
    let storm = meetup(db, "Storm", half as i64).await;
    let storm_started = Instant::now();
    let page_due = open_loop::schedule(0..(page_rate * storm_secs as f64) as usize, page_rate, 0.0, Duration::ZERO);
    let storm_fans = ((rate * (storm_secs - half) as f64) as usize).min(fans);
    // The first press a second after opening: the meetup's opening time is whole seconds.
    let press_due = open_loop::schedule(0..storm_fans, rate, TWICE, Duration::from_secs(half + 1));
    let (pc, pb, pk) = (client.clone(), busy.clone(), cookies.clone());
    let pages = tokio::spawn(async move {
        open_loop::run(storm_started, &page_due, |n| {
            let (base, in_flight) = pb.pick();
            let mut request = pc.get(format!("{base}/meetups/{storm}")).header("Accept", "text/html");
            if n % 2 == 0 {
                request = request.header("Cookie", &pk[n % pk.len()]);
            }
            let page = open_loop::sent(request);
            async move {
                let status = page.await;
                drop(in_flight);
                status
            }
        })
        .await
    });
    let opened = Duration::from_secs(half + 1);
    // The CPU of the two halves apart: pages alone, then pages and presses (what the
    // cores had left for pages once the presses came).
    let (cpu_pages, app_pids) = (bench_common::cpu::CpuUse::start(), apps.pids());
    let opening = tokio::spawn(async move {
        // A benchmark's timer (not a test's): the split lands near the opening.
        tokio::time::sleep_until((storm_started + opened).into()).await;
        (cpu_pages.finish_as("before the opening, pages only", &app_pids), bench_common::cpu::CpuUse::start())
    });
    let marks = stages::marks(storm_started + opened, "the first 2 s of sign-ups");
    let (signups, stages) = stages::around(client, &apps.bases, marks, presses(client, busy, &cookies, storm, &press_due)).await;
    let pages = pages.await.expect("pages");
    let (cpu_before, cpu_during) = opening.await.expect("opening");
    let cpu = format!("{cpu_before}.\n{}", cpu_during.finish_as("while sign-ups run, pages and presses", &apps.pids()));
    println!("\nThe refresh storm: the meetup page reloaded at {page_rate:.0}/s for {storm_secs} s (half logged in); sign-up opens at {half} s, then {rate:.0} presses a second:");
    header();
    let (before, during): (Vec<Answer>, Vec<Answer>) = pages.into_iter().partition(|a| a.due < opened);
    row("page, before opening", &before, opened);
    row("page, while sign-ups run", &during, Duration::from_secs(storm_secs) - opened);
    row("sign-up presses", &signups, Duration::from_secs(storm_secs - half));
    println!("|  check | {} | | | | | | |", checks::check_as_answered(db, storm, users, &press_due, &signups).await);
    println!("{cpu}.");
    println!("\nInside the app processes, {stages}");
    quiet(db).await;
}
