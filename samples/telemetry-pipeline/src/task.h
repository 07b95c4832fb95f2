// The pipeline's coroutine type: a lazy task<T> that starts when awaited and resumes its awaiter
// by symmetric transfer when it finishes, so a chain of awaits runs in constant stack depth.
//
// A task is either a coroutine (it owns the frame) or ready: task<T>::ready(value) holds the
// value itself, so a function that has its answer at hand returns one without allocating a
// coroutine frame, and `co_await` on it never suspends.
#pragma once
#include <coroutine>
#include <cstdio>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace telemetry {

template <typename T = void>
class task;

namespace detail {

/// What a finished coroutine suspends on: it hands control to whoever awaited it.
struct resume_awaiter {
  std::coroutine_handle<> awaiter;
  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<>) const noexcept { return awaiter; }
  void await_resume() const noexcept {}
};

class promise_base {
 public:
  std::suspend_always initial_suspend() const noexcept { return {}; }
  resume_awaiter final_suspend() const noexcept { return {awaiter_}; }
  void unhandled_exception() noexcept { error_ = std::current_exception(); }
  void set_awaiter(std::coroutine_handle<> awaiter) noexcept { awaiter_ = awaiter; }

 protected:
  void rethrow_if_failed() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::coroutine_handle<> awaiter_ = std::noop_coroutine();
  std::exception_ptr error_;
};

template <typename T>
class promise : public promise_base {
 public:
  task<T> get_return_object() noexcept;
  void return_value(T value) { value_.emplace(std::move(value)); }
  T result() {
    rethrow_if_failed();
    return std::move(*value_);
  }

 private:
  std::optional<T> value_;
};

template <>
class promise<void> : public promise_base {
 public:
  task<void> get_return_object() noexcept;
  void return_void() const noexcept {}
  void result() const { rethrow_if_failed(); }
};

/// The value a ready task holds; for task<void>, only that it is ready.
template <typename T>
class ready_state {
 public:
  void set(T value) { value_.emplace(std::move(value)); }
  bool is_set() const noexcept { return value_.has_value(); }
  T take() { return std::move(*value_); }

 private:
  std::optional<T> value_;
};

template <>
class ready_state<void> {
 public:
  void set() noexcept { set_ = true; }
  bool is_set() const noexcept { return set_; }
  void take() const noexcept {}

 private:
  bool set_ = false;
};

}  // namespace detail

template <typename T>
class [[nodiscard]] task {
 public:
  using promise_type = detail::promise<T>;

  /// A task that already holds its value: no coroutine frame.
  template <typename U = T>
    requires(!std::is_void_v<U>)
  static task ready(U value) {
    task t;
    t.ready_.set(std::move(value));
    return t;
  }
  static task ready()
    requires std::is_void_v<T>
  {
    task t;
    t.ready_.set();
    return t;
  }

  task(task&& other) noexcept
      : coroutine_(std::exchange(other.coroutine_, nullptr)), ready_(std::move(other.ready_)) {}
  task& operator=(task&&) = delete;
  ~task() {
    if (coroutine_) coroutine_.destroy();
  }

  /// Starts the coroutine with the awaiting one as its continuation.
  auto operator co_await() && noexcept {
    struct awaiter {
      task& awaited;
      bool await_ready() const noexcept { return awaited.ready_.is_set(); }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<> caller) noexcept {
        awaited.coroutine_.promise().set_awaiter(caller);
        return awaited.coroutine_;
      }
      T await_resume() {
        if (awaited.ready_.is_set()) return awaited.ready_.take();
        return awaited.coroutine_.promise().result();
      }
    };
    return awaiter{*this};
  }

  /// Runs the task to completion on this thread and returns its value. Everything the pipeline
  /// awaits completes synchronously (the transport is in memory), so one resume finishes it.
  T run() && {
    if (!ready_.is_set()) {
      coroutine_.resume();
      if (!coroutine_.done()) {
        std::fputs("task::run: the task suspended on something that never completes\n", stderr);
        std::terminate();
      }
      return coroutine_.promise().result();
    }
    return ready_.take();
  }

 private:
  friend promise_type;
  task() = default;
  explicit task(std::coroutine_handle<promise_type> coroutine) noexcept : coroutine_(coroutine) {}

  std::coroutine_handle<promise_type> coroutine_;
  detail::ready_state<T> ready_;
};

template <typename T>
task<T> detail::promise<T>::get_return_object() noexcept {
  return task<T>(std::coroutine_handle<promise<T>>::from_promise(*this));
}

inline task<void> detail::promise<void>::get_return_object() noexcept {
  return task<void>(std::coroutine_handle<promise<void>>::from_promise(*this));
}

}  // namespace telemetry
