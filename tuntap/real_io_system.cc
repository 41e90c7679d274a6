#include "standin/tuntap/real_io_system.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "standin/transport/absl_string_view.h"
#include "standin/transport/status.h"
#include "standin/transport/unique_fd.h"

namespace standin {
namespace {

sockaddr_in SockaddrOf(IPv4Host host, uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(host.value());
  return addr;
}

IPv4Address EndpointOf(const sockaddr_in& addr) {
  return IPv4Address::Udp(IPv4Host(ntohl(addr.sin_addr.s_addr)),
                          ntohs(addr.sin_port));
}

class SocketReceiver : public UdpReceiver {
 public:
  explicit SocketReceiver(UniqueFd fd) : fd_(std::move(fd)) {}
  absl::StatusOr<std::string> Recv(size_t nbytes) override {
    std::string out(nbytes, '\0');
    ssize_t n;
    do {
      n = ::recv(fd_.get(), out.data(), out.size(), 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return ErrnoStatus(errno, "recv on UDP receiver");
    out.resize(static_cast<size_t>(n));
    return out;
  }

 private:
  UniqueFd fd_;
};

// EAGAIN and EINTR are the everyday results of a non-blocking loop; building
// a fresh message for each would cost more than the read. The statuses are
// shared (absl::Status copies are reference counted).
absl::Status TransientStatus(int err, const char* op) {
  static const absl::Status* const kReadAgain =
      new absl::Status(ErrnoStatus(EAGAIN, "read"));
  static const absl::Status* const kReadIntr =
      new absl::Status(ErrnoStatus(EINTR, "read"));
  static const absl::Status* const kWriteAgain =
      new absl::Status(ErrnoStatus(EAGAIN, "write"));
  static const absl::Status* const kWriteIntr =
      new absl::Status(ErrnoStatus(EINTR, "write"));
  const bool read = op[0] == 'r';
  if (err == EAGAIN) return read ? *kReadAgain : *kWriteAgain;
  return read ? *kReadIntr : *kWriteIntr;
}

}  // namespace

absl::StatusOr<int> RealIoSystem::Open(std::string_view path, int flags,
                                       int mode) {
  const std::string p(path);
  const int fd = ::open(p.c_str(), flags, mode);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("open ", p));
  return fd;
}

absl::StatusOr<std::string> RealIoSystem::Ioctl(int fd, unsigned long request,
                                                std::string_view arg) {
  // Like CPython's fcntl.ioctl: the kernel may read or write a whole struct
  // ifreq whatever the caller passed, so give it at least that much.
  std::vector<char> buffer(std::max(arg.size(), sizeof(struct ifreq)), '\0');
  std::memcpy(buffer.data(), arg.data(), arg.size());
  if (::ioctl(fd, request, buffer.data()) < 0) {
    return ErrnoStatus(
        errno, absl::StrCat("ioctl(", fd, ", 0x", absl::Hex(request), ")"));
  }
  return std::string(buffer.data(), arg.size());
}

absl::StatusOr<int> RealIoSystem::IoctlValue(int fd, unsigned long request,
                                             unsigned long value) {
  const int result = ::ioctl(fd, request, value);
  if (result < 0) {
    return ErrnoStatus(
        errno, absl::StrCat("ioctl(", fd, ", 0x", absl::Hex(request), ", ",
                            value, ")"));
  }
  return result;
}

absl::StatusOr<size_t> RealIoSystem::ReadInto(int fd, absl::Span<char> buffer) {
  const ssize_t n = ::read(fd, buffer.data(), buffer.size());
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return TransientStatus(errno, "r");
    return ErrnoStatus(errno, absl::StrCat("read fd ", fd));
  }
  return static_cast<size_t>(n);
}

absl::StatusOr<size_t> RealIoSystem::Write(int fd, std::string_view data) {
  const ssize_t n = ::write(fd, data.data(), data.size());
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return TransientStatus(errno, "w");
    return ErrnoStatus(errno, absl::StrCat("write fd ", fd));
  }
  return static_cast<size_t>(n);
}

absl::Status RealIoSystem::Close(int fd) {
  // The caller hands `fd` over to be closed; UniqueFd reports the errno.
  if (int err = UniqueFd(fd).Close(); err != 0) {
    return ErrnoStatus(err, absl::StrCat("close fd ", fd));
  }
  return absl::OkStatus();
}

absl::StatusOr<IPv4Address> RealIoSystem::SendUdp(std::string_view payload,
                                                  const IPv4Address& to) {
  const sockaddr_in source = SockaddrOf(options_.udp_source, 0);
  const sockaddr_in dest = SockaddrOf(to.host, to.port);
  UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (sock.get() < 0) return ErrnoStatus(errno, "socket(AF_INET, SOCK_DGRAM)");
  if (::bind(sock.get(), reinterpret_cast<const sockaddr*>(&source),
             sizeof(source)) < 0) {
    return ErrnoStatus(errno, absl::StrCat("bind UDP source ",
                                           options_.udp_source.ToString()));
  }
  // connect() makes the kernel choose the route, and with it the source
  // address, now: getsockname() then reports the endpoint the datagram
  // leaves from (after a bare sendto() it would still say 0.0.0.0).
  if (::connect(sock.get(), reinterpret_cast<const sockaddr*>(&dest),
                sizeof(dest)) < 0) {
    return ErrnoStatus(errno, absl::StrCat("connect UDP to ", to.ToString()));
  }
  sockaddr_in local{};
  socklen_t len = sizeof(local);
  if (::getsockname(sock.get(), reinterpret_cast<sockaddr*>(&local), &len) <
      0) {
    return ErrnoStatus(errno, "getsockname");
  }
  if (::send(sock.get(), payload.data(), payload.size(), 0) < 0) {
    return ErrnoStatus(errno, absl::StrCat("send to ", to.ToString()));
  }
  return EndpointOf(local);
}

absl::StatusOr<std::unique_ptr<UdpReceiver>> RealIoSystem::ReceiveUdp(
    int /*fd*/, const IPv4Address& local) {
  const sockaddr_in addr = SockaddrOf(local.host, local.port);
  UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (sock.get() < 0) return ErrnoStatus(errno, "socket(AF_INET, SOCK_DGRAM)");
  const timeval timeout = absl::ToTimeval(options_.receive_timeout);
  if (::setsockopt(sock.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout,
                   sizeof(timeout)) < 0) {
    return ErrnoStatus(errno, "setsockopt SO_RCVTIMEO");
  }
  if (::bind(sock.get(), reinterpret_cast<const sockaddr*>(&addr),
             sizeof(addr)) < 0) {
    return ErrnoStatus(errno,
                       absl::StrCat("bind UDP receiver ", local.ToString()));
  }
  return std::make_unique<SocketReceiver>(std::move(sock));
}

}  // namespace standin
