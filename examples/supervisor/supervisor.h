// Supervisor: keeps one child process running. It starts the child, forwards
// each line the child writes to stdout or stderr with a prefix, and when the
// child fails (non-zero exit or a signal) starts it again after a delay, up
// to a fixed number of restarts. A child that exits 0 is done.
//
// The child comes from a ProcessSpawner, so the same Supervisor runs real
// children (RealProcessSpawner, supervisor_demo.cc) and FakeProcessTransports
// in its unit test (FakeProcessSpawner on a MemoryReactor), where restarts
// and delays are scripted and time only moves when the test says so.
//
// Example:
//
//   standin::EpollReactor reactor;
//   standin::RealProcessSpawner spawner(&reactor);
//   standin::examples::Supervisor supervisor(
//       &reactor, &spawner,
//       {.name = "worker",
//        .child = {.argv = {"./worker"}},
//        .max_restarts = 3,
//        .restart_delay = absl::Seconds(1)},
//       [](std::string_view line) { std::cout << line << "\n"; });
//   supervisor.Start();
//   while (!supervisor.finished()) (void)reactor.RunOnce(absl::Seconds(1));
//   // Lines look like "[worker] out: hello", "[worker] exited with code 3;
//   // restart 1 of 3 in 1s", "[worker] ... gave up after 3 restarts".
#ifndef STANDIN_EXAMPLES_SUPERVISOR_SUPERVISOR_H_
#define STANDIN_EXAMPLES_SUPERVISOR_SUPERVISOR_H_

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "standin/process/process.h"
#include "standin/process/process_protocol.h"
#include "standin/process/process_spawner.h"
#include "standin/process/process_transport.h"
#include "standin/transport/reactor.h"
#include "standin/transport/timer_queue.h"

namespace standin::examples {

class Supervisor {
 public:
  struct Options {
    // Shown in brackets before every line.
    std::string name = "child";
    // What to run, each time.
    Process::Options child;
    // How many times a failed child is started again.
    int max_restarts = 3;
    // Wait before each restart (so a crashing child does not spin).
    absl::Duration restart_delay = absl::Seconds(1);
  };
  // Receives each output line, without its newline.
  using Output = std::function<void(std::string_view line)>;

  enum class State {
    kIdle,       // Start() not called yet.
    kRunning,    // A child is running.
    kWaiting,    // A child failed; a restart is scheduled.
    kSucceeded,  // The child exited 0.
    kGaveUp,     // The child failed and no restarts are left.
    kStopped,    // Stop() ended it.
  };

  // `reactor` (for restart delays) and `spawner` must outlive this.
  Supervisor(Reactor* reactor, ProcessSpawner* spawner, Options options,
             Output output);
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;
  // Cancels a pending restart; a running child's transport is destroyed
  // (a real Process kills and reaps it).
  ~Supervisor();

  // Starts the first child. Dies if called twice.
  void Start();
  // Sends TERM to the running child (or cancels a pending restart); no more
  // restarts. The state becomes kStopped once the child has ended.
  void Stop();

  State state() const { return state_; }
  // kSucceeded, kGaveUp or kStopped.
  bool finished() const;
  // Restarts made so far.
  int restarts() const { return restarts_; }
  // How the last child ended (or why it could not start).
  const std::optional<absl::Status>& last_status() const {
    return last_status_;
  }
  // The running child, or null.
  ProcessTransport* child() const;

 private:
  class ChildProtocol;

  void Spawn();
  void ChildEnded(const absl::Status& status);
  void Failed(const absl::Status& status, std::string_view what);
  void Emit(std::string_view text);

  Reactor* reactor_;
  ProcessSpawner* spawner_;
  Options options_;
  Output output_;
  State state_ = State::kIdle;
  int restarts_ = 0;
  bool stopping_ = false;
  std::optional<absl::Status> last_status_;
  // The current (or last) child; an ended one is kept until the next
  // Spawn(), so it is never destroyed inside its own callbacks.
  std::unique_ptr<ChildProtocol> protocol_;
  std::unique_ptr<ProcessTransport> transport_;
  DelayedCall restart_;
};

std::string ToString(Supervisor::State state);
inline std::ostream& operator<<(std::ostream& os, Supervisor::State state) {
  return os << ToString(state);
}

}  // namespace standin::examples

#endif  // STANDIN_EXAMPLES_SUPERVISOR_SUPERVISOR_H_
