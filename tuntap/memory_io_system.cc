#include "standin/tuntap/memory_io_system.h"

#include <algorithm>
#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "standin/netstack/builders.h"
#include "standin/netstack/ethernet.h"
#include "standin/netstack/ipv4.h"
#include "standin/netstack/udp.h"
#include "standin/transport/absl_string_view.h"
#include "standin/transport/address.h"
#include "standin/transport/status.h"

namespace standin {
namespace {

// The UDP payload of `written` (as the application wrote it to `tunnel`) if
// it is an IPv4/UDP datagram for `host`:`port`.
std::optional<std::string_view> UdpPayloadFor(const Tunnel& tunnel,
                                              std::string_view written,
                                              IPv4Host host, uint16_t port) {
  std::string_view packet = written;
  if (tunnel.has_pi()) {
    if (packet.size() < kPiSize) return std::nullopt;
    packet.remove_prefix(kPiSize);
  }
  if (tunnel.tunnel_type() == TunnelType::kTap) {
    netstack::EthernetFrame frame;
    if (netstack::EthernetFrame::Check(packet, &frame) !=
            netstack::DropReason::kNone ||
        frame.ethertype() != netstack::kEtherTypeIpv4) {
      return std::nullopt;
    }
    packet = frame.payload();
  }
  netstack::Ipv4Packet ip;
  if (netstack::Ipv4Packet::Check(packet, &ip) != netstack::DropReason::kNone ||
      ip.protocol() != netstack::kIpProtocolUdp || ip.is_fragment() ||
      ip.destination() != host) {
    return std::nullopt;
  }
  netstack::UdpDatagram udp;
  if (netstack::UdpDatagram::Check(ip.payload(), ip.source(), ip.destination(),
                                   &udp) != netstack::DropReason::kNone ||
      udp.destination_port() != port) {
    return std::nullopt;
  }
  return udp.payload();
}

class MemoryUdpReceiver : public UdpReceiver {
 public:
  MemoryUdpReceiver(MemoryIoSystem* system, int fd, IPv4Host host,
                    uint16_t port)
      : system_(system), fd_(fd), host_(host), port_(port) {}

  absl::StatusOr<std::string> Recv(size_t nbytes) override {
    Tunnel* tunnel = system_->GetTunnel(fd_);
    if (tunnel == nullptr) {
      return ErrnoStatus(EBADF, absl::StrCat("receive UDP via fd ", fd_));
    }
    std::deque<std::string>& written = tunnel->write_buffer();
    while (!written.empty()) {
      const std::string datagram = std::move(written.front());
      written.pop_front();
      std::optional<std::string_view> payload =
          UdpPayloadFor(*tunnel, datagram, host_, port_);
      if (payload.has_value()) {
        return std::string(payload->substr(0, nbytes));
      }
    }
    return ErrnoStatus(
        EAGAIN, absl::StrCat("no UDP datagram for ", host_.ToString(), ":",
                             port_, " written to ", tunnel->name()));
  }

 private:
  MemoryIoSystem* system_;
  int fd_;
  IPv4Host host_;
  uint16_t port_;
};

}  // namespace

MemoryIoSystem::MemoryIoSystem() : MemoryIoSystem(true) {}

MemoryIoSystem::MemoryIoSystem(bool register_tun_device) {
  if (register_tun_device) {
    RegisterSpecialDevice(std::string(kTunDevicePath),
                          [](MemoryIoSystem*, int flags, int mode) {
                            return std::make_unique<Tunnel>(flags, mode);
                          });
  }
}

void MemoryIoSystem::RegisterSpecialDevice(std::string path,
                                           DeviceFactory factory) {
  devices_[std::move(path)] = std::move(factory);
}

Tunnel* MemoryIoSystem::GetTunnel(int fd) const {
  auto it = open_files_.find(fd);
  return it == open_files_.end() ? nullptr : it->second.get();
}

std::vector<int> MemoryIoSystem::open_fds() const {
  std::vector<int> fds;
  fds.reserve(open_files_.size());
  for (const auto& [fd, tunnel] : open_files_) fds.push_back(fd);
  std::sort(fds.begin(), fds.end());
  return fds;
}

absl::Status MemoryIoSystem::CheckPermission(std::string_view operation) const {
  if (permissions_.contains(AbslView(operation))) {
    return absl::OkStatus();
  }
  return ErrnoStatus(
      EPERM, absl::StrCat(AbslView(operation), " is not in permissions()"));
}

absl::StatusOr<Tunnel*> MemoryIoSystem::Lookup(
    int fd, std::string_view operation) const {
  Tunnel* tunnel = GetTunnel(fd);
  if (tunnel == nullptr) {
    return ErrnoStatus(EBADF, absl::StrCat(AbslView(operation), " on fd ", fd));
  }
  return tunnel;
}

absl::StatusOr<int> MemoryIoSystem::Open(std::string_view path, int flags,
                                         int mode) {
  if (absl::Status s = CheckPermission("open"); !s.ok()) return s;
  auto it = devices_.find(std::string(path));
  if (it == devices_.end()) {
    return ErrnoStatus(ENOSYS,
                       absl::StrCat("open ", AbslView(path),
                                    ": no such special device registered"));
  }
  const int fd = next_fd_++;
  open_files_[fd] = it->second(this, flags, mode);
  return fd;
}

absl::StatusOr<std::string> MemoryIoSystem::Ioctl(int fd, unsigned long request,
                                                  std::string_view arg) {
  if (absl::Status s = CheckPermission("ioctl"); !s.ok()) return s;
  absl::StatusOr<Tunnel*> tunnel = Lookup(fd, "ioctl");
  if (!tunnel.ok()) return tunnel.status();
  return (*tunnel)->Ioctl(request, arg);
}

absl::StatusOr<int> MemoryIoSystem::IoctlValue(int fd, unsigned long request,
                                               unsigned long value) {
  if (absl::Status s = CheckPermission("ioctl"); !s.ok()) return s;
  absl::StatusOr<Tunnel*> tunnel = Lookup(fd, "ioctl");
  if (!tunnel.ok()) return tunnel.status();
  return (*tunnel)->IoctlValue(request, value);
}

absl::StatusOr<size_t> MemoryIoSystem::ReadInto(int fd,
                                                absl::Span<char> buffer) {
  absl::StatusOr<Tunnel*> tunnel = Lookup(fd, "read");
  if (!tunnel.ok()) return tunnel.status();
  return (*tunnel)->Read(buffer);
}

absl::StatusOr<size_t> MemoryIoSystem::Write(int fd, std::string_view data) {
  absl::StatusOr<Tunnel*> tunnel = Lookup(fd, "write");
  if (!tunnel.ok()) return tunnel.status();
  return (*tunnel)->Write(data);
}

absl::Status MemoryIoSystem::Close(int fd) {
  if (open_files_.erase(fd) == 0) {
    return ErrnoStatus(EBADF, absl::StrCat("close fd ", fd));
  }
  return absl::OkStatus();
}

absl::StatusOr<IPv4Address> MemoryIoSystem::SendUdpVia(int fd,
                                                       std::string_view payload,
                                                       const IPv4Address& to) {
  absl::StatusOr<Tunnel*> tunnel = Lookup(fd, "send UDP");
  if (!tunnel.ok()) return tunnel.status();
  if (!(*tunnel)->tunnel_mode().has_value()) {
    return ErrnoStatus(
        EBADFD, absl::StrCat("send UDP via fd ", fd, " before TUNSETIFF"));
  }
  (*tunnel)->AddToReadBuffer(netstack::BuildUdpIpv4(
      udp_source_.host, udp_source_.port, to.host, to.port, payload));
  return udp_source_;
}

absl::StatusOr<IPv4Address> MemoryIoSystem::SendUdp(std::string_view payload,
                                                    const IPv4Address& to) {
  if (udp_route_.has_value()) return SendUdpVia(*udp_route_, payload, to);
  std::optional<int> only;
  for (const auto& [fd, tunnel] : open_files_) {
    if (!tunnel->tunnel_mode().has_value()) continue;
    if (only.has_value()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "SendUdp to ", to.ToString(),
          ": several tunnels are attached; choose one with RouteUdpTo(fd) "
          "or SendUdpVia(fd, ...)"));
    }
    only = fd;
  }
  if (!only.has_value()) {
    return ErrnoStatus(ENETUNREACH,
                       absl::StrCat("SendUdp to ", to.ToString(),
                                    ": no tunnel is attached (TUNSETIFF)"));
  }
  return SendUdpVia(*only, payload, to);
}

absl::StatusOr<std::unique_ptr<UdpReceiver>> MemoryIoSystem::ReceiveUdp(
    int fd, const IPv4Address& local) {
  return std::make_unique<MemoryUdpReceiver>(this, fd, local.host, local.port);
}

void PrintTo(const MemoryIoSystem& system, std::ostream* os) {
  *os << "MemoryIoSystem{";
  std::vector<int> fds = system.open_fds();
  if (fds.empty()) *os << "no open fds";
  for (size_t i = 0; i < fds.size(); ++i) {
    *os << (i == 0 ? "fd " : ", fd ") << fds[i] << " ";
    *os << *system.open_files_.at(fds[i]);
  }
  std::vector<std::string> permissions(system.permissions_.begin(),
                                       system.permissions_.end());
  std::sort(permissions.begin(), permissions.end());
  *os << "; permissions {" << absl::StrJoin(permissions, ", ") << "}";
  if (system.udp_route_.has_value()) {
    *os << "; UDP routed to fd " << *system.udp_route_;
  }
  *os << "}";
}

}  // namespace standin
