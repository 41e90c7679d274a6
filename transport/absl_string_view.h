// AbslView() and StdView(): the two-way bridge between std::string_view
// (standin's public API) and absl::string_view (Abseil's).
//
// Debian's Abseil (20220623) is built with its own absl::string_view, which
// is not std::string_view, so text crossing into absl::StrCat(),
// absl::Status messages or absl::Cord (or coming back out of them) needs a
// conversion. These are zero-cost and keep that boundary visible; with an
// Abseil built on std::string_view they are identities.
//
// Example:
//
//   absl::Status Bad(std::string_view name) {
//     return absl::InvalidArgumentError(
//         absl::StrCat("bad frame: ", standin::AbslView(name)));
//   }
//   std::string_view message = standin::StdView(status.message());
#ifndef STANDIN_TRANSPORT_ABSL_STRING_VIEW_H_
#define STANDIN_TRANSPORT_ABSL_STRING_VIEW_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace standin {

// The same bytes as an absl::string_view.
inline absl::string_view AbslView(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

// The same bytes as a std::string_view.
inline std::string_view StdView(absl::string_view s) {
  return std::string_view(s.data(), s.size());
}

}  // namespace standin

#endif  // STANDIN_TRANSPORT_ABSL_STRING_VIEW_H_
