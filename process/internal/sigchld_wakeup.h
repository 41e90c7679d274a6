// SigchldWakeup: how a Process notices its child's exit without a pidfd
// (Linux before 5.3, or Process::Reaping::kSigchld).
//
// A process-wide SIGCHLD handler (installed on first use, chaining whatever
// handler was there before) writes a byte to every live SigchldWakeup's
// self-pipe; the owner watches read_fd() on its reactor and, when woken,
// drains it and tries waitpid() on its own pid. One SIGCHLD may stand for
// several exits, so every owner checks; a wakeup for someone else's child
// costs one waitpid(WNOHANG). The registry is a fixed-size lock-free table
// so the handler stays async-signal-safe.
//
// Example:
//
//   auto wakeup = process_internal::SigchldWakeup::Create();  // before fork
//   pid_t pid = fork(); ...
//   // on the reactor: readable(wakeup->read_fd()) ->
//   wakeup->Drain();
//   if (waitpid(pid, &status, WNOHANG) == pid) { /* reaped */ }
#ifndef STANDIN_PROCESS_INTERNAL_SIGCHLD_WAKEUP_H_
#define STANDIN_PROCESS_INTERNAL_SIGCHLD_WAKEUP_H_

#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "standin/transport/unique_fd.h"

namespace standin::process_internal {

class SigchldWakeup {
 public:
  // At most this many wakeups exist at once.
  static constexpr int kMaxSlots = 64;

  // Installs the handler if needed and registers a new self-pipe, which
  // starts with one byte queued (so an exit that happened before it existed
  // is checked for on the first turn). ResourceExhausted beyond kMaxSlots.
  static absl::StatusOr<std::unique_ptr<SigchldWakeup>> Create();
  SigchldWakeup(const SigchldWakeup&) = delete;
  SigchldWakeup& operator=(const SigchldWakeup&) = delete;
  // Unregisters and closes the pipe (the handler stays installed).
  ~SigchldWakeup();

  // Readable after a SIGCHLD (or Wake()).
  int read_fd() const { return read_fd_.get(); }
  // Queues a wakeup by hand.
  void Wake();
  // Empties the pipe.
  void Drain();

 private:
  SigchldWakeup(UniqueFd read_fd, UniqueFd write_fd)
      : read_fd_(std::move(read_fd)), write_fd_(std::move(write_fd)) {}
  UniqueFd read_fd_;
  UniqueFd write_fd_;
  int slot_ = -1;
};

}  // namespace standin::process_internal

#endif  // STANDIN_PROCESS_INTERNAL_SIGCHLD_WAKEUP_H_
