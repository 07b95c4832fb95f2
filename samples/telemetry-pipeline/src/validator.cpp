#include "validator.h"

namespace telemetry {

task<verdict> validator::check(const reading& r) const {
  const range allowed = co_await range_for(r.kind);
  co_return allowed.contains(r.value) ? verdict::accepted : verdict::out_of_range;
}

task<range> validator::range_for(kind k) const { co_return ranges_[std::size_t(k) - 1]; }

}  // namespace telemetry
