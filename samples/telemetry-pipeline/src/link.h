// The transport: an in-memory link to a field of simulated sensors. Frames come in from the
// field; acknowledgements, alarms and summaries go out as packets whose bytes the link counts and
// checksums (FNV-1a), standing in for a radio.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>

#include "protocol.h"
#include "task.h"

namespace telemetry {

/// Deterministic sensors: a linear congruential generator decides each frame. About one frame in
/// 40 is corrupted in transit, one in 25 is out of range, one in 97 has a kind from newer firmware.
class sensor_field {
 public:
  explicit sensor_field(std::uint32_t frames) : remaining_(frames) {}
  std::optional<frame> next();

 private:
  std::uint32_t random();
  std::uint32_t remaining_;
  std::uint32_t state_ = 20240601;
  std::uint32_t sequence_ = 0;
};

/// An outgoing message: a type byte and up to 11 payload bytes.
struct packet {
  std::uint8_t type;
  std::uint8_t length;
  std::array<std::uint8_t, 11> payload;
};

/// The counters the gateway publishes at the end of a run.
struct summary {
  std::uint32_t frames;
  std::uint32_t accepted;
  std::uint32_t rejected;
  std::uint32_t corrupt;
  std::uint32_t unknown;
};

class link {
 public:
  explicit link(sensor_field& field) : field_(field) {}

  task<std::optional<frame>> receive();
  task<bool> probe() const;

  task<std::size_t> send(const packet& p);
  task<std::size_t> send_status(std::uint16_t sensor, std::uint32_t sequence, ack_status status);
  task<std::size_t> send_alarm(std::uint16_t sensor, severity level);
  task<std::size_t> send_summary(const summary& s);
  task<std::size_t> send_heartbeat(std::uint32_t number);

  std::uint64_t bytes_sent() const { return bytes_sent_; }
  std::uint64_t checksum() const { return checksum_; }

 private:
  sensor_field& field_;
  bool connected_ = true;
  std::uint64_t bytes_sent_ = 0;
  std::uint64_t checksum_ = 14695981039346656037u;
};

}  // namespace telemetry
