#include "standin/netstack/raw_udp_protocol.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "standin/netstack/udp.h"

namespace standin::netstack {

absl::Status RawUdpProtocol::AddProto(uint32_t port, DatagramProtocol* proto) {
  if (port > 0xffff) {
    return absl::InvalidArgumentError(
        absl::StrCat("Added protocol must fit in 16 bits: port ", port));
  }
  if (proto == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("Added protocol for port ", port, " is null"));
  }
  protos_[static_cast<uint16_t>(port)].push_back(proto);
  return absl::OkStatus();
}

void RawUdpProtocol::DatagramReceived(std::string_view payload,
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
  auto it = protos_.find(udp.destination_port());
  if (it == protos_.end()) {
    drops_.Add(DropReason::kNoProtocol);
    return;
  }
  char host[Ipv4Address::kMaxTextSize];
  const Address from = IPv4Address{
      .kind = IPv4Address::Kind::kUdp,
      .host = std::string(host, ip.source.FormatTo(host)),
      .port = udp.source_port(),
  };
  // By index: a handler may AddProto() and grow the vector.
  const std::vector<DatagramProtocol*>& protos = it->second;
  for (size_t i = 0; i < protos.size(); ++i) {
    protos[i]->DatagramReceived(udp.payload(), from);
  }
}

}  // namespace standin::netstack
