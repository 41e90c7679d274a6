#include "standin/transport/quoted_bytes.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace standin {

std::string QuotedBytes(std::string_view bytes, size_t limit) {
  std::string_view shown = bytes.substr(0, limit);
  std::string out = absl::StrCat(
      "\"", absl::CHexEscape(absl::string_view(shown.data(), shown.size())),
      "\"");
  if (shown.size() < bytes.size()) {
    absl::StrAppend(&out, "... (", bytes.size(), " bytes)");
  }
  return out;
}

}  // namespace standin
