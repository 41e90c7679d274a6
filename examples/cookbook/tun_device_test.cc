// Cookbook: a UDP service on a TUN device, without root or a kernel device.
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/netstack/ip_protocol.h"
#include "standin/netstack/ipv4.h"
#include "standin/netstack/raw_udp_protocol.h"
#include "standin/testutil/memory_reactor.h"
#include "standin/transport/address.h"
#include "standin/transport/interfaces.h"
#include "standin/tuntap/memory_io_system.h"
#include "standin/tuntap/tuntap_port.h"

namespace {

// [START cookbook]
struct Inbox : standin::DatagramProtocol {
  void DatagramReceived(std::string_view data,
                        const standin::Address&) override {
    got.emplace_back(data);
  }
  std::vector<std::string> got;
};

TEST(Cookbook, TunDeviceOnMemoryIoSystem) {
  namespace ns = standin::netstack;
  Inbox inbox;
  ns::RawUdpProtocol udp;
  ns::IpProtocol ip;
  ASSERT_TRUE(udp.AddProto(7, &inbox).ok());
  ASSERT_TRUE(ip.AddProto(ns::kIpProtocolUdp, &udp).ok());
  standin::MemoryIoSystem system;  // stands in for /dev/net/tun
  standin::testutil::MemoryReactor reactor;
  standin::TuntapPort port("tun0", &ip, 1500, &reactor, &system);
  ASSERT_TRUE(port.StartListening().ok());
  ASSERT_TRUE(
      system.SendUdp("ping", standin::IPv4Address::Udp("192.0.2.2", 7)).ok());
  ASSERT_TRUE(reactor.FireRead(&port).ok());  // as if the device were ready
  EXPECT_THAT(inbox.got, testing::ElementsAre("ping"));
}
// [END cookbook]

}  // namespace
