//! The traits drivers are written against, shaped like embedded-hal-async's.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusError {
    /// No device acknowledged the address.
    Nack(u8),
    /// A transmit FIFO was full.
    Overrun,
}

/// An I2C controller.
#[allow(async_fn_in_trait)]
pub trait I2cBus {
    /// Writes `wr`, then reads `rd.len()` bytes in one transaction (repeated start).
    async fn write_read(&mut self, addr: u8, wr: &[u8], rd: &mut [u8]) -> Result<(), BusError>;

    async fn write(&mut self, addr: u8, wr: &[u8]) -> Result<(), BusError>;

    async fn read_reg(&mut self, addr: u8, reg: u8) -> Result<u8, BusError> {
        let mut value = [0u8; 1];
        self.write_read(addr, &[reg], &mut value).await?;
        Ok(value[0])
    }

    /// Reads a big-endian 16-bit register.
    async fn read_reg16(&mut self, addr: u8, reg: u8) -> Result<u16, BusError> {
        let mut value = [0u8; 2];
        self.write_read(addr, &[reg], &mut value).await?;
        Ok(u16::from_be_bytes(value))
    }

    async fn write_reg(&mut self, addr: u8, reg: u8, value: u8) -> Result<(), BusError> {
        self.write(addr, &[reg, value]).await
    }
}

/// Lets a driver borrow a bus instead of owning it.
impl<T: I2cBus + ?Sized> I2cBus for &mut T {
    async fn write_read(&mut self, addr: u8, wr: &[u8], rd: &mut [u8]) -> Result<(), BusError> {
        T::write_read(self, addr, wr, rd).await
    }

    async fn write(&mut self, addr: u8, wr: &[u8]) -> Result<(), BusError> {
        T::write(self, addr, wr).await
    }
}

#[allow(async_fn_in_trait)]
pub trait Delay {
    async fn delay_ms(&mut self, ms: u32);
}

/// A byte sink such as a UART transmitter.
#[allow(async_fn_in_trait)]
pub trait SerialWrite {
    async fn write_all(&mut self, bytes: &[u8]) -> Result<(), BusError>;
    /// Waits until everything written so far has left the wire.
    async fn flush(&mut self) -> Result<(), BusError>;
}
