//! NXP PCA9536 4-bit I/O expander driving the hub's RGB status LED (active low, pins 0-2).
use hub_hal::{BusError, I2cBus};

pub const ADDR: u8 = 0x41;

const REG_OUTPUT: u8 = 0x01;
const REG_CONFIG: u8 = 0x03;
/// Pins 0-2 are outputs, pin 3 stays an input.
const OUTPUTS_0_TO_2: u8 = 0b1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    Off = 0b111,
    Red = 0b110,
    Green = 0b101,
    Amber = 0b100,
    Blue = 0b011,
}

pub struct StatusLed<B> {
    bus: B,
    addr: u8,
}

impl<B: I2cBus> StatusLed<B> {
    pub fn new(bus: B, addr: u8) -> Self {
        StatusLed { bus, addr }
    }

    pub async fn init(&mut self) -> Result<(), BusError> {
        self.bus.write_reg(self.addr, REG_CONFIG, OUTPUTS_0_TO_2).await
    }

    pub async fn show(&mut self, color: Color) -> Result<(), BusError> {
        self.bus.write_reg(self.addr, REG_OUTPUT, color as u8).await
    }

    pub async fn output_bits(&mut self) -> Result<u8, BusError> {
        self.bus.read_reg(self.addr, REG_OUTPUT).await
    }
}
