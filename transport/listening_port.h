// ListeningPort: an endpoint that accepts connections (Twisted's
// IListeningPort), as the StreamNetwork interface hands it out.
//
// The real one is StreamListener (a listening socket); testutil's
// MemoryReactor returns a recording fake. Either way the caller owns it:
// destroying it stops listening.
//
// Example:
//
//   absl::StatusOr<std::unique_ptr<standin::ListeningPort>> port =
//       network.ListenTcp(0, factory);
//   if (!port.ok()) return port.status();
//   uint16_t number = std::get<standin::IPv4Address>((*port)->GetHost()).port;
//   ...
//   (*port)->StopListening();  // Accepted connections stay up.
#ifndef STANDIN_TRANSPORT_LISTENING_PORT_H_
#define STANDIN_TRANSPORT_LISTENING_PORT_H_

#include "standin/transport/address.h"

namespace standin {

class ListeningPort {
 public:
  virtual ~ListeningPort() = default;
  // The bound address (with the real port when 0 was asked for).
  virtual Address GetHost() const = 0;
  // Stops accepting (idempotent); accepted connections stay up.
  virtual void StopListening() = 0;
};

}  // namespace standin

#endif  // STANDIN_TRANSPORT_LISTENING_PORT_H_
