#include "standin/transport/callback_guard.h"

#include <cstdio>
#include <exception>
#include <string>

#include "absl/strings/str_cat.h"
#include "standin/transport/absl_string_view.h"

namespace standin {

absl::Status CallbackGuard::Call(const char* what,
                                 absl::FunctionRef<absl::Status()> call) {
  absl::Status thrown;
  try {
    return call();
  } catch (const std::exception& e) {
    thrown = absl::InternalError(absl::StrCat(what, " threw: ", e.what()));
  } catch (...) {
    thrown = absl::InternalError(absl::StrCat(what, " threw"));
  }
  Report(StdView(thrown.message()));
  return thrown;
}

void CallbackGuard::Run(const char* what, absl::FunctionRef<void()> call) {
  Call(what, [&] {
    call();
    return absl::OkStatus();
  }).IgnoreError();
}

void CallbackGuard::Report(std::string_view message) {
  ++unhandled_errors_;
  std::fprintf(stderr, "%s: unhandled error: %.*s\n", owner_.c_str(),
               static_cast<int>(message.size()), message.data());
}

}  // namespace standin
