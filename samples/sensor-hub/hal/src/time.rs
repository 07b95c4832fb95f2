//! A simulated millisecond clock: the executors advance it by one millisecond whenever every
//! task is waiting, so runs are instant and deterministic.
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicU64, Ordering};
use core::task::{Context, Poll};

use crate::bus::Delay;

static NOW_MS: AtomicU64 = AtomicU64::new(0);

pub fn now_ms() -> u64 {
    NOW_MS.load(Ordering::Relaxed)
}

pub fn advance(ms: u64) {
    NOW_MS.fetch_add(ms, Ordering::Relaxed);
}

/// Pending until the clock reaches a deadline fixed at creation, like embassy-time's `Timer`.
pub struct Timer {
    deadline: u64,
}

impl Timer {
    pub fn after_ms(ms: u32) -> Timer {
        Timer { deadline: now_ms() + u64::from(ms) }
    }
}

impl Future for Timer {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if now_ms() >= self.deadline {
            return Poll::Ready(());
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Pending once: what a DMA transfer that completes by interrupt looks like.
pub async fn transfer_complete() {
    Timer::after_ms(1).await
}

pub struct SimDelay;

impl Delay for SimDelay {
    async fn delay_ms(&mut self, ms: u32) {
        Timer::after_ms(ms).await
    }
}

/// Does not wait: for bring-up, where conversion times do not matter to the simulation.
pub struct NoDelay;

impl Delay for NoDelay {
    async fn delay_ms(&mut self, _ms: u32) {}
}
