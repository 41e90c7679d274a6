// The datagram conformance suite (testutil/datagram_conformance.h) on a UDP
// port of netstack::Host, attached to a TuntapPort over MemoryIoSystem and
// driven by a MemoryReactor: TUN (bare IPv4) and TAP (Ethernet and ARP).
//
// The peer is the test side of the Tunnel, played as a kernel would: it
// queues IPv4/UDP packets (in Ethernet frames on TAP) for the port to read,
// parses every datagram the host writes, and on TAP answers the host's ARP
// requests for the peer's address. Time moves only when nothing else can
// happen, 10 ms at a time (so an ARP timeout would fire, never a sleep).
// The real-device instantiations are in host_real_device_test.cc.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "standin/netstack/arp.h"
#include "standin/netstack/builders.h"
#include "standin/netstack/ethernet.h"
#include "standin/netstack/host.h"
#include "standin/netstack/ipv4.h"
#include "standin/netstack/udp.h"
#include "standin/testutil/datagram_conformance.h"
#include "standin/testutil/memory_reactor.h"
#include "standin/tuntap/memory_io_system.h"
#include "standin/tuntap/tuntap_port.h"

namespace standin {
namespace {

using netstack::MacAddress;
using testutil::DatagramHarness;
using testutil::DatagramHarnessFactory;
using Datagram = testutil::DatagramRecorder::Datagram;

constexpr IPv4Host kHostIp = "192.0.2.2";
constexpr IPv4Host kPeerIp = "192.0.2.1";
constexpr uint16_t kHostPort = 7;
constexpr uint16_t kPeerPort = 40000;
const MacAddress kHostMac({0x02, 0, 0, 0, 0, 0x02});
const MacAddress kPeerMac({0x02, 0, 0, 0, 0, 0x01});

class MemoryHostHarness : public DatagramHarness {
 public:
  explicit MemoryHostHarness(bool tap)
      : tap_(tap),
        host_({.address = kHostIp,
               .mac = tap ? std::optional<MacAddress>(kHostMac) : std::nullopt},
              &reactor_) {
    port_ = tap ? std::make_unique<TuntapPort>(
                      "tap0", host_.ethernet(),
                      TuntapPort::kDefaultMaxPacketSize, &reactor_, &system_)
                : std::make_unique<TuntapPort>(
                      "tun0", host_.ip(), TuntapPort::kDefaultMaxPacketSize,
                      &reactor_, &system_);
    host_.AttachLink(port_.get());
  }

  DatagramTransport* Listen(DatagramProtocol* protocol) override {
    absl::Status listening = port_->StartListening();
    EXPECT_TRUE(listening.ok()) << listening;
    tunnel_ = system_.GetTunnel(*port_);
    absl::StatusOr<DatagramTransport*> bound =
        host_.BindUdp(kHostPort, protocol);
    EXPECT_TRUE(bound.ok()) << bound.status();
    return bound.value_or(nullptr);
  }

  Address peer_address() override {
    return IPv4Address::Udp(kPeerIp, kPeerPort);
  }

  void SendFromPeer(std::string_view data) override {
    const std::string packet =
        netstack::BuildUdpIpv4(kPeerIp, kPeerPort, kHostIp, kHostPort, data);
    tunnel_->read_buffer().push_back(
        tap_ ? netstack::BuildEthernet(kPeerMac, kHostMac,
                                       netstack::kEtherTypeIpv4, packet)
             : packet);
  }

  std::vector<Datagram> PeerReceived() override {
    Pump();
    return received_;
  }

  bool RunUntil(absl::FunctionRef<bool()> done) override {
    absl::Duration idle = absl::ZeroDuration();
    while (!done()) {
      if (Step()) {
        idle = absl::ZeroDuration();
        continue;
      }
      if (idle >= absl::Seconds(10)) return false;  // nothing left to run
      reactor_.Advance(absl::Milliseconds(10));
      idle += absl::Milliseconds(10);
    }
    return true;
  }

  void Settle() override {
    while (Step()) {
    }
    reactor_.Advance(absl::ZeroDuration());
  }

  std::string refusal_unsupported() const override {
    return "netstack::Host has no connected UDP (it heeds no ICMP errors)";
  }

 private:
  // One step of the world: the peer reads what the host wrote (answering
  // ARP), then the port reads what the peer sent. False when idle.
  bool Step() {
    bool moved = Pump();
    if (tunnel_ != nullptr && !tunnel_->read_buffer().empty()) {
      EXPECT_TRUE(reactor_.FireRead(port_.get()).ok());
      moved = true;
    }
    return moved;
  }

  // Takes every datagram the host wrote off the tunnel.
  bool Pump() {
    if (tunnel_ == nullptr) return false;
    bool moved = false;
    while (!tunnel_->write_buffer().empty()) {
      const std::string written = std::move(tunnel_->write_buffer().front());
      tunnel_->write_buffer().pop_front();
      moved = true;
      if (tap_) {
        TakeFrame(written);
      } else {
        TakePacket(written);
      }
    }
    return moved;
  }

  void TakeFrame(std::string_view bytes) {
    netstack::EthernetFrame frame;
    ASSERT_EQ(netstack::EthernetFrame::Check(bytes, &frame),
              netstack::DropReason::kNone);
    if (frame.ethertype() == netstack::kEtherTypeIpv4) {
      EXPECT_EQ(frame.destination(), kPeerMac);
      TakePacket(frame.payload());
      return;
    }
    ASSERT_EQ(frame.ethertype(), netstack::kEtherTypeArp);
    absl::StatusOr<netstack::ArpPacket> arp =
        netstack::ArpPacket::Parse(frame.payload());
    ASSERT_TRUE(arp.ok()) << arp.status();
    if (arp->operation() != netstack::ArpOperation::kRequest ||
        arp->target_ip() != kPeerIp) {
      return;
    }
    std::string reply(netstack::ArpMessage::kSize, '\0');
    netstack::ArpMessage{.operation = netstack::ArpOperation::kReply,
                         .sender_mac = kPeerMac,
                         .sender_ip = kPeerIp,
                         .target_mac = arp->sender_mac(),
                         .target_ip = arp->sender_ip()}
        .Emit(reply.data());
    tunnel_->read_buffer().push_back(netstack::BuildEthernet(
        kPeerMac, arp->sender_mac(), netstack::kEtherTypeArp, reply));
  }

  void TakePacket(std::string_view bytes) {
    absl::StatusOr<netstack::Ipv4Packet> ip =
        netstack::Ipv4Packet::Parse(bytes);
    ASSERT_TRUE(ip.ok()) << ip.status();
    ASSERT_EQ(ip->protocol(), netstack::kIpProtocolUdp);
    absl::StatusOr<netstack::UdpDatagram> udp = netstack::UdpDatagram::Parse(
        ip->payload(), ip->source(), ip->destination());
    ASSERT_TRUE(udp.ok()) << udp.status();
    // Only what reaches the peer's socket counts as received.
    if (ip->destination() != kPeerIp || udp->destination_port() != kPeerPort) {
      return;
    }
    received_.push_back(
        Datagram{std::string(udp->payload()),
                 IPv4Address::Udp(ip->source(), udp->source_port())});
  }

  const bool tap_;
  testutil::MemoryReactor reactor_;
  MemoryIoSystem system_;
  netstack::Host host_;
  std::unique_ptr<TuntapPort> port_;
  Tunnel* tunnel_ = nullptr;
  std::vector<Datagram> received_;
};

using ::standin::testutil::DatagramConformanceTest;
INSTANTIATE_TEST_SUITE_P(
    HostOnMemoryTunnel, DatagramConformanceTest,
    ::testing::Values(
        DatagramHarnessFactory{
            "Tun", [] { return std::make_unique<MemoryHostHarness>(false); }},
        DatagramHarnessFactory{
            "Tap", [] { return std::make_unique<MemoryHostHarness>(true); }}),
    testutil::HarnessName<DatagramHarness>);

}  // namespace
}  // namespace standin
