// libFuzzer target: the whole receive path. Each input is one frame fed to
// EthernetProtocol -> IpProtocol -> RawUdpProtocol -> DatagramProtocol (and,
// as a TUN port would, its payload straight to a second IpProtocol). Checks
// that every frame is either delivered or counted as dropped exactly once
// per layer it reached, and that what is delivered is a correct datagram.
#include <cstdint>
#include <string>
#include <string_view>

#include "standin/netstack/ethernet.h"
#include "standin/netstack/ethernet_protocol.h"
#include "standin/netstack/fuzz/fuzz_check.h"
#include "standin/netstack/ip_protocol.h"
#include "standin/netstack/ipv4.h"
#include "standin/netstack/raw_udp_protocol.h"
#include "standin/netstack/udp.h"

namespace {

using namespace standin::netstack;  // NOLINT: a fuzz target, not a header

class Sink : public standin::DatagramProtocol {
 public:
  void DatagramReceived(std::string_view data,
                        const standin::Address& from) override {
    ++delivered;
    last_size = data.size();
    FUZZ_CHECK(std::holds_alternative<standin::IPv4Address>(from));
    last_from = std::get<standin::IPv4Address>(from);
    FUZZ_CHECK(last_from.kind == standin::IPv4Address::Kind::kUdp);
  }
  int delivered = 0;
  size_t last_size = 0;
  standin::IPv4Address last_from;
};

class RawSink : public RawDatagramProtocol {
 public:
  void DatagramReceived(std::string_view payload,
                        const Ipv4Metadata& ip) override {
    ++delivered;
    FUZZ_CHECK(payload.size() + ip.ihl == ip.tot_len);
  }
  int delivered = 0;
};

// Built once: registering 256 protocols per input would dominate the run.
struct Stack {
  Stack() {
    FUZZ_CHECK(ether.AddProto(kEtherTypeIpv4, &ip).ok());
    FUZZ_CHECK(ip.AddProto(kIpProtocolUdp, &udp).ok());
    FUZZ_CHECK(ip.AddProto(kIpProtocolUdp, &raw_sink).ok());
    for (uint32_t port : {0u, 53u, 5353u, 40000u, 65535u}) {
      FUZZ_CHECK(udp.AddProto(port, &sink).ok());
    }
    for (uint32_t n = 0; n < 256; ++n) {
      FUZZ_CHECK(tun_ip.AddProto(n, &any_protocol).ok());
    }
  }
  EthernetProtocol ether;
  IpProtocol ip, tun_ip;
  RawUdpProtocol udp;
  Sink sink;
  RawSink raw_sink, any_protocol;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Stack* stack = new Stack;
  Stack& s = *stack;
  s.sink.delivered = 0;
  s.any_protocol.delivered = 0;
  const uint64_t ether_before = s.ether.drops().total();
  const uint64_t ip_before = s.ip.drops().total();
  const uint64_t udp_before = s.udp.drops().total();
  const uint64_t tun_before = s.tun_ip.drops().total();

  std::string_view frame(reinterpret_cast<const char*>(data), size);
  s.ether.DatagramReceived(frame, /*partial=*/size % 2 == 1);
  const uint64_t ether_dropped = s.ether.drops().total() - ether_before;
  const uint64_t ip_dropped = s.ip.drops().total() - ip_before;
  const uint64_t udp_dropped = s.udp.drops().total() - udp_before;
  FUZZ_CHECK(s.sink.delivered <= 1);
  FUZZ_CHECK(ether_dropped <= 1 && ip_dropped <= 1 && udp_dropped <= 1);
  if (s.sink.delivered == 1) {
    // Delivered: it must re-parse as a whole, valid UDP datagram.
    EthernetFrame eth = EthernetFrame::Parse(frame).value();
    Ipv4Packet packet = Ipv4Packet::Parse(eth.payload()).value();
    FUZZ_CHECK(!packet.is_fragment());
    UdpDatagram d = UdpDatagram::Parse(packet.payload(), packet.source(),
                                       packet.destination())
                        .value();
    FUZZ_CHECK(d.payload().size() == s.sink.last_size);
    // The sender, even when the protocol reuses its cached Address.
    FUZZ_CHECK(s.sink.last_from.host == packet.source().ToString());
    FUZZ_CHECK(s.sink.last_from.port == d.source_port());
    FUZZ_CHECK(udp_dropped == 0);
  } else {
    FUZZ_CHECK(ether_dropped + ip_dropped + udp_dropped == 1);
  }

  // The same bytes, minus the Ethernet header, into a TUN-style IpProtocol
  // that claims every protocol: delivered exactly when the packet is valid.
  if (size >= 14) {
    std::string_view packet = frame.substr(14);
    s.tun_ip.DatagramReceived(packet, {});
    Ipv4Packet unused;
    bool valid = Ipv4Packet::Check(packet, &unused) == DropReason::kNone;
    FUZZ_CHECK(s.any_protocol.delivered == (valid ? 1 : 0));
    FUZZ_CHECK(s.tun_ip.drops().total() - tun_before == (valid ? 0u : 1u));
  }
  return 0;
}
