// Debian's Abseil (20220623) is built with its own absl::string_view, which is
// NOT std::string_view; standin's public API uses std::string_view. These
// zero-cost conversions keep the boundary explicit.
//
//   absl::StrCat("bad frame: ", standin::internal::AbslView(name));
#ifndef STANDIN_TRANSPORT_INTERNAL_ABSL_VIEW_H_
#define STANDIN_TRANSPORT_INTERNAL_ABSL_VIEW_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace standin::internal {

inline absl::string_view AbslView(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

inline std::string_view StdView(absl::string_view s) {
  return std::string_view(s.data(), s.size());
}

}  // namespace standin::internal

#endif  // STANDIN_TRANSPORT_INTERNAL_ABSL_VIEW_H_
