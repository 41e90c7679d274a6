// The cost of moving a timeout, the idle-timeout pattern:
// one timer among `live` timers reset 1,000,000 times, beside two
// references measured in the same run on a heap of the same size with the
// same (deadline, sequence) key:
//  - the limit: a bare array heap that knows where the moving key sits and
//    sifts it (the least work any heap can do to move one deadline);
//  - a plain std::priority_queue doing one push and one pop per reset, the
//    heap work of a lazily-deleting queue (what the issue compares with).
//
//   bazel run --config=opt //transport:timer_queue_benchmark
//
// BM_Reschedule moves the timer with DelayedCall::Reschedule() (in place);
// BM_CancelSchedule cancels it and schedules a new call (a new entry and a
// new callback each time; its limit removes the key and pushes a new one).
// Counters: ns_per_op is ours, limit_ns_per_op the bare heap's, x_limit =
// ours / limit; pq_ns_per_op and x_pq the same for the priority_queue.
// heap_entries is what the queue stores after the 1,000,000 resets (flat:
// `live`; before the indexed heap every reset left a stale entry behind
// until its deadline passed, 1,000,000 here). Times are thread CPU time.
// Results are checked outside the timed region: the queue still holds
// `live` calls, the moved timer is due at its last deadline, and draining
// the queue runs every callback once, the moved timer's exactly once.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <queue>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "standin/testutil/thread_cpu_clock.h"
#include "standin/transport/timer_queue.h"

namespace standin {
namespace {

using CpuClock = testutil::ThreadCpuClock;

constexpr int kResets = 1'000'000;
constexpr absl::Duration kStep = absl::Microseconds(10);  // 100k messages/s
constexpr absl::Duration kTimeout = absl::Seconds(30);

double Seconds(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "timer_queue_benchmark: check failed: %s\n", what);
    std::abort();
  }
}

// The other live timers: deadlines spread over the minute ahead, so the
// moved timer lands mid-heap.
absl::Time FillerDeadline(absl::Time start, int i) {
  return start + absl::Milliseconds((i * 7919) % 60000);
}

// The key both heaps order by.
struct Key {
  absl::Time when;
  uint64_t sequence;
};
bool Before(const Key& a, const Key& b) {
  if (a.when != b.when) return a.when < b.when;
  return a.sequence < b.sequence;
}

// The limit: a bare binary heap of keys that knows where the one moving key
// sits. Moving it is one sift with nothing else to update (only the sifted
// key changes place among the others): the least work any heap can do to
// move a deadline.
class BareHeap {
 public:
  BareHeap(std::vector<Key> keys, Key moving) : keys_(std::move(keys)) {
    std::make_heap(keys_.begin(), keys_.end(),
                   [](const Key& a, const Key& b) { return Before(b, a); });
    keys_.emplace_back();
    moving_ = SiftUp(keys_.size() - 1, moving);
  }
  // Reschedule: give the moving key a new value in place.
  void Move(Key key) {
    moving_ = (moving_ > 0 && Before(key, keys_[(moving_ - 1) / 2]))
                  ? SiftUp(moving_, key)
                  : SiftDown(moving_, key);
  }
  // Cancel + schedule: remove the moving key, push a new one.
  void Replace(Key key) {
    Key last = keys_.back();
    keys_.pop_back();
    if (moving_ < keys_.size()) {
      if (moving_ > 0 && Before(last, keys_[(moving_ - 1) / 2])) {
        SiftUp(moving_, last);
      } else {
        SiftDown(moving_, last);
      }
    }
    keys_.emplace_back();
    moving_ = SiftUp(keys_.size() - 1, key);
  }
  const Key& moving() const { return keys_[moving_]; }
  size_t size() const { return keys_.size(); }

 private:
  size_t SiftUp(size_t i, Key key) {
    while (i > 0 && Before(key, keys_[(i - 1) / 2])) {
      keys_[i] = keys_[(i - 1) / 2];
      i = (i - 1) / 2;
    }
    keys_[i] = key;
    return i;
  }
  size_t SiftDown(size_t i, Key key) {
    const size_t n = keys_.size();
    for (;;) {
      size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && Before(keys_[child + 1], keys_[child])) ++child;
      if (!Before(keys_[child], key)) break;
      keys_[i] = keys_[child];
      i = child;
    }
    keys_[i] = key;
    return i;
  }

  std::vector<Key> keys_;
  size_t moving_ = 0;
};

std::vector<Key> FillerKeys(absl::Time start, int live, uint64_t* sequence) {
  std::vector<Key> keys;
  keys.reserve(static_cast<size_t>(live));
  for (int i = 1; i < live; ++i) {
    keys.push_back({FillerDeadline(start, i), (*sequence)++});
  }
  return keys;
}

double RunLimit(int live, bool cancel) {
  const absl::Time start = absl::UnixEpoch();
  uint64_t sequence = 0;
  std::vector<Key> fillers = FillerKeys(start, live, &sequence);
  BareHeap heap(std::move(fillers), {start + kTimeout, sequence++});
  absl::Time now = start;
  auto begin = CpuClock::now();
  if (cancel) {
    for (int i = 0; i < kResets; ++i) {
      now += kStep;
      heap.Replace({now + kTimeout, sequence++});
    }
  } else {
    for (int i = 0; i < kResets; ++i) {
      now += kStep;
      heap.Move({now + kTimeout, sequence++});
    }
  }
  benchmark::ClobberMemory();
  const double elapsed = Seconds(CpuClock::now() - begin);
  Check(heap.size() == static_cast<size_t>(live), "limit heap size");
  Check(heap.moving().when == now + kTimeout, "limit's last deadline");
  return elapsed;
}

// What the issue measures against: a plain std::priority_queue doing one
// push and one pop per reset on a heap of the same size (the heap work of a
// lazily-deleting timer queue).
double RunPriorityQueue(int live) {
  const absl::Time start = absl::UnixEpoch();
  uint64_t sequence = 0;
  std::vector<Key> keys = FillerKeys(start, live, &sequence);
  keys.push_back({start + kTimeout, sequence++});
  auto later = [](const Key& a, const Key& b) { return Before(b, a); };
  std::priority_queue<Key, std::vector<Key>, decltype(later)> heap(
      later, std::move(keys));
  absl::Time now = start;
  int64_t popped_sum = 0;
  auto begin = CpuClock::now();
  for (int i = 0; i < kResets; ++i) {
    now += kStep;
    heap.push({now + kTimeout, sequence++});
    popped_sum += absl::ToUnixNanos(heap.top().when);
    heap.pop();
  }
  benchmark::DoNotOptimize(popped_sum);
  const double elapsed = Seconds(CpuClock::now() - begin);
  Check(heap.size() == static_cast<size_t>(live), "priority_queue size");
  Check(popped_sum != 0, "priority_queue popped something");
  return elapsed;
}

// Ours: `live` calls in a TimerQueue, one of them moved kResets times.
// `cancel` moves it by Cancel() + Schedule(), else by Reschedule().
double RunOurs(int live, bool cancel, size_t* heap_entries) {
  const absl::Time start = absl::UnixEpoch();
  TimerQueue timers;
  int fillers_run = 0;
  int moved_run = 0;
  for (int i = 1; i < live; ++i) {
    timers.Schedule(FillerDeadline(start, i),
                    [&fillers_run] { ++fillers_run; });
  }
  DelayedCall moved =
      timers.Schedule(start + kTimeout, [&moved_run] { ++moved_run; });
  absl::Time now = start;
  auto begin = CpuClock::now();
  if (cancel) {
    for (int i = 0; i < kResets; ++i) {
      now += kStep;
      moved.Cancel();
      moved = timers.Schedule(now + kTimeout, [&moved_run] { ++moved_run; });
    }
  } else {
    for (int i = 0; i < kResets; ++i) {
      now += kStep;
      if (!moved.Reschedule(now + kTimeout).ok()) std::abort();
    }
  }
  benchmark::ClobberMemory();
  const double elapsed = Seconds(CpuClock::now() - begin);
  *heap_entries = timers.heap_entries();
  Check(timers.heap_entries() == static_cast<size_t>(live), "heap is flat");
  Check(timers.pending_count() == static_cast<size_t>(live), "pending_count");
  Check(moved.active() && moved.time() == now + kTimeout, "last deadline");
  Check(timers.RunDue(absl::InfiniteFuture()) == static_cast<size_t>(live),
        "every call runs");
  Check(fillers_run == live - 1 && moved_run == 1, "each callback once");
  Check(timers.heap_entries() == 0, "drained");
  return elapsed;
}

struct Totals {
  double ours = 0, limit = 0, priority_queue = 0;
  size_t heap_entries = 0;
};

void Run(benchmark::State& state, bool cancel) {
  const int live = static_cast<int>(state.range(0));
  Totals t;
  for (auto _ : state) {
    t.ours += RunOurs(live, cancel, &t.heap_entries);
    t.limit += RunLimit(live, cancel);
    t.priority_queue += RunPriorityQueue(live);
  }
  const double ops = static_cast<double>(state.iterations()) * kResets;
  state.counters["ns_per_op"] = t.ours * 1e9 / ops;
  state.counters["limit_ns_per_op"] = t.limit * 1e9 / ops;
  state.counters["x_limit"] = t.ours / t.limit;
  state.counters["pq_ns_per_op"] = t.priority_queue * 1e9 / ops;
  state.counters["x_pq"] = t.ours / t.priority_queue;
  state.counters["heap_entries"] = static_cast<double>(t.heap_entries);
}

void BM_Reschedule(benchmark::State& state) { Run(state, /*cancel=*/false); }
void BM_CancelSchedule(benchmark::State& state) { Run(state, /*cancel=*/true); }

// live = 2: a periodic timer and the idle timeout (the case);
// 1,000 and 100,000: a busy server's connections.
BENCHMARK(BM_Reschedule)
    ->ArgName("live")
    ->Arg(2)
    ->Arg(1000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CancelSchedule)
    ->ArgName("live")
    ->Arg(2)
    ->Arg(1000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace standin
