#include "standin/process/fake_process_transport.h"

#include <signal.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "standin/process/process_status.h"
#include "standin/process/signal_names.h"
#include "standin/transport/address.h"
#include "standin/transport/misuse.h"
#include "standin/transport/status.h"

namespace standin {
namespace {

[[noreturn]] void Die(std::string_view message) {
  DieOfMisuse("standin::FakeProcessTransport", message);
}

StringTransport::Options TransportOptions(bool lenient) {
  StringTransport::Options options;
  options.host = ProcessAddress{};
  options.peer = ProcessAddress{};
  options.lenient = lenient;
  return options;
}

}  // namespace

FakeProcessTransport::FakeProcessTransport(ProcessProtocol* protocol)
    : FakeProcessTransport(protocol, Options()) {}

FakeProcessTransport::FakeProcessTransport(ProcessProtocol* protocol,
                                           Options options)
    : StringTransportWithDisconnection(TransportOptions(options.lenient)),
      process_protocol_(protocol),
      options_(std::move(options)),
      pid_(options_.pid) {
  for (const auto& [fd, kind] : options_.child_fds) {
    if (fd < 0) Die("child fd numbers must be >= 0");
    pipes_[fd] = Pipe{kind};
  }
  if (process_protocol_ != nullptr) process_protocol_->MakeConnection(this);
}

// --- Delivery ---------------------------------------------------------------

void FakeProcessTransport::Post(bool gated,
                                absl::AnyInvocable<void()> deliver) {
  child_events_.push_back(ChildEvent{gated, std::move(deliver)});
  Pump();
}

void FakeProcessTransport::Pump() {
  if (pumping_) return;  // The outer Pump() delivers it after this callback.
  pumping_ = true;
  while (true) {
    auto next = child_events_.begin();
    if (Paused()) {
      while (next != child_events_.end() && next->gated) ++next;
    }
    if (next == child_events_.end()) break;
    absl::AnyInvocable<void()> deliver = std::move(next->deliver);
    child_events_.erase(next);
    std::weak_ptr<int> alive = alive_;
    deliver();
    if (alive.expired()) return;  // Destroyed from ProcessEnded().
  }
  pumping_ = false;
}

void FakeProcessTransport::Lose(int child_fd) {
  Pipe& pipe = pipes_.at(child_fd);
  if (pipe.lost) return;
  pipe.lost = true;
  if (process_protocol_ != nullptr) {
    process_protocol_->ChildConnectionLost(child_fd);
  }
  MaybeEnd();
}

void FakeProcessTransport::MaybeEnd() {
  if (ended_ || !exit_delivered_) return;
  for (const auto& [fd, pipe] : pipes_) {
    if (!pipe.lost) return;
  }
  ended_ = true;
  if (process_protocol_ != nullptr) {
    process_protocol_->ProcessEnded(*exit_status_);
  }
}

// --- The scripted child ---------------------------------------------------

void FakeProcessTransport::ChildWrites(int child_fd, std::string_view data) {
  auto it = pipes_.find(child_fd);
  if (it == pipes_.end() || it->second.kind != ChildFdKind::kFromChild) {
    Die("ChildWrites(" + std::to_string(child_fd) +
        "): not a from-child fd in Options::child_fds");
  }
  if (it->second.closed_by_child) {
    Die("ChildWrites(" + std::to_string(child_fd) +
        "): the child already closed that fd");
  }
  if (it->second.lost) return;  // We closed our end: the child gets EPIPE.
  Post(/*gated=*/true, [this, child_fd, bytes = std::string(data)] {
    // Our end may have been closed while this waited: unread data is gone.
    if (pipes_.at(child_fd).lost) return;
    if (process_protocol_ != nullptr) {
      process_protocol_->ChildDataReceived(child_fd, bytes);
    }
  });
}

void FakeProcessTransport::ChildClosesFD(int child_fd) {
  auto it = pipes_.find(child_fd);
  if (it == pipes_.end()) {
    Die("ChildClosesFD(" + std::to_string(child_fd) +
        "): not a child fd in Options::child_fds");
  }
  if (it->second.closed_by_child) {
    Die("ChildClosesFD(" + std::to_string(child_fd) +
        "): the child already closed that fd");
  }
  it->second.closed_by_child = true;
  if (it->second.lost) return;
  // EOF on an output waits behind its data; a closed stdin is noticed now.
  Post(/*gated=*/it->second.kind == ChildFdKind::kFromChild,
       [this, child_fd] { Lose(child_fd); });
}

void FakeProcessTransport::Exit(absl::Status status, FdsOnExit fds) {
  if (exited_) Die("the child already exited");
  exited_ = true;
  if (fds == FdsOnExit::kClose) {
    for (auto& [fd, pipe] : pipes_) {
      if (!pipe.closed_by_child) ChildClosesFD(fd);
    }
  }
  exit_status_ = status;
  Post(/*gated=*/false, [this] {
    pid_.reset();  // Reaped: the pid may now belong to anybody.
    exit_delivered_ = true;
    if (process_protocol_ != nullptr) {
      process_protocol_->ProcessExited(*exit_status_);
    }
    MaybeEnd();
  });
}

void FakeProcessTransport::ChildExits(int code, FdsOnExit fds) {
  if (code < 0 || code > 255) {
    Die("ChildExits(" + std::to_string(code) + "): exit codes are 0-255");
  }
  Exit(ProcessExitStatus(code), fds);
}

void FakeProcessTransport::ChildKilledBy(int signo, FdsOnExit fds) {
  if (signo <= 0 || signo >= NSIG) {
    Die("ChildKilledBy(" + std::to_string(signo) + "): not a signal number");
  }
  Exit(ProcessKilledStatus(signo), fds);
}

// --- Test-side accessors
// ------------------------------------------------------

std::string_view FakeProcessTransport::child_input(int child_fd) const {
  auto it = child_input_.find(child_fd);
  return it == child_input_.end() ? std::string_view() : it->second;
}

std::set<int> FakeProcessTransport::open_child_fds() const {
  std::set<int> open;
  for (const auto& [fd, pipe] : pipes_) {
    if (!pipe.lost && !pipe.closed_by_child) open.insert(fd);
  }
  return open;
}

// --- ProcessTransport
// ---------------------------------------------------------

void FakeProcessTransport::CloseChildFD(int child_fd) {
  closed_child_fds_.insert(child_fd);
  auto it = pipes_.find(child_fd);
  if (it == pipes_.end() || it->second.lost) return;
  // Delivered in turn (never inside the caller's callback); marked lost at
  // delivery so writes queued before the close are still seen.
  Post(/*gated=*/false, [this, child_fd] { Lose(child_fd); });
}

absl::Status FakeProcessTransport::WriteToChild(int child_fd,
                                                std::string_view data) {
  auto it = pipes_.find(child_fd);
  // After our own CloseChildFD() writes are dropped, whether or not the
  // pipe is gone yet (the real Process closes it on a later turn).
  if (it != pipes_.end() && it->second.kind == ChildFdKind::kToChild &&
      closed_child_fds_.count(child_fd) != 0) {
    return absl::OkStatus();
  }
  if (it == pipes_.end() || it->second.lost) {
    return absl::NotFoundError("child fd " + std::to_string(child_fd) +
                               " is not mapped (or its pipe is closed)");
  }
  if (it->second.kind != ChildFdKind::kToChild) {
    return absl::InvalidArgumentError("child fd " + std::to_string(child_fd) +
                                      " is written by the child, not by us");
  }
  if (child_fd == 0) {
    StringTransport::Write(data);
  } else {
    child_input_[child_fd].append(data);
  }
  return absl::OkStatus();
}

absl::Status FakeProcessTransport::SendSignal(Signal as_given, int signo) {
  if (exited_) {
    return absl::FailedPreconditionError("process exited already");
  }
  signals_.push_back(std::move(as_given));
  if (options_.signals_end_child && IsFatalByDefault(signo)) {
    ChildKilledBy(signo);
  }
  return absl::OkStatus();
}

absl::Status FakeProcessTransport::SignalProcess(std::string_view name) {
  absl::StatusOr<int> signo = SignalNumber(name);
  if (!signo.ok()) return signo.status();
  return SendSignal(std::string(name), *signo);
}

absl::Status FakeProcessTransport::SignalProcess(int signo) {
  if (absl::Status valid = CheckSignalNumber(signo); !valid.ok()) {
    return valid;
  }
  return SendSignal(signo, signo);
}

void FakeProcessTransport::PauseProducing() {
  StringTransport::PauseProducing();
}

void FakeProcessTransport::ResumeProducing() {
  StringTransport::ResumeProducing();
  Pump();
}

// --- Transport
// ----------------------------------------------------------------

bool FakeProcessTransport::StdinOpen() const {
  auto it = pipes_.find(0);
  return it != pipes_.end() && it->second.kind == ChildFdKind::kToChild &&
         !it->second.lost && closed_child_fds_.count(0) == 0;
}

void FakeProcessTransport::Write(std::string_view data) {
  if (StdinOpen()) StringTransport::Write(data);
}

void FakeProcessTransport::WriteSequence(
    absl::Span<const std::string_view> chunks) {
  if (StdinOpen()) StringTransport::WriteSequence(chunks);
}

void FakeProcessTransport::LoseConnection() {
  StringTransportWithDisconnection::LoseConnection();
  CloseChildFD(0);
  CloseChildFD(2);
  CloseChildFD(1);
}

// --- Printing ---------------------------------------------------------------

std::string FakeProcessTransport::DebugString() const {
  auto signal = [](std::string* out, const Signal& s) {
    if (const int* signo = std::get_if<int>(&s)) {
      absl::StrAppend(out, *signo);
    } else {
      absl::StrAppend(out, "\"", std::get<std::string>(s), "\"");
    }
  };
  std::string out = absl::StrCat(
      "FakeProcessTransport{pid ",
      pid_.has_value() ? absl::StrCat(*pid_) : "none", "; ", DebugWritten());
  for (const auto& [fd, bytes] : child_input_) {
    absl::StrAppend(&out, ", to fd ", fd, " ", QuotedBytes(bytes));
  }
  absl::StrAppend(
      &out, "; ", DebugFlags(), read_disconnected() ? " read_disconnected" : "",
      "; ", DebugProducer(), "; signals [",
      absl::StrJoin(signals_, ", ", signal), "]; closed child fds {",
      absl::StrJoin(closed_child_fds_, ", "), "}; open child fds {",
      absl::StrJoin(open_child_fds(), ", "), "}");
  if (!child_events_.empty()) {
    absl::StrAppend(&out, "; ", child_events_.size(), " child events waiting");
  }
  if (exit_status_.has_value()) {
    absl::StrAppend(&out, "; exit \"", exit_status_->message(), "\"",
                    exit_delivered_ ? "" : " (not delivered yet)");
  } else {
    absl::StrAppend(&out, "; running");
  }
  if (ended_) absl::StrAppend(&out, "; ended");
  return out + "}";
}

}  // namespace standin
