#include "standin/transport/socket_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>

#include <array>
#include <cstring>
#include <variant>

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
  switch (storage.ss_family) {
    case AF_INET:
    case AF_INET6:
      return AddressFromSockaddr(sa, len, kind);
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

Address AddressFromSockaddr(const sockaddr* sa, socklen_t len,
                            IPv4Address::Kind kind) {
  if (sa->sa_family == AF_INET && len >= sizeof(sockaddr_in)) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(sa);
    return IPv4Address{kind, IPv4Host(ntohl(v4->sin_addr.s_addr)),
                       ntohs(v4->sin_port)};
  }
  if (sa->sa_family == AF_INET6 && len >= sizeof(sockaddr_in6)) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(sa);
    std::array<uint8_t, 16> bytes;
    std::memcpy(bytes.data(), &v6->sin6_addr, bytes.size());
    return IPv6Address{kind, IPv6Host(bytes), ntohs(v6->sin6_port),
                       ntohl(v6->sin6_flowinfo), v6->sin6_scope_id};
  }
  return UnixAddress{};
}

absl::StatusOr<socklen_t> SockaddrFromAddress(const Address& address,
                                              sockaddr_storage* storage) {
  *storage = {};
  if (const auto* a = std::get_if<IPv4Address>(&address)) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(storage);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(a->port);
    v4->sin_addr.s_addr = htonl(a->host.value());
    return static_cast<socklen_t>(sizeof(sockaddr_in));
  }
  if (const auto* a = std::get_if<IPv6Address>(&address)) {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(storage);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(a->port);
    v6->sin6_flowinfo = htonl(a->flow_info);
    v6->sin6_scope_id = a->scope_id;
    std::memcpy(&v6->sin6_addr, a->host.bytes().data(), 16);
    return static_cast<socklen_t>(sizeof(sockaddr_in6));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("not an IP endpoint: ", ToString(address)));
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
  absl::StatusOr<Address> address =
      ParseIPAddress(IPv4Address::Kind::kTcp, host, port);
  if (!address.ok()) return address.status();
  return SockaddrFromAddress(*address, storage);
}

}  // namespace standin
