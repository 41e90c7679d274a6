// End to end on a real TUN in a private network namespace: a kernel UDP
// socket sends to the responder's address, the kernel routes the datagram
// into the tunnel, the responder answers through it, the socket receives.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "gtest/gtest.h"
#include "standin/examples/udp_echo_tun/udp_echo_tun.h"
#include "standin/testutil/private_network.h"
#include "standin/transport/epoll_reactor.h"
#include "standin/transport/status.h"

namespace standin::examples {
namespace {

using ::standin::testutil::ConfigureInterface;
using ::standin::testutil::EnterPrivateNetworkNamespace;

TEST(UdpEchoTunEndToEndTest, KernelSocketGetsItsDatagramBack) {
  if (absl::Status s = EnterPrivateNetworkNamespace(); !s.ok()) {
    GTEST_SKIP() << "needs root to create a private network namespace: " << s;
  }
  EpollReactor reactor;
  UdpEchoTun echo({.interface = "tun-echo", .address = "192.0.2.2", .port = 7},
                  &reactor);
  absl::Status started = echo.Start();
  if (ErrnoOf(started) == ENOENT || ErrnoOf(started) == EPERM) {
    GTEST_SKIP() << started;
  }
  ASSERT_TRUE(started.ok()) << started;
  ASSERT_TRUE(
      ConfigureInterface(echo.port().interface(), "192.0.2.1", 24).ok());

  const int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(sock, 0);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  ::inet_pton(AF_INET, "192.0.2.1", &local.sin_addr);
  ASSERT_EQ(::bind(sock, reinterpret_cast<sockaddr*>(&local), sizeof(local)),
            0);
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(7);
  ::inet_pton(AF_INET, "192.0.2.2", &remote.sin_addr);
  const std::string message = "echo through the kernel and back";
  ASSERT_EQ(::sendto(sock, message.data(), message.size(), 0,
                     reinterpret_cast<sockaddr*>(&remote), sizeof(remote)),
            static_cast<ssize_t>(message.size()));

  // The datagram is queued on the tunnel by the time sendto() returns; let
  // the reactor deliver it (bounded, in case it never comes).
  for (int turn = 0; turn < 50 && echo.echoed() == 0; ++turn) {
    ASSERT_TRUE(reactor.RunOnce(absl::Milliseconds(100)).ok());
  }
  ASSERT_EQ(echo.echoed(), 1u);

  const timeval timeout{5, 0};
  ASSERT_EQ(
      ::setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)),
      0);
  char buffer[1024];
  sockaddr_in from{};
  socklen_t from_len = sizeof(from);
  const ssize_t n = ::recvfrom(sock, buffer, sizeof(buffer), 0,
                               reinterpret_cast<sockaddr*>(&from), &from_len);
  ASSERT_GT(n, 0) << std::strerror(errno);
  EXPECT_EQ(std::string(buffer, n), message);
  EXPECT_EQ(ntohs(from.sin_port), 7);
  char host[INET_ADDRSTRLEN];
  ::inet_ntop(AF_INET, &from.sin_addr, host, sizeof(host));
  EXPECT_STREQ(host, "192.0.2.2");
  ::close(sock);
  echo.Stop();
  ASSERT_TRUE(reactor.RunOnce(absl::ZeroDuration()).ok());
  EXPECT_FALSE(echo.port().connected());
}

}  // namespace
}  // namespace standin::examples
