//! The uplink to the host: replies framed as numbered text lines over a UART.
use hub_drivers::lis3dh::Axis;
use hub_hal::{BusError, SerialWrite};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    Pong,
    Version(u32),
    Temperature(i32),
    Acceleration(Axis, i16),
    Led(u8),
    Sample { sensor: &'static str, centi_celsius: i32 },
    Alarm { sensor: &'static str, centi_celsius: i32 },
    Heartbeat(u32),
    Fault(BusError),
    Unknown,
}

/// `2343` as `23.43`.
fn centi(value: i32) -> String {
    let sign = if value < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", value.abs() / 100, value.abs() % 100)
}

impl Reply {
    fn encode(&self, seq: u16) -> String {
        let body = match *self {
            Reply::Pong => "PONG".to_string(),
            Reply::Version(v) => format!("VERSION {}.{}.{}", v >> 16, (v >> 8) & 0xFF, v & 0xFF),
            Reply::Temperature(t) => format!("TEMP {}C", centi(t)),
            Reply::Acceleration(axis, mg) => format!("ACCEL {axis:?} {mg}mg"),
            Reply::Led(bits) => format!("LED {bits:03b}"),
            Reply::Sample { sensor, centi_celsius } => format!("SAMPLE {sensor} {}C", centi(centi_celsius)),
            Reply::Alarm { sensor, centi_celsius } => format!("ALARM {sensor} {}C", centi(centi_celsius)),
            Reply::Heartbeat(n) => format!("HEARTBEAT {n}"),
            Reply::Fault(error) => format!("FAULT {error:?}"),
            Reply::Unknown => "ERR unknown command".to_string(),
        };
        format!("#{seq:04} {body}\n")
    }
}

pub struct Link<W> {
    uart: W,
    seq: u16,
}

impl<W: SerialWrite> Link<W> {
    pub fn new(uart: W) -> Self {
        Link { uart, seq: 0 }
    }

    pub async fn send(&mut self, reply: Reply) -> Result<(), BusError> {
        let frame = reply.encode(self.seq);
        self.seq = self.seq.wrapping_add(1);
        self.uart.write_all(frame.as_bytes()).await?;
        self.uart.flush().await
    }

    /// Queues a preformatted diagnostic line; it goes out with the next flush.
    pub async fn send_line(&mut self, line: String) -> Result<(), BusError> {
        self.uart.write_all(line.as_bytes()).await
    }

    pub async fn flush(&mut self) -> Result<(), BusError> {
        self.uart.flush().await
    }
}
