// LoopbackPump: a client and a server Protocol connected through two
// in-memory transports, with bytes moving only when the test calls Pump()
// (Twisted's iosim connect()/IOPump, with FileDescriptor's producer and
// close semantics so the pair behaves like a real socket).
//
// Each side's transport is a LoopbackTransport: a StringTransport (lenient)
// whose written bytes the pump delivers to the other protocol. A round of
// Pump() sends what each side wrote into flight (up to kernel_buffer_size
// per direction, like the kernels' socket buffers) and delivers what is in
// flight (unless the receiving protocol paused its transport), pauses a
// streaming producer as soon as its undelivered bytes exceed buffer_size
// (inside the Write() that crossed the mark, as FileDescriptor does) and
// resumes it once they are delivered, resumes a pull producer each time its
// bytes drain, and completes LoseConnection() (after the flush and once no
// producer is registered), LoseWriteConnection() (the peer reads EOF) and
// AbortConnection() (buffered bytes dropped). A side that reads EOF closes, as
// a FileDescriptor does; every protocol hears ConnectionLost() exactly once:
// ConnectionDone() after a clean close, ConnectionAborted() on the aborting
// side.
//
// Example:
//
//   EchoServer server;
//   Client client;
//   standin::testutil::LoopbackPump pump(&client, &server);
//   client.transport()->Write("ping");
//   pump.Flush();                       // until nothing moves
//   EXPECT_EQ(client.received(), "ping");
//   client.transport()->LoseConnection();
//   pump.Flush();
//   EXPECT_TRUE(standin::IsConnectionDone(server.reason()));
#ifndef STANDIN_TESTUTIL_LOOPBACK_PUMP_H_
#define STANDIN_TESTUTIL_LOOPBACK_PUMP_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "standin/transport/address.h"
#include "standin/transport/interfaces.h"
#include "standin/transport/string_transport.h"

namespace standin::testutil {

class LoopbackPump;

// One end of a LoopbackPump connection. Value() holds the bytes written
// since the last Pump() round; each round the pump takes them (Clear()s it)
// into this side's send buffer, from which they cross to the peer.
class LoopbackTransport : public StringTransport {
 public:
  // Writes are dropped once the connection is lost or the write side has
  // been closed (as FileDescriptor drops them).
  void Write(std::string_view data) override;
  void WriteSequence(absl::Span<const std::string_view> chunks) override;
  // Also resumes a pull producer at once, as FileDescriptor does.
  absl::Status RegisterProducer(Producer* producer, bool streaming) override;
  // A no-op without a producer (FileDescriptor's leniency, not
  // StringTransport's death).
  void UnregisterProducer() override;
  // Also LoseConnection(), as FileDescriptor does.
  void StopProducing() override;
  // Half-close: once the bytes written so far are delivered, the peer reads
  // EOF; later writes are dropped.
  void LoseWriteConnection();

  // Bytes written and not yet sent into flight: what buffer_size is
  // compared with.
  size_t user_pending() const {
    return Value().size() + (outbox_.size() - outbox_offset_);
  }
  // Bytes sent toward the peer and not yet read by it.
  size_t in_flight() const { return in_flight_.size(); }

  // ConnectionLost() has been delivered to this side's protocol.
  bool lost() const { return lost_; }
  bool write_closed() const { return write_closed_; }

 private:
  friend class LoopbackPump;
  explicit LoopbackTransport(Options options)
      : StringTransport(std::move(options)) {}

  // Pauses a streaming producer as soon as more than buffer_size_ bytes
  // wait (inside the Write() that crossed it, as FileDescriptor does).
  void MaybePauseProducer();

  size_t buffer_size_ = 64 * 1024;
  std::string outbox_;        // Taken from Value(), not yet in flight.
  size_t outbox_offset_ = 0;  // Bytes of outbox_ already in flight.
  std::string in_flight_;     // "In the kernel": sent, not yet read.
  bool lost_ = false;
  bool write_closing_ = false;
  bool write_closed_ = false;
  bool eof_pending_ = false;             // The peer will send no more.
  bool drained_ = false;                 // Bytes were delivered this round.
  Producer* paused_producer_ = nullptr;  // Streaming producer we paused.
};

class LoopbackPump {
 public:
  struct Options {
    // The client's host and the server's peer.
    Address client_address =
        IPv4Address{IPv4Address::Kind::kTcp, "192.168.1.1", 54321};
    // The server's host and the client's peer.
    Address server_address =
        IPv4Address{IPv4Address::Kind::kTcp, "10.0.0.1", 12345};
    // A streaming producer is paused once more than this many written bytes
    // wait on its transport (FileDescriptor's default).
    size_t buffer_size = 64 * 1024;
    // Bytes in flight per direction: what the kernels' socket buffers hold
    // between a send and the peer's read. A side's LoseConnection()
    // completes once its bytes are in flight, even if the peer is not
    // reading; a paused reader lets this fill, then the writer's own buffer
    // grows and its producer is paused.
    size_t kernel_buffer_size = 256 * 1024;
  };

  // Connects the server first, then the client (MakeConnection on each),
  // as Twisted's iosim does. Both protocols must outlive the pump.
  LoopbackPump(Protocol* client, Protocol* server);
  LoopbackPump(Protocol* client, Protocol* server, Options options);
  LoopbackPump(const LoopbackPump&) = delete;
  LoopbackPump& operator=(const LoopbackPump&) = delete;

  // One round (see the file comment). Returns whether anything happened.
  bool Pump();
  // Pump() until nothing happens; dies after `max_rounds` busy rounds (a
  // protocol that writes on every delivery forever).
  void Flush(size_t max_rounds = 100000);

  LoopbackTransport& client_transport() { return client_transport_; }
  LoopbackTransport& server_transport() { return server_transport_; }

 private:
  struct Side {
    LoopbackTransport* transport;
    Protocol* protocol;
  };
  bool Abort(Side self, Side peer);
  // Moves written bytes into flight, as far as kernel_buffer_size allows.
  bool Send(Side self, Side peer);
  bool Deliver(Side from, Side to);
  bool Producers(Side self);
  bool Close(Side self, Side peer);
  bool ReadEof(Side self, Side peer);
  // Ends `self`: stops its producer, tells its protocol, tells the peer EOF.
  void Lose(Side self, Side peer, const absl::Status& reason);

  Options options_;
  LoopbackTransport client_transport_;
  LoopbackTransport server_transport_;
  Side client_;
  Side server_;
};

}  // namespace standin::testutil

#endif  // STANDIN_TESTUTIL_LOOPBACK_PUMP_H_
