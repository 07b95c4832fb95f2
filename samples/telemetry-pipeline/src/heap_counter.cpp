#include "heap_counter.h"

#include <cstdlib>
#include <new>

namespace telemetry {
namespace {
std::uint64_t allocations = 0;  // the pipeline is single-threaded

void* allocate(std::size_t size) {
  ++allocations;
  if (void* memory = std::malloc(size == 0 ? 1 : size)) return memory;
  throw std::bad_alloc();
}
}  // namespace

std::uint64_t heap_allocations() noexcept { return allocations; }

}  // namespace telemetry

// libstdc++'s nothrow forms call these; the pipeline has no over-aligned types.
void* operator new(std::size_t size) { return telemetry::allocate(size); }
void* operator new[](std::size_t size) { return telemetry::allocate(size); }
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete[](void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }
void operator delete[](void* memory, std::size_t) noexcept { std::free(memory); }
