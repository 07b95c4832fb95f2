#include "store.h"

#include <algorithm>

namespace telemetry {

task<> series_store::append(series s, std::uint32_t sequence, std::int32_t value) {
  ring_[next_] = {sequence, value, s};
  next_ = (next_ + 1) % capacity_;
  stored_ = std::min(stored_ + 1, capacity_);
  ++appended_;
  series_stats& column = stats_[std::size_t(s)];
  column.min = column.count == 0 ? value : std::min(column.min, value);
  column.max = column.count == 0 ? value : std::max(column.max, value);
  column.sum += value;
  ++column.count;
  co_return;
}

task<std::uint32_t> series_store::room() const { co_return capacity_ - stored_; }

task<std::uint32_t> series_store::stored() const { co_return stored_; }

task<std::uint64_t> series_store::held() const { co_return co_await stored(); }

}  // namespace telemetry
