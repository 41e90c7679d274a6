// IpProtocol: twisted.pair's IPProtocol. Validates each IPv4 packet and hands
// its payload, with the header fields, to every RawDatagramProtocol
// registered for the packet's IP protocol number.
//
// It is a RawPacketProtocol: register it with an EthernetProtocol for
// ethertype 0x0800, or give it to a TUN port directly. Unlike Twisted it
// reads the real header length (options are skipped), trims link padding by
// the total length and verifies the header checksum; malformed packets and
// packets for unregistered protocols are dropped and counted in drops().
// Fragments are delivered as they are, flagged in the metadata.
//
//   standin::netstack::IpProtocol ip;
//   standin::netstack::RawUdpProtocol udp;
//   ASSERT_TRUE(ip.AddProto(standin::netstack::kIpProtocolUdp, &udp).ok());
//   ip.DatagramReceived(BuildUdpIpv4(src, 1234, dst, 53, "q"), {});
#ifndef STANDIN_NETSTACK_IP_PROTOCOL_H_
#define STANDIN_NETSTACK_IP_PROTOCOL_H_

#include <cstdint>
#include <string_view>

#include "absl/base/attributes.h"
#include "absl/status/status.h"
#include "standin/netstack/dispatch_table.h"
#include "standin/netstack/drop_reason.h"
#include "standin/netstack/raw.h"

namespace standin::netstack {

class IpProtocol : public RawPacketProtocol {
 public:
  IpProtocol() = default;
  IpProtocol(const IpProtocol&) = delete;
  IpProtocol& operator=(const IpProtocol&) = delete;

  // Registers `proto` (not owned; must outlive this) for IP protocol
  // `number`. Several protocols may share a number; each gets every packet.
  // InvalidArgument if `number` does not fit 8 bits (the header field; Twisted
  // allows 32 and then never matches) or `proto` is null.
  ABSL_MUST_USE_RESULT absl::Status AddProto(uint32_t number,
                                             RawDatagramProtocol* proto) {
    return protos_.Add(number, proto);
  }

  void DatagramReceived(std::string_view packet,
                        const LinkMetadata& link) override;

  // Packets dropped so far, by reason.
  const DropCounts& drops() const { return drops_; }

 private:
  DispatchTable<RawDatagramProtocol> protos_{"IP protocol", 8};
  DropCounts drops_;
};

}  // namespace standin::netstack

#endif  // STANDIN_NETSTACK_IP_PROTOCOL_H_
