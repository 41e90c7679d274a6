// StringTransport's writes beside their limit, std::string::append into a
// string reserved up front, both measured in the same iteration:
//
//   BM_Writes/1000000/16/0   1,000,000 writes of 16 bytes, then Value()
//                            (goal: x_limit <= 1.5, held_bytes_per_write
//                            <= 20)
//   BM_Writes/1000000/16/15  the same number of bytes in writes of 1 to 31
//                            bytes, no two consecutive ones the same size:
//                            the event log's cost without runs to count
//   BM_Writes/2000/65536/0   2,000 writes of 64 KiB, then Value()
//
// Each run, ours and the limit alike, happens in a process of its own,
// forked for it, so each starts from the same fresh state and pays for the
// memory it touches. That is the honest choice: a test makes a fresh
// transport and its memory is new to it, and the page faults are a real
// part of what a bigger footprint costs (StringTransport also records the
// event log). In one process whichever ran second reused the pages the
// first had freed (glibc keeps them once the first large free raises its
// mmap threshold), so the limit paid the faults that StringTransport then
// avoided. Prefaulting both instead would hide the footprint entirely.
//
// Every write is a different slice of a pseudo-random pattern. After the
// timed region (in the child) the result is checked: Value() must equal the
// bytes written, and for ours events() must list one Write per call with
// exactly that call's bytes; the limit's string must equal them too.
//
// Counters (medians over iterations, which shrug off another process
// stealing the CPU now and then; *_best from the fastest run):
//   ns_per_write, ns_per_write_best             ours
//   limit_ns_per_write, limit_ns_per_write_best the append loop
//   x_limit                 ours' time / the limit's: the median of the
//                           ratios of the runs of each iteration (>= 1 for a
//                           true limit); x_limit_best compares the fastest
//   faults, limit_faults    minor page faults per run (getrusage)
//   held_bytes_per_write    memory the transport holds after the writes
//                           (MemoryHeld(): heap in use plus private
//                           mappings, at their full size), per write;
//                           limit_held_bytes_per_write likewise
//
//   bazel run --config=opt //transport:string_transport_benchmark
#include <fcntl.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "benchmark/benchmark.h"
#include "standin/transport/string_transport.h"

namespace standin {
namespace {

using Clock = std::chrono::steady_clock;

// `count` writes of `size` bytes each, or, with a `spread`, of sizes
// spread evenly over size - spread .. size + spread (the same mean; no two
// consecutive writes the same size, so the event log cannot count runs);
// write i is the next bytes of a pseudo-random stream whose period no write
// size divides.
class Job {
 public:
  Job(size_t count, size_t size, size_t spread) {
    offsets_.reserve(count + 1);
    offsets_.push_back(0);
    for (size_t i = 0; i < count; ++i) {
      const size_t n =
          spread == 0 ? size : size - spread + (i * 7919) % (2 * spread + 1);
      offsets_.push_back(offsets_.back() + n);
    }
    bytes_.resize(kPeriod + size + spread);
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (size_t i = 0; i < kPeriod; ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      bytes_[i] = static_cast<char>(x);
    }
    for (size_t i = kPeriod; i < bytes_.size(); ++i) {
      bytes_[i] = bytes_[i - kPeriod];
    }
  }
  std::string_view Write(size_t i) const {
    return std::string_view(bytes_).substr(offsets_[i] % kPeriod,
                                           offsets_[i + 1] - offsets_[i]);
  }
  size_t count() const { return offsets_.size() - 1; }
  size_t total() const { return offsets_.back(); }
  // Empty when `value` is exactly the writes, in order; else what differs.
  std::string CheckValue(std::string_view value) const {
    if (value.size() != total()) {
      return "holds " + std::to_string(value.size()) + " bytes, not " +
             std::to_string(total());
    }
    for (size_t i = 0; i < count(); ++i) {
      if (value.substr(offsets_[i], offsets_[i + 1] - offsets_[i]) !=
          Write(i)) {
        return "write " + std::to_string(i) + " differs";
      }
    }
    return "";
  }

 private:
  static constexpr size_t kPeriod = (1 << 20) + 13;
  std::vector<uint64_t> offsets_;  // write i is [offsets_[i], offsets_[i+1])
  std::string bytes_;
};

// What one run reports from its child process.
struct RunResult {
  double seconds = 0;
  long faults = 0;        // minor page faults in the timed region
  double held_bytes = 0;  // heap held by the result after the writes
  char error[160] = "";   // the failed check, if any
};

long MinorFaults() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

// Memory held for data, whoever allocated it: the bytes malloc has handed
// out of its heap (mallinfo2's uordblks) plus every private writable
// mapping other than that heap (VmData less mallinfo2's arena): malloc's
// own mmap()ed blocks, such as the limit's reserved string, and mappings a
// library makes for itself, such as StringTransport's byte buffer once it
// is large. mallinfo2's hblkhd alone would miss the latter. Mappings count
// at their full size, touched or not. Reads /proc with no allocation.
double MemoryHeld() {
  const struct mallinfo2 info = mallinfo2();
  char status[4096];
  const int fd = ::open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) std::abort();
  const ssize_t n = ::read(fd, status, sizeof(status) - 1);
  ::close(fd);
  if (n <= 0) std::abort();
  status[n] = '\0';
  const char* vm_data = std::strstr(status, "VmData:");
  if (vm_data == nullptr) std::abort();
  const double data_bytes =
      std::strtod(vm_data + std::strlen("VmData:"), nullptr) * 1024;
  return static_cast<double>(info.uordblks) + data_bytes -
         static_cast<double>(info.arena);
}

// Runs `run` in a forked child (a fresh process state) and returns what it
// wrote back.
template <typename Run>
RunResult InChild(Run run) {
  int fds[2];
  if (::pipe(fds) != 0) std::abort();
  const pid_t pid = ::fork();
  if (pid < 0) std::abort();
  if (pid == 0) {
    ::close(fds[0]);
    const RunResult result = run();
    const bool sent = ::write(fds[1], &result, sizeof(result)) ==
                      static_cast<ssize_t>(sizeof(result));
    ::_exit(sent ? 0 : 1);
  }
  ::close(fds[1]);
  RunResult result;
  const ssize_t n = ::read(fds[0], &result, sizeof(result));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (n != static_cast<ssize_t>(sizeof(result)) || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    std::snprintf(result.error, sizeof(result.error),
                  "the child process failed (status %d)", status);
  }
  return result;
}

// Times `writes` (which returns the object holding the result), measures
// faults and memory held, then runs `check` on it outside the timed region.
template <typename Writes, typename Check>
RunResult Measure(Writes writes, Check check) {
  RunResult result;
  const double memory_before = MemoryHeld();
  const long faults_before = MinorFaults();
  const Clock::time_point start = Clock::now();
  auto holder = writes();
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.faults = MinorFaults() - faults_before;
  result.held_bytes = MemoryHeld() - memory_before;
  const std::string error = check(*holder);
  std::snprintf(result.error, sizeof(result.error), "%s", error.c_str());
  return result;
}

RunResult RunOurs(const Job& job) {
  return Measure(
      [&] {
        auto transport = std::make_unique<StringTransport>();
        for (size_t i = 0; i < job.count(); ++i) {
          transport->Write(job.Write(i));
          benchmark::ClobberMemory();
        }
        std::string_view value = transport->Value();
        benchmark::DoNotOptimize(value.data());
        return transport;
      },
      [&](const StringTransport& transport) -> std::string {
        if (std::string e = job.CheckValue(transport.Value()); !e.empty()) {
          return "Value() " + e;
        }
        const std::vector<StringTransport::Event> events = transport.events();
        if (events.size() != job.count()) {
          return "events() has " + std::to_string(events.size()) +
                 " events for " + std::to_string(job.count()) + " writes";
        }
        for (size_t i = 0; i < events.size(); ++i) {
          if (events[i] != StringTransport::Event::Write(job.Write(i))) {
            return "event " + std::to_string(i) + " is " +
                   events[i].ToString().substr(0, 40) + ", not that write";
          }
        }
        return "";
      });
}

RunResult RunLimit(const Job& job) {
  return Measure(
      [&] {
        auto sink = std::make_unique<std::string>();
        sink->reserve(job.total());
        for (size_t i = 0; i < job.count(); ++i) {
          sink->append(job.Write(i));
          benchmark::ClobberMemory();
        }
        benchmark::DoNotOptimize(sink->data());
        return sink;
      },
      [&](const std::string& sink) -> std::string {
        std::string e = job.CheckValue(sink);
        return e.empty() ? e : "the string " + e;
      });
}

// The runs of one side, in iteration order.
struct Tally {
  std::vector<double> seconds;
  double faults = 0;
  double held_bytes = 0;
  void Add(const RunResult& r) {
    seconds.push_back(r.seconds);
    faults += static_cast<double>(r.faults);
    held_bytes += r.held_bytes;
  }
  double runs() const { return static_cast<double>(seconds.size()); }
  double Median() const { return MedianOf(seconds); }
  double Best() const {
    return *std::min_element(seconds.begin(), seconds.end());
  }
  // The median over iterations of our time / other's, each pair measured
  // side by side: slow drifts in the machine's load cancel, outliers drop.
  double TimesOf(const Tally& other) const {
    std::vector<double> ratios;
    for (size_t i = 0; i < seconds.size() && i < other.seconds.size(); ++i) {
      ratios.push_back(seconds[i] / other.seconds[i]);
    }
    return MedianOf(ratios);
  }
  static double MedianOf(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
  }
};

void BM_Writes(benchmark::State& state) {
  const Job job(static_cast<size_t>(state.range(0)),
                static_cast<size_t>(state.range(1)),
                static_cast<size_t>(state.range(2)));
  Tally ours, limit;
  bool ours_first = true;
  for (auto _ : state) {
    for (int k = 0; k < 2; ++k) {
      const bool run_ours = (k == 0) == ours_first;
      const RunResult r =
          InChild([&] { return run_ours ? RunOurs(job) : RunLimit(job); });
      if (r.error[0] != '\0') {
        state.SkipWithError(
            (std::string(run_ours ? "ours: " : "limit: ") + r.error).c_str());
        return;
      }
      (run_ours ? ours : limit).Add(r);
      if (run_ours) state.SetIterationTime(r.seconds);
    }
    ours_first = !ours_first;
  }
  const double writes = static_cast<double>(job.count());
  auto& c = state.counters;
  state.SetBytesProcessed(static_cast<int64_t>(job.total()) *
                          state.iterations());
  c["ns_per_write"] = ours.Median() * 1e9 / writes;
  c["ns_per_write_best"] = ours.Best() * 1e9 / writes;
  c["limit_ns_per_write"] = limit.Median() * 1e9 / writes;
  c["limit_ns_per_write_best"] = limit.Best() * 1e9 / writes;
  c["x_limit"] = ours.TimesOf(limit);
  c["x_limit_best"] = ours.Best() / limit.Best();
  c["faults"] = ours.faults / ours.runs();
  c["limit_faults"] = limit.faults / limit.runs();
  // mallinfo2() knows nothing of a sanitizer's allocator: then it is 0.
  if (mallinfo2().arena > 0) {
    c["held_bytes_per_write"] = ours.held_bytes / ours.runs() / writes;
    c["limit_held_bytes_per_write"] = limit.held_bytes / limit.runs() / writes;
  }
}

// Page faults make single runs noisy: take a few seconds of runs.
BENCHMARK(BM_Writes)
    ->Args({1'000'000, 16, 0})
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime()
    ->MinTime(2);
BENCHMARK(BM_Writes)
    ->Args({1'000'000, 16, 15})
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime()
    ->MinTime(2);
BENCHMARK(BM_Writes)
    ->Args({2'000, 64 * 1024, 0})
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime()
    ->MinTime(2);

}  // namespace
}  // namespace standin
