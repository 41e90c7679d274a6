// RawUdpProtocol: twisted.pair's RawUDPProtocol. Validates each UDP datagram
// (lengths, and the checksum over the IPv4 pseudo-header when nonzero) and
// hands its payload to every DatagramProtocol registered for the destination
// port, from IPv4Address(kUdp, source ip, source port).
//
// It is a RawDatagramProtocol: register it with an IpProtocol for protocol 17.
// IP fragments are dropped (counted as kIpv4Fragment): without reassembly a
// fragment is not a whole datagram, and delivering it as one would lie.
//
//   class Echo : public standin::DatagramProtocol {
//     void DatagramReceived(std::string_view data,
//                           const standin::Address& from) override { ... }
//   };
//   standin::netstack::RawUdpProtocol udp;
//   Echo echo;
//   ASSERT_TRUE(udp.AddProto(7, &echo).ok());
//   ASSERT_TRUE(ip.AddProto(standin::netstack::kIpProtocolUdp, &udp).ok());
#ifndef STANDIN_NETSTACK_RAW_UDP_PROTOCOL_H_
#define STANDIN_NETSTACK_RAW_UDP_PROTOCOL_H_

#include <cstdint>
#include <string_view>

#include "absl/base/attributes.h"
#include "absl/status/status.h"
#include "standin/netstack/dispatch_table.h"
#include "standin/netstack/drop_reason.h"
#include "standin/netstack/raw.h"
#include "standin/transport/interfaces.h"

namespace standin::netstack {

class RawUdpProtocol : public RawDatagramProtocol {
 public:
  RawUdpProtocol() = default;
  RawUdpProtocol(const RawUdpProtocol&) = delete;
  RawUdpProtocol& operator=(const RawUdpProtocol&) = delete;

  // Registers `proto` (not owned; must outlive this) for destination `port`.
  // Several protocols may share a port; each gets every datagram.
  // InvalidArgument if `port` does not fit 16 bits or `proto` is null.
  ABSL_MUST_USE_RESULT absl::Status AddProto(uint32_t port,
                                             DatagramProtocol* proto) {
    return protos_.Add(port, proto);
  }

  void DatagramReceived(std::string_view payload,
                        const Ipv4Metadata& ip) override;

  // Datagrams dropped so far, by reason.
  const DropCounts& drops() const { return drops_; }

 private:
  // The sender as an Address, reused while it repeats, so a flow costs no
  // text formatting per datagram.
  const Address& CachedSender(Ipv4Address ip, uint16_t port) {
    if (!cache_valid_ || cached_ip_ != ip || cached_port_ != port) {
      CacheSender(ip, port);
    }
    return cached_from_;
  }
  ABSL_ATTRIBUTE_NOINLINE void CacheSender(Ipv4Address ip, uint16_t port);
  // Dispatch from inside a handler (a handler that feeds this protocol
  // again): with its own Address, since the outer dispatch still hands out
  // the cached one. Rare, so kept off the common path.
  ABSL_ATTRIBUTE_NOINLINE bool DispatchNested(std::string_view payload,
                                              Ipv4Address source,
                                              uint16_t source_port,
                                              uint16_t destination_port);

  DispatchTable<DatagramProtocol> protos_{"port", 16};
  DropCounts drops_;
  Address cached_from_;
  Ipv4Address cached_ip_;
  uint16_t cached_port_ = 0;
  bool cache_valid_ = false;
  int dispatch_depth_ = 0;
};

}  // namespace standin::netstack

#endif  // STANDIN_NETSTACK_RAW_UDP_PROTOCOL_H_
