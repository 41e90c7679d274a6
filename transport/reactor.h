// The event loop interface: readiness of file descriptors and timed calls
// (Twisted's IReactorFDSet + IReactorTime).
//
// EpollReactor implements it over epoll; testutil's MemoryReactor implements
// it in memory with a clock that moves only when the test says so. Code that
// takes a Reactor* runs unchanged on either.
//
// Example:
//
//   standin::EpollReactor reactor;
//   standin::DelayedCall timeout =
//       reactor.CallLater(absl::Seconds(5), [&] { reactor.Stop(); });
//   reactor.AddReader(&connection);   // a Selectable, e.g. a FileDescriptor
//   reactor.Run();                    // until Stop()
//   timeout.Cancel();                 // harmless if it already ran
#ifndef STANDIN_TRANSPORT_REACTOR_H_
#define STANDIN_TRANSPORT_REACTOR_H_

#include <memory>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "standin/transport/timer_queue.h"

namespace standin {

// Something a reactor watches: a file descriptor plus what to do when it is
// readable or writable (Twisted's IReadDescriptor/IWriteDescriptor in one).
class Selectable {
 public:
  virtual ~Selectable() = default;
  virtual int fileno() const = 0;
  // Called when fileno() is readable (or hung up). A non-OK result ends the
  // connection: the reactor removes this selectable as reader and writer and
  // calls ConnectionLost() with that status.
  virtual absl::Status DoRead() { return absl::OkStatus(); }
  // Called when fileno() is writable; non-OK as for DoRead().
  virtual absl::Status DoWrite() { return absl::OkStatus(); }
  // The reactor gave up on this selectable (see DoRead()).
  virtual void ConnectionLost(const absl::Status& /*reason*/) {}
};

class Reactor {
 public:
  virtual ~Reactor() = default;

  // Start/stop watching `selectable` for readability/writability. Adding
  // twice is a no-op, so is removing something not added. A selectable
  // removed during dispatch is never called again for that turn.
  virtual void AddReader(Selectable* selectable) = 0;
  virtual void AddWriter(Selectable* selectable) = 0;
  virtual void RemoveReader(Selectable* selectable) = 0;
  virtual void RemoveWriter(Selectable* selectable) = 0;
  // Removes every reader and writer; returns them (each once).
  virtual std::vector<Selectable*> RemoveAll() = 0;
  virtual std::vector<Selectable*> GetReaders() const = 0;
  virtual std::vector<Selectable*> GetWriters() const = 0;

  // Runs `callback` once, `delay` from Now() (a negative delay means "on the
  // next turn"). Calls due at the same time run in the order scheduled.
  virtual DelayedCall CallLater(absl::Duration delay,
                                absl::AnyInvocable<void()> callback) = 0;
  virtual absl::Time Now() const = 0;
};

}  // namespace standin

#endif  // STANDIN_TRANSPORT_REACTOR_H_
