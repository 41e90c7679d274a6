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
  DispatchTable<DatagramProtocol> protos_{"port", 16};
  DropCounts drops_;
};

}  // namespace standin::netstack

#endif  // STANDIN_NETSTACK_RAW_UDP_PROTOCOL_H_
