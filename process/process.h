// Process: a real child process as a ProcessTransport on a Reactor
// (Twisted's twisted.internet.process.Process).
//
// Spawn() forks and execs argv with the given environment, working directory
// and child-fd map. Each mapped child fd is a pipe whose parent end is a
// non-blocking FileDescriptor on the reactor (buffered writes, EOF and
// errors as ChildConnectionLost()); the child is watched through a pidfd, so
// the exit is noticed without SIGCHLD handlers and it is reaped exactly once.
// Signals go through pidfd_send_signal(): a signal can never reach another
// process that reused the pid, and after the reap SignalProcess() is
// FailedPrecondition. Every descriptor is O_CLOEXEC; the child gets exactly
// the fds in the map. The callback order is ProcessProtocol's (checked by
// testutil/process_conformance.h against FakeProcessTransport).
//
// Example:
//
//   standin::EpollReactor reactor;
//   MyProtocol protocol;  // a ProcessProtocol
//   absl::StatusOr<std::unique_ptr<standin::Process>> child =
//       standin::Process::Spawn(&reactor, &protocol,
//                               {.argv = {"sort", "-r"}});
//   if (!child.ok()) return child.status();  // e.g. NotFound naming "sort"
//   (*child)->Write("a\nb\n");
//   (*child)->CloseStdin();
//   while (!protocol.ended) (void)reactor.RunOnce(absl::Seconds(1));
//
// Without pidfds (Linux before 5.3) the exit is noticed through SIGCHLD
// instead (see Reaping). Spawn() uses fork(): call it from the reactor's
// thread; other threads' locks are not touched in the child, which only
// calls async-signal-safe functions before exec.
#ifndef STANDIN_PROCESS_PROCESS_H_
#define STANDIN_PROCESS_PROCESS_H_

#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "standin/process/process_protocol.h"
#include "standin/process/process_transport.h"
#include "standin/transport/address.h"
#include "standin/transport/reactor.h"
#include "standin/transport/unique_fd.h"

namespace standin {

namespace process_internal {
class ChildPipe;
class ExitWatcher;
class SigchldWakeup;
}  // namespace process_internal

class Process : public ProcessTransport {
 public:
  // How the child's exit is noticed.
  enum class Reaping {
    // A pidfd on the reactor (Linux 5.3+); SIGCHLD when there is none.
    kAuto,
    // SIGCHLD: a process-wide handler (chaining any previous one) wakes a
    // self-pipe on the reactor, then waitpid() on this child's pid. For old
    // kernels; forcing it lets tests cover the fallback.
    kSigchld,
  };

  struct Options {
    // The program and its arguments. argv[0] is run: searched on PATH (from
    // `env` when it sets PATH, else ours) when it contains no '/'.
    std::vector<std::string> argv;
    // The child's environment as "NAME=value" strings; nullopt inherits ours.
    std::optional<std::vector<std::string>> env;
    // The child's working directory; nullopt keeps ours.
    std::optional<std::string> cwd;
    // Child fds backed by pipes, and which way each flows. The default is
    // Twisted's: stdin we write, stdout and stderr we read.
    std::map<int, ChildFdKind> child_fds = {{0, ChildFdKind::kToChild},
                                            {1, ChildFdKind::kFromChild},
                                            {2, ChildFdKind::kFromChild}};
    // Child fds that share one of our descriptors instead (child fd ->
    // our fd), e.g. {{2, 2}} passes our stderr through. Not watched.
    std::map<int, int> inherited_fds;
    Reaping reaping = Reaping::kAuto;

    // "Process::Options{argv ["cat", "-"], child fds {0 to child, ...}}";
    // env, cwd, inherited fds and reaping only when set.
    friend void PrintTo(const Options& options, std::ostream* os);
  };

  // Starts the child and connects `protocol` (MakeConnection(), so
  // ConnectionMade() runs before this returns). `reactor` and `protocol`
  // must outlive the Process. Errors, each naming the offending input:
  // InvalidArgument (empty argv, a negative or doubly mapped child fd),
  // NotFound (argv[0] not on PATH), the errno's code for a failed exec or
  // chdir ("cannot execute \"/no/such\": No such file or directory
  // [ENOENT]"); a child that could not exec is reaped before returning.
  static absl::StatusOr<std::unique_ptr<Process>> Spawn(
      Reactor* reactor, ProcessProtocol* protocol, Options options);

  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  // Closes our pipe ends without calling the protocol. A child still
  // running is killed (SIGKILL) and reaped, so it never lingers as a zombie.
  // The protocol may destroy the Process from inside any of its callbacks.
  ~Process() override;

  // The program actually executed (argv[0] resolved on PATH).
  const std::string& executable() const { return executable_; }
  // True once ProcessEnded() has been delivered.
  bool ended() const { return ended_; }
  // The status ProcessExited() got, once the child was reaped.
  const std::optional<absl::Status>& exit_status() const {
    return exit_status_;
  }
  // Child fds whose pipes are still open.
  std::set<int> open_child_fds() const;

  // --- ProcessTransport ---------------------------------------------------
  std::optional<int> pid() const override { return pid_; }
  void CloseChildFD(int child_fd) override;
  absl::Status WriteToChild(int child_fd, std::string_view data) override;
  absl::Status SignalProcess(std::string_view name) override;
  absl::Status SignalProcess(int signo) override;
  void PauseProducing() override;
  void ResumeProducing() override;

  // --- Transport: stdin ---------------------------------------------------
  // To child fd 0; dropped when there is none or it was closed.
  void Write(std::string_view data) override;
  void WriteSequence(absl::Span<const std::string_view> chunks) override;
  // Closes stdin, stderr and stdout (Twisted's order).
  void LoseConnection() override;
  Address GetPeer() const override { return ProcessAddress{}; }
  Address GetHost() const override { return ProcessAddress{}; }
  // A producer for stdin; without a stdin pipe it is stopped at once.
  absl::Status RegisterProducer(Producer* producer, bool streaming) override;
  void UnregisterProducer() override;

  // One line for gtest: pid, executable, open child fds, exit, ended.
  friend void PrintTo(const Process& process, std::ostream* os);

 private:
  friend class process_internal::ChildPipe;
  friend class process_internal::ExitWatcher;

  Process(Reactor* reactor, ProcessProtocol* protocol, int pid, UniqueFd pidfd,
          std::unique_ptr<process_internal::SigchldWakeup> wakeup,
          std::string executable);

  // From the pipes and the exit watcher.
  void OnChildData(int child_fd, std::string_view data);
  void OnPipeLost(int child_fd);
  void OnReaped(absl::Status status);
  void MaybeEnd();
  process_internal::ChildPipe* WritablePipe(int child_fd) const;

  Reactor* reactor_;
  ProcessProtocol* protocol_;
  std::optional<int> pid_;
  UniqueFd pidfd_;  // None when reaping through SIGCHLD.
  std::unique_ptr<process_internal::SigchldWakeup> wakeup_;
  std::string executable_;
  std::map<int, std::unique_ptr<process_internal::ChildPipe>> pipes_;
  std::set<int> closed_by_us_;  // Only fds that had a pipe.
  std::unique_ptr<process_internal::ExitWatcher> watcher_;
  std::optional<absl::Status> exit_status_;
  bool watching_ = false;  // watcher_ is registered with the reactor.
  bool paused_ = false;
  bool ended_ = false;
  // Expires when this is destroyed, so a callback path can tell whether
  // the protocol destroyed us (allowed from ProcessEnded()).
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace standin

#endif  // STANDIN_PROCESS_PROCESS_H_
