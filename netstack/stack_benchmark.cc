// Receive, parse and build costs of an Ethernet/IPv4/UDP frame with a 64-byte
// payload, each beside its limit, measured in the same iteration:
//
//   bazel run --config=opt //netstack:stack_benchmark
//
// A limit is the cheapest way to do the same work with the same checks,
// written flat: no views, no layers, no virtual calls between layers. It
// uses netstack's checksum primitives (internal::OnesComplementSum64, which
// checksum_benchmark measures against its own limit, and the inline 20-byte
// header sum), so these ratios are the cost of the layering alone.
//
// BM_Receive: EthernetProtocol -> IpProtocol -> RawUdpProtocol ->
//   DatagramProtocol. Limit: checks the Ethernet length and type, the IPv4
//   version, IHL, total length and header checksum, that it is UDP and not
//   a fragment, the UDP length and checksum and the port, then calls the
//   same DatagramProtocol with the sender's Address, cached while it
//   repeats, as ours does.
// BM_TunReceive: the same from IpProtocol down (a TUN port's path; issue 13
//   goal 3 measures it on a real TUN). Limit: the above minus Ethernet.
// BM_Parse: the three checked views. Limit: the same checks, flat.
// BM_Build: WriteUdpIpv4Frame (IPv4 header checksum, and the UDP checksum
//   unless range(0) == 0). Limit: stores the same fields straight from the
//   spec, with the same two checksums computed per frame.
// BM_BuildStrings: BuildEthernet(BuildUdpIpv4(...)), two allocations.
//   Limit: one string of the final size, filled by the build limit.
//
// Every output is checked after the clock stops: each receiver counts the
// datagrams, checks every payload and sender (ours and the limit's alike),
// parse results are compared field by field, and built frames must equal,
// byte for byte, a frame built independently by the one-call builders.
// Counters: ns_per_frame (ours), limit_ns_per_frame, x_limit = ours / limit,
// each side's median over batches of 1000 frames.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "benchmark/benchmark.h"
#include "standin/netstack/builders.h"
#include "standin/netstack/checksum.h"
#include "standin/netstack/ethernet.h"
#include "standin/netstack/ethernet_protocol.h"
#include "standin/netstack/ip_protocol.h"
#include "standin/netstack/ipv4.h"
#include "standin/netstack/raw_udp_protocol.h"
#include "standin/netstack/udp.h"
#include "standin/netstack/wire_field.h"
#include "standin/testutil/thread_cpu_clock.h"

namespace standin::netstack {
namespace {

using Clock = testutil::ThreadCpuClock;
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

// The frame built independently of WriteUdpIpv4Frame, by the one-call
// builders: the reference for every parse and build check.
std::string ReferenceFrame(UdpChecksumMode mode = UdpChecksumMode::kCompute) {
  return BuildEthernet(
      kSpec.source_mac, kSpec.destination_mac, kEtherTypeIpv4,
      BuildUdpIpv4(kSpec.source_ip, kSpec.source_port, kSpec.destination_ip,
                   kSpec.destination_port, Payload(), mode));
}

// Counts what it receives and whether every datagram was the frame's
// payload (the very bytes: a view into the frame, which never changes) from
// the expected sender; checked after the clock stops. Cheap, since it runs
// inside both timed loops alike.
class CheckingProtocol : public DatagramProtocol {
 public:
  explicit CheckingProtocol(std::string_view frame)
      : payload_(frame.substr(UdpFrameSize(0))) {}
  void DatagramReceived(std::string_view data, const Address& from) override {
    ++count;
    const IPv4Address* sender = std::get_if<IPv4Address>(&from);
    ok &= data.data() == payload_.data() && data.size() == payload_.size() &&
          sender != nullptr && sender->port == kSpec.source_port &&
          sender->host == "192.0.2.1" &&
          sender->kind == IPv4Address::Kind::kUdp;
  }
  int64_t count = 0;
  bool ok = true;

 private:
  const std::string_view payload_;
};

// ---- The limits: the same checks and outputs, written flat. ----

// The ones'-complement sum of `bytes` plus a host-order `initial`, folded:
// 0xffff when the bytes carry a correct checksum. Byte-order independent.
inline uint16_t FoldedSum(std::string_view bytes, uint64_t initial) {
  return internal::Fold64(
      internal::OnesComplementSum64(bytes.data(), bytes.size(), initial));
}

// What the UDP layer needs from a validated IPv4 packet.
struct FlatIpv4 {
  std::string_view payload;
  uint32_t source, destination;
};

// IPv4 checks in Ipv4Packet::Check's order, then UDP-and-whole.
inline bool FlatCheckIpv4(std::string_view packet, FlatIpv4* out) {
  const char* p = packet.data();
  if (packet.size() < 20) return false;
  const uint8_t version_ihl = static_cast<uint8_t>(p[0]);
  const size_t ihl = (version_ihl & 0x0fu) * 4;
  if (version_ihl >> 4 != 4 || ihl < 20 || ihl > packet.size()) return false;
  const size_t total = LoadBe16(p + 2);
  if (total < ihl || total > packet.size()) return false;
  // The header sum is a primitive, shared like the checksum: three loads
  // summed inline for the usual 20-byte header.
  if (!internal::Ipv4HeaderChecksumIsValid(p, ihl)) return false;
  if (static_cast<uint8_t>(p[9]) != kIpProtocolUdp) return false;
  if ((LoadBe16(p + 6) & 0x3fff) != 0) return false;  // MF or an offset
  // Bounds already checked: plain views, no substr() range checks.
  out->payload = std::string_view(p + ihl, total - ihl);
  out->source = LoadBe32(p + 12);
  out->destination = LoadBe32(p + 16);
  return true;
}

// UDP checks in UdpDatagram::Check's order; the payload, or false.
inline bool FlatCheckUdp(const FlatIpv4& ip, std::string_view* payload,
                         uint16_t* source_port, uint16_t* destination_port) {
  std::string_view udp = ip.payload;
  if (udp.size() < 8) return false;
  const size_t length = LoadBe16(udp.data() + 4);
  if (length < 8 || length > udp.size()) return false;
  udp = std::string_view(udp.data(), length);
  // The pseudo-header and the sum: a checksum primitive, shared like the
  // header sum.
  if (LoadBe16(udp.data() + 6) != 0 &&
      !internal::UdpChecksumVerifies(IPv4Host(ip.source),
                                     IPv4Host(ip.destination), udp)) {
    return false;
  }
  *payload = std::string_view(udp.data() + 8, length - 8);
  *source_port = LoadBe16(udp.data());
  *destination_port = LoadBe16(udp.data() + 2);
  return true;
}

// The receiving end of both limits: the port check and the call, with the
// sender's Address built in binary per datagram (RawUdpProtocol's rule).
class FlatUdpReceiver {
 public:
  explicit FlatUdpReceiver(DatagramProtocol* app) : app_(app) {}
  void Deliver(const FlatIpv4& ip) {
    std::string_view payload;
    uint16_t source_port, destination_port;
    if (!FlatCheckUdp(ip, &payload, &source_port, &destination_port) ||
        destination_port != kSpec.destination_port) {
      return;
    }
    const Address from = IPv4Address::Udp(IPv4Host(ip.source), source_port);
    app_->DatagramReceived(payload, from);
  }

 private:
  DatagramProtocol* app_;
};

__attribute__((noinline)) void FlatTunReceive(std::string_view packet,
                                              FlatUdpReceiver* udp) {
  FlatIpv4 ip;
  if (FlatCheckIpv4(packet, &ip)) udp->Deliver(ip);
}

__attribute__((noinline)) void FlatReceive(std::string_view frame,
                                           FlatUdpReceiver* udp) {
  if (frame.size() < 14 || LoadBe16(frame.data() + 12) != kEtherTypeIpv4) {
    return;
  }
  FlatTunReceive(std::string_view(frame.data() + 14, frame.size() - 14), udp);
}

// Writes the frame WriteUdpIpv4Frame writes, field by field from the spec.
__attribute__((noinline)) void FlatBuild(const UdpFrameSpec& spec,
                                         std::string_view payload, char* out) {
  const uint16_t udp_length = static_cast<uint16_t>(8 + payload.size());
  const uint16_t total = static_cast<uint16_t>(20 + udp_length);
  const uint32_t src = spec.source_ip.value(),
                 dst = spec.destination_ip.value();
  std::memcpy(out, spec.destination_mac.octets().data(), 6);
  std::memcpy(out + 6, spec.source_mac.octets().data(), 6);
  StoreBe16(out + 12, kEtherTypeIpv4);
  char* ip = out + 14;
  const uint32_t ttl_protocol = uint32_t{spec.ttl} << 8 | kIpProtocolUdp;
  StoreBe32(ip, 0x45000000u | total);
  StoreBe32(ip + 4, 0);  // identification, flags, fragment offset
  StoreBe16(ip + 8, static_cast<uint16_t>(ttl_protocol));
  StoreBe32(ip + 12, src);
  StoreBe32(ip + 16, dst);
  uint32_t sum = 0x4500 + total + ttl_protocol + (src >> 16) + (src & 0xffff) +
                 (dst >> 16) + (dst & 0xffff);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  StoreBe16(ip + 10, static_cast<uint16_t>(~sum));
  char* udp = ip + 20;
  StoreBe16(udp, spec.source_port);
  StoreBe16(udp + 2, spec.destination_port);
  StoreBe16(udp + 4, udp_length);
  uint16_t check = 0;
  if (spec.checksum == UdpChecksumMode::kCompute) {
    uint64_t words = (src >> 16) + (src & 0xffff) + (dst >> 16) +
                     (dst & 0xffff) + kIpProtocolUdp + udp_length +
                     spec.source_port + spec.destination_port + udp_length;
    uint16_t folded = __builtin_bswap16(
        FoldedSum(payload, __builtin_bswap16(internal::Fold64(words))));
    check = static_cast<uint16_t>(~folded);
    if (check == 0) check = 0xffff;
  }
  StoreBe16(udp + 6, check);
  std::memcpy(udp + 8, payload.data(), payload.size());
}

// ---- Reporting ----

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// Batch times of each side; a side's figure is their median (robust to the
// preemption and steal-time accounting of a shared VM, either way).
struct Batches {
  std::vector<double> ours, limit;
};

double Median(std::vector<double> v) {
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

void Report(benchmark::State& state, const Batches& batches) {
  const double ours = Median(batches.ours), limit = Median(batches.limit);
  state.counters["ns_per_frame"] = ours * 1e9 / kFramesPerBatch;
  state.counters["limit_ns_per_frame"] = limit * 1e9 / kFramesPerBatch;
  state.counters["x_limit"] = ours / limit;
}

// Times `kFramesPerBatch` calls of `limit` then of `ours`.
template <typename Limit, typename Ours>
void TimeBatch(Limit limit, Ours ours, Batches* batches) {
  auto start = Clock::now();
  for (int i = 0; i < kFramesPerBatch; ++i) {
    limit();
    benchmark::ClobberMemory();
  }
  batches->limit.push_back(Seconds(Clock::now() - start));
  start = Clock::now();
  for (int i = 0; i < kFramesPerBatch; ++i) {
    ours();
    benchmark::ClobberMemory();
  }
  batches->ours.push_back(Seconds(Clock::now() - start));
}

void CheckDelivered(benchmark::State& state, std::string_view frame,
                    const CheckingProtocol& ours,
                    const CheckingProtocol& limit) {
  if (frame.substr(UdpFrameSize(0)) != Payload()) {
    state.SkipWithError("the frame does not carry the payload");
  }
  const int64_t frames =
      static_cast<int64_t>(state.iterations()) * kFramesPerBatch;
  if (ours.count != frames || !ours.ok) {
    state.SkipWithError("ours did not deliver every frame intact");
  } else if (limit.count != frames || !limit.ok) {
    state.SkipWithError("the limit did not deliver every frame intact");
  }
}

// ---- Benchmarks ----

void BM_Receive(benchmark::State& state) {
  const std::string frame = ReferenceFrame();
  EthernetProtocol ether;
  IpProtocol ip;
  RawUdpProtocol udp;
  CheckingProtocol app(frame), limit_app(frame);
  FlatUdpReceiver flat(&limit_app);
  if (!ether.AddProto(kEtherTypeIpv4, &ip).ok() ||
      !ip.AddProto(kIpProtocolUdp, &udp).ok() ||
      !udp.AddProto(kSpec.destination_port, &app).ok()) {
    state.SkipWithError("AddProto failed");
    return;
  }
  Batches batches;
  for (auto _ : state) {
    TimeBatch([&] { FlatReceive(frame, &flat); },
              [&] { ether.DatagramReceived(frame); }, &batches);
  }
  CheckDelivered(state, frame, app, limit_app);
  Report(state, batches);
}

void BM_TunReceive(benchmark::State& state) {
  const std::string frame = ReferenceFrame();
  const std::string_view packet = std::string_view(frame).substr(14);
  IpProtocol ip;
  RawUdpProtocol udp;
  CheckingProtocol app(frame), limit_app(frame);
  FlatUdpReceiver flat(&limit_app);
  if (!ip.AddProto(kIpProtocolUdp, &udp).ok() ||
      !udp.AddProto(kSpec.destination_port, &app).ok()) {
    state.SkipWithError("AddProto failed");
    return;
  }
  const LinkMetadata tun_link;  // a TUN device has no link layer
  Batches batches;
  for (auto _ : state) {
    TimeBatch([&] { FlatTunReceive(packet, &flat); },
              [&] { ip.DatagramReceived(packet, tun_link); }, &batches);
  }
  CheckDelivered(state, frame, app, limit_app);
  Report(state, batches);
}

// What a parse yields, for comparing ours with the limit's.
struct Parsed {
  std::string_view payload;
  uint16_t source_port = 0, destination_port = 0;
  bool operator==(const Parsed& o) const {
    return payload.data() == o.payload.data() &&
           payload.size() == o.payload.size() && source_port == o.source_port &&
           destination_port == o.destination_port;
  }
};

__attribute__((noinline)) bool FlatParse(std::string_view frame, Parsed* out) {
  FlatIpv4 ip;
  if (frame.size() < 14 || LoadBe16(frame.data() + 12) != kEtherTypeIpv4 ||
      !FlatCheckIpv4(std::string_view(frame.data() + 14, frame.size() - 14),
                     &ip)) {
    return false;
  }
  return FlatCheckUdp(ip, &out->payload, &out->source_port,
                      &out->destination_port);
}

__attribute__((noinline)) bool OurParse(std::string_view frame, Parsed* out) {
  EthernetFrame eth;
  Ipv4Packet ip;
  UdpDatagram udp;
  if (EthernetFrame::Check(frame, &eth) != DropReason::kNone ||
      eth.ethertype() != kEtherTypeIpv4 ||
      Ipv4Packet::Check(eth.payload(), &ip) != DropReason::kNone ||
      ip.protocol() != kIpProtocolUdp || ip.is_fragment() ||
      UdpDatagram::Check(ip.payload(), ip.source(), ip.destination(), &udp) !=
          DropReason::kNone) {
    return false;
  }
  *out = {udp.payload(), udp.source_port(), udp.destination_port()};
  return true;
}

void BM_Parse(benchmark::State& state) {
  const std::string frame = ReferenceFrame();
  Parsed ours_out, limit_out;
  int64_t ours_ok = 0, limit_ok = 0;
  Batches batches;
  for (auto _ : state) {
    TimeBatch([&] { limit_ok += FlatParse(frame, &limit_out); },
              [&] { ours_ok += OurParse(frame, &ours_out); }, &batches);
  }
  const Parsed expected{std::string_view(frame).substr(42), kSpec.source_port,
                        kSpec.destination_port};
  const int64_t frames =
      static_cast<int64_t>(state.iterations()) * kFramesPerBatch;
  if (ours_ok != frames || limit_ok != frames || !(ours_out == expected) ||
      !(limit_out == expected)) {
    state.SkipWithError("a parse result differs from the frame");
  }
  Report(state, batches);
}

void BM_Build(benchmark::State& state) {
  UdpFrameSpec spec = kSpec;
  spec.checksum =
      state.range(0) ? UdpChecksumMode::kCompute : UdpChecksumMode::kNone;
  const std::string payload = Payload();
  std::vector<char> ours_out(UdpFrameSize(payload.size()));
  std::vector<char> limit_out(ours_out.size());
  Batches batches;
  for (auto _ : state) {
    TimeBatch([&] { FlatBuild(spec, payload, limit_out.data()); },
              [&] { WriteUdpIpv4Frame(spec, payload, ours_out.data()); },
              &batches);
  }
  const std::string expected = ReferenceFrame(spec.checksum);
  if (std::string(ours_out.begin(), ours_out.end()) != expected) {
    state.SkipWithError("our built frame differs from the reference");
  } else if (std::string(limit_out.begin(), limit_out.end()) != expected) {
    state.SkipWithError("the limit's frame differs from the reference");
  }
  Report(state, batches);
}

void BM_BuildStrings(benchmark::State& state) {
  const std::string payload = Payload();
  std::string ours_out, limit_out;
  Batches batches;
  for (auto _ : state) {
    TimeBatch(
        [&] {
          std::string frame(UdpFrameSize(payload.size()), '\0');
          FlatBuild(kSpec, payload, frame.data());
          limit_out = std::move(frame);
        },
        [&] {
          ours_out = BuildEthernet(
              kSpec.source_mac, kSpec.destination_mac, kEtherTypeIpv4,
              BuildUdpIpv4(kSpec.source_ip, kSpec.source_port,
                           kSpec.destination_ip, kSpec.destination_port,
                           payload));
        },
        &batches);
  }
  std::string expected(UdpFrameSize(payload.size()), '\0');
  WriteUdpIpv4Frame(kSpec, payload, expected.data());
  if (ours_out != expected || limit_out != expected) {
    state.SkipWithError("a built string differs from the reference");
  }
  Report(state, batches);
}

BENCHMARK(BM_Receive);
BENCHMARK(BM_TunReceive);
BENCHMARK(BM_Parse);
BENCHMARK(BM_Build)->ArgName("udp_checksum")->Arg(1)->Arg(0);
BENCHMARK(BM_BuildStrings);

}  // namespace
}  // namespace standin::netstack
