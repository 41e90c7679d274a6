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
#include <memory>
#include <string_view>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
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
                                             DatagramProtocol* proto);

  void DatagramReceived(std::string_view payload,
                        const Ipv4Metadata& ip) override;

  // Datagrams dropped so far, by reason.
  const DropCounts& drops() const { return drops_; }

 private:
  // Dispatch from inside a handler: with its own Address, not the cache.
  ABSL_ATTRIBUTE_NOINLINE void DispatchNested(
      std::string_view payload, IPv4Host source, uint16_t source_port,
      const std::vector<DatagramProtocol*>& protos);

  // The lists are boxed so that a handler may AddProto() during dispatch
  // (rehashing the map) without invalidating the list being walked.
  absl::flat_hash_map<uint16_t, std::unique_ptr<std::vector<DatagramProtocol*>>>
      protos_;
  DropCounts drops_;
  // The last sender as an Address, reused while it repeats, so a flow costs
  // no text formatting per datagram. Not used by a nested dispatch (a handler
  // that feeds this protocol again), which must not overwrite it.
  Address cached_from_;
  IPv4Host cached_ip_;
  uint16_t cached_port_ = 0;
  bool cache_valid_ = false;
  int dispatch_depth_ = 0;
  // The list of the last destination port dispatched to.
  uint16_t last_port_ = 0;
  const std::vector<DatagramProtocol*>* last_list_ = nullptr;
};

}  // namespace standin::netstack

#endif  // STANDIN_NETSTACK_RAW_UDP_PROTOCOL_H_
