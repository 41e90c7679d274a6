// netstack::Host on a recording link with a MemoryReactor: every frame or
// packet the host sends is one recorded write, and time moves only when the
// test says so. First as a TUN host (bare IPv4), then as a TAP host
// (Ethernet, ARP).
//
// The links are small Transports written here rather than StringTransport:
// netstack's files include nothing of transport beyond its vocabulary
// headers (a house rule), and one record per write is exactly what
// StringTransport's events() would give.
#include "standin/netstack/host.h"

#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/netstack/arp.h"
#include "standin/netstack/builders.h"
#include "standin/netstack/checksum.h"
#include "standin/netstack/ethernet.h"
#include "standin/netstack/icmp.h"
#include "standin/testutil/memory_reactor.h"
#include "standin/transport/status.h"

namespace standin::netstack {
namespace {

using std::string_literals::operator""s;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const IPv4Host kHostIp = "192.0.2.2";
const IPv4Host kPeerIp = "192.0.2.1";
const IPv4Host kOtherIp = "192.0.2.3";
const MacAddress kHostMac({0x02, 0, 0, 0, 0, 0x02});
const MacAddress kPeerMac({0x02, 0, 0, 0, 0, 0x01});
const MacAddress kOtherMac({0x02, 0, 0, 0, 0, 0x03});

// A Transport that records each write as one frame; its writes cannot fail.
class PlainLink : public Transport {
 public:
  void Write(std::string_view data) override { frames.emplace_back(data); }
  void WriteSequence(absl::Span<const std::string_view> chunks) override {
    std::string joined;
    for (std::string_view chunk : chunks) joined.append(chunk);
    Write(joined);
  }
  absl::Status RegisterProducer(Producer*, bool) override {
    return absl::OkStatus();
  }
  void UnregisterProducer() override {}
  void LoseConnection() override {}
  Address GetPeer() const override { return TunnelAddress{}; }
  Address GetHost() const override { return TunnelAddress{}; }

  std::vector<std::string> frames;
};

// As a PacketLink too (as TuntapPort is): it refuses the next frames with
// `failures`, as a full device does.
class RecordingLink : public PlainLink, public PacketLink {
 public:
  absl::StatusOr<size_t> WriteDatagram(std::string_view packet) override {
    if (!failures.empty()) {
      absl::Status failure = failures.front();
      failures.pop_front();
      return failure;
    }
    frames.emplace_back(packet);
    return packet.size();
  }

  std::deque<absl::Status> failures;
};

// Records what a DatagramProtocol hears, in order.
class Recorder : public DatagramProtocol {
 public:
  void StartProtocol() override { events.push_back("start"); }
  void StopProtocol() override { events.push_back("stop"); }
  void DatagramReceived(std::string_view data, const Address& from) override {
    events.push_back(std::string(data) + " from " + ToString(from));
  }
  std::vector<std::string> events;
};

// Answers every datagram with the same bytes; remembers how the last
// answer went.
class Echo : public DatagramProtocol {
 public:
  void DatagramReceived(std::string_view data, const Address& from) override {
    last = transport()->Write(data, from);
  }
  absl::Status last;
};

std::string UdpPacket(IPv4Host from, uint16_t from_port, IPv4Host to,
                      uint16_t to_port, std::string_view payload) {
  return BuildUdpIpv4(from, from_port, to, to_port, payload);
}

std::string ArpBody(ArpOperation op, MacAddress sender_mac, IPv4Host sender_ip,
                    MacAddress target_mac, IPv4Host target_ip) {
  std::string out(ArpMessage::kSize, '\0');
  ArpMessage{.operation = op,
             .sender_mac = sender_mac,
             .sender_ip = sender_ip,
             .target_mac = target_mac,
             .target_ip = target_ip}
      .Emit(out.data());
  return out;
}

std::string EchoPacket(uint8_t type, IPv4Host from, IPv4Host to,
                       std::string_view data, uint16_t id = 0x4d2a,
                       uint16_t seq = 1) {
  std::string icmp(Icmpv4Echo::kSize, '\0');
  icmp += data;
  Icmpv4Echo{.type = type, .identifier = id, .sequence = seq}.Emit(icmp.data(),
                                                                   icmp.size());
  return BuildIpv4(from, to, kIpProtocolIcmp, icmp);
}

// ---------------------------------------------------------------- TUN ----

class TunHostTest : public ::testing::Test {
 protected:
  TunHostTest() { host_.AttachLink(&link_); }
  DatagramTransport* Bind(uint16_t port, DatagramProtocol* protocol) {
    absl::StatusOr<DatagramTransport*> bound = host_.BindUdp(port, protocol);
    EXPECT_TRUE(bound.ok()) << bound.status();
    return bound.value_or(nullptr);
  }

  testutil::MemoryReactor reactor_;
  RecordingLink link_;
  Host host_{{.address = kHostIp}, &reactor_};
  Recorder app_;
};

TEST_F(TunHostTest, WriteSendsOneIpv4UdpPacket) {
  DatagramTransport* udp = Bind(7, &app_);
  ASSERT_TRUE(udp->Write("hello", IPv4Address::Udp(kPeerIp, 40000)).ok());
  // 192.0.2.2:7 -> 192.0.2.1:40000, TTL 64, both checksums.
  EXPECT_THAT(link_.frames,
              ElementsAre("\x45\x00\x00\x21\x00\x00\x00\x00\x40\x11\xf6\xc8"
                          "\xc0\x00\x02\x02\xc0\x00\x02\x01\x00\x07\x9c\x40"
                          "\x00\x0d\x9b\xb6hello"s));
}

TEST_F(TunHostTest, ReceivedDatagramReachesTheBoundProtocolWithItsSender) {
  Bind(7, &app_);
  host_.ip()->DatagramReceived(UdpPacket(kPeerIp, 40000, kHostIp, 7, "ping"),
                               {});
  EXPECT_THAT(app_.events,
              ElementsAre("start",
                          "ping from IPv4Address(UDP, '192.0.2.1', "
                          "40000)"));
  EXPECT_EQ(host_.drops().total(), 0u);
}

TEST_F(TunHostTest, ProtocolRepliesWithTransportWriteToTheSender) {
  Echo echo;
  Bind(7, &echo);
  host_.ip()->DatagramReceived(UdpPacket(kPeerIp, 40000, kHostIp, 7, "hi"), {});
  EXPECT_TRUE(echo.last.ok()) << echo.last;
  EXPECT_THAT(link_.frames,
              ElementsAre(UdpPacket(kHostIp, 7, kPeerIp, 40000, "hi")));
}

TEST_F(TunHostTest, BindUdpStartsTheProtocolWithItsTransport) {
  DatagramTransport* udp = Bind(7, &app_);
  EXPECT_EQ(app_.transport(), udp);
  EXPECT_THAT(app_.events, ElementsAre("start"));
  EXPECT_EQ(udp->GetHost(), Address(IPv4Address::Udp(kHostIp, 7)));
  EXPECT_EQ(udp->max_datagram_size(), 1500u - 28);
}

TEST_F(TunHostTest, PortZeroPicksAFreeEphemeralPort) {
  Recorder other;
  DatagramTransport* a = Bind(0, &app_);
  DatagramTransport* b = Bind(0, &other);
  const auto port = [](DatagramTransport* t) {
    return std::get<IPv4Address>(t->GetHost()).port;
  };
  EXPECT_GE(port(a), 32768);
  EXPECT_LE(port(a), 60999);
  EXPECT_NE(port(a), port(b));
}

TEST_F(TunHostTest, BindingABoundPortIsEaddrinuseUntilItStops) {
  Recorder other;
  DatagramTransport* udp = Bind(7, &app_);
  absl::StatusOr<DatagramTransport*> again = host_.BindUdp(7, &other);
  EXPECT_EQ(ErrnoOf(again.status()), EADDRINUSE) << again.status();
  EXPECT_THAT(other.events, IsEmpty());
  udp->StopListening();
  EXPECT_TRUE(host_.BindUdp(7, &other).ok());
}

TEST_F(TunHostTest, NullProtocolIsInvalidArgument) {
  EXPECT_EQ(host_.BindUdp(7, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(TunHostTest, StopListeningStopsTheProtocolOnceAndDeliveriesForGood) {
  DatagramTransport* udp = Bind(7, &app_);
  udp->StopListening();
  udp->StopListening();
  host_.ip()->DatagramReceived(UdpPacket(kPeerIp, 40000, kHostIp, 7, "late"),
                               {});
  EXPECT_THAT(app_.events, ElementsAre("start", "stop"));
  EXPECT_EQ(host_.drops()[DropReason::kNoProtocol], 1u);
  absl::Status write = udp->Write("x", IPv4Address::Udp(kPeerIp, 9));
  EXPECT_EQ(ErrnoOf(write), EBADF) << write;
  EXPECT_THAT(link_.frames, IsEmpty());
}

TEST_F(TunHostTest, OversizeIsEmsgsizeAndNothingIsSent) {
  DatagramTransport* udp = Bind(7, &app_);
  const std::string biggest(udp->max_datagram_size(), 'x');
  absl::Status too_big =
      udp->Write(biggest + "x", IPv4Address::Udp(kPeerIp, 9));
  EXPECT_EQ(ErrnoOf(too_big), EMSGSIZE) << too_big;
  EXPECT_THAT(link_.frames, IsEmpty());
  ASSERT_TRUE(udp->Write(biggest, IPv4Address::Udp(kPeerIp, 9)).ok());
  ASSERT_THAT(link_.frames, SizeIs(1));
  EXPECT_EQ(link_.frames[0].size(), 1500u);
}

TEST_F(TunHostTest, BadDestinationsAreStatusesAndNothingIsSent) {
  DatagramTransport* udp = Bind(7, &app_);
  EXPECT_EQ(ErrnoOf(udp->Write("x", IPv6Address{.kind = IPv6Address::Kind::kUdp,
                                                .host = "2001:db8::1",
                                                .port = 9})),
            EAFNOSUPPORT);
  EXPECT_EQ(ErrnoOf(udp->Write("x", IPv4Address::Udp(kPeerIp, 0))), EINVAL);
  EXPECT_EQ(udp->Write("x", UnixAddress{"/tmp/x"}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(link_.frames, IsEmpty());
}

TEST(HostLinkTest, WriteWithoutALinkIsFailedPrecondition) {
  testutil::MemoryReactor reactor;
  Host host({.address = kHostIp}, &reactor);
  Recorder app;
  DatagramTransport* udp = host.BindUdp(7, &app).value();
  EXPECT_EQ(udp->Write("x", IPv4Address::Udp(kPeerIp, 9)).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(TunHostTest, ALinkFailureIsWritesStatus) {
  DatagramTransport* udp = Bind(7, &app_);
  link_.failures.push_back(ErrnoStatus(ENOBUFS, "tunnel full"));
  EXPECT_EQ(ErrnoOf(udp->Write("x", IPv4Address::Udp(kPeerIp, 9))), ENOBUFS);
  EXPECT_THAT(link_.frames, IsEmpty());
  EXPECT_EQ(host_.counters().udp_sent, 0u);
  EXPECT_TRUE(udp->Write("y", IPv4Address::Udp(kPeerIp, 9)).ok());
  EXPECT_EQ(host_.counters().udp_sent, 1u);
}

TEST(HostLinkTest, APlainTransportGetsOneWritePerPacket) {
  testutil::MemoryReactor reactor;
  PlainLink link;
  Host host({.address = kHostIp}, &reactor);
  host.AttachLink(&link);
  Recorder app;
  DatagramTransport* udp = host.BindUdp(7, &app).value();
  ASSERT_TRUE(udp->Write("a", IPv4Address::Udp(kPeerIp, 9)).ok());
  ASSERT_TRUE(udp->Write("b", IPv4Address::Udp(kPeerIp, 9)).ok());
  EXPECT_THAT(link.frames, ElementsAre(UdpPacket(kHostIp, 7, kPeerIp, 9, "a"),
                                       UdpPacket(kHostIp, 7, kPeerIp, 9, "b")));
}

TEST_F(TunHostTest, AnswersEchoRequestsToItsAddress) {
  host_.ip()->DatagramReceived(
      EchoPacket(kIcmpEchoRequest, kPeerIp, kHostIp, "abcdefgh"), {});
  EXPECT_THAT(link_.frames, ElementsAre(EchoPacket(kIcmpEchoReply, kHostIp,
                                                   kPeerIp, "abcdefgh")));
  EXPECT_EQ(host_.counters().echo_replies_sent, 1u);
  EXPECT_EQ(host_.drops().total(), 0u);
}

TEST_F(TunHostTest, AnUnsentEchoReplyIsCountedAsALinkError) {
  link_.failures.push_back(ErrnoStatus(ENOBUFS, "tunnel full"));
  host_.ip()->DatagramReceived(
      EchoPacket(kIcmpEchoRequest, kPeerIp, kHostIp, "x"), {});
  EXPECT_EQ(host_.drops()[DropReason::kLinkError], 1u);
}

TEST_F(TunHostTest, IgnoresBroadcastPingsEchoRepliesAndOtherHostsPackets) {
  for (const std::string& packet :
       {EchoPacket(kIcmpEchoRequest, kPeerIp, "192.0.2.255", "b"),
        EchoPacket(kIcmpEchoReply, kPeerIp, kHostIp, "r"),
        EchoPacket(kIcmpEchoRequest, kPeerIp, kOtherIp, "o")}) {
    host_.ip()->DatagramReceived(packet, {});
  }
  EXPECT_THAT(link_.frames, IsEmpty());
  EXPECT_EQ(host_.drops()[DropReason::kNotForUs], 2u) << host_.drops();
  EXPECT_EQ(host_.drops()[DropReason::kNoProtocol], 1u) << host_.drops();
}

TEST_F(TunHostTest, BroadcastUdpIsDelivered) {
  Bind(67, &app_);
  host_.ip()->DatagramReceived(
      UdpPacket(kPeerIp, 68, "255.255.255.255", 67, "all"), {});
  host_.ip()->DatagramReceived(UdpPacket(kPeerIp, 68, "192.0.2.255", 67, "net"),
                               {});
  EXPECT_THAT(app_.events, SizeIs(3));
}

// What the host does not take, each counted once under its reason.
struct Unwanted {
  const char* name;
  std::string packet;
  DropReason reason;
  // gtest names the failing case instead of dumping the struct's bytes.
  friend void PrintTo(const Unwanted& u, std::ostream* os) { *os << u.name; }
};

std::string Corrupted(std::string packet, size_t at) {
  packet[at] ^= 0x01;
  return packet;
}

std::string WithIpHeader(std::string packet, size_t at, char value) {
  packet[at] = value;
  StoreBe16(packet.data() + 10, 0);
  StoreBe16(packet.data() + 10,
            InternetChecksum(std::string_view(packet).substr(0, 20)));
  return packet;
}

class TunHostDropTest : public TunHostTest,
                        public ::testing::WithParamInterface<Unwanted> {};

TEST_P(TunHostDropTest, IsCountedAndNothingIsDeliveredOrSent) {
  Bind(7, &app_);
  host_.ip()->DatagramReceived(GetParam().packet, {});
  EXPECT_THAT(app_.events, ElementsAre("start"));
  EXPECT_THAT(link_.frames, IsEmpty());
  EXPECT_EQ(host_.drops()[GetParam().reason], 1u) << host_.drops();
  EXPECT_EQ(host_.drops().total(), 1u) << host_.drops();
}

const std::string kGood = UdpPacket(kPeerIp, 40000, kHostIp, 7, "ping");
const std::string kPing = EchoPacket(kIcmpEchoRequest, kPeerIp, kHostIp, "p");

INSTANTIATE_TEST_SUITE_P(
    Table, TunHostDropTest,
    ::testing::Values(
        Unwanted{"Runt", kGood.substr(0, 19), DropReason::kIpv4TooShort},
        Unwanted{"BadIpChecksum", Corrupted(kGood, 11),
                 DropReason::kIpv4BadChecksum},
        Unwanted{"BadUdpChecksum", Corrupted(kGood, 27),
                 DropReason::kUdpBadChecksum},
        Unwanted{"Fragment", WithIpHeader(kGood, 6, '\x20'),
                 DropReason::kIpv4Fragment},
        Unwanted{"OtherHost", UdpPacket(kPeerIp, 40000, kOtherIp, 7, "x"),
                 DropReason::kNotForUs},
        Unwanted{"UnboundPort", UdpPacket(kPeerIp, 40000, kHostIp, 8, "x"),
                 DropReason::kNoProtocol},
        Unwanted{"Tcp", WithIpHeader(kGood, 9, '\x06'),
                 DropReason::kNoProtocol},
        Unwanted{"Ipv6", "\x60"s + std::string(39, '\0'),
                 DropReason::kIpv4BadVersion},
        Unwanted{"IcmpBadChecksum", Corrupted(kPing, 23),
                 DropReason::kIcmpBadChecksum},
        Unwanted{"IcmpTooShort",
                 BuildIpv4(kPeerIp, kHostIp, kIpProtocolIcmp, "\x08\x00"s),
                 DropReason::kIcmpTooShort},
        Unwanted{"EchoWithCode1",
                 BuildIpv4(kPeerIp, kHostIp, kIpProtocolIcmp,
                           "\x08\x01\xf7\xfe\x00\x00\x00\x00"s),
                 DropReason::kIcmpEchoBadCode}),
    [](const ::testing::TestParamInfo<Unwanted>& info) {
      return std::string(info.param.name);
    });

TEST_F(TunHostTest, Ipv6FromATunIsNoProtocolNotMalformed) {
  host_.ip()->DatagramReceived("\x60"s + std::string(39, '\0'),
                               LinkMetadata{.protocol = kEtherTypeIpv6});
  EXPECT_EQ(host_.drops()[DropReason::kNoProtocol], 1u) << host_.drops();
}

// ---------------------------------------------------------------- TAP ----

class TapHostTest : public ::testing::Test {
 protected:
  TapHostTest() { host_.AttachLink(&link_); }

  DatagramTransport* Bind(uint16_t port, DatagramProtocol* protocol) {
    absl::StatusOr<DatagramTransport*> bound = host_.BindUdp(port, protocol);
    EXPECT_TRUE(bound.ok()) << bound.status();
    return bound.value_or(nullptr);
  }
  // A frame from the peer, as the kernel on the other side sends it.
  void Receive(MacAddress from, MacAddress to, uint16_t ethertype,
               std::string_view payload) {
    host_.ethernet()->DatagramReceived(
        BuildEthernet(from, to, ethertype, payload));
  }
  std::string ArpRequestFromHost(IPv4Host target) {
    return BuildEthernet(kHostMac, MacAddress::Broadcast(), kEtherTypeArp,
                         ArpBody(ArpOperation::kRequest, kHostMac, kHostIp,
                                 MacAddress(), target));
  }
  std::string UdpFrame(MacAddress to_mac, IPv4Host to, uint16_t port,
                       std::string_view payload, uint16_t from_port = 7) {
    return BuildEthernet(kHostMac, to_mac, kEtherTypeIpv4,
                         UdpPacket(kHostIp, from_port, to, port, payload));
  }

  testutil::MemoryReactor reactor_;
  RecordingLink link_;
  Host host_{{.address = kHostIp,
              .mac = kHostMac,
              .arp_timeout = absl::Seconds(1),
              .arp_queue_limit = 4,
              .neighbor_lifetime = absl::Seconds(60)},
             &reactor_};
  Recorder app_;
};

TEST_F(TapHostTest, AnswersArpRequestsForItsAddress) {
  Receive(kPeerMac, MacAddress::Broadcast(), kEtherTypeArp,
          ArpBody(ArpOperation::kRequest, kPeerMac, kPeerIp, MacAddress(),
                  kHostIp));
  // Ethernet to the asker; "192.0.2.2 is at 02:00:00:00:00:02".
  EXPECT_THAT(link_.frames,
              ElementsAre("\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02"
                          "\x08\x06"
                          "\x00\x01\x08\x00\x06\x04\x00\x02"
                          "\x02\x00\x00\x00\x00\x02\xc0\x00\x02\x02"
                          "\x02\x00\x00\x00\x00\x01\xc0\x00\x02\x01"s));
  // The asker is now a known neighbour.
  EXPECT_EQ(host_.neighbor(kPeerIp), kPeerMac);
  EXPECT_EQ(host_.counters().arp_replies_sent, 1u);
  EXPECT_EQ(host_.drops().total(), 0u);
}

TEST_F(TapHostTest, ArpRequestsForOtherAddressesAreNotAnsweredNorLearned) {
  Receive(kPeerMac, MacAddress::Broadcast(), kEtherTypeArp,
          ArpBody(ArpOperation::kRequest, kPeerMac, kPeerIp, MacAddress(),
                  kOtherIp));
  EXPECT_THAT(link_.frames, IsEmpty());
  EXPECT_EQ(host_.neighbor(kPeerIp), std::nullopt);
  EXPECT_EQ(host_.drops()[DropReason::kNotForUs], 1u) << host_.drops();
}

TEST_F(TapHostTest, MalformedArpIsCountedUnderItsReason) {
  std::string rarp =
      ArpBody(ArpOperation::kRequest, kPeerMac, kPeerIp, MacAddress(), kHostIp);
  rarp[7] = 3;
  Receive(kPeerMac, MacAddress::Broadcast(), kEtherTypeArp, rarp);
  Receive(kPeerMac, MacAddress::Broadcast(), kEtherTypeArp, rarp.substr(0, 20));
  EXPECT_THAT(link_.frames, IsEmpty());
  EXPECT_EQ(host_.drops()[DropReason::kArpBadOperation], 1u) << host_.drops();
  EXPECT_EQ(host_.drops()[DropReason::kArpTooShort], 1u) << host_.drops();
}

TEST_F(TapHostTest, WriteToAnUnknownPeerAsksByArpThenSendsInOrder) {
  DatagramTransport* udp = Bind(7, &app_);
  ASSERT_TRUE(udp->Write("one", IPv4Address::Udp(kPeerIp, 9)).ok());
  ASSERT_TRUE(udp->Write("two", IPv4Address::Udp(kPeerIp, 9)).ok());
  // One request for both datagrams; they wait.
  EXPECT_THAT(link_.frames, ElementsAre(ArpRequestFromHost(kPeerIp)));
  EXPECT_EQ(host_.arp_queue_size(), 2u);

  link_.frames.clear();
  Receive(kPeerMac, kHostMac, kEtherTypeArp,
          ArpBody(ArpOperation::kReply, kPeerMac, kPeerIp, kHostMac, kHostIp));
  EXPECT_THAT(link_.frames, ElementsAre(UdpFrame(kPeerMac, kPeerIp, 9, "one"),
                                        UdpFrame(kPeerMac, kPeerIp, 9, "two")));
  EXPECT_EQ(host_.arp_queue_size(), 0u);

  // Known now: the next datagram goes straight out.
  link_.frames.clear();
  ASSERT_TRUE(udp->Write("three", IPv4Address::Udp(kPeerIp, 9)).ok());
  EXPECT_THAT(link_.frames,
              ElementsAre(UdpFrame(kPeerMac, kPeerIp, 9, "three")));
  EXPECT_EQ(host_.counters().arp_requests_sent, 1u);
  EXPECT_EQ(host_.counters().udp_sent, 3u);
  reactor_.Advance(absl::Seconds(5));  // the cancelled timeout does nothing
  EXPECT_EQ(host_.drops().total(), 0u) << host_.drops();
}

TEST_F(TapHostTest, AnUnresolvablePeersDatagramsAreDroppedAfterTheTimeout) {
  DatagramTransport* udp = Bind(7, &app_);
  ASSERT_TRUE(udp->Write("one", IPv4Address::Udp(kOtherIp, 9)).ok());
  ASSERT_TRUE(udp->Write("two", IPv4Address::Udp(kOtherIp, 9)).ok());
  reactor_.Advance(absl::Milliseconds(999));
  EXPECT_EQ(host_.arp_queue_size(), 2u);
  EXPECT_EQ(host_.drops().total(), 0u);
  reactor_.Advance(absl::Milliseconds(1));
  EXPECT_EQ(host_.arp_queue_size(), 0u);
  EXPECT_EQ(host_.drops()[DropReason::kArpTimeout], 2u) << host_.drops();
  EXPECT_THAT(link_.frames, ElementsAre(ArpRequestFromHost(kOtherIp)));
  // A late reply finds nothing waiting; a new write asks again.
  ASSERT_TRUE(udp->Write("three", IPv4Address::Udp(kOtherIp, 9)).ok());
  EXPECT_THAT(link_.frames, ElementsAre(ArpRequestFromHost(kOtherIp),
                                        ArpRequestFromHost(kOtherIp)));
}

TEST_F(TapHostTest, TheArpQueueIsBoundedAndAFullQueueIsEnobufs) {
  DatagramTransport* udp = Bind(7, &app_);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(udp->Write("q", IPv4Address::Udp(kOtherIp, 9)).ok());
  }
  absl::Status full = udp->Write("over", IPv4Address::Udp(kOtherIp, 9));
  EXPECT_EQ(ErrnoOf(full), ENOBUFS) << full;
  EXPECT_EQ(host_.arp_queue_size(), 4u);
  // A full queue still asks for a new peer, so a later write finds it.
  EXPECT_EQ(ErrnoOf(udp->Write("x", IPv4Address::Udp(kPeerIp, 9))), ENOBUFS);
  EXPECT_THAT(link_.frames, ElementsAre(ArpRequestFromHost(kOtherIp),
                                        ArpRequestFromHost(kPeerIp)));
  Receive(kPeerMac, kHostMac, kEtherTypeArp,
          ArpBody(ArpOperation::kReply, kPeerMac, kPeerIp, kHostMac, kHostIp));
  link_.frames.clear();
  ASSERT_TRUE(udp->Write("y", IPv4Address::Udp(kPeerIp, 9)).ok());
  EXPECT_THAT(link_.frames, ElementsAre(UdpFrame(kPeerMac, kPeerIp, 9, "y")));
}

TEST_F(TapHostTest, LearnsAPeerFromTheFramesItSends) {
  Echo echo;
  Bind(7, &echo);
  Receive(kPeerMac, kHostMac, kEtherTypeIpv4,
          UdpPacket(kPeerIp, 40000, kHostIp, 7, "hello"));
  // The reply needs no ARP: the request's frame told us where the peer is.
  EXPECT_TRUE(echo.last.ok()) << echo.last;
  EXPECT_THAT(link_.frames,
              ElementsAre(UdpFrame(kPeerMac, kPeerIp, 40000, "hello")));
}

TEST_F(TapHostTest, AFrameFromAPeerBeingResolvedSendsWhatWaited) {
  DatagramTransport* udp = Bind(7, &app_);
  ASSERT_TRUE(udp->Write("waiting", IPv4Address::Udp(kPeerIp, 9)).ok());
  Receive(kPeerMac, kHostMac, kEtherTypeIpv4,
          UdpPacket(kPeerIp, 9, kHostIp, 7, "hi"));
  EXPECT_THAT(link_.frames,
              ElementsAre(ArpRequestFromHost(kPeerIp),
                          UdpFrame(kPeerMac, kPeerIp, 9, "waiting")));
}

TEST_F(TapHostTest, LearnedNeighboursExpireAndAreAskedForAgain) {
  DatagramTransport* udp = Bind(7, &app_);
  Receive(kPeerMac, kHostMac, kEtherTypeIpv4,
          UdpPacket(kPeerIp, 9, kHostIp, 7, "hi"));
  reactor_.Advance(absl::Seconds(59));
  EXPECT_EQ(host_.neighbor(kPeerIp), kPeerMac);
  reactor_.Advance(absl::Seconds(1));
  EXPECT_EQ(host_.neighbor(kPeerIp), std::nullopt);
  ASSERT_TRUE(udp->Write("again", IPv4Address::Udp(kPeerIp, 9)).ok());
  EXPECT_THAT(link_.frames, ElementsAre(ArpRequestFromHost(kPeerIp)));
}

TEST_F(TapHostTest, SetNeighborIsPermanentAndNeedsNoArp) {
  DatagramTransport* udp = Bind(7, &app_);
  host_.SetNeighbor(kOtherIp, kOtherMac);
  reactor_.Advance(absl::Hours(1));
  ASSERT_TRUE(udp->Write("direct", IPv4Address::Udp(kOtherIp, 9)).ok());
  EXPECT_THAT(link_.frames,
              ElementsAre(UdpFrame(kOtherMac, kOtherIp, 9, "direct")));
  // A peer's ARP does not overwrite what the user set.
  Receive(kPeerMac, MacAddress::Broadcast(), kEtherTypeArp,
          ArpBody(ArpOperation::kRequest, kPeerMac, kOtherIp, MacAddress(),
                  kHostIp));
  EXPECT_EQ(host_.neighbor(kOtherIp), kOtherMac);
}

TEST_F(TapHostTest, SetNeighborReleasesWhatWaitedForIt) {
  DatagramTransport* udp = Bind(7, &app_);
  ASSERT_TRUE(udp->Write("waiting", IPv4Address::Udp(kOtherIp, 9)).ok());
  host_.SetNeighbor(kOtherIp, kOtherMac);
  EXPECT_THAT(link_.frames,
              ElementsAre(ArpRequestFromHost(kOtherIp),
                          UdpFrame(kOtherMac, kOtherIp, 9, "waiting")));
}

TEST_F(TapHostTest, BroadcastAndMulticastNeedNoArpAndOffLinkIsUnreachable) {
  DatagramTransport* udp = Bind(7, &app_);
  ASSERT_TRUE(udp->Write("all", IPv4Address::Udp("255.255.255.255", 9)).ok());
  ASSERT_TRUE(udp->Write("net", IPv4Address::Udp("192.0.2.255", 9)).ok());
  ASSERT_TRUE(udp->Write("group", IPv4Address::Udp("224.0.0.251", 5353)).ok());
  EXPECT_THAT(
      link_.frames,
      ElementsAre(
          UdpFrame(MacAddress::Broadcast(), "255.255.255.255", 9, "all"),
          UdpFrame(MacAddress::Broadcast(), "192.0.2.255", 9, "net"),
          UdpFrame(MacAddress({0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb}),
                   "224.0.0.251", 5353, "group")));
  absl::Status far = udp->Write("far", IPv4Address::Udp("198.51.100.1", 9));
  EXPECT_EQ(ErrnoOf(far), ENETUNREACH) << far;
  EXPECT_THAT(link_.frames, SizeIs(3));
}

TEST_F(TapHostTest, AnswersPingsToTheFramesSender) {
  Receive(kPeerMac, kHostMac, kEtherTypeIpv4,
          EchoPacket(kIcmpEchoRequest, kPeerIp, kHostIp, "ping data"));
  EXPECT_THAT(link_.frames,
              ElementsAre(BuildEthernet(
                  kHostMac, kPeerMac, kEtherTypeIpv4,
                  EchoPacket(kIcmpEchoReply, kHostIp, kPeerIp, "ping data"))));
}

TEST_F(TapHostTest, FramesForOtherMacsAndUnknownEthertypesAreCounted) {
  Bind(7, &app_);
  Receive(kPeerMac, kOtherMac, kEtherTypeIpv4,
          UdpPacket(kPeerIp, 9, kHostIp, 7, "not our MAC"));
  Receive(kPeerMac, kOtherMac, kEtherTypeArp,
          ArpBody(ArpOperation::kRequest, kPeerMac, kPeerIp, MacAddress(),
                  kHostIp));
  Receive(kPeerMac, kHostMac, kEtherTypeIpv6, std::string(40, '\0'));
  host_.ethernet()->DatagramReceived("runt");
  EXPECT_THAT(app_.events, ElementsAre("start"));
  EXPECT_THAT(link_.frames, IsEmpty());
  EXPECT_EQ(host_.drops()[DropReason::kNotForUs], 2u) << host_.drops();
  EXPECT_EQ(host_.drops()[DropReason::kNoProtocol], 1u) << host_.drops();
  EXPECT_EQ(host_.drops()[DropReason::kEthernetTooShort], 1u) << host_.drops();
  EXPECT_EQ(host_.neighbor(kPeerIp), std::nullopt);
}

TEST(TapHostLifetimeTest, DestroyingTheHostCancelsItsArpTimers) {
  testutil::MemoryReactor reactor;
  RecordingLink link;
  Recorder app;
  {
    Host host({.address = kHostIp, .mac = kHostMac}, &reactor);
    host.AttachLink(&link);
    DatagramTransport* udp = host.BindUdp(7, &app).value();
    ASSERT_TRUE(udp->Write("x", IPv4Address::Udp(kPeerIp, 9)).ok());
  }
  reactor.Advance(absl::Seconds(2));  // nothing runs on the dead host
  EXPECT_EQ(reactor.clock().pending_count(), 0u);
}

TEST(HostDeathTest, PrefixLengthOutOfRangeDies) {
  testutil::MemoryReactor reactor;
  EXPECT_DEATH(Host({.address = kHostIp, .prefix_length = 33}, &reactor),
               "prefix length 33");
}

}  // namespace
}  // namespace standin::netstack
