// StreamConnection: a real connected byte-stream transport over a socket (a
// TCP or UNIX-domain connection, one end of a socketpair), any bidirectional
// stream descriptor, or a pair of pipes, built on FileDescriptor.
//
// The protocol written against StringTransport runs here unchanged:
// DataReceived() with whatever the kernel delivered, ConnectionLost() once
// with ConnectionDone() on EOF or our own LoseConnection(), ConnectionLost
// with the errno (e.g. ECONNRESET) on a reset, ConnectionAborted() after
// AbortConnection() (which resets a TCP connection, as Twisted does, so the
// peer sees ECONNRESET rather than a clean EOF). Writing to a peer that has
// gone never raises SIGPIPE.
//
// It is a HalfCloseableTransport: LoseWriteConnection() flushes, then shuts
// the sending direction (shutdown(SHUT_WR), or closes a pipe pair's write
// end), so the peer reads EOF while we go on reading. A
// HalfCloseableProtocol hears ReadConnectionLost() on the peer's EOF (and may
// go on writing) and WriteConnectionLost() once our side is shut; when both
// are done the connection closes and ConnectionLost(ConnectionDone())
// follows. A plain Protocol hears ConnectionLost(ConnectionDone()) on EOF.
//
// Listening is StreamListener (stream_listener.h); the StreamNetwork
// interface over both is SocketNetwork (socket_network.h).
//
// Example:
//
//   standin::EpollReactor reactor;
//   Client client;  // a Protocol
//   auto conn = standin::StreamConnection::ConnectTcp(
//       &reactor, "127.0.0.1", port, &client);
//   if (!conn.ok()) return conn.status();
//   (*conn)->Write("GET / HTTP/1.0\r\n\r\n");
//   (*conn)->LoseWriteConnection();  // The request is complete.
//   while (!client.done()) (void)reactor.RunOnce(absl::Seconds(1));
#ifndef STANDIN_TRANSPORT_STREAM_CONNECTION_H_
#define STANDIN_TRANSPORT_STREAM_CONNECTION_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "standin/transport/address.h"
#include "standin/transport/file_descriptor.h"
#include "standin/transport/interfaces.h"
#include "standin/transport/reactor.h"
#include "standin/transport/stream_network.h"
#include "standin/transport/unique_fd.h"

namespace standin {

class StreamListener;

class StreamConnection : public FileDescriptor, public HalfCloseableTransport {
 public:
  using ConnectFailed = ::standin::ConnectFailed;

  // Takes ownership of the connected descriptor `fd` (a connected or
  // accepted socket, one end of a socketpair(), or any bidirectional stream
  // fd), makes it non-blocking and close-on-exec, and connects `protocol`
  // (MakeConnection() runs inside this call, after reading has started). On
  // error `fd` is closed and the status names it.
  static absl::StatusOr<std::unique_ptr<StreamConnection>> Adopt(
      int fd, Reactor* reactor, Protocol* protocol);

  // Like Adopt() for a pair of one-way descriptors (two pipes: one we read,
  // one we write), which together act as one connection. LoseWriteConnection()
  // closes `write_fd` (the peer reads EOF); everything else is as for a
  // socket. Takes ownership of both, closing both on error.
  static absl::StatusOr<std::unique_ptr<StreamConnection>> AdoptPipes(
      int read_fd, int write_fd, Reactor* reactor, Protocol* protocol);

  // Starts a non-blocking connect to `host` (an IPv4 or IPv6 literal; no
  // name lookup) on `port`. The protocol is connected once the connect
  // completes, in a later reactor turn or (when the kernel finishes at
  // once) inside this call. Writes made before then are buffered and sent
  // first (connecting() is true meanwhile). InvalidArgument for a host that
  // is not a literal; an errno status if the connect fails at once; a
  // failure found later goes to `on_failed`.
  static absl::StatusOr<std::unique_ptr<StreamConnection>> ConnectTcp(
      Reactor* reactor, const std::string& host, uint16_t port,
      Protocol* protocol, ConnectFailed on_failed = nullptr);
  // Same for a UNIX-domain stream socket at `path`.
  static absl::StatusOr<std::unique_ptr<StreamConnection>> ConnectUnix(
      Reactor* reactor, const std::string& path, Protocol* protocol,
      ConnectFailed on_failed = nullptr);

  // Closes the descriptor if still open. The protocol is not told: destroy
  // a connection only when you no longer care about it, or after
  // ConnectionLost().
  ~StreamConnection() override;

  int fileno() const override { return fd_.get(); }
  // One read (up to kReadChunkSize bytes) into the protocol; EOF is
  // ReadConnectionLost() (see above).
  absl::Status DoRead() override;
  // Completes a pending connect, then flushes as FileDescriptor does.
  absl::Status DoWrite() override;
  // HalfCloseableTransport: FileDescriptor::LoseWriteConnection().
  void LoseWriteConnection() override;
  // Our end and the peer's end, as the socket reports them (UnixAddress{""}
  // for an unnamed socket or a descriptor that is not a socket). Captured
  // when the connection is made, so they stay valid after it is lost.
  Address GetHost() const override { return host_; }
  Address GetPeer() const override { return peer_; }

  // The descriptor is a socket (shutdown() and MSG_NOSIGNAL apply).
  bool is_socket() const { return is_socket_; }

 protected:
  absl::StatusOr<size_t> WriteSomeData(
      absl::Span<const struct iovec> chunks) override;
  // shutdown(SHUT_WR) on a socket (an error, e.g. a peer that reset, is
  // ignored as in Twisted: the next read reports it); a pipe pair closes
  // its write end; any other descriptor cannot half-close, so the
  // connection ends with ConnectionDone().
  absl::Status CloseWriteConnection() override;
  void CloseDescriptor() override;
  void HandleConnectionLost(const absl::Status& reason) override;

 private:
  friend class StreamListener;
  StreamConnection(UniqueFd fd, Reactor* reactor, Protocol* protocol);
  // Records addresses and connects the protocol.
  void Established();
  static absl::StatusOr<std::unique_ptr<StreamConnection>> Connect(
      Reactor* reactor, int family, const void* addr, size_t addr_len,
      const std::string& description, Protocol* protocol,
      ConnectFailed on_failed);

  // The write end of a pipe pair, as the reactor sees it.
  class WriteEnd : public Selectable {
   public:
    explicit WriteEnd(StreamConnection* owner) : owner_(owner) {}
    int fileno() const override { return owner_->write_fd_.get(); }
    absl::Status DoWrite() override { return owner_->DoWrite(); }
    void ConnectionLost(const absl::Status& reason) override {
      owner_->ConnectionLost(reason);
    }

   private:
    StreamConnection* owner_;
  };

  UniqueFd fd_;
  UniqueFd write_fd_;  // A pipe pair's write end; none: write to fd_.
  std::unique_ptr<WriteEnd> write_end_;
  bool is_socket_ = false;
  bool made_ = false;        // The protocol was connected.
  std::string description_;  // For connect errors: "127.0.0.1:80".
  ConnectFailed on_failed_;
  Address host_ = UnixAddress{};
  Address peer_ = UnixAddress{};
  // Set by StreamListener: runs after the protocol heard ConnectionLost().
  absl::AnyInvocable<void()> on_lost_;
};

}  // namespace standin

#endif  // STANDIN_TRANSPORT_STREAM_CONNECTION_H_
