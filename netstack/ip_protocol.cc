#include "standin/netstack/ip_protocol.h"

#include "absl/strings/str_cat.h"
#include "standin/netstack/ipv4.h"

namespace standin::netstack {

absl::Status IpProtocol::AddProto(uint32_t number, RawDatagramProtocol* proto) {
  if (number > 0xff) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Added protocol must fit in 8 bits: IP protocol ", number));
  }
  if (proto == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("Added protocol for IP protocol ", number, " is null"));
  }
  protos_[number].push_back(proto);
  return absl::OkStatus();
}

void IpProtocol::DatagramReceived(std::string_view packet,
                                  const LinkMetadata& link) {
  Ipv4Packet view;
  if (DropReason reason = Ipv4Packet::Check(packet, &view);
      reason != DropReason::kNone) {
    drops_.Add(reason);
    return;
  }
  const std::vector<RawDatagramProtocol*>& protos = protos_[view.protocol()];
  if (protos.empty()) {
    drops_.Add(DropReason::kNoProtocol);
    return;
  }
  Ipv4Metadata ip{
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
  // By index: a handler may AddProto() and grow the vector.
  for (size_t i = 0; i < protos.size(); ++i) {
    protos[i]->DatagramReceived(view.payload(), ip);
  }
}

}  // namespace standin::netstack
