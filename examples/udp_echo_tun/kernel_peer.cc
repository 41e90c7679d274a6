#include "standin/examples/udp_echo_tun/kernel_peer.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "standin/netstack/icmp.h"
#include "standin/netstack/ipv4.h"
#include "standin/transport/socket_address.h"
#include "standin/transport/status.h"

namespace standin::examples {

absl::StatusOr<KernelPeer> KernelPeer::Open(IPv4Host address, bool with_ping) {
  KernelPeer peer;
  peer.udp_ =
      UniqueFd(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!peer.udp_.valid()) return ErrnoStatus(errno, "socket(AF_INET, UDP)");
  sockaddr_storage local;
  const socklen_t len =
      *SockaddrFromAddress(IPv4Address::Udp(address, 0), &local);
  if (::bind(peer.udp_.get(), reinterpret_cast<sockaddr*>(&local), len) != 0) {
    return ErrnoStatus(errno, "bind " + address.ToString());
  }
  peer.address_ = SocketAddress(peer.udp_.get(), /*peer=*/false);
  if (with_ping) {
    peer.icmp_ = UniqueFd(::socket(
        AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP));
    if (!peer.icmp_.valid()) return ErrnoStatus(errno, "socket(raw ICMP)");
  }
  peer.identifier_ = static_cast<uint16_t>(::getpid());
  return peer;
}

absl::Status KernelPeer::Send(std::string_view data, const IPv4Address& to) {
  sockaddr_storage storage;
  const socklen_t len = *SockaddrFromAddress(to, &storage);
  if (::sendto(udp_.get(), data.data(), data.size(), 0,
               reinterpret_cast<sockaddr*>(&storage), len) < 0) {
    return ErrnoStatus(errno, "sendto " + to.ToString());
  }
  return absl::OkStatus();
}

std::optional<KernelPeer::Datagram> KernelPeer::Receive() {
  std::string buffer(65536, '\0');
  sockaddr_storage from;
  socklen_t from_len = sizeof(from);
  const ssize_t n = ::recvfrom(udp_.get(), buffer.data(), buffer.size(), 0,
                               reinterpret_cast<sockaddr*>(&from), &from_len);
  if (n < 0) return std::nullopt;
  buffer.resize(static_cast<size_t>(n));
  return Datagram{std::move(buffer),
                  AddressFromSockaddr(reinterpret_cast<sockaddr*>(&from),
                                      from_len, IPv4Address::Kind::kUdp)};
}

absl::Status KernelPeer::Ping(IPv4Host to, uint16_t sequence,
                              std::string_view data) {
  if (!icmp_.valid()) {
    return absl::FailedPreconditionError("opened without a ping socket");
  }
  std::string request(netstack::Icmpv4Echo::kSize, '\0');
  request.append(data);
  netstack::Icmpv4Echo{.type = netstack::kIcmpEchoRequest,
                       .identifier = identifier_,
                       .sequence = sequence}
      .Emit(request.data(), request.size());
  sockaddr_storage storage;
  const socklen_t len = *SockaddrFromAddress(IPv4Address::Udp(to, 0), &storage);
  if (::sendto(icmp_.get(), request.data(), request.size(), 0,
               reinterpret_cast<sockaddr*>(&storage), len) < 0) {
    return ErrnoStatus(errno, "ping " + to.ToString());
  }
  return absl::OkStatus();
}

std::optional<uint16_t> KernelPeer::PingReply(IPv4Host from) {
  if (!icmp_.valid()) return std::nullopt;
  char buffer[2048];
  while (true) {
    // A raw socket reads the whole IPv4 packet of every ICMP message.
    const ssize_t n = ::recv(icmp_.get(), buffer, sizeof(buffer), 0);
    if (n < 0) return std::nullopt;
    netstack::Ipv4Packet ip;
    netstack::Icmpv4Packet icmp;
    if (netstack::Ipv4Packet::Check(
            std::string_view(buffer, static_cast<size_t>(n)), &ip) ==
            netstack::DropReason::kNone &&
        ip.source() == from &&
        netstack::Icmpv4Packet::Check(ip.payload(), &icmp) ==
            netstack::DropReason::kNone &&
        icmp.type() == netstack::kIcmpEchoReply &&
        icmp.echo_identifier() == identifier_) {
      return icmp.echo_sequence();
    }
  }
}

}  // namespace standin::examples
