#include "standin/testutil/bytes_diff.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "standin/transport/absl_string_view.h"

namespace standin::testutil {
namespace {

constexpr size_t kBytesPerLine = 16;
constexpr size_t kLinesAfter = 2;

std::string DescribeByte(std::string_view s, size_t offset) {
  if (offset >= s.size()) return "end of data";
  unsigned char c = static_cast<unsigned char>(s[offset]);
  std::string shown = absl::CHexEscape(absl::string_view(&s[offset], 1));
  return absl::StrFormat("0x%02x '%s'", c, shown);
}

// The dump of s[begin, end) with offsets relative to s.
std::string Window(std::string_view s, size_t begin, size_t end,
                   std::string_view label) {
  std::string out;
  for (size_t line = begin; line < end; line += kBytesPerLine) {
    size_t stop = std::min(end, line + kBytesPerLine);
    std::string hex, text;
    for (size_t i = line; i < line + kBytesPerLine; ++i) {
      if (i < stop) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        absl::StrAppendFormat(&hex, "%02x ", c);
        text.push_back(std::isprint(c) ? static_cast<char>(c) : '.');
      } else {
        hex += "   ";
      }
    }
    absl::StrAppend(&out, "  ", AbslView(label), " @", line, ": ", hex, "|",
                    text, "|\n");
  }
  if (begin == end) {
    absl::StrAppend(&out, "  ", AbslView(label), " @", begin, ": (no bytes)\n");
  }
  return out;
}

}  // namespace

std::optional<size_t> FirstDifference(std::string_view a, std::string_view b) {
  size_t common = std::min(a.size(), b.size());
  auto mismatch = std::mismatch(a.begin(), a.begin() + common, b.begin());
  size_t offset = static_cast<size_t>(mismatch.first - a.begin());
  if (offset == common && a.size() == b.size()) return std::nullopt;
  return offset;
}

std::string HexDump(std::string_view bytes, size_t base_offset) {
  std::string out = Window(bytes, 0, bytes.size(), "");
  if (base_offset == 0) return out;
  return absl::StrCat("(offsets relative to ", base_offset, ")\n", out);
}

std::string DescribeBytesDifference(std::string_view actual,
                                    std::string_view expected, size_t context) {
  std::optional<size_t> diff = FirstDifference(actual, expected);
  if (!diff.has_value()) return "";
  // Align the window to whole dump lines so offsets read easily.
  size_t begin = *diff > context ? *diff - context : 0;
  begin -= begin % kBytesPerLine;
  size_t end = (*diff / kBytesPerLine + 1 + kLinesAfter) * kBytesPerLine;
  std::string out = absl::StrFormat(
      "first difference at offset %d (actual %s, expected %s); actual %d "
      "bytes, expected %d bytes\n",
      *diff, DescribeByte(actual, *diff), DescribeByte(expected, *diff),
      actual.size(), expected.size());
  absl::StrAppend(&out, Window(actual, std::min(begin, actual.size()),
                               std::min(end, actual.size()), "actual  "));
  absl::StrAppend(&out, Window(expected, std::min(begin, expected.size()),
                               std::min(end, expected.size()), "expected"));
  return out;
}

std::string QuoteBytes(std::string_view bytes, size_t limit) {
  std::string_view shown = bytes.substr(0, limit);
  std::string out = absl::StrCat("\"", absl::CHexEscape(AbslView(shown)), "\"");
  if (shown.size() < bytes.size()) {
    absl::StrAppend(&out, "... (", bytes.size(), " bytes)");
  }
  return out;
}

}  // namespace standin::testutil
