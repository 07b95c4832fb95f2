//! Sensirion SHT31 humidity sensor: 16-bit commands, replies as CRC-8 protected words.
use hub_hal::{BusError, Delay, I2cBus};

pub const ADDR: u8 = 0x44;

const CMD_MEASURE_HIGH_REPEATABILITY: [u8; 2] = [0x24, 0x00];
const CMD_SOFT_RESET: [u8; 2] = [0x30, 0xA2];
const CMD_READ_STATUS: [u8; 2] = [0xF3, 0x2D];
const MEASUREMENT_MS: u32 = 15;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measurement {
    pub centi_celsius: i32,
    pub centi_percent: u32,
}

pub struct Sht31<B> {
    bus: B,
    addr: u8,
}

impl<B: I2cBus> Sht31<B> {
    pub fn new(bus: B, addr: u8) -> Self {
        Sht31 { bus, addr }
    }

    pub async fn start_measurement(&mut self) -> Result<(), BusError> {
        self.bus.write(self.addr, &CMD_MEASURE_HIGH_REPEATABILITY).await
    }

    pub async fn soft_reset(&mut self) -> Result<(), BusError> {
        self.bus.write(self.addr, &CMD_SOFT_RESET).await
    }

    pub async fn read_status(&mut self) -> Result<u16, BusError> {
        let mut reply = [0u8; 3];
        self.bus.write_read(self.addr, &CMD_READ_STATUS, &mut reply).await?;
        check_word(reply)
    }

    pub async fn measure(&mut self, delay: &mut impl Delay) -> Result<Measurement, BusError> {
        self.start_measurement().await?;
        delay.delay_ms(MEASUREMENT_MS).await;
        let mut reply = [0u8; 6];
        self.bus.write_read(self.addr, &[], &mut reply).await?;
        let temperature = check_word([reply[0], reply[1], reply[2]])?;
        let humidity = check_word([reply[3], reply[4], reply[5]])?;
        Ok(Measurement {
            centi_celsius: -4500 + 17500 * i32::from(temperature) / 65535,
            centi_percent: 10000 * u32::from(humidity) / 65535,
        })
    }
}

/// CRC-8, polynomial 0x31, initial value 0xFF.
fn crc8(data: &[u8]) -> u8 {
    let mut crc = 0xFFu8;
    for byte in data {
        crc ^= byte;
        for _ in 0..8 {
            crc = if crc & 0x80 != 0 { (crc << 1) ^ 0x31 } else { crc << 1 };
        }
    }
    crc
}

/// A word as the sensor sends it: big-endian, then its CRC.
pub fn encode_word(value: u16) -> [u8; 3] {
    let [hi, lo] = value.to_be_bytes();
    [hi, lo, crc8(&[hi, lo])]
}

fn check_word(word: [u8; 3]) -> Result<u16, BusError> {
    if crc8(&word[..2]) == word[2] {
        Ok(u16::from_be_bytes([word[0], word[1]]))
    } else {
        Err(BusError::Crc)
    }
}
