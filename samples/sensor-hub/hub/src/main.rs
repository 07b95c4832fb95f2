//! The sensor hub firmware, run against simulated hardware: bring-up and self tests, a scripted
//! session with the host, then background sampling on the executor.
mod dispatch;
mod link;
mod tasks;

use hub_drivers::lis3dh::{self, DataRate, Lis3dh};
use hub_drivers::pca9536::{self, StatusLed};
use hub_drivers::tmp117::{self, Mode, Tmp117};
use hub_drivers::{Constant, Reading, Sensor};
use hub_hal::exec::{block_on, Executor};
use hub_hal::sim::{SharedI2c, SimDevice, SimUart};
use hub_hal::time::{now_ms, NoDelay, SimDelay};
use hub_hal::BusError;

use dispatch::{heartbeats_numbered, Activity, Command, Hub, State};
use link::{Link, Reply};
use tasks::{probe, report_stats, sample_temperature, watch_motion, Stats};

const SESSION: &[&str] =
    &["PING", "VERSION", "TEMP", "TEMP ONESHOT", "ACCEL X", "ACCEL Z", "TEMP BACKUP", "LED", "SELFDESTRUCT", "TEMP"];

fn simulated_bus() -> SharedI2c {
    let accel: Vec<u8> = [16i16, -32, 1000].iter().flat_map(|mg| (mg << 4).to_le_bytes()).collect();
    SharedI2c::new(vec![
        SimDevice::new(tmp117::ADDR_GND, 2, 0xFF)
            .with_regs(0x00, &3000u16.to_be_bytes())
            .with_regs(0x01, &0x0220u16.to_be_bytes())
            .with_regs(0x0F, &tmp117::DEVICE_ID.to_be_bytes())
            .drifting(0x00, 40),
        SimDevice::new(lis3dh::ADDR, 1, 0x7F).with_regs(0x0F, &[lis3dh::WHO_AM_I]).with_regs(0x28, &accel),
        SimDevice::new(pca9536::ADDR, 1, 0xFF).with_regs(0x01, &[0xFF]),
    ])
}

async fn report_self_test<S: Sensor>(sensor: &mut S) {
    match sensor.self_test().await {
        Ok(passed) => println!("[boot] {} self test {}", S::NAME, if passed { "passed" } else { "FAILED" }),
        Err(error) => println!("[boot] {} self test: {error:?}", S::NAME),
    }
}

async fn bring_up(bus: SharedI2c) -> Result<(), BusError> {
    let probe_at = |addr: u8| {
        let bus = bus.clone();
        async move { probe(bus, addr).await }
    };
    for addr in [lis3dh::ADDR, pca9536::ADDR, tmp117::ADDR_GND, tmp117::ADDR_VCC] {
        match probe_at(addr).await {
            Some(id) => println!("[boot] {addr:#04x}: id register {id:#04x}"),
            None => println!("[boot] {addr:#04x}: no answer"),
        }
    }

    let mut shared = bus.clone();
    let mut temperature = Tmp117::new(&mut shared, tmp117::ADDR_GND);
    report_self_test(&mut temperature).await;
    println!("[boot] tmp117 one-shot {}", temperature.read_one_shot(&mut NoDelay).await?);
    temperature.set_mode(Mode::Continuous).await?;
    println!("[boot] tmp117 config {:#06x}", temperature.config().await?);

    let mut accel = Lis3dh::new(bus.clone(), lis3dh::ADDR);
    accel.reboot().await?;
    report_self_test(&mut accel).await;
    accel.enable(DataRate::Hz10).await?;
    println!("[boot] lis3dh status {:#04x}", accel.status().await?);
    report_self_test(&mut Constant(Reading::Humidity { centi_percent: 5000 })).await;

    StatusLed::new(bus, pca9536::ADDR).init().await
}

async fn session(hub: &mut Hub) -> Result<(), BusError> {
    hub.indicate(State::Booting).await?;
    hub.link.send_line(format!("sensor-hub ready, {} commands queued\n", SESSION.len())).await?;
    hub.link.flush().await?;
    println!("[hub] {:?}", hub.capabilities().await);

    for line in SESSION {
        println!("host> {line}");
        hub.serve(Command::parse(line)).await?;
    }

    let beat = hub.heartbeat();
    println!("[hub] heartbeat queued, {} numbered so far", heartbeats_numbered());
    beat.await?;
    hub.heartbeat().await?;

    let centi_celsius = hub.temperature.read_centi_celsius().await?;
    hub.report_temperature("tmp117", centi_celsius).await?;
    hub.alarm_centi_celsius = 2000;
    hub.report_temperature("tmp117", centi_celsius).await?;

    let sending = hub.send_during(Activity::begin("uplink"), Reply::Pong);
    println!("[hub] pong queued");
    sending.await?;

    hub.log_event("session closed").await;
    hub.indicate(State::Idle).await
}

fn main() {
    let bus = simulated_bus();
    let uart = SimUart::default();
    block_on(bring_up(bus.clone())).expect("bring-up failed");
    println!("[boot] done at {}ms", now_ms());

    let mut hub = Hub {
        temperature: Tmp117::new(bus.clone(), tmp117::ADDR_GND),
        backup_temperature: Tmp117::new(bus.clone(), tmp117::ADDR_VCC),
        accel: Lis3dh::new(bus.clone(), lis3dh::ADDR),
        led: StatusLed::new(bus.clone(), pca9536::ADDR),
        link: Link::new(uart.clone()),
        delay: SimDelay,
        alarm_centi_celsius: 3000,
    };
    block_on(session(&mut hub)).expect("uplink failed");
    println!("[hub] session done at {}ms", now_ms());

    let stats = Stats::default();
    let mut executor = Executor::new();
    for (name, addr) in [("tmp117-gnd", tmp117::ADDR_GND), ("tmp117-vcc", tmp117::ADDR_VCC)] {
        let bus = bus.clone();
        let stats = stats.clone();
        executor.spawn(name, Box::pin(async move { sample_temperature(bus, addr, name, 3, stats).await }));
    }
    let (motion_bus, motion_stats) = (bus.clone(), stats.clone());
    executor.spawn("motion", Box::pin(async move { watch_motion(motion_bus, 2, motion_stats).await }));
    let (reporter_uart, reporter_stats) = (uart.clone(), stats.clone());
    executor.spawn(
        "stats",
        Box::pin(async move { report_stats(reporter_uart, reporter_stats.snapshot(), reporter_stats).await }),
    );
    executor.run();

    println!(
        "[done] {} bus transactions, {} samples, {} heartbeats, clock at {}ms",
        bus.transactions(),
        stats.snapshot(),
        heartbeats_numbered(),
        now_ms()
    );
}
