#include "standin/transport/socket_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace standin {

Address SocketAddress(int fd, bool peer) {
  sockaddr_storage storage = {};
  socklen_t len = sizeof(storage);
  auto* sa = reinterpret_cast<sockaddr*>(&storage);
  int rc = peer ? ::getpeername(fd, sa, &len) : ::getsockname(fd, sa, &len);
  if (rc != 0) return UnixAddress{};
  int type = SOCK_STREAM;
  socklen_t type_len = sizeof(type);
  ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_len);
  const auto kind =
      type == SOCK_DGRAM ? IPv4Address::Kind::kUdp : IPv4Address::Kind::kTcp;
  char text[INET6_ADDRSTRLEN] = {};
  switch (storage.ss_family) {
    case AF_INET: {
      const auto* v4 = reinterpret_cast<const sockaddr_in*>(&storage);
      ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
      return IPv4Address{kind, text, ntohs(v4->sin_port)};
    }
    case AF_INET6: {
      const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&storage);
      ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
      return IPv6Address{kind, text, ntohs(v6->sin6_port),
                         ntohl(v6->sin6_flowinfo), v6->sin6_scope_id};
    }
    case AF_UNIX: {
      const auto* un = reinterpret_cast<const sockaddr_un*>(&storage);
      size_t path_len = len > offsetof(sockaddr_un, sun_path)
                            ? len - offsetof(sockaddr_un, sun_path)
                            : 0;
      std::string path(un->sun_path, path_len);
      if (!path.empty() && path[0] != '\0') {
        path.resize(::strnlen(path.c_str(), path.size()));
      } else if (!path.empty()) {
        path[0] = '@';  // Linux abstract namespace, as ss(8) prints it.
      }
      return UnixAddress{path};
    }
    default:
      return UnixAddress{};
  }
}

absl::StatusOr<sockaddr_un> UnixSockaddr(const std::string& path) {
  sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(
        absl::StrCat("UNIX socket path '", path, "' is empty or longer than ",
                     sizeof(addr.sun_path) - 1, " bytes"));
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  return addr;
}

absl::StatusOr<socklen_t> InetSockaddr(const std::string& host, uint16_t port,
                                       sockaddr_storage* storage) {
  *storage = {};
  auto* v4 = reinterpret_cast<sockaddr_in*>(storage);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    return static_cast<socklen_t>(sizeof(sockaddr_in));
  }
  *storage = {};
  auto* v6 = reinterpret_cast<sockaddr_in6*>(storage);
  if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    return static_cast<socklen_t>(sizeof(sockaddr_in6));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "host '", host, "' is not an IPv4 or IPv6 literal (no name lookup)"));
}

}  // namespace standin
