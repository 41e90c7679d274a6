#include "standin/tuntap/capture.h"

#include <fcntl.h>

#include "gtest/gtest.h"
#include "standin/netstack/builders.h"
#include "standin/netstack/ip_protocol.h"
#include "standin/testutil/memory_reactor.h"
#include "standin/tuntap/memory_io_system.h"

namespace standin {
namespace {

constexpr size_t kPcapFileHeader = 24;
constexpr size_t kPcapRecordHeader = 16;

std::string Udp(std::string_view payload) {
  return netstack::BuildUdpIpv4(netstack::Ipv4Address(192, 0, 2, 2), 5000,
                                netstack::Ipv4Address(192, 0, 2, 1), 7,
                                payload);
}

TEST(CaptureTest, PortRecordsBothDirections) {
  MemoryIoSystem system;
  testutil::MemoryReactor reactor;
  netstack::IpProtocol ip;
  TuntapPort port("tun0", &ip, TuntapPort::kDefaultMaxPacketSize, &reactor,
                  &system);
  std::string bytes;
  auto pcap = netstack::PcapWriter::ToString(&bytes, netstack::LinkType::kRaw,
                                             [&] { return reactor.Now(); });
  ASSERT_TRUE(CapturePort(&port, &pcap).ok());
  ASSERT_TRUE(port.StartListening().ok());
  system.GetTunnel(port)->AddToReadBuffer(Udp("in"));
  ASSERT_TRUE(port.DoRead().ok());
  ASSERT_TRUE(port.WriteDatagram(Udp("out")).ok());
  EXPECT_EQ(pcap.packets_written(), 2u);
  EXPECT_EQ(bytes.size(), kPcapFileHeader + 2 * kPcapRecordHeader +
                              Udp("in").size() + Udp("out").size());
  EXPECT_NE(bytes.find(Udp("in")), std::string::npos);
  EXPECT_NE(bytes.find(Udp("out")), std::string::npos);
}

TEST(CaptureTest, LinkTypeMustMatchTheTunnel) {
  MemoryIoSystem system;
  testutil::MemoryReactor reactor;
  netstack::EthernetProtocol ether;
  TuntapPort tap("tap0", &ether, TuntapPort::kDefaultMaxPacketSize, &reactor,
                 &system);
  std::string bytes;
  auto raw = netstack::PcapWriter::ToString(&bytes, netstack::LinkType::kRaw,
                                            [] { return absl::UnixEpoch(); });
  EXPECT_EQ(CapturePort(&tap, &raw).code(), absl::StatusCode::kInvalidArgument);
}

TEST(CaptureTest, TunnelRecordsWithoutThePiHeader) {
  MemoryIoSystem system;
  const int fd = *system.Open(kTunDevicePath, O_RDWR | O_NONBLOCK);
  Tunnel* tunnel = system.GetTunnel(fd);
  std::string bytes;
  auto pcap = netstack::PcapWriter::ToString(
      &bytes, netstack::LinkType::kEthernet, [] { return absl::UnixEpoch(); });
  EXPECT_EQ(CaptureTunnel(tunnel, &pcap).code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(
      system.Ioctl(fd, kTunSetIff, PackIfreq("tap0", TunnelFlags::kTap)).ok());
  ASSERT_TRUE(CaptureTunnel(tunnel, &pcap).ok());
  ASSERT_TRUE(system.SendUdp("hello", {"192.0.2.1", 7}).ok());
  const std::string frame = std::string(14, 'f') + Udp("x");
  ASSERT_TRUE(system.Write(fd, std::string(4, '\0') + frame).ok());
  EXPECT_EQ(pcap.packets_written(), 2u);
  EXPECT_NE(bytes.find(tunnel->read_buffer().front()), std::string::npos);
  EXPECT_NE(bytes.find(frame), std::string::npos);
}

}  // namespace
}  // namespace standin
