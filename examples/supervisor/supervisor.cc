#include "standin/examples/supervisor/supervisor.h"

#include <cstdlib>
#include <iostream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "standin/process/process_status.h"

namespace standin::examples {

// Splits one child's output into lines and tells the Supervisor when the
// child has ended. One per child, so a late callback from an old child can
// never be mistaken for the new one's.
class Supervisor::ChildProtocol : public ProcessProtocol {
 public:
  explicit ChildProtocol(Supervisor* supervisor) : supervisor_(supervisor) {}

  void ChildDataReceived(int fd, std::string_view data) override {
    std::string& pending = fd == 2 ? err_ : out_;
    pending.append(data);
    size_t start = 0;
    for (size_t newline;
         (newline = pending.find('\n', start)) != std::string::npos;
         start = newline + 1) {
      EmitLine(fd, std::string_view(pending).substr(start, newline - start));
    }
    pending.erase(0, start);
  }
  void ChildConnectionLost(int fd) override {
    // A last line without a newline is still a line.
    std::string& pending = fd == 2 ? err_ : out_;
    if ((fd == 1 || fd == 2) && !pending.empty()) {
      EmitLine(fd, pending);
      pending.clear();
    }
  }
  void ProcessEnded(const absl::Status& status) override {
    supervisor_->ChildEnded(status);
  }

 private:
  void EmitLine(int fd, std::string_view line) {
    supervisor_->Emit(
        absl::StrCat(fd == 2 ? "err: " : "out: ", std::string(line)));
  }

  Supervisor* supervisor_;
  std::string out_;
  std::string err_;
};

Supervisor::Supervisor(Reactor* reactor, ProcessSpawner* spawner,
                       Options options, Output output)
    : reactor_(reactor),
      spawner_(spawner),
      options_(std::move(options)),
      output_(std::move(output)) {}

Supervisor::~Supervisor() { restart_.Cancel(); }

void Supervisor::Start() {
  if (state_ != State::kIdle) {
    std::cerr << "Supervisor::Start() called twice" << std::endl;
    std::abort();
  }
  Spawn();
}

void Supervisor::Stop() {
  stopping_ = true;
  if (state_ == State::kWaiting || state_ == State::kIdle) {
    restart_.Cancel();
    state_ = State::kStopped;
    Emit("stopped");
  } else if (state_ == State::kRunning) {
    // The end arrives through ChildEnded(); an error means it is ending.
    (void)transport_->SignalProcess("TERM");
  }
}

bool Supervisor::finished() const {
  return state_ == State::kSucceeded || state_ == State::kGaveUp ||
         state_ == State::kStopped;
}

ProcessTransport* Supervisor::child() const {
  return state_ == State::kRunning ? transport_.get() : nullptr;
}

void Supervisor::Emit(std::string_view text) {
  output_(absl::StrCat("[", options_.name, "] ", std::string(text)));
}

void Supervisor::Spawn() {
  // The previous child (if any) ended; we are on a timer, not inside its
  // callbacks, so it can go now. Transport first: it points at the protocol.
  transport_.reset();
  protocol_.reset();
  protocol_ = std::make_unique<ChildProtocol>(this);
  state_ = State::kRunning;
  absl::StatusOr<std::unique_ptr<ProcessTransport>> child =
      spawner_->Spawn(protocol_.get(), options_.child);
  if (!child.ok()) {
    Failed(child.status(),
           absl::StrCat("could not start (", child.status().message(), ")"));
    return;
  }
  transport_ = *std::move(child);
  Emit(restarts_ == 0 ? "started"
                      : absl::StrCat("restarted (", restarts_, " of ",
                                     options_.max_restarts, ")"));
}

void Supervisor::ChildEnded(const absl::Status& status) {
  last_status_ = status;
  if (stopping_) {
    state_ = State::kStopped;
    Emit("stopped");
    return;
  }
  if (IsProcessDone(status)) {
    state_ = State::kSucceeded;
    Emit("exited with code 0; done");
    return;
  }
  std::string what;
  if (std::optional<int> code = ExitCodeOf(status)) {
    what = absl::StrCat("exited with code ", *code);
  } else if (std::optional<int> signo = SignalOf(status)) {
    what = absl::StrCat("killed by signal ", *signo);
  } else {
    what = absl::StrCat("ended: ", status.message());
  }
  Failed(status, what);
}

void Supervisor::Failed(const absl::Status& status, std::string_view what) {
  last_status_ = status;
  if (restarts_ >= options_.max_restarts) {
    state_ = State::kGaveUp;
    Emit(absl::StrCat(std::string(what), "; gave up after ", restarts_,
                      " restarts"));
    return;
  }
  ++restarts_;
  state_ = State::kWaiting;
  Emit(absl::StrCat(std::string(what), "; restart ", restarts_, " of ",
                    options_.max_restarts, " in ",
                    absl::FormatDuration(options_.restart_delay)));
  restart_ = reactor_->CallLater(options_.restart_delay, [this] { Spawn(); });
}

std::string ToString(Supervisor::State state) {
  switch (state) {
    case Supervisor::State::kIdle:
      return "idle";
    case Supervisor::State::kRunning:
      return "running";
    case Supervisor::State::kWaiting:
      return "waiting";
    case Supervisor::State::kSucceeded:
      return "succeeded";
    case Supervisor::State::kGaveUp:
      return "gave up";
    case Supervisor::State::kStopped:
      return "stopped";
  }
  return "?";
}

}  // namespace standin::examples
