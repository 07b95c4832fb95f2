//! An in-memory UART: the RX and TX FIFOs are embassy-sync pipes; the driver implements the
//! embedded-io-async traits the way a HAL's buffered UART does.

use core::convert::Infallible;

use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
use embassy_sync::pipe::Pipe;
use embedded_io_async::{ErrorType, Read, Write};

pub type Fifo = Pipe<CriticalSectionRawMutex, 128>;

pub struct UartRx {
    fifo: &'static Fifo,
}

pub struct UartTx {
    fifo: &'static Fifo,
    written: usize,
}

pub fn split(rx: &'static Fifo, tx: &'static Fifo) -> (UartRx, UartTx) {
    (UartRx { fifo: rx }, UartTx { fifo: tx, written: 0 })
}

impl ErrorType for UartRx {
    type Error = Infallible;
}

impl ErrorType for UartTx {
    type Error = Infallible;
}

impl Read for UartRx {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        Ok(self.fifo.read(buf).await)
    }
}

impl Write for UartTx {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        let n = self.fifo.write(buf).await;
        self.written += n;
        Ok(n)
    }

    async fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

impl UartTx {
    pub fn written(&self) -> usize {
        self.written
    }
}
