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
    const auto& a = std::get<standin::IPv4Address>(from);
    FUZZ_CHECK(Ipv4Address::Parse(a.host).ok());
  }
  int delivered = 0;
  size_t last_size = 0;
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view frame(reinterpret_cast<const char*>(data), size);
  EthernetProtocol ether;
  IpProtocol ip, tun_ip;
  RawUdpProtocol udp;
  Sink sink;
  RawSink raw_sink, any_protocol;
  FUZZ_CHECK(ether.AddProto(kEtherTypeIpv4, &ip).ok());
  FUZZ_CHECK(ip.AddProto(kIpProtocolUdp, &udp).ok());
  FUZZ_CHECK(ip.AddProto(kIpProtocolUdp, &raw_sink).ok());
  // Every port the frame could name, so a valid datagram is always claimed.
  if (size >= 14 + 20 + 4) {
    for (uint32_t port : {0u, 53u, 5353u, 40000u, 65535u}) {
      FUZZ_CHECK(udp.AddProto(port, &sink).ok());
    }
  }
  for (uint32_t n = 0; n < 256; ++n) {
    FUZZ_CHECK(tun_ip.AddProto(n, &any_protocol).ok());
  }

  ether.DatagramReceived(frame, /*partial=*/size % 2 == 1);
  uint64_t dropped =
      ether.drops().total() + ip.drops().total() + udp.drops().total();
  FUZZ_CHECK(sink.delivered <= 1);
  FUZZ_CHECK(ether.drops().total() <= 1 && ip.drops().total() <= 1 &&
             udp.drops().total() <= 1);
  if (sink.delivered == 1) {
    // Delivered: it must re-parse as a whole, valid UDP datagram.
    EthernetFrame eth = EthernetFrame::Parse(frame).value();
    Ipv4Packet packet = Ipv4Packet::Parse(eth.payload()).value();
    FUZZ_CHECK(!packet.is_fragment());
    UdpDatagram d = UdpDatagram::Parse(packet.payload(), packet.source(),
                                       packet.destination())
                        .value();
    FUZZ_CHECK(d.payload().size() == sink.last_size);
    FUZZ_CHECK(udp.drops().total() == 0);
  } else {
    FUZZ_CHECK(dropped >= 1);
  }

  // The same bytes, minus the Ethernet header, into a TUN-style IpProtocol
  // that claims every protocol: delivered exactly when the packet is valid.
  if (size >= 14) {
    std::string_view packet = frame.substr(14);
    tun_ip.DatagramReceived(packet, {});
    Ipv4Packet unused;
    bool valid = Ipv4Packet::Check(packet, &unused) == DropReason::kNone;
    FUZZ_CHECK(any_protocol.delivered == (valid ? 1 : 0));
    FUZZ_CHECK(tun_ip.drops().total() == (valid ? 0u : 1u));
  }
  return 0;
}
