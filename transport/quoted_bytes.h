// QuotedBytes(): bytes as one short line for test output and debug strings.
//
// The printers of the doubles (what gtest shows for a transport or a tunnel
// in a failing EXPECT_THAT) all render bytes the same way: C-escaped inside
// quotes, cut after `limit` bytes with the full size after it, so a
// megabyte written to a transport still prints as one readable line.
//
// Example:
//
//   standin::QuotedBytes("PONG\r\n");                  // "PONG\r\n"
//   standin::QuotedBytes(std::string(1234, 'x'), 4);   // "xxxx"... (1234
//   bytes) standin::QuotedBytes(std::string("\0\x01", 2));    // "\x00\x01"
#ifndef STANDIN_TRANSPORT_QUOTED_BYTES_H_
#define STANDIN_TRANSPORT_QUOTED_BYTES_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace standin {

// How many bytes the printers show before cutting.
inline constexpr size_t kQuotedBytesLimit = 32;

// `bytes` C-escaped in double quotes; when longer than `limit`, the first
// `limit` bytes followed by `... (N bytes)`.
std::string QuotedBytes(std::string_view bytes,
                        size_t limit = kQuotedBytesLimit);

}  // namespace standin

#endif  // STANDIN_TRANSPORT_QUOTED_BYTES_H_
