// One-call packet builders for tests and for the in-memory tunnel: each
// returns the complete bytes, with every length and checksum filled in.
//
//   using namespace standin::netstack;
//   std::string ip = BuildUdpIpv4(IPv4Host(192, 0, 2, 1), 5353,
//                                 IPv4Host(192, 0, 2, 2), 53, "query");
//   std::string frame = BuildEthernet(my_mac, MacAddress::Broadcast(),
//                                     kEtherTypeIpv4, ip);
//   // Or with a hand-made header (options, fragment fields, TTL...):
//   Ipv4Header h{.source = a, .destination = b, .protocol = kIpProtocolUdp,
//                .options = std::string("\x01\x01\x01\x00", 4)};
//   std::string with_options = BuildIpv4(h, BuildUdp(1, 2, "x"));
//
// For the hot path, WriteUdpIpv4Frame() writes into a caller's buffer and
// never allocates.
#ifndef STANDIN_NETSTACK_BUILDERS_H_
#define STANDIN_NETSTACK_BUILDERS_H_

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "standin/netstack/ethernet.h"
#include "standin/netstack/ipv4.h"
#include "standin/netstack/mac_address.h"
#include "standin/netstack/udp.h"
#include "standin/transport/address.h"

namespace standin::netstack {

// Whether the UDP checksum is computed or sent as 0 ("none", RFC 768).
enum class UdpChecksumMode { kCompute, kNone };
// "compute" / "none".
std::ostream& operator<<(std::ostream& os, UdpChecksumMode mode);

// An Ethernet II frame: header + `payload` (no padding, no FCS).
std::string BuildEthernet(MacAddress source, MacAddress destination,
                          uint16_t ethertype, std::string_view payload);

// An IPv4 packet with a 20-byte header (TTL 64, no flags, id 0) and a
// correct header checksum. Dies if the packet would exceed 65535 bytes.
std::string BuildIpv4(IPv4Host source, IPv4Host destination, uint8_t protocol,
                      std::string_view payload);
// As above with every header field from `header`; its payload_length is
// replaced by payload.size().
std::string BuildIpv4(Ipv4Header header, std::string_view payload);

// A UDP datagram with checksum 0 (without the IP addresses it cannot be
// computed; BuildUdpIpv4 can).
std::string BuildUdp(uint16_t source_port, uint16_t destination_port,
                     std::string_view payload);

// An IPv4 packet carrying one UDP datagram, checksums computed (the UDP one
// unless `mode` is kNone).
std::string BuildUdpIpv4(IPv4Host source, uint16_t source_port,
                         IPv4Host destination, uint16_t destination_port,
                         std::string_view payload,
                         UdpChecksumMode mode = UdpChecksumMode::kCompute);

// Everything needed for an Ethernet/IPv4/UDP frame except the payload.
struct UdpFrameSpec {
  MacAddress source_mac;
  MacAddress destination_mac;
  IPv4Host source_ip;
  IPv4Host destination_ip;
  uint16_t source_port = 0;
  uint16_t destination_port = 0;
  uint8_t ttl = 64;
  UdpChecksumMode checksum = UdpChecksumMode::kCompute;
};
// "UdpFrameSpec{02:..:01 192.0.2.1:40000 > 02:..:02 192.0.2.2:53, ttl 64,
// checksum compute}".
std::ostream& operator<<(std::ostream& os, const UdpFrameSpec& spec);

// The size of the Ethernet/IPv4/UDP frame carrying `payload_size` bytes.
constexpr size_t UdpFrameSize(size_t payload_size) {
  return EthernetHeader::kSize + Ipv4Packet::kMinHeaderSize + UdpHeader::kSize +
         payload_size;
}

// Writes the whole frame to `out`, which must hold UdpFrameSize(payload
// size) bytes; returns that size. Allocation-free.
size_t WriteUdpIpv4Frame(const UdpFrameSpec& spec, std::string_view payload,
                         char* out);

}  // namespace standin::netstack

#endif  // STANDIN_NETSTACK_BUILDERS_H_
