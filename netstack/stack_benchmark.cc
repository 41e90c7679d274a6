// Receive and build costs of an Ethernet/IPv4/UDP frame with a 64-byte
// payload, each beside a hand-written limit measured in the same iteration.
//
//   bazel run --config=opt //netstack:stack_benchmark
//
// BM_Receive: EthernetProtocol -> IpProtocol -> RawUdpProtocol ->
//   DatagramProtocol, validating everything (lengths, version, IHL, both
//   checksums) and building the sender's IPv4Address. Limit: a loop that
//   memcpy's the headers into structs, reads the fields a dispatcher needs
//   and calls the same DatagramProtocol, validating nothing. Goal: <= 25 ns.
// BM_Parse: the three checked views alone (no dispatch, no address text).
// BM_Build: WriteUdpIpv4Frame (IPv4 header checksum, and the UDP checksum
//   unless range(0) == 0). Limit: memcpy of a prebuilt 42-byte header
//   template plus the payload. Goal: <= 25 ns.
//
// Counters: ns_per_frame is ours, limit_ns_per_frame the limit's, x_limit =
// ours / limit.
#include <time.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "standin/netstack/builders.h"
#include "standin/netstack/ethernet.h"
#include "standin/netstack/ethernet_protocol.h"
#include "standin/netstack/ip_protocol.h"
#include "standin/netstack/ipv4.h"
#include "standin/netstack/raw_udp_protocol.h"
#include "standin/netstack/udp.h"

namespace standin::netstack {
namespace {

// Thread CPU time, not wall time: the machine is shared, and a preempted
// batch must not count against either side.
struct Clock {
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<Clock, duration>;
  static time_point now() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return time_point(duration(int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec));
  }
};
constexpr int kFramesPerBatch = 1000;

const UdpFrameSpec kSpec{
    .source_mac = MacAddress({0x02, 0, 0, 0, 0, 0x0a}),
    .destination_mac = MacAddress({0x02, 0, 0, 0, 0, 0x0b}),
    .source_ip = IPv4Host(192, 0, 2, 1),
    .destination_ip = IPv4Host(192, 0, 2, 2),
    .source_port = 40000,
    .destination_port = 5353,
};

std::string Payload() {
  std::string payload(64, '\0');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i);
  return payload;
}

std::string Frame() {
  std::string payload = Payload();
  std::string frame(UdpFrameSize(payload.size()), '\0');
  WriteUdpIpv4Frame(kSpec, payload, frame.data());
  return frame;
}

class CountingProtocol : public DatagramProtocol {
 public:
  void DatagramReceived(std::string_view data, const Address& from) override {
    bytes += data.size();
    benchmark::DoNotOptimize(&from);
  }
  size_t bytes = 0;
};

// What a dispatcher that trusts its input reads, as plain structs.
struct RawEthernet {
  uint8_t dst[6], src[6];
  uint16_t type;
};
struct RawIpv4 {
  uint8_t version_ihl, tos;
  uint16_t total_length, id, frag;
  uint8_t ttl, protocol;
  uint16_t checksum;
  uint32_t src, dst;
};
struct RawUdp {
  uint16_t sport, dport, length, checksum;
};

__attribute__((noinline)) void LimitReceive(std::string_view frame,
                                            CountingProtocol* app) {
  RawEthernet eth;
  std::memcpy(&eth, frame.data(), 14);
  if (eth.type != __builtin_bswap16(kEtherTypeIpv4)) return;
  RawIpv4 ip;
  std::memcpy(&ip, frame.data() + 14, 20);
  if (ip.protocol != kIpProtocolUdp) return;
  RawUdp udp;
  size_t ihl = (ip.version_ihl & 0x0f) * 4u;
  std::memcpy(&udp, frame.data() + 14 + ihl, 8);
  if (udp.dport != __builtin_bswap16(5353)) return;
  static const Address kFrom = IPv4Address::Udp(IPv4Host(), 0);
  app->DatagramReceived(frame.substr(14 + ihl + 8), kFrom);
}

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

void Report(benchmark::State& state, double ours, double limit) {
  const double frames =
      static_cast<double>(state.iterations()) * kFramesPerBatch;
  state.counters["ns_per_frame"] = ours * 1e9 / frames;
  state.counters["limit_ns_per_frame"] = limit * 1e9 / frames;
  state.counters["x_limit"] = ours / limit;
}

void BM_Receive(benchmark::State& state) {
  const std::string frame = Frame();
  EthernetProtocol ether;
  IpProtocol ip;
  RawUdpProtocol udp;
  CountingProtocol app, limit_app;
  if (!ether.AddProto(kEtherTypeIpv4, &ip).ok() ||
      !ip.AddProto(kIpProtocolUdp, &udp).ok() ||
      !udp.AddProto(5353, &app).ok()) {
    state.SkipWithError("AddProto failed");
    return;
  }
  double ours = 0, limit = 0;
  for (auto _ : state) {
    auto start = Clock::now();
    for (int i = 0; i < kFramesPerBatch; ++i) {
      LimitReceive(frame, &limit_app);
      benchmark::ClobberMemory();
    }
    limit += Seconds(Clock::now() - start);
    start = Clock::now();
    for (int i = 0; i < kFramesPerBatch; ++i) {
      ether.DatagramReceived(frame);
      benchmark::ClobberMemory();
    }
    ours += Seconds(Clock::now() - start);
  }
  if (app.bytes != limit_app.bytes) state.SkipWithError("frames not delivered");
  Report(state, ours, limit);
}

void BM_Parse(benchmark::State& state) {
  const std::string frame = Frame();
  CountingProtocol limit_app;
  size_t payload_bytes = 0;
  double ours = 0, limit = 0;
  for (auto _ : state) {
    auto start = Clock::now();
    for (int i = 0; i < kFramesPerBatch; ++i) {
      LimitReceive(frame, &limit_app);
      benchmark::ClobberMemory();
    }
    limit += Seconds(Clock::now() - start);
    start = Clock::now();
    for (int i = 0; i < kFramesPerBatch; ++i) {
      EthernetFrame eth;
      Ipv4Packet ip;
      UdpDatagram udp;
      if (EthernetFrame::Check(frame, &eth) == DropReason::kNone &&
          Ipv4Packet::Check(eth.payload(), &ip) == DropReason::kNone &&
          UdpDatagram::Check(ip.payload(), ip.source(), ip.destination(),
                             &udp) == DropReason::kNone) {
        payload_bytes += udp.payload().size();
      }
      benchmark::ClobberMemory();
    }
    ours += Seconds(Clock::now() - start);
  }
  benchmark::DoNotOptimize(payload_bytes);
  Report(state, ours, limit);
}

void BM_Build(benchmark::State& state) {
  UdpFrameSpec spec = kSpec;
  spec.checksum =
      state.range(0) ? UdpChecksumMode::kCompute : UdpChecksumMode::kNone;
  const std::string payload = Payload();
  const std::string prebuilt = Frame();  // the limit copies its headers
  std::vector<char> out(UdpFrameSize(payload.size()));
  double ours = 0, limit = 0;
  for (auto _ : state) {
    auto start = Clock::now();
    for (int i = 0; i < kFramesPerBatch; ++i) {
      std::memcpy(out.data(), prebuilt.data(), 42);
      std::memcpy(out.data() + 42, payload.data(), payload.size());
      benchmark::ClobberMemory();
    }
    limit += Seconds(Clock::now() - start);
    start = Clock::now();
    for (int i = 0; i < kFramesPerBatch; ++i) {
      WriteUdpIpv4Frame(spec, payload, out.data());
      benchmark::ClobberMemory();
    }
    ours += Seconds(Clock::now() - start);
  }
  if (std::string(out.begin(), out.end()) != Frame() && state.range(0)) {
    state.SkipWithError("built frame differs");
  }
  Report(state, ours, limit);
}

// The allocating one-call builders, for comparison: BuildEthernet(
// BuildUdpIpv4(...)) returns a fresh std::string (two allocations).
void BM_BuildStrings(benchmark::State& state) {
  const std::string payload = Payload();
  const std::string prebuilt = Frame();
  double ours = 0, limit = 0;
  for (auto _ : state) {
    auto start = Clock::now();
    for (int i = 0; i < kFramesPerBatch; ++i) {
      std::string copy = prebuilt;  // one allocation + memcpy
      benchmark::DoNotOptimize(copy.data());
    }
    limit += Seconds(Clock::now() - start);
    start = Clock::now();
    for (int i = 0; i < kFramesPerBatch; ++i) {
      std::string frame = BuildEthernet(
          kSpec.source_mac, kSpec.destination_mac, kEtherTypeIpv4,
          BuildUdpIpv4(kSpec.source_ip, kSpec.source_port, kSpec.destination_ip,
                       kSpec.destination_port, payload));
      benchmark::DoNotOptimize(frame.data());
    }
    ours += Seconds(Clock::now() - start);
  }
  Report(state, ours, limit);
}

BENCHMARK(BM_Receive);
BENCHMARK(BM_Parse);
BENCHMARK(BM_Build)->ArgName("udp_checksum")->Arg(1)->Arg(0);
BENCHMARK(BM_BuildStrings);

}  // namespace
}  // namespace standin::netstack
