//! Drivers for the two sensors, written like the embedded-hal-async drivers on crates.io: a
//! register-level layer of thin async wrappers and a measurement layer above it.

use crate::bus::{BusError, I2cDevice};

const REG_TEMP: u8 = 0x00;
const REG_CONFIG: u8 = 0x01;
const REG_T_HIGH: u8 = 0x04;
const REG_HUM: u8 = 0x00;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    Bits9,
    Bits10,
    Bits11,
    Bits12,
}

pub struct Thermometer {
    dev: I2cDevice,
    resolution: Resolution,
}

impl Thermometer {
    pub const fn new(dev: I2cDevice) -> Self {
        Self { dev, resolution: Resolution::Bits12 }
    }

    async fn read_u16(&self, reg: u8) -> Result<u16, BusError> {
        let mut buf = [0u8; 2];
        self.dev.read_reg(reg, &mut buf).await?;
        Ok(u16::from_be_bytes(buf))
    }

    pub async fn raw_temperature(&self) -> Result<u16, BusError> {
        self.read_u16(REG_TEMP).await
    }

    pub async fn alert_threshold(&self) -> Result<u16, BusError> {
        self.read_u16(REG_T_HIGH).await
    }

    pub async fn set_config(&self, config: u8) -> Result<(), BusError> {
        self.dev.write_reg(REG_CONFIG, config).await
    }

    pub async fn set_resolution(&mut self, resolution: Resolution) -> Result<(), BusError> {
        self.resolution = resolution;
        match resolution {
            Resolution::Bits9 => self.set_config(0x00).await,
            Resolution::Bits10 => self.set_config(0x20).await,
            Resolution::Bits11 => self.set_config(0x40).await,
            Resolution::Bits12 => self.set_config(0x60).await,
        }
    }

    /// Temperature in 1/100 degree Celsius.
    pub async fn centi_celsius(&self) -> Result<i32, BusError> {
        let raw = self.raw_temperature().await? as i16 >> 4;
        let mask = match self.resolution {
            Resolution::Bits9 => !0x7,
            Resolution::Bits10 => !0x3,
            Resolution::Bits11 => !0x1,
            Resolution::Bits12 => !0x0,
        };
        Ok(((raw & mask) as i32 * 100) / 16)
    }

    pub fn resolution(&self) -> Resolution {
        self.resolution
    }
}

pub struct Hygrometer {
    dev: I2cDevice,
}

impl Hygrometer {
    pub const fn new(dev: I2cDevice) -> Self {
        Self { dev }
    }

    async fn read_raw(&self, reg: u8) -> Result<[u8; 2], BusError> {
        let mut buf = [0u8; 2];
        self.dev.read_reg(reg, &mut buf).await?;
        Ok(buf)
    }

    pub async fn raw_humidity(&self) -> Result<[u8; 2], BusError> {
        self.read_raw(REG_HUM).await
    }

    /// Relative humidity in 1/10 percent.
    pub async fn permille(&self) -> Result<u32, BusError> {
        let raw = u16::from_be_bytes(self.raw_humidity().await?) as u32;
        Ok(raw * 1000 / 65536)
    }
}
