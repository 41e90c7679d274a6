#include "standin/netstack/raw_udp_protocol.h"

#include <string>

#include "standin/netstack/udp.h"

namespace standin::netstack {
namespace {

Address SenderAddress(Ipv4Address ip, uint16_t port) {
  char host[Ipv4Address::kMaxTextSize];
  return IPv4Address{
      .kind = IPv4Address::Kind::kUdp,
      .host = std::string(host, ip.FormatTo(host)),
      .port = port,
  };
}

// Counts the dispatches under way, even when a handler throws (a TuntapPort
// catches what its protocol throws and goes on reading).
class DepthScope {
 public:
  explicit DepthScope(int* depth) : depth_(depth) { ++*depth_; }
  DepthScope(const DepthScope&) = delete;
  DepthScope& operator=(const DepthScope&) = delete;
  ~DepthScope() { --*depth_; }

 private:
  int* depth_;
};

}  // namespace

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
  bool found;
  if (dispatch_depth_ > 0) {
    found = DispatchNested(udp.payload(), ip.source, udp.source_port(),
                           udp.destination_port());
  } else {
    DepthScope scope(&dispatch_depth_);
    found = protos_.Dispatch(udp.destination_port(), [&](DatagramProtocol* p) {
      p->DatagramReceived(udp.payload(),
                          CachedSender(ip.source, udp.source_port()));
    });
  }
  if (!found) drops_.Add(DropReason::kNoProtocol);
}

void RawUdpProtocol::CacheSender(Ipv4Address ip, uint16_t port) {
  cached_from_ = SenderAddress(ip, port);
  cached_ip_ = ip;
  cached_port_ = port;
  cache_valid_ = true;
}

bool RawUdpProtocol::DispatchNested(std::string_view payload,
                                    Ipv4Address source, uint16_t source_port,
                                    uint16_t destination_port) {
  const Address from = SenderAddress(source, source_port);
  DepthScope scope(&dispatch_depth_);
  return protos_.Dispatch(destination_port, [&](DatagramProtocol* p) {
    p->DatagramReceived(payload, from);
  });
}

}  // namespace standin::netstack
