//! Simulated peripherals: an I2C bus of register-mapped devices, and a UART whose far end
//! prints every line it receives.
use std::cell::RefCell;
use std::rc::Rc;

use crate::bus::{BusError, I2cBus, SerialWrite};
use crate::time::yield_now;

/// A register-mapped I2C target: the first written byte sets the register pointer, further
/// bytes are stored from there on, and reads return consecutive registers.
pub struct SimDevice {
    addr: u8,
    regs: [u8; 256],
    pointer: u8,
    /// Bits of the pointer byte that select auto-increment rather than a register.
    pointer_mask: u8,
    /// A big-endian 16-bit register that moves by a step after every read, like a live sensor.
    drift: Option<(u8, i16)>,
}

impl SimDevice {
    pub fn new(addr: u8) -> Self {
        SimDevice { addr, regs: [0; 256], pointer: 0, pointer_mask: 0xFF, drift: None }
    }

    pub fn with_regs(mut self, first: u8, bytes: &[u8]) -> Self {
        for (offset, byte) in bytes.iter().enumerate() {
            self.regs[usize::from(first) + offset] = *byte;
        }
        self
    }

    pub fn with_pointer_mask(mut self, mask: u8) -> Self {
        self.pointer_mask = mask;
        self
    }

    pub fn drifting(mut self, reg: u8, step: i16) -> Self {
        self.drift = Some((reg, step));
        self
    }

    fn write(&mut self, bytes: &[u8]) {
        let Some((pointer, data)) = bytes.split_first() else { return };
        self.pointer = pointer & self.pointer_mask;
        for byte in data {
            self.regs[usize::from(self.pointer)] = *byte;
            self.pointer = self.pointer.wrapping_add(1);
        }
    }

    fn read(&mut self, out: &mut [u8]) {
        let start = self.pointer;
        for byte in out.iter_mut() {
            *byte = self.regs[usize::from(self.pointer)];
            self.pointer = self.pointer.wrapping_add(1);
        }
        if let Some((reg, step)) = self.drift {
            if reg == start {
                let at = usize::from(reg);
                let value = i16::from_be_bytes([self.regs[at], self.regs[at + 1]]).wrapping_add(step);
                self.regs[at..at + 2].copy_from_slice(&value.to_be_bytes());
            }
        }
    }
}

pub struct SimI2c {
    devices: Vec<SimDevice>,
    transactions: u32,
}

impl SimI2c {
    pub fn new(devices: Vec<SimDevice>) -> Self {
        SimI2c { devices, transactions: 0 }
    }

    fn transfer(&mut self, addr: u8, wr: &[u8], rd: &mut [u8]) -> Result<(), BusError> {
        self.transactions += 1;
        let device = self.devices.iter_mut().find(|d| d.addr == addr).ok_or(BusError::Nack(addr))?;
        device.write(wr);
        device.read(rd);
        Ok(())
    }
}

/// A handle to one simulated bus shared by several drivers and tasks on one thread, like
/// embassy's `I2cDevice` over a blocking mutex.
#[derive(Clone)]
pub struct SharedI2c(Rc<RefCell<SimI2c>>);

impl SharedI2c {
    pub fn new(bus: SimI2c) -> Self {
        SharedI2c(Rc::new(RefCell::new(bus)))
    }

    pub fn transactions(&self) -> u32 {
        self.0.borrow().transactions
    }
}

impl I2cBus for SharedI2c {
    async fn write_read(&mut self, addr: u8, wr: &[u8], rd: &mut [u8]) -> Result<(), BusError> {
        let result = self.0.borrow_mut().transfer(addr, wr, rd);
        yield_now().await;
        result
    }

    async fn write(&mut self, addr: u8, wr: &[u8]) -> Result<(), BusError> {
        self.write_read(addr, wr, &mut []).await
    }
}

const UART_FIFO: usize = 256;

/// A UART transmitter with a small FIFO; the far end prints each line as it arrives.
#[derive(Clone, Default)]
pub struct SimUart {
    fifo: Rc<RefCell<Vec<u8>>>,
}

impl SerialWrite for SimUart {
    async fn write_all(&mut self, bytes: &[u8]) -> Result<(), BusError> {
        {
            let mut fifo = self.fifo.borrow_mut();
            if fifo.len() + bytes.len() > UART_FIFO {
                return Err(BusError::Overrun);
            }
            fifo.extend_from_slice(bytes);
        }
        yield_now().await;
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), BusError> {
        let sent = std::mem::take(&mut *self.fifo.borrow_mut());
        for line in String::from_utf8_lossy(&sent).lines() {
            println!("uart> {line}");
        }
        yield_now().await;
        Ok(())
    }
}
