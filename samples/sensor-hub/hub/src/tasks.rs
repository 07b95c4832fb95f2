//! Background tasks, spawned on the executor once the host session is over.
use std::cell::Cell;
use std::rc::Rc;

use hub_drivers::lis3dh::{self, DataRate, Lis3dh};
use hub_drivers::tmp117::Tmp117;
use hub_drivers::Sensor;
use hub_hal::sim::{SharedI2c, SimUart};
use hub_hal::time::{now_ms, Timer};
use hub_hal::{I2cBus, SerialWrite};

/// How many samples the tasks took.
#[derive(Clone, Default)]
pub struct Stats(Rc<Cell<u32>>);

impl Stats {
    pub fn record(&self) {
        self.0.set(self.0.get() + 1);
    }

    pub fn snapshot(&self) -> u32 {
        self.0.get()
    }
}

/// Reads the identification register (0x0F on every part this hub uses) at `addr`.
pub async fn probe(mut bus: SharedI2c, addr: u8) -> Option<u8> {
    bus.read_reg(addr, 0x0F).await.ok()
}

pub async fn sample_sensor<S: Sensor>(mut sensor: S, label: &'static str, samples: u32, period_ms: u32, stats: Stats) {
    for _ in 0..samples {
        match sensor.sample().await {
            Ok(reading) => println!("[{:>3}ms] {label}: {reading:?}", now_ms()),
            Err(error) => println!("[{:>3}ms] {label}: {error:?}", now_ms()),
        }
        stats.record();
        Timer::after_ms(period_ms).await;
    }
}

pub async fn sample_temperature(bus: SharedI2c, addr: u8, label: &'static str, samples: u32, stats: Stats) {
    sample_sensor(Tmp117::new(bus, addr), label, samples, 4, stats).await
}

pub async fn watch_motion(bus: SharedI2c, samples: u32, stats: Stats) {
    let mut accel = Lis3dh::new(bus, lis3dh::ADDR);
    match accel.enable(DataRate::Hz100).await {
        Ok(()) => sample_sensor(accel, "lis3dh", samples, 3, stats).await,
        Err(error) => println!("[{:>3}ms] lis3dh: {error:?}", now_ms()),
    }
}

pub async fn report_stats(mut uart: SimUart, samples_at_start: u32, stats: Stats) {
    Timer::after_ms(20).await;
    let line = format!("STATS {} samples, {} when the reporter started\n", stats.snapshot(), samples_at_start);
    if uart.write_all(line.as_bytes()).await.is_ok() {
        let _ = uart.flush().await;
    }
}
