#include "gateway.h"

namespace telemetry {
namespace {

/// A corrupt frame's sensor and sequence as they arrived, so the sensor can resend it.
reading as_received(const frame& f) {
  return {std::uint16_t(f[0] | f[1] << 8), kind{f[2]}, 0, std::uint32_t(f[8] | f[9] << 8 | f[10] << 16)};
}

}  // namespace

task<bool> gateway::pump() {
  const std::optional<frame> f = co_await next_frame();
  if (!f) co_return false;
  ++counts_.frames;
  try {
    co_await handle(*f);
  } catch (const protocol_error&) {
    ++counts_.unknown;
  }
  if (counts_.frames % heartbeat_every == 0) co_await heartbeat();
  co_return true;
}

task<bool> gateway::healthy() noexcept { co_return co_await link_.probe(); }

task<std::size_t> gateway::publish(summary s) { co_return co_await link_.send_summary(s); }

task<std::optional<frame>> gateway::next_frame() { co_return co_await link_.receive(); }

task<> gateway::handle(const frame& f) {
  const std::optional<reading> r = co_await decoder_.decode(f);
  if (!r) {
    ++counts_.corrupt;
    co_await acknowledge(as_received(f), verdict::corrupt);
    co_return;
  }
  const verdict v = co_await validate(*r);
  if (v == verdict::accepted)
    ++counts_.accepted;
  else
    ++counts_.rejected;
  co_await acknowledge(*r, v);
  if (v == verdict::accepted) co_await router_.route(*r);
}

task<verdict> gateway::validate(const reading& r) { co_return co_await validator_.check(r); }

task<std::size_t> gateway::acknowledge(const reading& r, verdict v) {
  switch (v) {
    case verdict::accepted:
      co_return co_await link_.send_status(r.sensor, r.sequence, ack_status::ok);
    case verdict::out_of_range:
      co_return co_await link_.send_status(r.sensor, r.sequence, ack_status::rejected);
    default:
      co_return co_await link_.send_status(r.sensor, r.sequence, ack_status::resend);
  }
}

task<std::size_t> gateway::heartbeat() { co_return co_await link_.send_heartbeat(number_heartbeat()); }

std::uint32_t gateway::number_heartbeat() { return next_heartbeat_++; }

}  // namespace telemetry
