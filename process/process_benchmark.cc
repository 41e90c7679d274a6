// Reading a child's stdout through Process on an EpollReactor, beside the
// limit: the same child read with a plain blocking read() loop on a pipe,
// both measured in the same iteration. Also the cost of a whole spawn
// (fork + exec + reap of /bin/true with three pipes, a status pipe and a
// pidfd, through reactor turns) beside bare posix_spawn + waitpid without
// pipes (vfork-style, so the limit is strict).
//
//   bazel run --config=opt //process:process_benchmark
//
// Counters: MiBps / spawn_us are ours, limit_* the raw loop's, and
// x_limit = our time / the limit's time (1.0 = as fast as the raw loop).
#include <fcntl.h>
#include <spawn.h>
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

// Runs argv with stdout on a pipe and reads it with blocking read()s.
size_t RawRead(const std::string& count) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return 0;
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
  for (ssize_t n; (n = ::read(fds[0], buffer, sizeof(buffer))) > 0;) {
    total += static_cast<size_t>(n);
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

void BM_ReadChildStdout(benchmark::State& state) {
  const size_t size = static_cast<size_t>(state.range(0));
  const std::string count = std::to_string(size);
  EpollReactor reactor;
  double ours = 0, limit = 0;
  for (auto _ : state) {
    auto start = Clock::now();
    size_t raw = RawRead(count);
    limit += Seconds(Clock::now() - start);
    start = Clock::now();
    size_t got = ProcessRead(reactor, count);
    ours += Seconds(Clock::now() - start);
    if (raw != size || got != size) {
      state.SkipWithError("short read");
      return;
    }
  }
  const double bytes = static_cast<double>(state.iterations()) * size;
  state.counters["MiBps"] = bytes / ours / (1 << 20);
  state.counters["limit_MiBps"] = bytes / limit / (1 << 20);
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
