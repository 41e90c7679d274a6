#include "standin/tuntap/tunnel.h"

#include <fcntl.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "standin/netstack/builders.h"
#include "standin/netstack/mac_address.h"
#include "standin/transport/internal/absl_view.h"
#include "standin/transport/status.h"

namespace standin {
namespace {

constexpr uint16_t kEthertypeIpv4 = 0x0800;
constexpr uint16_t kEthertypeIpv6 = 0x86dd;
constexpr size_t kEthernetHeaderSize = 14;
// The bytes the kernel copies for an ifreq (struct ifreq is 40 on Linux).
constexpr size_t kIfreqSize = 40;
// TUN_FEATURES: the ifr_flags bits a tunnel keeps from TUNSETIFF.
constexpr uint32_t kFeatureMask = 0x1000 | 0x2000 | 0x4000 | 0x0100 | 0x0010 |
                                  0x0020;  // NO_PI ONE_QUEUE VNET_HDR MQ NAPI*

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "standin::Tunnel misuse: %s\n", message.c_str());
  std::fflush(stderr);
  std::abort();
}

// The ethertype a TUN packet carries, judged from its IP version nibble
// (what the kernel puts in tun_pi.proto); 0 for anything else.
uint16_t EthertypeOfIp(std::string_view datagram) {
  if (datagram.empty()) return 0;
  switch (static_cast<uint8_t>(datagram[0]) >> 4) {
    case 4:
      return kEthertypeIpv4;
    case 6:
      return kEthertypeIpv6;
    default:
      return 0;
  }
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
    if (ethertype == 0) ethertype = kEthertypeIpv4;  // Twisted's choice.
    read_buffer_.push_back(netstack::BuildEthernet(
        netstack::MacAddress(), netstack::MacAddress::Broadcast(), ethertype,
        datagram));
  } else {
    read_buffer_.push_back(std::move(datagram));
  }
  if (capture_) capture_(read_buffer_.back());
}

absl::StatusOr<size_t> Tunnel::Read(absl::Span<char> buffer) {
  if (!mode_.has_value()) {
    return ErrnoStatus(EBADFD, "read from a tunnel before TUNSETIFF");
  }
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
  if (capture_) capture_(packet);
  return data.size();
}

std::string Tunnel::NameFor(std::string_view requested, TunnelType type) const {
  if (naming_ == Naming::kTwisted) {
    return absl::StrCat(
        internal::AbslView(requested.substr(0, kIfNameSize - 4)), "123");
  }
  std::string name(requested);
  if (name.empty()) name = type == TunnelType::kTap ? "tap%d" : "tun%d";
  return absl::StrReplaceAll(name, {{"%d", "0"}});
}

absl::StatusOr<std::string> Tunnel::SetIff(std::string_view arg) {
  if (mode_.has_value()) {
    return ErrnoStatus(EEXIST,
                       absl::StrCat("TUNSETIFF on a tunnel already attached "
                                    "to ",
                                    name_));
  }
  char ifr[kIfreqSize] = {};
  std::memcpy(ifr, arg.data(), std::min(arg.size(), sizeof(ifr)));
  ifr[kIfNameSize - 1] = '\0';  // As the kernel does.
  const UnpackedIfreq request = UnpackIfreq(std::string_view(ifr, sizeof(ifr)));
  const std::optional<TunnelType> type = TunnelTypeOf(request.flags);
  if (!type.has_value()) {
    return ErrnoStatus(EINVAL,
                       absl::StrCat("TUNSETIFF flags ", ToString(request.flags),
                                    " name neither IFF_TUN nor "
                                    "IFF_TAP"));
  }
  mode_ = request.flags;
  requested_name_ = request.name;
  name_ = NameFor(request.name, *type);
  // The kernel writes the name it chose back into the caller's ifreq.
  std::memset(ifr, 0, kIfNameSize);
  std::memcpy(ifr, name_.data(), std::min(name_.size(), kIfNameSize));
  std::string result(arg);
  std::memcpy(result.data(), ifr, std::min(result.size(), sizeof(ifr)));
  return result;
}

absl::StatusOr<std::string> Tunnel::Ioctl(unsigned long request,
                                          std::string_view arg) {
  if (request == kTunSetIff) return SetIff(arg);
  if (!mode_.has_value()) {
    return ErrnoStatus(EBADFD, absl::StrCat("ioctl 0x", absl::Hex(request),
                                            " on a tunnel before TUNSETIFF"));
  }
  if (request == kTunGetIff) {
    char ifr[kIfreqSize] = {};
    std::memcpy(ifr, name_.data(), std::min(name_.size(), kIfNameSize));
    // Linux reports IFF_NOFILTER, which shares IFF_NO_PI's bit, always.
    uint32_t flags = (ValueOf(*mode_) & (kFeatureMask | kTunTypeMask)) |
                     ValueOf(TunnelFlags::kNoFilter);
    if (persistent_) flags |= ValueOf(TunnelFlags::kPersist);
    const uint16_t raw = static_cast<uint16_t>(flags);
    std::memcpy(ifr + kIfNameSize, &raw, sizeof(raw));
    std::string result(arg);
    std::memcpy(result.data(), ifr, std::min(result.size(), sizeof(ifr)));
    return result;
  }
  return ErrnoStatus(
      EINVAL, absl::StrCat("unsupported tunnel ioctl 0x", absl::Hex(request)));
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

}  // namespace standin
