#include "standin/process/internal/sigchld_wakeup.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "standin/transport/status.h"

namespace standin::process_internal {
namespace {

// SIGCHLD delivery for Processes that cannot use a pidfd (kernels before
// 5.3, or Reaping::kSigchld): a process-wide handler writes a byte to every
// registered self-pipe; each such Process then tries waitpid() on its own
// pid. The table is fixed-size and lock-free so the handler stays
// async-signal-safe.
constexpr int kMaxSigchldSlots = SigchldWakeup::kMaxSlots;
std::atomic<int> g_sigchld_fds[kMaxSigchldSlots];
struct sigaction g_previous_sigchld;
std::atomic<bool> g_sigchld_installed{false};

void OnSigchld(int signo, siginfo_t* info, void* context) {
  const int saved_errno = errno;
  for (auto& slot : g_sigchld_fds) {
    const int fd = slot.load(std::memory_order_acquire);
    if (fd > 0) {
      ssize_t ignored = ::write(fd, "c", 1);  // EAGAIN: a wakeup is pending.
      (void)ignored;
    }
  }
  // Whoever had SIGCHLD before us still gets it.
  if ((g_previous_sigchld.sa_flags & SA_SIGINFO) != 0) {
    if (g_previous_sigchld.sa_sigaction != nullptr) {
      g_previous_sigchld.sa_sigaction(signo, info, context);
    }
  } else if (g_previous_sigchld.sa_handler != SIG_DFL &&
             g_previous_sigchld.sa_handler != SIG_IGN) {
    g_previous_sigchld.sa_handler(signo);
  }
  errno = saved_errno;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SigchldWakeup>> SigchldWakeup::Create() {
  if (!g_sigchld_installed.exchange(true)) {
    for (auto& slot : g_sigchld_fds) slot.store(-1);
    struct sigaction action;
    std::memset(&action, 0, sizeof(action));
    action.sa_sigaction = OnSigchld;
    action.sa_flags = SA_SIGINFO | SA_RESTART | SA_NOCLDSTOP;
    sigemptyset(&action.sa_mask);
    if (::sigaction(SIGCHLD, &action, &g_previous_sigchld) != 0) {
      g_sigchld_installed = false;
      return ErrnoStatus(errno, "sigaction(SIGCHLD)");
    }
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    return ErrnoStatus(errno, "pipe2 for SIGCHLD");
  }
  std::unique_ptr<SigchldWakeup> wakeup(
      new SigchldWakeup(UniqueFd(fds[0]), UniqueFd(fds[1])));
  for (int i = 0; i < kMaxSigchldSlots; ++i) {
    int expected = -1;
    if (g_sigchld_fds[i].compare_exchange_strong(expected, fds[1])) {
      wakeup->slot_ = i;
      // Check once on the first turn: the child may have exited before
      // this slot existed.
      wakeup->Wake();
      return wakeup;
    }
  }
  return absl::ResourceExhaustedError(
      absl::StrCat("more than ", kMaxSigchldSlots,
                   " children reaped through SIGCHLD at once"));
}

SigchldWakeup::~SigchldWakeup() {
  // Out of the handler's table before the pipe closes (with the members).
  if (slot_ >= 0) g_sigchld_fds[slot_].store(-1);
}

void SigchldWakeup::Wake() {
  ssize_t ignored =
      ::write(write_fd_.get(), "c", 1);  // EAGAIN: one is pending.
  (void)ignored;
}

void SigchldWakeup::Drain() {
  char buffer[64];
  while (::read(read_fd_.get(), buffer, sizeof(buffer)) > 0) {
  }
}

}  // namespace standin::process_internal
