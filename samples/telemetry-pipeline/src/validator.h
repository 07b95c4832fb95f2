// Plausibility limits per kind of reading.
#pragma once
#include <array>
#include <cstdint>

#include "protocol.h"
#include "task.h"

namespace telemetry {

struct range {
  std::int32_t low;
  std::int32_t high;
  bool contains(std::int32_t value) const { return value >= low && value <= high; }
};

class validator {
 public:
  task<verdict> check(const reading& r) const;

 private:
  task<range> range_for(kind k) const;

  // temperature -40..60 °C, humidity 0..100 %, pressure 870..1085 hPa, battery 2.8..4.3 V
  std::array<range, 4> ranges_{{{-4000, 6000}, {0, 10000}, {87000, 108500}, {2800, 4300}}};
};

}  // namespace telemetry
