#include "standin/transport/unique_fd.h"

#include <unistd.h>

namespace standin {

void UniqueFd::reset(int fd) {
  const int old = std::exchange(fd_, fd);
  // Never retried on EINTR: on Linux the descriptor is gone either way, and
  // a retry could close a descriptor another thread just opened.
  if (old >= 0 && old != fd) ::close(old);
}

}  // namespace standin
