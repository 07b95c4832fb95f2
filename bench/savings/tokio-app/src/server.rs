//! The proxy's front end: a line protocol over in-process byte streams (`tokio::io::duplex`),
//! one task per connection, commands answered from the cache.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::DuplexStream;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio_util::codec::{Framed, LinesCodec, LinesCodecError};

use crate::cache::Cache;

#[derive(Debug, PartialEq, Eq)]
enum Request {
    Get(String),
    Set(String, String),
    Del(String),
    Stats,
    Ping,
    Quit,
}

fn parse(line: &str) -> Result<Request, String> {
    let mut parts = line.split_whitespace();
    let verb = parts.next().unwrap_or("");
    let mut arg = |what: &str| parts.next().map(str::to_string).ok_or_else(|| format!("{verb} needs {what}"));
    Ok(match verb.to_ascii_uppercase().as_str() {
        "GET" => Request::Get(arg("a key")?),
        "SET" => Request::Set(arg("a key")?, arg("a value")?),
        "DEL" => Request::Del(arg("a key")?),
        "STATS" => Request::Stats,
        "PING" => Request::Ping,
        "QUIT" => Request::Quit,
        "" => return Err("empty line".into()),
        other => return Err(format!("unknown command {other}")),
    })
}

struct Connection {
    id: u32,
    framed: Framed<DuplexStream, LinesCodec>,
    cache: Cache,
    served: u32,
}

impl Connection {
    async fn respond(&mut self, line: String) -> Result<(), LinesCodecError> {
        self.framed.send(line).await
    }

    async fn next_request(&mut self) -> Option<Result<String, LinesCodecError>> {
        self.framed.next().await
    }

    /// Answers one request; false when the client said QUIT.
    async fn handle(&mut self, request: Request) -> Result<bool, LinesCodecError> {
        self.served += 1;
        match request {
            Request::Get(key) => match self.cache.get(&key).await {
                Ok(Some(value)) => self.respond(format!("VALUE {key} {value}")).await?,
                Ok(None) => self.respond(format!("NOTFOUND {key}")).await?,
                Err(e) => self.respond(format!("ERROR {e:?}")).await?,
            },
            Request::Set(key, value) => match self.cache.put(&key, &value).await {
                Ok(Some(old)) => self.respond(format!("REPLACED {key} {old}")).await?,
                Ok(None) => self.respond(format!("STORED {key}")).await?,
                Err(e) => self.respond(format!("ERROR {e:?}")).await?,
            },
            Request::Del(key) => {
                let line = match self.cache.delete(&key).await {
                    Ok(true) => format!("DELETED {key}"),
                    Ok(false) => format!("NOTFOUND {key}"),
                    Err(e) => format!("ERROR {e:?}"),
                };
                self.respond(line).await?
            }
            Request::Stats => {
                let s = self.cache.stats().await;
                let line = format!("STATS hits={} misses={} expired={} invalidations={}", s.hits, s.misses, s.expired, s.invalidations);
                self.respond(line).await?
            }
            Request::Ping => self.respond(format!("PONG {}", self.id)).await?,
            Request::Quit => {
                self.respond("BYE".to_string()).await?;
                return Ok(false);
            }
        }
        Ok(true)
    }

    async fn run(mut self, mut shutdown: watch::Receiver<bool>) -> (u32, u32) {
        let mut invalidations = self.cache.subscribe();
        let mut seen = 0;
        loop {
            tokio::select! {
                biased;
                _ = shutdown.changed() => {
                    let _ = self.respond("SHUTDOWN".to_string()).await;
                    break;
                }
                Ok(_key) = invalidations.recv() => seen += 1,
                line = self.next_request() => {
                    let Some(Ok(line)) = line else { break };
                    let keep_going = match parse(&line) {
                        Ok(request) => self.handle(request).await,
                        Err(message) => self.respond(format!("ERROR {message}")).await.map(|()| true),
                    };
                    if !matches!(keep_going, Ok(true)) {
                        break;
                    }
                }
            }
        }
        (self.served, seen)
    }
}

pub async fn serve(mut listener: mpsc::Receiver<DuplexStream>, cache: Cache, shutdown: watch::Receiver<bool>) -> Vec<String> {
    let mut connections = JoinSet::new();
    let mut next_id = 1;
    while let Some(stream) = listener.recv().await {
        let connection = Connection { id: next_id, framed: Framed::new(stream, LinesCodec::new_with_max_length(256)), cache: cache.clone(), served: 0 };
        let shutdown = shutdown.clone();
        next_id += 1;
        let id = connection.id;
        connections.spawn(async move { (id, connection.run(shutdown).await) });
    }
    let mut summary = Vec::new();
    while let Some(done) = connections.join_next().await {
        let (id, (served, seen)) = done.expect("connection task panicked");
        summary.push((id, served, seen));
    }
    summary.sort();
    summary.into_iter().map(|(id, served, seen)| format!("connection {id}: {served} requests, {seen} invalidations seen")).collect()
}

pub async fn janitor(cache: Cache, mut shutdown: watch::Receiver<bool>) -> u32 {
    let mut ticks = 0;
    let mut interval = tokio::time::interval(Duration::from_millis(40));
    loop {
        tokio::select! {
            biased;
            _ = shutdown.changed() => return ticks,
            _ = interval.tick() => {
                ticks += 1;
                let _ = cache.stats().await;
            }
        }
    }
}
