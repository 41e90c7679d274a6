// ProcessProtocol: what a program implements to talk to a child process
// (Twisted's twisted.internet.protocol.ProcessProtocol).
//
// The same subclass runs against the real Process (pipes to a spawned child)
// and against FakeProcessTransport (a scripted child in a unit test). The
// callbacks arrive in the order a real child produces them:
//
//   MakeConnection -> ConnectionMade
//   ChildDataReceived(fd, bytes)*        (fd 1 -> OutReceived, 2 ->
//   ErrReceived) ChildConnectionLost(fd)               once per child fd, after
//   its data ProcessExited(status)                 once, when the child is
//   reaped ProcessEnded(status)                  once, last: after the reap AND
//   after
//                                         every child fd has been closed
//
// ProcessExited() may come before or after the ChildConnectionLost() calls
// (a grandchild can hold a pipe open after the child exits); ProcessEnded()
// is always last. The status says how the child ended (process_status.h).
//
// Example:
//
//   class Collect : public standin::ProcessProtocol {
//    public:
//     void OutReceived(std::string_view data) override { out.append(data); }
//     void ProcessEnded(const absl::Status& status) override {
//       code = standin::ExitCodeOf(status);
//     }
//     std::string out;
//     std::optional<int> code;
//   };
#ifndef STANDIN_PROCESS_PROCESS_PROTOCOL_H_
#define STANDIN_PROCESS_PROCESS_PROTOCOL_H_

#include <string_view>

#include "absl/status/status.h"
#include "standin/process/process_status.h"

namespace standin {

class ProcessTransport;

class ProcessProtocol {
 public:
  virtual ~ProcessProtocol() = default;

  // Stores `transport` and calls ConnectionMade(). Called by the transport
  // when the child has been started (Process::Spawn, FakeProcessTransport's
  // constructor).
  virtual void MakeConnection(ProcessTransport* transport) {
    transport_ = transport;
    ConnectionMade();
  }
  // The child is running; writing to it is allowed from here on.
  virtual void ConnectionMade() {}

  // The child wrote `data` to its descriptor `child_fd`. The default sends
  // fd 1 to OutReceived() and fd 2 to ErrReceived() and ignores the rest.
  virtual void ChildDataReceived(int child_fd, std::string_view data) {
    if (child_fd == 1) {
      OutReceived(data);
    } else if (child_fd == 2) {
      ErrReceived(data);
    }
  }
  // Bytes from the child's stdout / stderr.
  virtual void OutReceived(std::string_view /*data*/) {}
  virtual void ErrReceived(std::string_view /*data*/) {}

  // The pipe for `child_fd` is closed (the child closed its end or exited,
  // or we closed ours). Called once per child fd. The default sends 0/1/2
  // to In/Out/ErrConnectionLost().
  virtual void ChildConnectionLost(int child_fd) {
    if (child_fd == 0) {
      InConnectionLost();
    } else if (child_fd == 1) {
      OutConnectionLost();
    } else if (child_fd == 2) {
      ErrConnectionLost();
    }
  }
  virtual void InConnectionLost() {}
  virtual void OutConnectionLost() {}
  virtual void ErrConnectionLost() {}

  // The child has exited and been reaped; `status` carries the exit code or
  // the signal (ExitCodeOf()/SignalOf()). Its pipes may still hold data.
  virtual void ProcessExited(const absl::Status& /*status*/) {}
  // The child has exited and every one of its pipes is closed: the last
  // callback. The transport may be destroyed from here.
  virtual void ProcessEnded(const absl::Status& /*status*/) {}

  // The transport passed to MakeConnection(), or null before.
  ProcessTransport* transport() const { return transport_; }

 protected:
  ProcessTransport* transport_ = nullptr;
};

}  // namespace standin

#endif  // STANDIN_PROCESS_PROCESS_PROTOCOL_H_
