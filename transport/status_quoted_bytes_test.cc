#include <string>

#include "gtest/gtest.h"
#include "standin/transport/status.h"

namespace standin {
namespace {

TEST(QuotedBytesTest, ShortBytesAreQuotedWhole) {
  EXPECT_EQ(QuotedBytes("PONG\r\n"), "\"PONG\\r\\n\"");
  EXPECT_EQ(QuotedBytes(""), "\"\"");
}

TEST(QuotedBytesTest, BinaryBytesAreHexEscaped) {
  EXPECT_EQ(QuotedBytes(std::string("\0\x01\xff", 3)), "\"\\x00\\x01\\xff\"");
}

TEST(QuotedBytesTest, LongBytesAreCutWithTheirSize) {
  std::string big = "PONG\r\n" + std::string(1228, 'x');
  EXPECT_EQ(QuotedBytes(big, 6), "\"PONG\\r\\n\"... (1234 bytes)");
  EXPECT_EQ(QuotedBytes(big),
            "\"PONG\\r\\n" + std::string(26, 'x') + "\"... (1234 bytes)");
}

TEST(QuotedBytesTest, ExactlyTheLimitIsNotCut) {
  EXPECT_EQ(QuotedBytes("abcd", 4), "\"abcd\"");
}

}  // namespace
}  // namespace standin
