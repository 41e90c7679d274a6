// StreamNetwork: opening connections and listening (Twisted's IReactorTCP
// + IReactorUNIX) as an interface, so code that does it can be handed
// SocketNetwork (socket_network.h) for real and testutil's MemoryReactor,
// which records the calls, in a unit test. This header is the interface
// alone: depending on it links no socket code.
//
// Example:
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
#ifndef STANDIN_TRANSPORT_STREAM_NETWORK_H_
#define STANDIN_TRANSPORT_STREAM_NETWORK_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "standin/transport/interfaces.h"
#include "standin/transport/listening_port.h"
#include "standin/transport/protocol_factory.h"

namespace standin {

// Called when an outgoing connection cannot be established; the protocol
// is never connected, so it hears nothing.
using ConnectFailed = absl::AnyInvocable<void(const absl::Status&)>;

// The public calls are not virtual and fill in Twisted's defaults
// (127.0.0.1, a backlog of 50, no failure callback); an implementation
// overrides the four Do*() forms, which always receive every argument. So
// callers see one set of overloads on every implementation, and no
// implementation has to re-export the short forms that its overrides would
// otherwise hide.
class StreamNetwork {
 public:
  static constexpr char kDefaultHost[] = "127.0.0.1";
  static constexpr int kDefaultBacklog = 50;

  virtual ~StreamNetwork() = default;

  // Listens on `host`:`port` (port 0 picks a free one; see GetHost()).
  absl::StatusOr<std::unique_ptr<ListeningPort>> ListenTcp(
      uint16_t port, ProtocolFactory factory,
      const std::string& host = kDefaultHost, int backlog = kDefaultBacklog) {
    return DoListenTcp(port, std::move(factory), host, backlog);
  }
  // Listens on a UNIX-domain path.
  absl::StatusOr<std::unique_ptr<ListeningPort>> ListenUnix(
      const std::string& path, ProtocolFactory factory,
      int backlog = kDefaultBacklog) {
    return DoListenUnix(path, std::move(factory), backlog);
  }
  // The returned transport is the connection; `protocol` is connected to
  // it once the connection is established, and `on_failed` (if set) hears
  // a failure found after this returns.
  absl::StatusOr<std::unique_ptr<Transport>> ConnectTcp(
      const std::string& host, uint16_t port, Protocol* protocol,
      ConnectFailed on_failed = nullptr) {
    return DoConnectTcp(host, port, protocol, std::move(on_failed));
  }
  absl::StatusOr<std::unique_ptr<Transport>> ConnectUnix(
      const std::string& path, Protocol* protocol,
      ConnectFailed on_failed = nullptr) {
    return DoConnectUnix(path, protocol, std::move(on_failed));
  }

 protected:
  virtual absl::StatusOr<std::unique_ptr<ListeningPort>> DoListenTcp(
      uint16_t port, ProtocolFactory factory, const std::string& host,
      int backlog) = 0;
  virtual absl::StatusOr<std::unique_ptr<ListeningPort>> DoListenUnix(
      const std::string& path, ProtocolFactory factory, int backlog) = 0;
  virtual absl::StatusOr<std::unique_ptr<Transport>> DoConnectTcp(
      const std::string& host, uint16_t port, Protocol* protocol,
      ConnectFailed on_failed) = 0;
  virtual absl::StatusOr<std::unique_ptr<Transport>> DoConnectUnix(
      const std::string& path, Protocol* protocol, ConnectFailed on_failed) = 0;
};

}  // namespace standin

#endif  // STANDIN_TRANSPORT_STREAM_NETWORK_H_
