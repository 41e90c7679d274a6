#include "standin/tuntap/io_system.h"

#include "absl/strings/str_cat.h"

namespace standin {

std::string UdpEndpoint::ToString() const {
  return absl::StrCat(host, ":", port);
}

std::ostream& operator<<(std::ostream& os, const UdpEndpoint& endpoint) {
  return os << endpoint.ToString();
}

absl::StatusOr<std::string> IoSystem::Read(int fd, size_t limit) {
  std::string out(limit, '\0');
  absl::StatusOr<size_t> n = ReadInto(fd, absl::MakeSpan(out));
  if (!n.ok()) return n.status();
  out.resize(*n);
  return out;
}

}  // namespace standin
