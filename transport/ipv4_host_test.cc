#include <sstream>

#include "gtest/gtest.h"
#include "standin/transport/address.h"

namespace standin {
namespace {

TEST(IPv4HostParseTest, ParsesDottedQuad) {
  absl::StatusOr<IPv4Host> a = IPv4Host::Parse("192.0.2.1");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->value(), 0xc0000201u);
  EXPECT_EQ(*a, IPv4Host(192, 0, 2, 1));
  EXPECT_EQ(IPv4Host::Parse("0.0.0.0").value(), IPv4Host());
  EXPECT_EQ(IPv4Host::Parse("255.255.255.255").value(), IPv4Host(0xffffffffu));
}

TEST(IPv4HostParseTest, PrintsDottedQuad) {
  EXPECT_EQ(IPv4Host(192, 0, 2, 1).ToString(), "192.0.2.1");
  EXPECT_EQ(IPv4Host(0xffffffffu).ToString(), "255.255.255.255");
  EXPECT_EQ(IPv4Host().ToString(), "0.0.0.0");
  EXPECT_EQ(IPv4Host(10, 20, 100, 9).ToString(), "10.20.100.9");
  std::ostringstream os;
  os << IPv4Host(198, 51, 100, 7);
  EXPECT_EQ(os.str(), "198.51.100.7");
}

TEST(IPv4HostParseTest, EveryOctetRoundTrips) {
  for (uint32_t octet = 0; octet < 256; ++octet) {
    IPv4Host a(static_cast<uint8_t>(octet), 1, static_cast<uint8_t>(octet), 2);
    EXPECT_EQ(IPv4Host::Parse(a.ToString()).value(), a) << a;
  }
}

TEST(IPv4HostParseTest, RejectsMalformedTextNamingItAndWhy) {
  struct Case {
    const char* text;
    const char* why;
  };
  for (const Case& c : {
           Case{"", "four dot-separated"},
           Case{"192.0.2", "four dot-separated"},
           Case{"192.0.2.1.5", "trailing characters"},
           Case{"192.0.2.256", "greater than 255"},
           Case{"192.0.2.1000", "more than three digits"},
           Case{"192.0.02.1", "leading zero"},
           Case{"192.0.2.", "four dot-separated"},
           Case{"192..2.1", "four dot-separated"},
           Case{" 192.0.2.1", "four dot-separated"},
           Case{"192.0.2.1 ", "trailing characters"},
           Case{"192.0.2.-1", "four dot-separated"},
           Case{"a.b.c.d", "four dot-separated"},
       }) {
    absl::StatusOr<IPv4Host> a = IPv4Host::Parse(c.text);
    ASSERT_FALSE(a.ok()) << "'" << c.text << "' parsed as " << *a;
    EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument);
    std::string message(a.status().message());
    EXPECT_NE(message.find(std::string("\"") + c.text + "\""),
              std::string::npos)
        << message;
    EXPECT_NE(message.find(c.why), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace standin
