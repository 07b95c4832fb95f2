// The gateway: receives a frame, decodes and validates it, answers the sensor, and routes what it
// accepted. One pump() is one frame, the pipeline's unit of work.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>

#include "decoder.h"
#include "link.h"
#include "protocol.h"
#include "router.h"
#include "task.h"
#include "validator.h"

namespace telemetry {

class gateway {
 public:
  gateway(link& uplink, decoder& frames, const validator& limits, router& routes)
      : link_(uplink), decoder_(frames), validator_(limits), router_(routes) {}

  /// Handles the next frame; false when the field has no more.
  task<bool> pump();
  task<bool> healthy() noexcept;
  task<std::size_t> publish(summary s);

  summary counts() const { return counts_; }
  std::uint32_t heartbeats() const { return next_heartbeat_; }

 private:
  task<std::optional<frame>> next_frame();
  task<> handle(const frame& f);
  task<verdict> validate(const reading& r);
  task<std::size_t> acknowledge(const reading& r, verdict v);
  task<std::size_t> heartbeat();
  std::uint32_t number_heartbeat();

  static constexpr std::uint32_t heartbeat_every = 256;

  link& link_;
  decoder& decoder_;
  const validator& validator_;
  router& router_;
  summary counts_{};
  std::uint32_t next_heartbeat_ = 0;
};

}  // namespace telemetry
