#include "standin/transport/stream_listener.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "standin/transport/socket_address.h"
#include "standin/transport/status.h"

namespace standin {
namespace {

// Connections accepted per DoRead(): enough to drain a burst, bounded so one
// busy listener cannot starve the loop.
constexpr int kMaxAcceptsPerTurn = 64;

// One descriptor held in reserve for the whole process (Twisted's
// _reservedFD): when accept() fails for want of descriptors the pending
// connection would keep the level-triggered listener readable forever (a
// busy loop), so we free the reserve, accept the connection, close it (the
// peer sees the end at once) and take the reserve back. Never destroyed:
// it lives as long as the process.
UniqueFd& ReserveFd() {
  static UniqueFd* const fd = new UniqueFd;
  return *fd;
}

void Reserve() {
  if (!ReserveFd().valid()) {
    ReserveFd().reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  }
}

// Returns true if a pending connection was shed.
bool ShedOneConnection(int listen_fd) {
  if (!ReserveFd().valid()) {
    std::fprintf(stderr,
                 "StreamListener: out of descriptors and no reserve; the "
                 "pending connection waits\n");
    return false;
  }
  ReserveFd().reset();
  const bool shed =
      UniqueFd(::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC)).valid();
  Reserve();
  return shed;
}

}  // namespace

StreamListener::StreamListener(UniqueFd fd, Reactor* reactor,
                               ProtocolFactory factory, Address host,
                               std::string unlink_path)
    : fd_(std::move(fd)),
      reactor_(reactor),
      factory_(std::move(factory)),
      host_(std::move(host)),
      unlink_path_(std::move(unlink_path)) {}

StreamListener::~StreamListener() {
  for (DelayedCall& call : reapers_) call.Cancel();
  StopListening();
  entries_.clear();
}

absl::StatusOr<std::unique_ptr<StreamListener>> StreamListener::Listen(
    Reactor* reactor, int family, const void* addr, size_t addr_len,
    const std::string& description, ProtocolFactory factory, int backlog,
    std::string unlink_path) {
  UniqueFd fd(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    return ErrnoStatus(errno, absl::StrCat("socket for ", description));
  }
  if (family != AF_UNIX) {
    int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  }
  if (::bind(fd.get(), static_cast<const sockaddr*>(addr),
             static_cast<socklen_t>(addr_len)) != 0) {
    return ErrnoStatus(errno, absl::StrCat("cannot listen on ", description));
  }
  if (::listen(fd.get(), backlog) != 0) {
    int err = errno;
    if (!unlink_path.empty()) ::unlink(unlink_path.c_str());
    return ErrnoStatus(err, absl::StrCat("cannot listen on ", description));
  }
  Reserve();
  Address host = SocketAddress(fd.get(), /*peer=*/false);
  std::unique_ptr<StreamListener> listener(
      new StreamListener(std::move(fd), reactor, std::move(factory),
                         std::move(host), std::move(unlink_path)));
  reactor->AddReader(listener.get());
  return listener;
}

absl::StatusOr<std::unique_ptr<StreamListener>> StreamListener::ListenTcp(
    Reactor* reactor, uint16_t port, ProtocolFactory factory,
    const std::string& host, int backlog) {
  sockaddr_storage storage;
  absl::StatusOr<socklen_t> len = InetSockaddr(host, port, &storage);
  if (!len.ok()) return len.status();
  return Listen(reactor, storage.ss_family, &storage, *len,
                absl::StrCat(host, ":", port), std::move(factory), backlog, "");
}

absl::StatusOr<std::unique_ptr<StreamListener>> StreamListener::ListenUnix(
    Reactor* reactor, const std::string& path, ProtocolFactory factory,
    int backlog) {
  absl::StatusOr<sockaddr_un> addr = UnixSockaddr(path);
  if (!addr.ok()) return addr.status();
  return Listen(reactor, AF_UNIX, &*addr, sizeof(sockaddr_un), path,
                std::move(factory), backlog, path);
}

void StreamListener::StopListening() {
  if (!fd_.valid()) return;
  reactor_->RemoveReader(this);
  fd_.reset();
  if (!unlink_path_.empty()) ::unlink(unlink_path_.c_str());
}

void StreamListener::ConnectionLost(const absl::Status& reason) {
  std::fprintf(stderr, "StreamListener on %s stopped: %s\n",
               ToString(host_).c_str(), reason.ToString().c_str());
  StopListening();
}

absl::Status StreamListener::DoRead() {
  for (int i = 0; i < kMaxAcceptsPerTurn && fd_.valid(); ++i) {
    UniqueFd fd(
        ::accept4(fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd.valid()) {
      int err = errno;
      if (err == EAGAIN || err == EWOULDBLOCK) break;
      if (err == EINTR || err == ECONNABORTED || err == EPROTO) continue;
      if (err == EMFILE || err == ENFILE) {
        // Out of descriptors: refuse this connection (closing it) rather
        // than leave it pending and spin on a readable listener. (accept()
        // says EMFILE before it looks at the queue, so this also ends the
        // loop once nothing is pending.)
        if (ShedOneConnection(fd_.get())) {
          ++refused_;
          continue;
        }
        break;
      }
      if (err == ENOBUFS || err == ENOMEM) {
        // Out of memory: keep listening, try again next turn (Twisted).
        std::fprintf(stderr, "StreamListener: accept: %s\n",
                     std::strerror(err));
        break;
      }
      return ErrnoStatus(err, "accept");
    }
    std::unique_ptr<Protocol> protocol =
        factory_(SocketAddress(fd.get(), /*peer=*/true));
    if (protocol == nullptr) continue;  // Refused: closes fd.
    auto it = entries_.insert(entries_.end(), Entry{});
    it->protocol = std::move(protocol);
    it->connection.reset(
        new StreamConnection(std::move(fd), reactor_, it->protocol.get()));
    ++accepted_;
    ++live_;
    it->connection->on_lost_ = [this, it] {
      --live_;
      reapers_.remove_if([](const DelayedCall& c) { return !c.active(); });
      reapers_.push_back(reactor_->CallLater(
          absl::ZeroDuration(), [this, it] { entries_.erase(it); }));
    };
    it->connection->Established();
  }
  return absl::OkStatus();
}

}  // namespace standin
