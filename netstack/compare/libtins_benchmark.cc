// netstack beside libtins (Debian libtins-dev) on the same jobs: receive an
// Ethernet/IPv4/UDP frame with a 64-byte payload and reach its payload, and
// build that frame with checksums. Not a Bazel target (libtins is not a
// project dependency); run_libtins_comparison.sh builds and runs it.
//
// libtins parses the whole frame into a PDU chain but validates no checksum;
// ours validates lengths, version, IHL and both checksums, and dispatches
// through three protocol layers to a DatagramProtocol. Building, both compute
// the IPv4 and UDP checksums; libtins returns a std::vector, ours writes into
// a caller's buffer (BM_*_Build) or returns std::strings (BuildStrings).
#include <tins/tins.h>

#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "standin/netstack/builders.h"
#include "standin/netstack/ethernet_protocol.h"
#include "standin/netstack/ip_protocol.h"
#include "standin/netstack/raw_udp_protocol.h"

namespace standin::netstack {
namespace {

const UdpFrameSpec kSpec{
    .source_mac = MacAddress({0x02, 0, 0, 0, 0, 0x0a}),
    .destination_mac = MacAddress({0x02, 0, 0, 0, 0, 0x0b}),
    .source_ip = IPv4Host(192, 0, 2, 1),
    .destination_ip = IPv4Host(192, 0, 2, 2),
    .source_port = 40000,
    .destination_port = 5353,
};

std::string Payload() { return std::string(64, 'p'); }

std::string Frame() {
  std::string frame(UdpFrameSize(64), '\0');
  WriteUdpIpv4Frame(kSpec, Payload(), frame.data());
  return frame;
}

class CountingProtocol : public DatagramProtocol {
 public:
  void DatagramReceived(std::string_view data, const Address&) override {
    bytes += data.size();
  }
  size_t bytes = 0;
};

void BM_Ours_Receive(benchmark::State& state) {
  const std::string frame = Frame();
  EthernetProtocol ether;
  IpProtocol ip;
  RawUdpProtocol udp;
  CountingProtocol app;
  (void)ether.AddProto(kEtherTypeIpv4, &ip);
  (void)ip.AddProto(kIpProtocolUdp, &udp);
  (void)udp.AddProto(5353, &app);
  for (auto _ : state) {
    ether.DatagramReceived(frame);
    benchmark::ClobberMemory();
  }
  if (app.bytes != 64 * state.iterations()) state.SkipWithError("lost frames");
}

void BM_Libtins_Receive(benchmark::State& state) {
  const std::string frame = Frame();
  const auto* data = reinterpret_cast<const uint8_t*>(frame.data());
  size_t bytes = 0;
  for (auto _ : state) {
    Tins::EthernetII eth(data, static_cast<uint32_t>(frame.size()));
    const Tins::UDP* udp = eth.find_pdu<Tins::UDP>();
    if (udp != nullptr && udp->dport() == 5353) {
      bytes += udp->rfind_pdu<Tins::RawPDU>().payload_size();
    }
    benchmark::ClobberMemory();
  }
  if (bytes != 64 * state.iterations()) state.SkipWithError("lost frames");
}

void BM_Ours_Build(benchmark::State& state) {
  const std::string payload = Payload();
  std::vector<char> out(UdpFrameSize(payload.size()));
  for (auto _ : state) {
    WriteUdpIpv4Frame(kSpec, payload, out.data());
    benchmark::ClobberMemory();
  }
}

void BM_Ours_BuildStrings(benchmark::State& state) {
  const std::string payload = Payload();
  for (auto _ : state) {
    std::string frame = BuildEthernet(
        kSpec.source_mac, kSpec.destination_mac, kEtherTypeIpv4,
        BuildUdpIpv4(kSpec.source_ip, kSpec.source_port, kSpec.destination_ip,
                     kSpec.destination_port, payload));
    benchmark::DoNotOptimize(frame.data());
  }
}

void BM_Libtins_Build(benchmark::State& state) {
  const std::string payload = Payload();
  for (auto _ : state) {
    Tins::EthernetII eth =
        Tins::EthernetII("02:00:00:00:00:0b", "02:00:00:00:00:0a") /
        Tins::IP("192.0.2.2", "192.0.2.1") / Tins::UDP(5353, 40000) /
        Tins::RawPDU(payload);
    Tins::PDU::serialization_type bytes = eth.serialize();
    benchmark::DoNotOptimize(bytes.data());
  }
}

BENCHMARK(BM_Ours_Receive);
BENCHMARK(BM_Libtins_Receive);
BENCHMARK(BM_Ours_Build);
BENCHMARK(BM_Ours_BuildStrings);
BENCHMARK(BM_Libtins_Build);

}  // namespace
}  // namespace standin::netstack
