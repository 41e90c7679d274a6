#include "standin/transport/address.h"

#include <arpa/inet.h>

#include <array>
#include <cstring>
#include <sstream>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"

namespace standin {
namespace {

TEST(AddressTest, IPv4PrintsLikeTwisted) {
  IPv4Address a{IPv4Address::Kind::kTcp, "10.0.0.1", 12345};
  EXPECT_EQ(a.ToString(), "IPv4Address(TCP, '10.0.0.1', 12345)");
  IPv4Address u{IPv4Address::Kind::kUdp, "192.0.2.1", 53};
  EXPECT_EQ(ToString(Address(u)), "IPv4Address(UDP, '192.0.2.1', 53)");
}

TEST(AddressTest, EqualityComparesEveryField) {
  IPv4Address a{IPv4Address::Kind::kTcp, "10.0.0.1", 1};
  EXPECT_EQ(a, (IPv4Address{IPv4Address::Kind::kTcp, "10.0.0.1", 1}));
  EXPECT_NE(a, (IPv4Address{IPv4Address::Kind::kUdp, "10.0.0.1", 1}));
  EXPECT_NE(a, (IPv4Address{IPv4Address::Kind::kTcp, "10.0.0.2", 1}));
  EXPECT_NE(a, (IPv4Address{IPv4Address::Kind::kTcp, "10.0.0.1", 2}));
  EXPECT_NE(Address(a), Address(UnixAddress{"10.0.0.1"}));
}

TEST(AddressTest, OtherKindsPrint) {
  EXPECT_EQ(UnixAddress{"/tmp/s"}.ToString(), "UnixAddress('/tmp/s')");
  EXPECT_EQ(ProcessAddress{}.ToString(), "ProcessAddress()");
  EXPECT_EQ(ProcessAddress{}, ProcessAddress{});
  EXPECT_EQ((IPv6Address{IPv6Address::Kind::kUdp, "::1", 80}).ToString(),
            "IPv6Address(UDP, '::1', 80, 0, 0)");
}

TEST(AddressTest, TunnelAddressPrintsTypeAndName) {
  TunnelAddress tun{TunnelType::kTun, "tun0"};
  EXPECT_EQ(tun.ToString(), "<TunnelAddress type=IFF_TUN name=tun0>");
  EXPECT_EQ((TunnelAddress{TunnelType::kTap, "tap1"}).ToString(),
            "<TunnelAddress type=IFF_TAP name=tap1>");
  EXPECT_NE(tun, (TunnelAddress{TunnelType::kTap, "tun0"}));
}

TEST(AddressTest, GtestPrintsVariant) {
  Address a = IPv4Address{IPv4Address::Kind::kTcp, "10.0.0.1", 7};
  // gtest's variant printer uses our operator<< for the alternative.
  EXPECT_NE(testing::PrintToString(a).find("IPv4Address(TCP, '10.0.0.1', 7)"),
            std::string::npos);
}

TEST(IPv4HostTest, LiteralsAreCheckedAndBinary) {
  constexpr IPv4Host a = "192.0.2.1";
  static_assert(a.value() == 0xc0000201u);
  static_assert(a == IPv4Host(192, 0, 2, 1));
  EXPECT_EQ(a.ToString(), "192.0.2.1");
  EXPECT_EQ(IPv4Host().ToString(), "0.0.0.0");
  EXPECT_EQ(IPv4Host(255, 255, 255, 255).ToString(), "255.255.255.255");
  // A malformed literal, e.g. IPv4Host bad = "192.0.2", does not compile.
}

TEST(IPv4HostTest, ComparesWithTextAsAddresses) {
  IPv4Host a = "10.0.0.1";
  EXPECT_EQ(a, "10.0.0.1");
  EXPECT_TRUE(a == std::string("10.0.0.1"));
  EXPECT_TRUE(a == std::string_view("10.0.0.1"));
  EXPECT_FALSE(a == "10.0.0.2");
  EXPECT_FALSE(a == "not an address");
  EXPECT_TRUE("10.0.0.1" == a);
  EXPECT_EQ(testing::PrintToString(a), "10.0.0.1");
}

TEST(IPv4HostTest, ParseAgreesWithInetPton) {
  for (const char* text :
       {"0.0.0.0", "1.2.3.4", "255.255.255.255", "192.0.2.1", "256.1.1.1",
        "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.04", "1..3.4", "", " 1.2.3.4",
        "1.2.3.4 ", "a.b.c.d", "1.2.3.-4", "1234.1.1.1", "0.0.0.00"}) {
    in_addr expected;
    const bool ok = ::inet_pton(AF_INET, text, &expected) == 1;
    absl::StatusOr<IPv4Host> parsed = IPv4Host::Parse(text);
    EXPECT_EQ(parsed.ok(), ok) << "'" << text << "'";
    if (ok && parsed.ok()) {
      EXPECT_EQ(parsed->value(), ntohl(expected.s_addr)) << text;
      EXPECT_EQ(parsed->ToString(), text);
    }
  }
  EXPECT_NE(IPv4Host::Parse("192.0.2").status().message().find("192.0.2"),
            std::string::npos);
}

TEST(IPv6HostTest, LiteralsAreCheckedAndBinary) {
  constexpr IPv6Host loopback = "::1";
  static_assert(loopback.bytes()[15] == 1);
  EXPECT_EQ(loopback.ToString(), "::1");
  EXPECT_EQ(loopback, "0:0:0:0:0:0:0:1");
  EXPECT_EQ(IPv6Host("2001:DB8::1").ToString(), "2001:db8::1");
  EXPECT_EQ(IPv6Host().ToString(), "::");
  EXPECT_EQ(IPv6Host("::ffff:192.0.2.1").ToString(), "::ffff:192.0.2.1");
}

TEST(IPv6HostTest, ParseAgreesWithInetPton) {
  for (const char* text : {"::",
                           "::1",
                           "1::",
                           "1:2:3:4:5:6:7:8",
                           "1:2:3:4:5:6:7::",
                           "::2:3:4:5:6:7:8",
                           "2001:db8::1",
                           "2001:DB8:0:0:8:800:200C:417A",
                           "::ffff:1.2.3.4",
                           "::1.2.3.4",
                           "1:2:3:4:5:6:1.2.3.4",
                           "1:2:3:4:5:6:7:1.2.3.4",
                           ":::",
                           "1:::2",
                           "1::2::3",
                           "1:2:3:4:5:6:7:8:9",
                           "1:2:3:4:5:6:7",
                           ":1::",
                           "1::2:",
                           "12345::",
                           "g::",
                           "",
                           "1:2:3:4:5:6:7:8::",
                           "::1.2.3",
                           "::1.2.3.4:5",
                           "fe80::1%eth0",
                           "1.2.3.4"}) {
    std::array<uint8_t, 16> expected;
    const bool ok = ::inet_pton(AF_INET6, text, expected.data()) == 1;
    absl::StatusOr<IPv6Host> parsed = IPv6Host::Parse(text);
    EXPECT_EQ(parsed.ok(), ok) << "'" << text << "'";
    if (ok && parsed.ok()) {
      EXPECT_EQ(parsed->bytes(), expected) << text;
    }
  }
}

TEST(IPv6HostTest, HostsHashAndOrder) {
  absl::flat_hash_set<IPv4Host> v4 = {"192.0.2.1", "192.0.2.2", "192.0.2.1"};
  EXPECT_EQ(v4.size(), 2u);
  absl::flat_hash_set<IPv6Host> v6 = {"::1", "0::1", "::2"};
  EXPECT_EQ(v6.size(), 2u);
  EXPECT_LT(IPv4Host("192.0.2.1"), IPv4Host("192.0.2.2"));
}

TEST(AddressTest, EndpointsAreSmallValues) {
  // A UDP endpoint is copied per datagram: no allocation, a few bytes.
  static_assert(sizeof(IPv4Address) <= 12);
  static_assert(std::is_trivially_copyable_v<IPv4Address>);
  static_assert(std::is_trivially_copyable_v<IPv6Address>);
}

}  // namespace
}  // namespace standin
