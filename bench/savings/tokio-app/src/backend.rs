//! The slow origin behind the cache: a task that owns the data and answers requests over a
//! channel after a simulated latency, with a bounded number of requests in flight.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, Semaphore};
use tokio::time::sleep;

#[derive(Debug)]
pub enum Op {
    Get { key: String, reply: oneshot::Sender<Option<String>> },
    Put { key: String, value: String, reply: oneshot::Sender<Option<String>> },
    Delete { key: String, reply: oneshot::Sender<bool> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendError {
    Closed,
    Timeout,
}

#[derive(Clone)]
pub struct BackendHandle {
    tx: mpsc::Sender<Op>,
    permits: Arc<Semaphore>,
}

impl BackendHandle {
    async fn call<T>(&self, op: Op, rx: oneshot::Receiver<T>) -> Result<T, BackendError> {
        let _permit = self.permits.acquire().await.map_err(|_| BackendError::Closed)?;
        self.tx.send(op).await.map_err(|_| BackendError::Closed)?;
        match tokio::time::timeout(Duration::from_millis(250), rx).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(_)) => Err(BackendError::Closed),
            Err(_) => Err(BackendError::Timeout),
        }
    }

    pub async fn get(&self, key: String) -> Result<Option<String>, BackendError> {
        let (reply, rx) = oneshot::channel();
        self.call(Op::Get { key, reply }, rx).await
    }

    pub async fn put(&self, key: String, value: String) -> Result<Option<String>, BackendError> {
        let (reply, rx) = oneshot::channel();
        self.call(Op::Put { key, value, reply }, rx).await
    }

    pub async fn delete(&self, key: String) -> Result<bool, BackendError> {
        let (reply, rx) = oneshot::channel();
        self.call(Op::Delete { key, reply }, rx).await
    }
}

pub struct Backend {
    rx: mpsc::Receiver<Op>,
    data: BTreeMap<String, String>,
    served: u32,
}

impl Backend {
    pub fn new(max_in_flight: usize) -> (Backend, BackendHandle) {
        let (tx, rx) = mpsc::channel(16);
        let mut data = BTreeMap::new();
        for (k, v) in [("alpha", "1"), ("beta", "22"), ("gamma", "333"), ("delta", "4444"), ("motd", "hello")] {
            data.insert(k.to_string(), v.to_string());
        }
        (Backend { rx, data, served: 0 }, BackendHandle { tx, permits: Arc::new(Semaphore::new(max_in_flight)) })
    }

    /// Latency grows with the key, so concurrent requests complete out of order.
    async fn latency(&self, key: &str) {
        sleep(Duration::from_millis(3 + 2 * key.len() as u64)).await
    }

    pub async fn run(mut self) -> u32 {
        while let Some(op) = self.rx.recv().await {
            self.served += 1;
            match op {
                Op::Get { key, reply } => {
                    self.latency(&key).await;
                    let _ = reply.send(self.data.get(&key).cloned());
                }
                Op::Put { key, value, reply } => {
                    self.latency(&key).await;
                    let _ = reply.send(self.data.insert(key, value));
                }
                Op::Delete { key, reply } => {
                    self.latency(&key).await;
                    let _ = reply.send(self.data.remove(&key).is_some());
                }
            }
        }
        self.served
    }
}
