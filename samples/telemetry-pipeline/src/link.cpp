#include "link.h"

namespace telemetry {
namespace {

packet status_packet(std::uint16_t sensor, std::uint32_t sequence, ack_status status) {
  return {'A', 6, {std::uint8_t(sensor), std::uint8_t(sensor >> 8), std::uint8_t(sequence), std::uint8_t(sequence >> 8),
                   std::uint8_t(sequence >> 16), std::uint8_t(status)}};
}

void put32(std::array<std::uint8_t, 11>& bytes, std::size_t at, std::uint32_t value) {
  for (std::size_t i = 0; i < 4; ++i) bytes[at + i] = std::uint8_t(value >> (8 * i));
}

}  // namespace

std::uint32_t sensor_field::random() {
  state_ = state_ * 1664525u + 1013904223u;
  return state_ >> 8;
}

std::optional<frame> sensor_field::next() {
  if (remaining_ == 0) return std::nullopt;
  --remaining_;
  const std::uint32_t pick = random();
  const std::uint16_t sensor = std::uint16_t(100 + pick % 16);
  std::uint8_t kind_byte = std::uint8_t(1 + (pick >> 4) % 4);
  std::int32_t value = 0;
  switch (kind{kind_byte}) {
    case kind::temperature: value = 1500 + std::int32_t(random() % 1400); break;  // 15.00 .. 28.99 °C
    case kind::humidity: value = 3000 + std::int32_t(random() % 5000); break;     // 30 .. 80 %
    case kind::pressure: value = 98000 + std::int32_t(random() % 5000); break;    // Pa
    case kind::battery: value = 3300 + std::int32_t(random() % 900); break;       // mV
  }
  if (pick % 25 == 7) value += 100000;     // a stuck ADC
  if (pick % 97 == 3) kind_byte = 9;        // newer firmware
  const std::uint32_t sequence = ++sequence_;
  frame f{std::uint8_t(sensor), std::uint8_t(sensor >> 8), kind_byte, 0,
          std::uint8_t(value), std::uint8_t(value >> 8), std::uint8_t(value >> 16), std::uint8_t(value >> 24),
          std::uint8_t(sequence), std::uint8_t(sequence >> 8), std::uint8_t(sequence >> 16), 0};
  std::uint8_t sum = 0;
  for (std::size_t i = 0; i + 1 < f.size(); ++i) sum = std::uint8_t(sum + f[i]);
  f.back() = std::uint8_t(-sum);
  if (pick % 40 == 11) f[4] ^= 0x10;  // a bit flipped in transit
  return f;
}

task<std::optional<frame>> link::receive() {
  if (!connected_) co_return std::nullopt;
  co_return field_.next();
}

task<bool> link::probe() const { co_return connected_; }

task<std::size_t> link::send(const packet& p) {
  const std::uint8_t header[2] = {p.type, p.length};
  for (std::uint8_t byte : header) checksum_ = (checksum_ ^ byte) * 1099511628211u;
  for (std::size_t i = 0; i < p.length; ++i) checksum_ = (checksum_ ^ p.payload[i]) * 1099511628211u;
  bytes_sent_ += 2u + p.length;
  co_return 2u + p.length;
}

task<std::size_t> link::send_status(std::uint16_t sensor, std::uint32_t sequence, ack_status status) {
  co_return co_await send(status_packet(sensor, sequence, status));
}

task<std::size_t> link::send_alarm(std::uint16_t sensor, severity level) {
  const packet alarm{'!', 3, {std::uint8_t(sensor), std::uint8_t(sensor >> 8), std::uint8_t(level)}};
  co_return co_await send(alarm);
}

task<std::size_t> link::send_summary(const summary& s) {
  packet p{'S', 11, {}};
  put32(p.payload, 0, s.frames);
  put32(p.payload, 4, s.accepted);
  p.payload[8] = std::uint8_t(s.rejected);
  p.payload[9] = std::uint8_t(s.corrupt);
  p.payload[10] = std::uint8_t(s.unknown);
  co_return co_await send(p);
}

task<std::size_t> link::send_heartbeat(std::uint32_t number) {
  packet p{'H', 4, {}};
  put32(p.payload, 0, number);
  co_return co_await send(p);
}

}  // namespace telemetry
