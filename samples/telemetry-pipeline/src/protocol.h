// The wire protocol between the sensors and the gateway, and the values the pipeline passes on.
#pragma once
#include <array>
#include <cstdint>
#include <stdexcept>

namespace telemetry {

/// One frame as it arrives: sensor (2 bytes, little-endian), kind (1), flags (1), value (4, signed),
/// sequence (3), and a checksum byte that makes the sum of all 12 bytes 0 modulo 256.
using frame = std::array<std::uint8_t, 12>;

enum class kind : std::uint8_t { temperature = 1, humidity = 2, pressure = 3, battery = 4 };

/// A decoded frame. Values are in the sensor's unit: centi-degrees, centi-percent, pascal, millivolt.
struct reading {
  std::uint16_t sensor;
  telemetry::kind kind;
  std::int32_t value;
  std::uint32_t sequence;
};

enum class verdict : std::uint8_t { accepted, out_of_range, corrupt };

/// What the gateway answers each frame with.
enum class ack_status : std::uint8_t { ok = 'K', rejected = 'R', resend = 'S' };

enum class severity : std::uint8_t { clear, warning, critical };

/// The store's series; readings are routed to one by their kind.
enum class series : std::uint8_t { climate, weather, power };
constexpr int series_count = 3;

/// A frame whose kind byte names no kind this gateway knows: the sensor runs newer firmware.
class protocol_error : public std::runtime_error {
 public:
  explicit protocol_error(std::uint8_t kind_byte)
      : std::runtime_error("unknown kind"), kind_byte_(kind_byte) {}
  std::uint8_t kind_byte() const noexcept { return kind_byte_; }

 private:
  std::uint8_t kind_byte_;
};

}  // namespace telemetry
