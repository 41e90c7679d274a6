// PacketLink: a link that takes one whole packet (or frame) per call and
// says whether it went out — what a datagram sender needs from the device
// under it, since Transport::Write() returns nothing.
//
// TuntapPort implements it. netstack::Host writes through a PacketLink when
// the Transport it is attached to is one, so a device's ENOBUFS or EINVAL
// comes back from DatagramTransport::Write() as a status instead of going to
// the port's error hook; over any other Transport (a StringTransport in a
// unit test) it calls Write().
//
//   class Wire : public standin::netstack::PacketLink {
//    public:
//     absl::StatusOr<size_t> WriteDatagram(std::string_view packet) override {
//       if (packet.size() > 1500) return absl::ResourceExhaustedError("MTU");
//       sent.emplace_back(packet);
//       return packet.size();
//     }
//     std::vector<std::string> sent;
//   };
#ifndef STANDIN_NETSTACK_PACKET_LINK_H_
#define STANDIN_NETSTACK_PACKET_LINK_H_

#include <cstddef>
#include <string_view>

#include "absl/status/statusor.h"

namespace standin::netstack {

class PacketLink {
 public:
  virtual ~PacketLink() = default;
  // Sends `packet` as one datagram: the bytes written, or why not (the
  // errno riding on the status, as transport/status.h builds it).
  virtual absl::StatusOr<size_t> WriteDatagram(std::string_view packet) = 0;
};

}  // namespace standin::netstack

#endif  // STANDIN_NETSTACK_PACKET_LINK_H_
