// netstack::Host on real TUN and TAP devices, in a private network
// namespace, driven by EpollReactor; the peer is the kernel: a UDP socket
// (and on TAP the kernel's own ARP, and a raw ICMP socket that pings).
// TEST-NET addresses only: 192.0.2.0/24 on the TUN, 198.51.100.0/24 on the
// TAP; nothing leaves the namespace.
//
// - The datagram conformance suite (testutil/datagram_conformance.h), as
//   over MemoryIoSystem in host_conformance_test.cc.
// - On TAP, what makes the host a neighbour the kernel can talk to with no
//   static entries: it resolves the kernel by ARP, answers the kernel's
//   ARP, answers its ping, and drops (counting arp-timeout) a datagram to
//   a peer nobody answers for.
//
// Without root every case skips, saying why; the log says how many ran on
// the kernel (.ci/run greps bazel-testlogs/tuntap/*/test.log for it).
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "standin/netstack/host.h"
#include "standin/netstack/icmp.h"
#include "standin/netstack/ipv4.h"
#include "standin/netstack/mac_address.h"
#include "standin/testutil/datagram_conformance.h"
#include "standin/testutil/private_network.h"
#include "standin/transport/epoll_reactor.h"
#include "standin/transport/socket_address.h"
#include "standin/transport/status.h"
#include "standin/transport/unique_fd.h"
#include "standin/tuntap/tuntap_port.h"

namespace standin {
namespace {

using netstack::DropReason;
using netstack::MacAddress;
using testutil::DatagramHarness;
using testutil::DatagramHarnessFactory;
using Datagram = testutil::DatagramRecorder::Datagram;

constexpr uint16_t kHostPort = 7;
const MacAddress kHostMac({0x02, 0, 0, 0, 0, 0x02});

int real_cases_run = 0;

// Why the kernel cases cannot run here, or "" when they can.
std::string Unavailable() {
  if (absl::Status s = testutil::EnterPrivateNetworkNamespace(); !s.ok()) {
    return absl::StrCat("needs root for a private network namespace: ",
                        s.ToString());
  }
  UniqueFd tun(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
  if (!tun.valid()) {
    return absl::StrCat("cannot open /dev/net/tun: ", std::strerror(errno));
  }
  return "";
}

// One side of the wire: the host in user space on a TUN or TAP device, the
// kernel's network stack on the other side of it.
struct Network {
  explicit Network(bool tap, absl::Duration arp_timeout = absl::Seconds(1))
      : tap(tap),
        host_ip(tap ? IPv4Host("198.51.100.2") : IPv4Host("192.0.2.2")),
        kernel_ip(tap ? IPv4Host("198.51.100.1") : IPv4Host("192.0.2.1")),
        host({.address = host_ip,
              .mac = tap ? std::optional<MacAddress>(kHostMac) : std::nullopt,
              .arp_timeout = arp_timeout},
             &reactor) {
    port = tap ? std::make_unique<TuntapPort>("sthost-tap", host.ethernet(),
                                              TuntapPort::kDefaultMaxPacketSize,
                                              &reactor)
               : std::make_unique<TuntapPort>("sthost-tun", host.ip(),
                                              TuntapPort::kDefaultMaxPacketSize,
                                              &reactor);
    host.AttachLink(port.get());
  }

  // Opens the device and gives the kernel its side of the subnet.
  absl::Status Start() {
    if (absl::Status s = port->StartListening(); !s.ok()) return s;
    return testutil::ConfigureInterface(port->interface(), kernel_ip.ToString(),
                                        24);
  }

  // A non-blocking kernel UDP socket on the kernel's address.
  UniqueFd KernelSocket(Address* bound) {
    UniqueFd fd(
        ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    EXPECT_TRUE(fd.valid()) << std::strerror(errno);
    sockaddr_storage local;
    const socklen_t len =
        *SockaddrFromAddress(IPv4Address::Udp(kernel_ip, 0), &local);
    EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), len), 0)
        << std::strerror(errno);
    *bound = SocketAddress(fd.get(), /*peer=*/false);
    return fd;
  }

  // Turns the reactor until `done` holds; false after a generous deadline.
  template <typename Done>
  bool RunUntil(Done done, absl::Duration deadline = absl::Seconds(10)) {
    const absl::Time give_up = absl::Now() + deadline;
    while (!done()) {
      if (absl::Now() > give_up) return false;
      if (!reactor.RunOnce(absl::Milliseconds(5)).ok()) return false;
    }
    return true;
  }

  const bool tap;
  const IPv4Host host_ip;
  const IPv4Host kernel_ip;
  EpollReactor reactor;
  netstack::Host host;
  std::unique_ptr<TuntapPort> port;
};

// Reads every datagram waiting on `fd` into `out`.
void ReceiveAll(int fd, std::vector<Datagram>* out) {
  std::string buffer(70000, '\0');
  while (true) {
    sockaddr_storage from;
    socklen_t from_len = sizeof(from);
    const ssize_t n = ::recvfrom(fd, buffer.data(), buffer.size(), 0,
                                 reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) return;  // EAGAIN: all read
    out->push_back(
        Datagram{buffer.substr(0, static_cast<size_t>(n)),
                 AddressFromSockaddr(reinterpret_cast<sockaddr*>(&from),
                                     from_len, IPv4Address::Kind::kUdp)});
  }
}

class RealHostHarness : public DatagramHarness {
 public:
  explicit RealHostHarness(bool tap) : network_(tap) {}

  DatagramTransport* Listen(DatagramProtocol* protocol) override {
    ++real_cases_run;
    absl::Status started = network_.Start();
    EXPECT_TRUE(started.ok()) << started;
    if (!started.ok()) return nullptr;
    peer_ = network_.KernelSocket(&peer_address_);
    absl::StatusOr<DatagramTransport*> bound =
        network_.host.BindUdp(kHostPort, protocol);
    EXPECT_TRUE(bound.ok()) << bound.status();
    return bound.value_or(nullptr);
  }

  Address peer_address() override { return peer_address_; }

  void SendFromPeer(std::string_view data) override {
    sockaddr_storage to;
    const socklen_t len = *SockaddrFromAddress(
        IPv4Address::Udp(network_.host_ip, kHostPort), &to);
    EXPECT_EQ(::sendto(peer_.get(), data.data(), data.size(), 0,
                       reinterpret_cast<sockaddr*>(&to), len),
              static_cast<ssize_t>(data.size()))
        << std::strerror(errno);
  }

  std::vector<Datagram> PeerReceived() override {
    ReceiveAll(peer_.get(), &received_);
    return received_;
  }

  bool RunUntil(absl::FunctionRef<bool()> done) override {
    return network_.RunUntil([&] { return done(); });
  }

  void Settle() override {
    for (int i = 0; i < 10; ++i) {
      (void)network_.reactor.RunOnce(absl::Milliseconds(5));
    }
  }

  std::string refusal_unsupported() const override {
    return "netstack::Host has no connected UDP (it heeds no ICMP errors)";
  }

 private:
  Network network_;
  UniqueFd peer_;
  Address peer_address_;
  std::vector<Datagram> received_;
};

using ::standin::testutil::DatagramConformanceTest;
INSTANTIATE_TEST_SUITE_P(
    HostOnRealDevice, DatagramConformanceTest,
    ::testing::Values(
        DatagramHarnessFactory{
            "Tun", [] { return std::make_unique<RealHostHarness>(false); },
            Unavailable},
        DatagramHarnessFactory{
            "Tap", [] { return std::make_unique<RealHostHarness>(true); },
            Unavailable}),
    testutil::HarnessName<DatagramHarness>);

// ---- TAP: the host as the kernel's Ethernet neighbour ----

class Recorder : public DatagramProtocol {
 public:
  void DatagramReceived(std::string_view data, const Address& from) override {
    received.push_back(Datagram{std::string(data), from});
  }
  std::vector<Datagram> received;
};

// The kernel's MAC on `interface`.
std::optional<MacAddress> InterfaceMac(const std::string& interface) {
  UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  struct ifreq ifr;
  std::memset(&ifr, 0, sizeof(ifr));
  std::memcpy(ifr.ifr_name, interface.data(),
              std::min(interface.size(), sizeof(ifr.ifr_name) - 1));
  if (::ioctl(sock.get(), SIOCGIFHWADDR, &ifr) != 0) return std::nullopt;
  return MacAddress::FromWire(ifr.ifr_hwaddr.sa_data);
}

// The kernel's ARP table entry for `ip` ("02:00:00:00:00:02"), if complete.
std::optional<std::string> KernelNeighbor(IPv4Host ip) {
  std::ifstream arp("/proc/net/arp");
  std::string line;
  std::getline(arp, line);  // the header
  while (std::getline(arp, line)) {
    std::istringstream fields(line);
    std::string address, type, flags, mac;
    fields >> address >> type >> flags >> mac;
    if (address == ip.ToString() && flags == "0x2") return mac;
  }
  return std::nullopt;
}

class RealTapHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = Unavailable(); !why.empty()) GTEST_SKIP() << why;
    ++real_cases_run;
    network_ = std::make_unique<Network>(/*tap=*/true, absl::Milliseconds(300));
    absl::Status started = network_->Start();
    ASSERT_TRUE(started.ok()) << started;
    kernel_socket_ = network_->KernelSocket(&kernel_address_);
    absl::StatusOr<DatagramTransport*> bound =
        network_->host.BindUdp(kHostPort, &app_);
    ASSERT_TRUE(bound.ok()) << bound.status();
    udp_ = *bound;
  }

  Recorder app_;
  std::unique_ptr<Network> network_;
  UniqueFd kernel_socket_;
  Address kernel_address_;
  DatagramTransport* udp_ = nullptr;
};

TEST_F(RealTapHostTest, ResolvesTheKernelByArp) {
  ASSERT_EQ(network_->host.neighbor(network_->kernel_ip), std::nullopt);
  ASSERT_TRUE(udp_->Write("who is there?", kernel_address_).ok());
  std::vector<Datagram> got;
  ASSERT_TRUE(network_->RunUntil([&] {
    ReceiveAll(kernel_socket_.get(), &got);
    return !got.empty();
  }));
  EXPECT_EQ(got[0].data, "who is there?");
  EXPECT_EQ(got[0].from, udp_->GetHost());
  // Learned from the kernel's ARP reply: the interface's own MAC.
  EXPECT_EQ(network_->host.neighbor(network_->kernel_ip),
            InterfaceMac(network_->port->interface()));
  EXPECT_EQ(network_->host.arp_queue_size(), 0u);
}

TEST_F(RealTapHostTest, AnswersTheKernelsArp) {
  ASSERT_EQ(KernelNeighbor(network_->host_ip), std::nullopt);
  sockaddr_storage to;
  const socklen_t len =
      *SockaddrFromAddress(IPv4Address::Udp(network_->host_ip, kHostPort), &to);
  ASSERT_EQ(::sendto(kernel_socket_.get(), "hello", 5, 0,
                     reinterpret_cast<sockaddr*>(&to), len),
            5);
  // The kernel asks who has 198.51.100.2 first; only the host's answer
  // lets the datagram through.
  ASSERT_TRUE(network_->RunUntil([&] { return !app_.received.empty(); }));
  EXPECT_EQ(app_.received[0].data, "hello");
  EXPECT_EQ(app_.received[0].from, kernel_address_);
  EXPECT_EQ(KernelNeighbor(network_->host_ip), "02:00:00:00:00:02");
}

TEST_F(RealTapHostTest, TheKernelPingsTheHost) {
  UniqueFd ping(
      ::socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP));
  ASSERT_TRUE(ping.valid()) << std::strerror(errno);
  const std::string data = "standin ping payload";
  std::string request(netstack::Icmpv4Echo::kSize, '\0');
  request += data;
  netstack::Icmpv4Echo{
      .type = netstack::kIcmpEchoRequest, .identifier = 0x5354, .sequence = 1}
      .Emit(request.data(), request.size());
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(network_->host_ip.value());
  ASSERT_EQ(::sendto(ping.get(), request.data(), request.size(), 0,
                     reinterpret_cast<sockaddr*>(&to), sizeof(to)),
            static_cast<ssize_t>(request.size()))
      << std::strerror(errno);

  // A raw socket gets the whole IPv4 packet of every ICMP message.
  std::optional<netstack::Ipv4Packet> reply;
  std::string buffer(2048, '\0');
  ASSERT_TRUE(network_->RunUntil([&] {
    const ssize_t n = ::recv(ping.get(), buffer.data(), buffer.size(), 0);
    if (n <= 0) return false;
    absl::StatusOr<netstack::Ipv4Packet> ip = netstack::Ipv4Packet::Parse(
        std::string_view(buffer.data(), static_cast<size_t>(n)));
    if (!ip.ok()) return false;
    absl::StatusOr<netstack::Icmpv4Packet> icmp =
        netstack::Icmpv4Packet::Parse(ip->payload());
    if (!icmp.ok() || icmp->type() != netstack::kIcmpEchoReply ||
        icmp->echo_identifier() != 0x5354) {
      return false;
    }
    reply = *ip;
    return true;
  }));
  EXPECT_EQ(reply->source(), network_->host_ip);
  EXPECT_EQ(reply->destination(), network_->kernel_ip);
  netstack::Icmpv4Packet icmp =
      netstack::Icmpv4Packet::Parse(reply->payload()).value();
  EXPECT_EQ(icmp.echo_sequence(), 1);
  EXPECT_EQ(icmp.data(), data);
}

TEST_F(RealTapHostTest, ADatagramToAnUnresolvablePeerIsDroppedAfterTheTimeout) {
  const absl::Time start = absl::Now();
  ASSERT_TRUE(udp_->Write("nobody", IPv4Address::Udp("198.51.100.77", 9)).ok());
  EXPECT_EQ(network_->host.arp_queue_size(), 1u);
  ASSERT_TRUE(network_->RunUntil(
      [&] { return network_->host.drops()[DropReason::kArpTimeout] > 0; }));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(300));
  EXPECT_EQ(network_->host.drops()[DropReason::kArpTimeout], 1u)
      << network_->host.drops();
  EXPECT_EQ(network_->host.arp_queue_size(), 0u);
  EXPECT_EQ(network_->host.neighbor("198.51.100.77"), std::nullopt);
}

// Says in the test log how many cases ran against the kernel.
class RealDeviceReport : public ::testing::Environment {
 public:
  void TearDown() override {
    std::cout << "[ standin  ] real-device netstack::Host cases run: "
              << real_cases_run << std::endl;
  }
};

const auto* const kReport =
    ::testing::AddGlobalTestEnvironment(new RealDeviceReport);

}  // namespace
}  // namespace standin
