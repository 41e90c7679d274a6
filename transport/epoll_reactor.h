// EpollReactor: the real Reactor, a single-threaded event loop over Linux
// epoll (level-triggered) with timed calls from a TimerQueue.
//
// Each turn waits for readiness no longer than the earliest timer (so it
// never spins and never oversleeps a deadline by more than the kernel's
// millisecond granularity), dispatches DoRead()/DoWrite() to the ready
// Selectables, then runs one pass of the timers that are due. Failures,
// exceptions and bad descriptors are handled as reactor.h says, for every
// Reactor. Specific to epoll: a hangup or error on the fd
// (EPOLLHUP/EPOLLERR) goes to DoRead() when the selectable is a reader (its
// read() then reports EOF or the errno, after any data still queued), else
// to DoWrite() (whose write() reports EPIPE or the like); a descriptor that
// epoll_ctl() refuses (EBADF, EPERM for a regular file) is treated like a
// negative fileno(), its ConnectionLost() reason carrying the errno.
//
// Example:
//
//   standin::EpollReactor reactor;
//   auto conn = standin::StreamConnection::Adopt(fd, &reactor, &protocol);
//   reactor.CallLater(absl::Seconds(1), [&] { reactor.Stop(); });
//   absl::Status status = reactor.Run();  // returns after Stop()
//
//   // Or drive it yourself, e.g. in a test, until a condition holds:
//   while (!done) ASSERT_OK(reactor.RunOnce(absl::Seconds(1)));
//
// Not thread-safe: call everything from the thread that runs the loop.
#ifndef STANDIN_TRANSPORT_EPOLL_REACTOR_H_
#define STANDIN_TRANSPORT_EPOLL_REACTOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "standin/transport/callback_guard.h"
#include "standin/transport/reactor.h"
#include "standin/transport/timer_queue.h"
#include "standin/transport/unique_fd.h"

namespace standin {

class EpollReactor : public Reactor {
 public:
  // Dies (with the errno) if epoll_create1() fails, as a program without an
  // event loop cannot go on.
  EpollReactor();
  EpollReactor(const EpollReactor&) = delete;
  EpollReactor& operator=(const EpollReactor&) = delete;
  // Closes the epoll fd; registered Selectables are forgotten, not closed.
  // Pending timed calls are cancelled.
  ~EpollReactor() override;

  // Reactor (see reactor.h). GetReaders()/GetWriters() are in no
  // particular order.
  void AddReader(Selectable* selectable) override;
  void AddWriter(Selectable* selectable) override;
  void RemoveReader(Selectable* selectable) override;
  void RemoveWriter(Selectable* selectable) override;
  std::vector<Selectable*> RemoveAll() override;
  std::vector<Selectable*> GetReaders() const override;
  std::vector<Selectable*> GetWriters() const override;
  DelayedCall CallLater(absl::Duration delay,
                        absl::AnyInvocable<void()> callback) override;
  // Monotonic time (CLOCK_MONOTONIC as an absl::Time past the Unix epoch):
  // immune to wall-clock jumps, meaningful only for differences.
  absl::Time Now() const override;

  // Runs turns until Stop(). Returns an error only if epoll_wait() fails
  // for a reason other than EINTR. With nothing registered and no timers it
  // waits forever, as Twisted's reactor does.
  absl::Status Run();
  // Makes Run() return after the current turn. Safe to call from a callback,
  // and before Run() (Run() then does one turn and returns).
  void Stop();
  // One turn: waits up to `timeout` (less if a timer is due sooner; zero
  // polls; absl::InfiniteDuration() waits until something happens), then
  // dispatches ready descriptors and due timers.
  absl::Status RunOnce(absl::Duration timeout);

  // Removes every reader and writer and tells each ConnectionLost() with
  // ConnectionLost("reactor shut down") (what Twisted does at shutdown).
  void DisconnectAll();

  // How many callbacks threw (DoRead(), DoWrite(), ConnectionLost(), timed
  // calls) or otherwise could not be handled; each is also reported on
  // stderr. Twisted logs these; a test can assert zero.
  size_t unhandled_errors() const { return guard_.unhandled_errors(); }
  // Turns completed so far (for tests that prove the loop does not spin).
  uint64_t turns() const { return turns_; }
  // The timed calls, e.g. to count their heap_entries() in a memory test.
  const TimerQueue& timers() const { return timers_; }

 private:
  struct Registration {
    int fd = -1;
    uint64_t id = 0;  // epoll_event data: survives fd reuse.
    bool reading = false;
    bool writing = false;
    // Its fd could not be watched (negative, or epoll_ctl refused it): not
    // in the epoll set; `rejection` tells it on the next turn.
    bool rejected = false;
    DelayedCall rejection;
  };

  void Update(Selectable* selectable, bool reading, bool writing);
  // Registers a selectable whose fd cannot be watched, and schedules its
  // removal with ConnectionLost(reason) for the next turn.
  void Reject(Selectable* selectable, bool reading, bool writing,
              absl::Status reason);
  // Calls DoRead()/DoWrite() on the selectable registered as `id`, if it is
  // still registered for that direction.
  void Dispatch(uint64_t id, uint32_t events);
  // Removes the selectable and calls ConnectionLost(reason) on it.
  void Disconnect(Selectable* selectable, const absl::Status& reason);

  UniqueFd epoll_fd_;
  absl::flat_hash_map<Selectable*, Registration> registrations_;
  absl::flat_hash_map<uint64_t, Selectable*> by_id_;
  // Which Selectable holds each fd in the epoll set; a stale holder (its fd
  // closed without removal) is evicted when the fd number is reused.
  absl::flat_hash_map<int, Selectable*> by_fd_;
  uint64_t next_id_ = 1;
  TimerQueue timers_;
  CallbackGuard guard_{"EpollReactor"};
  bool stopping_ = false;
  uint64_t turns_ = 0;
};

}  // namespace standin

#endif  // STANDIN_TRANSPORT_EPOLL_REACTOR_H_
