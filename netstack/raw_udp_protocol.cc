#include "standin/netstack/raw_udp_protocol.h"

#include "standin/netstack/udp.h"

namespace standin::netstack {

// Hot: on every received datagram's path (see tuntap_benchmark).
[[gnu::hot]] void RawUdpProtocol::DatagramReceived(std::string_view payload,
                                                   const Ipv4Metadata& ip) {
  if (ip.is_fragment()) {
    drops_.Add(DropReason::kIpv4Fragment);
    return;
  }
  UdpDatagram udp;
  if (DropReason reason =
          UdpDatagram::Check(payload, ip.source, ip.destination, &udp);
      reason != DropReason::kNone) {
    drops_.Add(reason);
    return;
  }
  // The sender in binary, as it came off the wire: a few bytes on the
  // stack, no text formatted per datagram.
  const Address from = IPv4Address::Udp(ip.source, udp.source_port());
  const std::string_view data = udp.payload();
  const bool found = protos_.Dispatch(
      udp.destination_port(),
      [&](DatagramProtocol* p) { p->DatagramReceived(data, from); });
  if (!found) drops_.Add(DropReason::kNoProtocol);
}

}  // namespace standin::netstack
