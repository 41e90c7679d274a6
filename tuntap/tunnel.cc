#include "standin/tuntap/tunnel.h"

#include <fcntl.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "standin/netstack/builders.h"
#include "standin/netstack/ethernet.h"
#include "standin/netstack/mac_address.h"
#include "standin/transport/absl_string_view.h"
#include "standin/transport/misuse.h"
#include "standin/transport/status.h"

namespace standin {
namespace {

// The bytes the kernel copies for an ifreq (struct ifreq is 40 on Linux).
constexpr size_t kIfreqSize = 40;
constexpr size_t kEthernetHeaderSize = netstack::EthernetFrame::kHeaderSize;

[[noreturn]] void Die(std::string_view message) {
  DieOfMisuse("standin::Tunnel", message);
}

void StoreBe16(char* p, uint16_t v) {
  p[0] = static_cast<char>(v >> 8);
  p[1] = static_cast<char>(v & 0xff);
}

}  // namespace

Tunnel::Tunnel(int open_flags, int /*mode*/) : open_flags_(open_flags) {}

std::optional<TunnelType> Tunnel::tunnel_type() const {
  if (!mode_.has_value()) return std::nullopt;
  return TunnelTypeOf(*mode_);
}

bool Tunnel::blocking() const { return (open_flags_ & O_NONBLOCK) == 0; }
bool Tunnel::close_on_exec() const { return (open_flags_ & O_CLOEXEC) != 0; }
bool Tunnel::has_pi() const {
  return mode_.has_value() && !HasFlag(*mode_, TunnelFlags::kNoPi);
}

void Tunnel::AddToReadBuffer(std::string_view datagram) {
  AddToReadBuffer(std::string(datagram));
}

void Tunnel::AddToReadBuffer(std::string&& datagram) {
  if (!mode_.has_value()) {
    Die("AddToReadBuffer before TUNSETIFF: the tunnel has no type yet");
  }
  if (tunnel_type() == TunnelType::kTap) {
    uint16_t ethertype = EthertypeOfIp(datagram);
    if (ethertype == 0) ethertype = netstack::kEtherTypeIpv4;  // Twisted's.
    read_buffer_.push_back(netstack::BuildEthernet(
        netstack::MacAddress(), netstack::MacAddress::Broadcast(), ethertype,
        datagram));
  } else {
    read_buffer_.push_back(std::move(datagram));
  }
}

absl::StatusOr<size_t> Tunnel::Read(absl::Span<char> buffer) {
  if (!mode_.has_value()) {
    return ErrnoStatus(EBADFD, "read from a tunnel before TUNSETIFF");
  }
  // The kernel answers an empty buffer before it looks at the queue (or
  // the PI header): 0, and nothing is dequeued.
  if (buffer.empty()) return 0;
  if (!pending_signals_.empty()) {
    pending_signals_.pop_front();
    return ErrnoStatus(EINTR, "read from tunnel interrupted by a signal");
  }
  if (read_buffer_.empty()) {
    if (blocking()) {
      Die("blocking read on an empty in-memory Tunnel would never return; "
          "open it with O_NONBLOCK or queue a datagram first");
    }
    if (empty_read_status_.ok()) {
      empty_read_status_ = ErrnoStatus(
          empty_read_errno_, absl::StrCat("read from tunnel ", name_));
    }
    return empty_read_status_;
  }
  // The kernel dequeues the packet before it looks at the buffer, so a
  // failed copy loses it.
  std::string packet = std::move(read_buffer_.front());
  read_buffer_.pop_front();
  size_t offset = 0;
  if (has_pi()) {
    if (buffer.size() < kPiSize) {
      return ErrnoStatus(EINVAL,
                         absl::StrCat("read buffer of ", buffer.size(),
                                      " bytes cannot hold the 4-byte packet "
                                      "information header"));
    }
    const bool stripped = packet.size() > buffer.size() - kPiSize;
    const uint16_t proto =
        tunnel_type() == TunnelType::kTap
            ? (packet.size() >= kEthernetHeaderSize
                   ? static_cast<uint16_t>(static_cast<uint8_t>(packet[12])
                                               << 8 |
                                           static_cast<uint8_t>(packet[13]))
                   : 0)
            : EthertypeOfIp(packet);
    // struct tun_pi: flags in host order, proto in network order.
    const uint16_t flags = stripped ? kTunPktStrip : 0;
    std::memcpy(buffer.data(), &flags, sizeof(flags));
    StoreBe16(buffer.data() + 2, proto);
    offset = kPiSize;
  }
  const size_t n = std::min(packet.size(), buffer.size() - offset);
  std::memcpy(buffer.data() + offset, packet.data(), n);
  return offset + n;
}

absl::StatusOr<size_t> Tunnel::Write(std::string_view data) {
  if (!mode_.has_value()) {
    return ErrnoStatus(EBADFD, "write to a tunnel before TUNSETIFF");
  }
  if (!pending_signals_.empty()) {
    pending_signals_.pop_front();
    return ErrnoStatus(EINTR, "write to tunnel interrupted by a signal");
  }
  if (send_buffer_limit_.has_value() && data.size() > *send_buffer_limit_) {
    return ErrnoStatus(ENOBUFS,
                       absl::StrCat("write of ", data.size(),
                                    " bytes exceeds the send buffer limit of ",
                                    *send_buffer_limit_));
  }
  std::string_view packet = data;
  if (has_pi()) {
    if (packet.size() < kPiSize) {
      return ErrnoStatus(EINVAL, absl::StrCat("write of ", data.size(),
                                              " bytes is shorter than the "
                                              "packet information header"));
    }
    packet.remove_prefix(kPiSize);
  }
  if (tunnel_type() == TunnelType::kTap) {
    if (packet.size() < kEthernetHeaderSize) {
      return ErrnoStatus(EINVAL, absl::StrCat("TAP write of ", packet.size(),
                                              " bytes is shorter than an "
                                              "Ethernet header"));
    }
  } else if (!has_pi() && EthertypeOfIp(packet) == 0) {
    // Without PI the kernel takes the protocol from the version nibble.
    return ErrnoStatus(
        EINVAL, packet.empty()
                    ? std::string("empty TUN write")
                    : absl::StrCat("TUN write whose first byte 0x",
                                   absl::Hex(static_cast<uint8_t>(packet[0]),
                                             absl::kZeroPad2),
                                   " is neither IPv4 nor IPv6"));
  }
  write_buffer_.emplace_back(data);
  return data.size();
}

std::string Tunnel::NameFor(std::string_view requested, TunnelType type) const {
  if (naming_ == Naming::kTwisted) {
    return absl::StrCat(AbslView(requested.substr(0, kIfNameSize - 4)), "123");
  }
  std::string name(requested);
  if (name.empty()) name = type == TunnelType::kTap ? "tap%d" : "tun%d";
  return absl::StrReplaceAll(name, {{"%d", "0"}});
}

absl::Status Tunnel::SetIff(std::string& ifr) {
  if (mode_.has_value()) {
    return ErrnoStatus(EEXIST,
                       absl::StrCat("TUNSETIFF on a tunnel already attached "
                                    "to ",
                                    name_));
  }
  ifr[kIfNameSize - 1] = '\0';  // As the kernel does.
  const UnpackedIfreq request = UnpackIfreq(ifr);
  const std::optional<TunnelType> type = TunnelTypeOf(request.flags);
  if (!type.has_value()) {
    return ErrnoStatus(EINVAL,
                       absl::StrCat("TUNSETIFF flags ", ToString(request.flags),
                                    " name neither IFF_TUN nor IFF_TAP"));
  }
  mode_ = request.flags;
  requested_name_ = request.name;
  name_ = NameFor(request.name, *type);
  // The kernel writes the name it chose back into the caller's ifreq.
  std::memset(ifr.data(), 0, kIfNameSize);
  std::memcpy(ifr.data(), name_.data(), std::min(name_.size(), kIfNameSize));
  return absl::OkStatus();
}

void Tunnel::GetIff(std::string& ifr) const {
  std::memset(ifr.data(), 0, kIfNameSize);
  std::memcpy(ifr.data(), name_.data(), std::min(name_.size(), kIfNameSize));
  // The type bit TUNSETIFF chose (IFF_TUN for IFF_TUN|IFF_TAP), the
  // features asked for, and IFF_NOFILTER, which shares IFF_NO_PI's bit and
  // Linux reports always.
  TunnelFlags flags = (*tunnel_type() == TunnelType::kTap ? TunnelFlags::kTap
                                                          : TunnelFlags::kTun) |
                      (*mode_ & kTunFeatures) | TunnelFlags::kNoFilter;
  if (persistent_) flags |= TunnelFlags::kPersist;
  const uint16_t raw = static_cast<uint16_t>(ValueOf(flags));
  std::memcpy(ifr.data() + kIfNameSize, &raw, sizeof(raw));
}

absl::StatusOr<std::string> Tunnel::Ioctl(unsigned long request,
                                          std::string_view arg) {
  // Like the real IoSystem: the kernel sees at least a whole struct ifreq.
  std::string ifr(arg);
  ifr.resize(std::max(arg.size(), kIfreqSize), '\0');
  if (request == kTunGetFeatures) {
    // Answered with or without TUNSETIFF, into an unsigned int.
    const uint32_t features = ValueOf(kTunGetFeaturesAnswer);
    std::memcpy(ifr.data(), &features, sizeof(features));
  } else if (request == kTunSetIff) {
    if (absl::Status s = SetIff(ifr); !s.ok()) return s;
  } else if (!mode_.has_value()) {
    return ErrnoStatus(EBADFD, absl::StrCat("ioctl 0x", absl::Hex(request),
                                            " on a tunnel before TUNSETIFF"));
  } else if (request == kTunGetIff) {
    GetIff(ifr);
  } else {
    return ErrnoStatus(EINVAL, absl::StrCat("unsupported tunnel ioctl 0x",
                                            absl::Hex(request)));
  }
  ifr.resize(arg.size());
  return ifr;
}

absl::StatusOr<int> Tunnel::IoctlValue(unsigned long request,
                                       unsigned long value) {
  if (!mode_.has_value()) {
    return ErrnoStatus(EBADFD, absl::StrCat("ioctl 0x", absl::Hex(request),
                                            " on a tunnel before TUNSETIFF"));
  }
  if (request == kTunSetPersist) {
    persistent_ = value != 0;
    return 0;
  }
  return ErrnoStatus(
      EINVAL, absl::StrCat("unsupported tunnel ioctl 0x", absl::Hex(request),
                           " with value ", value));
}

std::ostream& operator<<(std::ostream& os, const Tunnel& tunnel) {
  auto queue = [&os](const char* what, const std::deque<std::string>& q) {
    size_t bytes = 0;
    for (const std::string& datagram : q) bytes += datagram.size();
    os << "; " << what << " " << q.size() << " (" << bytes << " bytes)";
  };
  os << "Tunnel{";
  if (tunnel.mode_.has_value()) {
    os << *tunnel.mode_ << " \"" << tunnel.name_ << "\"";
    if (tunnel.requested_name_ != tunnel.name_) {
      os << " (asked \"" << tunnel.requested_name_ << "\")";
    }
  } else {
    os << "no TUNSETIFF yet";
  }
  os << (tunnel.blocking() ? ", blocking" : ", non-blocking");
  if (tunnel.close_on_exec()) os << ", close-on-exec";
  if (tunnel.persistent_) os << ", persistent";
  if (tunnel.send_buffer_limit_.has_value()) {
    os << ", send limit " << *tunnel.send_buffer_limit_;
  }
  queue("to read", tunnel.read_buffer_);
  queue("written", tunnel.write_buffer_);
  if (!tunnel.pending_signals_.empty()) {
    os << "; pending signals [" << absl::StrJoin(tunnel.pending_signals_, ", ")
       << "]";
  }
  return os << "}";
}

}  // namespace standin
