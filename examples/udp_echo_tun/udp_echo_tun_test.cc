// The echo responder on MemoryIoSystem + MemoryReactor: no root, no kernel.
#include "standin/examples/udp_echo_tun/udp_echo_tun.h"

#include "gtest/gtest.h"
#include "standin/netstack/builders.h"
#include "standin/testutil/memory_reactor.h"
#include "standin/tuntap/memory_io_system.h"

namespace standin::examples {
namespace {

class UdpEchoTunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    system_.set_udp_source(IPv4Address::Udp("192.0.2.1", 40000));
    ASSERT_TRUE(echo_.Start().ok());
  }

  MemoryIoSystem system_;
  testutil::MemoryReactor reactor_;
  UdpEchoTun echo_{{.interface = "tun0", .address = "192.0.2.2", .port = 7},
                   &reactor_,
                   &system_};
};

TEST_F(UdpEchoTunTest, EchoesADatagramBackToItsSender) {
  auto receiver = system_.ReceiveUdp(echo_.port().fileno(),
                                     IPv4Address::Udp("192.0.2.1", 40000));
  ASSERT_TRUE(receiver.ok());
  ASSERT_TRUE(system_.SendUdp("hello", IPv4Address::Udp("192.0.2.2", 7)).ok());
  ASSERT_TRUE(reactor_.FireRead(&echo_.port()).ok());
  absl::StatusOr<std::string> reply = (*receiver)->Recv(1024);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(*reply, "hello");
  EXPECT_EQ(echo_.echoed(), 1u);
}

TEST_F(UdpEchoTunTest, EchoesEachOfSeveralDatagramsInOrder) {
  auto receiver = system_.ReceiveUdp(echo_.port().fileno(),
                                     IPv4Address::Udp("192.0.2.1", 40000));
  ASSERT_TRUE(receiver.ok());
  for (const char* m : {"one", "two", "three"}) {
    ASSERT_TRUE(system_.SendUdp(m, IPv4Address::Udp("192.0.2.2", 7)).ok());
  }
  ASSERT_TRUE(reactor_.FireRead(&echo_.port()).ok());
  for (const char* m : {"one", "two", "three"}) {
    EXPECT_EQ(*(*receiver)->Recv(1024), m);
  }
}

TEST_F(UdpEchoTunTest, IgnoresOtherPortsAndGarbage) {
  ASSERT_TRUE(
      system_.SendUdp("not for us", IPv4Address::Udp("192.0.2.2", 9)).ok());
  Tunnel* tunnel = system_.GetTunnel(echo_.port());
  tunnel->AddToReadBuffer(std::string(40, '\x45'));
  ASSERT_TRUE(reactor_.FireRead(&echo_.port()).ok());
  EXPECT_TRUE(tunnel->write_buffer().empty());
  EXPECT_EQ(echo_.echoed(), 0u);
  EXPECT_EQ(echo_.dropped(), 2u);
}

TEST_F(UdpEchoTunTest, AFailedReplyIsCountedAndReadingGoesOn) {
  Tunnel* tunnel = system_.GetTunnel(echo_.port());
  tunnel->set_send_buffer_limit(30);  // Every reply is bigger.
  ASSERT_TRUE(system_.SendUdp("hello", IPv4Address::Udp("192.0.2.2", 7)).ok());
  ASSERT_TRUE(reactor_.FireRead(&echo_.port()).ok());
  EXPECT_EQ(echo_.failed(), 1u);
  EXPECT_TRUE(echo_.port().listening());
}

TEST(UdpEchoTunStartTest, BadAddressIsInvalidArgument) {
  MemoryIoSystem system;
  testutil::MemoryReactor reactor;
  UdpEchoTun echo({.address = "not-an-ip"}, &reactor, &system);
  EXPECT_EQ(echo.Start().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace standin::examples
