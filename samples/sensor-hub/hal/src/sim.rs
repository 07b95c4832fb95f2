//! Simulated peripherals: an I2C bus of register-mapped devices, and a UART whose far end
//! prints every line it receives.
use std::cell::RefCell;
use std::rc::Rc;

use crate::bus::{BusError, I2cBus, SerialWrite};
use crate::time::transfer_complete;

/// A register-mapped I2C target: the first written byte selects a register, further bytes are
/// stored from there on, and reads return consecutive bytes.
pub struct SimDevice {
    addr: u8,
    regs: [u8; 256],
    /// The byte the next read or write accesses.
    pointer: u8,
    /// Bytes per register, and the bits of a register byte that select one.
    reg_width: u8,
    reg_mask: u8,
    /// A big-endian 16-bit value that moves by a step after every read, like a live sensor.
    drift: Option<(u8, i16)>,
}

impl SimDevice {
    pub fn new(addr: u8, reg_width: u8, reg_mask: u8) -> Self {
        SimDevice { addr, regs: [0; 256], pointer: 0, reg_width, reg_mask, drift: None }
    }

    fn byte_address(&self, reg: u8) -> u8 {
        (reg & self.reg_mask) * self.reg_width
    }

    pub fn with_regs(mut self, reg: u8, bytes: &[u8]) -> Self {
        let first = usize::from(self.byte_address(reg));
        self.regs[first..first + bytes.len()].copy_from_slice(bytes);
        self
    }

    pub fn drifting(mut self, reg: u8, step: i16) -> Self {
        self.drift = Some((self.byte_address(reg), step));
        self
    }

    fn transfer(&mut self, wr: &[u8], rd: &mut [u8]) {
        if let Some((reg, data)) = wr.split_first() {
            self.pointer = self.byte_address(*reg);
            for byte in data {
                self.regs[usize::from(self.pointer)] = *byte;
                self.pointer = self.pointer.wrapping_add(1);
            }
        }
        let start = self.pointer;
        for byte in rd.iter_mut() {
            *byte = self.regs[usize::from(self.pointer)];
            self.pointer = self.pointer.wrapping_add(1);
        }
        if let Some((at, step)) = self.drift.filter(|(at, _)| *at == start && !rd.is_empty()) {
            let at = usize::from(at);
            let value = i16::from_be_bytes([self.regs[at], self.regs[at + 1]]).wrapping_add(step);
            self.regs[at..at + 2].copy_from_slice(&value.to_be_bytes());
        }
    }
}

/// One simulated bus shared by the drivers and tasks of one thread, like embassy's
/// `I2cDevice` over a blocking mutex.
#[derive(Clone)]
pub struct SharedI2c(Rc<RefCell<(Vec<SimDevice>, u32)>>);

impl SharedI2c {
    pub fn new(devices: Vec<SimDevice>) -> Self {
        SharedI2c(Rc::new(RefCell::new((devices, 0))))
    }

    pub fn transactions(&self) -> u32 {
        self.0.borrow().1
    }

    fn transfer(&self, addr: u8, wr: &[u8], rd: &mut [u8]) -> Result<(), BusError> {
        let (devices, transactions) = &mut *self.0.borrow_mut();
        *transactions += 1;
        let device = devices.iter_mut().find(|d| d.addr == addr).ok_or(BusError::Nack(addr))?;
        device.transfer(wr, rd);
        Ok(())
    }
}

impl I2cBus for SharedI2c {
    async fn write_read(&mut self, addr: u8, wr: &[u8], rd: &mut [u8]) -> Result<(), BusError> {
        let result = self.transfer(addr, wr, rd);
        transfer_complete().await;
        result
    }

    async fn write(&mut self, addr: u8, wr: &[u8]) -> Result<(), BusError> {
        self.write_read(addr, wr, &mut []).await
    }
}

const UART_FIFO: usize = 256;

#[derive(Clone, Default)]
pub struct SimUart {
    fifo: Rc<RefCell<Vec<u8>>>,
}

impl SerialWrite for SimUart {
    async fn write_all(&mut self, bytes: &[u8]) -> Result<(), BusError> {
        let fits = self.fifo.borrow().len() + bytes.len() <= UART_FIFO;
        if !fits {
            return Err(BusError::Overrun);
        }
        self.fifo.borrow_mut().extend_from_slice(bytes);
        transfer_complete().await;
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), BusError> {
        let sent = std::mem::take(&mut *self.fifo.borrow_mut());
        for line in String::from_utf8_lossy(&sent).lines() {
            println!("uart> {line}");
        }
        transfer_complete().await;
        Ok(())
    }
}
