// LoopbackPump: a client and a server Protocol connected through two
// in-memory transports, with bytes moving only when the test calls Pump()
// (Twisted's iosim connect()/IOPump), and each end behaving as a
// FileDescriptor over a socket does: its write buffer, producers, close and
// half-close, so a protocol pair tested here behaves the same over TCP.
//
// Each end is a LoopbackTransport. What a protocol writes is copied once,
// into that end's outgoing queue, and handed to the peer's DataReceived() as
// a view of it. A byte in the queue is either still in our write buffer
// (user_pending(), what buffer_size() is compared with) or in flight (sent
// "into the kernel", in_flight(), at most kernel_buffer_size per direction,
// like the kernels' socket buffers), until the peer reads it.
//
// A round of Pump(), for each end in turn:
//  1. finishes an AbortConnection() (ConnectionLost(ConnectionAborted())),
//  2. flushes: moves buffered bytes into flight as far as the kernel buffer
//     allows; once the buffer is empty it does what FileDescriptor::DoWrite
//     does — resumes a pull producer (or the push producer it paused), else
//     completes a LoseConnection() (ConnectionLost(ConnectionDone())), else a
//     LoseWriteConnection() (WriteConnectionLost(); the peer will read EOF),
//  3. delivers what is in flight to the peer as one DataReceived() (unless
//     the peer stopped reading: paused, closing or already at EOF), and once
//     nothing is in flight and our write side is shut, the peer reads EOF: a
//     HalfCloseableProtocol hears ReadConnectionLost() and may go on writing,
//     a plain Protocol hears ConnectionLost(ConnectionDone()).
// A push producer is paused inside the Write() that takes the buffer over
// buffer_size(), as FileDescriptor does. When both directions of an end are
// done, its ConnectionLost(ConnectionDone()) follows, exactly once.
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
//   EXPECT_THAT(pump.client_transport().events(),
//               ElementsAre(Event::Write("ping"), Event::LoseConnection()));
//
// Misuse dies as StringTransport's does (unregistering a producer that is
// not there; pausing or resuming reading after LoseConnection() unless
// Options::lenient, or after StopProducing()).
#ifndef STANDIN_TESTUTIL_LOOPBACK_PUMP_H_
#define STANDIN_TESTUTIL_LOOPBACK_PUMP_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "standin/transport/address.h"
#include "standin/transport/interfaces.h"
#include "standin/transport/string_transport.h"

namespace standin::testutil {

class LoopbackPump;

// One end of a LoopbackPump connection (made only by the pump).
class LoopbackTransport : public virtual HalfCloseableTransport,
                          public Producer {
 public:
  // The recorded calls and the reading state use StringTransport's
  // vocabulary, so its matchers and printing apply.
  using Event = StringTransport::Event;
  using ProducerState = StringTransport::ProducerState;

  LoopbackTransport(const LoopbackTransport&) = delete;
  LoopbackTransport& operator=(const LoopbackTransport&) = delete;
  ~LoopbackTransport() override;

  // --- Transport ---------------------------------------------------------
  // Queued for the peer. Dropped (and not recorded) once the connection is
  // lost, once the write side is shut, or while aborting, as FileDescriptor
  // drops them.
  void Write(std::string_view data) override;
  void WriteSequence(absl::Span<const std::string_view> chunks) override;
  // Stops reading; the connection ends once the buffer is flushed (and a
  // pull producer, or a push producer we paused, is unregistered).
  void LoseConnection() override;
  // Once the buffer is flushed the write side shuts: WriteConnectionLost()
  // for a HalfCloseableProtocol, and the peer reads EOF. Reading goes on.
  void LoseWriteConnection() override;
  // Drops every byte not yet read by the peer; ConnectionLost(
  // ConnectionAborted()) on the next Pump() round, never inside this call.
  void AbortConnection();
  Address GetPeer() const override { return peer_address_; }
  Address GetHost() const override { return host_address_; }

  // --- Consumer ----------------------------------------------------------
  // FailedPrecondition "Cannot register two producers" if one is. A pull
  // producer is resumed at once. After the connection ended the producer is
  // registered and stopped at once (so unregistering it later is no misuse).
  absl::Status RegisterProducer(Producer* producer, bool streaming) override;
  // Dies if no producer is registered. When the connection ends, the
  // producer is stopped but stays registered until the protocol
  // unregisters it (from ConnectionLost(), typically).
  void UnregisterProducer() override;

  // --- Producer: this end's reading --------------------------------------
  // Stop / start delivering the peer's bytes (and its EOF). Die after
  // LoseConnection() (unless lenient) or after StopProducing().
  void PauseProducing() override;
  void ResumeProducing() override;
  // Stops reading for good and LoseConnection()s, as FileDescriptor does.
  void StopProducing() override;

  // --- Test side ---------------------------------------------------------
  // Every byte this end's protocol wrote (and the transport accepted) since
  // construction or the last Clear(). Valid until the next write, Clear() or
  // Pump().
  std::string_view Value() const;
  // Forgets the event log and Value(). Bytes not yet read by the peer still
  // go to it.
  void Clear();
  // The calls made since construction or the last Clear(), in order (writes
  // the transport dropped are not recorded).
  std::vector<Event> events() const;

  // Until ConnectionLost().
  bool connected() const { return connected_; }
  // LoseConnection(), StopProducing() or AbortConnection() was called.
  bool disconnecting() const { return disconnecting_; }
  bool aborting() const { return aborting_; }
  // ConnectionLost() has been delivered to this end's protocol.
  bool disconnected() const { return disconnected_; }
  // LoseWriteConnection() was called / has completed (write side shut).
  bool write_disconnecting() const { return write_disconnecting_; }
  bool write_disconnected() const { return write_disconnected_; }
  // This end read the peer's EOF (a HalfCloseableProtocol's
  // ReadConnectionLost() came).
  bool read_disconnected() const { return read_disconnected_; }

  Producer* producer() const { return producer_; }
  bool streaming() const { return streaming_; }
  // We paused the push producer (buffer over buffer_size()) and have not
  // resumed it yet.
  bool producer_paused() const { return producer_paused_; }
  // This end's reading, as its protocol set it.
  ProducerState producer_state() const { return producer_state_; }
  bool lenient() const { return lenient_; }

  // The pause mark for a push producer (LoopbackPump::Options).
  size_t buffer_size() const { return buffer_size_; }
  // Bytes written and not yet sent into flight: our write buffer.
  size_t user_pending() const;
  // Bytes sent toward the peer and not yet read by it.
  size_t in_flight() const { return sent_ - read_; }

  // One line: flags, buffer, in flight, producer (for test failures).
  std::string DebugString() const;
  friend void PrintTo(const LoopbackTransport& t, std::ostream* os) {
    *os << t.DebugString();
  }

 private:
  friend class LoopbackPump;

  // Outgoing bytes addressed by stream offset (bytes ever written). The
  // front is dropped once read and forgotten. While pinned (the peer is
  // reading a view of it) no block is moved or freed.
  class Queue {
   public:
    Queue() = default;
    Queue(const Queue&) = delete;
    Queue& operator=(const Queue&) = delete;
    void Append(std::string_view bytes);
    // Reserves room for `extra` more bytes (one growth for a WriteSequence).
    void Reserve(size_t extra);
    std::string_view View(uint64_t from, uint64_t to) const;
    // Forgets the bytes before `offset` (no-op while pinned).
    void DropBefore(uint64_t offset);
    uint64_t end() const { return base_ + size_; }
    void Pin() { ++pins_; }
    void Unpin();

   private:
    void Grow(size_t needed);
    std::unique_ptr<char[]> block_;
    size_t capacity_ = 0;
    size_t size_ = 0;
    uint64_t base_ = 0;  // Stream offset of block_[0].
    uint64_t drop_ = 0;  // Bytes before this offset may be forgotten.
    int pins_ = 0;
    std::vector<std::unique_ptr<char[]>> retired_;  // Old blocks, pinned.
  };

  // One recorded call: its kind and Value()'s end offset after it.
  struct LogEntry {
    uint8_t kind;  // Event::Kind, or kChunkEnd.
    bool streaming;
    uint64_t end;
  };
  static constexpr uint8_t kChunkEnd = 0xff;

  LoopbackTransport(Address host, Address peer, size_t buffer_size,
                    bool lenient);
  void Record(Event::Kind kind, bool streaming = false);
  bool Writable() const;
  void MaybePauseProducer();
  // Pause/ResumeProducing(): dies on misuse, records `call`, sets `to`.
  void ChangeReading(Event::Kind call, ProducerState to);
  // LoseConnection() without recording it (StopProducing()).
  void BeginClose();
  // Whether this end reads what arrives now.
  bool reading() const;
  void Compact();

  Address host_address_;
  Address peer_address_;
  Protocol* protocol_ = nullptr;
  LoopbackTransport* peer_ = nullptr;
  size_t buffer_size_;
  bool lenient_;

  Queue queue_;
  uint64_t written_ = 0;       // Bytes accepted from the protocol.
  uint64_t sent_ = 0;          // ... of which sent into flight.
  uint64_t read_ = 0;          // ... of which read by the peer.
  uint64_t record_start_ = 0;  // Where Value() starts (Clear()).
  std::vector<LogEntry> log_;

  bool connected_ = true;
  bool disconnecting_ = false;
  bool aborting_ = false;
  bool disconnected_ = false;
  bool write_disconnecting_ = false;
  bool write_disconnected_ = false;
  bool read_disconnected_ = false;
  bool writing_ = false;  // The next round flushes (FileDescriptor's writer).

  Producer* producer_ = nullptr;
  bool streaming_ = false;
  bool producer_paused_ = false;
  ProducerState producer_state_ = ProducerState::kProducing;
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
    // Each end's buffer_size(): a push producer is paused once more than
    // this many written bytes wait in its buffer (FileDescriptor's default).
    size_t buffer_size = 64 * 1024;
    // Bytes in flight per direction: what the kernels' socket buffers hold
    // between a send and the peer's read. A LoseConnection() completes once
    // its bytes are in flight, even if the peer is not reading; a paused
    // reader lets this fill, then the writer's own buffer grows and its push
    // producer is paused.
    size_t kernel_buffer_size = 256 * 1024;
    // As StringTransport::Options::lenient: allow pausing and resuming
    // reading after LoseConnection().
    bool lenient = false;
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

  LoopbackTransport& client_transport() { return client_; }
  LoopbackTransport& server_transport() { return server_; }

 private:
  bool FinishAbort(LoopbackTransport& t);
  // FileDescriptor::DoWrite for `t`.
  bool DoWrite(LoopbackTransport& t);
  // Delivers what `from` has in flight (or its EOF) to `from.peer_`.
  bool Deliver(LoopbackTransport& from);
  void ShutWriteSide(LoopbackTransport& t);
  void ReadEof(LoopbackTransport& t);
  // Ends `t`: stops its producer, drops what was in flight toward it, tells
  // its protocol. The peer reads EOF after what `t` had in flight.
  void Lose(LoopbackTransport& t, const absl::Status& reason);

  size_t kernel_buffer_size_;
  LoopbackTransport client_;
  LoopbackTransport server_;
};

}  // namespace standin::testutil

#endif  // STANDIN_TESTUTIL_LOOPBACK_PUMP_H_
