// CapturingIoSystem over MemoryIoSystem: what is recorded (both directions,
// PI headers left out, the bytes a short read got), what is not and how it
// says so, and that tcpdump reads the file. The same wrapper over the kernel
// runs in io_system_conformance_test and tuntap_port_real_test.
#include "standin/tuntap/capturing_io_system.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/netstack/builders.h"
#include "standin/netstack/ethernet.h"
#include "standin/netstack/ip_protocol.h"
#include "standin/testutil/memory_reactor.h"
#include "standin/transport/status.h"
#include "standin/tuntap/memory_io_system.h"
#include "standin/tuntap/tuntap_port.h"

namespace standin {
namespace {

using ::testing::HasSubstr;

constexpr size_t kPcapFileHeader = 24;
constexpr size_t kPcapRecordHeader = 16;

std::string Udp(std::string_view payload, uint16_t to_port = 7) {
  return netstack::BuildUdpIpv4(IPv4Host(192, 0, 2, 2), 5000,
                                IPv4Host(192, 0, 2, 1), to_port, payload);
}

absl::Time Epoch() { return absl::UnixEpoch(); }

int OpenTunnel(IoSystem& system, TunnelFlags mode) {
  absl::StatusOr<int> fd = system.Open(kTunDevicePath, O_RDWR | O_NONBLOCK);
  EXPECT_TRUE(fd.ok()) << fd.status();
  EXPECT_TRUE(system.Ioctl(*fd, kTunSetIff, PackIfreq("t", mode)).ok());
  return *fd;
}

TEST(CapturingIoSystemTest, PortTrafficIsRecordedBothWays) {
  MemoryIoSystem memory;
  std::string bytes;
  auto pcap =
      netstack::PcapWriter::ToString(&bytes, netstack::LinkType::kRaw, Epoch);
  CapturingIoSystem capture(&memory, &pcap);
  testutil::MemoryReactor reactor;
  netstack::IpProtocol ip;
  TuntapPort port("tun0", &ip, TuntapPort::kDefaultMaxPacketSize, &reactor,
                  &capture);
  ASSERT_TRUE(port.StartListening().ok());
  memory.GetTunnel(port)->AddToReadBuffer(Udp("in"));
  ASSERT_TRUE(port.DoRead().ok());
  ASSERT_TRUE(port.WriteDatagram(Udp("out")).ok());
  EXPECT_EQ(capture.captured(), 2u);
  EXPECT_EQ(capture.missed(), 0u);
  EXPECT_TRUE(capture.status().ok()) << capture.status();
  EXPECT_EQ(pcap.packets_written(), 2u);
  EXPECT_EQ(bytes.size(), kPcapFileHeader + 2 * kPcapRecordHeader +
                              Udp("in").size() + Udp("out").size());
  EXPECT_NE(bytes.find(Udp("in")), std::string::npos);
  EXPECT_NE(bytes.find(Udp("out")), std::string::npos);
}

TEST(CapturingIoSystemTest, TapFramesAreRecordedWithoutThePiHeader) {
  MemoryIoSystem memory;
  std::string bytes;
  auto pcap = netstack::PcapWriter::ToString(
      &bytes, netstack::LinkType::kEthernet, Epoch);
  CapturingIoSystem capture(&memory, &pcap);
  const int fd = OpenTunnel(capture, TunnelFlags::kTap);  // With PI.
  ASSERT_TRUE(capture.SendUdp("hello", IPv4Address::Udp("192.0.2.1", 7)).ok());
  const std::string inbound = memory.GetTunnel(fd)->read_buffer().front();
  absl::StatusOr<std::string> read = capture.Read(fd, 2048);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->substr(kPiSize), inbound);
  const std::string frame = netstack::BuildEthernet(
      netstack::MacAddress(), netstack::MacAddress::Broadcast(),
      netstack::kEtherTypeIpv4, Udp("x"));
  ASSERT_TRUE(capture.Write(fd, std::string("\0\0\x08\0", 4) + frame).ok());
  EXPECT_EQ(capture.captured(), 2u);
  EXPECT_EQ(bytes.size(), kPcapFileHeader + 2 * kPcapRecordHeader +
                              inbound.size() + frame.size());
  EXPECT_NE(bytes.find(inbound), std::string::npos);
  EXPECT_NE(bytes.find(frame), std::string::npos);
}

TEST(CapturingIoSystemTest, FailedWritesAndEmptyReadsRecordNothing) {
  MemoryIoSystem memory;
  std::string bytes;
  auto pcap =
      netstack::PcapWriter::ToString(&bytes, netstack::LinkType::kRaw, Epoch);
  CapturingIoSystem capture(&memory, &pcap);
  const int fd = OpenTunnel(capture, TunnelFlags::kTun | TunnelFlags::kNoPi);
  EXPECT_FALSE(capture.Write(fd, "\x50 not ip").ok());
  EXPECT_EQ(ErrnoOf(capture.Read(fd, 2048).status()), EAGAIN);
  memory.GetTunnel(fd)->AddToReadBuffer(Udp("kept"));
  absl::StatusOr<std::string> nothing = capture.Read(fd, 0);
  ASSERT_TRUE(nothing.ok()) << nothing.status();
  EXPECT_EQ(capture.captured(), 0u);
  EXPECT_EQ(capture.missed(), 0u);
  EXPECT_EQ(bytes.size(), kPcapFileHeader);
}

TEST(CapturingIoSystemTest, ShortReadRecordsWhatWasRead) {
  MemoryIoSystem memory;
  std::string bytes;
  auto pcap =
      netstack::PcapWriter::ToString(&bytes, netstack::LinkType::kRaw, Epoch);
  CapturingIoSystem capture(&memory, &pcap);
  const int fd = OpenTunnel(capture, TunnelFlags::kTun | TunnelFlags::kNoPi);
  memory.GetTunnel(fd)->AddToReadBuffer(Udp("a long payload"));
  ASSERT_TRUE(capture.Read(fd, 20).ok());
  EXPECT_EQ(bytes.size(), kPcapFileHeader + kPcapRecordHeader + 20);
  EXPECT_EQ(bytes.substr(kPcapFileHeader + kPcapRecordHeader),
            Udp("a long payload").substr(0, 20));
}

TEST(CapturingIoSystemTest, TheWrongLinkTypeIsReportedAndTrafficFlows) {
  MemoryIoSystem memory;
  std::string bytes;
  auto raw =
      netstack::PcapWriter::ToString(&bytes, netstack::LinkType::kRaw, Epoch);
  CapturingIoSystem capture(&memory, &raw);
  testutil::MemoryReactor reactor;
  netstack::EthernetProtocol ether;
  TuntapPort tap("tap0", &ether, TuntapPort::kDefaultMaxPacketSize, &reactor,
                 &capture);
  ASSERT_TRUE(tap.StartListening().ok());
  EXPECT_EQ(capture.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(capture.status().message()),
              HasSubstr("is a IFF_TAP tunnel"));
  const std::string frame(60, '\x45');
  EXPECT_TRUE(tap.WriteDatagram(frame).ok());  // Capture changes nothing.
  EXPECT_EQ(capture.missed(), 1u);
  EXPECT_EQ(capture.captured(), 0u);
  EXPECT_EQ(bytes.size(), kPcapFileHeader);
}

TEST(CapturingIoSystemTest, ATunnelAttachedBeforeWrappingIsMissedAndSaidSo) {
  MemoryIoSystem memory;
  const int fd = OpenTunnel(memory, TunnelFlags::kTun | TunnelFlags::kNoPi);
  std::string bytes;
  auto pcap =
      netstack::PcapWriter::ToString(&bytes, netstack::LinkType::kRaw, Epoch);
  CapturingIoSystem capture(&memory, &pcap);
  ASSERT_TRUE(capture.Write(fd, Udp("unseen")).ok());
  EXPECT_EQ(capture.missed(), 1u);
  EXPECT_EQ(capture.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(capture.status().message()),
              HasSubstr("was not attached (TUNSETIFF) through"));
}

// Runs `tcpdump -n -r <path>`; returns what it printed.
std::string Tcpdump(const std::string& path) {
  const std::string command = "/usr/bin/tcpdump -n -r '" + path + "' 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return "popen failed";
  std::string output;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    output.append(buffer, n);
  }
  const int status = ::pclose(pipe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    output += "\n[tcpdump failed]";
  }
  return output;
}

TEST(CapturingIoSystemTest, TcpdumpReadsTheCapture) {
  if (::access("/usr/bin/tcpdump", X_OK) != 0) {
    GTEST_SKIP() << "/usr/bin/tcpdump not installed (apt-get install tcpdump)";
  }
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string path =
      std::string(tmp != nullptr ? tmp : "/tmp") + "/capture.pcap";
  {
    absl::StatusOr<std::unique_ptr<netstack::PcapWriter>> pcap =
        netstack::PcapWriter::OpenFile(path, netstack::LinkType::kRaw, Epoch);
    ASSERT_TRUE(pcap.ok()) << pcap.status();
    MemoryIoSystem memory;
    CapturingIoSystem capture(&memory, pcap->get());
    testutil::MemoryReactor reactor;
    netstack::IpProtocol ip;
    TuntapPort port("tun0", &ip, TuntapPort::kDefaultMaxPacketSize, &reactor,
                    &capture);
    ASSERT_TRUE(port.StartListening().ok());
    memory.GetTunnel(port)->AddToReadBuffer(Udp("query", 53));
    ASSERT_TRUE(port.DoRead().ok());
    ASSERT_TRUE(port.WriteDatagram(netstack::BuildUdpIpv4(
                                       IPv4Host(192, 0, 2, 1), 53,
                                       IPv4Host(192, 0, 2, 2), 5000, "answer"))
                    .ok());
    EXPECT_EQ(capture.captured(), 2u);
  }
  const std::string out = Tcpdump(path);
  EXPECT_THAT(out, HasSubstr("IP 192.0.2.2.5000 > 192.0.2.1.53")) << out;
  EXPECT_THAT(out, HasSubstr("IP 192.0.2.1.53 > 192.0.2.2.5000")) << out;
  EXPECT_THAT(out, ::testing::Not(HasSubstr("[tcpdump failed]"))) << out;
}

}  // namespace
}  // namespace standin
