// Runs the gateway over a simulated sensor field and prints what it stored and sent.
//
// Usage: telemetry-pipeline [FRAMES] [--stats]
//   FRAMES   how many frames the field sends (default 20000)
//   --stats  also print, on stderr, the frames handled and the heap allocations they took
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "alarms.h"
#include "decoder.h"
#include "gateway.h"
#include "heap_counter.h"
#include "link.h"
#include "router.h"
#include "store.h"
#include "validator.h"

namespace telemetry {
namespace {

struct options {
  std::uint32_t frames = 20000;
  bool stats = false;
};

options parse_options(int argc, char** argv) {
  options parsed;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--stats") == 0)
      parsed.stats = true;
    else
      parsed.frames = std::uint32_t(std::strtoul(argv[i], nullptr, 10));
  }
  return parsed;
}

void print_series(const char* name, const series_stats& s) {
  const std::int64_t mean = s.count == 0 ? 0 : s.sum / s.count;
  std::printf("  %-8s %6" PRIu32 " samples  min %7" PRId32 "  mean %7" PRId64 "  max %7" PRId32 "\n", name, s.count,
              s.min, mean, s.max);
}

int run(const options& opts) {
  sensor_field field(opts.frames);
  link radio(field);
  decoder frames;
  const validator limits;
  series_store store(4096);
  null_sink mirror;
  alarm_panel alarms(radio);
  router routes(store, mirror, alarms);
  gateway gate(radio, frames, limits, routes);

  if (!gate.healthy().run()) {
    std::puts("link down");
    return 1;
  }
  std::uint32_t operations = 0;
  std::uint64_t allocations = 0;
  for (;;) {
    const std::uint64_t before = heap_allocations();
    if (!gate.pump().run()) break;
    allocations += heap_allocations() - before;
    ++operations;
  }
  const summary counts = gate.counts();
  const std::size_t summary_bytes = gate.publish(counts).run();
  // Shutting down: no alarm may stay lit on the panel for a gateway that no longer reports.
  std::uint32_t cleared = 0;
  for (std::uint16_t sensor = 100; sensor < 116; ++sensor) cleared += alarms.clear(sensor).run();

  std::printf("frames %" PRIu32 ": accepted %" PRIu32 ", out of range %" PRIu32 ", corrupt %" PRIu32
              ", unknown kind %" PRIu32 "\n",
              counts.frames, counts.accepted, counts.rejected, counts.corrupt, counts.unknown);
  std::printf("decoded %" PRIu32 ", heartbeats %" PRIu32 ", alarm changes %" PRIu32 " (%" PRIu32
              " cleared at shutdown)\n",
              frames.frames_decoded(), gate.heartbeats(), alarms.changes(), cleared);
  std::puts("store:");
  print_series("climate", store.stats(series::climate));
  print_series("weather", store.stats(series::weather));
  print_series("power", store.stats(series::power));
  std::printf("  held %" PRIu64 " of %" PRIu64 " appended, room %" PRIu32 "; mirror room %" PRIu32 "\n",
              store.held().run(), store.appended(), room_in(store).run(), room_in(mirror).run());
  std::printf("uplink: %" PRIu64 " bytes (summary %zu), checksum %016" PRIx64 "\n", radio.bytes_sent(), summary_bytes,
              radio.checksum());

  if (opts.stats)
    std::fprintf(stderr, "operations %" PRIu32 "\nheap allocations %" PRIu64 "\n", operations, allocations);
  return 0;
}

}  // namespace
}  // namespace telemetry

int main(int argc, char** argv) { return telemetry::run(telemetry::parse_options(argc, argv)); }
