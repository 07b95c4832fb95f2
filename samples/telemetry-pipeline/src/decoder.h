// Frame decoding: checksum, field extraction, kind check.
#pragma once
#include <optional>

#include "protocol.h"
#include "task.h"

namespace telemetry {

class decoder {
 public:
  /// The reading a frame carries, or nothing when its checksum does not add up. Throws
  /// protocol_error for a kind this gateway does not know.
  task<std::optional<reading>> decode(const frame& f);

  std::uint32_t frames_decoded() const { return decoded_; }

 private:
  task<std::optional<reading>> parse(const frame& f);
  std::uint32_t decoded_ = 0;
};

}  // namespace telemetry
