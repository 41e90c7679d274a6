// Human-readable comparison of byte strings, for matcher failure messages.
//
// Protocol output is often binary or full of \r\n; a plain "expected X, got
// Y" hides where they part. DescribeBytesDifference() names the first
// differing offset and prints a window of both strings around it as a hex
// dump with a printable column.
//
// Example:
//
//   std::cout << standin::testutil::DescribeBytesDifference("GET /\r\n",
//                                                          "GET /x\r\n");
//   // first difference at offset 5 (actual 0x0d '\r', expected 0x78 'x');
//   // actual 7 bytes, expected 8 bytes
//   //   actual   @0: 47 45 54 20 2f 0d 0a           |GET /..|
//   //   expected @0: 47 45 54 20 2f 78 0d 0a        |GET /x..|
#ifndef STANDIN_TESTUTIL_BYTES_DIFF_H_
#define STANDIN_TESTUTIL_BYTES_DIFF_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace standin::testutil {

// The first offset where `a` and `b` differ (including one running out), or
// nullopt when they are equal.
std::optional<size_t> FirstDifference(std::string_view a, std::string_view b);

// Hex dump of `bytes`, 16 per line, each line "@<offset>: <hex> |<text>|",
// non-printable bytes shown as '.'.
std::string HexDump(std::string_view bytes, size_t base_offset = 0);

// The explanation above; empty when the strings are equal. At most
// `context` bytes before the first difference and a few lines after it are
// dumped, so megabyte-sized values stay readable.
std::string DescribeBytesDifference(std::string_view actual,
                                    std::string_view expected,
                                    size_t context = 16);

// A short quoted rendering ("GET /\r\n", C escapes), elided past `limit`.
std::string QuoteBytes(std::string_view bytes, size_t limit = 64);

}  // namespace standin::testutil

#endif  // STANDIN_TESTUTIL_BYTES_DIFF_H_
