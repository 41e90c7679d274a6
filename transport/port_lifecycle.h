// PortLifecycle: the life of a port that reads datagrams (UdpPort,
// TuntapPort) as one explicit state — idle, listening, stopping, stopped —
// together with the port's registration as a reactor reader and the stop
// that finishes on the next reactor turn.
//
// A datagram port is not a FileDescriptor (that is the byte-stream
// machinery: write buffer, producers, half-close); what such ports share is
// this small part. Reading is registered only while listening and not
// paused. A stop ends reading at once, also from inside a read loop (which
// checks reading() after each datagram), but finishes — the port's `finish`
// step, then the callbacks that waited — on the next reactor turn, never
// inside the caller (Twisted's deferLater(reactor, 0, ...)), so a protocol
// that stops the port from a callback never has it closed under it.
//
// Example (the shape of TuntapPort):
//
//   class MyPort : public standin::Selectable, public standin::Producer {
//    public:
//     explicit MyPort(standin::Reactor* reactor)
//         : life_(this, reactor, [this] { fd_.reset(); }) {}
//     void Listen() { fd_ = Open(); life_.StartListening(); }
//     void Stop(absl::AnyInvocable<void()> done) {
//       life_.Stop(std::move(done));     // `done` runs after fd_.reset()
//     }
//     void PauseProducing() override { life_.StopReading(); }
//     void ResumeProducing() override { life_.StartReading(); }
//     absl::Status DoRead() override {
//       while (life_.reading()) { ... read one, deliver it ... }
//       return absl::OkStatus();
//     }
//     ...
//    private:
//     standin::UniqueFd fd_;
//     standin::PortLifecycle life_;  // after what `finish` touches
//   };
#ifndef STANDIN_TRANSPORT_PORT_LIFECYCLE_H_
#define STANDIN_TRANSPORT_PORT_LIFECYCLE_H_

#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "standin/transport/reactor.h"
#include "standin/transport/timer_queue.h"

namespace standin {

class PortLifecycle {
 public:
  // It only moves forward: a stopped port is not started again.
  enum class State {
    kIdle,       // Constructed; not listening yet.
    kListening,  // StartListening() ran; reading unless paused.
    kStopping,   // Stop() ran; the finish is due on the next reactor turn.
    kStopped,    // Finished (or abandoned).
  };

  // `port` is what is registered with `reactor` as a reader; both must
  // outlive this. `finish` (may be null) runs once, when a stop finishes,
  // before the callbacks that waited for it. Either may destroy the owner
  // (and this): a finish touches nothing of this after calling them.
  PortLifecycle(Selectable* port, Reactor* reactor,
                absl::AnyInvocable<void()> finish);
  PortLifecycle(const PortLifecycle&) = delete;
  PortLifecycle& operator=(const PortLifecycle&) = delete;
  // Abandon(): nothing pending runs.
  ~PortLifecycle();

  // kIdle -> kListening, and starts reading. Dies unless idle (a port
  // listens once; the owner checks and returns a status first).
  void StartListening();

  // Registers the port as a reader when listening (always telling the
  // reactor, so after Reactor::RemoveAll() this re-adds it); otherwise a
  // no-op, so a resume after a stop never reads.
  void StartReading();
  // Unregisters the port; reading() turns false at once.
  void StopReading();

  // Listening: stops reading now, -> kStopping, and on the next reactor
  // turn -> kStopped, `finish`, then `on_stopped`. Stopping: `on_stopped`
  // (may be null) joins those waiting. Idle or stopped: `on_stopped` runs
  // now.
  void Stop(absl::AnyInvocable<void()> on_stopped = nullptr);
  // Finishes now what Stop() would finish on the next turn (e.g. the
  // reactor gave up on the port, or its owner is being destroyed and owes
  // the notification): listening or stopping -> kStopped, reading stops,
  // `finish`, then the waiting callbacks. Idle or stopped: nothing.
  void FinishNow();
  // Unregisters the port and drops a pending finish and its callbacks
  // without running them; -> kStopped. The owner's destructor calls it
  // before closing its descriptor, so the reactor never sees a stale one.
  void Abandon();

  State state() const { return state_; }
  bool listening() const { return state_ == State::kListening; }
  // Listening and not paused: a read loop goes on while this holds.
  bool reading() const { return reading_; }

 private:
  Selectable* const port_;
  Reactor* const reactor_;
  absl::AnyInvocable<void()> finish_;
  State state_ = State::kIdle;
  bool reading_ = false;
  DelayedCall finish_call_;
  std::vector<absl::AnyInvocable<void()>> on_stopped_;
};

// "idle", "listening", "stopping", "stopped".
std::string_view ToString(PortLifecycle::State state);

}  // namespace standin

#endif  // STANDIN_TRANSPORT_PORT_LIFECYCLE_H_
