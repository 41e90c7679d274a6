// ThreadCpuClock: the calling thread's CPU time as a std::chrono clock, for
// benchmarks that time their own batches.
//
// The machines that run the benchmarks are shared, so wall time would count
// a batch's preemption against whichever side (ours or the limit) was
// running; CPU time of the thread does not.
//
// Example:
//
//   using Clock = standin::testutil::ThreadCpuClock;
//   Clock::time_point start = Clock::now();
//   RunBatch();
//   double seconds = std::chrono::duration<double>(Clock::now() - start)
//                        .count();
#ifndef STANDIN_TESTUTIL_THREAD_CPU_CLOCK_H_
#define STANDIN_TESTUTIL_THREAD_CPU_CLOCK_H_

#include <time.h>

#include <chrono>
#include <cstdint>

namespace standin::testutil {

struct ThreadCpuClock {
  using rep = int64_t;
  using period = std::nano;
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<ThreadCpuClock, duration>;
  static constexpr bool is_steady = true;

  static time_point now() {
    timespec ts;
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return time_point(duration(int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec));
  }
};

}  // namespace standin::testutil

#endif  // STANDIN_TESTUTIL_THREAD_CPU_CLOCK_H_
