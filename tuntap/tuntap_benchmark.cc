// TuntapPort read throughput, each figure beside its limit in the same run.
//
//   bazel run --config=opt //tuntap:tuntap_benchmark
//
// BM_RealTunRead (root; a private network namespace): a kernel UDP socket
// fills a real TUN with a batch of datagrams, then TuntapPort::DoRead()
// reads the batch into IpProtocol; the same batch is also read by a bare
// non-blocking read() loop on the same descriptor (the limit). Counters:
// port and raw datagrams/s and ratio_vs_raw (goal >= 0.9).
//
// BM_MemorySendUdpToProtocol: MemoryIoSystem::SendUdp -> DoRead ->
// IpProtocol -> RawUdpProtocol -> DatagramProtocol, per datagram (goal
// <= 300 ns). BM_MemoryHandLoopLimit is the limit: build the same packet
// into a reused buffer with WriteUdpIpv4Frame-style code and parse it with
// netstack's Check()s by hand, no queue, no port, no dispatch.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>

#include "benchmark/benchmark.h"
#include "standin/netstack/builders.h"
#include "standin/netstack/ip_protocol.h"
#include "standin/netstack/ipv4.h"
#include "standin/netstack/raw_udp_protocol.h"
#include "standin/netstack/udp.h"
#include "standin/testutil/memory_reactor.h"
#include "standin/testutil/private_network.h"
#include "standin/transport/status.h"
#include "standin/tuntap/memory_io_system.h"
#include "standin/tuntap/tuntap_port.h"

namespace standin {
namespace {

using ::standin::testutil::ConfigureInterface;
using ::standin::testutil::EnterPrivateNetworkNamespace;

class CountingDatagrams : public DatagramProtocol {
 public:
  void DatagramReceived(std::string_view data, const Address&) override {
    ++count;
    bytes += data.size();
  }
  uint64_t count = 0;
  uint64_t bytes = 0;
};

class CountingPackets : public netstack::RawPacketProtocol {
 public:
  void DatagramReceived(std::string_view packet,
                        const netstack::LinkMetadata&) override {
    ++count;
    benchmark::DoNotOptimize(packet.data());
  }
  uint64_t count = 0;
};

void BM_RealTunRead(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  if (absl::Status s = EnterPrivateNetworkNamespace(); !s.ok()) {
    state.SkipWithError(("needs root: " + s.ToString()).c_str());
    return;
  }
  testutil::MemoryReactor reactor;
  CountingPackets protocol;
  TuntapPort port("tun-bench", &protocol, TuntapPort::kDefaultMaxPacketSize,
                  &reactor);
  if (absl::Status s = port.StartListening(); !s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return;
  }
  if (absl::Status s = ConfigureInterface(port.interface(), "192.0.2.1", 24);
      !s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return;
  }
  const int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(9);
  ::inet_pton(AF_INET, "192.0.2.2", &to.sin_addr);
  const std::string payload(64, 'p');
  auto fill = [&] {
    for (int i = 0; i < batch; ++i) {
      (void)::sendto(sock, payload.data(), payload.size(), 0,
                     reinterpret_cast<sockaddr*>(&to), sizeof(to));
    }
  };
  const int fd = port.fileno();
  std::string buffer(TuntapPort::kDefaultMaxPacketSize + 1, '\0');
  using Clock = std::chrono::steady_clock;
  double port_seconds = 0, raw_seconds = 0;
  uint64_t port_datagrams = 0, raw_datagrams = 0;
  for (auto _ : state) {
    fill();
    auto start = Clock::now();
    const uint64_t before = protocol.count;
    if (!port.DoRead().ok()) state.SkipWithError("DoRead failed");
    auto end = Clock::now();
    port_seconds += std::chrono::duration<double>(end - start).count();
    port_datagrams += protocol.count - before;
    state.SetIterationTime(std::chrono::duration<double>(end - start).count());

    fill();
    start = Clock::now();
    while (true) {
      const ssize_t n = ::read(fd, buffer.data(), buffer.size());
      if (n < 0) break;
      benchmark::DoNotOptimize(buffer.data());
      ++raw_datagrams;
    }
    raw_seconds += std::chrono::duration<double>(Clock::now() - start).count();
  }
  ::close(sock);
  const double port_rate = port_datagrams / port_seconds;
  const double raw_rate = raw_datagrams / raw_seconds;
  state.counters["port_datagrams_per_s"] = port_rate;
  state.counters["raw_read_datagrams_per_s"] = raw_rate;
  state.counters["ratio_vs_raw"] = port_rate / raw_rate;
  state.counters["datagrams_lost"] =
      static_cast<double>(2 * batch * state.iterations()) -
      (port_datagrams + raw_datagrams);
  state.SetItemsProcessed(port_datagrams);
}
BENCHMARK(BM_RealTunRead)->Arg(64)->Arg(256)->UseManualTime();

void BM_MemorySendUdpToProtocol(benchmark::State& state) {
  const std::string payload(state.range(0), 'p');
  MemoryIoSystem system;
  testutil::MemoryReactor reactor;
  CountingDatagrams sink;
  netstack::RawUdpProtocol udp;
  netstack::IpProtocol ip;
  (void)udp.AddProto(9, &sink);
  (void)ip.AddProto(17, &udp);
  TuntapPort port("tun0", &ip, TuntapPort::kDefaultMaxPacketSize, &reactor,
                  &system);
  if (!port.StartListening().ok()) state.SkipWithError("cannot listen");
  system.RouteUdpTo(port.fileno());
  const UdpEndpoint to{"192.0.2.2", 9};
  for (auto _ : state) {
    (void)system.SendUdp(payload, to);
    (void)port.DoRead();
  }
  if (sink.count != static_cast<uint64_t>(state.iterations()))
    state.SkipWithError("lost datagrams");
  state.SetItemsProcessed(state.iterations());
  state.counters["ns_per_datagram"] = benchmark::Counter(
      state.iterations() * 1e-9,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_MemorySendUdpToProtocol)->Arg(64)->Arg(1024);

void BM_MemoryHandLoopLimit(benchmark::State& state) {
  const std::string payload(state.range(0), 'p');
  const netstack::Ipv4Address src(10, 1, 2, 3), dst(192, 0, 2, 2);
  std::string buffer;
  uint64_t delivered = 0;
  for (auto _ : state) {
    buffer = netstack::BuildUdpIpv4(src, 21345, dst, 9, payload);
    netstack::Ipv4Packet ip;
    netstack::UdpDatagram udp;
    if (netstack::Ipv4Packet::Check(buffer, &ip) ==
            netstack::DropReason::kNone &&
        netstack::UdpDatagram::Check(ip.payload(), ip.source(),
                                     ip.destination(),
                                     &udp) == netstack::DropReason::kNone) {
      benchmark::DoNotOptimize(udp.payload().data());
      ++delivered;
    }
  }
  if (delivered != static_cast<uint64_t>(state.iterations()))
    state.SkipWithError("parse failed");
  state.SetItemsProcessed(state.iterations());
  state.counters["ns_per_datagram"] = benchmark::Counter(
      state.iterations() * 1e-9,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_MemoryHandLoopLimit)->Arg(64)->Arg(1024);

}  // namespace
}  // namespace standin
