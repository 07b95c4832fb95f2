//! The serial link protocol: text commands in, framed telemetry out.

use embedded_io_async::{Read, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Ping(u16),
    ReadTemperature,
    ReadHumidity,
    ReadThreshold,
    SetRate(u32),
    SetResolution(u8),
    Status,
    Shutdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    Empty,
    Unknown,
    BadNumber,
}

pub fn parse(line: &[u8]) -> Result<Command, ParseError> {
    let line = core::str::from_utf8(line).map_err(|_| ParseError::Unknown)?.trim();
    let mut words = line.split_ascii_whitespace();
    let verb = words.next().ok_or(ParseError::Empty)?;
    let mut number = || -> Result<u32, ParseError> {
        words.next().ok_or(ParseError::BadNumber)?.parse().map_err(|_| ParseError::BadNumber)
    };
    Ok(match verb {
        "PING" => Command::Ping(number()? as u16),
        "TEMP" => Command::ReadTemperature,
        "HUM" => Command::ReadHumidity,
        "THR" => Command::ReadThreshold,
        "RATE" => Command::SetRate(number()?),
        "RES" => Command::SetResolution(number()? as u8),
        "STATUS" => Command::Status,
        "BYE" => Command::Shutdown,
        _ => return Err(ParseError::Unknown),
    })
}

/// Reads bytes until a newline; returns the line without it (and without a carriage return).
pub struct LineReader<R> {
    inner: R,
    buf: [u8; 32],
    len: usize,
}

impl<R: Read> LineReader<R> {
    pub fn new(inner: R) -> Self {
        Self { inner, buf: [0; 32], len: 0 }
    }

    async fn fill(&mut self) -> Result<usize, R::Error> {
        let len = self.len;
        self.inner.read(&mut self.buf[len..]).await
    }

    pub async fn next_line(&mut self, out: &mut [u8]) -> Result<usize, R::Error> {
        loop {
            if let Some(end) = self.buf[..self.len].iter().position(|&b| b == b'\n') {
                let mut n = end;
                if n > 0 && self.buf[n - 1] == b'\r' {
                    n -= 1;
                }
                let n = n.min(out.len());
                out[..n].copy_from_slice(&self.buf[..n]);
                self.buf.copy_within(end + 1..self.len, 0);
                self.len -= end + 1;
                return Ok(n);
            }
            if self.len == self.buf.len() {
                self.len = 0; // an over-long line is dropped
            }
            let n = self.fill().await?;
            self.len += n;
        }
    }
}

pub const FRAME_START: u8 = 0x7e;

/// Writes `[0x7e, kind, seq, len, payload.., checksum]` frames.
pub struct FrameWriter<W> {
    inner: W,
    seq: u8,
}

impl<W: Write> FrameWriter<W> {
    pub fn new(inner: W) -> Self {
        Self { inner, seq: 0 }
    }

    async fn write_raw(&mut self, bytes: &[u8]) -> Result<(), W::Error> {
        self.inner.write_all(bytes).await
    }

    pub async fn send(&mut self, kind: u8, payload: &[u8]) -> Result<(), W::Error> {
        let mut frame = [0u8; 24];
        let n = payload.len().min(frame.len() - 5);
        frame[0] = FRAME_START;
        frame[1] = kind;
        frame[2] = self.seq;
        frame[3] = n as u8;
        frame[4..4 + n].copy_from_slice(&payload[..n]);
        frame[4 + n] = frame[1..4 + n].iter().fold(0u8, |a, b| a.wrapping_add(*b));
        self.seq = self.seq.wrapping_add(1);
        self.write_raw(&frame[..5 + n]).await
    }

    pub async fn flush(&mut self) -> Result<(), W::Error> {
        self.inner.flush().await
    }

    pub fn inner(&self) -> &W {
        &self.inner
    }
}

/// Decodes one frame from the front of `bytes`: (kind, seq, payload, bytes used).
pub fn decode(bytes: &[u8]) -> Option<(u8, u8, &[u8], usize)> {
    let start = bytes.iter().position(|&b| b == FRAME_START)?;
    let bytes = &bytes[start..];
    let n = *bytes.get(3)? as usize;
    let sum = *bytes.get(4 + n)?;
    if bytes[1..4 + n].iter().fold(0u8, |a, b| a.wrapping_add(*b)) != sum {
        return None;
    }
    Some((bytes[1], bytes[2], &bytes[4..4 + n], start + 5 + n))
}
