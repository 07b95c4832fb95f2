//! A read-through cache with a time to live, shared by all connections; invalidations are
//! broadcast so that every connection's statistics see them.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, Mutex, RwLock};
use tokio::time::Instant;

use crate::backend::{BackendError, BackendHandle};

#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    pub hits: u32,
    pub misses: u32,
    pub expired: u32,
    pub invalidations: u32,
}

#[derive(Clone)]
pub struct Cache {
    entries: Arc<RwLock<BTreeMap<String, (Instant, Arc<str>)>>>,
    stats: Arc<Mutex<Stats>>,
    backend: BackendHandle,
    ttl: Duration,
    invalidate: broadcast::Sender<String>,
}

impl Cache {
    pub fn new(backend: BackendHandle, ttl: Duration) -> Self {
        let (invalidate, _) = broadcast::channel(32);
        Cache { entries: Default::default(), stats: Default::default(), backend, ttl, invalidate }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<String> {
        self.invalidate.subscribe()
    }

    async fn lookup(&self, key: &str) -> Option<(Instant, Arc<str>)> {
        self.entries.read().await.get(key).cloned()
    }

    async fn store(&self, key: String, value: Arc<str>) {
        self.entries.write().await.insert(key, (Instant::now(), value));
    }

    async fn forget(&self, key: &str) -> bool {
        self.entries.write().await.remove(key).is_some()
    }

    async fn count(&self, f: impl FnOnce(&mut Stats)) {
        f(&mut *self.stats.lock().await)
    }

    pub async fn stats(&self) -> Stats {
        *self.stats.lock().await
    }

    async fn fetch(&self, key: String) -> Result<Option<String>, BackendError> {
        self.backend.get(key).await
    }

    pub async fn get(&self, key: &str) -> Result<Option<Arc<str>>, BackendError> {
        if let Some((at, value)) = self.lookup(key).await {
            if at.elapsed() < self.ttl {
                self.count(|s| s.hits += 1).await;
                return Ok(Some(value));
            }
            self.count(|s| s.expired += 1).await;
        } else {
            self.count(|s| s.misses += 1).await;
        }
        match self.fetch(key.to_string()).await? {
            Some(value) => {
                let value: Arc<str> = value.into();
                self.store(key.to_string(), value.clone()).await;
                Ok(Some(value))
            }
            None => Ok(None),
        }
    }

    pub async fn put(&self, key: &str, value: &str) -> Result<Option<String>, BackendError> {
        let old = self.backend.put(key.to_string(), value.to_string()).await?;
        self.invalidate(key).await;
        Ok(old)
    }

    pub async fn delete(&self, key: &str) -> Result<bool, BackendError> {
        let existed = self.backend.delete(key.to_string()).await?;
        self.invalidate(key).await;
        Ok(existed)
    }

    async fn invalidate(&self, key: &str) {
        if self.forget(key).await {
            self.count(|s| s.invalidations += 1).await;
        }
        let _ = self.invalidate.send(key.to_string());
    }
}
