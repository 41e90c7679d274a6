#include "standin/tuntap/io_system.h"

#include "absl/strings/str_cat.h"

namespace standin {

absl::StatusOr<std::string> IoSystem::Read(int fd, size_t limit) {
  std::string out(limit, '\0');
  absl::StatusOr<size_t> n = ReadInto(fd, absl::MakeSpan(out));
  if (!n.ok()) return n.status();
  out.resize(*n);
  return out;
}

}  // namespace standin
