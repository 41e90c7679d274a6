// Status helpers shared by every standin transport.
//
// Fallible calls return absl::Status. A status built from an errno keeps the
// errno itself (EAGAIN and EINTR both map to kUnavailable, so the code alone
// cannot tell them apart), and connection-lost reasons are ordinary non-OK
// statuses that say how the connection ended.
//
// Must-use: the types carry it, functions are not annotated. Abseil declares
// absl::Status and absl::StatusOr [[nodiscard]], so ignoring a returned one
// is a warning (an error here, with -Werror) whatever the function says;
// standin adds no ABSL_MUST_USE_RESULT to functions returning them. To drop
// one on purpose, say so: `status.IgnoreError();` or a `(void)` cast.
//
// Example:
//
//   ssize_t n = ::write(fd, data, size);
//   if (n < 0) {
//     absl::Status s = standin::ErrnoStatus(errno, "write to peer");
//     if (standin::ErrnoOf(s) == EAGAIN) return WaitForWritable();
//     return s;  // "write to peer: Broken pipe [EPIPE]"
//   }
//   ...
//   protocol->ConnectionLost(standin::ConnectionDone());
//   EXPECT_TRUE(standin::IsConnectionDone(reason));
#ifndef STANDIN_TRANSPORT_STATUS_H_
#define STANDIN_TRANSPORT_STATUS_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace standin {

// A status whose code follows `err` (absl::ErrnoToStatusCode) and whose
// message is "<context>: <strerror> [<ENAME>]". ErrnoOf() returns `err`.
// `err` == 0 yields an OK status.
absl::Status ErrnoStatus(int err, std::string_view context);

// The errno carried by `status`, or 0 when it carries none.
int ErrnoOf(const absl::Status& status);

// The connection closed cleanly (EOF, or our own LoseConnection()).
// Code kOutOfRange, like reading past the end of a stream.
absl::Status ConnectionDone();

// The connection was lost uncleanly, e.g. ECONNRESET. With `err` != 0 the code
// follows the errno and ErrnoOf() returns it; otherwise the code is
// kUnavailable.
absl::Status ConnectionLost(std::string_view why = "connection lost uncleanly",
                            int err = 0);

// We dropped the connection ourselves without flushing (AbortConnection()).
absl::Status ConnectionAborted();

bool IsConnectionDone(const absl::Status& status);
bool IsConnectionLost(const absl::Status& status);
bool IsConnectionAborted(const absl::Status& status);

// --- Bytes in messages --------------------------------------------------
// Status messages, debug strings and the gtest printers of the doubles and
// packets all show bytes the same way: C-escaped in quotes, cut after
// `limit` bytes with the full size after it, so a megabyte written to a
// transport still prints as one readable line. It lives here, in the
// vocabulary, so that netstack's packet printers can use it too.
//
//   standin::QuotedBytes("PONG\r\n");                 // "PONG\r\n"
//   standin::QuotedBytes(std::string(1234, 'x'), 4);  // "xxxx"... (1234 bytes)

// How many bytes the printers show before cutting.
inline constexpr size_t kQuotedBytesLimit = 32;

// `bytes` C-escaped in double quotes; when longer than `limit`, the first
// `limit` bytes followed by `... (N bytes)`.
std::string QuotedBytes(std::string_view bytes,
                        size_t limit = kQuotedBytesLimit);

}  // namespace standin

#endif  // STANDIN_TRANSPORT_STATUS_H_
