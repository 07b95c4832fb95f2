//! A simulated I2C bus with two devices on it, shared between tasks behind an async mutex, the
//! way an embassy HAL's `I2c` is shared with `embassy_embedded_hal::shared_bus`.

use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
use embassy_sync::mutex::Mutex;
use embassy_time::Timer;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusError {
    Nack(u8),
    Overrun,
}

/// The register files of the devices behind the bus (a thermometer at 0x48, a humidity sensor at
/// 0x40); each read advances the simulated physics a little.
pub struct SimI2c {
    temp_regs: [u8; 8],
    hum_regs: [u8; 8],
    transfers: u32,
}

impl SimI2c {
    pub const fn new() -> Self {
        Self { temp_regs: [0x19, 0x40, 0, 0, 0x60, 0, 0, 0], hum_regs: [0x80, 0x00, 0, 0, 0, 0, 0, 0], transfers: 0 }
    }

    /// One write-then-read transfer; takes 100 us of bus time per byte.
    pub async fn write_read(&mut self, addr: u8, write: &[u8], read: &mut [u8]) -> Result<(), BusError> {
        Timer::after_micros(100 * (write.len() + read.len()) as u64).await;
        self.transfers += 1;
        let regs = match addr {
            0x48 => &mut self.temp_regs,
            0x40 => &mut self.hum_regs,
            other => return Err(BusError::Nack(other)),
        };
        let reg = *write.first().ok_or(BusError::Overrun)? as usize;
        if reg + read.len() > regs.len() {
            return Err(BusError::Overrun);
        }
        if write.len() > 1 {
            regs[reg..reg + write.len() - 1].copy_from_slice(&write[1..]);
        }
        read.copy_from_slice(&regs[reg..reg + read.len()]);
        // drift: the temperature rises 1/16 degree and the humidity falls a little per transfer
        let t = u16::from_be_bytes([self.temp_regs[0], self.temp_regs[1]]).wrapping_add(0x10);
        self.temp_regs[..2].copy_from_slice(&t.to_be_bytes());
        let h = u16::from_be_bytes([self.hum_regs[0], self.hum_regs[1]]).wrapping_sub(0x37);
        self.hum_regs[..2].copy_from_slice(&h.to_be_bytes());
        Ok(())
    }

    pub fn transfers(&self) -> u32 {
        self.transfers
    }
}

pub type SharedI2c = Mutex<CriticalSectionRawMutex, SimI2c>;

/// A handle on the shared bus for one device, like `I2cDevice` from embassy-embedded-hal.
#[derive(Clone, Copy)]
pub struct I2cDevice {
    bus: &'static SharedI2c,
    addr: u8,
}

impl I2cDevice {
    pub const fn new(bus: &'static SharedI2c, addr: u8) -> Self {
        Self { bus, addr }
    }

    pub async fn write_read(&self, write: &[u8], read: &mut [u8]) -> Result<(), BusError> {
        let mut bus = self.bus.lock().await;
        bus.write_read(self.addr, write, read).await
    }

    pub async fn read_reg(&self, reg: u8, read: &mut [u8]) -> Result<(), BusError> {
        self.write_read(&[reg], read).await
    }

    pub async fn write_reg(&self, reg: u8, value: u8) -> Result<(), BusError> {
        self.write_read(&[reg, value], &mut []).await
    }
}
