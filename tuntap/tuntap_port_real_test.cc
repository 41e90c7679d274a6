// TuntapPort on real TUN and TAP devices, in a private network namespace,
// driven by EpollReactor: kernel UDP sockets on one side, the port and
// netstack's protocol layers on the other, datagrams both ways.
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/netstack/builders.h"
#include "standin/netstack/ethernet_protocol.h"
#include "standin/netstack/ip_protocol.h"
#include "standin/netstack/ipv4.h"
#include "standin/netstack/pcap_writer.h"
#include "standin/netstack/raw_udp_protocol.h"
#include "standin/netstack/udp.h"
#include "standin/testutil/private_network.h"
#include "standin/transport/epoll_reactor.h"
#include "standin/transport/status.h"
#include "standin/tuntap/capturing_io_system.h"
#include "standin/tuntap/real_io_system.h"
#include "standin/tuntap/tuntap_port.h"

namespace standin {
namespace {

using ::standin::testutil::AddStaticNeighbor;
using ::standin::testutil::ConfigureInterface;
using ::standin::testutil::EnterPrivateNetworkNamespace;

using ::testing::ElementsAre;

constexpr const char* kLocal = "192.0.2.1";
constexpr const char* kRemote = "192.0.2.2";
constexpr uint16_t kRemotePort = 9;

class Capture : public DatagramProtocol {
 public:
  void DatagramReceived(std::string_view data, const Address& from) override {
    received.emplace_back(data);
    senders.push_back(from);
  }
  std::vector<std::string> received;
  std::vector<Address> senders;
};

// A kernel UDP socket bound to kLocal.
class KernelSocket {
 public:
  KernelSocket() : fd_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, kLocal, &local.sin_addr);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof(local)),
              0);
    socklen_t len = sizeof(local);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &len);
    port_ = ntohs(local.sin_port);
    const timeval timeout{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  }
  ~KernelSocket() { ::close(fd_); }
  uint16_t port() const { return port_; }
  void SendToRemote(std::string_view payload) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(kRemotePort);
    ::inet_pton(AF_INET, kRemote, &to.sin_addr);
    EXPECT_EQ(::sendto(fd_, payload.data(), payload.size(), 0,
                       reinterpret_cast<sockaddr*>(&to), sizeof(to)),
              static_cast<ssize_t>(payload.size()));
  }
  std::string Receive() {
    char buffer[2048];
    const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
    return n < 0 ? std::string("recv failed: ") + std::strerror(errno)
                 : std::string(buffer, n);
  }

 private:
  int fd_;
  uint16_t port_ = 0;
};

class TuntapPortRealTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (absl::Status s = EnterPrivateNetworkNamespace(); !s.ok()) {
      GTEST_SKIP() << "needs root for a private network namespace: " << s;
    }
    ASSERT_TRUE(udp_.AddProto(kRemotePort, &capture_).ok());
    ASSERT_TRUE(ip_.AddProto(17, &udp_).ok());
    ASSERT_TRUE(ether_.AddProto(0x0800, &ip_).ok());
  }

  // Brings `port`'s interface up with kLocal; a static neighbour for kRemote
  // on a TAP.
  void Configure(TuntapPort& port) {
    ASSERT_TRUE(ConfigureInterface(port.interface(), kLocal, 24).ok());
    if (port.type() == TunnelType::kTap) {
      ASSERT_TRUE(
          AddStaticNeighbor(port.interface(), kRemote, "02:00:00:00:00:02")
              .ok());
    }
  }

  void RunUntil(const std::function<bool()>& done) {
    for (int turn = 0; turn < 50 && !done(); ++turn) {
      ASSERT_TRUE(reactor_.RunOnce(absl::Milliseconds(100)).ok());
    }
  }

  std::string Reply(uint16_t to_port, std::string_view payload) {
    return netstack::BuildUdpIpv4(*IPv4Host::Parse(kRemote), kRemotePort,
                                  *IPv4Host::Parse(kLocal), to_port, payload);
  }

  EpollReactor reactor_;
  Capture capture_;
  netstack::RawUdpProtocol udp_;
  netstack::IpProtocol ip_;
  netstack::EthernetProtocol ether_;
};

TEST_F(TuntapPortRealTest, TunCarriesDatagramsBothWays) {
  TuntapPort port("tun-port", &ip_, TuntapPort::kDefaultMaxPacketSize,
                  &reactor_);
  ASSERT_TRUE(port.StartListening().ok());
  EXPECT_EQ(port.interface(), "tun-port");  // The kernel keeps the name.
  EXPECT_EQ(port.GetHost(),
            Address(TunnelAddress{TunnelType::kTun, "tun-port"}));
  Configure(port);
  KernelSocket sock;
  sock.SendToRemote("first");
  sock.SendToRemote("second");
  RunUntil([&] { return capture_.received.size() >= 2; });
  EXPECT_THAT(capture_.received, ElementsAre("first", "second"));
  EXPECT_EQ(capture_.senders[0],
            Address(IPv4Address::Udp("192.0.2.1", sock.port())));  // kLocal

  absl::StatusOr<size_t> n = port.WriteDatagram(Reply(sock.port(), "back"));
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(sock.Receive(), "back");
}

TEST_F(TuntapPortRealTest, TapCarriesFramesBothWays) {
  TuntapPort port("tap-port", &ether_, TuntapPort::kDefaultMaxPacketSize,
                  &reactor_);
  ASSERT_TRUE(port.StartListening().ok());
  Configure(port);
  KernelSocket sock;
  sock.SendToRemote("over ethernet");
  RunUntil([&] { return !capture_.received.empty(); });
  EXPECT_THAT(capture_.received, ElementsAre("over ethernet"));

  const std::string frame = netstack::BuildEthernet(
      netstack::MacAddress(), netstack::MacAddress::Broadcast(), 0x0800,
      Reply(sock.port(), "frame back"));
  ASSERT_TRUE(port.WriteDatagram(frame).ok());
  EXPECT_EQ(sock.Receive(), "frame back");
}

TEST_F(TuntapPortRealTest, KernelRejectsAMalformedWrite) {
  TuntapPort port("tun-port", &ip_, TuntapPort::kDefaultMaxPacketSize,
                  &reactor_);
  ASSERT_TRUE(port.StartListening().ok());
  Configure(port);
  EXPECT_EQ(ErrnoOf(port.WriteDatagram("\x50 not ip").status()), EINVAL);
  std::vector<absl::Status> errors;
  port.set_error_hook([&](const absl::Status& s) { errors.push_back(s); });
  port.Write("\x70 not ip either");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(ErrnoOf(errors[0]), EINVAL);
}

TEST_F(TuntapPortRealTest, OversizedDatagramIsCutAndMarkedPartial) {
  class Recorder : public netstack::RawPacketProtocol {
   public:
    void DatagramReceived(std::string_view packet,
                          const netstack::LinkMetadata& link) override {
      sizes.push_back(packet.size());
      partial.push_back(link.partial);
    }
    std::vector<size_t> sizes;
    std::vector<bool> partial;
  } recorder;
  TuntapPort port("tun-small", &recorder, 100, &reactor_);
  ASSERT_TRUE(port.StartListening().ok());
  Configure(port);
  KernelSocket sock;
  sock.SendToRemote(std::string(500, 'x'));  // 528 bytes of IP.
  sock.SendToRemote(std::string(72, 'y'));   // Exactly 100.
  RunUntil([&] { return recorder.sizes.size() >= 2; });
  EXPECT_THAT(recorder.sizes, ElementsAre(100u, 100u));
  EXPECT_THAT(recorder.partial, ElementsAre(true, false));
}

TEST_F(TuntapPortRealTest, StopListeningDestroysTheInterface) {
  TuntapPort port("tun-gone", &ip_, TuntapPort::kDefaultMaxPacketSize,
                  &reactor_);
  ASSERT_TRUE(port.StartListening().ok());
  EXPECT_NE(::if_nametoindex("tun-gone"), 0u);
  bool stopped = false;
  port.StopListening([&] { stopped = true; });
  RunUntil([&] { return stopped; });
  EXPECT_TRUE(stopped);
  EXPECT_EQ(port.fileno(), -1);
  EXPECT_EQ(::if_nametoindex("tun-gone"), 0u);
}

TEST_F(TuntapPortRealTest, CannotListenNamesTheInterface) {
  // A TAP cannot attach to an existing TUN of the same name: EINVAL.
  TuntapPort tun("tun-busy", &ip_, TuntapPort::kDefaultMaxPacketSize,
                 &reactor_);
  ASSERT_TRUE(tun.StartListening().ok());
  TuntapPort tap("tun-busy", &ether_, TuntapPort::kDefaultMaxPacketSize,
                 &reactor_);
  absl::Status s = tap.StartListening();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(ErrnoOf(s), 0) << s;
  EXPECT_THAT(std::string(s.message()),
              ::testing::HasSubstr("cannot listen on IFF_TAP interface "
                                   "'tun-busy'"));
}

// A protocol that pauses the port from inside DatagramReceived() gets
// nothing more from that wakeup, though the kernel holds many more; resumed,
// it gets the rest in order.
TEST_F(TuntapPortRealTest, PauseInsideDatagramReceivedHoldsTheRestInTheKernel) {
  class Pausing : public netstack::RawPacketProtocol {
   public:
    void DatagramReceived(std::string_view packet,
                          const netstack::LinkMetadata&) override {
      received.emplace_back(packet);
      if (received.size() == 1) port->PauseProducing();
    }
    TuntapPort* port = nullptr;
    std::vector<std::string> received;
  } pausing;
  // The tunnel's queue holds 500 (txqueuelen); stay well below it.
  constexpr int kCount = 200;
  TuntapPort port("tun-pause", &pausing, TuntapPort::kDefaultMaxPacketSize,
                  &reactor_);
  pausing.port = &port;
  ASSERT_TRUE(port.StartListening().ok());
  Configure(port);
  KernelSocket sock;
  std::vector<std::string> sent;
  for (int i = 0; i < kCount; ++i) {
    sent.push_back(absl::StrCat("datagram ", i));
    sock.SendToRemote(sent.back());
  }
  RunUntil([&] { return !pausing.received.empty(); });
  ASSERT_EQ(pausing.received.size(), 1u);
  EXPECT_FALSE(port.reading());
  // Paused: the rest waits in the kernel, readable at once.
  pollfd ready{port.fileno(), POLLIN, 0};
  EXPECT_EQ(::poll(&ready, 1, 0), 1);
  port.ResumeProducing();
  RunUntil([&] { return pausing.received.size() >= kCount; });
  std::vector<std::string> payloads;
  for (const std::string& packet : pausing.received) {
    absl::StatusOr<netstack::Ipv4Packet> ip =
        netstack::Ipv4Packet::Parse(packet);
    ASSERT_TRUE(ip.ok()) << ip.status();
    payloads.emplace_back(
        ip->payload().substr(netstack::UdpDatagram::kHeaderSize));
  }
  EXPECT_EQ(payloads, sent);
}

// Capture is a device that wraps the device: the same CapturingIoSystem
// records the kernel's traffic both ways.
TEST_F(TuntapPortRealTest, CapturingTheKernelsTunnelRecordsBothWays) {
  std::string bytes;
  auto pcap = netstack::PcapWriter::ToString(&bytes, netstack::LinkType::kRaw,
                                             [] { return absl::Now(); });
  RealIoSystem kernel;
  CapturingIoSystem capture(&kernel, &pcap);
  // The port reads the kernel's device with read(2) itself, but never
  // around a wrapper: the inbound datagram below must be captured.
  EXPECT_TRUE(kernel.reads_are_plain());
  EXPECT_FALSE(capture.reads_are_plain());
  TuntapPort port("tun-capture", &ip_, TuntapPort::kDefaultMaxPacketSize,
                  &reactor_, &capture);
  ASSERT_TRUE(port.StartListening().ok());
  Configure(port);
  KernelSocket sock;
  sock.SendToRemote("captured inbound");
  RunUntil([&] { return !capture_.received.empty(); });
  ASSERT_THAT(capture_.received, ElementsAre("captured inbound"));
  const std::string reply = Reply(sock.port(), "captured outbound");
  ASSERT_TRUE(port.WriteDatagram(reply).ok());
  EXPECT_EQ(sock.Receive(), "captured outbound");
  EXPECT_TRUE(capture.status().ok()) << capture.status();
  EXPECT_EQ(capture.missed(), 0u);
  // The kernel may send more (nothing else runs in this namespace, but it
  // is not ours to promise); ours are there.
  EXPECT_GE(capture.captured(), 2u);
  EXPECT_NE(bytes.find("captured inbound"), std::string::npos);
  EXPECT_NE(bytes.find(reply), std::string::npos);
}

}  // namespace
}  // namespace standin
