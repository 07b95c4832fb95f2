//! Drivers for the hub's parts, generic over `hub_hal::I2cBus` like embedded-hal-async drivers.
pub mod lis3dh;
pub mod pca9536;
pub mod tmp117;

use hub_hal::BusError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    Temperature { centi_celsius: i32 },
    Humidity { centi_percent: u32 },
    Acceleration { mg: [i16; 3] },
}

/// What the hub's sampling tasks need from any sensor.
#[allow(async_fn_in_trait)]
pub trait Sensor {
    const NAME: &'static str;
    async fn sample(&mut self) -> Result<Reading, BusError>;
    async fn self_test(&mut self) -> Result<bool, BusError>;
}

/// Always reads the same value: stands in for a part that is not fitted yet.
pub struct Constant(pub Reading);

impl Sensor for Constant {
    const NAME: &'static str = "constant";

    async fn sample(&mut self) -> Result<Reading, BusError> {
        Ok(self.0)
    }

    async fn self_test(&mut self) -> Result<bool, BusError> {
        Ok(true)
    }
}
