// StreamConnection: a real connected byte-stream transport over a socket (or
// a bidirectional descriptor, or a pair of pipes), built on FileDescriptor;
// StreamListener, which accepts connections and gives each a Protocol from a
// factory; and StreamNetwork, the listen/connect interface that
// SocketNetwork implements for real and testutil's MemoryReactor records.
//
// The protocol written against StringTransport runs here unchanged:
// DataReceived() with whatever the kernel delivered, ConnectionLost() once
// with ConnectionDone() on EOF or our own LoseConnection(), ConnectionLost
// with the errno (e.g. ECONNRESET) on a reset, ConnectionAborted() after
// AbortConnection() (which resets a TCP connection, as Twisted does, so the
// peer sees ECONNRESET rather than a clean EOF). Writing to a peer that has
// gone never raises SIGPIPE.
//
// Example:
//
//   standin::EpollReactor reactor;
//   auto listener = standin::StreamListener::ListenTcp(
//       &reactor, 0, [](const standin::Address&) {
//         return std::make_unique<Echo>();
//       });
//   uint16_t port = std::get<standin::IPv4Address>(
//       (*listener)->GetHost()).port;
//   Client client;
//   auto conn = standin::StreamConnection::ConnectTcp(
//       &reactor, "127.0.0.1", port, &client);
//   while (!client.done()) reactor.RunOnce(absl::Seconds(1)).IgnoreError();
#ifndef STANDIN_TRANSPORT_STREAM_CONNECTION_H_
#define STANDIN_TRANSPORT_STREAM_CONNECTION_H_

#include <cstdint>
#include <list>
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

namespace standin {

// Builds the protocol for an accepted connection from `peer`; nullptr
// refuses it (the socket is closed at once).
using ProtocolFactory =
    absl::AnyInvocable<std::unique_ptr<Protocol>(const Address& peer)>;

// Called when an outgoing connection cannot be established; the protocol
// is never connected, so it hears nothing.
using ConnectFailed = absl::AnyInvocable<void(const absl::Status&)>;

// A listening endpoint (Twisted's IListeningPort).
class ListeningPort {
 public:
  virtual ~ListeningPort() = default;
  // The bound address (with the real port when 0 was asked for).
  virtual Address GetHost() const = 0;
  // Stops accepting (idempotent); accepted connections stay up.
  virtual void StopListening() = 0;
};

class StreamConnection : public FileDescriptor {
 public:
  using ConnectFailed = ::standin::ConnectFailed;

  // Takes ownership of the connected descriptor `fd` (a connected or
  // accepted socket, one end of a socketpair(), or any bidirectional stream
  // fd), makes it non-blocking and close-on-exec, and connects `protocol`
  // (MakeConnection() runs inside this call). On error `fd` is closed and
  // the status names it.
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
  // first (connecting() is true meanwhile). InvalidArgument for a host that is
  // not a literal; an errno status if the connect fails at once; a failure
  // found later goes to `on_failed`.
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

  int fileno() const override { return fd_; }
  // One read (up to kReadChunkSize bytes) into the protocol.
  absl::Status DoRead() override;
  // Completes a pending connect, then flushes as FileDescriptor does.
  absl::Status DoWrite() override;
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
  // shutdown(SHUT_WR) on a socket; a non-socket cannot half-close, so the
  // connection ends with ConnectionDone().
  absl::Status CloseWriteConnection() override;
  void CloseDescriptor() override;
  void HandleConnectionLost(const absl::Status& reason) override;

 private:
  friend class StreamListener;
  StreamConnection(int fd, Reactor* reactor, Protocol* protocol);
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
    int fileno() const override { return owner_->write_fd_; }
    absl::Status DoWrite() override { return owner_->DoWrite(); }
    void ConnectionLost(const absl::Status& reason) override {
      owner_->ConnectionLost(reason);
    }

   private:
    StreamConnection* owner_;
  };

  int fd_;
  int write_fd_ = -1;  // A pipe pair's write end; -1: write to fd_.
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

// A listening socket. Each accepted connection gets a Protocol from the
// factory; the listener owns both and frees them on a later reactor turn
// after the connection is lost.
class StreamListener : public Selectable, public ListeningPort {
 public:
  using ProtocolFactory = ::standin::ProtocolFactory;

  // Listens on `host`:`port` (port 0 picks a free one; see GetHost()).
  static absl::StatusOr<std::unique_ptr<StreamListener>> ListenTcp(
      Reactor* reactor, uint16_t port, ProtocolFactory factory,
      const std::string& host = "127.0.0.1", int backlog = 50);
  // Listens on a UNIX-domain path; AlreadyExists-style errno status if the
  // path is taken. The path is unlinked when the listener stops.
  static absl::StatusOr<std::unique_ptr<StreamListener>> ListenUnix(
      Reactor* reactor, const std::string& path, ProtocolFactory factory,
      int backlog = 50);

  // Stops listening; open connections are closed without telling their
  // protocols.
  ~StreamListener() override;

  // Stops accepting and closes the listening socket (idempotent); open
  // connections stay up.
  void StopListening() override;

  int fileno() const override { return fd_; }
  // Accepts every pending connection (up to a bound per turn). Out of
  // descriptors (EMFILE/ENFILE), a pending connection is accepted through a
  // descriptor held in reserve and closed at once (Twisted's _reservedFD),
  // so the peer learns and the loop does not spin; see refused_count().
  // (The reserve, /dev/null opened at the first listen, stays open for the
  // life of the process.)
  absl::Status DoRead() override;
  // accept() failed for good: stop listening.
  void ConnectionLost(const absl::Status& reason) override;
  // The bound address (IPv4Address with the real port, or UnixAddress).
  Address GetHost() const override { return host_; }
  // Connections accepted and not yet lost.
  size_t connection_count() const { return live_; }
  // Connections accepted so far.
  size_t accepted_count() const { return accepted_; }
  // Connections closed unserved because we were out of descriptors.
  size_t refused_count() const { return refused_; }

 private:
  struct Entry {
    std::unique_ptr<Protocol> protocol;
    std::unique_ptr<StreamConnection> connection;
  };
  StreamListener(int fd, Reactor* reactor, ProtocolFactory factory,
                 Address host, std::string unlink_path);
  static absl::StatusOr<std::unique_ptr<StreamListener>> Listen(
      Reactor* reactor, int family, const void* addr, size_t addr_len,
      const std::string& description, ProtocolFactory factory, int backlog,
      std::string unlink_path);

  int fd_;
  Reactor* reactor_;
  ProtocolFactory factory_;
  Address host_;
  std::string unlink_path_;
  std::list<Entry> entries_;
  size_t live_ = 0;
  size_t accepted_ = 0;
  size_t refused_ = 0;
  // Reaping lost connections on a later turn; cancelled on destruction.
  std::list<DelayedCall> reapers_;
};

// Opening connections and listening (Twisted's IReactorTCP + IReactorUNIX)
// as an interface, so code that does it can be handed SocketNetwork for real
// and testutil's MemoryReactor (which records the calls) in a unit test.
//
//   absl::Status Serve(standin::StreamNetwork& network) {
//     auto port = network.ListenTcp(8080, [](const standin::Address&) {
//       return std::make_unique<LineServer>();
//     });
//     if (!port.ok()) return port.status();
//     ...
//   }
//   // Real: standin::SocketNetwork network(&reactor);  Serve(network);
//   // Test: MemoryReactor reactor;  Serve(reactor);
//   //       EXPECT_EQ(reactor.tcp_servers()[0].port, 8080);
class StreamNetwork {
 public:
  virtual ~StreamNetwork() = default;
  virtual absl::StatusOr<std::unique_ptr<ListeningPort>> ListenTcp(
      uint16_t port, ProtocolFactory factory,
      const std::string& host = "127.0.0.1", int backlog = 50) = 0;
  virtual absl::StatusOr<std::unique_ptr<ListeningPort>> ListenUnix(
      const std::string& path, ProtocolFactory factory, int backlog = 50) = 0;
  // The returned transport is the connection; `protocol` is connected to
  // it once the connection is established.
  virtual absl::StatusOr<std::unique_ptr<Transport>> ConnectTcp(
      const std::string& host, uint16_t port, Protocol* protocol,
      ConnectFailed on_failed = nullptr) = 0;
  virtual absl::StatusOr<std::unique_ptr<Transport>> ConnectUnix(
      const std::string& path, Protocol* protocol,
      ConnectFailed on_failed = nullptr) = 0;
};

// The real StreamNetwork: StreamListener and StreamConnection on `reactor`.
class SocketNetwork : public StreamNetwork {
 public:
  explicit SocketNetwork(Reactor* reactor) : reactor_(reactor) {}
  absl::StatusOr<std::unique_ptr<ListeningPort>> ListenTcp(
      uint16_t port, ProtocolFactory factory,
      const std::string& host = "127.0.0.1", int backlog = 50) override;
  absl::StatusOr<std::unique_ptr<ListeningPort>> ListenUnix(
      const std::string& path, ProtocolFactory factory,
      int backlog = 50) override;
  absl::StatusOr<std::unique_ptr<Transport>> ConnectTcp(
      const std::string& host, uint16_t port, Protocol* protocol,
      ConnectFailed on_failed = nullptr) override;
  absl::StatusOr<std::unique_ptr<Transport>> ConnectUnix(
      const std::string& path, Protocol* protocol,
      ConnectFailed on_failed = nullptr) override;

 private:
  Reactor* reactor_;
};

// The address of socket `fd`'s own end (peer = false) or the other end, for
// AF_INET, AF_INET6 and AF_UNIX; UnixAddress{""} for anything else.
Address SocketAddress(int fd, bool peer);

}  // namespace standin

#endif  // STANDIN_TRANSPORT_STREAM_CONNECTION_H_
