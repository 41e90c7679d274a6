#include "standin/netstack/raw_udp_protocol.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "standin/netstack/udp.h"

namespace standin::netstack {
namespace {

// Binary, as it came off the wire: no text per datagram.
Address SenderAddress(IPv4Host ip, uint16_t port) {
  return IPv4Address::Udp(ip, port);
}

}  // namespace

absl::Status RawUdpProtocol::AddProto(uint32_t port, DatagramProtocol* proto) {
  if (port > 0xffff) {
    return absl::InvalidArgumentError(
        absl::StrCat("Added protocol must fit in 16 bits: port ", port));
  }
  if (proto == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("Added protocol for port ", port, " is null"));
  }
  std::unique_ptr<std::vector<DatagramProtocol*>>& list =
      protos_[static_cast<uint16_t>(port)];
  if (list == nullptr)
    list = std::make_unique<std::vector<DatagramProtocol*>>();
  list->push_back(proto);
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
  // The last port's list first: consecutive datagrams of a flow skip the
  // hash. Lists are never removed and are boxed, so the pointer stays valid.
  if (last_list_ == nullptr || last_port_ != udp.destination_port()) {
    auto it = protos_.find(udp.destination_port());
    if (it == protos_.end()) {
      drops_.Add(DropReason::kNoProtocol);
      return;
    }
    last_port_ = udp.destination_port();
    last_list_ = it->second.get();
  }
  const std::vector<DatagramProtocol*>& protos = *last_list_;
  if (dispatch_depth_ > 0) {  // rare: keep its Address off the common path
    DispatchNested(udp.payload(), ip.source, udp.source_port(), protos);
    return;
  }
  if (!cache_valid_ || cached_ip_ != ip.source ||
      cached_port_ != udp.source_port()) {
    cached_from_ = SenderAddress(ip.source, udp.source_port());
    cached_ip_ = ip.source;
    cached_port_ = udp.source_port();
    cache_valid_ = true;
  }
  // By index: a handler may AddProto() and grow the list.
  ++dispatch_depth_;
  for (size_t i = 0; i < protos.size(); ++i) {
    protos[i]->DatagramReceived(udp.payload(), cached_from_);
  }
  --dispatch_depth_;
}

void RawUdpProtocol::DispatchNested(
    std::string_view payload, IPv4Host source, uint16_t source_port,
    const std::vector<DatagramProtocol*>& protos) {
  const Address from = SenderAddress(source, source_port);
  ++dispatch_depth_;
  for (size_t i = 0; i < protos.size(); ++i) {
    protos[i]->DatagramReceived(payload, from);
  }
  --dispatch_depth_;
}

}  // namespace standin::netstack
