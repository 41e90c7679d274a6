// The interfaces the twisted.pair protocol layers dispatch to, and the
// header fields each layer hands up (Twisted's IRawPacketProtocol and
// IRawDatagramProtocol, with the keyword arguments gathered into one struct).
//
// EthernetProtocol hands each frame's payload to the RawPacketProtocols
// registered for its ethertype; IpProtocol is one, and a TUN port hands raw
// IP packets straight to one (with an empty LinkMetadata). IpProtocol hands
// each packet's payload to the RawDatagramProtocols registered for its IP
// protocol number; RawUdpProtocol is one.
//
//   namespace ns = standin::netstack;
//   class CountIcmp : public ns::RawDatagramProtocol {
//    public:
//     void DatagramReceived(std::string_view payload,
//                           const ns::Ipv4Metadata& ip) override {
//       ++count;
//       last_source = ip.source;
//     }
//     int count = 0;
//     ns::IPv4Host last_source;
//   };
//   CountIcmp count_icmp;
//   ASSERT_TRUE(ip_protocol.AddProto(ns::kIpProtocolIcmp, &count_icmp).ok());
#ifndef STANDIN_NETSTACK_RAW_H_
#define STANDIN_NETSTACK_RAW_H_

#include <cstdint>
#include <ostream>
#include <string_view>

#include "standin/netstack/mac_address.h"
#include "standin/transport/address.h"

namespace standin::netstack {

// What the link layer knew about a packet. A TUN device has no link layer:
// the fields keep their zero defaults.
struct LinkMetadata {
  bool partial = false;  // the device truncated the frame
  MacAddress destination;
  MacAddress source;
  uint16_t protocol = 0;  // the ethertype

  friend bool operator==(const LinkMetadata&, const LinkMetadata&) = default;
};

// The IPv4 header fields Twisted's IPProtocol passes up, as values.
struct Ipv4Metadata {
  bool partial = false;
  IPv4Host source;
  IPv4Host destination;
  uint8_t protocol = 0;
  uint8_t version = 4;
  uint8_t ihl = 20;  // header length in BYTES, as Twisted reports it
  uint8_t tos = 0;
  uint16_t tot_len = 0;
  uint16_t fragment_id = 0;
  uint16_t fragment_offset = 0;  // 8-byte units, as on the wire
  bool dont_fragment = false;
  bool more_fragments = false;
  uint8_t ttl = 0;

  // MF set or a nonzero offset: the payload is only part of a datagram.
  bool is_fragment() const { return more_fragments || fragment_offset != 0; }
  friend bool operator==(const Ipv4Metadata&, const Ipv4Metadata&) = default;
};

std::ostream& operator<<(std::ostream& os, const LinkMetadata& m);
std::ostream& operator<<(std::ostream& os, const Ipv4Metadata& m);

// Receives link-layer payloads (IP packets, ARP messages...).
class RawPacketProtocol {
 public:
  virtual ~RawPacketProtocol() = default;
  // `packet` is valid only during the call.
  virtual void DatagramReceived(std::string_view packet,
                                const LinkMetadata& link) = 0;
};

// Receives IP payloads (UDP datagrams, ICMP messages...).
class RawDatagramProtocol {
 public:
  virtual ~RawDatagramProtocol() = default;
  // `payload` is valid only during the call.
  virtual void DatagramReceived(std::string_view payload,
                                const Ipv4Metadata& ip) = 0;
};

}  // namespace standin::netstack

#endif  // STANDIN_NETSTACK_RAW_H_
