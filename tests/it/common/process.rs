//! The real `tongcheng` binary as a child process: started on a free port, signalled,
//! killed, waited for. For the tests that stop or crash a server on purpose.
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    pub child: Child,
    pub port: u16,
}

impl Server {
    /// `tongcheng serve` on `database_url`, its JSON logs on a pipe (read by `wait`).
    pub fn start(database_url: &str) -> Server {
        Self::start_with(database_url, &[], None)
    }

    /// With more settings; logs go to `log` when given (a busy server would fill a pipe
    /// nobody reads and stall).
    pub fn start_with(database_url: &str, settings: &[(&str, &str)], log: Option<&Path>) -> Server {
        let mut server = Self::launch(database_url, settings, log);
        // The port opens before the migrations have run: wait for an HTTP answer.
        let deadline = Instant::now() + Duration::from_secs(60);
        while !server.answers() {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("the server exited before serving: {status}");
            }
            assert!(Instant::now() < deadline, "the server did not start serving");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// The process just started: it may not even listen yet.
    pub fn launch(database_url: &str, settings: &[(&str, &str)], log: Option<&Path>) -> Server {
        let port = super::smtp::free_port();
        let stderr = match log {
            Some(path) => Stdio::from(std::fs::OpenOptions::new().create(true).append(true).open(path).expect("log file")),
            None => Stdio::piped(),
        };
        let child = Command::new(env!("CARGO_BIN_EXE_tongcheng"))
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("PUBLIC_URL", format!("http://127.0.0.1:{port}"))
            .env("LOG_FORMAT", "json")
            .env("RUST_LOG", "info,tower_http=info")
            .envs(settings.iter().copied())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("start tongcheng serve");
        Server { child, port }
    }

    /// Whether `/healthz` answers 200.
    fn answers(&self) -> bool {
        use std::io::{Read, Write};
        let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) else { return false };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let mut answer = String::new();
        stream.write_all(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n").is_ok()
            && stream.read_to_string(&mut answer).is_ok()
            && answer.split_whitespace().nth(1) == Some("200")
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn signal(&self, name: &str) {
        let status = Command::new("kill").args([&format!("-{name}"), &self.child.id().to_string()]).status().expect("kill");
        assert!(status.success());
    }

    /// SIGKILL: no shutdown code runs, as in a crash or an OOM kill.
    pub fn crash(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }

    /// Waits (bounded) for the process to end; its exit code and log lines.
    pub fn wait(mut self, limit: Duration) -> (Option<i32>, Vec<String>) {
        use std::io::BufRead;
        let deadline = Instant::now() + limit;
        let (status, late) = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break (status, false);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                break (self.child.wait().expect("reaped"), true);
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let lines: Vec<String> = match self.child.stderr.take() {
            Some(stderr) => std::io::BufReader::new(stderr).lines().map_while(Result::ok).collect(),
            None => Vec::new(),
        };
        assert!(!late, "still running {limit:?} after the signal; its logs:\n{}", lines.join("\n"));
        (status.code(), lines)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
