// ProtocolFactory: how a listening port gets a Protocol for each connection
// it accepts (Twisted's IProtocolFactory.buildProtocol, as a callable).
//
// The factory sees the peer's address and returns a fresh protocol, which
// the port then owns for the life of the connection; returning nullptr
// refuses the connection (the socket is closed at once).
//
// Example:
//
//   standin::ProtocolFactory factory = [](const standin::Address& peer)
//       -> std::unique_ptr<standin::Protocol> {
//     if (IsBlocked(peer)) return nullptr;  // Refused.
//     return std::make_unique<Echo>();
//   };
//   auto port = network.ListenTcp(8080, std::move(factory));
#ifndef STANDIN_TRANSPORT_PROTOCOL_FACTORY_H_
#define STANDIN_TRANSPORT_PROTOCOL_FACTORY_H_

#include <memory>

#include "absl/functional/any_invocable.h"
#include "standin/transport/address.h"
#include "standin/transport/interfaces.h"

namespace standin {

// Builds the protocol for an accepted connection from `peer`; nullptr
// refuses it.
using ProtocolFactory =
    absl::AnyInvocable<std::unique_ptr<Protocol>(const Address& peer)>;

}  // namespace standin

#endif  // STANDIN_TRANSPORT_PROTOCOL_FACTORY_H_
