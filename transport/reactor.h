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
// A Selectable must be removed (as reader and writer) before it is
// destroyed; FileDescriptor does so in its destructor.
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
  // The reactor gave up on this selectable (see DoRead()); it is no longer
  // registered when this runs, and may destroy itself.
  virtual void ConnectionLost(const absl::Status& /*reason*/) {}
};

// What every Reactor guarantees (testutil's reactor conformance suite holds
// EpollReactor and MemoryReactor to it):
//
// A turn dispatches DoRead()/DoWrite() to the selectables that are ready,
// then runs one pass of the timed calls that are due.
//  - A selectable removed during dispatch (by itself or another callback)
//    is not called again that turn; one added during dispatch is first
//    called on a later turn. fileno() is not called after removal.
//  - DoRead()/DoWrite() returning non-OK, or throwing: the selectable is
//    removed as reader and writer and told ConnectionLost() with that status
//    (an exception becomes kInternal, "DoRead threw: <what()>"). A
//    selectable whose fileno() turns negative during its callback is removed
//    and told ConnectionLost(ConnectionLost("file descriptor lost")).
//  - A selectable whose fileno() is negative when added cannot be watched.
//    The Add*() call (which returns nothing) records it like any other, so
//    GetReaders()/GetWriters()/Remove*() see it, and on the next turn the
//    reactor removes it and tells it ConnectionLost(kInvalidArgument, naming
//    the fileno), unless it was removed first. Never a crash, never a silent
//    drop: Twisted's select reactor likewise disconnects descriptors it
//    cannot watch.
//  - No exception escapes the reactor: one thrown by a timed call or by
//    ConnectionLost() is caught, counted (unhandled_errors() on both
//    reactors) and reported on stderr, and the turn goes on (Twisted logs
//    them). Throwing DoRead()/DoWrite() count too.
//
// Timed calls (the ordering is TimerQueue's, see timer_queue.h): due calls
// run earliest deadline first, FIFO among equal deadlines; a call scheduled
// during a pass, or rescheduled during one, runs on a later pass, so a
// callback that reschedules itself with zero delay cannot starve the loop;
// a rescheduled call queues behind those already due at its new deadline;
// a call never runs before its deadline (time() <= Now() inside it); a
// cancelled call never runs; a handle may outlive the reactor.
class Reactor {
 public:
  virtual ~Reactor() = default;

  // Start/stop watching `selectable` for readability/writability. Adding
  // twice is a no-op, so is removing something not added.
  virtual void AddReader(Selectable* selectable) = 0;
  virtual void AddWriter(Selectable* selectable) = 0;
  virtual void RemoveReader(Selectable* selectable) = 0;
  virtual void RemoveWriter(Selectable* selectable) = 0;
  // Removes every reader and writer; returns them (each once). None is told
  // ConnectionLost().
  virtual std::vector<Selectable*> RemoveAll() = 0;
  virtual std::vector<Selectable*> GetReaders() const = 0;
  virtual std::vector<Selectable*> GetWriters() const = 0;

  // Runs `callback` once, `delay` from Now() (zero or negative: on the next
  // pass; a negative delay puts it ahead of calls due now). Calls due at the
  // same time run in the order scheduled.
  virtual DelayedCall CallLater(absl::Duration delay,
                                absl::AnyInvocable<void()> callback) = 0;
  virtual absl::Time Now() const = 0;
};

}  // namespace standin

#endif  // STANDIN_TRANSPORT_REACTOR_H_
