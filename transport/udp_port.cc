#include "standin/transport/udp_port.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdio>
#include <exception>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "standin/transport/socket_address.h"
#include "standin/transport/status.h"

namespace standin {
namespace {

// Consecutive EINTRs one DoRead() retries before it yields to the reactor
// (which calls again while the socket stays readable).
constexpr int kMaxInterruptedReads = 16;

bool IsIPv6(const Address& address) {
  return std::holds_alternative<IPv6Address>(address);
}

}  // namespace

absl::StatusOr<std::unique_ptr<UdpPort>> UdpPort::Listen(
    const Address& local, DatagramProtocol* protocol, Reactor* reactor,
    Options options) {
  sockaddr_storage storage;
  absl::StatusOr<socklen_t> len = SockaddrFromAddress(local, &storage);
  if (!len.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("UdpPort cannot listen on ", ToString(local),
                     ": not an IPv4 or IPv6 endpoint"));
  }
  const bool ipv6 = IsIPv6(local);
  const auto cannot_listen = [&](const char* call) {
    return ErrnoStatus(
        errno, absl::StrCat("cannot listen on ", ToString(local), ": ", call));
  };
  UniqueFd fd(::socket(ipv6 ? AF_INET6 : AF_INET,
                       SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return cannot_listen("socket");
  const int one = 1;
  if (ipv6 && ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one,
                           sizeof(one)) != 0) {
    return cannot_listen("setsockopt(IPV6_V6ONLY)");
  }
  if (options.reuse_address && ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR,
                                            &one, sizeof(one)) != 0) {
    return cannot_listen("setsockopt(SO_REUSEADDR)");
  }
  if (options.receive_buffer > 0 &&
      ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &options.receive_buffer,
                   sizeof(options.receive_buffer)) != 0) {
    return cannot_listen("setsockopt(SO_RCVBUF)");
  }
  if (options.send_buffer > 0 &&
      ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &options.send_buffer,
                   sizeof(options.send_buffer)) != 0) {
    return cannot_listen("setsockopt(SO_SNDBUF)");
  }
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&storage), *len) !=
      0) {
    return cannot_listen("bind");
  }
  std::unique_ptr<UdpPort> port(
      new UdpPort(std::move(fd), ipv6, protocol, reactor, options));
  // Reading starts before the protocol hears of the port, so a
  // PauseProducing() from StartProtocol() holds (as FileDescriptor does).
  port->life_.StartListening();
  if (protocol != nullptr) protocol->MakeConnection(port.get());
  return port;
}

UdpPort::UdpPort(UniqueFd fd, bool ipv6, DatagramProtocol* protocol,
                 Reactor* reactor, Options options)
    : fd_(std::move(fd)),
      protocol_(protocol),
      options_(options),
      ipv6_(ipv6),
      host_(SocketAddress(fd_.get(), /*peer=*/false)),
      // Twisted runs stopProtocol on a later turn, never inside
      // stopListening; it is the port's last act.
      life_(this, reactor, [this] {
        if (protocol_ != nullptr) protocol_->StopProtocol();
      }) {
  // Every UDP payload fits, so none is ever cut.
  read_buffer_.resize(kMaxIPv6Datagram);
}

UdpPort::~UdpPort() {
  if (life_.state() == PortLifecycle::State::kStopping) life_.FinishNow();
  life_.Abandon();
}

absl::Status UdpPort::Connect(const Address& peer) {
  if (!listening()) {
    return absl::FailedPreconditionError(
        absl::StrCat(DebugString(), ": cannot connect: not listening"));
  }
  if (peer_.has_value()) {
    return absl::FailedPreconditionError(absl::StrCat(
        DebugString(), ": already connected to ", ToString(*peer_)));
  }
  if (!SameFamily(peer)) {
    return absl::InvalidArgumentError(
        absl::StrCat(DebugString(), ": cannot connect to ", ToString(peer),
                     ": not an endpoint of the port's IP family"));
  }
  sockaddr_storage storage;
  absl::StatusOr<socklen_t> len = SockaddrFromAddress(peer, &storage);
  if (!len.ok()) return len.status();
  if (::connect(fd_.get(), reinterpret_cast<const sockaddr*>(&storage), *len) !=
      0) {
    return ErrnoStatus(
        errno, absl::StrCat("connect ", DebugString(), " to ", ToString(peer)));
  }
  peer_ = SocketAddress(fd_.get(), /*peer=*/true);
  // connect() picks a source address for a port bound to the wildcard.
  host_ = SocketAddress(fd_.get(), /*peer=*/false);
  return absl::OkStatus();
}

bool UdpPort::SameFamily(const Address& to) const {
  return ipv6_ ? IsIPv6(to) : std::holds_alternative<IPv4Address>(to);
}

absl::Status UdpPort::Write(std::string_view datagram, const Address& to) {
  if (!listening()) {
    return absl::FailedPreconditionError(
        absl::StrCat(DebugString(), ": cannot write: not listening"));
  }
  if (!SameFamily(to)) {
    return absl::InvalidArgumentError(
        absl::StrCat(DebugString(), ": cannot write to ", ToString(to),
                     ": not an endpoint of the port's IP family"));
  }
  sockaddr_storage storage;
  const sockaddr* dest = nullptr;
  socklen_t dest_len = 0;
  if (peer_.has_value()) {
    const auto same_endpoint = [](const Address& a, const Address& b) {
      if (const auto* x = std::get_if<IPv4Address>(&a)) {
        const auto& y = std::get<IPv4Address>(b);
        return x->host == y.host && x->port == y.port;
      }
      const auto& x6 = std::get<IPv6Address>(a);
      const auto& y6 = std::get<IPv6Address>(b);
      return x6.host == y6.host && x6.port == y6.port;
    };
    if (!same_endpoint(to, *peer_)) {
      return absl::InvalidArgumentError(
          absl::StrCat(DebugString(), " is connected to ", ToString(*peer_),
                       ": cannot write to ", ToString(to)));
    }
  } else {
    absl::StatusOr<socklen_t> len = SockaddrFromAddress(to, &storage);
    if (!len.ok()) return len.status();
    dest = reinterpret_cast<const sockaddr*>(&storage);
    dest_len = *len;
  }
  while (true) {
    const ssize_t n = ::sendto(fd_.get(), datagram.data(), datagram.size(),
                               MSG_DONTWAIT | MSG_NOSIGNAL, dest, dest_len);
    if (n >= 0) return absl::OkStatus();
    const int err = errno;
    if (err == EINTR) continue;
    absl::Status status = ErrnoStatus(
        err,
        absl::StrCat("write of ", datagram.size(), " bytes to ", ToString(to)));
    if (err == ECONNREFUSED && peer_.has_value()) Refused();
    return status;
  }
}

size_t UdpPort::max_datagram_size() const {
  return ipv6_ ? kMaxIPv6Datagram : kMaxIPv4Datagram;
}

void UdpPort::PauseProducing() { life_.StopReading(); }

void UdpPort::ResumeProducing() { life_.StartReading(); }

void UdpPort::StopListening() {
  if (!listening()) return;
  life_.Stop();  // Unregisters before the fd closes.
  fd_.reset();
}

void UdpPort::ConnectionLost(const absl::Status& reason) {
  ReportError(reason);
  StopListening();
}

absl::Status UdpPort::DoRead() {
  const std::weak_ptr<char> alive = alive_;
  size_t reads = 0;
  size_t bytes = 0;
  int interrupted = 0;
  // Checked after every delivery: the protocol may have paused, stopped or
  // destroyed the port.
  while (life_.reading() && reads < options_.max_reads_per_wakeup &&
         bytes < options_.max_bytes_per_wakeup) {
    sockaddr_storage from;
    socklen_t from_len = sizeof(from);
    const ssize_t n =
        ::recvfrom(fd_.get(), read_buffer_.data(), read_buffer_.size(),
                   MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) {
      const int err = errno;
      if (err == EAGAIN || err == EWOULDBLOCK) return absl::OkStatus();
      if (err == EINTR) {
        if (++interrupted > kMaxInterruptedReads) return absl::OkStatus();
        continue;
      }
      if (err == ECONNREFUSED && peer_.has_value()) {
        // The kernel reports the peer's ICMP once; reading goes on.
        Refused();
        if (alive.expired()) return absl::OkStatus();
        continue;
      }
      // recvfrom() has taken the socket's pending error: it will not wake
      // us again for it.
      ReportError(ErrnoStatus(err, absl::StrCat("read ", DebugString())));
      return absl::OkStatus();
    }
    interrupted = 0;
    ++reads;
    bytes += static_cast<size_t>(n);
    Deliver(std::string_view(read_buffer_.data(), static_cast<size_t>(n)),
            AddressFromSockaddr(reinterpret_cast<const sockaddr*>(&from),
                                from_len, IPv4Address::Kind::kUdp));
    if (alive.expired()) return absl::OkStatus();
  }
  return absl::OkStatus();
}

void UdpPort::Deliver(std::string_view data, const Address& from) {
  if (protocol_ == nullptr) return;
  try {
    protocol_->DatagramReceived(data, from);
  } catch (const std::exception& e) {
    ReportError(absl::InternalError(absl::StrCat(
        DebugString(),
        ": unhandled exception from DatagramReceived: ", e.what())));
  } catch (...) {
    ReportError(absl::InternalError(absl::StrCat(
        DebugString(), ": unhandled exception from DatagramReceived")));
  }
}

void UdpPort::Refused() {
  if (protocol_ == nullptr) return;
  try {
    protocol_->ConnectionRefused();
  } catch (const std::exception& e) {
    ReportError(absl::InternalError(absl::StrCat(
        DebugString(),
        ": unhandled exception from ConnectionRefused: ", e.what())));
  } catch (...) {
    ReportError(absl::InternalError(absl::StrCat(
        DebugString(), ": unhandled exception from ConnectionRefused")));
  }
}

void UdpPort::ReportError(const absl::Status& status) {
  if (error_hook_) {
    error_hook_(status);
    return;
  }
  std::fprintf(stderr, "%s: %s\n", DebugString().c_str(),
               status.ToString().c_str());
}

std::string UdpPort::DebugString() const {
  return absl::StrCat("<UdpPort ", ToString(host_),
                      listening() ? " listening" : " not listening",
                      peer_.has_value() ? " connected to " : "",
                      peer_.has_value() ? ToString(*peer_) : "", ">");
}

}  // namespace standin
