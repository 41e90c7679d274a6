#include "standin/transport/stream_connection.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "standin/transport/socket_address.h"
#include "standin/transport/status.h"

namespace standin {
namespace {

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

}  // namespace

StreamConnection::StreamConnection(UniqueFd fd, Reactor* reactor,
                                   Protocol* protocol)
    : FileDescriptor(reactor, protocol),
      fd_(std::move(fd)),
      is_socket_(IsSocket(fd_.get())) {
  set_eager_writes(true);
}

StreamConnection::~StreamConnection() {
  DetachFromReactor();
  CloseDescriptor();
}

absl::StatusOr<std::unique_ptr<StreamConnection>> StreamConnection::Adopt(
    int fd, Reactor* reactor, Protocol* protocol) {
  UniqueFd owned(fd);  // Closed on every error below.
  if (!owned.valid()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot adopt fd ", fd, ": not a descriptor"));
  }
  if (absl::Status status = MakeNonBlocking(fd); !status.ok()) return status;
  std::unique_ptr<StreamConnection> connection(
      new StreamConnection(std::move(owned), reactor, protocol));
  connection->Established();
  return connection;
}

absl::StatusOr<std::unique_ptr<StreamConnection>> StreamConnection::AdoptPipes(
    int read_fd, int write_fd, Reactor* reactor, Protocol* protocol) {
  // Both are closed on every error below; one fd passed as both, once.
  UniqueFd read_end(read_fd);
  UniqueFd write_end(write_fd != read_fd ? write_fd : -1);
  if (!read_end.valid() || !write_end.valid()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot adopt pipes (read fd ", read_fd, ", write fd ",
                     write_fd, "): need two distinct descriptors"));
  }
  for (int fd : {read_fd, write_fd}) {
    if (absl::Status status = MakeNonBlocking(fd); !status.ok()) return status;
  }
  std::unique_ptr<StreamConnection> connection(
      new StreamConnection(std::move(read_end), reactor, protocol));
  connection->write_fd_ = std::move(write_end);
  connection->write_end_ = std::make_unique<WriteEnd>(connection.get());
  connection->set_write_selectable(connection->write_end_.get());
  connection->Established();
  return connection;
}

void StreamConnection::Established() {
  made_ = true;
  if (is_socket_) {
    host_ = SocketAddress(fd_.get(), /*peer=*/false);
    peer_ = SocketAddress(fd_.get(), /*peer=*/true);
  }
  StartConnected(/*start_reading=*/true);
}

absl::StatusOr<std::unique_ptr<StreamConnection>> StreamConnection::Connect(
    Reactor* reactor, int family, const void* addr, size_t addr_len,
    const std::string& description, Protocol* protocol,
    ConnectFailed on_failed) {
  UniqueFd socket(
      ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!socket.valid()) {
    return ErrnoStatus(errno, absl::StrCat("socket for ", description));
  }
  const int fd = socket.get();
  std::unique_ptr<StreamConnection> connection(
      new StreamConnection(std::move(socket), reactor, protocol));
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
    // The connection's destructor closes the socket; on_failed is not
    // called for an error returned here.
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
  if (!fd_.valid()) return absl::OkStatus();
  return ReadChunk(fd_.get());
}

absl::Status StreamConnection::DoWrite() {
  if (connecting()) {
    int err = 0;
    socklen_t len = sizeof(err);
    if (::getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0)
      err = errno;
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
  if (write_end_ != nullptr) return WritevNonBlocking(write_fd_.get(), chunks);
  return is_socket_ ? SendmsgNoSignal(fd_.get(), chunks)
                    : WritevNonBlocking(fd_.get(), chunks);
}

void StreamConnection::LoseWriteConnection() {
  FileDescriptor::LoseWriteConnection();
}

absl::Status StreamConnection::CloseWriteConnection() {
  if (write_end_ != nullptr) {
    // A pipe pair half-closes by closing its write end (DoWrite() has
    // unregistered it from the reactor already).
    write_fd_.reset();
    return absl::OkStatus();
  }
  if (!is_socket_) return ConnectionDone();
  // A peer that is gone makes this fail (ENOTCONN); Twisted ignores it,
  // and so do we: the next read or write reports the real reason.
  (void)::shutdown(fd_.get(), SHUT_WR);
  return absl::OkStatus();
}

void StreamConnection::CloseDescriptor() {
  if (fd_.valid() && is_socket_ && aborting()) {
    // Abort resets a TCP connection instead of closing it in order (as
    // Twisted does): SO_LINGER {on, 0 s} makes close() send RST.
    struct linger linger = {1, 0};
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_LINGER, &linger, sizeof(linger));
  }
  fd_.reset();
  write_fd_.reset();
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

}  // namespace standin
