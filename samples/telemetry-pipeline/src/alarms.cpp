#include "alarms.h"

namespace telemetry {

task<bool> alarm_panel::raise(std::uint16_t sensor, severity level) {
  severity& current = current_[sensor % current_.size()];
  if (current == level) co_return false;
  current = level;
  ++changes_;
  switch (level) {
    case severity::critical:
      co_await uplink_.send_alarm(sensor, severity::critical);
      [[fallthrough]];  // a critical battery also lights the warning lamp, for panels that have only that
    case severity::warning:
      co_await uplink_.send_alarm(sensor, severity::warning);
      break;
    case severity::clear:
      co_await uplink_.send_alarm(sensor, severity::clear);
      break;
  }
  co_return true;
}

task<bool> alarm_panel::clear(std::uint16_t sensor) { co_return co_await raise(sensor, severity::clear); }

}  // namespace telemetry
