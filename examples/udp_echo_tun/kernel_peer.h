// KernelPeer: the kernel's side of the echo's demo and end-to-end test — a
// non-blocking UDP socket that talks to the echo and, when the process may
// open one (root), a raw ICMP socket that pings it, as `ping` would.
//
// Example:
//
//   absl::StatusOr<KernelPeer> kernel =
//       KernelPeer::Open("192.0.2.1", /*with_ping=*/true);
//   (void)kernel->Send("hello", standin::IPv4Address::Udp("192.0.2.2", 7));
//   (void)kernel->Ping("192.0.2.2", /*sequence=*/1, "are you there?");
//   while (...) {                            // turn the reactor meanwhile
//     if (auto reply = kernel->Receive()) Print(reply->data);
//     if (auto seq = kernel->PingReply("192.0.2.2")) Print(*seq);
//   }
#ifndef STANDIN_EXAMPLES_UDP_ECHO_TUN_KERNEL_PEER_H_
#define STANDIN_EXAMPLES_UDP_ECHO_TUN_KERNEL_PEER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "standin/transport/address.h"
#include "standin/transport/unique_fd.h"

namespace standin::examples {

class KernelPeer {
 public:
  struct Datagram {
    std::string data;
    Address from;
  };

  // A UDP socket bound to `address` (port 0: the kernel picks), and with
  // `with_ping` a raw ICMP socket (EPERM without root).
  static absl::StatusOr<KernelPeer> Open(IPv4Host address, bool with_ping);

  // The UDP socket's endpoint.
  const Address& address() const { return address_; }
  // Sends one datagram from the UDP socket.
  absl::Status Send(std::string_view data, const IPv4Address& to);
  // The next datagram waiting on the UDP socket, if any.
  std::optional<Datagram> Receive();
  // Sends an ICMP echo request to `to` carrying `data`.
  absl::Status Ping(IPv4Host to, uint16_t sequence, std::string_view data);
  // The sequence number of an echo reply to our pings from `from` waiting
  // on the raw socket, if any (other ICMP traffic is skipped).
  std::optional<uint16_t> PingReply(IPv4Host from);

 private:
  KernelPeer() = default;

  UniqueFd udp_;
  UniqueFd icmp_;
  Address address_;
  uint16_t identifier_ = 0;
};

}  // namespace standin::examples

#endif  // STANDIN_EXAMPLES_UDP_ECHO_TUN_KERNEL_PEER_H_
