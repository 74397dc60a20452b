//! A TCP gate in front of a server (PostgreSQL): open, it forwards; closed, it cuts every
//! connection and refuses new ones, as an unreachable database host looks to the app.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

pub struct Gate {
    pub port: u16,
    open: Arc<AtomicBool>,
    cut: Arc<std::sync::Mutex<CancellationToken>>,
}

impl Gate {
    pub async fn start(upstream: &str) -> Gate {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let open = Arc::new(AtomicBool::new(true));
        let cut = Arc::new(std::sync::Mutex::new(CancellationToken::new()));
        let (upstream, gate_open, gate_cut) = (upstream.to_string(), open.clone(), cut.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !gate_open.load(Ordering::SeqCst) {
                    drop(client); // refused: closed at once
                    continue;
                }
                let token = gate_cut.lock().expect("gate").clone();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&upstream).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = token.cancelled() => {}
                    }
                });
            }
        });
        Gate { port, open, cut }
    }

    /// Cuts every connection through the gate and refuses new ones.
    pub fn close(&self) {
        self.open.store(false, Ordering::SeqCst);
        let mut token = self.cut.lock().expect("gate");
        token.cancel();
        *token = CancellationToken::new();
    }

    pub fn open(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}
