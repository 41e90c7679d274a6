// The echo on real devices, end to end, in a private network namespace: a
// kernel UDP socket talks to the echo on a TUN and on a TAP (where the
// kernel first has to find the echo by ARP), and on the TAP the kernel
// pings it. TEST-NET addresses only; without root every case skips.
#include <memory>
#include <optional>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "standin/examples/udp_echo_tun/kernel_peer.h"
#include "standin/examples/udp_echo_tun/udp_echo_tun.h"
#include "standin/testutil/private_network.h"
#include "standin/transport/epoll_reactor.h"

namespace standin::examples {
namespace {

struct Case {
  const char* name;
  TunnelType type;
  const char* interface;
  IPv4Host echo_ip;
  IPv4Host kernel_ip;
  // gtest names the failing case instead of dumping the struct's bytes.
  friend void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }
};

class UdpEchoEndToEndTest : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    if (absl::Status s = testutil::EnterPrivateNetworkNamespace(); !s.ok()) {
      GTEST_SKIP() << "needs root for a private network namespace: " << s;
    }
    const Case& c = GetParam();
    absl::StatusOr<std::unique_ptr<UdpEchoTun>> echo =
        UdpEchoTun::Start({.type = c.type,
                           .interface = c.interface,
                           .address = c.echo_ip.ToString()},
                          &reactor_);
    ASSERT_TRUE(echo.ok()) << echo.status();
    echo_ = *std::move(echo);
    ASSERT_TRUE(testutil::ConfigureInterface(echo_->port().interface(),
                                             c.kernel_ip.ToString(), 24)
                    .ok());
    absl::StatusOr<KernelPeer> kernel =
        KernelPeer::Open(c.kernel_ip, /*with_ping=*/true);
    ASSERT_TRUE(kernel.ok()) << kernel.status();
    kernel_.emplace(*std::move(kernel));
  }

  // Turns the reactor until `done` holds, for at most 10 s.
  template <typename Done>
  bool RunUntil(Done done) {
    const absl::Time give_up = absl::Now() + absl::Seconds(10);
    while (!done()) {
      if (absl::Now() > give_up) return false;
      if (!reactor_.RunOnce(absl::Milliseconds(5)).ok()) return false;
    }
    return true;
  }

  EpollReactor reactor_;
  std::unique_ptr<UdpEchoTun> echo_;
  std::optional<KernelPeer> kernel_;
};

TEST_P(UdpEchoEndToEndTest, TheKernelGetsItsDatagramsBack) {
  const IPv4Address echo_at = IPv4Address::Udp(GetParam().echo_ip, 7);
  for (const char* message : {"first", "second", "third"}) {
    ASSERT_TRUE(kernel_->Send(message, echo_at).ok());
  }
  std::vector<KernelPeer::Datagram> got;
  ASSERT_TRUE(RunUntil([&] {
    while (auto d = kernel_->Receive()) got.push_back(*std::move(d));
    return got.size() >= 3;
  }));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].data, "first");
  EXPECT_EQ(got[1].data, "second");
  EXPECT_EQ(got[2].data, "third");
  EXPECT_EQ(got[0].from, Address(echo_at));
  EXPECT_EQ(echo_->echo().echoed(), 3u);
}

TEST_P(UdpEchoEndToEndTest, TheKernelCanPingTheEcho) {
  ASSERT_TRUE(kernel_->Ping(GetParam().echo_ip, 1, "ping").ok());
  std::optional<uint16_t> sequence;
  ASSERT_TRUE(RunUntil([&] {
    sequence = kernel_->PingReply(GetParam().echo_ip);
    return sequence.has_value();
  }));
  EXPECT_EQ(*sequence, 1);
  EXPECT_EQ(echo_->host().counters().echo_replies_sent, 1u);
}

TEST_P(UdpEchoEndToEndTest, StopClosesTheTunnel) {
  echo_->Stop();
  ASSERT_TRUE(RunUntil([&] { return !echo_->port().connected(); }));
}

INSTANTIATE_TEST_SUITE_P(
    TunAndTap, UdpEchoEndToEndTest,
    ::testing::Values(Case{"Tun", TunnelType::kTun, "echo-tun", "192.0.2.2",
                           "192.0.2.1"},
                      Case{"Tap", TunnelType::kTap, "echo-tap", "198.51.100.2",
                           "198.51.100.1"}),
    [](const ::testing::TestParamInfo<Case>& info) {
      return std::string(info.param.name);
    });

}  // namespace
}  // namespace standin::examples
