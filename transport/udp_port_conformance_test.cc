// The datagram conformance suite (testutil/datagram_conformance.h) on
// UdpPort over loopback, IPv4 and IPv6. The peer is a plain non-blocking
// kernel UDP socket on the same loopback, read with recvfrom().
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "standin/testutil/datagram_conformance.h"
#include "standin/transport/address.h"
#include "standin/transport/epoll_reactor.h"
#include "standin/transport/socket_address.h"
#include "standin/transport/udp_port.h"
#include "standin/transport/unique_fd.h"

namespace standin {
namespace {

using testutil::DatagramHarness;
using testutil::DatagramHarnessFactory;
using Datagram = testutil::DatagramRecorder::Datagram;

constexpr int kSocketBuffer = 1 << 20;

// A bound, non-blocking kernel UDP socket on `loopback` (port 0).
UniqueFd BoundSocket(const Address& loopback, Address* bound) {
  sockaddr_storage storage;
  const socklen_t len = *SockaddrFromAddress(loopback, &storage);
  UniqueFd fd(::socket(storage.ss_family,
                       SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  EXPECT_TRUE(fd.valid()) << std::strerror(errno);
  EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&storage), len), 0)
      << std::strerror(errno);
  // Room for the suite's bursts (see the harness contract).
  const int buffer = kSocketBuffer;
  EXPECT_EQ(
      ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &buffer, sizeof(buffer)),
      0);
  *bound = SocketAddress(fd.get(), /*peer=*/false);
  return fd;
}

class UdpPortHarness : public DatagramHarness {
 public:
  explicit UdpPortHarness(Address loopback)
      : loopback_(loopback), peer_(BoundSocket(loopback, &peer_address_)) {}

  DatagramTransport* Listen(DatagramProtocol* protocol) override {
    UdpPort::Options options;
    options.receive_buffer = kSocketBuffer;
    absl::StatusOr<std::unique_ptr<UdpPort>> port =
        UdpPort::Listen(loopback_, protocol, &reactor_, options);
    EXPECT_TRUE(port.ok()) << port.status();
    if (!port.ok()) return nullptr;
    port_ = *std::move(port);
    return port_.get();
  }

  Address peer_address() override { return peer_address_; }

  void SendFromPeer(std::string_view data) override {
    sockaddr_storage to;
    const socklen_t len = *SockaddrFromAddress(port_->GetHost(), &to);
    EXPECT_EQ(::sendto(peer_.get(), data.data(), data.size(), 0,
                       reinterpret_cast<sockaddr*>(&to), len),
              static_cast<ssize_t>(data.size()))
        << std::strerror(errno);
  }

  std::vector<Datagram> PeerReceived() override {
    std::string buffer(70000, '\0');
    while (true) {
      sockaddr_storage from;
      socklen_t from_len = sizeof(from);
      const ssize_t n =
          ::recvfrom(peer_.get(), buffer.data(), buffer.size(), 0,
                     reinterpret_cast<sockaddr*>(&from), &from_len);
      if (n < 0) break;  // EAGAIN: all read.
      received_.push_back(
          Datagram{buffer.substr(0, static_cast<size_t>(n)),
                   AddressFromSockaddr(reinterpret_cast<sockaddr*>(&from),
                                       from_len, IPv4Address::Kind::kUdp)});
    }
    return received_;
  }

  bool RunUntil(absl::FunctionRef<bool()> done) override {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (!done()) {
      if (absl::Now() > deadline) return false;
      if (!reactor_.RunOnce(absl::Milliseconds(5)).ok()) return false;
    }
    return true;
  }

  void Settle() override {
    for (int i = 0; i < 5; ++i) (void)reactor_.RunOnce(absl::Milliseconds(2));
  }

  // A port that was bound and closed again: nothing listens there, and the
  // kernel answers with ICMP port unreachable (ECONNREFUSED).
  DatagramTransport* ListenConnectedToRefusingPeer(DatagramProtocol* protocol,
                                                   Address* refusing) override {
    Address closed;
    UniqueFd gone = BoundSocket(loopback_, &closed);
    gone.reset();
    absl::StatusOr<std::unique_ptr<UdpPort>> port =
        UdpPort::Listen(loopback_, protocol, &reactor_);
    EXPECT_TRUE(port.ok()) << port.status();
    if (!port.ok()) return nullptr;
    port_ = *std::move(port);
    absl::Status connected = port_->Connect(closed);
    EXPECT_TRUE(connected.ok()) << connected;
    *refusing = closed;
    return port_.get();
  }
  std::string refusal_unsupported() const override { return ""; }

 private:
  EpollReactor reactor_;
  const Address loopback_;
  Address peer_address_;
  UniqueFd peer_;
  std::vector<Datagram> received_;
  std::unique_ptr<UdpPort> port_;
};

using ::standin::testutil::DatagramConformanceTest;
INSTANTIATE_TEST_SUITE_P(
    UdpPort, DatagramConformanceTest,
    ::testing::Values(
        DatagramHarnessFactory{"IPv4Loopback",
                               [] {
                                 return std::make_unique<UdpPortHarness>(
                                     IPv4Address::Udp("127.0.0.1", 0));
                               }},
        DatagramHarnessFactory{
            "IPv6Loopback",
            [] {
              return std::make_unique<UdpPortHarness>(
                  IPv6Address{IPv4Address::Kind::kUdp, "::1", 0});
            },
            [] {
              // No IPv6 on loopback (a kernel booted with ipv6.disable=1,
              // some containers): say so rather than fail.
              UniqueFd probe(::socket(AF_INET6, SOCK_DGRAM, 0));
              sockaddr_in6 any = {};
              any.sin6_family = AF_INET6;
              any.sin6_addr = in6addr_loopback;
              if (!probe.valid() ||
                  ::bind(probe.get(), reinterpret_cast<sockaddr*>(&any),
                         sizeof(any)) != 0) {
                return std::string("IPv6 loopback (::1) is not available");
              }
              return std::string();
            }}),
    testutil::HarnessName<DatagramHarness>);

}  // namespace
}  // namespace standin
