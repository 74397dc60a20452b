//! A minimal SMTP server on loopback that accepts everything (a fast sink: the
//! benchmarks measure the app, not the sink).
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// What the SMTP sink has received: (Message-ID, recipient) of each message.
pub type Received = Arc<Mutex<Vec<(String, String)>>>;

/// Starts the sink; it remembers each message's Message-ID and recipient.
pub async fn smtp_sink() -> (u16, Received) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind smtp");
    let port = listener.local_addr().expect("addr").port();
    let received: Received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let _ = socket.set_nodelay(true);
                let fd = std::os::fd::AsRawFd::as_raw_fd(&socket);
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 sink ESMTP\r\n").await;
                let (mut rcpt, mut message_id, mut in_data) = (String::new(), String::new(), false);
                while let Ok(Some(line)) = lines.next_line().await {
                    quick_ack(fd);
                    if in_data {
                        if line == "." {
                            in_data = false;
                            store.lock().expect("sink").push((std::mem::take(&mut message_id), std::mem::take(&mut rcpt)));
                            let _ = write.write_all(b"250 OK queued\r\n").await;
                        } else if message_id.is_empty() && line.to_ascii_lowercase().starts_with("message-id:") {
                            message_id = line[11..].trim().to_string();
                        }
                        continue;
                    }
                    let upper = line.to_ascii_uppercase();
                    let answer: &[u8] = if upper.starts_with("EHLO") {
                        b"250-sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        rcpt = line[8..].trim().trim_matches(|c| c == '<' || c == '>').to_string();
                        b"250 OK\r\n"
                    } else if upper.starts_with("DATA") {
                        in_data = true;
                        b"354 go on\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        b"250 OK\r\n"
                    };
                    if write.write_all(answer).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    (port, received)
}

/// Acknowledges what arrives at once. Over loopback a message body is one TCP segment,
/// so Linux would delay its ACK by 40 ms while lettre (no TCP_NODELAY) holds back the
/// final "." behind it; on a real network a body of several segments is acknowledged at
/// once. Without this the benchmark measured the loopback's delayed ACK, not the app.
fn quick_ack(fd: std::os::fd::RawFd) {
    let on: libc::c_int = 1;
    // SAFETY: a plain setsockopt on a socket this task owns, with a c_int of the right size.
    unsafe {
        libc::setsockopt(fd, libc::IPPROTO_TCP, libc::TCP_QUICKACK, (&on as *const libc::c_int).cast(), std::mem::size_of::<libc::c_int>() as libc::socklen_t);
    }
}
