#include "standin/transport/status.h"

#include <string.h>

#include <charconv>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"
#include "standin/transport/absl_string_view.h"

namespace standin {
namespace {

// Payload type URLs: the errno and how a connection ended ride along with the
// status, so they survive copies and annotations.
constexpr char kErrnoUrl[] = "type.standin.dev/errno";
constexpr char kEndingUrl[] = "type.standin.dev/connection-ending";

absl::Status WithEnding(absl::Status status, std::string_view ending) {
  status.SetPayload(kEndingUrl, absl::Cord(AbslView(ending)));
  return status;
}

bool HasEnding(const absl::Status& status, std::string_view ending) {
  auto payload = status.GetPayload(kEndingUrl);
  return payload.has_value() && *payload == AbslView(ending);
}

}  // namespace

absl::Status ErrnoStatus(int err, std::string_view context) {
  if (err == 0) return absl::OkStatus();
  const char* name = strerrorname_np(err);
  absl::Status status(absl::ErrnoToStatusCode(err),
                      absl::StrCat(AbslView(context), ": ", strerror(err), " [",
                                   name != nullptr ? name : "E?", "]"));
  status.SetPayload(kErrnoUrl, absl::Cord(std::to_string(err)));
  return status;
}

int ErrnoOf(const absl::Status& status) {
  if (status.ok()) return 0;
  auto payload = status.GetPayload(kErrnoUrl);
  if (!payload.has_value()) return 0;
  // A few digits: the Cord is flat, so no copy is needed to parse it (this
  // runs on every EAGAIN that ends a read loop).
  std::string copy;
  absl::string_view text;
  if (absl::optional<absl::string_view> flat = payload->TryFlat()) {
    text = *flat;
  } else {
    copy = std::string(*payload);
    text = copy;
  }
  int err = 0;
  std::from_chars(text.data(), text.data() + text.size(), err);
  return err;
}

absl::Status ConnectionDone() {
  return WithEnding(absl::OutOfRangeError("connection was closed cleanly"),
                    "done");
}

absl::Status ConnectionLost(std::string_view why, int err) {
  absl::Status status =
      err != 0 ? ErrnoStatus(err, why) : absl::UnavailableError(AbslView(why));
  return WithEnding(std::move(status), "lost");
}

absl::Status ConnectionAborted() {
  return WithEnding(absl::AbortedError("connection was aborted"), "aborted");
}

bool IsConnectionDone(const absl::Status& status) {
  return HasEnding(status, "done");
}
bool IsConnectionLost(const absl::Status& status) {
  return HasEnding(status, "lost");
}
bool IsConnectionAborted(const absl::Status& status) {
  return HasEnding(status, "aborted");
}

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
