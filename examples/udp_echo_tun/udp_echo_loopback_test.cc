// The same echo over a kernel UDP socket (UdpPort) on loopback: no device,
// no root; the kernel's own UDP is the transport.
#include <memory>
#include <optional>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "standin/examples/udp_echo_tun/kernel_peer.h"
#include "standin/examples/udp_echo_tun/udp_echo_tun.h"
#include "standin/transport/epoll_reactor.h"
#include "standin/transport/udp_port.h"

namespace standin::examples {
namespace {

TEST(EchoOverUdpPortTest, EchoesEachKernelSocketItsOwnDatagrams) {
  EpollReactor reactor;
  Echo echo;
  absl::StatusOr<std::unique_ptr<UdpPort>> port =
      UdpPort::Listen(IPv4Address::Udp("127.0.0.1", 0), &echo, &reactor);
  ASSERT_TRUE(port.ok()) << port.status();
  const IPv4Address echo_at = std::get<IPv4Address>((*port)->GetHost());
  absl::StatusOr<KernelPeer> alice = KernelPeer::Open("127.0.0.1", false);
  absl::StatusOr<KernelPeer> bob = KernelPeer::Open("127.0.0.1", false);
  ASSERT_TRUE(alice.ok() && bob.ok());
  ASSERT_TRUE(alice->Send("from alice", echo_at).ok());
  ASSERT_TRUE(bob->Send("from bob", echo_at).ok());
  ASSERT_TRUE(alice->Send("alice again", echo_at).ok());

  std::vector<KernelPeer::Datagram> to_alice, to_bob;
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (to_alice.size() < 2 || to_bob.size() < 1) {
    ASSERT_LT(absl::Now(), give_up);
    ASSERT_TRUE(reactor.RunOnce(absl::Milliseconds(5)).ok());
    while (auto d = alice->Receive()) to_alice.push_back(*std::move(d));
    while (auto d = bob->Receive()) to_bob.push_back(*std::move(d));
  }
  ASSERT_EQ(to_alice.size(), 2u);
  EXPECT_EQ(to_alice[0].data, "from alice");
  EXPECT_EQ(to_alice[1].data, "alice again");
  ASSERT_EQ(to_bob.size(), 1u);
  EXPECT_EQ(to_bob[0].data, "from bob");
  EXPECT_EQ(to_bob[0].from, Address(echo_at));
  EXPECT_EQ(echo.echoed(), 3u);
}

}  // namespace
}  // namespace standin::examples
