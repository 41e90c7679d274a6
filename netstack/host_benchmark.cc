// Sending UDP through netstack::Host, beside its limit in the same
// iteration, with every heap allocation counted:
//
//   bazel run --config=opt //netstack:host_benchmark
//
// BM_HostWrite/<0 TUN, 1 TAP>: a bound port's Write(64 bytes, to) ->
//   Host (UDP -> IPv4 (-> Ethernet), both checksums, into its reused buffer;
//   on TAP the neighbour lookup) -> TuntapPort::WriteDatagram ->
//   MemoryIoSystem::Write -> the device (goal: <= 150 ns per datagram, no
//   allocation per datagram once warm). The device is a Tunnel that takes
//   each datagram as the kernel does, by copying it (into one reused
//   buffer), and counts it; the stock Tunnel keeps every datagram as a new
//   std::string for the test to inspect, an allocation that is the double's
//   record, not the stack's, measured apart in BM_HostWriteRecorded.
//   Limit: the same bytes built by hand — the headers stored field by field,
//   the same two checksums computed per datagram — into one reused buffer
//   and written with MemoryIoSystem::Write() on the same descriptor: no
//   Host, no port, no virtual call but the device's.
// BM_HostWriteRecorded/<0 TUN, 1 TAP>: the same into the stock Tunnel (each
//   datagram recorded in write_buffer(), which is emptied between batches,
//   outside the timed region). Its allocations are the record's, and the
//   limit makes the same ones.
//
// Every datagram carries a sequence number. After the run (outside the
// timed region) the device must have taken exactly the datagrams written,
// and one more datagram written by ours and by the limit with the same
// sequence number must equal, byte for byte, the datagram built
// independently by netstack's one-call builders.
//
// Counters: ns_per_datagram, limit_ns_per_datagram (each side's median over
// batches of 1000, thread CPU time), x_limit = ours / limit (>= 1 for a
// true limit), allocs_per_datagram and limit_allocs_per_datagram (counted by
// this binary's operator new over every timed batch).
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "benchmark/benchmark.h"
#include "standin/netstack/builders.h"
#include "standin/netstack/checksum.h"
#include "standin/netstack/host.h"
#include "standin/netstack/wire_field.h"
#include "standin/testutil/memory_reactor.h"
#include "standin/testutil/thread_cpu_clock.h"
#include "standin/tuntap/memory_io_system.h"
#include "standin/tuntap/tunnel.h"
#include "standin/tuntap/tuntap_port.h"

// Every allocation in the process, counted (the benchmark reads the count
// around its timed batches only).
namespace {
uint64_t allocations = 0;
}  // namespace

// GCC sees free() of what its `new` returned; here `new` is malloc().
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(size_t size) {
  ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace standin::netstack {
namespace {

using Clock = testutil::ThreadCpuClock;
constexpr int kPerBatch = 1000;
constexpr size_t kPayloadSize = 64;

const IPv4Host kHostIp = "192.0.2.2";
const IPv4Host kPeerIp = "192.0.2.1";
const MacAddress kHostMac({0x02, 0, 0, 0, 0, 0x02});
const MacAddress kPeerMac({0x02, 0, 0, 0, 0, 0x01});
constexpr uint16_t kHostPort = 7;
constexpr uint16_t kPeerPort = 40000;

// The device: takes each datagram by copying it, as the kernel does, into
// one reused buffer, and counts it.
class SinkTunnel : public Tunnel {
 public:
  using Tunnel::Tunnel;
  absl::StatusOr<size_t> Write(std::string_view data) override {
    ++taken;
    last.assign(data.data(), data.size());
    return data.size();
  }
  uint64_t taken = 0;
  std::string last;
};

// A payload whose first 8 bytes are the sequence number.
class Payload {
 public:
  Payload() : bytes_(kPayloadSize, '\0') {
    for (size_t i = 8; i < bytes_.size(); ++i) bytes_[i] = static_cast<char>(i);
  }
  std::string_view Next() {
    ++sequence_;
    std::memcpy(bytes_.data(), &sequence_, sizeof(sequence_));
    return bytes_;
  }
  std::string_view At(uint64_t sequence) {
    sequence_ = sequence - 1;
    return Next();
  }

 private:
  std::string bytes_;
  uint64_t sequence_ = 0;
};

// The limit's build: WriteUdpIpv4Frame's bytes, stored field by field with
// the two checksums computed; returns the bytes to write (from the IPv4
// header on a TUN).
__attribute__((noinline)) std::string_view HandBuild(bool tap,
                                                     std::string_view payload,
                                                     char* out) {
  const uint16_t udp_length = static_cast<uint16_t>(8 + payload.size());
  const uint16_t total = static_cast<uint16_t>(20 + udp_length);
  const uint32_t src = kHostIp.value(), dst = kPeerIp.value();
  std::memcpy(out, kPeerMac.octets().data(), 6);
  std::memcpy(out + 6, kHostMac.octets().data(), 6);
  StoreBe16(out + 12, kEtherTypeIpv4);
  char* ip = out + 14;
  const uint32_t ttl_protocol = uint32_t{64} << 8 | kIpProtocolUdp;
  StoreBe32(ip, 0x45000000u | total);
  StoreBe32(ip + 4, 0);
  StoreBe16(ip + 8, static_cast<uint16_t>(ttl_protocol));
  StoreBe32(ip + 12, src);
  StoreBe32(ip + 16, dst);
  uint32_t sum = 0x4500 + total + ttl_protocol + (src >> 16) + (src & 0xffff) +
                 (dst >> 16) + (dst & 0xffff);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  StoreBe16(ip + 10, static_cast<uint16_t>(~sum));
  char* udp = ip + 20;
  StoreBe16(udp, kHostPort);
  StoreBe16(udp + 2, kPeerPort);
  StoreBe16(udp + 4, udp_length);
  const uint64_t words = (src >> 16) + (src & 0xffff) + (dst >> 16) +
                         (dst & 0xffff) + kIpProtocolUdp + udp_length +
                         kHostPort + kPeerPort + udp_length;
  const uint16_t folded =
      __builtin_bswap16(internal::Fold64(internal::OnesComplementSum64(
          payload.data(), payload.size(),
          __builtin_bswap16(internal::Fold64(words)))));
  uint16_t check = static_cast<uint16_t>(~folded);
  StoreBe16(udp + 6, check == 0 ? 0xffff : check);
  std::memcpy(udp + 8, payload.data(), payload.size());
  const size_t frame = 14 + total;
  return tap ? std::string_view(out, frame) : std::string_view(ip, frame - 14);
}

// What the device must hold after a datagram with `payload`.
std::string Reference(bool tap, std::string_view payload) {
  std::string packet =
      BuildUdpIpv4(kHostIp, kHostPort, kPeerIp, kPeerPort, payload);
  if (!tap) return packet;
  return BuildEthernet(kHostMac, kPeerMac, kEtherTypeIpv4, packet);
}

double Median(std::vector<double> v) {
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

// Each side's batch times and allocation counts.
struct Batches {
  std::vector<double> ours, limit;
  uint64_t ours_allocations = 0, limit_allocations = 0;
  uint64_t ours_failures = 0, limit_failures = 0;
};

// A Host on a TuntapPort over a MemoryIoSystem, plus the limit's buffer.
struct Rig {
  explicit Rig(bool tap, bool sink) : tap(tap) {
    if (sink) {
      system.RegisterSpecialDevice(
          std::string(kTunDevicePath), [this](MemoryIoSystem*, int f, int m) {
            auto tunnel = std::make_unique<SinkTunnel>(f, m);
            this->sink = tunnel.get();
            return tunnel;
          });
    }
    port = tap ? std::make_unique<TuntapPort>("tap0", host.ethernet(),
                                              TuntapPort::kDefaultMaxPacketSize,
                                              &reactor, &system)
               : std::make_unique<TuntapPort>("tun0", host.ip(),
                                              TuntapPort::kDefaultMaxPacketSize,
                                              &reactor, &system);
    ok = port->StartListening().ok();
    host.AttachLink(port.get());
    absl::StatusOr<DatagramTransport*> bound = host.BindUdp(kHostPort, &app);
    ok = ok && bound.ok();
    if (ok) udp = *bound;
    if (tap) {
      // The peer spoke first: the host learned its MAC from the frame.
      host.ethernet()->DatagramReceived(BuildEthernet(
          kPeerMac, kHostMac, kEtherTypeIpv4,
          BuildUdpIpv4(kPeerIp, kPeerPort, kHostIp, kHostPort, "hello")));
      ok = ok && host.neighbor(kPeerIp) == kPeerMac;
    }
  }

  struct Quiet : DatagramProtocol {
    void DatagramReceived(std::string_view, const Address&) override {}
  };

  const bool tap;
  testutil::MemoryReactor reactor;
  MemoryIoSystem system;
  SinkTunnel* sink = nullptr;
  Host host{{.address = kHostIp,
             .mac = tap ? std::optional<MacAddress>(kHostMac) : std::nullopt},
            &reactor};
  std::unique_ptr<TuntapPort> port;
  Quiet app;
  DatagramTransport* udp = nullptr;
  std::string hand_buffer = std::string(14 + 1500, '\0');
  Payload payload;
  const Address to = IPv4Address::Udp(kPeerIp, kPeerPort);
  bool ok = false;

  bool WriteOurs(std::string_view data) { return udp->Write(data, to).ok(); }
  bool WriteLimit(std::string_view data) {
    return system
        .Write(port->fileno(), HandBuild(tap, data, hand_buffer.data()))
        .ok();
  }
  // What the device holds last.
  std::string Last() {
    if (sink != nullptr) return sink->last;
    Tunnel* tunnel = system.GetTunnel(*port);
    return tunnel->write_buffer().empty() ? std::string()
                                          : tunnel->write_buffer().back();
  }
};

void TimeBatch(Rig& rig, Batches* batches) {
  uint64_t before = allocations;
  auto start = Clock::now();
  for (int i = 0; i < kPerBatch; ++i) {
    batches->limit_failures += !rig.WriteLimit(rig.payload.Next());
    benchmark::ClobberMemory();
  }
  auto end = Clock::now();
  batches->limit_allocations += allocations - before;
  batches->limit.push_back(std::chrono::duration<double>(end - start).count());
  before = allocations;
  start = Clock::now();
  for (int i = 0; i < kPerBatch; ++i) {
    batches->ours_failures += !rig.WriteOurs(rig.payload.Next());
    benchmark::ClobberMemory();
  }
  end = Clock::now();
  batches->ours_allocations += allocations - before;
  batches->ours.push_back(std::chrono::duration<double>(end - start).count());
}

void Run(benchmark::State& state, bool sink) {
  const bool tap = state.range(0) == 1;
  Rig rig(tap, sink);
  if (!rig.ok || (sink && rig.sink == nullptr)) {
    state.SkipWithError("could not set up the host on a memory tunnel");
    return;
  }
  Tunnel* tunnel = rig.system.GetTunnel(*rig.port);
  const auto drain = [&] {
    if (!sink) tunnel->write_buffer().clear();
  };
  // Warm up: caches, the neighbour table, the buffers.
  Batches warm;
  for (int i = 0; i < 20; ++i) {
    TimeBatch(rig, &warm);
    drain();
  }
  const uint64_t taken_before = sink ? rig.sink->taken : 0;
  Batches batches;
  for (auto _ : state) {
    TimeBatch(rig, &batches);
    state.PauseTiming();
    drain();
    state.ResumeTiming();
  }
  const uint64_t datagrams =
      static_cast<uint64_t>(state.iterations()) * kPerBatch;
  if (batches.ours_failures + batches.limit_failures + warm.ours_failures +
          warm.limit_failures !=
      0) {
    state.SkipWithError("a write failed");
    return;
  }
  if (sink && rig.sink->taken - taken_before != 2 * datagrams) {
    state.SkipWithError("the device did not take every datagram");
    return;
  }
  // One more from each side with the same sequence number: both must be
  // the reference datagram.
  const std::string expected = Reference(tap, rig.payload.At(1u << 30));
  drain();
  const bool ours_ok = rig.WriteOurs(rig.payload.At(1u << 30));
  const std::string ours = rig.Last();
  const bool limit_ok = rig.WriteLimit(rig.payload.At(1u << 30));
  const std::string limit = rig.Last();
  if (!ours_ok || ours != expected) {
    state.SkipWithError("our datagram differs from the reference");
  } else if (!limit_ok || limit != expected) {
    state.SkipWithError("the limit's datagram differs from the reference");
  } else if (rig.host.drops().total() != 0) {
    state.SkipWithError("the host dropped something");
  }
  const double ours_s = Median(batches.ours), limit_s = Median(batches.limit);
  state.counters["ns_per_datagram"] = ours_s * 1e9 / kPerBatch;
  state.counters["limit_ns_per_datagram"] = limit_s * 1e9 / kPerBatch;
  state.counters["x_limit"] = ours_s / limit_s;
  state.counters["allocs_per_datagram"] =
      static_cast<double>(batches.ours_allocations) / datagrams;
  state.counters["limit_allocs_per_datagram"] =
      static_cast<double>(batches.limit_allocations) / datagrams;
}

void BM_HostWrite(benchmark::State& state) { Run(state, /*sink=*/true); }
void BM_HostWriteRecorded(benchmark::State& state) {
  Run(state, /*sink=*/false);
}

BENCHMARK(BM_HostWrite)->Arg(0)->Arg(1)->MinTime(2.0);
BENCHMARK(BM_HostWriteRecorded)->Arg(0)->Arg(1)->MinTime(1.0);

}  // namespace
}  // namespace standin::netstack
