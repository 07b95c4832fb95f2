// Battery alarms: each sensor's current severity, and an alarm packet whenever it changes.
#pragma once
#include <array>
#include <cstdint>

#include "link.h"
#include "protocol.h"
#include "task.h"

namespace telemetry {

class alarm_panel {
 public:
  explicit alarm_panel(link& uplink) : uplink_(uplink) {}

  /// Sets the sensor's severity; true when that changed it (and an alarm went out).
  task<bool> raise(std::uint16_t sensor, severity level);
  task<bool> clear(std::uint16_t sensor);

  std::uint32_t changes() const { return changes_; }

 private:
  link& uplink_;
  std::array<severity, 16> current_{};  // the field has 16 sensors, numbered from 100
  std::uint32_t changes_ = 0;
};

}  // namespace telemetry
