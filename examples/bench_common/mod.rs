//! What the sign-up benchmarks share: a fresh database, a burst of work over N
//! concurrent tasks, latency summaries, and fans logged in over HTTP.
#![allow(dead_code)]
pub mod cpu;
pub mod open_loop;
pub mod smtp;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A fresh database: a SQLite file in `dir`, or on the PostgreSQL server at
/// BENCH_POSTGRES_URL a new database named for this run (`tongcheng_bench_<time>_<pid>`,
/// or BENCH_DATABASE when set). A fresh name never has to push anyone out: dropping a
/// database others are connected to (autovacuum, a benchmark that was killed) needs
/// rights a benchmark should not need. Earlier runs' databases are dropped when nobody
/// uses them any more; one still in use is left for a later run.
pub async fn database_url(backend: &str, dir: &std::path::Path) -> String {
    match backend {
        "sqlite" => format!("sqlite://{}/bench.db", dir.display()),
        _ => {
            use sqlx::Connection;
            let admin = std::env::var("BENCH_POSTGRES_URL").expect("BENCH_POSTGRES_URL");
            let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
            let name = std::env::var("BENCH_DATABASE").unwrap_or_else(|_| format!("tongcheng_bench_{stamp}_{}", std::process::id()));
            assert!(name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'), "BENCH_DATABASE: lowercase letters, digits and _ only");
            let mut conn = sqlx::PgConnection::connect(&admin).await.expect("connect");
            let old: Vec<String> = sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'tongcheng\\_bench%'").fetch_all(&mut conn).await.expect("list");
            for db in old.iter().filter(|db| **db == name || std::env::var("BENCH_DATABASE").is_err()) {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {db}")).execute(&mut conn).await;
            }
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create");
            format!("{}/{name}", admin.rsplit_once('/').expect("db name").0)
        }
    }
}

/// How the app reaches its database, for the tables: a file, or PostgreSQL over a Unix
/// socket (a host that is a directory) or TCP.
pub fn link(url: &str) -> &'static str {
    if url.starts_with("sqlite:") {
        "file"
    } else if url.contains("@%2F") || url.contains("host=/") {
        "Unix socket"
    } else {
        "TCP"
    }
}

/// Prints one table row: throughput, median, p99, total; returns the throughput.
pub fn summary(label: &str, mut latencies: Vec<Duration>, total: Duration) -> f64 {
    latencies.sort();
    let pick = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0;
    let rate = latencies.len() as f64 / total.as_secs_f64();
    println!("| {label} | {rate:.0} sign-ups/s | {:.1} ms | {:.1} ms | {:.1} s |", pick(0.5), pick(0.99), total.as_secs_f64());
    rate
}

/// Runs `work(i)` for i in 0..n on `connections` concurrent tasks; returns latencies.
pub async fn burst<F, Fut>(n: usize, connections: usize, work: F) -> (Vec<Duration>, Duration)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let work = Arc::new(work);
    let started = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let (next, work) = (next.clone(), work.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= n {
                        return latencies;
                    }
                    let t = Instant::now();
                    work(i).await;
                    latencies.push(t.elapsed());
                }
            })
        })
        .collect();
    let mut all = Vec::with_capacity(n);
    for task in tasks {
        all.extend(task.await.expect("task"));
    }
    (all, started.elapsed())
}

/// Logs demo fans 1..=`fans` in over HTTP (argon2 makes this the slow part: setup,
/// not timed); returns each fan's session cookie.
pub async fn log_in_all(client: &reqwest::Client, base: &str, fans: usize) -> Arc<Vec<std::sync::Mutex<String>>> {
    let cookies: Arc<Vec<std::sync::Mutex<String>>> = Arc::new((0..fans).map(|_| std::sync::Mutex::new(String::new())).collect());
    let (c, b, k) = (client.clone(), base.to_string(), cookies.clone());
    burst(fans, 8, move |i| {
        let (client, base, cookies) = (c.clone(), b.clone(), k.clone());
        async move {
            let email = tongcheng::server::seed::demo_email(i as u64 + 1);
            let response = client.post(format!("{base}/api/login")).form(&[("email", email.as_str()), ("password", tongcheng::server::seed::DEMO_PASSWORD)]).send().await.expect("login");
            // Every cookie the log-in sets (the session's, and the language's since log-in
            // remembers it): the session cookie is not always the first.
            let cookie: Vec<&str> = response.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).filter_map(|c| c.split(';').next()).collect();
            assert!(response.status().is_success(), "log-in answered {}", response.status());
            *cookies[i].lock().expect("lock") = cookie.join("; ");
        }
    })
    .await;
    cookies
}

/// One press of "sign up" for `event` as the fan with session `cookie`; it must succeed.
pub async fn press_sign_up(client: &reqwest::Client, apps: &LeastBusy, cookie: String, event: i64) {
    apps.send(|base| async move {
        let response = client.post(format!("{base}/api/sign_up")).header("Cookie", cookie).form(&[("id", event.to_string())]).send().await.expect("sign-up");
        assert!(response.status().is_success(), "sign-up answered {}", response.status());
        response.bytes().await.expect("body");
    })
    .await
}

/// A client (cookies kept) logged in at `base` as `email`.
pub async fn logged_in(base: &str, email: &str, password: &str) -> reqwest::Client {
    let client = reqwest::Client::builder().cookie_store(true).build().expect("client");
    let login = client.post(format!("{base}/api/login")).form(&[("email", email), ("password", password)]).send().await.expect("login");
    assert!(login.status().is_success(), "login failed: {}", login.status());
    client
}

/// The app's settings for a benchmark on `url`, listening at `addr`.
pub fn config(url: &str, addr: &str) -> tongcheng::infra::config::Config {
    let db_connections = std::env::var("BENCH_DB_CONNECTIONS").unwrap_or_else(|_| tongcheng::infra::config::default_db_connections().to_string());
    let mut vars: std::collections::HashMap<String, String> = [("DATABASE_URL", url), ("SITE_ADDR", addr), ("AUTH_ATTEMPTS_PER_MINUTE", "1000000"), ("DB_MAX_CONNECTIONS", db_connections.as_str()), ("METRICS_TOKEN", METRICS_TOKEN)]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    // A benchmark that counts mail at its SMTP sink tells its app processes where it is.
    if let Ok(smtp) = std::env::var("BENCH_SMTP_URL") {
        vars.insert("SMTP_URL".into(), smtp);
    }
    // Settings an experiment may change, as the app reads them.
    for name in ["PRESSES_AT_ONCE", "ANALYSE_GROWN_TABLES"] {
        if let Ok(value) = std::env::var(name) {
            vars.insert(name.into(), value);
        }
    }
    tongcheng::infra::config::Config::from_vars(&vars).expect("config")
}

/// The app processes' `/metrics` token in a benchmark.
pub const METRICS_TOKEN: &str = "bench-metrics-token";

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// A table row: label, median, p90, p99.
pub fn row(label: &str, mut times: Vec<Duration>) {
    times.sort();
    println!("| {label} | {} | {} | {} |", ms(percentile(&times, 0.5)), ms(percentile(&times, 0.9)), ms(percentile(&times, 0.99)));
}

/// `PROGRAM serve URL ADDR`: the benchmark program as an app process on the database
/// at `URL` (what [`AppProcesses`] starts). Returns only when killed.
pub async fn serve(url: &str, addr: &str) {
    // RUST_LOG=warn (say) shows what the app logs, e.g. why a press was answered 500.
    if std::env::var_os("RUST_LOG").is_some() {
        tongcheng::server::telemetry::init_logging(false);
    }
    let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
    let _app = tongcheng::server::start::start(config(url, addr), listener).await.expect("start");
    std::future::pending::<()>().await;
}

/// Sends each request to the app process with the fewest requests in flight, as a
/// reverse proxy set to least connections does (nginx `least_conn`). Round robin would
/// pile the requests up on whichever process is a little slower: fans pressing once
/// more as soon as they are answered keep every connection busy, so that process's
/// queue grows until it alone sets the tail (p99 199 ms there, 63 ms in the other).
pub struct LeastBusy {
    bases: Vec<String>,
    in_flight: Vec<AtomicUsize>,
}

impl LeastBusy {
    pub fn new(bases: Vec<String>) -> LeastBusy {
        let in_flight = bases.iter().map(|_| AtomicUsize::new(0)).collect();
        LeastBusy { bases, in_flight }
    }

    /// Runs `request` at the least busy process's base URL.
    pub async fn send<F, Fut>(&self, request: F)
    where
        F: FnOnce(String) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let chosen = (0..self.bases.len()).min_by_key(|&b| self.in_flight[b].load(Ordering::SeqCst)).unwrap_or(0);
        self.in_flight[chosen].fetch_add(1, Ordering::SeqCst);
        request(self.bases[chosen].clone()).await;
        self.in_flight[chosen].fetch_sub(1, Ordering::SeqCst);
    }

    /// The least busy process's base URL, counted in flight until the guard is dropped
    /// (for requests sent without waiting, open loop).
    pub fn pick(self: &Arc<Self>) -> (String, InFlight) {
        let chosen = (0..self.bases.len()).min_by_key(|&b| self.in_flight[b].load(Ordering::SeqCst)).unwrap_or(0);
        self.pick_one(chosen)
    }

    /// The process `chosen`'s base URL, counted in flight as `pick`'s.
    pub fn pick_one(self: &Arc<Self>, chosen: usize) -> (String, InFlight) {
        let chosen = chosen.min(self.bases.len().saturating_sub(1));
        self.in_flight[chosen].fetch_add(1, Ordering::SeqCst);
        (self.bases[chosen].clone(), InFlight { busy: self.clone(), chosen })
    }
}

/// A request in flight at one process (`LeastBusy::pick`).
pub struct InFlight {
    busy: Arc<LeastBusy>,
    chosen: usize,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.busy.in_flight[self.chosen].fetch_sub(1, Ordering::SeqCst);
    }
}

/// The app processes a burst goes to: this program started again `processes` times
/// (its `main` hands `serve URL ADDR` to [`serve`]) on the same database, each with its
/// outbox worker and timers. The program itself only generates the load: an app in
/// the same process would share its CPU with the client and answer slower than the
/// others (with 2 processes, round robin then piled the requests up on it: 140 ms
/// median there against 7 ms in the other). They stop when this is dropped.
pub struct AppProcesses {
    pub bases: Vec<String>,
    children: Vec<std::process::Child>,
}

impl AppProcesses {
    pub async fn start(url: &str, processes: usize) -> AppProcesses {
        let mut apps = AppProcesses { bases: Vec::new(), children: Vec::new() };
        for _ in 0..processes {
            let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
            let addr = format!("127.0.0.1:{port}");
            let mut command = std::process::Command::new(std::env::current_exe().expect("exe"));
            // APP_WORKER_THREADS=N: the app processes' Tokio workers (tokio reads
            // TOKIO_WORKER_THREADS), leaving this load generator its own.
            if let Ok(workers) = std::env::var("APP_WORKER_THREADS") {
                command.env("TOKIO_WORKER_THREADS", workers);
            }
            let child = command.args(["serve", url, &addr]).spawn().expect("app process");
            apps.children.push(child);
            let base = format!("http://{addr}");
            // Polls until it answers (setup, not measured).
            for _ in 0..200 {
                if reqwest::get(format!("{base}/healthz")).await.is_ok_and(|r| r.status().is_success()) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            apps.bases.push(base);
        }
        apps
    }
}

impl AppProcesses {
    /// Each process's resident memory now (kB, from /proc), in start order.
    pub fn rss_kb(&self) -> Vec<u64> {
        rss_of(&self.pids())
    }

    pub fn pids(&self) -> Vec<u32> {
        self.children.iter().map(std::process::Child::id).collect()
    }

    /// Peak resident memory of each app process while `work` runs (sampled every 100 ms).
    pub async fn peak_memory_during<T>(&self, work: impl std::future::Future<Output = T>) -> (T, Vec<u64>) {
        let peak = Arc::new(std::sync::Mutex::new(self.rss_kb()));
        let pids = self.pids();
        let (sampled, stop) = (peak.clone(), Arc::new(std::sync::atomic::AtomicBool::new(false)));
        let stopping = stop.clone();
        let sampler = tokio::spawn(async move {
            while !stopping.load(std::sync::atomic::Ordering::Relaxed) {
                let now = rss_of(&pids);
                {
                    let mut peak = sampled.lock().expect("peak");
                    for (p, n) in peak.iter_mut().zip(now) {
                        *p = (*p).max(n);
                    }
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        let out = work.await;
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = sampler.await;
        let peak = peak.lock().expect("peak").clone();
        (out, peak)
    }
}

/// The resident memory of processes (kB, from /proc; 0 for one that is gone).
pub fn rss_of(pids: &[u32]) -> Vec<u64> {
    pids.iter()
        .map(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/status"))
                .ok()
                .and_then(|status| status.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|kb| kb.parse().ok()))
                .unwrap_or(0)
        })
        .collect()
}

/// Lets this program and the app processes it starts hold thousands of connections:
/// the soft limit raised to the hard one (asking for more than that failed silently),
/// and said when it is low (the open-loop phases hold a connection per waiting request).
pub fn raise_open_files() {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) if limit < 65_536 => println!("(open files allowed: {limit}; a queue of waiting requests may exhaust them)"),
        Ok(_) => {}
        Err(error) => println!("(cannot raise the open-files limit: {error})"),
    }
}

impl Drop for AppProcesses {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
