#include "standin/transport/unique_fd.h"

#include <errno.h>
#include <unistd.h>

#include <utility>

namespace standin {

void UniqueFd::reset(int fd) {
  if (fd != fd_) (void)Close();
  fd_ = fd;
}

int UniqueFd::Close() {
  const int fd = std::exchange(fd_, -1);
  if (fd < 0) return EBADF;
  // Never retried on EINTR: on Linux the descriptor is gone either way, and
  // a retry could close a descriptor another thread just opened.
  return ::close(fd) == 0 ? 0 : errno;
}

}  // namespace standin
