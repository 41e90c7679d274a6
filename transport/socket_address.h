// Socket addresses both ways: the kernel's sockaddr for an address given as
// text (an IPv4/IPv6 literal and a port, or a UNIX-domain path), and
// standin's Address for either end of a socket. Shared by StreamConnection
// and StreamListener; no name lookup anywhere.
//
// Example:
//
//   sockaddr_storage storage;
//   absl::StatusOr<socklen_t> len =
//       standin::InetSockaddr("192.0.2.1", 80, &storage);
//   if (!len.ok()) return len.status();  // InvalidArgument naming the host
//   ::connect(fd, reinterpret_cast<sockaddr*>(&storage), *len);
//   standin::Address mine = standin::SocketAddress(fd, /*peer=*/false);
#ifndef STANDIN_TRANSPORT_SOCKET_ADDRESS_H_
#define STANDIN_TRANSPORT_SOCKET_ADDRESS_H_

#include <sys/socket.h>
#include <sys/un.h>

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "standin/transport/address.h"

namespace standin {

// The address of socket `fd`'s own end (peer = false) or the other end, for
// AF_INET, AF_INET6 and AF_UNIX (an abstract name starts with '@');
// UnixAddress{""} for an unnamed socket or anything else.
Address SocketAddress(int fd, bool peer);

// Fills `storage` from an IPv4 or IPv6 literal and a port; returns the
// length used. InvalidArgument, naming `host`, for anything that is not a
// literal (Twisted's isIPAddress cases).
// The endpoint an AF_INET/AF_INET6 sockaddr names, in binary (no text is
// formatted: a datagram's sender costs a copy of a few bytes), with `kind`;
// UnixAddress{} for any other family.
Address AddressFromSockaddr(const sockaddr* sa, socklen_t len,
                            IPv4Address::Kind kind);

// Fills `storage` for an IPv4Address/IPv6Address and returns the length
// used; InvalidArgument for any other kind of Address.
absl::StatusOr<socklen_t> SockaddrFromAddress(const Address& address,
                                              sockaddr_storage* storage);

absl::StatusOr<socklen_t> InetSockaddr(const std::string& host, uint16_t port,
                                       sockaddr_storage* storage);

// A sockaddr_un for `path`. InvalidArgument for an empty path or one too
// long for sun_path.
absl::StatusOr<sockaddr_un> UnixSockaddr(const std::string& path);

}  // namespace standin

#endif  // STANDIN_TRANSPORT_SOCKET_ADDRESS_H_
