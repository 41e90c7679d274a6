#include "standin/testutil/private_network.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "standin/netstack/mac_address.h"
#include "standin/transport/absl_string_view.h"
#include "standin/transport/status.h"
#include "standin/transport/unique_fd.h"

namespace standin::testutil {
namespace {

bool entered = false;

absl::Status FillName(std::string_view name, struct ifreq* ifr) {
  if (name.empty() || name.size() >= IFNAMSIZ) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad interface name '", AbslView(name), "'"));
  }
  std::memset(ifr, 0, sizeof(*ifr));
  std::memcpy(ifr->ifr_name, name.data(), name.size());
  return absl::OkStatus();
}

absl::Status FillAddress(std::string_view text, sockaddr* out) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  const std::string host(text);
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a dotted-quad IPv4 address: '", host, "'"));
  }
  std::memcpy(out, &addr, sizeof(addr));
  return absl::OkStatus();
}

// An AF_INET datagram socket: the handle interface ioctls go through.
absl::StatusOr<UniqueFd> ControlSocket() {
  UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return ErrnoStatus(errno, "socket(AF_INET)");
  return fd;
}

absl::Status Ioctl(int fd, unsigned long request, void* arg,
                   std::string_view what) {
  if (::ioctl(fd, request, arg) < 0) return ErrnoStatus(errno, what);
  return absl::OkStatus();
}

absl::Status RequireNamespace() {
  if (entered) return absl::OkStatus();
  return absl::FailedPreconditionError(
      "refusing to configure interfaces outside a private network namespace "
      "(call EnterPrivateNetworkNamespace() first)");
}

absl::Status BringUp(int sock, std::string_view name) {
  struct ifreq ifr;
  if (absl::Status s = FillName(name, &ifr); !s.ok()) return s;
  if (absl::Status s = Ioctl(sock, SIOCGIFFLAGS, &ifr,
                             absl::StrCat("SIOCGIFFLAGS ", AbslView(name)));
      !s.ok()) {
    return s;
  }
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  return Ioctl(sock, SIOCSIFFLAGS, &ifr,
               absl::StrCat("SIOCSIFFLAGS up ", AbslView(name)));
}

void DisableIpv6(std::string_view name) {
  // Best effort: without IPv6 support there is nothing to disable.
  const std::string path =
      absl::StrCat("/proc/sys/net/ipv6/conf/", AbslView(name), "/disable_ipv6");
  std::ofstream(path) << "1";
}

}  // namespace

absl::Status EnterPrivateNetworkNamespace() {
  static const absl::Status result = [] {
    if (::unshare(CLONE_NEWNET) < 0) {
      return ErrnoStatus(errno, "unshare(CLONE_NEWNET)");
    }
    entered = true;
    absl::StatusOr<UniqueFd> sock = ControlSocket();
    if (!sock.ok()) return sock.status();
    return BringUp(sock->get(), "lo");
  }();
  return result;
}

absl::Status ConfigureInterface(std::string_view name, std::string_view address,
                                int prefix_length) {
  if (absl::Status s = RequireNamespace(); !s.ok()) return s;
  if (prefix_length < 0 || prefix_length > 32) {
    return absl::InvalidArgumentError(
        absl::StrCat("prefix length ", prefix_length, " is not in 0..32"));
  }
  DisableIpv6(name);
  absl::StatusOr<UniqueFd> sock = ControlSocket();
  if (!sock.ok()) return sock.status();
  struct ifreq ifr;
  if (absl::Status s = FillName(name, &ifr); !s.ok()) return s;
  if (absl::Status s = FillAddress(address, &ifr.ifr_addr); !s.ok()) return s;
  if (absl::Status s = Ioctl(
          sock->get(), SIOCSIFADDR, &ifr,
          absl::StrCat("SIOCSIFADDR ", AbslView(name), " ", AbslView(address)));
      !s.ok()) {
    return s;
  }
  sockaddr_in mask{};
  mask.sin_family = AF_INET;
  mask.sin_addr.s_addr =
      htonl(prefix_length == 0 ? 0 : ~uint32_t{0} << (32 - prefix_length));
  std::memcpy(&ifr.ifr_netmask, &mask, sizeof(mask));
  if (absl::Status s = Ioctl(
          sock->get(), SIOCSIFNETMASK, &ifr,
          absl::StrCat("SIOCSIFNETMASK ", AbslView(name), " /", prefix_length));
      !s.ok()) {
    return s;
  }
  return BringUp(sock->get(), name);
}

absl::Status AddStaticNeighbor(std::string_view name, std::string_view ip,
                               std::string_view mac) {
  if (absl::Status s = RequireNamespace(); !s.ok()) return s;
  absl::StatusOr<netstack::MacAddress> hw = netstack::MacAddress::Parse(mac);
  if (!hw.ok()) return hw.status();
  struct arpreq req;
  std::memset(&req, 0, sizeof(req));
  if (absl::Status s = FillAddress(ip, &req.arp_pa); !s.ok()) return s;
  req.arp_ha.sa_family = ARPHRD_ETHER;
  std::memcpy(req.arp_ha.sa_data, hw->bytes().data(), 6);
  req.arp_flags = ATF_PERM | ATF_COM;
  if (name.size() >= sizeof(req.arp_dev)) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad interface name '", AbslView(name), "'"));
  }
  std::memcpy(req.arp_dev, name.data(), name.size());
  absl::StatusOr<UniqueFd> sock = ControlSocket();
  if (!sock.ok()) return sock.status();
  return Ioctl(sock->get(), SIOCSARP, &req,
               absl::StrCat("SIOCSARP ", AbslView(ip), " on ", AbslView(name)));
}

}  // namespace standin::testutil
