#include "decoder.h"

namespace telemetry {
namespace {

bool intact(const frame& f) {
  std::uint8_t sum = 0;
  for (std::uint8_t byte : f) sum = std::uint8_t(sum + byte);
  return sum == 0;
}

std::uint32_t little_endian(const frame& f, std::size_t at, std::size_t bytes) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < bytes; ++i) value |= std::uint32_t(f[at + i]) << (8 * i);
  return value;
}

}  // namespace

task<std::optional<reading>> decoder::decode(const frame& f) { co_return co_await parse(f); }

task<std::optional<reading>> decoder::parse(const frame& f) {
  if (!intact(f)) co_return std::nullopt;
  const std::uint8_t kind_byte = f[2];
  if (kind_byte < std::uint8_t(kind::temperature) || kind_byte > std::uint8_t(kind::battery))
    throw protocol_error(kind_byte);
  ++decoded_;
  co_return reading{std::uint16_t(little_endian(f, 0, 2)), kind{kind_byte},
                    std::int32_t(little_endian(f, 4, 4)), little_endian(f, 8, 3)};
}

}  // namespace telemetry
