//! A sensor node as embassy firmware is usually written, built for the host: a sensor poller on a
//! shared I2C bus, a command dispatcher fed by a serial link, and an uplink that frames telemetry
//! and replies. A simulated ground station on the other end of the link sends a fixed script and
//! logs what comes back; the run ends after the script's `BYE`.

mod bus;
mod link;
mod sensors;
mod uart;

use embassy_executor::Spawner;
use embassy_futures::join::join;
use embassy_futures::select::{select, select3, Either, Either3};
use embassy_futures::yield_now;
use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
use embassy_sync::channel::Channel;
use embassy_sync::mutex::Mutex;
use embassy_sync::signal::Signal;
use embassy_time::{with_timeout, Duration, Instant, MockDriver, Ticker, Timer};
use embedded_io_async::{Read, Write};

use bus::{BusError, I2cDevice, SharedI2c, SimI2c};
use link::{Command, FrameWriter, LineReader};
use sensors::{Hygrometer, Resolution, Thermometer};
use uart::{Fifo, UartRx, UartTx};

macro_rules! log {
    ($($arg:tt)*) => {
        println!("{:>8}us {}", Instant::now().as_micros(), format_args!($($arg)*))
    };
}

type Cs = CriticalSectionRawMutex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    pub seq: u32,
    pub centi_celsius: i32,
    pub humidity_permille: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    Pong(u16),
    Temperature(i32),
    Humidity(u32),
    Threshold(u16),
    Ack(u8),
    Status { readings: u32, transfers: u32 },
    Error(u8),
}

static I2C: SharedI2c = Mutex::new(SimI2c::new());
static THERMO: Mutex<Cs, Thermometer> = Mutex::new(Thermometer::new(I2cDevice::new(&I2C, 0x48)));
static HYGRO: Hygrometer = Hygrometer::new(I2cDevice::new(&I2C, 0x40));

static UPLINK_RX: Fifo = Fifo::new(); // ground station -> node
static UPLINK_TX: Fifo = Fifo::new(); // node -> ground station
static COMMANDS: Channel<Cs, Command, 4> = Channel::new();
static REPLIES: Channel<Cs, Reply, 4> = Channel::new();
static READINGS: Channel<Cs, Reading, 8> = Channel::new();
static RATE_MS: Signal<Cs, u32> = Signal::new();
static SHUTDOWN: Signal<Cs, ()> = Signal::new();
static READ_COUNT: Mutex<Cs, u32> = Mutex::new(0);

/// Drives embassy-time's mock driver: 100 us of simulated time per executor round.
#[embassy_executor::task]
async fn clock() {
    loop {
        MockDriver::get().advance(Duration::from_micros(100));
        yield_now().await;
    }
}

async fn sample(seq: u32) -> Result<Reading, BusError> {
    let centi_celsius = THERMO.lock().await.centi_celsius().await?;
    let humidity_permille = HYGRO.permille().await?;
    Ok(Reading { seq, centi_celsius, humidity_permille })
}

async fn publish(reading: Reading) {
    READINGS.send(reading).await
}

async fn count_reading() {
    *READ_COUNT.lock().await += 1;
}

#[embassy_executor::task]
async fn sensor_poller(initial_rate_ms: u32) {
    let mut ticker = Ticker::every(Duration::from_millis(initial_rate_ms as u64));
    let mut seq = 0;
    loop {
        match select(ticker.next(), RATE_MS.wait()).await {
            Either::First(()) => {}
            Either::Second(ms) => {
                log!("poller: rate {} ms", ms);
                ticker = Ticker::every(Duration::from_millis(ms as u64));
                continue;
            }
        }
        match sample(seq).await {
            Ok(reading) => {
                count_reading().await;
                publish(reading).await;
            }
            Err(e) => log!("poller: sample {} failed: {:?}", seq, e),
        }
        seq += 1;
    }
}

struct Dispatcher {
    handled: u32,
}

impl Dispatcher {
    async fn reply(&self, reply: Reply) {
        REPLIES.send(reply).await
    }

    async fn readings(&self) -> u32 {
        *READ_COUNT.lock().await
    }

    async fn transfers(&self) -> u32 {
        I2C.lock().await.transfers()
    }

    async fn handle(&mut self, command: Command) -> Result<(), BusError> {
        self.handled += 1;
        match command {
            Command::Ping(n) => self.reply(Reply::Pong(n)).await,
            Command::ReadTemperature => {
                let t = THERMO.lock().await.centi_celsius().await?;
                self.reply(Reply::Temperature(t)).await
            }
            Command::ReadHumidity => {
                let h = HYGRO.permille().await?;
                self.reply(Reply::Humidity(h)).await
            }
            Command::ReadThreshold => {
                let t = THERMO.lock().await.alert_threshold().await?;
                self.reply(Reply::Threshold(t)).await
            }
            Command::SetRate(ms) => {
                RATE_MS.signal(ms.clamp(5, 1000));
                self.reply(Reply::Ack(b'R')).await
            }
            Command::SetResolution(bits) => {
                let resolution = match bits {
                    9 => Resolution::Bits9,
                    10 => Resolution::Bits10,
                    11 => Resolution::Bits11,
                    _ => Resolution::Bits12,
                };
                let mut thermo = THERMO.lock().await;
                thermo.set_resolution(resolution).await?;
                log!("dispatch: resolution {:?}", thermo.resolution());
                drop(thermo);
                self.reply(Reply::Ack(b'S')).await
            }
            Command::Status => {
                let readings = self.readings().await;
                let transfers = self.transfers().await;
                self.reply(Reply::Status { readings, transfers }).await
            }
            Command::Shutdown => {
                SHUTDOWN.signal(());
                self.reply(Reply::Ack(b'B')).await
            }
        }
        Ok(())
    }
}

#[embassy_executor::task]
async fn dispatcher() {
    let mut dispatcher = Dispatcher { handled: 0 };
    loop {
        let command = COMMANDS.receive().await;
        log!("dispatch: {:?}", command);
        if let Err(e) = dispatcher.handle(command).await {
            log!("dispatch: {:?} failed: {:?}", command, e);
            REPLIES.send(Reply::Error(dispatcher.handled as u8)).await;
        }
    }
}

async fn forward_command(command: Command) {
    COMMANDS.send(command).await
}

#[embassy_executor::task]
async fn link_rx(rx: UartRx) {
    let mut lines = LineReader::new(rx);
    let mut line = [0u8; 32];
    loop {
        let Ok(n) = lines.next_line(&mut line).await;
        match link::parse(&line[..n]) {
            Ok(command) => forward_command(command).await,
            Err(e) => log!("link: bad line {:?}: {:?}", core::str::from_utf8(&line[..n]).unwrap_or("?"), e),
        }
    }
}

fn encode_reply(reply: Reply, out: &mut [u8; 8]) -> (u8, usize) {
    let (kind, value): (u8, u64) = match reply {
        Reply::Pong(n) => (b'P', n as u64),
        Reply::Temperature(t) => (b'T', t as u32 as u64),
        Reply::Humidity(h) => (b'H', h as u64),
        Reply::Threshold(t) => (b'L', t as u64),
        Reply::Ack(what) => (b'A', what as u64),
        Reply::Status { readings, transfers } => (b'S', ((readings as u64) << 32) | transfers as u64),
        Reply::Error(n) => (b'E', n as u64),
    };
    *out = value.to_le_bytes();
    (kind, if matches!(reply, Reply::Status { .. }) { 8 } else { 4 })
}

#[embassy_executor::task]
async fn uplink(tx: UartTx) {
    let mut frames = FrameWriter::new(tx);
    let mut batch: heapless_batch::Batch = heapless_batch::Batch::new();
    loop {
        match select3(REPLIES.receive(), READINGS.receive(), SHUTDOWN.wait()).await {
            Either3::First(reply) => {
                let mut payload = [0u8; 8];
                let (kind, n) = encode_reply(reply, &mut payload);
                let Ok(()) = frames.send(kind, &payload[..n]).await;
            }
            Either3::Second(reading) => {
                if let Some(full) = batch.push(reading) {
                    let Ok(()) = frames.send(b'D', &full).await;
                }
            }
            Either3::Third(()) => {
                let Ok(()) = frames.flush().await;
                log!("uplink: shut down after {} bytes", frames.inner().written());
                SHUTDOWN.signal(());
                return;
            }
        }
    }
}

/// Readings are sent four at a time: the mean temperature and humidity and the last sequence number.
mod heapless_batch {
    use super::Reading;

    pub struct Batch {
        items: [Option<Reading>; 4],
        len: usize,
    }

    impl Batch {
        pub const fn new() -> Self {
            Self { items: [None; 4], len: 0 }
        }

        pub fn push(&mut self, reading: Reading) -> Option<[u8; 12]> {
            self.items[self.len] = Some(reading);
            self.len += 1;
            if self.len < self.items.len() {
                return None;
            }
            self.len = 0;
            let (mut t, mut h, mut last) = (0i32, 0u32, 0u32);
            for r in self.items.iter_mut().filter_map(Option::take) {
                t += r.centi_celsius;
                h += r.humidity_permille;
                last = r.seq;
            }
            let mut out = [0u8; 12];
            out[..4].copy_from_slice(&(t / 4).to_le_bytes());
            out[4..8].copy_from_slice(&(h / 4).to_le_bytes());
            out[8..].copy_from_slice(&last.to_le_bytes());
            Some(out)
        }
    }
}

const SCRIPT: &[(u64, &str)] = &[
    (20, "PING 7\n"),
    (30, "TEMP\n"),
    (40, "HUM\n"),
    (10, "RES 9\n"),
    (60, "TEMP\n"),
    (25, "RATE 20\n"),
    (90, "THR\n"),
    (15, "FLY\n"),
    (30, "RES 12\n"),
    (20, "TEMP\n"),
    (120, "STATUS\n"),
    (35, "PING 65000\n"),
    (80, "RATE 35\n"),
    (140, "STATUS\n"),
    (50, "BYE\n"),
];

async fn send_line(rx_fifo: &Fifo, line: &str) {
    rx_fifo.write_all(line.as_bytes()).await
}

/// The other end of the link: sends the script, decodes every frame that comes back.
#[embassy_executor::task]
async fn ground_station() {
    let script = async {
        for (delay_ms, line) in SCRIPT {
            Timer::after_millis(*delay_ms).await;
            log!("ground: send {:?}", line.trim_end());
            send_line(&UPLINK_RX, line).await;
        }
    };
    let receive = async {
        let mut buf = [0u8; 256];
        let mut len = 0;
        let mut frames = 0u32;
        loop {
            let wait = with_timeout(Duration::from_millis(300), async { UPLINK_TX.read(&mut buf[len..]).await });
            let Ok(n) = wait.await else { break };
            len += n;
            while let Some((kind, seq, payload, used)) = link::decode(&buf[..len]) {
                frames += 1;
                log!("ground: frame {} seq {} {:02x?}", kind as char, seq, payload);
                buf.copy_within(used..len, 0);
                len -= used;
            }
        }
        frames
    };
    let ((), frames) = join(script, receive).await;
    let mut rx = [0u8; 1];
    let leftover = UPLINK_RX.try_read(&mut rx).is_ok();
    log!("ground: {} frames, leftover input {}; done", frames, leftover);
    std::process::exit(0);
}

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    log!("node: start");
    let (rx, tx) = uart::split(&UPLINK_RX, &UPLINK_TX);
    spawner.spawn(clock().unwrap());
    spawner.spawn(sensor_poller(50).unwrap());
    spawner.spawn(dispatcher().unwrap());
    spawner.spawn(link_rx(rx).unwrap());
    spawner.spawn(uplink(tx).unwrap());
    spawner.spawn(ground_station().unwrap());
}

#[allow(dead_code)]
fn _io_traits_are_used(_: &impl Read, _: &impl Write) {}
