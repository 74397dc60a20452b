//! Where the presses' and pages' time went inside the app processes, stage by stage,
//! from their `/metrics` histograms read before and after a phase: the line for a turn,
//! the turn (session and fan read), the desk and its turns, and the whole of it in the
//! app. What the load generator measured beyond "in the app" was spent before the app
//! saw the request (the listen queue, a core to run on) or sending the answer.
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// One histogram over all processes: (upper bound in seconds, cumulative count), sum, count.
#[derive(Default, Clone, Debug)]
struct Histogram {
    buckets: Vec<(f64, f64)>,
    sum: f64,
    count: f64,
}

#[derive(Default, Clone, Debug)]
pub struct Snapshot(HashMap<String, Histogram>);

/// The stages, in the order a press meets them; then the page.
const STAGES: &[(&str, &str)] = &[
    ("press_in_app_seconds", "sign-up press, all of it in the app (let in)"),
    ("press_line_seconds", "in line for a turn"),
    ("press_turn_held_seconds", "turn held (session, fan)"),
    ("signup_desk_wait_seconds", "at the desk, queued to answered"),
    ("signup_turn_seconds", "one desk turn (its transaction)"),
    ("page_in_app_seconds", "meetup page, all of it in the app"),
];

/// Where the stages are read: at `opening` (its first seconds apart: they set the
/// tail) and 2 s later.
pub fn marks(opening: Instant, first: &str) -> Vec<(Instant, String)> {
    vec![(opening, first.to_string()), (opening + std::time::Duration::from_secs(2), "after them".to_string())]
}

/// Runs `phase`, reading the stages at each of `marks` (an instant and the name of the
/// stretch it starts) and when the phase ends: a table for each stretch.
pub async fn around<T>(client: &reqwest::Client, bases: &[String], marks: Vec<(Instant, String)>, phase: impl Future<Output = T>) -> (T, String) {
    let read_so_far: Arc<Mutex<Vec<(String, Snapshot)>>> = Arc::default();
    let (client_, bases_, reads) = (client.clone(), bases.to_vec(), read_so_far.clone());
    // A benchmark's timer (not a test's): the reads land near the marks.
    let reader = tokio::spawn(async move {
        for (at, name) in marks {
            tokio::time::sleep_until(at.into()).await;
            let snapshot = read(&client_, &bases_).await;
            reads.lock().expect("reads").push((name, snapshot));
        }
    });
    let done = phase.await;
    reader.abort();
    let _ = reader.await;
    let end = read(client, bases).await;
    let reads = std::mem::take(&mut *read_so_far.lock().expect("reads"));
    let tables = reads
        .iter()
        .enumerate()
        .map(|(i, (name, start))| format!("{name}:\n{}", reads.get(i + 1).map_or(&end, |(_, next)| next).since(start)))
        .collect::<Vec<_>>()
        .join("\n");
    (done, tables)
}

/// The histograms of the app processes at `bases`, summed.
pub async fn read(client: &reqwest::Client, bases: &[String]) -> Snapshot {
    let mut all = Snapshot::default();
    for base in bases {
        let Ok(response) = client.get(format!("{base}/metrics")).bearer_auth(super::bench_common::METRICS_TOKEN).send().await else { continue };
        all.add(&parse(&response.text().await.unwrap_or_default()));
    }
    all
}

fn parse(text: &str) -> Snapshot {
    let mut found: HashMap<String, Histogram> = HashMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((series, value)) = line.rsplit_once(' ') else { continue };
        let Ok(value) = value.parse::<f64>() else { continue };
        let (name, labels) = series.split_once('{').map_or((series, ""), |(n, l)| (n, l.trim_end_matches('}')));
        if let Some(base) = name.strip_suffix("_bucket") {
            let le = labels.split(',').find_map(|l| l.strip_prefix("le=\"")).map(|l| l.trim_end_matches('"'));
            let bound = match le {
                Some("+Inf") => f64::INFINITY,
                Some(le) => le.parse().unwrap_or(f64::INFINITY),
                None => continue,
            };
            found.entry(base.to_string()).or_default().buckets.push((bound, value));
        } else if let Some(base) = name.strip_suffix("_sum") {
            found.entry(base.to_string()).or_default().sum += value;
        } else if let Some(base) = name.strip_suffix("_count") {
            found.entry(base.to_string()).or_default().count += value;
        }
    }
    Snapshot(found)
}

impl Snapshot {
    fn add(&mut self, other: &Snapshot) {
        for (name, h) in &other.0 {
            let mine = self.0.entry(name.clone()).or_default();
            mine.sum += h.sum;
            mine.count += h.count;
            for (bound, n) in &h.buckets {
                match mine.buckets.iter_mut().find(|(b, _)| b == bound) {
                    Some((_, m)) => *m += n,
                    None => mine.buckets.push((*bound, *n)),
                }
            }
        }
    }

    /// Times `name` was recorded between `before` and this snapshot.
    pub fn count_since(&self, before: &Snapshot, name: &str) -> u64 {
        let count = |s: &Snapshot| s.0.get(name).map_or(0.0, |h| h.count);
        (count(self) - count(before)) as u64
    }

    /// What happened between `before` and this snapshot, one table row per stage.
    pub fn since(&self, before: &Snapshot) -> String {
        let mut rows = vec!["| stage (inside the app processes) | times | mean | p50 at most | p99 at most |".to_string(), "|---|---|---|---|---|".to_string()];
        for (name, label) in STAGES {
            let (Some(after), earlier) = (self.0.get(*name), before.0.get(*name)) else { continue };
            let earlier = earlier.cloned().unwrap_or_default();
            let count = after.count - earlier.count;
            if count <= 0.0 {
                continue;
            }
            let mut buckets: Vec<(f64, f64)> = after.buckets.iter().map(|(b, n)| (*b, n - earlier.buckets.iter().find(|(e, _)| e == b).map_or(0.0, |(_, m)| *m))).collect();
            buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
            let at_most = |q: f64| buckets.iter().find(|(_, n)| *n >= q * count).map_or("?".to_string(), |(b, _)| bound(*b));
            rows.push(format!("| {label} | {count:.0} | {:.1} ms | {} | {} |", (after.sum - earlier.sum) / count * 1000.0, at_most(0.5), at_most(0.99)));
        }
        rows.join("\n")
    }
}

fn bound(seconds: f64) -> String {
    match seconds {
        s if s.is_infinite() => "over the last bucket".to_string(),
        s if s < 1.0 => format!("{:.1} ms", s * 1000.0),
        s => format!("{s} s"),
    }
}

