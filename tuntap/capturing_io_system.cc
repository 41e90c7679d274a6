#include "standin/tuntap/capturing_io_system.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"

namespace standin {
namespace {

netstack::LinkType LinkTypeFor(TunnelType type) {
  return type == TunnelType::kTap ? netstack::LinkType::kEthernet
                                  : netstack::LinkType::kRaw;
}

}  // namespace

CapturingIoSystem::CapturingIoSystem(IoSystem* inner,
                                     netstack::PcapWriter* pcap)
    : ForwardingIoSystem(inner), pcap_(pcap) {}

absl::StatusOr<std::string> CapturingIoSystem::Ioctl(int fd,
                                                     unsigned long request,
                                                     std::string_view arg) {
  absl::StatusOr<std::string> result = inner()->Ioctl(fd, request, arg);
  if (request != kTunSetIff || !result.ok()) return result;
  const TunnelFlags flags = UnpackIfreq(arg).flags;
  // The kernel accepted it, so the flags name a type.
  const TunnelType type = TunnelTypeOf(flags).value_or(TunnelType::kTun);
  modes_[fd] = Mode{type, !HasFlag(flags, TunnelFlags::kNoPi)};
  if (LinkTypeFor(type) != pcap_->link_type() && status_.ok()) {
    status_ = absl::InvalidArgumentError(absl::StrCat(
        "fd ", fd, " is a ", ToString(type),
        " tunnel but the capture's pcap link type is ",
        static_cast<uint32_t>(pcap_->link_type()), "; a ", ToString(type),
        " needs ", static_cast<uint32_t>(LinkTypeFor(type))));
  }
  return result;
}

absl::StatusOr<size_t> CapturingIoSystem::ReadInto(int fd,
                                                   absl::Span<char> buffer) {
  absl::StatusOr<size_t> n = inner()->ReadInto(fd, buffer);
  // A zero-length read returns 0 and takes no datagram.
  if (n.ok() && *n > 0) Record(fd, std::string_view(buffer.data(), *n));
  return n;
}

absl::StatusOr<size_t> CapturingIoSystem::Write(int fd, std::string_view data) {
  absl::StatusOr<size_t> n = inner()->Write(fd, data);
  if (n.ok()) Record(fd, data);
  return n;
}

absl::Status CapturingIoSystem::Close(int fd) {
  modes_.erase(fd);
  return inner()->Close(fd);
}

void CapturingIoSystem::Record(int fd, std::string_view datagram) {
  auto it = modes_.find(fd);
  if (it == modes_.end()) {
    Miss(absl::FailedPreconditionError(absl::StrCat(
        "fd ", fd,
        " was not attached (TUNSETIFF) through this CapturingIoSystem, so "
        "its link type is unknown")));
    return;
  }
  if (LinkTypeFor(it->second.type) != pcap_->link_type()) {
    Miss(status_);  // Said at TUNSETIFF.
    return;
  }
  if (it->second.pi) datagram.remove_prefix(std::min(datagram.size(), kPiSize));
  if (absl::Status s = pcap_->WritePacket(datagram); !s.ok()) {
    Miss(std::move(s));
    return;
  }
  ++captured_;
}

void CapturingIoSystem::Miss(absl::Status why) {
  ++missed_;
  if (status_.ok()) status_ = std::move(why);
}

}  // namespace standin
