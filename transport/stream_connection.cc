#include "standin/transport/stream_connection.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
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
// peer sees the end at once) and take the reserve back.
int& ReserveFd() {
  static int fd = -1;
  return fd;
}

void Reserve() {
  if (ReserveFd() < 0) ReserveFd() = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

// Returns true if a pending connection was shed.
bool ShedOneConnection(int listen_fd) {
  if (ReserveFd() < 0) {
    std::fprintf(stderr,
                 "StreamListener: out of descriptors and no reserve; the "
                 "pending connection waits\n");
    return false;
  }
  ::close(ReserveFd());
  ReserveFd() = -1;
  int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd >= 0) ::close(fd);
  Reserve();
  return fd >= 0;
}

bool IsSocket(int fd) {
  int type = 0;
  socklen_t len = sizeof(type);
  return ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0;
}

absl::Status MakeNonBlocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    return ErrnoStatus(errno, absl::StrCat("make fd ", fd, " non-blocking"));
  }
  int fd_flags = ::fcntl(fd, F_GETFD);
  if (fd_flags < 0 || ::fcntl(fd, F_SETFD, fd_flags | FD_CLOEXEC) < 0) {
    return ErrnoStatus(errno, absl::StrCat("make fd ", fd, " close-on-exec"));
  }
  return absl::OkStatus();
}

absl::StatusOr<sockaddr_un> UnixSockaddr(const std::string& path) {
  sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(
        absl::StrCat("UNIX socket path '", path, "' is empty or longer than ",
                     sizeof(addr.sun_path) - 1, " bytes"));
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  return addr;
}

// Parses an IPv4 or IPv6 literal into `storage`; returns the length used.
absl::StatusOr<socklen_t> InetSockaddr(const std::string& host, uint16_t port,
                                       sockaddr_storage* storage) {
  *storage = {};
  auto* v4 = reinterpret_cast<sockaddr_in*>(storage);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    return static_cast<socklen_t>(sizeof(sockaddr_in));
  }
  *storage = {};
  auto* v6 = reinterpret_cast<sockaddr_in6*>(storage);
  if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    return static_cast<socklen_t>(sizeof(sockaddr_in6));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "host '", host, "' is not an IPv4 or IPv6 literal (no name lookup)"));
}

}  // namespace

Address SocketAddress(int fd, bool peer) {
  sockaddr_storage storage = {};
  socklen_t len = sizeof(storage);
  auto* sa = reinterpret_cast<sockaddr*>(&storage);
  int rc = peer ? ::getpeername(fd, sa, &len) : ::getsockname(fd, sa, &len);
  if (rc != 0) return UnixAddress{};
  int type = SOCK_STREAM;
  socklen_t type_len = sizeof(type);
  ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_len);
  const auto kind =
      type == SOCK_DGRAM ? IPv4Address::Kind::kUdp : IPv4Address::Kind::kTcp;
  char text[INET6_ADDRSTRLEN] = {};
  switch (storage.ss_family) {
    case AF_INET: {
      const auto* v4 = reinterpret_cast<const sockaddr_in*>(&storage);
      ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
      return IPv4Address{kind, text, ntohs(v4->sin_port)};
    }
    case AF_INET6: {
      const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&storage);
      ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
      return IPv6Address{kind, text, ntohs(v6->sin6_port),
                         ntohl(v6->sin6_flowinfo), v6->sin6_scope_id};
    }
    case AF_UNIX: {
      const auto* un = reinterpret_cast<const sockaddr_un*>(&storage);
      size_t path_len = len > offsetof(sockaddr_un, sun_path)
                            ? len - offsetof(sockaddr_un, sun_path)
                            : 0;
      std::string path(un->sun_path, path_len);
      if (!path.empty() && path[0] != '\0') {
        path.resize(::strnlen(path.c_str(), path.size()));
      } else if (!path.empty()) {
        path[0] = '@';  // Linux abstract namespace, as ss(8) prints it.
      }
      return UnixAddress{path};
    }
    default:
      return UnixAddress{};
  }
}

// --- StreamConnection --------------------------------------------------------

StreamConnection::StreamConnection(int fd, Reactor* reactor, Protocol* protocol)
    : FileDescriptor(reactor, protocol), fd_(fd), is_socket_(IsSocket(fd)) {
  set_write_through(true);
}

StreamConnection::~StreamConnection() {
  DetachFromReactor();
  CloseDescriptor();
}

absl::StatusOr<std::unique_ptr<StreamConnection>> StreamConnection::Adopt(
    int fd, Reactor* reactor, Protocol* protocol) {
  if (fd < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot adopt fd ", fd, ": not a descriptor"));
  }
  if (absl::Status status = MakeNonBlocking(fd); !status.ok()) {
    ::close(fd);
    return status;
  }
  std::unique_ptr<StreamConnection> connection(
      new StreamConnection(fd, reactor, protocol));
  connection->Established();
  return connection;
}

absl::StatusOr<std::unique_ptr<StreamConnection>> StreamConnection::AdoptPipes(
    int read_fd, int write_fd, Reactor* reactor, Protocol* protocol) {
  if (read_fd < 0 || write_fd < 0 || read_fd == write_fd) {
    if (read_fd >= 0) ::close(read_fd);
    if (write_fd >= 0 && write_fd != read_fd) ::close(write_fd);
    return absl::InvalidArgumentError(
        absl::StrCat("cannot adopt pipes (read fd ", read_fd, ", write fd ",
                     write_fd, "): need two distinct descriptors"));
  }
  for (int fd : {read_fd, write_fd}) {
    if (absl::Status status = MakeNonBlocking(fd); !status.ok()) {
      ::close(read_fd);
      ::close(write_fd);
      return status;
    }
  }
  std::unique_ptr<StreamConnection> connection(
      new StreamConnection(read_fd, reactor, protocol));
  connection->write_fd_ = write_fd;
  connection->write_end_ = std::make_unique<WriteEnd>(connection.get());
  connection->set_write_selectable(connection->write_end_.get());
  connection->Established();
  return connection;
}

void StreamConnection::Established() {
  made_ = true;
  if (is_socket_) {
    host_ = SocketAddress(fd_, /*peer=*/false);
    peer_ = SocketAddress(fd_, /*peer=*/true);
  }
  StartConnected(/*start_reading=*/true);
}

absl::StatusOr<std::unique_ptr<StreamConnection>> StreamConnection::Connect(
    Reactor* reactor, int family, const void* addr, size_t addr_len,
    const std::string& description, Protocol* protocol,
    ConnectFailed on_failed) {
  int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return ErrnoStatus(errno, absl::StrCat("socket for ", description));
  }
  std::unique_ptr<StreamConnection> connection(
      new StreamConnection(fd, reactor, protocol));
  connection->description_ = description;
  connection->on_failed_ = std::move(on_failed);
  int rc;
  do {
    rc = ::connect(fd, static_cast<const sockaddr*>(addr),
                   static_cast<socklen_t>(addr_len));
  } while (rc != 0 && errno == EINTR);
  if (rc == 0) {
    connection->Established();
  } else if (errno == EINPROGRESS) {
    connection->BeginConnecting();
    connection->StartWriting();  // Writable = the connect finished.
  } else {
    // The destructor closes fd; on_failed is not called for an error
    // returned here.
    return ErrnoStatus(errno, absl::StrCat("connect to ", description));
  }
  return connection;
}

absl::StatusOr<std::unique_ptr<StreamConnection>> StreamConnection::ConnectTcp(
    Reactor* reactor, const std::string& host, uint16_t port,
    Protocol* protocol, ConnectFailed on_failed) {
  sockaddr_storage storage;
  absl::StatusOr<socklen_t> len = InetSockaddr(host, port, &storage);
  if (!len.ok()) return len.status();
  return Connect(reactor, storage.ss_family, &storage, *len,
                 absl::StrCat(host, ":", port), protocol, std::move(on_failed));
}

absl::StatusOr<std::unique_ptr<StreamConnection>> StreamConnection::ConnectUnix(
    Reactor* reactor, const std::string& path, Protocol* protocol,
    ConnectFailed on_failed) {
  absl::StatusOr<sockaddr_un> addr = UnixSockaddr(path);
  if (!addr.ok()) return addr.status();
  return Connect(reactor, AF_UNIX, &*addr, sizeof(sockaddr_un), path, protocol,
                 std::move(on_failed));
}

absl::Status StreamConnection::DoRead() {
  if (fd_ < 0) return absl::OkStatus();
  return ReadChunk(fd_);
}

absl::Status StreamConnection::DoWrite() {
  if (connecting()) {
    int err = 0;
    socklen_t len = sizeof(err);
    if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err != 0) {
      return standin::ConnectionLost(absl::StrCat("connect to ", description_),
                                     err);
    }
    Established();  // Early writes are buffered: stay a writer.
  }
  return FileDescriptor::DoWrite();
}

absl::StatusOr<size_t> StreamConnection::WriteSomeData(
    absl::Span<const struct iovec> chunks) {
  if (write_end_ != nullptr) return WritevNonBlocking(write_fd_, chunks);
  return is_socket_ ? SendmsgNoSignal(fd_, chunks)
                    : WritevNonBlocking(fd_, chunks);
}

absl::Status StreamConnection::CloseWriteConnection() {
  if (write_end_ != nullptr) {
    // A pipe pair half-closes by closing its write end.
    if (write_fd_ >= 0) ::close(write_fd_);
    write_fd_ = -1;
    return absl::OkStatus();
  }
  if (!is_socket_) return ConnectionDone();
  if (::shutdown(fd_, SHUT_WR) != 0) {
    return standin::ConnectionLost("shutdown(SHUT_WR)", errno);
  }
  return absl::OkStatus();
}

void StreamConnection::CloseDescriptor() {
  if (fd_ >= 0 && is_socket_ && aborting()) {
    // Abort resets a TCP connection instead of closing it in order (as
    // Twisted does): SO_LINGER {on, 0 s} makes close() send RST.
    struct linger linger = {1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &linger, sizeof(linger));
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (write_fd_ >= 0) ::close(write_fd_);
  write_fd_ = -1;
}

void StreamConnection::HandleConnectionLost(const absl::Status& reason) {
  // Take what we need first: the protocol may destroy this connection.
  absl::AnyInvocable<void()> on_lost = std::move(on_lost_);
  on_lost_ = nullptr;
  if (made_) {
    FileDescriptor::HandleConnectionLost(reason);
  } else if (on_failed_ != nullptr) {
    ConnectFailed on_failed = std::move(on_failed_);
    on_failed_ = nullptr;
    on_failed(reason);
  }
  if (on_lost != nullptr) on_lost();
}

// --- StreamListener ----------------------------------------------------------

StreamListener::StreamListener(int fd, Reactor* reactor,
                               ProtocolFactory factory, Address host,
                               std::string unlink_path)
    : fd_(fd),
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
  int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return ErrnoStatus(errno, absl::StrCat("socket for ", description));
  }
  if (family != AF_UNIX) {
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  }
  if (::bind(fd, static_cast<const sockaddr*>(addr),
             static_cast<socklen_t>(addr_len)) != 0) {
    int err = errno;
    ::close(fd);
    return ErrnoStatus(err, absl::StrCat("cannot listen on ", description));
  }
  if (::listen(fd, backlog) != 0) {
    int err = errno;
    ::close(fd);
    if (!unlink_path.empty()) ::unlink(unlink_path.c_str());
    return ErrnoStatus(err, absl::StrCat("cannot listen on ", description));
  }
  Reserve();
  std::unique_ptr<StreamListener> listener(new StreamListener(
      fd, reactor, std::move(factory), SocketAddress(fd, /*peer=*/false),
      std::move(unlink_path)));
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
  if (fd_ < 0) return;
  reactor_->RemoveReader(this);
  ::close(fd_);
  fd_ = -1;
  if (!unlink_path_.empty()) ::unlink(unlink_path_.c_str());
}

void StreamListener::ConnectionLost(const absl::Status& reason) {
  std::fprintf(stderr, "StreamListener on %s stopped: %s\n",
               ToString(host_).c_str(), reason.ToString().c_str());
  StopListening();
}

absl::Status StreamListener::DoRead() {
  for (int i = 0; i < kMaxAcceptsPerTurn && fd_ >= 0; ++i) {
    int fd = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      if (err == EAGAIN || err == EWOULDBLOCK) break;
      if (err == EINTR || err == ECONNABORTED || err == EPROTO) continue;
      if (err == EMFILE || err == ENFILE) {
        // Out of descriptors: refuse this connection (closing it) rather
        // than leave it pending and spin on a readable listener. (accept()
        // says EMFILE before it looks at the queue, so this also ends the
        // loop once nothing is pending.)
        if (ShedOneConnection(fd_)) {
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
        factory_(SocketAddress(fd, /*peer=*/true));
    if (protocol == nullptr) {
      ::close(fd);
      continue;
    }
    auto it = entries_.insert(entries_.end(), Entry{});
    it->protocol = std::move(protocol);
    it->connection.reset(
        new StreamConnection(fd, reactor_, it->protocol.get()));
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

// --- SocketNetwork
// ------------------------------------------------------------

absl::StatusOr<std::unique_ptr<ListeningPort>> SocketNetwork::ListenTcp(
    uint16_t port, ProtocolFactory factory, const std::string& host,
    int backlog) {
  auto listener = StreamListener::ListenTcp(reactor_, port, std::move(factory),
                                            host, backlog);
  if (!listener.ok()) return listener.status();
  return std::unique_ptr<ListeningPort>(std::move(*listener));
}

absl::StatusOr<std::unique_ptr<ListeningPort>> SocketNetwork::ListenUnix(
    const std::string& path, ProtocolFactory factory, int backlog) {
  auto listener =
      StreamListener::ListenUnix(reactor_, path, std::move(factory), backlog);
  if (!listener.ok()) return listener.status();
  return std::unique_ptr<ListeningPort>(std::move(*listener));
}

absl::StatusOr<std::unique_ptr<Transport>> SocketNetwork::ConnectTcp(
    const std::string& host, uint16_t port, Protocol* protocol,
    ConnectFailed on_failed) {
  auto connection = StreamConnection::ConnectTcp(reactor_, host, port, protocol,
                                                 std::move(on_failed));
  if (!connection.ok()) return connection.status();
  return std::unique_ptr<Transport>(std::move(*connection));
}

absl::StatusOr<std::unique_ptr<Transport>> SocketNetwork::ConnectUnix(
    const std::string& path, Protocol* protocol, ConnectFailed on_failed) {
  auto connection = StreamConnection::ConnectUnix(reactor_, path, protocol,
                                                  std::move(on_failed));
  if (!connection.ok()) return connection.status();
  return std::unique_ptr<Transport>(std::move(*connection));
}

}  // namespace standin
