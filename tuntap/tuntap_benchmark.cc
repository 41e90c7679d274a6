// Receiving UDP through a TuntapPort, each figure beside its limit measured
// in the same iteration:
//
//   bazel run --config=opt //tuntap:tuntap_benchmark --
//       --benchmark_repetitions=7 --benchmark_report_aggregates_only=true
//
// and read the _median rows (each repetition's counters are already medians
// over its iterations; the median over repetitions shrugs off a repetition
// spoiled by the other work on a shared machine).
//
// The limit (all cases) is HandLayers below: the checks our IpProtocol and
// RawUdpProtocol make, in the same order and with the same outcome, written
// out by hand in one function that shares no code with netstack's parsers
// (so a slow parser shows as a lower ratio instead of slowing both sides),
// then the payload and the sender's Address to the same receiver, inline.
//
// BM_RealTunReceive/<batch> (root; a private network namespace, TEST-NET
// addresses): a kernel UDP socket sends a batch of 64-byte datagrams out
// through a real TUN, outside the timed region, before each side's turn.
// Ours receives the batch the real way: EpollReactor::RunOnce() ->
// TuntapPort::DoRead() -> IpProtocol -> RawUdpProtocol -> a DatagramProtocol
// (goal: ratio >= 0.95). The limit does it by hand on the same descriptor:
// epoll_wait() on an epoll set holding it (level-triggered EPOLLIN, as the
// reactor's), then read() until EAGAIN into a buffer of the port's size,
// each packet to HandLayers. Both make the same system calls (one
// epoll_wait, one read per datagram, one EAGAIN read), so the ratio is what
// our code costs in user space. A third side attributes that cost: the
// limit's loop feeding our IpProtocol (layers_ns_per_datagram,
// layers_ratio = limit / it): its distance from the limit is our netstack
// layers, its distance from ours is the port and the reactor. The three
// sides take turns going first, second and third.
//
// BM_ProtocolLayers/<payload size>: no device, no reactor: 256 datagrams in
// memory to IpProtocol::DatagramReceived() and to HandLayers. The layers
// alone, warm, without the noise of system calls.
//
// BM_MemoryUdpReceive/<payload size>: MemoryIoSystem::SendUdp() ->
// TuntapPort::DoRead() -> IpProtocol -> RawUdpProtocol -> the receiver, one
// datagram at a time (goal: <= 300 ns per datagram). The limit does the
// same work without the machinery: it builds the same IPv4/UDP packet, both
// checksums computed, into a reused buffer (no allocation per datagram),
// copies it into a read buffer as the device read does, and hands it to
// HandLayers.
//
// Every datagram carries a sequence number. After each run (outside the
// timed region) the receiver must have seen exactly the datagrams sent (the
// count and the sum of sequence numbers), all from the expected sender, and
// nothing may have been dropped, by our layers or by the limit.
//
// Counters: ns_per_datagram and limit_ns_per_datagram (medians over
// iterations), ratio = the limit's time / ours (<= 1 for a true limit), the
// median of the per-iteration ratios (each iteration's sides run back to
// back, so slow drifts in load cancel), ratio_best from the fastest
// iteration of each (means are useless here: one preemption of a few
// milliseconds outweighs thousands of short batches); the real case also
// gives datagrams_per_s and limit_datagrams_per_s (medians).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "benchmark/benchmark.h"
#include "standin/netstack/builders.h"
#include "standin/netstack/checksum.h"
#include "standin/netstack/ip_protocol.h"
#include "standin/netstack/ipv4.h"
#include "standin/netstack/raw_udp_protocol.h"
#include "standin/netstack/udp.h"
#include "standin/testutil/memory_reactor.h"
#include "standin/testutil/private_network.h"
#include "standin/transport/epoll_reactor.h"
#include "standin/tuntap/memory_io_system.h"
#include "standin/tuntap/tuntap_port.h"

namespace standin {
namespace {

using Clock = std::chrono::steady_clock;
using testutil::ConfigureInterface;
using testutil::EnterPrivateNetworkNamespace;

constexpr uint16_t kPort = 9;  // where the datagrams go

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// The application: counts what arrives and checks who sent it. The same
// object and the same work for ours and for the limit.
class Receiver : public DatagramProtocol {
 public:
  void set_sender(IPv4Host host, uint16_t port) {
    sender_host_ = host;
    sender_port_ = port;
  }
  void DatagramReceived(std::string_view data, const Address& from) override {
    Take(data, from);
  }
  void Take(std::string_view data, const Address& from) {
    ++count;
    uint64_t sequence = 0;
    std::memcpy(&sequence, data.data(), std::min(data.size(), size_t{8}));
    sequence_sum += sequence;
    const auto* ip = std::get_if<IPv4Address>(&from);
    if (ip == nullptr || ip->port != sender_port_ || ip->host != sender_host_) {
      ++wrong_sender;
    }
  }
  uint64_t count = 0;
  uint64_t sequence_sum = 0;
  uint64_t wrong_sender = 0;

 private:
  IPv4Host sender_host_;
  uint16_t sender_port_ = 0;
};

// The in-memory cases' check after each side's batch (outside the timed
// region): the receiver heard exactly `batch` datagrams since the counts
// `count_before`/`sum_before`, their sequence numbers summing to `want_sum`,
// all from the expected sender, and nobody dropped anything. An error naming
// the side, or "".
std::string BatchError(bool ours, bool failed, const Receiver& receiver,
                       uint64_t count_before, uint64_t sum_before,
                       uint64_t batch, uint64_t want_sum, uint64_t drops) {
  if (failed || receiver.count - count_before != batch ||
      receiver.sequence_sum - sum_before != want_sum ||
      receiver.wrong_sender != 0 || drops != 0) {
    return std::string(ours ? "ours" : "limit") +
           ": the datagrams received are not those sent";
  }
  return "";
}

// The limit's validation, written out by hand in the most direct way and
// sharing no code with netstack: the same checks, in the same order, with
// the same outcome (deliver or drop) as IpProtocol + RawUdpProtocol, so the
// limit pays for exactly what we validate and nothing more:
//   IPv4: >= 20 bytes; version 4; IHL >= 5 and within the packet; total
//   length >= the header and within the packet (trailing bytes trimmed);
//   the header checksum (options included); protocol 17; not a fragment
//   (MF clear, offset 0).
//   UDP: >= 8 bytes; length field >= 8 and within the IP payload (trimmed);
//   a nonzero checksum verified over the pseudo-header; destination port 9.
// The sums are checksum.h's OnesComplementSum64(), the fastest we have
// (inline up to 192 bytes, SIMD beyond, held to an AVX2 loop by
// checksum_benchmark), as our layers use it.
namespace hand {

inline uint16_t Be16(const char* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return __builtin_bswap16(v);
}
inline uint32_t Be32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}
// The ones'-complement sum of `size` bytes plus `initial`, folded: the
// checksum primitive our layers use too (inline for small inputs, SIMD
// beyond), so the ratios are the cost of the layers, not of the sum.
inline uint16_t Sum(const char* p, size_t size, uint64_t initial) {
  return netstack::internal::Fold64(
      netstack::internal::OnesComplementSum64(p, size, initial));
}

}  // namespace hand

class HandLayers {
 public:
  explicit HandLayers(Receiver* receiver) : receiver_(receiver) {}
  // Returns false (a drop) where our layers would drop the packet.
  bool Deliver(const char* p, size_t n) {
    if (n < 20) return false;
    const uint8_t version_ihl = static_cast<uint8_t>(p[0]);
    if (version_ihl >> 4 != 4) return false;
    const size_t header = size_t{version_ihl & 0x0fu} * 4;
    if (header < 20 || header > n) return false;
    const size_t total = hand::Be16(p + 2);
    if (total < header || total > n) return false;
    if (hand::Sum(p, header, 0) != 0xffff) return false;
    if (static_cast<uint8_t>(p[9]) != 17) return false;
    if ((hand::Be16(p + 6) & 0x3fff) != 0) return false;  // MF or offset
    const char* u = p + header;
    const size_t available = total - header;
    if (available < 8) return false;
    const size_t length = hand::Be16(u + 4);
    if (length < 8 || length > available) return false;
    const uint32_t source = hand::Be32(p + 12);
    const uint32_t destination = hand::Be32(p + 16);
    if (hand::Be16(u + 6) != 0) {
      // The pseudo-header as integers, byte-swapped to join the
      // little-endian words of the datagram.
      uint64_t pseudo = (source >> 16) + (source & 0xffff) +
                        (destination >> 16) + (destination & 0xffff) + 17 +
                        length;
      pseudo = (pseudo & 0xffff) + (pseudo >> 16);
      pseudo = (pseudo & 0xffff) + (pseudo >> 16);
      const uint16_t initial = __builtin_bswap16(static_cast<uint16_t>(pseudo));
      const uint16_t sum = hand::Sum(u, length, initial);
      if (sum != 0xffff) return false;
    }
    if (hand::Be16(u + 2) != kPort) return false;
    // The sender in binary, as our RawUdpProtocol hands it over.
    receiver_->Take(std::string_view(u + 8, length - 8),
                    IPv4Address::Udp(IPv4Host(source), hand::Be16(u)));
    return true;
  }

 private:
  Receiver* receiver_;
};

// Per-iteration times of both sides.
struct Times {
  std::vector<double> ours, limit;
  // Optional: the limit's loop feeding our layers (real TUN only).
  std::vector<double> layers;
  static double Median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
  }
  static double Min(const std::vector<double>& v) {
    return v.empty() ? 0 : *std::min_element(v.begin(), v.end());
  }
  // Sets the common counters; `items` per iteration and side.
  void Report(benchmark::State& state, double items) const {
    const double ours_median = Median(ours), limit_median = Median(limit);
    auto& c = state.counters;
    c["ns_per_datagram"] = ours_median / items * 1e9;
    c["limit_ns_per_datagram"] = limit_median / items * 1e9;
    // Each iteration's pair side by side: slow drifts in load cancel.
    std::vector<double> ratios;
    for (size_t i = 0; i < ours.size() && i < limit.size(); ++i) {
      ratios.push_back(limit[i] / ours[i]);
    }
    c["ratio"] = Median(ratios);
    c["ratio_best"] = Min(limit) / Min(ours);
    if (!layers.empty()) {
      c["layers_ns_per_datagram"] = Median(layers) / items * 1e9;
      ratios.clear();
      for (size_t i = 0; i < layers.size() && i < limit.size(); ++i) {
        ratios.push_back(limit[i] / layers[i]);
      }
      c["layers_ratio"] = Median(ratios);
    }
    state.SetItemsProcessed(static_cast<int64_t>(items * ours.size()));
  }
};

// --- Real TUN ----------------------------------------------------------------

// The limit's receive loop: one epoll_wait(), then read() until EAGAIN,
// each packet to `deliver` (which returns false for a drop). Returns the
// datagrams read (delivered or dropped), or -1 with `*error` set.
template <typename Deliver>
int64_t DrainByHand(int epoll_fd, int fd, std::string& buffer,
                    Deliver&& deliver, uint64_t* drops, std::string* error) {
  epoll_event event;
  int ready;
  do {
    ready = ::epoll_wait(epoll_fd, &event, 1, 5000);
  } while (ready < 0 && errno == EINTR);
  if (ready <= 0) {
    *error = ready == 0 ? "nothing to read for 5 s" : std::strerror(errno);
    return -1;
  }
  int64_t seen = 0;
  while (true) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EAGAIN) return seen;
      if (errno == EINTR) continue;
      *error = std::string("read: ") + std::strerror(errno);
      return -1;
    }
    ++seen;
    // A packet longer than the port's maximum would be cut: a drop here.
    if (static_cast<size_t>(n) == buffer.size() ||
        !deliver(buffer.data(), static_cast<size_t>(n))) {
      ++*drops;
    }
  }
}

void BM_RealTunReceive(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  if (absl::Status s = EnterPrivateNetworkNamespace(); !s.ok()) {
    state.SkipWithError(("needs root: " + s.ToString()).c_str());
    return;
  }
  EpollReactor reactor;
  Receiver receiver;
  netstack::RawUdpProtocol udp;
  netstack::IpProtocol ip;
  if (!udp.AddProto(kPort, &receiver).ok() ||
      !ip.AddProto(netstack::kIpProtocolUdp, &udp).ok()) {
    state.SkipWithError("AddProto failed");
    return;
  }
  TuntapPort port("tun-bench", &ip, TuntapPort::kDefaultMaxPacketSize,
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
  // The network: a socket in the namespace sending to 192.0.2.2 (the far
  // end of the tunnel) from 192.0.2.1.
  const int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, "192.0.2.1", &from.sin_addr);
  socklen_t from_size = sizeof(from);
  if (sock < 0 ||
      ::bind(sock, reinterpret_cast<sockaddr*>(&from), sizeof(from)) != 0 ||
      ::getsockname(sock, reinterpret_cast<sockaddr*>(&from), &from_size) !=
          0) {
    state.SkipWithError("cannot make the sending socket");
    return;
  }
  receiver.set_sender("192.0.2.1", ntohs(from.sin_port));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(kPort);
  ::inet_pton(AF_INET, "192.0.2.2", &to.sin_addr);

  // The limit's epoll set and read buffer (a byte more than the port's
  // maximum, as the port has, to see truncation). The reactor's set holds
  // the same descriptor the same way (level-triggered EPOLLIN), and both
  // sets hold it throughout, so every side pays the same wakeups.
  const int epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event interest{};
  interest.events = EPOLLIN;
  if (epoll_fd < 0 ||
      ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, port.fileno(), &interest) != 0) {
    state.SkipWithError("cannot make the limit's epoll set");
    return;
  }
  std::string buffer(TuntapPort::kDefaultMaxPacketSize + 1, '\0');
  HandLayers layers(&receiver);
  const auto by_hand = [&layers](const char* p, size_t n) {
    return layers.Deliver(p, n);
  };
  // The attribution side: the limit's loop feeding our IpProtocol (drops
  // are counted by our layers).
  const netstack::LinkMetadata link;
  const auto by_our_layers = [&ip, &link](const char* p, size_t n) {
    ip.DatagramReceived(std::string_view(p, n), link);
    return true;
  };

  std::string payload(64, 'p');
  uint64_t sequence = 0;
  // Sends a batch; returns the sum of its sequence numbers.
  auto send_batch = [&]() -> uint64_t {
    uint64_t sum = 0;
    for (int i = 0; i < batch; ++i) {
      ++sequence;
      std::memcpy(payload.data(), &sequence, sizeof(sequence));
      if (::sendto(sock, payload.data(), payload.size(), 0,
                   reinterpret_cast<sockaddr*>(&to),
                   sizeof(to)) != static_cast<ssize_t>(payload.size())) {
        return 0;
      }
      sum += sequence;
    }
    return sum;
  };

  enum Side { kOurs, kLimit, kLayers };
  static constexpr const char* kNames[] = {
      "ours: ", "limit: ", "raw loop + our layers: "};
  Times times;
  uint64_t limit_drops = 0;
  std::string error;
  int first = 0;
  for (auto _ : state) {
    // Each side in turn goes first, second and third: what one side leaves
    // in the caches (or the scheduler does meanwhile) hits all alike.
    for (int k = 0; k < 3 && error.empty(); ++k) {
      const Side side = static_cast<Side>((first + k) % 3);
      const uint64_t sum = send_batch();
      if (sum == 0) {
        error = std::string("sendto: ") + std::strerror(errno);
        break;
      }
      const uint64_t count_before = receiver.count;
      const uint64_t sum_before = receiver.sequence_sum;
      const uint64_t target = count_before + batch;
      const Clock::time_point start = Clock::now();
      if (side == kOurs) {
        const Clock::time_point deadline = start + std::chrono::seconds(5);
        // Until every datagram is delivered or dropped.
        while (receiver.count + ip.drops().total() + udp.drops().total() <
                   target &&
               Clock::now() < deadline) {
          if (!reactor.RunOnce(absl::Seconds(1)).ok()) break;
        }
      } else {
        for (int64_t seen = 0, n = 0; seen < batch; seen += n) {
          n = side == kLimit ? DrainByHand(epoll_fd, port.fileno(), buffer,
                                           by_hand, &limit_drops, &error)
                             : DrainByHand(epoll_fd, port.fileno(), buffer,
                                           by_our_layers, &limit_drops, &error);
          if (n < 0) break;
        }
      }
      const double seconds = Seconds(Clock::now() - start);
      // The checks, outside the timed region.
      const char* who = kNames[side];
      if (!error.empty()) {
        error = who + error;
      } else if (receiver.count != target ||
                 receiver.sequence_sum - sum_before != sum) {
        error = std::string(who) + "received " +
                std::to_string(receiver.count - count_before) + " of " +
                std::to_string(batch) + " datagrams (or not the ones sent)";
      } else if (receiver.wrong_sender != 0) {
        error = std::string(who) + "a datagram came from the wrong sender";
      } else if (ip.drops().total() + udp.drops().total() + limit_drops != 0) {
        error = std::string(who) + "dropped " + ip.drops().ToString() + " " +
                udp.drops().ToString() + " limit " +
                std::to_string(limit_drops);
      }
      (side == kOurs    ? times.ours
       : side == kLimit ? times.limit
                        : times.layers)
          .push_back(seconds);
      if (side == kOurs) state.SetIterationTime(seconds);
    }
    if (!error.empty()) {
      state.SkipWithError(error.c_str());
      break;
    }
    first = (first + 1) % 3;
  }
  ::close(epoll_fd);
  ::close(sock);
  if (!error.empty()) return;
  times.Report(state, batch);
  state.counters["datagrams_per_s"] = batch / Times::Median(times.ours);
  state.counters["limit_datagrams_per_s"] = batch / Times::Median(times.limit);
}
BENCHMARK(BM_RealTunReceive)
    ->Arg(16)
    ->Arg(64)
    ->Arg(256)
    ->MinTime(0.2)  // affordable repetitions: sending costs 5x receiving
    ->UseManualTime();

// --- The protocol layers alone ----------------------------------------------

// No device and no reactor: the same 256 datagrams (already in memory,
// outside the timed region) go to IpProtocol::DatagramReceived() and, for
// the limit, to HandLayers::Deliver(). What our three layers cost beyond
// the checks themselves, without the noise of system calls.
void BM_ProtocolLayers(benchmark::State& state) {
  constexpr int kBatch = 256;
  Receiver receiver;
  netstack::RawUdpProtocol udp;
  netstack::IpProtocol ip;
  if (!udp.AddProto(kPort, &receiver).ok() ||
      !ip.AddProto(netstack::kIpProtocolUdp, &udp).ok()) {
    state.SkipWithError("AddProto failed");
    return;
  }
  const IPv4Host source(192, 0, 2, 1), destination(192, 0, 2, 2);
  constexpr uint16_t kSourcePort = 40000;
  receiver.set_sender(source, kSourcePort);
  std::vector<std::string> packets;
  uint64_t batch_sum = 0;
  std::string payload(static_cast<size_t>(state.range(0)), 'p');
  for (uint64_t sequence = 1; sequence <= kBatch; ++sequence) {
    std::memcpy(payload.data(), &sequence, sizeof(sequence));
    packets.push_back(netstack::BuildUdpIpv4(source, kSourcePort, destination,
                                             kPort, payload));
    batch_sum += sequence;
  }
  HandLayers layers(&receiver);
  uint64_t limit_drops = 0;
  Times times;
  std::string error;
  bool ours_first = true;
  const netstack::LinkMetadata link;
  for (auto _ : state) {
    for (int k = 0; k < 2; ++k) {
      const bool ours = (k == 0) == ours_first;
      const uint64_t count_before = receiver.count;
      const uint64_t sum_before = receiver.sequence_sum;
      const Clock::time_point start = Clock::now();
      if (ours) {
        for (const std::string& packet : packets) {
          ip.DatagramReceived(packet, link);
        }
      } else {
        for (const std::string& packet : packets) {
          if (!layers.Deliver(packet.data(), packet.size())) ++limit_drops;
        }
      }
      const double seconds = Seconds(Clock::now() - start);
      // The checks, outside the timed region.
      error = BatchError(
          ours, false, receiver, count_before, sum_before, kBatch, batch_sum,
          ip.drops().total() + udp.drops().total() + limit_drops);
      if (!error.empty()) break;
      (ours ? times.ours : times.limit).push_back(seconds);
      if (ours) state.SetIterationTime(seconds);
    }
    if (!error.empty()) {
      state.SkipWithError(error.c_str());
      return;
    }
    ours_first = !ours_first;
  }
  times.Report(state, kBatch);
}
BENCHMARK(BM_ProtocolLayers)
    ->Arg(64)
    ->Arg(192)
    ->Arg(256)
    ->Arg(1024)
    ->UseManualTime();

// --- In memory ---------------------------------------------------------------

void BM_MemoryUdpReceive(benchmark::State& state) {
  constexpr int kBatch = 256;  // datagrams per side per iteration
  std::string payload(static_cast<size_t>(state.range(0)), 'p');
  MemoryIoSystem system;
  testutil::MemoryReactor reactor;
  Receiver receiver;
  netstack::RawUdpProtocol udp;
  netstack::IpProtocol ip;
  if (!udp.AddProto(kPort, &receiver).ok() ||
      !ip.AddProto(netstack::kIpProtocolUdp, &udp).ok()) {
    state.SkipWithError("AddProto failed");
    return;
  }
  TuntapPort port("tun0", &ip, TuntapPort::kDefaultMaxPacketSize, &reactor,
                  &system);
  if (!port.StartListening().ok()) {
    state.SkipWithError("cannot listen");
    return;
  }
  system.RouteUdpTo(port.fileno());
  receiver.set_sender(system.udp_source().host, system.udp_source().port);
  const IPv4Address to = IPv4Address::Udp("192.0.2.2", kPort);

  // The limit's buffers, made once.
  const IPv4Host source(10, 1, 2, 3), destination(192, 0, 2, 2);
  constexpr size_t kHeaders =
      netstack::Ipv4Packet::kMinHeaderSize + netstack::UdpHeader::kSize;
  std::string packet(kHeaders + payload.size(), '\0');
  std::string read_buffer(TuntapPort::kDefaultMaxPacketSize + 1, '\0');
  HandLayers layers(&receiver);
  uint64_t limit_drops = 0;

  Times times;
  uint64_t sequence = 0;
  std::string error;
  bool ours_first = true;
  for (auto _ : state) {
    for (int k = 0; k < 2; ++k) {
      const bool ours = (k == 0) == ours_first;
      const uint64_t count_before = receiver.count;
      const uint64_t sum_before = receiver.sequence_sum;
      const uint64_t first = sequence + 1;
      bool failed = false;
      const Clock::time_point start = Clock::now();
      if (ours) {
        for (int i = 0; i < kBatch; ++i) {
          ++sequence;
          std::memcpy(payload.data(), &sequence, sizeof(sequence));
          failed |= !system.SendUdp(payload, to).ok();
          failed |= !port.DoRead().ok();
        }
      } else {
        for (int i = 0; i < kBatch; ++i) {
          ++sequence;
          std::memcpy(payload.data(), &sequence, sizeof(sequence));
          // Build, as BuildUdpIpv4() does, into the reused buffer.
          char* udp_bytes =
              packet.data() + netstack::Ipv4Packet::kMinHeaderSize;
          std::memcpy(udp_bytes + netstack::UdpHeader::kSize, payload.data(),
                      payload.size());
          const size_t udp_size = netstack::UdpHeader::kSize + payload.size();
          netstack::UdpHeader{.source_port = system.udp_source().port,
                              .destination_port = kPort}
              .EmitWithChecksum(source, destination, udp_bytes, udp_size);
          netstack::Ipv4Header{
              .source = source,
              .destination = destination,
              .protocol = netstack::kIpProtocolUdp,
              .payload_length = static_cast<uint16_t>(udp_size)}
              .Emit(packet.data());
          // The device read, then our layers' work.
          std::memcpy(read_buffer.data(), packet.data(), packet.size());
          if (!layers.Deliver(read_buffer.data(), packet.size())) {
            ++limit_drops;
          }
        }
      }
      const double seconds = Seconds(Clock::now() - start);
      // The checks, outside the timed region.
      const uint64_t want_sum = (first + sequence) * (sequence - first + 1) / 2;
      error = BatchError(
          ours, failed, receiver, count_before, sum_before, kBatch, want_sum,
          ip.drops().total() + udp.drops().total() + limit_drops);
      if (!error.empty()) break;
      (ours ? times.ours : times.limit).push_back(seconds);
      if (ours) state.SetIterationTime(seconds);
    }
    if (!error.empty()) {
      state.SkipWithError(error.c_str());
      return;
    }
    ours_first = !ours_first;
  }
  times.Report(state, kBatch);
}
BENCHMARK(BM_MemoryUdpReceive)->Arg(64)->Arg(1024)->UseManualTime();

}  // namespace
}  // namespace standin
