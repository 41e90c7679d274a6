// ProcessTransport: the transport a ProcessProtocol talks to (Twisted's
// IProcessTransport). Implemented by the real Process (process.h) and by
// FakeProcessTransport (fake_process_transport.h); one conformance suite
// (testutil/process_conformance.h) holds both to the same contract.
//
// As a Transport, Write()/WriteSequence() go to the child's stdin (dropped
// silently when there is none or it is closed) and LoseConnection() closes
// stdin, stderr and stdout. Each child fd ends in exactly one
// ChildConnectionLost(fd), whether the child or we closed it.
//
// Example:
//
//   void ConnectionMade() override {
//     transport()->Write("some input\n");
//     transport()->CloseStdin();                   // the child sees EOF
//     absl::Status s = transport()->WriteToChild(3, "x");  // NotFound: no fd 3
//   }
//   void OutReceived(std::string_view data) override {
//     if (data.find("hang") != data.npos) {
//       (void)transport()->SignalProcess("KILL");
//     }
//   }
#ifndef STANDIN_PROCESS_PROCESS_TRANSPORT_H_
#define STANDIN_PROCESS_PROCESS_TRANSPORT_H_

#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "standin/process/child_fd_kind.h"
#include "standin/transport/interfaces.h"

namespace standin {

class ProcessTransport : public virtual Transport {
 public:
  // The child's pid while it runs; nullopt once it has been reaped (so a
  // stale pid is never used to signal an unrelated process).
  virtual std::optional<int> pid() const = 0;

  // Closes our end of the pipe for `child_fd` (a to-child pipe is flushed
  // first). ChildConnectionLost(child_fd) follows. Unknown or already closed
  // fds are ignored (Twisted).
  virtual void CloseChildFD(int child_fd) = 0;
  void CloseStdin() { CloseChildFD(0); }
  void CloseStdout() { CloseChildFD(1); }
  void CloseStderr() { CloseChildFD(2); }

  // Writes to a to-child fd. Once we called CloseChildFD() on it, the
  // bytes are dropped (OK). Otherwise NotFound when `child_fd` is not mapped
  // or its pipe is gone (ChildConnectionLost() came); InvalidArgument when
  // the child writes it rather than reads it.
  virtual absl::Status WriteToChild(int child_fd, std::string_view data) = 0;

  // Sends a signal by portable name ("KILL", "TERM", "INT", ... see
  // signal_names.h) or by number. InvalidArgument for an unknown name or a
  // bad number; FailedPrecondition "process exited already" once the child
  // has exited (Twisted's ProcessExitedAlready).
  virtual absl::Status SignalProcess(std::string_view name) = 0;
  virtual absl::Status SignalProcess(int signo) = 0;

  // Stop / start reading the child's output (every from-child pipe); data
  // stays in the pipe meanwhile, so a chatty child blocks rather than
  // anything being lost.
  virtual void PauseProducing() = 0;
  virtual void ResumeProducing() = 0;
};

}  // namespace standin

#endif  // STANDIN_PROCESS_PROCESS_TRANSPORT_H_
