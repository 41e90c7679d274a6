// UniqueFd: sole ownership of one OS file descriptor, closed when the owner
// goes (std::unique_ptr for fds; Abseil/Chromium style release()/reset()).
//
// Every descriptor standin opens is held by one of these, so no path — an
// early error return, an exception from a callback — leaks it, and the only
// close() calls in the library are here.
//
// Example:
//
//   absl::StatusOr<standin::UniqueFd> OpenNull() {
//     standin::UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
//     if (!fd.valid()) return standin::ErrnoStatus(errno, "open /dev/null");
//     return fd;                        // moves; nothing is closed
//   }
//   standin::UniqueFd fd = *OpenNull();
//   ::read(fd.get(), buf, n);
//   int raw = fd.release();             // hand it to another owner
#ifndef STANDIN_TRANSPORT_UNIQUE_FD_H_
#define STANDIN_TRANSPORT_UNIQUE_FD_H_

#include <utility>

#include "absl/base/attributes.h"

namespace standin {

class UniqueFd {
 public:
  // Owns nothing.
  UniqueFd() = default;
  // Owns `fd` (a negative value means nothing).
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  // The descriptor, still owned; -1 when none.
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  explicit operator bool() const { return valid(); }

  // Gives up ownership without closing; returns the descriptor (-1 if none).
  ABSL_MUST_USE_RESULT int release() { return std::exchange(fd_, -1); }
  // Closes the owned descriptor (if any), then owns `fd`. close() errors are
  // ignored: Linux releases the descriptor even when close() fails, so
  // there is nothing left to retry.
  void reset(int fd = -1);
  // Closes the owned descriptor now and says how close() went: 0, or its
  // errno (EBADF when nothing was owned). Nothing is owned afterwards,
  // whatever the result. For the few callers that must report a failed
  // close (RealIoSystem::Close(), a file whose data may fail to land);
  // everyone else lets reset() or the destructor close.
  ABSL_MUST_USE_RESULT int Close();

 private:
  int fd_ = -1;
};

}  // namespace standin

#endif  // STANDIN_TRANSPORT_UNIQUE_FD_H_
