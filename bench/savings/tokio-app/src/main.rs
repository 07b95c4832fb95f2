//! An in-process caching proxy: clients speak a line protocol over `tokio::io::duplex` streams to
//! a server whose connections answer from a read-through cache in front of a slow backend task.
//! The runtime is current-thread with paused time, so the run is deterministic; every client's
//! transcript is printed at the end in client order.

mod backend;
mod cache;
mod server;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{duplex, DuplexStream};
use tokio::sync::{mpsc, watch};
use tokio::time::{sleep, Instant};
use tokio_util::codec::{Framed, LinesCodec};

use backend::Backend;
use cache::Cache;

struct Client {
    name: &'static str,
    framed: Framed<DuplexStream, LinesCodec>,
    started: Instant,
    log: Vec<String>,
}

impl Client {
    async fn connect(name: &'static str, listener: &mpsc::Sender<DuplexStream>, started: Instant) -> Client {
        let (ours, theirs) = duplex(512);
        listener.send(theirs).await.expect("server gone");
        Client { name, framed: Framed::new(ours, LinesCodec::new()), started, log: Vec::new() }
    }

    async fn send(&mut self, line: &str) -> Result<(), tokio_util::codec::LinesCodecError> {
        self.framed.send(line).await
    }

    async fn request(&mut self, line: &str) -> String {
        self.send(line).await.expect("send");
        let reply = match self.framed.next().await {
            Some(Ok(reply)) => reply,
            Some(Err(e)) => format!("<error {e}>"),
            None => "<closed>".to_string(),
        };
        let at = self.started.elapsed().as_millis();
        self.log.push(format!("{at:>5}ms {} > {line:<18} < {reply}", self.name));
        reply
    }

    async fn run(mut self, script: &[(u64, &str)]) -> Vec<String> {
        for (pause_ms, line) in script {
            sleep(Duration::from_millis(*pause_ms)).await;
            if self.request(line).await == "BYE" {
                break;
            }
        }
        self.log
    }
}

const ALICE: &[(u64, &str)] = &[
    (0, "PING"),
    (1, "GET alpha"),
    (2, "GET alpha"),
    (5, "GET motd"),
    (30, "SET alpha 10"),
    (3, "GET alpha"),
    (80, "GET gamma"),
    (120, "GET gamma"),
    (1, "STATS"),
    (5, "QUIT"),
];

const BOB: &[(u64, &str)] = &[
    (4, "GET beta"),
    (1, "GET delta"),
    (3, "GET nosuchkey"),
    (10, "DEL beta"),
    (2, "GET beta"),
    (2, "FROB x"),
    (60, "SET epsilon 55555"),
    (9, "GET epsilon"),
    (150, "STATS"),
    (1, "QUIT"),
];

const CAROL: &[(u64, &str)] = &[
    (7, "GET alpha"),
    (7, "GET gamma"),
    (7, "GET delta"),
    (40, "GET alpha"),
    (40, "GET motd"),
    (90, "DEL nosuchkey"),
    (2, "SET"),
    (3, "PING"),
];

#[tokio::main(flavor = "current_thread")]
async fn main() {
    tokio::time::pause();
    let started = Instant::now();
    let (backend, handle) = Backend::new(2);
    let backend = tokio::spawn(async move { backend.run().await });
    let cache = Cache::new(handle, Duration::from_millis(100));
    let (listener_tx, listener_rx) = mpsc::channel(4);
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let janitor = tokio::spawn(server::janitor(cache.clone(), shutdown_rx.clone()));
    let server = tokio::spawn(server::serve(listener_rx, cache.clone(), shutdown_rx));

    let mut clients = Vec::new();
    for (name, script) in [("alice", ALICE), ("bob", BOB), ("carol", CAROL)] {
        let client = Client::connect(name, &listener_tx, started).await;
        clients.push(tokio::spawn(async move { client.run(script).await }));
    }
    drop(listener_tx);
    for client in clients {
        for line in client.await.expect("client panicked") {
            println!("{line}");
        }
    }
    shutdown_tx.send(true).expect("no one listens");
    for line in server.await.expect("server panicked") {
        println!("{line}");
    }
    let ticks = janitor.await.expect("janitor panicked");
    drop(cache);
    let served = backend.await.expect("backend panicked");
    println!("backend served {served} requests; janitor ran {ticks} times; done at {}ms", started.elapsed().as_millis());
}
