//! A real SMTP server on loopback for tests: Python's aiosmtpd, storing what it receives
//! in a Maildir that the test reads.
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SmtpServer {
    pub port: u16,
    maildir: PathBuf,
    child: Child,
    _dir: tempfile::TempDir,
}

fn python() -> String {
    std::env::var("TONGCHENG_TEST_PYTHON").unwrap_or_else(|_| {
        format!("{}/.tools/venv/bin/python", env!("CARGO_MANIFEST_DIR"))
    })
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        Self::start_on(free_port())
    }

    pub fn start_on(port: u16) -> SmtpServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let maildir = dir.path().join("maildir"); // aiosmtpd creates it; it must not exist yet
        // A Maildir that refuses some recipients as real servers do (smtp_handler.py).
        let child = Command::new(python())
            .env("PYTHONPATH", concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/common"))
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "smtp_handler.Handler"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run aiosmtpd with {} ({e}); run scripts/test.sh to install it", python()));
        let server = SmtpServer { port, maildir, child, _dir: dir };
        server.wait_until_listening();
        server
    }

    fn wait_until_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not start on port {}", self.port);
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, parsed.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .filter_map(|e| std::fs::read(e.path()).ok())
            .map(|raw| ReceivedMail::parse(&raw))
            .collect()
    }

    /// How many messages have arrived (counted, not parsed).
    pub fn arrived(&self) -> usize {
        std::fs::read_dir(self.maildir.join("new")).map(|d| d.count()).unwrap_or(0)
    }

    /// Waits (bounded) until at least `count` messages have arrived.
    pub async fn wait_for(&self, count: usize) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            assert!(Instant::now() < deadline, "expected {count} messages, got {}", messages.len());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl SmtpServer {
    /// Waits (bounded) for the first message to `to` whose subject starts with `prefix`.
    pub async fn wait_for_mail_to(&self, to: &str, prefix: &str) -> ReceivedMail {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(mail) = self.messages().into_iter().find(|m| m.to == to && m.subject.starts_with(prefix)) {
                return mail;
            }
            assert!(Instant::now() < deadline, "no message to {to} with a subject starting {prefix:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits (bounded) for the first message whose subject starts with `prefix`.
    pub async fn wait_for_subject(&self, prefix: &str) -> ReceivedMail {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(mail) = self.messages().into_iter().find(|m| m.subject.starts_with(prefix)) {
                return mail;
            }
            assert!(Instant::now() < deadline, "no message with a subject starting {prefix:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub text: String,
    pub html: String,
    /// Every leaf part, alternatives and attachments alike: (MIME type, decoded body).
    pub parts: Vec<(String, String)>,
    /// Every header of the message as received: (name, decoded value).
    pub headers: Vec<(String, String)>,
    /// Every leaf part as bytes: (MIME type, Content-ID or "", decoded bytes), for images.
    pub binary: Vec<(String, String, Vec<u8>)>,
}

fn leaves<'a>(part: &'a mailparse::ParsedMail<'a>, out: &mut Vec<(String, String)>, binary: &mut Vec<(String, String, Vec<u8>)>) {
    if part.subparts.is_empty() {
        out.push((part.ctype.mimetype.clone(), part.get_body().unwrap_or_default()));
        let content_id = part.headers.iter().find(|h| h.get_key().eq_ignore_ascii_case("Content-ID")).map(|h| h.get_value()).unwrap_or_default();
        binary.push((part.ctype.mimetype.clone(), content_id, part.get_body_raw().unwrap_or_default()));
    }
    for sub in &part.subparts {
        leaves(sub, out, binary);
    }
}

impl ReceivedMail {
    /// The value of the header `name` (any case), if the message has it.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn parse(raw: &[u8]) -> ReceivedMail {
        let parsed = mailparse::parse_mail(raw).expect("a parseable email");
        let header = |name: &str| parsed.headers.iter().find(|h| h.get_key().eq_ignore_ascii_case(name)).map(|h| h.get_value()).unwrap_or_default();
        let (mut parts, mut binary) = (Vec::new(), Vec::new());
        leaves(&parsed, &mut parts, &mut binary);
        let part = |mime: &str| parts.iter().find(|p| p.0 == mime).map(|p| p.1.clone()).unwrap_or_default();
        ReceivedMail {
            to: header("To"),
            subject: header("Subject"),
            message_id: header("Message-ID"),
            text: part("text/plain"),
            html: part("text/html"),
            parts,
            headers: parsed.headers.iter().map(|h| (h.get_key(), h.get_value())).collect(),
            binary,
        }
    }
}
