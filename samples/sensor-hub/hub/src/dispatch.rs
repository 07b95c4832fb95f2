//! The command dispatcher: parses host commands, runs them against the sensors, replies.
use std::sync::atomic::{AtomicU32, Ordering};

use hub_drivers::lis3dh::{Axis, Lis3dh};
use hub_drivers::pca9536::{Color, StatusLed};
use hub_drivers::tmp117::Tmp117;
use hub_hal::sim::{SharedI2c, SimUart};
use hub_hal::time::SimDelay;
use hub_hal::BusError;

use crate::link::{Link, Reply};

pub const FW_VERSION: u32 = 0x0001_0400;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Ping,
    Version,
    ReadTemperature,
    ReadOneShot,
    ReadBackupTemperature,
    ReadAxis(Axis),
    ReadLed,
    Unknown,
}

impl Command {
    pub fn parse(line: &str) -> Command {
        match line.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["PING"] => Command::Ping,
            ["VERSION"] => Command::Version,
            ["TEMP"] => Command::ReadTemperature,
            ["TEMP", "ONESHOT"] => Command::ReadOneShot,
            ["TEMP", "BACKUP"] => Command::ReadBackupTemperature,
            ["ACCEL", "X"] => Command::ReadAxis(Axis::X),
            ["ACCEL", "Y"] => Command::ReadAxis(Axis::Y),
            ["ACCEL", "Z"] => Command::ReadAxis(Axis::Z),
            ["LED"] => Command::ReadLed,
            _ => Command::Unknown,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Booting,
    Idle,
    Busy,
    Fault,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    pub temperature_channels: u8,
    pub axes: u8,
}

static HEARTBEATS: AtomicU32 = AtomicU32::new(0);

fn next_heartbeat() -> u32 {
    HEARTBEATS.fetch_add(1, Ordering::Relaxed)
}

pub fn heartbeats_numbered() -> u32 {
    HEARTBEATS.load(Ordering::Relaxed)
}

/// Keeps the activity indicator lit while the transfer holding it is in flight.
pub struct Activity(&'static str);

impl Activity {
    pub fn begin(what: &'static str) -> Activity {
        println!("[hub] {what}: activity on");
        Activity(what)
    }
}

impl Drop for Activity {
    fn drop(&mut self) {
        println!("[hub] {}: activity off", self.0);
    }
}

pub struct Hub {
    pub temperature: Tmp117<SharedI2c>,
    pub backup_temperature: Tmp117<SharedI2c>,
    pub accel: Lis3dh<SharedI2c>,
    pub led: StatusLed<SharedI2c>,
    pub link: Link<SimUart>,
    pub delay: SimDelay,
    pub alarm_centi_celsius: i32,
}

impl Hub {
    pub async fn handle(&mut self, command: Command) -> Result<(), BusError> {
        match command {
            Command::Ping => self.link.send(Reply::Pong).await,
            Command::Version => self.link.send(Reply::Version(FW_VERSION)).await,
            Command::ReadTemperature => {
                let centi_celsius = self.temperature.read_centi_celsius().await?;
                self.link.send(Reply::Temperature(centi_celsius)).await
            }
            Command::ReadOneShot => {
                let centi_celsius = self.temperature.read_one_shot(&mut self.delay).await?;
                self.link.send(Reply::Temperature(centi_celsius)).await
            }
            Command::ReadBackupTemperature => {
                let centi_celsius = self.backup_temperature.read_centi_celsius().await?;
                self.link.send(Reply::Temperature(centi_celsius)).await
            }
            Command::ReadAxis(axis) => {
                let mg = self.accel.read_axis(axis).await?;
                self.link.send(Reply::Acceleration(axis, mg)).await
            }
            Command::ReadLed => {
                let bits = self.led.output_bits().await?;
                self.link.send(Reply::Led(bits)).await
            }
            Command::Unknown => self.link.send(Reply::Unknown).await,
        }
    }

    /// Runs a command; a bus failure is reported to the host instead of ending the session.
    pub async fn serve(&mut self, command: Command) -> Result<(), BusError> {
        self.indicate(State::Busy).await?;
        let outcome = match self.handle(command).await {
            Ok(()) => State::Idle,
            Err(fault) => {
                self.link.send(Reply::Fault(fault)).await?;
                State::Fault
            }
        };
        self.indicate(outcome).await
    }

    pub async fn indicate(&mut self, state: State) -> Result<(), BusError> {
        match state {
            State::Booting => self.led.show(Color::Blue).await,
            State::Idle => self.led.show(Color::Green).await,
            State::Busy => self.led.show(Color::Amber).await,
            State::Fault => self.led.show(Color::Red).await,
        }
    }

    pub async fn report_temperature(&mut self, sensor: &'static str, centi_celsius: i32) -> Result<(), BusError> {
        if centi_celsius > self.alarm_centi_celsius {
            self.link.send(Reply::Alarm { sensor, centi_celsius }).await
        } else {
            self.link.send(Reply::Sample { sensor, centi_celsius }).await
        }
    }

    /// Numbered when it first runs, so heartbeats that are queued but dropped leave no gaps.
    pub async fn heartbeat(&mut self) -> Result<(), BusError> {
        self.link.send(Reply::Heartbeat(next_heartbeat())).await
    }

    pub async fn send_during(&mut self, _activity: Activity, reply: Reply) -> Result<(), BusError> {
        self.link.send(reply).await
    }

    /// Async because remote hubs answer it over the wire.
    pub async fn capabilities(&self) -> Capabilities {
        Capabilities { temperature_channels: 2, axes: 3 }
    }

    pub async fn log_event(&mut self, event: &str) {
        println!("[hub] event: {event}");
    }
}
