#include "standin/transport/epoll_reactor.h"

#include <errno.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "standin/transport/status.h"

namespace standin {
namespace {

// Events fetched per epoll_wait(); more simply wait for the next turn.
constexpr int kMaxEvents = 256;

}  // namespace

EpollReactor::EpollReactor() : epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)) {
  if (!epoll_fd_.valid()) {
    std::fprintf(stderr, "EpollReactor: epoll_create1 failed: %s\n",
                 std::strerror(errno));
    std::abort();
  }
}

EpollReactor::~EpollReactor() = default;

void EpollReactor::Update(Selectable* selectable, bool reading, bool writing) {
  auto it = registrations_.find(selectable);
  if (!reading && !writing) {
    if (it == registrations_.end()) return;
    Registration reg = std::move(it->second);
    registrations_.erase(it);
    by_id_.erase(reg.id);
    if (reg.rejected) {
      reg.rejection.Cancel();
      return;
    }
    auto holder = by_fd_.find(reg.fd);
    if (holder != by_fd_.end() && holder->second == selectable) {
      by_fd_.erase(holder);
      // Fails harmlessly (EBADF/ENOENT) when the fd was closed already.
      ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, reg.fd, nullptr);
    }
    return;
  }
  struct epoll_event event = {};
  event.events = (reading ? EPOLLIN : 0u) | (writing ? EPOLLOUT : 0u);
  if (it != registrations_.end()) {
    Registration& reg = it->second;
    if (reg.reading == reading && reg.writing == writing) return;
    event.data.u64 = reg.id;
    if (reg.rejected) {
      // Never in the epoll set; it only waits to be told why.
      reg.reading = reading;
      reg.writing = writing;
      return;
    }
    if (::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_MOD, reg.fd, &event) != 0) {
      int err = errno;
      guard_.Report(absl::StrCat("epoll_ctl(MOD, fd ", reg.fd,
                                 "): ", std::strerror(err)));
      return;
    }
    reg.reading = reading;
    reg.writing = writing;
    return;
  }
  int fd = selectable->fileno();
  if (fd < 0) {
    Reject(selectable, reading, writing,
           absl::InvalidArgumentError(absl::StrCat(
               "cannot watch a selectable whose fileno() is ", fd)));
    return;
  }
  auto holder = by_fd_.find(fd);
  if (holder != by_fd_.end()) {
    // Its previous holder closed the fd without removing itself; the kernel
    // dropped that registration when the file closed.
    Selectable* stale = holder->second;
    auto stale_it = registrations_.find(stale);
    if (stale_it != registrations_.end()) {
      by_id_.erase(stale_it->second.id);
      registrations_.erase(stale_it);
    }
    by_fd_.erase(holder);
  }
  Registration reg;
  reg.fd = fd;
  reg.id = next_id_++;
  reg.reading = reading;
  reg.writing = writing;
  event.data.u64 = reg.id;
  if (::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, fd, &event) != 0) {
    int err = errno;
    if (err != EEXIST ||
        ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_MOD, fd, &event) != 0) {
      Reject(selectable, reading, writing,
             ErrnoStatus(err, absl::StrCat("cannot watch fd ", fd,
                                           ": epoll_ctl(ADD)")));
      return;
    }
  }
  registrations_[selectable] = reg;
  by_id_[reg.id] = selectable;
  by_fd_[fd] = selectable;
}

void EpollReactor::Reject(Selectable* selectable, bool reading, bool writing,
                          absl::Status reason) {
  Registration reg;
  reg.id = next_id_++;
  reg.reading = reading;
  reg.writing = writing;
  reg.rejected = true;
  // Told on the next turn, never from inside the Add call (the caller may
  // be half-constructed, or destroy itself in ConnectionLost()).
  reg.rejection = timers_.Schedule(
      absl::InfinitePast(), [this, id = reg.id, reason = std::move(reason)] {
        auto found = by_id_.find(id);
        if (found != by_id_.end()) Disconnect(found->second, reason);
      });
  registrations_[selectable] = std::move(reg);
  by_id_[registrations_[selectable].id] = selectable;
}

void EpollReactor::AddReader(Selectable* selectable) {
  auto it = registrations_.find(selectable);
  bool writing = it != registrations_.end() && it->second.writing;
  Update(selectable, true, writing);
}

void EpollReactor::AddWriter(Selectable* selectable) {
  auto it = registrations_.find(selectable);
  if (it != registrations_.end() && it->second.writing) return;  // Hot path.
  bool reading = it != registrations_.end() && it->second.reading;
  Update(selectable, reading, true);
}

void EpollReactor::RemoveReader(Selectable* selectable) {
  auto it = registrations_.find(selectable);
  if (it == registrations_.end() || !it->second.reading) return;
  Update(selectable, false, it->second.writing);
}

void EpollReactor::RemoveWriter(Selectable* selectable) {
  auto it = registrations_.find(selectable);
  if (it == registrations_.end() || !it->second.writing) return;
  Update(selectable, it->second.reading, false);
}

std::vector<Selectable*> EpollReactor::RemoveAll() {
  std::vector<Selectable*> removed;
  removed.reserve(registrations_.size());
  for (const auto& [selectable, reg] : registrations_) {
    removed.push_back(selectable);
  }
  for (Selectable* selectable : removed) Update(selectable, false, false);
  return removed;
}

std::vector<Selectable*> EpollReactor::GetReaders() const {
  std::vector<Selectable*> readers;
  for (const auto& [selectable, reg] : registrations_) {
    if (reg.reading) readers.push_back(selectable);
  }
  return readers;
}

std::vector<Selectable*> EpollReactor::GetWriters() const {
  std::vector<Selectable*> writers;
  for (const auto& [selectable, reg] : registrations_) {
    if (reg.writing) writers.push_back(selectable);
  }
  return writers;
}

DelayedCall EpollReactor::CallLater(absl::Duration delay,
                                    absl::AnyInvocable<void()> callback) {
  return timers_.Schedule(Now() + delay,
                          [this, callback = std::move(callback)]() mutable {
                            guard_.Run("timed call", [&] { callback(); });
                          });
}

absl::Time EpollReactor::Now() const {
  struct timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return absl::UnixEpoch() + absl::DurationFromTimespec(ts);
}

void EpollReactor::Disconnect(Selectable* selectable,
                              const absl::Status& reason) {
  Update(selectable, false, false);
  guard_.Run("ConnectionLost", [&] { selectable->ConnectionLost(reason); });
}

void EpollReactor::Dispatch(uint64_t id, uint32_t events) {
  auto found = by_id_.find(id);
  if (found == by_id_.end()) return;  // Removed earlier in this turn.
  Selectable* selectable = found->second;
  const Registration& reg = registrations_.at(selectable);
  const bool hangup = (events & (EPOLLHUP | EPOLLERR)) != 0;
  const bool was_reading = reg.reading;
  if (was_reading && ((events & EPOLLIN) != 0 || hangup)) {
    // A hangup or error goes to DoRead(), whose read() reports it (EOF or
    // the errno) with any data still queued delivered first.
    absl::Status status =
        guard_.Call("DoRead", [selectable] { return selectable->DoRead(); });
    if (!status.ok()) {
      Disconnect(selectable, status);
      return;
    }
    // DoRead() may have removed (even destroyed) the selectable.
    if (!by_id_.contains(id)) return;
    if (selectable->fileno() < 0) {
      // It dropped its descriptor without telling us (Twisted's
      // ConnectionFdescWentAway).
      Disconnect(selectable, ConnectionLost("file descriptor lost"));
      return;
    }
  }
  if (!by_id_.contains(id)) return;
  if (!registrations_.at(selectable).writing) return;
  if ((events & EPOLLOUT) != 0 || (hangup && !was_reading)) {
    // A write-only descriptor learns of a hangup from its write's error.
    absl::Status status =
        guard_.Call("DoWrite", [selectable] { return selectable->DoWrite(); });
    if (!status.ok()) {
      Disconnect(selectable, status);
    } else if (by_id_.contains(id) && selectable->fileno() < 0) {
      Disconnect(selectable, ConnectionLost("file descriptor lost"));
    }
  }
}

void EpollReactor::DisconnectAll() {
  // One at a time: a ConnectionLost() may destroy other selectables, which
  // then remove themselves rather than leave a dangling entry behind.
  while (!registrations_.empty()) {
    Disconnect(registrations_.begin()->first,
               ConnectionLost("reactor shut down"));
  }
}

absl::Status EpollReactor::RunOnce(absl::Duration timeout) {
  absl::Duration wait = std::max(timeout, absl::ZeroDuration());
  if (std::optional<absl::Time> next = timers_.NextDeadline()) {
    wait = std::min(wait, std::max(*next - Now(), absl::ZeroDuration()));
  }
  int wait_ms = -1;
  if (wait != absl::InfiniteDuration()) {
    // Round up: waking a little late beats spinning until a deadline that
    // is less than a millisecond away.
    double ms = std::ceil(absl::ToDoubleMilliseconds(wait));
    wait_ms = ms >= INT_MAX ? INT_MAX : static_cast<int>(ms);
  }
  struct epoll_event events[kMaxEvents];
  int n = ::epoll_wait(epoll_fd_.get(), events, kMaxEvents, wait_ms);
  if (n < 0) {
    int err = errno;
    if (err != EINTR) return ErrnoStatus(err, "epoll_wait");
    n = 0;
  }
  for (int i = 0; i < n; ++i) Dispatch(events[i].data.u64, events[i].events);
  timers_.RunDue(Now());
  ++turns_;
  return absl::OkStatus();
}

absl::Status EpollReactor::Run() {
  for (;;) {
    absl::Status status =
        RunOnce(stopping_ ? absl::ZeroDuration() : absl::InfiniteDuration());
    if (!status.ok()) return status;
    if (stopping_) {
      stopping_ = false;
      return absl::OkStatus();
    }
  }
}

void EpollReactor::Stop() { stopping_ = true; }

}  // namespace standin
