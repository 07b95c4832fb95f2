// Where accepted readings end up: a sink per destination, and the gateway's own in-memory store
// of per-series statistics over a bounded ring of recent samples.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "protocol.h"
#include "task.h"

namespace telemetry {

class sink {
 public:
  virtual ~sink() = default;
  virtual task<> append(series s, std::uint32_t sequence, std::int32_t value) = 0;
  /// How many more samples fit before the oldest are overwritten.
  virtual task<std::uint32_t> room() const = 0;
};

/// A sink that drops everything: mirroring to a second gateway is switched off.
class null_sink final : public sink {
 public:
  static constexpr std::uint32_t unlimited = 0xffffffff;
  task<> append(series, std::uint32_t, std::int32_t) override { co_return; }
  task<std::uint32_t> room() const override { co_return unlimited; }
};

struct series_stats {
  std::uint32_t count = 0;
  std::int64_t sum = 0;
  std::int32_t min = 0;
  std::int32_t max = 0;
};

class series_store final : public sink {
 public:
  explicit series_store(std::uint32_t capacity) : capacity_(capacity), ring_(capacity) {}

  task<> append(series s, std::uint32_t sequence, std::int32_t value) override;
  task<std::uint32_t> room() const override;
  task<std::uint32_t> stored() const;
  /// stored(), widened for the report's 64-bit columns.
  task<std::uint64_t> held() const;

  const series_stats& stats(series s) const { return stats_[std::size_t(s)]; }
  /// Samples ever appended, overwritten ones included.
  std::uint64_t appended() const { return appended_; }

 private:
  struct sample {
    std::uint32_t sequence;
    std::int32_t value;
    series from;
  };
  std::uint32_t capacity_;
  std::vector<sample> ring_;
  std::uint32_t next_ = 0;
  std::uint32_t stored_ = 0;
  std::uint64_t appended_ = 0;
  std::array<series_stats, series_count> stats_{};
};

/// The room left in any sink, for the end-of-run report.
template <typename Sink>
task<std::uint32_t> room_in(const Sink& destination) {
  co_return co_await destination.room();
}

}  // namespace telemetry
