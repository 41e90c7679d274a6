// Receiving 64-byte UDP datagrams on loopback through UdpPort, beside its
// limit measured in the same iteration:
//
//   bazel run --config=opt //transport:udp_port_benchmark
//
// BM_UdpPortReceive/<batch>: a kernel UDP socket sends a batch of
// datagrams to 127.0.0.1 with one sendmmsg(), outside the timed region (on
// loopback they are in the receiver's queue when it returns). Ours then
// receives the batch the real way: EpollReactor::RunOnce() ->
// UdpPort::DoRead() (recvfrom() until EAGAIN, at most
// max_reads_per_wakeup per wakeup) -> the sender's binary Address -> a
// DatagramProtocol. The limit is the cheapest way to do the same work: a
// non-blocking UDP socket of the same kind in an epoll set, epoll_wait()
// and then recvfrom() until EAGAIN, the sender built straight from the
// sockaddr_in, and the same receiver called inline. Goal: ratio >= 0.9.
//
// Every datagram carries a sequence number; the receiver adds them up and
// checks the sender's host and port. After each run (outside the timed
// region) it must have seen exactly the datagrams sent (count and sum of
// sequence numbers), all from the sender, for ours and for the limit.
//
// Counters (as in tuntap_benchmark): ns_per_datagram and
// limit_ns_per_datagram (medians over iterations), ratio = the limit's time
// / ours, the median of the per-iteration ratios (<= 1 for a true limit),
// ratio_best from the fastest iteration of each.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "standin/transport/address.h"
#include "standin/transport/epoll_reactor.h"
#include "standin/transport/interfaces.h"
#include "standin/transport/socket_address.h"
#include "standin/transport/udp_port.h"
#include "standin/transport/unique_fd.h"

namespace standin {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kPayload = 64;
// Room for the largest batch in the receive queues (each 64-byte datagram
// costs about a kilobyte of queue accounting on loopback).
constexpr int kReceiveBuffer = 16 << 20;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// The application: counts what arrives and checks who sent it. The same
// object and the same work for ours and for the limit.
class Receiver : public DatagramProtocol {
 public:
  void DatagramReceived(std::string_view data, const Address& from) override {
    Take(data, from);
  }
  void Take(std::string_view data, const Address& from) {
    ++count;
    uint64_t sequence = 0;
    std::memcpy(&sequence, data.data(), std::min(data.size(), size_t{8}));
    sequence_sum += sequence;
    bytes += data.size();
    const auto* ip = std::get_if<IPv4Address>(&from);
    if (ip == nullptr || ip->port != sender.port || ip->host != sender.host) {
      ++wrong_sender;
    }
  }
  IPv4Address sender;
  uint64_t count = 0;
  uint64_t sequence_sum = 0;
  uint64_t bytes = 0;
  uint64_t wrong_sender = 0;
};

// Per-iteration times of both sides (as in tuntap_benchmark.cc).
struct Times {
  std::vector<double> ours, limit;
  static double Median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
  }
  static double Min(const std::vector<double>& v) {
    return v.empty() ? 0 : *std::min_element(v.begin(), v.end());
  }
  void Report(benchmark::State& state, double items) const {
    auto& c = state.counters;
    c["ns_per_datagram"] = Median(ours) / items * 1e9;
    c["limit_ns_per_datagram"] = Median(limit) / items * 1e9;
    std::vector<double> ratios;
    for (size_t i = 0; i < ours.size() && i < limit.size(); ++i) {
      ratios.push_back(limit[i] / ours[i]);
    }
    c["ratio"] = Median(ratios);
    c["ratio_best"] = Min(limit) / Min(ours);
    state.SetItemsProcessed(static_cast<int64_t>(items * ours.size()));
  }
};

// A UDP socket on 127.0.0.1 (port 0), its address in `*bound`.
UniqueFd LoopbackSocket(IPv4Address* bound) {
  UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (!fd.valid() ||
      ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return UniqueFd();
  }
  *bound = std::get<IPv4Address>(SocketAddress(fd.get(), /*peer=*/false));
  return fd;
}

// Root may exceed net.core.rmem_max; others get what SO_RCVBUF allows.
void GrowReceiveBuffer(int fd) {
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &kReceiveBuffer,
                   sizeof(kReceiveBuffer)) != 0) {
    (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kReceiveBuffer,
                       sizeof(kReceiveBuffer));
  }
}

// Sends `batch` datagrams numbered from `first` to `to` in one sendmmsg().
class Sender {
 public:
  Sender(int batch, IPv4Address* bound)
      : fd_(LoopbackSocket(bound)),
        payloads_(batch, std::string(kPayload, 'x')),
        iov_(batch),
        msgs_(batch) {}
  bool ok() const { return fd_.valid(); }
  // The sum of the sequence numbers sent, or 0 on failure.
  uint64_t Send(const IPv4Address& to, uint64_t first) {
    sockaddr_storage dest;
    const socklen_t len = *SockaddrFromAddress(to, &dest);
    uint64_t sum = 0;
    for (size_t i = 0; i < payloads_.size(); ++i) {
      const uint64_t sequence = first + i;
      std::memcpy(payloads_[i].data(), &sequence, sizeof(sequence));
      sum += sequence;
      iov_[i] = {payloads_[i].data(), payloads_[i].size()};
      msgs_[i] = {};
      msgs_[i].msg_hdr.msg_name = &dest;
      msgs_[i].msg_hdr.msg_namelen = len;
      msgs_[i].msg_hdr.msg_iov = &iov_[i];
      msgs_[i].msg_hdr.msg_iovlen = 1;
    }
    size_t sent = 0;
    while (sent < msgs_.size()) {
      const int n = ::sendmmsg(fd_.get(), msgs_.data() + sent,
                               static_cast<unsigned>(msgs_.size() - sent), 0);
      if (n <= 0) return 0;
      sent += static_cast<size_t>(n);
    }
    return sum;
  }

 private:
  UniqueFd fd_;
  std::vector<std::string> payloads_;
  std::vector<struct iovec> iov_;
  std::vector<struct mmsghdr> msgs_;
};

// The limit's receive loop: one epoll_wait(), then recvfrom() until
// EAGAIN. Returns the datagrams read, or -1 with `*error` set.
int64_t DrainByHand(int epoll_fd, int fd, char* buffer, size_t size,
                    Receiver& receiver, std::string* error) {
  epoll_event event;
  int ready;
  do {
    ready = ::epoll_wait(epoll_fd, &event, 1, 1000);
  } while (ready < 0 && errno == EINTR);
  if (ready <= 0) {
    *error = ready == 0 ? "limit: nothing to read for 1 s" : "epoll_wait";
    return -1;
  }
  int64_t seen = 0;
  while (true) {
    sockaddr_in from;
    socklen_t from_len = sizeof(from);
    const ssize_t n = ::recvfrom(fd, buffer, size, MSG_DONTWAIT,
                                 reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) {
      if (errno == EAGAIN) return seen;
      if (errno == EINTR) continue;
      *error = std::string("limit: recvfrom: ") + std::strerror(errno);
      return -1;
    }
    ++seen;
    receiver.Take(std::string_view(buffer, static_cast<size_t>(n)),
                  IPv4Address::Udp(IPv4Host(ntohl(from.sin_addr.s_addr)),
                                   ntohs(from.sin_port)));
  }
}

void BM_UdpPortReceive(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  EpollReactor reactor;
  Receiver receiver;
  IPv4Address sender_address;
  Sender sender(batch, &sender_address);
  receiver.sender = sender_address;

  absl::StatusOr<std::unique_ptr<UdpPort>> port =
      UdpPort::Listen(IPv4Address::Udp("127.0.0.1", 0), &receiver, &reactor);
  IPv4Address limit_address;
  UniqueFd limit_fd = LoopbackSocket(&limit_address);
  UniqueFd epoll_fd(::epoll_create1(EPOLL_CLOEXEC));
  if (!port.ok() || !sender.ok() || !limit_fd.valid() || !epoll_fd.valid()) {
    state.SkipWithError("cannot set up loopback sockets");
    return;
  }
  const IPv4Address ours_address = std::get<IPv4Address>((*port)->GetHost());
  GrowReceiveBuffer((*port)->fileno());
  GrowReceiveBuffer(limit_fd.get());
  epoll_event watch = {};
  watch.events = EPOLLIN;
  watch.data.fd = limit_fd.get();
  ::epoll_ctl(epoll_fd.get(), EPOLL_CTL_ADD, limit_fd.get(), &watch);
  std::string buffer(UdpPort::kMaxIPv6Datagram, '\0');

  Times times;
  std::string error;
  uint64_t next = 1;
  bool ours_first = true;
  for (auto _ : state) {
    for (int side = 0; side < 2 && error.empty(); ++side) {
      const bool ours = (side == 0) == ours_first;
      const uint64_t count_before = receiver.count;
      const uint64_t sum_before = receiver.sequence_sum;
      const uint64_t sum =
          sender.Send(ours ? ours_address : limit_address, next);
      next += batch;
      if (sum == 0) {
        error = "sendmmsg failed";
        break;
      }
      const uint64_t target = count_before + batch;
      const Clock::time_point start = Clock::now();
      if (ours) {
        while (receiver.count < target) {
          if (!reactor.RunOnce(absl::Seconds(1)).ok()) break;
          if (Clock::now() - start > std::chrono::seconds(2)) break;
        }
      } else {
        for (int64_t seen = 0, n = 0; seen < batch; seen += n) {
          n = DrainByHand(epoll_fd.get(), limit_fd.get(), buffer.data(),
                          buffer.size(), receiver, &error);
          if (n < 0) break;
        }
      }
      const double seconds = Seconds(Clock::now() - start);
      // The checks, outside the timed region.
      const char* who = ours ? "ours: " : "limit: ";
      if (error.empty() && (receiver.count != target ||
                            receiver.sequence_sum - sum_before != sum ||
                            receiver.bytes != receiver.count * kPayload)) {
        error = std::string(who) + "received " +
                std::to_string(receiver.count - count_before) + " of " +
                std::to_string(batch) + " datagrams (or not the ones sent)";
      } else if (error.empty() && receiver.wrong_sender != 0) {
        error = std::string(who) + "a datagram came from the wrong sender";
      }
      (ours ? times.ours : times.limit).push_back(seconds);
      if (ours) state.SetIterationTime(seconds);
    }
    if (!error.empty()) {
      state.SkipWithError(error.c_str());
      break;
    }
    ours_first = !ours_first;
  }
  if (!error.empty()) return;
  times.Report(state, batch);
}
BENCHMARK(BM_UdpPortReceive)->Arg(64)->Arg(1024)->UseManualTime()->MinTime(2.0);

}  // namespace
}  // namespace standin
