#include "standin/netstack/ip_protocol.h"

#include "standin/netstack/ipv4.h"

namespace standin::netstack {

// Hot: on every received packet's path (see tuntap_benchmark).
[[gnu::hot]] void IpProtocol::DatagramReceived(std::string_view packet,
                                               const LinkMetadata& link) {
  Ipv4Packet view;
  if (DropReason reason = Ipv4Packet::Check(packet, &view);
      reason != DropReason::kNone) {
    drops_.Add(reason);
    return;
  }
  const Ipv4Metadata ip{
      .partial = link.partial,
      .source = view.source(),
      .destination = view.destination(),
      .protocol = view.protocol(),
      .version = view.version(),
      .ihl = static_cast<uint8_t>(view.header_length()),
      .tos = view.tos(),
      .tot_len = view.total_length(),
      .fragment_id = view.identification(),
      .fragment_offset = view.fragment_offset(),
      .dont_fragment = view.dont_fragment(),
      .more_fragments = view.more_fragments(),
      .ttl = view.ttl(),
  };
  // Taken once: a receiver's call could otherwise make the compiler reload
  // and re-check the header length for the next receiver.
  const std::string_view payload = view.payload();
  if (!protos_.Dispatch(ip.protocol, [&](RawDatagramProtocol* proto) {
        proto->DatagramReceived(payload, ip);
      })) {
    drops_.Add(DropReason::kNoProtocol);
  }
}

}  // namespace standin::netstack
