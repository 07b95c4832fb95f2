//! A simulated millisecond clock. The executors advance it by one millisecond whenever every
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

/// Completes once the clock reaches a deadline fixed when the timer is created, like
/// embassy-time's `Timer::after`.
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
            Poll::Ready(())
        } else {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// Pending once, then ready: what a DMA transfer that completes by interrupt looks like.
pub struct YieldNow {
    yielded: bool,
}

pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Waits on the simulated clock.
pub struct SimDelay;

impl Delay for SimDelay {
    async fn delay_ms(&mut self, ms: u32) {
        Timer::after_ms(ms).await
    }
}

/// Does not wait: for bring-up tests where conversion times do not matter.
pub struct NoDelay;

impl Delay for NoDelay {
    async fn delay_ms(&mut self, _ms: u32) {}
}
