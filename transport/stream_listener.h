// StreamListener: a listening TCP or UNIX-domain socket (Twisted's tcp.Port
// / unix.Port). Each accepted connection becomes a StreamConnection with a
// Protocol from the factory; the listener owns both and frees them on a
// later reactor turn after the connection is lost.
//
// Reading starts on an accepted connection before its protocol hears
// ConnectionMade(), so a protocol that pauses its transport there stays
// paused (as in Twisted). Out of descriptors, a pending connection is
// closed rather than left to spin the loop (see DoRead()).
//
// Example:
//
//   standin::EpollReactor reactor;
//   auto listener = standin::StreamListener::ListenTcp(
//       &reactor, 0, [](const standin::Address&) {
//         return std::make_unique<Echo>();
//       });
//   if (!listener.ok()) return listener.status();
//   uint16_t port = std::get<standin::IPv4Address>(
//       (*listener)->GetHost()).port;
//   reactor.Run();
#ifndef STANDIN_TRANSPORT_STREAM_LISTENER_H_
#define STANDIN_TRANSPORT_STREAM_LISTENER_H_

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "standin/transport/address.h"
#include "standin/transport/interfaces.h"
#include "standin/transport/listening_port.h"
#include "standin/transport/protocol_factory.h"
#include "standin/transport/reactor.h"
#include "standin/transport/stream_connection.h"
#include "standin/transport/timer_queue.h"
#include "standin/transport/unique_fd.h"

namespace standin {

class StreamListener : public Selectable, public ListeningPort {
 public:
  using ProtocolFactory = ::standin::ProtocolFactory;

  // Listens on `host`:`port` (port 0 picks a free one; see GetHost()).
  // InvalidArgument for a host that is not an IPv4/IPv6 literal.
  static absl::StatusOr<std::unique_ptr<StreamListener>> ListenTcp(
      Reactor* reactor, uint16_t port, ProtocolFactory factory,
      const std::string& host = "127.0.0.1", int backlog = 50);
  // Listens on a UNIX-domain path; EADDRINUSE-style errno status naming it
  // if the path is taken. The path is unlinked when the listener stops.
  static absl::StatusOr<std::unique_ptr<StreamListener>> ListenUnix(
      Reactor* reactor, const std::string& path, ProtocolFactory factory,
      int backlog = 50);

  // Stops listening; open connections are closed without telling their
  // protocols.
  ~StreamListener() override;

  // Stops accepting and closes the listening socket (idempotent); open
  // connections stay up.
  void StopListening() override;

  int fileno() const override { return fd_.get(); }
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
  StreamListener(UniqueFd fd, Reactor* reactor, ProtocolFactory factory,
                 Address host, std::string unlink_path);
  static absl::StatusOr<std::unique_ptr<StreamListener>> Listen(
      Reactor* reactor, int family, const void* addr, size_t addr_len,
      const std::string& description, ProtocolFactory factory, int backlog,
      std::string unlink_path);

  UniqueFd fd_;
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

}  // namespace standin

#endif  // STANDIN_TRANSPORT_STREAM_LISTENER_H_
