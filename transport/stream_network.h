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

class StreamNetwork {
 public:
  virtual ~StreamNetwork() = default;
  // Listens on `host`:`port` (port 0 picks a free one; see GetHost()).
  virtual absl::StatusOr<std::unique_ptr<ListeningPort>> ListenTcp(
      uint16_t port, ProtocolFactory factory,
      const std::string& host = "127.0.0.1", int backlog = 50) = 0;
  // Listens on a UNIX-domain path.
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

}  // namespace standin

#endif  // STANDIN_TRANSPORT_STREAM_NETWORK_H_
