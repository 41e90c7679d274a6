// SocketNetwork: the real StreamNetwork (stream_network.h), listening with
// StreamListener and connecting with StreamConnection on a reactor. Code
// written against StreamNetwork gets this in production and testutil's
// MemoryReactor in a unit test.
//
// Example:
//
//   standin::EpollReactor reactor;
//   standin::SocketNetwork network(&reactor);
//   absl::Status served = Serve(network);  // Serve(StreamNetwork&)
//   reactor.Run();
#ifndef STANDIN_TRANSPORT_SOCKET_NETWORK_H_
#define STANDIN_TRANSPORT_SOCKET_NETWORK_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "standin/transport/interfaces.h"
#include "standin/transport/listening_port.h"
#include "standin/transport/protocol_factory.h"
#include "standin/transport/reactor.h"
#include "standin/transport/stream_network.h"

namespace standin {

class SocketNetwork : public StreamNetwork {
 public:
  // `reactor` must outlive everything this opens.
  explicit SocketNetwork(Reactor* reactor) : reactor_(reactor) {}

 protected:
  // A StreamListener.
  absl::StatusOr<std::unique_ptr<ListeningPort>> DoListenTcp(
      uint16_t port, ProtocolFactory factory, const std::string& host,
      int backlog) override;
  absl::StatusOr<std::unique_ptr<ListeningPort>> DoListenUnix(
      const std::string& path, ProtocolFactory factory, int backlog) override;
  // A StreamConnection.
  absl::StatusOr<std::unique_ptr<Transport>> DoConnectTcp(
      const std::string& host, uint16_t port, Protocol* protocol,
      ConnectFailed on_failed) override;
  absl::StatusOr<std::unique_ptr<Transport>> DoConnectUnix(
      const std::string& path, Protocol* protocol,
      ConnectFailed on_failed) override;

 private:
  Reactor* reactor_;
};

}  // namespace standin

#endif  // STANDIN_TRANSPORT_SOCKET_NETWORK_H_
