#include "standin/transport/port_lifecycle.h"

#include <string>
#include <utility>

#include "absl/time/time.h"
#include "standin/transport/misuse.h"

namespace standin {

PortLifecycle::PortLifecycle(Selectable* port, Reactor* reactor,
                             absl::AnyInvocable<void()> finish)
    : port_(port), reactor_(reactor), finish_(std::move(finish)) {}

PortLifecycle::~PortLifecycle() { Abandon(); }

void PortLifecycle::StartListening() {
  if (state_ != State::kIdle) {
    DieOfMisuse("PortLifecycle", std::string("StartListening() when ") +
                                     std::string(ToString(state_)));
  }
  state_ = State::kListening;
  StartReading();
}

void PortLifecycle::StartReading() {
  if (state_ != State::kListening) return;
  reading_ = true;
  reactor_->AddReader(port_);
}

void PortLifecycle::StopReading() {
  reading_ = false;
  reactor_->RemoveReader(port_);
}

void PortLifecycle::Stop(absl::AnyInvocable<void()> on_stopped) {
  switch (state_) {
    case State::kListening:
      StopReading();
      state_ = State::kStopping;
      finish_call_ =
          reactor_->CallLater(absl::ZeroDuration(), [this] { FinishNow(); });
      break;
    case State::kStopping:
      break;
    case State::kIdle:
    case State::kStopped:
      if (on_stopped) on_stopped();
      return;
  }
  if (on_stopped) on_stopped_.push_back(std::move(on_stopped));
}

void PortLifecycle::FinishNow() {
  if (state_ != State::kListening && state_ != State::kStopping) return;
  StopReading();
  state_ = State::kStopped;
  finish_call_.Cancel();
  // Moved out first: a callback may destroy the owner, and this with it.
  absl::AnyInvocable<void()> finish = std::move(finish_);
  std::vector<absl::AnyInvocable<void()>> callbacks = std::move(on_stopped_);
  on_stopped_.clear();
  if (finish) finish();
  for (auto& callback : callbacks) callback();
}

void PortLifecycle::Abandon() {
  if (state_ == State::kStopped && !reading_) return;
  StopReading();
  state_ = State::kStopped;
  finish_call_.Cancel();
  on_stopped_.clear();
}

std::string_view ToString(PortLifecycle::State state) {
  switch (state) {
    case PortLifecycle::State::kIdle:
      return "idle";
    case PortLifecycle::State::kListening:
      return "listening";
    case PortLifecycle::State::kStopping:
      return "stopping";
    case PortLifecycle::State::kStopped:
      return "stopped";
  }
  return "?";
}

}  // namespace standin
