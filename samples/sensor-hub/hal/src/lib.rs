//! Hardware abstraction for the sensor hub: async bus traits in the style of embedded-hal-async,
//! a simulated millisecond clock, simulated peripherals, and a tiny executor.
pub mod bus;
pub mod exec;
pub mod sim;
pub mod time;

pub use bus::{BusError, Delay, I2cBus, SerialWrite};
