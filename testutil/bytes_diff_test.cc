#include "standin/testutil/bytes_diff.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace standin::testutil {
namespace {

using ::testing::HasSubstr;

TEST(FirstDifferenceTest, FindsOffsets) {
  EXPECT_EQ(FirstDifference("abc", "abc"), std::nullopt);
  EXPECT_EQ(FirstDifference("abc", "abd"), 2u);
  EXPECT_EQ(FirstDifference("ab", "abc"), 2u);
  EXPECT_EQ(FirstDifference("", "x"), 0u);
  EXPECT_EQ(FirstDifference("", ""), std::nullopt);
}

TEST(DescribeBytesDifferenceTest, EqualIsEmpty) {
  EXPECT_EQ(DescribeBytesDifference("same", "same"), "");
}

TEST(DescribeBytesDifferenceTest, NamesOffsetBytesAndLengths) {
  std::string text = DescribeBytesDifference("GET /\r\n", "GET /x\r\n");
  EXPECT_THAT(text, HasSubstr("first difference at offset 5 (actual 0x0d "
                              "'\\r', expected 0x78 'x')"));
  EXPECT_THAT(text, HasSubstr("actual 7 bytes, expected 8 bytes"));
  EXPECT_THAT(text, HasSubstr("actual   @0: 47 45 54 20 2f 0d 0a"));
  EXPECT_THAT(text, HasSubstr("|GET /..|"));
  EXPECT_THAT(text, HasSubstr("expected @0: 47 45 54 20 2f 78 0d 0a"));
}

TEST(DescribeBytesDifferenceTest, ShortActualSaysEndOfData) {
  std::string text = DescribeBytesDifference("ab", "abc");
  EXPECT_THAT(text, HasSubstr("actual end of data, expected 0x63 'c'"));
}

TEST(DescribeBytesDifferenceTest, LargeInputsShowOnlyAWindow) {
  std::string a(1 << 20, 'a');
  std::string b = a;
  b[500000] = 'b';
  std::string text = DescribeBytesDifference(a, b);
  EXPECT_THAT(text, HasSubstr("offset 500000"));
  EXPECT_LT(text.size(), 2000u);
  EXPECT_THAT(text, HasSubstr("@499984:"));
}

TEST(QuoteBytesTest, EscapesAndElides) {
  EXPECT_EQ(QuoteBytes("a\r\n"), "\"a\\r\\n\"");
  EXPECT_EQ(QuoteBytes(std::string(100, 'x'), 4), "\"xxxx\"... (100 bytes)");
}

TEST(HexDumpTest, SixteenBytesPerLine) {
  std::string dump = HexDump(std::string(20, 'A'));
  EXPECT_THAT(dump, HasSubstr("@0: 41 41"));
  EXPECT_THAT(dump, HasSubstr("@16: 41 41 41 41"));
}

}  // namespace
}  // namespace standin::testutil
