//! ST LIS3DH accelerometer, ±2 g, normal mode (about 1 mg per LSB after the shift).
use hub_hal::{BusError, I2cBus};

use crate::{Reading, Sensor};

pub const ADDR: u8 = 0x18;
pub const WHO_AM_I: u8 = 0x33;

const REG_WHO_AM_I: u8 = 0x0F;
const REG_CTRL1: u8 = 0x20;
const REG_CTRL5: u8 = 0x24;
const REG_STATUS: u8 = 0x27;
const REG_OUT_X_L: u8 = 0x28;
const REG_OUT_Y_L: u8 = 0x2A;
const REG_OUT_Z_L: u8 = 0x2C;
/// Set in a register address to read several registers in one transaction.
const AUTO_INCREMENT: u8 = 0x80;
const ENABLE_XYZ: u8 = 0b111;
const REBOOT_MEMORY: u8 = 0x80;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    X,
    Y,
    Z,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataRate {
    Hz10 = 2,
    Hz100 = 5,
}

impl DataRate {
    const fn bits(self) -> u8 {
        (self as u8) << 4
    }
}

pub struct Lis3dh<B> {
    bus: B,
    addr: u8,
}

impl<B: I2cBus> Lis3dh<B> {
    pub fn new(bus: B, addr: u8) -> Self {
        Lis3dh { bus, addr }
    }

    pub async fn who_am_i(&mut self) -> Result<u8, BusError> {
        self.bus.read_reg(self.addr, REG_WHO_AM_I).await
    }

    pub async fn status(&mut self) -> Result<u8, BusError> {
        self.bus.read_reg(self.addr, REG_STATUS).await
    }

    pub async fn enable(&mut self, rate: DataRate) -> Result<(), BusError> {
        self.bus.write_reg(self.addr, REG_CTRL1, rate.bits() | ENABLE_XYZ).await
    }

    /// Reloads the calibration trimming values from flash.
    pub async fn reboot(&mut self) -> Result<(), BusError> {
        self.bus.write(self.addr, &[REG_CTRL5, REBOOT_MEMORY]).await
    }

    async fn read_out(&mut self, reg: u8) -> Result<i16, BusError> {
        let mut bytes = [0u8; 2];
        self.bus.write_read(self.addr, &[reg | AUTO_INCREMENT], &mut bytes).await?;
        // Samples are left-justified 12-bit values.
        Ok(i16::from_le_bytes(bytes) >> 4)
    }

    pub async fn read_axis(&mut self, axis: Axis) -> Result<i16, BusError> {
        match axis {
            Axis::X => self.read_out(REG_OUT_X_L).await,
            Axis::Y => self.read_out(REG_OUT_Y_L).await,
            Axis::Z => self.read_out(REG_OUT_Z_L).await,
        }
    }

    pub async fn read_mg(&mut self) -> Result<[i16; 3], BusError> {
        let mut bytes = [0u8; 6];
        self.bus.write_read(self.addr, &[REG_OUT_X_L | AUTO_INCREMENT], &mut bytes).await?;
        let axis = |i: usize| i16::from_le_bytes([bytes[2 * i], bytes[2 * i + 1]]) >> 4;
        Ok([axis(0), axis(1), axis(2)])
    }
}

impl<B: I2cBus> Sensor for Lis3dh<B> {
    const NAME: &'static str = "lis3dh";

    async fn sample(&mut self) -> Result<Reading, BusError> {
        let mg = self.read_mg().await?;
        Ok(Reading::Acceleration { mg })
    }

    async fn self_test(&mut self) -> Result<bool, BusError> {
        Ok(self.who_am_i().await? == WHO_AM_I)
    }
}
