// Counts the program's heap allocations (coroutine frames included) through a replaced global
// operator new, so the pipeline can report how many each operation costs.
#pragma once
#include <cstdint>

namespace telemetry {

/// Heap allocations made so far by the whole program.
std::uint64_t heap_allocations() noexcept;

}  // namespace telemetry
