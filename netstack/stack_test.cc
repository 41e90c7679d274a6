// The whole receive path, Ethernet -> IPv4 -> UDP -> DatagramProtocol, fed one
// frame per defect in the malformed-input table: each is dropped,
// never delivered, and counted under its reason at the layer that saw it.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/netstack/builders.h"
#include "standin/netstack/checksum.h"
#include "standin/netstack/ethernet_protocol.h"
#include "standin/netstack/ip_protocol.h"
#include "standin/netstack/raw_udp_protocol.h"

namespace standin::netstack {
namespace {

using std::string_literals::operator""s;

class RecordingProtocol : public DatagramProtocol {
 public:
  void DatagramReceived(std::string_view data, const Address& from) override {
    received.push_back(std::string(data) + " from " + ToString(from));
  }
  std::vector<std::string> received;
};

const MacAddress kMacA = MacAddress::FromBytes("\x02\x00\x00\x00\x00\x0a"s);
const MacAddress kMacB = MacAddress::FromBytes("\x02\x00\x00\x00\x00\x0b"s);
const IPv4Host kSrc(192, 0, 2, 1);
const IPv4Host kDst(192, 0, 2, 2);
constexpr size_t kIp = 14;        // offset of the IPv4 header in a frame
constexpr size_t kUdp = 14 + 20;  // offset of the UDP header

std::string GoodFrame() {
  return BuildEthernet(kMacA, kMacB, kEtherTypeIpv4,
                       BuildUdpIpv4(kSrc, 5353, kDst, 53, "query"));
}

// Sets byte `at` of a good frame, then (optionally) repairs the IP header
// checksum so only the intended defect remains.
std::string Edit(size_t at, char value, bool fix_ip_checksum = true) {
  std::string f = GoodFrame();
  f[at] = value;
  if (fix_ip_checksum) {
    size_t ihl = (static_cast<uint8_t>(f[kIp]) & 0x0f) * 4;
    if (kIp + ihl <= f.size()) {
      StoreBe16(f.data() + kIp + 10, 0);
      StoreBe16(f.data() + kIp + 10,
                InternetChecksum(std::string_view(f).substr(kIp, ihl)));
    }
  }
  return f;
}

enum class Layer { kEthernet, kIp, kUdp };

struct Case {
  const char* name;
  std::string frame;
  Layer layer;
  DropReason reason;
  // gtest names the failing case instead of dumping the struct's bytes.
  friend void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }
};

class Stack {
 public:
  Stack() {
    EXPECT_TRUE(ether.AddProto(kEtherTypeIpv4, &ip).ok());
    EXPECT_TRUE(ip.AddProto(kIpProtocolUdp, &udp).ok());
    EXPECT_TRUE(udp.AddProto(53, &app).ok());
  }
  const DropCounts& drops(Layer layer) const {
    switch (layer) {
      case Layer::kEthernet:
        return ether.drops();
      case Layer::kIp:
        return ip.drops();
      case Layer::kUdp:
        return udp.drops();
    }
    return ether.drops();
  }
  EthernetProtocol ether;
  IpProtocol ip;
  RawUdpProtocol udp;
  RecordingProtocol app;
};

TEST(StackTest, GoodFrameIsDelivered) {
  Stack stack;
  stack.ether.DatagramReceived(GoodFrame());
  EXPECT_THAT(
      stack.app.received,
      testing::ElementsAre("query from IPv4Address(UDP, '192.0.2.1', 5353)"));
  EXPECT_EQ(stack.ether.drops().total() + stack.ip.drops().total() +
                stack.udp.drops().total(),
            0u);
}

TEST(StackTest, PaddedMinimumSizeFrameIsDelivered) {
  Stack stack;
  std::string frame = GoodFrame();
  frame.resize(60, '\0');  // Ethernet minimum; the IP layer trims it
  stack.ether.DatagramReceived(frame);
  EXPECT_EQ(stack.app.received.size(), 1u);
}

class MalformedFrameTest : public testing::TestWithParam<Case> {};

TEST_P(MalformedFrameTest, IsDroppedAndCountedNeverDelivered) {
  const Case& c = GetParam();
  Stack stack;
  stack.ether.DatagramReceived(c.frame);
  EXPECT_THAT(stack.app.received, testing::IsEmpty());
  EXPECT_EQ(stack.drops(c.layer)[c.reason], 1u) << stack.drops(c.layer);
  EXPECT_EQ(stack.ether.drops().total() + stack.ip.drops().total() +
                stack.udp.drops().total(),
            1u);
}

// Flips one bit of byte `at` (a checksum byte), leaving the rest intact.
std::string Flip(size_t at) {
  std::string f = GoodFrame();
  f[at] ^= 0x01;
  return f;
}

std::string Truncated(size_t size) { return GoodFrame().substr(0, size); }

std::string Fragment(uint16_t flags_offset) {
  std::string f = GoodFrame();
  StoreBe16(f.data() + kIp + 6, flags_offset);
  StoreBe16(f.data() + kIp + 10, 0);
  StoreBe16(f.data() + kIp + 10,
            InternetChecksum(std::string_view(f).substr(kIp, 20)));
  return f;
}

INSTANTIATE_TEST_SUITE_P(
    Table, MalformedFrameTest,
    testing::Values(
        Case{"FrameShorterThan14", Truncated(13), Layer::kEthernet,
             DropReason::kEthernetTooShort},
        Case{"UnknownEthertype", Edit(13, '\x07'), Layer::kEthernet,
             DropReason::kNoProtocol},
        Case{"Ipv4ShorterThan20", Truncated(kIp + 19), Layer::kIp,
             DropReason::kIpv4TooShort},
        Case{"Ipv4Version6", Edit(kIp, '\x65'), Layer::kIp,
             DropReason::kIpv4BadVersion},
        Case{"IhlBelow5", Edit(kIp, '\x44', false), Layer::kIp,
             DropReason::kIpv4IhlTooSmall},
        Case{"IhlBeyondBuffer", Edit(kIp, '\x4f', false), Layer::kIp,
             DropReason::kIpv4IhlBeyondBuffer},
        Case{"TotalLengthBelowIhl", Edit(kIp + 3, '\x10'), Layer::kIp,
             DropReason::kIpv4TotalLengthTooSmall},
        Case{"TotalLengthBeyondBuffer", Edit(kIp + 3, '\x30'), Layer::kIp,
             DropReason::kIpv4TotalLengthBeyondBuffer},
        Case{"BadHeaderChecksum", Flip(kIp + 11), Layer::kIp,
             DropReason::kIpv4BadChecksum},
        Case{"UnknownIpProtocol", Edit(kIp + 9, '\x06'), Layer::kIp,
             DropReason::kNoProtocol},
        Case{"FirstFragment", Fragment(0x2000), Layer::kUdp,
             DropReason::kIpv4Fragment},
        Case{"LaterFragment", Fragment(0x0010), Layer::kUdp,
             DropReason::kIpv4Fragment},
        // Total length cut to 27: the IP layer hands up 7 bytes of UDP.
        Case{"UdpShorterThan8", Edit(kIp + 3, '\x1b'), Layer::kUdp,
             DropReason::kUdpTooShort},
        Case{"UdpLengthBelow8", Edit(kUdp + 5, '\x07'), Layer::kUdp,
             DropReason::kUdpLengthTooSmall},
        Case{"UdpLengthBeyondBuffer", Edit(kUdp + 5, '\x20'), Layer::kUdp,
             DropReason::kUdpLengthBeyondBuffer},
        Case{"BadUdpChecksum", Flip(kUdp + 7), Layer::kUdp,
             DropReason::kUdpBadChecksum},
        Case{"UnknownPort",
             BuildEthernet(kMacA, kMacB, kEtherTypeIpv4,
                           BuildUdpIpv4(kSrc, 5353, kDst, 54, "query")),
             Layer::kUdp, DropReason::kNoProtocol}),
    [](const testing::TestParamInfo<Case>& info) {
      return std::string(info.param.name);
    });

}  // namespace
}  // namespace standin::netstack
