#include "standin/testutil/packet_matchers.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_format.h"
#include "standin/netstack/ethernet.h"
#include "standin/netstack/ipv4.h"
#include "standin/netstack/udp.h"
#include "standin/testutil/bytes_diff.h"

namespace standin::testutil::packet_matchers_internal {
namespace {

std::string Hex16(uint16_t v) { return absl::StrFormat("0x%04x", v); }

// Runs the payload matcher; on a mismatch explains it after "; ".
bool MatchPayload(std::string_view payload, const BytesMatcher& matcher,
                  std::ostream* why) {
  testing::StringMatchResultListener inner;
  bool matched = matcher.MatchAndExplain(payload, &inner);
  std::string explanation = inner.str();
  if (matched) {
    *why << "; payload " << QuoteBytes(payload, 32) << " matches";
    return true;
  }
  // Packet matchers explain themselves in layers; anything else gets the
  // payload and what was expected of it.
  if (explanation.rfind("Ethernet", 0) == 0 ||
      explanation.rfind("IPv4", 0) == 0 || explanation.rfind("not ", 0) == 0) {
    *why << "; " << explanation;
  } else {
    *why << "; payload " << QuoteBytes(payload)
         << " does not match (expected: ";
    matcher.DescribeTo(why);
    *why << ")";
    if (!explanation.empty()) *why << ", " << explanation;
  }
  return false;
}

}  // namespace

bool MatchEthernet(std::string_view bytes, const EthernetExpectation& want,
                   const BytesMatcher& payload, std::ostream* why) {
  absl::StatusOr<netstack::EthernetFrame> frame =
      netstack::EthernetFrame::Parse(bytes);
  if (!frame.ok()) {
    *why << "not an Ethernet frame: " << frame.status().message();
    return false;
  }
  *why << "Ethernet " << frame->source() << " -> " << frame->destination()
       << " type " << Hex16(frame->ethertype());
  if (want.destination && frame->destination() != *want.destination) {
    *why << ": destination " << frame->destination() << ", expected "
         << *want.destination;
    return false;
  }
  if (want.source && frame->source() != *want.source) {
    *why << ": source " << frame->source() << ", expected " << *want.source;
    return false;
  }
  if (frame->ethertype() != want.ethertype) {
    *why << ": ethertype " << Hex16(frame->ethertype()) << ", expected "
         << Hex16(want.ethertype);
    return false;
  }
  return MatchPayload(frame->payload(), payload, why);
}

bool MatchIpv4(std::string_view bytes, const Ipv4Expectation& want,
               const BytesMatcher& payload, std::ostream* why) {
  absl::StatusOr<netstack::Ipv4Packet> ip = netstack::Ipv4Packet::Parse(bytes);
  if (!ip.ok()) {
    *why << "not a valid IPv4 packet: " << ip.status().message();
    return false;
  }
  *why << "IPv4 " << ip->source() << " -> " << ip->destination() << " protocol "
       << int{ip->protocol()};
  if (want.source && ip->source() != *want.source) {
    *why << ": source " << ip->source() << ", expected " << *want.source;
    return false;
  }
  if (want.destination && ip->destination() != *want.destination) {
    *why << ": destination " << ip->destination() << ", expected "
         << *want.destination;
    return false;
  }
  if (ip->protocol() != want.protocol) {
    *why << ": protocol " << int{ip->protocol()} << ", expected "
         << int{want.protocol};
    return false;
  }
  return MatchPayload(ip->payload(), payload, why);
}

bool MatchUdp(std::string_view bytes, const UdpExpectation& want,
              const BytesMatcher& payload, std::ostream* why) {
  absl::StatusOr<netstack::Ipv4Packet> ip = netstack::Ipv4Packet::Parse(bytes);
  if (!ip.ok()) {
    *why << "not a valid IPv4 packet: " << ip.status().message();
    return false;
  }
  *why << "IPv4 " << ip->source() << " -> " << ip->destination();
  if (ip->protocol() != netstack::kIpProtocolUdp) {
    *why << ": protocol " << int{ip->protocol()} << ", expected 17 (UDP)";
    return false;
  }
  if (ip->is_fragment()) {
    *why << ": a fragment (MF " << ip->more_fragments() << ", offset "
         << ip->fragment_offset() << "), not a whole UDP datagram";
    return false;
  }
  if (want.source && ip->source() != *want.source) {
    *why << ": source " << ip->source() << ", expected " << *want.source;
    return false;
  }
  if (ip->destination() != want.destination) {
    *why << ": destination " << ip->destination() << ", expected "
         << want.destination;
    return false;
  }
  absl::StatusOr<netstack::UdpDatagram> udp = netstack::UdpDatagram::Parse(
      ip->payload(), ip->source(), ip->destination());
  if (!udp.ok()) {
    *why << "; " << udp.status().message();
    return false;
  }
  *why << "; UDP " << udp->source_port() << " -> " << udp->destination_port();
  if (want.source_port && udp->source_port() != *want.source_port) {
    *why << ": UDP src port " << udp->source_port() << ", expected "
         << *want.source_port;
    return false;
  }
  if (udp->destination_port() != want.destination_port) {
    *why << ": UDP dst port " << udp->destination_port() << ", expected "
         << want.destination_port;
    return false;
  }
  return MatchPayload(udp->payload(), payload, why);
}

void DescribeEthernet(const EthernetExpectation& want,
                      const BytesMatcher& payload, std::ostream* os) {
  *os << "is an Ethernet frame";
  if (want.source) *os << " from " << *want.source;
  if (want.destination) *os << " to " << *want.destination;
  *os << " with ethertype " << Hex16(want.ethertype) << " whose payload ";
  payload.DescribeTo(os);
}

void DescribeIpv4(const Ipv4Expectation& want, const BytesMatcher& payload,
                  std::ostream* os) {
  *os << "is a valid IPv4 packet";
  if (want.source) *os << " from " << *want.source;
  if (want.destination) *os << " to " << *want.destination;
  *os << " with protocol " << int{want.protocol} << " whose payload ";
  payload.DescribeTo(os);
}

void DescribeUdp(const UdpExpectation& want, const BytesMatcher& payload,
                 std::ostream* os) {
  *os << "is a valid IPv4/UDP datagram";
  if (want.source) {
    *os << " from " << *want.source;
    if (want.source_port) *os << ":" << *want.source_port;
  } else if (want.source_port) {
    *os << " from port " << *want.source_port;
  }
  *os << " to " << want.destination << ":" << want.destination_port
      << " whose payload ";
  payload.DescribeTo(os);
}

}  // namespace standin::testutil::packet_matchers_internal
