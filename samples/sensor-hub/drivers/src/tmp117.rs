//! TI TMP117 temperature sensor: 16-bit registers, 7.8125 m°C per LSB.
use hub_hal::{BusError, Delay, I2cBus};

use crate::{Reading, Sensor};

pub const ADDR_GND: u8 = 0x48;
pub const ADDR_VCC: u8 = 0x49;
pub const DEVICE_ID: u16 = 0x0117;

const REG_TEMP: u8 = 0x00;
const REG_CONFIG: u8 = 0x01;
const REG_DEVICE_ID: u8 = 0x0F;
const CONVERSION_MS: u32 = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Continuous = 0b00,
    Shutdown = 0b01,
    OneShot = 0b11,
}

pub struct Tmp117<B> {
    bus: B,
    addr: u8,
}

impl<B: I2cBus> Tmp117<B> {
    pub fn new(bus: B, addr: u8) -> Self {
        Tmp117 { bus, addr }
    }

    pub async fn read_raw(&mut self) -> Result<u16, BusError> {
        self.bus.read_reg16(self.addr, REG_TEMP).await
    }

    pub async fn config(&mut self) -> Result<u16, BusError> {
        self.bus.read_reg16(self.addr, REG_CONFIG).await
    }

    pub async fn device_id(&mut self) -> Result<u16, BusError> {
        self.bus.read_reg16(self.addr, REG_DEVICE_ID).await
    }

    pub async fn set_mode(&mut self, mode: Mode) -> Result<(), BusError> {
        // MOD[1:0] is bits 3:2 of the config register's low byte.
        self.bus.write_reg(self.addr, REG_CONFIG, (mode as u8) << 2).await
    }

    pub async fn read_centi_celsius(&mut self) -> Result<i32, BusError> {
        let raw = self.read_raw().await? as i16;
        Ok(i32::from(raw) * 78125 / 100_000)
    }

    /// Wakes the sensor for one conversion, then reads it.
    pub async fn read_one_shot(&mut self, delay: &mut impl Delay) -> Result<i32, BusError> {
        self.set_mode(Mode::OneShot).await?;
        delay.delay_ms(CONVERSION_MS).await;
        self.read_centi_celsius().await
    }
}

impl<B: I2cBus> Sensor for Tmp117<B> {
    const NAME: &'static str = "tmp117";

    async fn sample(&mut self) -> Result<Reading, BusError> {
        let centi_celsius = self.read_centi_celsius().await?;
        Ok(Reading::Temperature { centi_celsius })
    }

    async fn self_test(&mut self) -> Result<bool, BusError> {
        Ok(self.device_id().await? == DEVICE_ID)
    }
}
