#include "router.h"

namespace telemetry {

task<> router::route(const reading& r) {
  switch (r.kind) {
    case kind::temperature:
      co_await file(r, series::climate);
      break;
    case kind::humidity:
      co_await file(r, series::climate);
      break;
    case kind::pressure:
      co_await file(r, series::weather);
      break;
    case kind::battery:
      co_await file(r, series::power);
      break;
  }
  if (r.kind == kind::battery) co_await watch_battery(r);
}

task<> router::file(const reading& r, series s) {
  co_await primary_.append(s, r.sequence, r.value);
  co_await mirror(r, s);
}

task<> router::mirror(const reading& r, series s) {
  co_await mirror_.append(s, r.sequence, r.value);
  co_return;
}

task<> router::watch_battery(const reading& r) {
  if (r.value < critical_millivolts)
    co_await alarms_.raise(r.sensor, severity::critical);
  else if (r.value < warning_millivolts)
    co_await alarms_.raise(r.sensor, severity::warning);
  else
    co_await alarms_.raise(r.sensor, severity::clear);
}

}  // namespace telemetry
