// FakeProcessTransport: an in-memory ProcessTransport with a child the test
// scripts (Twisted's MemoryProcessTransport, made public and given a child).
//
// It is a StringTransportWithDisconnection, so everything written to the
// child's stdin lands in Value() and events(), and it records what the
// protocol did to the process: signals() in call order as given,
// closed_child_fds(). The test plays the child: ChildWrites(), ChildClosesFD(),
// ChildExits(), ChildKilledBy(); with Options::signals_end_child a fatal
// SignalProcess() kills the scripted child. Each drives the ProcessProtocol's
// callbacks in the order a real child does (the conformance suite in
// testutil/process_conformance.h checks it against the real Process):
//
//  * data and EOF on a from-child fd arrive in order; while the protocol has
//    paused us (PauseProducing) they wait, as they would in the pipe;
//  * ChildExits()/ChildKilledBy() close every pipe the child still holds
//    (ChildConnectionLost per fd, ascending), then ProcessExited(); pass
//    FdsOnExit::kKeepOpen to model a grandchild that keeps them open;
//  * ProcessEnded() comes once, last, after the exit AND every fd closed;
//  * the protocol may destroy the transport from ProcessEnded() (the
//    caller of the scripting call that ended it must not touch it after);
//  * callbacks never nest: a call the protocol makes from inside a callback
//    (CloseStdin(), a fatal SignalProcess()) takes effect after that callback
//    returns, as the real Process's would on a later reactor turn.
//
// Example:
//
//   MyProtocol protocol;
//   standin::FakeProcessTransport child(&protocol);  // ConnectionMade() runs
//   protocol.Start();                 // e.g. writes "job\n" to stdin
//   EXPECT_EQ(child.Value(), "job\n");
//   child.ChildWrites(1, "done\n");   // protocol.OutReceived("done\n")
//   child.ChildExits(0);              // ChildConnectionLost(0,1,2),
//                                     // ProcessExited, ProcessEnded (Done)
//   EXPECT_THAT(child.signals(), IsEmpty());
//
// What it cannot model (a real child is needed for these): partial reads
// (ChildWrites() is delivered as one chunk), pipe capacity (a paused fake
// buffers without limit and the child never blocks), EPIPE/SIGPIPE in the
// child when we close its stdin (ChildWrites() to an fd we closed is
// dropped), timing between the exit and the pipes closing, stopped and
// continued children (STOP/CONT are only recorded), a child that handles or
// ignores a fatal signal (script it with ChildExits() instead of
// signals_end_child), and anything else the child does on its own: the test
// must script it.
#ifndef STANDIN_PROCESS_FAKE_PROCESS_TRANSPORT_H_
#define STANDIN_PROCESS_FAKE_PROCESS_TRANSPORT_H_

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/types/span.h"
#include "standin/process/process_protocol.h"
#include "standin/process/process_transport.h"
#include "standin/transport/string_transport.h"

namespace standin {

class FakeProcessTransport : public StringTransportWithDisconnection,
                             public ProcessTransport {
 public:
  // The pid() a fake reports while its child "runs" unless told otherwise.
  static constexpr int kDefaultPid = 4242;

  struct Options {
    // pid() until the child exits; nullopt models a transport without one.
    std::optional<int> pid = kDefaultPid;
    // The child's fds and which way each pipe flows; the default is a
    // stdin pipe and stdout/stderr pipes, as Process::Spawn's default.
    std::map<int, ChildFdKind> child_fds = {{0, ChildFdKind::kToChild},
                                            {1, ChildFdKind::kFromChild},
                                            {2, ChildFdKind::kFromChild}};
    // When true, a SignalProcess() whose signal is fatal by default (TERM,
    // KILL, INT, ...: see IsFatalByDefault()) kills the scripted child, as
    // ChildKilledBy(signo) would.
    bool signals_end_child = false;
    // As StringTransport::Options::lenient.
    bool lenient = false;
  };

  // What ChildExits()/ChildKilledBy() do with the child's pipes.
  enum class FdsOnExit {
    kClose,     // The usual case: the child's exit closes its ends.
    kKeepOpen,  // A grandchild still holds them; ChildClosesFD() each.
  };

  // A signal as the protocol passed it to SignalProcess().
  using Signal = std::variant<std::string, int>;

  // Connects `protocol` (MakeConnection(this), so ConnectionMade() runs now)
  // when it is not null, as spawning a real child does.
  explicit FakeProcessTransport(ProcessProtocol* protocol = nullptr);
  FakeProcessTransport(ProcessProtocol* protocol, Options options);
  FakeProcessTransport(const FakeProcessTransport&) = delete;
  FakeProcessTransport& operator=(const FakeProcessTransport&) = delete;
  ~FakeProcessTransport() override = default;

  // --- The scripted child (test side). Misuse dies with a message. -------

  // The child writes `data` to `child_fd`; the protocol gets
  // ChildDataReceived(child_fd, data) (later, if paused). Dies if `child_fd`
  // is not a from-child fd or the child already closed it. Dropped when we
  // closed our end (a real child would get EPIPE).
  void ChildWrites(int child_fd, std::string_view data);
  // The child closes `child_fd`; ChildConnectionLost(child_fd) follows its
  // pending data. Dies if not mapped or already closed by the child; a no-op
  // when we closed it first.
  void ChildClosesFD(int child_fd);
  // The child exits with `code` (0-255; dies otherwise or if it already
  // ended). See FdsOnExit.
  void ChildExits(int code, FdsOnExit fds = FdsOnExit::kClose);
  // The child is killed by signal `signo` (1 to NSIG-1).
  void ChildKilledBy(int signo, FdsOnExit fds = FdsOnExit::kClose);

  // --- What the protocol did (test side) ---------------------------------

  // Every accepted SignalProcess() call, in order, as given.
  const std::vector<Signal>& signals() const { return signals_; }
  // Child fds the protocol closed with CloseChildFD() (and friends, and
  // LoseConnection()), including unknown ones, sorted.
  const std::set<int>& closed_child_fds() const { return closed_child_fds_; }
  // Bytes written to a to-child fd other than 0 (fd 0 is Value()).
  std::string_view child_input(int child_fd) const;
  // Child fds whose pipes are still open (neither side closed them yet).
  std::set<int> open_child_fds() const;
  // The status ProcessExited() got (or will get), once the child exited.
  const std::optional<absl::Status>& exit_status() const {
    return exit_status_;
  }
  // ProcessEnded() has been delivered.
  bool ended() const { return ended_; }
  ProcessProtocol* process_protocol() const { return process_protocol_; }
  const Options& options() const { return options_; }
  void set_signals_end_child(bool on) { options_.signals_end_child = on; }

  // --- ProcessTransport ------------------------------------------------------
  std::optional<int> pid() const override { return pid_; }
  void CloseChildFD(int child_fd) override;
  absl::Status WriteToChild(int child_fd, std::string_view data) override;
  absl::Status SignalProcess(std::string_view name) override;
  absl::Status SignalProcess(int signo) override;
  // Recorded as StringTransport's (and die on the same misuse); while paused,
  // the child's output waits.
  void PauseProducing() override;
  void ResumeProducing() override;

  // --- Transport: fd 0 ---------------------------------------------------
  // Recorded in Value() while stdin is open; dropped after it closed.
  void Write(std::string_view data) override;
  void WriteSequence(absl::Span<const std::string_view> chunks) override;
  // Records the call, then closes stdin, stderr and stdout (Twisted's order).
  void LoseConnection() override;

  // One line for gtest: StringTransport's (bytes written to stdin, cut with
  // a count; flags; producer), then the pid, the signals, closed and open
  // child fds, child output waiting, the exit.
  std::string DebugString() const override;
  friend void PrintTo(const FakeProcessTransport& transport, std::ostream* os) {
    *os << transport.DebugString();
  }

 private:
  struct Pipe {
    ChildFdKind kind;
    bool closed_by_child = false;  // ChildClosesFD() seen (maybe pending).
    bool lost = false;             // ChildConnectionLost() delivered.
  };
  // One thing the child did, in order. Output (data or EOF on a from-child
  // fd) waits while paused; everything else is delivered regardless.
  struct ChildEvent {
    bool gated = false;
    absl::AnyInvocable<void()> deliver;
  };

  void Post(bool gated, absl::AnyInvocable<void()> deliver);
  // Delivers queued events in order, unless already doing so.
  void Pump();
  void Lose(int child_fd);
  void Exit(absl::Status status, FdsOnExit fds);
  void MaybeEnd();
  absl::Status SendSignal(Signal as_given, int signo);
  bool StdinOpen() const;
  bool Paused() const { return producer_state() == ProducerState::kPaused; }

  ProcessProtocol* process_protocol_;
  Options options_;
  std::optional<int> pid_;
  std::map<int, Pipe> pipes_;
  std::map<int, std::string> child_input_;
  std::vector<Signal> signals_;
  std::set<int> closed_child_fds_;
  std::optional<absl::Status> exit_status_;
  bool exited_ = false;  // Exit posted (the child is gone).
  bool exit_delivered_ = false;
  bool ended_ = false;
  std::deque<ChildEvent> child_events_;
  bool pumping_ = false;
  // Expires when this is destroyed (allowed from ProcessEnded(), the last
  // callback), so Pump() can stop touching it.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace standin

#endif  // STANDIN_PROCESS_FAKE_PROCESS_TRANSPORT_H_
