//! A tiny executor: `block_on` for straight-line code and a round-robin queue of boxed tasks.
use std::collections::VecDeque;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use crate::time;

/// Remembers that a wake-up happened, so a future that is pending without one is caught.
#[derive(Default)]
struct WakeFlag(AtomicBool);

impl WakeFlag {
    fn take(&self) -> bool {
        self.0.swap(false, Ordering::AcqRel)
    }
}

impl Wake for WakeFlag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::Release);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.store(true, Ordering::Release);
    }
}

/// Polls `future` to completion, advancing the clock by a millisecond per pending poll.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let flag = Arc::new(WakeFlag::default());
    let waker = Waker::from(flag.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        assert!(flag.take(), "block_on: pending without a wake-up would never finish");
        time::advance(1);
    }
}

pub type Task = Pin<Box<dyn Future<Output = ()>>>;

struct Slot {
    name: &'static str,
    task: Task,
    polls: u32,
}

/// Runs spawned tasks round-robin, one poll each per simulated millisecond.
#[derive(Default)]
pub struct Executor {
    queue: VecDeque<Slot>,
}

impl Executor {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn spawn(&mut self, name: &'static str, task: Task) {
        self.queue.push_back(Slot { name, task, polls: 0 });
    }

    pub fn run(&mut self) {
        let flag = Arc::new(WakeFlag::default());
        let waker = Waker::from(flag.clone());
        let mut cx = Context::from_waker(&waker);
        while !self.queue.is_empty() {
            for _ in 0..self.queue.len() {
                let Some(mut slot) = self.queue.pop_front() else { break };
                slot.polls += 1;
                match slot.task.as_mut().poll(&mut cx) {
                    Poll::Ready(()) => println!(
                        "[exec] {} finished at {}ms after {} polls",
                        slot.name,
                        time::now_ms(),
                        slot.polls
                    ),
                    Poll::Pending => self.queue.push_back(slot),
                }
            }
            flag.take();
            time::advance(1);
        }
    }
}
