// Reading a child's stdout through Process on an EpollReactor, beside the
// limit: the same child read from a plain pipe by a raw loop, in two shapes
// (blocking read()s; epoll and read until EAGAIN), the faster of which is
// the limit (label), all measured in the same iteration, all on one CPU
// (see PinToThisCpu). Also the cost of a
// whole spawn (fork + exec + reap of /bin/true with three pipes, a status pipe
// and a pidfd, through reactor turns) beside bare posix_spawn + waitpid without
// pipes (vfork-style, so the limit is strict).
//
//   bazel run --config=opt //process:process_benchmark
//
// Counters: MiBps / spawn_us are ours, limit_* the raw loop's, and
// x_limit = our time / the limit's time (1.0 = as fast as the raw loop).
#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "benchmark/benchmark.h"
#include "standin/process/process.h"
#include "standin/transport/epoll_reactor.h"

extern char** environ;

namespace standin {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

class Counting : public ProcessProtocol {
 public:
  void OutReceived(std::string_view data) override { bytes += data.size(); }
  void ProcessEnded(const absl::Status&) override { ended = true; }
  size_t bytes = 0;
  bool ended = false;
};

// Runs `head -c count /dev/zero` with stdout on a pipe and reads it all:
// with blocking read()s, or (`use_epoll`) non-blocking, each wakeup of an
// epoll set holding the pipe read until EAGAIN, as a reactor does. Neither
// shape always wins: a blocking reader wakes for each of head's 8 KiB writes,
// an epoll reader takes what piled up meanwhile (64 MiB: ours beat the
// blocking loop 1.28x).
size_t RawRead(const std::string& count, bool use_epoll) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return 0;
  // Non-blocking on the reader's end only: head's writes still block.
  if (use_epoll) ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  const char* argv[] = {"head", "-c", count.c_str(), "/dev/zero", nullptr};
  pid_t pid;
  posix_spawnp(&pid, "head", &actions, nullptr, const_cast<char**>(argv),
               environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  static char buffer[256 * 1024];
  size_t total = 0;
  if (use_epoll) {
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event event{};
    event.events = EPOLLIN;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &event);
    for (bool eof = false; !eof;) {
      if (::epoll_wait(ep, &event, 1, -1) < 0) continue;  // EINTR
      while (true) {
        const ssize_t n = ::read(fds[0], buffer, sizeof(buffer));
        if (n <= 0) {
          eof = n == 0;
          break;  // EOF, or EAGAIN: wait again
        }
        total += static_cast<size_t>(n);
      }
    }
    ::close(ep);
  } else {
    for (ssize_t n; (n = ::read(fds[0], buffer, sizeof(buffer))) > 0;) {
      total += static_cast<size_t>(n);
    }
  }
  ::close(fds[0]);
  int status;
  ::waitpid(pid, &status, 0);
  return total;
}

size_t ProcessRead(EpollReactor& reactor, const std::string& count) {
  Counting protocol;
  auto child = Process::Spawn(&reactor, &protocol,
                              {.argv = {"head", "-c", count, "/dev/zero"}});
  if (!child.ok()) return 0;
  while (!protocol.ended) (void)reactor.RunOnce(absl::Seconds(1));
  return protocol.bytes;
}

// Pins the calling thread, and so every child it spawns, to the CPU it is
// on, until destroyed. Where a child runs depends on how it was spawned
// (posix_spawn's exec moves it to an idle CPU, a fork stays put), and a pipe
// between two CPUs of a VM costs about twice one within a CPU: unpinned,
// 64 MiB, ours (fork) was 2x both raw loops (posix_spawn), which compared
// placements, not code.
class PinToThisCpu {
 public:
  PinToThisCpu() {
    pinned_ = ::sched_getaffinity(0, sizeof(saved_), &saved_) == 0;
    const int cpu = ::sched_getcpu();
    if (!pinned_ || cpu < 0) {
      pinned_ = false;
      return;
    }
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    pinned_ = ::sched_setaffinity(0, sizeof(one), &one) == 0;
  }
  ~PinToThisCpu() {
    if (pinned_) ::sched_setaffinity(0, sizeof(saved_), &saved_);
  }
  bool pinned() const { return pinned_; }

 private:
  cpu_set_t saved_;
  bool pinned_ = false;
};

void BM_ReadChildStdout(benchmark::State& state) {
  const size_t size = static_cast<size_t>(state.range(0));
  const PinToThisCpu pin;
  const std::string count = std::to_string(size);
  EpollReactor reactor;
  // Seconds of ours, the blocking limit and the epoll limit; they take
  // turns going first.
  double seconds[3] = {0, 0, 0};
  int turn = 0;
  for (auto _ : state) {
    for (int k = 0; k < 3; ++k) {
      const int who = (turn + k) % 3;
      const auto start = Clock::now();
      const size_t got = who == 0 ? ProcessRead(reactor, count)
                                  : RawRead(count, /*use_epoll=*/who == 2);
      seconds[who] += Seconds(Clock::now() - start);
      if (got != size) {
        state.SkipWithError("short read");
        return;
      }
    }
    ++turn;
  }
  // The limit is the faster shape here.
  const bool epoll_wins = seconds[2] < seconds[1];
  const double ours = seconds[0], limit = seconds[epoll_wins ? 2 : 1];
  const double bytes = static_cast<double>(state.iterations()) * size;
  state.SetLabel(std::string(epoll_wins ? "limit=epoll" : "limit=blocking") +
                 (pin.pinned() ? " one-cpu" : " unpinned"));
  state.counters["MiBps"] = bytes / ours / (1 << 20);
  state.counters["limit_MiBps"] = bytes / limit / (1 << 20);
  state.counters["blocking_MiBps"] = bytes / seconds[1] / (1 << 20);
  state.counters["epoll_MiBps"] = bytes / seconds[2] / (1 << 20);
  state.counters["x_limit"] = ours / limit;
}
BENCHMARK(BM_ReadChildStdout)
    ->Arg(1 << 20)
    ->Arg(64 << 20)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_SpawnAndReap(benchmark::State& state) {
  EpollReactor reactor;
  double ours = 0, limit = 0;
  for (auto _ : state) {
    auto start = Clock::now();
    {
      const char* argv[] = {"/bin/true", nullptr};
      pid_t pid;
      posix_spawn(&pid, "/bin/true", nullptr, nullptr, const_cast<char**>(argv),
                  environ);
      int status;
      ::waitpid(pid, &status, 0);
    }
    limit += Seconds(Clock::now() - start);
    start = Clock::now();
    {
      Counting protocol;
      auto child = Process::Spawn(&reactor, &protocol, {.argv = {"/bin/true"}});
      while (child.ok() && !protocol.ended) {
        (void)reactor.RunOnce(absl::Seconds(1));
      }
    }
    ours += Seconds(Clock::now() - start);
  }
  const double n = static_cast<double>(state.iterations());
  state.counters["spawn_us"] = ours * 1e6 / n;
  state.counters["limit_spawn_us"] = limit * 1e6 / n;
  state.counters["x_limit"] = ours / limit;
}
BENCHMARK(BM_SpawnAndReap)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace standin
