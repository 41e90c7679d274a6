// The echo protocol on FakeDatagramTransport (no sockets, no devices), then
// its tunnel wiring on MemoryIoSystem + MemoryReactor (no root).
#include "standin/examples/udp_echo_tun/udp_echo_tun.h"

#include <cerrno>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/netstack/builders.h"
#include "standin/netstack/icmp.h"
#include "standin/testutil/memory_reactor.h"
#include "standin/transport/fake_datagram_transport.h"
#include "standin/tuntap/memory_io_system.h"

namespace standin::examples {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Sent = FakeDatagramTransport::Sent;

const IPv4Address kPeer = IPv4Address::Udp("192.0.2.1", 40000);
const IPv4Address kOther = IPv4Address::Udp("192.0.2.9", 5353);

TEST(EchoTest, EchoesADatagramToItsSender) {
  Echo echo;
  FakeDatagramTransport transport(&echo);
  transport.Deliver("hello", kPeer);
  EXPECT_THAT(transport.written(), ElementsAre(Sent{"hello", kPeer}));
  EXPECT_EQ(echo.echoed(), 1u);
}

TEST(EchoTest, EchoesEachSenderItsOwnDatagramsInOrder) {
  Echo echo;
  FakeDatagramTransport transport(&echo);
  transport.Deliver("one", kPeer);
  transport.Deliver("two", kOther);
  transport.Deliver("", kPeer);  // an empty datagram is a datagram
  EXPECT_THAT(
      transport.written(),
      ElementsAre(Sent{"one", kPeer}, Sent{"two", kOther}, Sent{"", kPeer}));
}

TEST(EchoTest, AFailedReplyIsCountedAndTheEchoGoesOn) {
  Echo echo;
  FakeDatagramTransport transport(&echo);
  transport.AddWriteFailure(DatagramWriteFailure::Nth(1, ENOBUFS));
  transport.Deliver("lost", kPeer);
  transport.Deliver("sent", kPeer);
  EXPECT_THAT(transport.written(), ElementsAre(Sent{"sent", kPeer}));
  EXPECT_EQ(echo.failed(), 1u);
  EXPECT_EQ(echo.echoed(), 1u);
}

TEST(EchoTest, LogsWhatHappens) {
  std::vector<std::string> log;
  Echo echo([&](const std::string& line) { log.push_back(line); });
  FakeDatagramTransport transport(&echo,
                                  {.host = IPv4Address::Udp("192.0.2.2", 7)});
  transport.AddWriteFailure(DatagramWriteFailure::To(kOther, EMSGSIZE));
  transport.Deliver("hello", kPeer);
  transport.Deliver("big", kOther);
  transport.StopListening();
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[0], "listening on IPv4Address(UDP, '192.0.2.2', 7)");
  EXPECT_EQ(log[1], "echoed 5 bytes to IPv4Address(UDP, '192.0.2.1', 40000)");
  EXPECT_THAT(log[2], ::testing::StartsWith(
                          "could not echo 3 bytes to IPv4Address(UDP, "
                          "'192.0.2.9', 5353): "));
  EXPECT_EQ(log[3], "stopped after 1 echoes");
}

// ---- On a tunnel, in memory ----

class UdpEchoTunTest : public ::testing::TestWithParam<TunnelType> {
 protected:
  void SetUp() override {
    system_.set_udp_source(kPeer);
    absl::StatusOr<std::unique_ptr<UdpEchoTun>> echo = UdpEchoTun::Start(
        {.type = GetParam(),
         .interface = GetParam() == TunnelType::kTap ? "tap0" : "tun0"},
        &reactor_, &system_);
    ASSERT_TRUE(echo.ok()) << echo.status();
    echo_ = *std::move(echo);
  }

  MemoryIoSystem system_;
  testutil::MemoryReactor reactor_;
  std::unique_ptr<UdpEchoTun> echo_;
};

TEST_P(UdpEchoTunTest, EchoesThroughTheTunnel) {
  if (GetParam() == TunnelType::kTap) {
    // MemoryIoSystem frames what it sends from MAC 00:00:00:00:00:00,
    // which no host learns: tell the echo where the peer is.
    echo_->host().SetNeighbor(kPeer.host,
                              netstack::MacAddress({2, 0, 0, 0, 0, 1}));
  }
  absl::StatusOr<std::unique_ptr<UdpReceiver>> receiver =
      system_.ReceiveUdp(echo_->port().fileno(), kPeer);
  ASSERT_TRUE(receiver.ok()) << receiver.status();
  ASSERT_TRUE(system_.SendUdp("hello", IPv4Address::Udp("192.0.2.2", 7)).ok());
  ASSERT_TRUE(reactor_.FireRead(&echo_->port()).ok());
  absl::StatusOr<std::string> reply = (*receiver)->Recv(1024);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(*reply, "hello");
  EXPECT_EQ(echo_->echo().echoed(), 1u);
}

TEST_P(UdpEchoTunTest, AnswersPings) {
  Tunnel* tunnel = system_.GetTunnel(echo_->port());
  std::string icmp(netstack::Icmpv4Echo::kSize, '\0');
  icmp += "ping";
  netstack::Icmpv4Echo{.identifier = 1, .sequence = 1}.Emit(icmp.data(),
                                                            icmp.size());
  tunnel->AddToReadBuffer(netstack::BuildIpv4(kPeer.host, "192.0.2.2",
                                              netstack::kIpProtocolIcmp, icmp));
  ASSERT_TRUE(reactor_.FireRead(&echo_->port()).ok());
  EXPECT_EQ(echo_->host().counters().echo_replies_sent, 1u);
  EXPECT_EQ(tunnel->write_buffer().size(), 1u);
}

TEST_P(UdpEchoTunTest, StopStopsTheEchoAndClosesTheTunnel) {
  echo_->Stop();
  reactor_.Advance(absl::ZeroDuration());
  EXPECT_FALSE(echo_->port().listening());
  EXPECT_THAT(system_.open_fds(), IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(TunAndTap, UdpEchoTunTest,
                         ::testing::Values(TunnelType::kTun, TunnelType::kTap),
                         [](const auto& info) {
                           return info.param == TunnelType::kTap
                                      ? std::string("Tap")
                                      : std::string("Tun");
                         });

TEST(UdpEchoTunStartTest, BadAddressOrMacIsInvalidArgument) {
  MemoryIoSystem system;
  testutil::MemoryReactor reactor;
  EXPECT_EQ(UdpEchoTun::Start({.address = "not-an-ip"}, &reactor, &system)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(UdpEchoTun::Start({.type = TunnelType::kTap, .mac = "02:00"},
                              &reactor, &system)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace standin::examples
