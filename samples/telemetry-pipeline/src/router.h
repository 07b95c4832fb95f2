// Routing: each accepted reading is filed into its series, in the store and in the mirror, and
// battery readings drive the alarms.
#pragma once
#include <cstdint>

#include "alarms.h"
#include "protocol.h"
#include "store.h"
#include "task.h"

namespace telemetry {

class router {
 public:
  router(sink& primary, sink& mirror, alarm_panel& alarms) : primary_(primary), mirror_(mirror), alarms_(alarms) {}

  task<> route(const reading& r);

 private:
  task<> file(const reading& r, series s);
  task<> mirror(const reading& r, series s);
  task<> watch_battery(const reading& r);

  static constexpr std::int32_t critical_millivolts = 3400;
  static constexpr std::int32_t warning_millivolts = 3500;

  sink& primary_;
  sink& mirror_;
  alarm_panel& alarms_;
};

}  // namespace telemetry
