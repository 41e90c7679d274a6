#include "standin/transport/socket_network.h"

#include <utility>

#include "standin/transport/stream_connection.h"
#include "standin/transport/stream_listener.h"

namespace standin {

absl::StatusOr<std::unique_ptr<ListeningPort>> SocketNetwork::DoListenTcp(
    uint16_t port, ProtocolFactory factory, const std::string& host,
    int backlog) {
  auto listener = StreamListener::ListenTcp(reactor_, port, std::move(factory),
                                            host, backlog);
  if (!listener.ok()) return listener.status();
  return std::unique_ptr<ListeningPort>(std::move(*listener));
}

absl::StatusOr<std::unique_ptr<ListeningPort>> SocketNetwork::DoListenUnix(
    const std::string& path, ProtocolFactory factory, int backlog) {
  auto listener =
      StreamListener::ListenUnix(reactor_, path, std::move(factory), backlog);
  if (!listener.ok()) return listener.status();
  return std::unique_ptr<ListeningPort>(std::move(*listener));
}

absl::StatusOr<std::unique_ptr<Transport>> SocketNetwork::DoConnectTcp(
    const std::string& host, uint16_t port, Protocol* protocol,
    ConnectFailed on_failed) {
  auto connection = StreamConnection::ConnectTcp(reactor_, host, port, protocol,
                                                 std::move(on_failed));
  if (!connection.ok()) return connection.status();
  return std::unique_ptr<Transport>(std::move(*connection));
}

absl::StatusOr<std::unique_ptr<Transport>> SocketNetwork::DoConnectUnix(
    const std::string& path, Protocol* protocol, ConnectFailed on_failed) {
  auto connection = StreamConnection::ConnectUnix(reactor_, path, protocol,
                                                  std::move(on_failed));
  if (!connection.ok()) return connection.status();
  return std::unique_ptr<Transport>(std::move(*connection));
}

}  // namespace standin
