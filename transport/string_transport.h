// StringTransport: an in-memory Transport that records what a Protocol does
// to it (Twisted's twisted.internet.testing.StringTransport), and
// StringTransportWithDisconnection, which also tells the protocol when the
// connection is lost and lets the test play the peer's EOF.
//
// A StringTransport performs no I/O: Write() appends to Value(), and
// LoseConnection()/LoseWriteConnection()/AbortConnection() only set flags. As a
// Consumer it holds one registered Producer; as a push Producer it tracks the
// state the protocol put it in. Every call is also logged in order in events(),
// so a test can assert "wrote X, then closed" rather than only the
// concatenation. Recording is cheap enough for benchmarks and long tests:
// Write() is inline, and beyond the bytes themselves the log holds one
// byte per write under 32 bytes, two under 4 KiB (a run of equal-sized
// writes shares one byte per 31 writes). gtest prints a transport as its
// state: bytes written, flags, producer (DebugString()).
//
// Example:
//
//   standin::StringTransport transport;
//   MyProtocol protocol;
//   protocol.MakeConnection(&transport);
//   protocol.DataReceived("PING\r\n");
//   EXPECT_EQ(transport.Value(), "PONG\r\n");
//   EXPECT_THAT(transport.events(),
//               ElementsAre(StringTransport::Event::Write("PONG\r\n"),
//                           StringTransport::Event::LoseConnection()));
//   transport.Clear();  // Forget everything recorded so far.
//
// Misuse by the code under test (unregistering a producer that isn't there,
// pausing a producer after LoseConnection() or StopProducing()) aborts the
// process with a message saying what was wrong, so the test fails loudly.
#ifndef STANDIN_TRANSPORT_STRING_TRANSPORT_H_
#define STANDIN_TRANSPORT_STRING_TRANSPORT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "standin/transport/address.h"
#include "standin/transport/interfaces.h"
#include "standin/transport/internal/byte_buffer.h"

namespace standin {

class StringTransport : public virtual HalfCloseableTransport, public Producer {
 public:
  struct Options {
    // GetHost(); default IPv4Address(kTcp, "10.0.0.1", 12345).
    std::optional<Address> host;
    // GetPeer(); default IPv4Address(kTcp, "192.168.1.1", 54321).
    std::optional<Address> peer;
    // Allow Pause/ResumeProducing() after LoseConnection(), for tests that
    // do it on purpose.
    bool lenient = false;
  };

  // The state of this transport as a push producer.
  enum class ProducerState { kProducing, kPaused, kStopped };

  // One recorded call, in the order the code under test made it.
  struct Event {
    enum class Kind {
      kWrite,
      kWriteSequence,
      kLoseConnection,
      kLoseWriteConnection,
      kAbortConnection,
      kRegisterProducer,
      kUnregisterProducer,
      kPauseProducing,
      kResumeProducing,
      kStopProducing,
    };
    Kind kind = Kind::kWrite;
    // kWrite: the bytes; kWriteSequence: the chunks, concatenated.
    std::string data;
    // kWriteSequence only: each chunk as given.
    std::vector<std::string> chunks;
    // kRegisterProducer only.
    bool streaming = false;

    static Event Of(Kind kind, bool streaming = false) {
      Event event;
      event.kind = kind;
      event.streaming = streaming;
      return event;
    }
    static Event Write(std::string_view data);
    static Event WriteSequence(std::vector<std::string> chunks);
    static Event LoseConnection() { return Of(Kind::kLoseConnection); }
    static Event LoseWriteConnection() {
      return Of(Kind::kLoseWriteConnection);
    }
    static Event AbortConnection() { return Of(Kind::kAbortConnection); }
    static Event RegisterProducer(bool streaming) {
      return Of(Kind::kRegisterProducer, streaming);
    }
    static Event UnregisterProducer() { return Of(Kind::kUnregisterProducer); }
    static Event PauseProducing() { return Of(Kind::kPauseProducing); }
    static Event ResumeProducing() { return Of(Kind::kResumeProducing); }
    static Event StopProducing() { return Of(Kind::kStopProducing); }

    friend bool operator==(const Event&, const Event&) = default;
    // E.g. `Write("hi\r\n")`, `WriteSequence("a", "b")`, `LoseConnection`.
    std::string ToString() const;
    friend std::ostream& operator<<(std::ostream& os, const Event& e) {
      return os << e.ToString();
    }
  };

  StringTransport();
  explicit StringTransport(Options options);
  // A transport is an identity (protocols hold pointers to it): never
  // copied. Moving is allowed before anything points at it.
  StringTransport(const StringTransport&) = delete;
  StringTransport& operator=(const StringTransport&) = delete;
  StringTransport(StringTransport&&) = default;
  StringTransport& operator=(StringTransport&&) = default;
  ~StringTransport() override = default;

  // --- Test-side API (not part of any interface) ---

  // Every byte written since construction or the last Clear(). The view is
  // valid until the next write or Clear().
  std::string_view Value() const { return value_.view(); }
  // Forgets the bytes written so far and the event log.
  void Clear();
  // The calls made since construction or the last Clear(), in order.
  std::vector<Event> events() const;
  // events().size(), without building the events.
  size_t event_count() const;

  bool connected() const { return connected_; }
  // True once LoseConnection() (or AbortConnection()) was called.
  bool disconnecting() const { return disconnecting_; }
  // True once AbortConnection() was called.
  bool disconnected() const { return disconnected_; }
  // True once LoseWriteConnection() was called (there is no buffer to
  // flush, so the write side is closed at once).
  bool write_disconnected() const { return write_disconnected_; }
  Producer* producer() const { return producer_; }
  // Meaningful while producer() is set.
  bool streaming() const { return streaming_; }
  ProducerState producer_state() const { return producer_state_; }
  bool lenient() const { return lenient_; }

  // One line for test failures (gtest prints it through PrintTo): the bytes
  // written, shortened past kDebugBytes with the full count, the number of
  // events, the flags that are set, producer_state() and the registered
  // producer, e.g.
  //   StringTransport{wrote "PONG\r\n" (6 bytes) in 1 event; connected
  //   disconnecting; producer_state: producing; producer: streaming}
  // A subclass with more state overrides it and declares a PrintTo of its
  // own: for a derived type gtest picks its own template (the raw byte
  // dump) over this one.
  virtual std::string DebugString() const;
  friend void PrintTo(const StringTransport& transport, std::ostream* os) {
    *os << transport.DebugString();
  }
  static constexpr size_t kDebugBytes = 64;

  // --- Transport ---
  // Inline: a protocol's hot path in unit tests and benchmarks.
  void Write(std::string_view data) override {
    value_.Append(data);
    const size_t size = data.size();
    if (size == run_.size && run_.room != 0) {
      --run_.room;  // One more write of the same size: counted in place.
      log_.back() = static_cast<char>(log_.back() + (1 << kTagBits));
    } else if (size < kShortWrite && size != run_.size) {
      log_.PushBack(static_cast<char>(size << kTagBits | kTagWrite));
      run_ = Run{size, 0};
    } else {
      RecordWrite(size);
    }
  }
  void WriteSequence(absl::Span<const std::string_view> chunks) override;
  // Sets disconnecting(); nothing else happens (no protocol callback).
  void LoseConnection() override;
  // --- HalfCloseableTransport ---
  // Sets write_disconnected(); every call is recorded. Like writes after
  // LoseConnection(), later writes are still recorded (Value() and events())
  // rather than dropped: a real transport drops them silently (Twisted's
  // FileDescriptor), so a test that wants "nothing written after the
  // half-close" asserts that no Write follows LoseWriteConnection in
  // events(). Not misuse; nothing dies.
  void LoseWriteConnection() override;
  // Sets disconnected() and disconnecting().
  virtual void AbortConnection();
  Address GetPeer() const override { return peer_; }
  Address GetHost() const override { return host_; }

  // --- Consumer ---
  // FailedPrecondition "Cannot register two producers" if one is registered.
  absl::Status RegisterProducer(Producer* producer, bool streaming) override;
  // Dies if no producer is registered.
  void UnregisterProducer() override;

  // --- Producer (this transport, as the protocol's push producer) ---
  // Dies after LoseConnection() (unless lenient) or after StopProducing().
  void PauseProducing() override;
  void ResumeProducing() override;
  void StopProducing() override;

 protected:
  void set_connected(bool connected) { connected_ = connected; }
  void Record(Event::Kind kind, bool streaming = false);
  // DebugString()'s parts, for subclasses that add their own state:
  // `wrote "..." (N bytes) in K events`; the flags set, space-separated
  // (`not connected` first when connected() is false); and
  // `producer_state: ...; producer: none|streaming|pull`.
  std::string DebugWritten() const;
  std::string DebugFlags() const;
  std::string DebugProducer() const;

 private:
  // The event log is a byte string of varint records (LEB128), so
  // recording a write copies none of its bytes (writes refer to consecutive
  // ranges of value_) and costs one byte for a short write, or a 31st of a
  // byte when it repeats the previous write's size. A record's value holds a
  // tag in its low kTagBits bits:
  //   kTagWrite     a Write; the rest is its size.
  //   kTagRepeat    the rest (1..kMaxRepeat) more Writes of the size of the
  //                 Write before; always one byte, counted up in place.
  //   kTagEvent     any other event: bit 2 is `streaming`, the rest the kind
  //                 (kWriteSequence included).
  //   kTagChunk     one chunk of the WriteSequence before; the rest is its
  //                 size.
  static constexpr int kTagBits = 2;
  static constexpr uint64_t kTagWrite = 0;
  static constexpr uint64_t kTagRepeat = 1;
  static constexpr uint64_t kTagEvent = 2;
  static constexpr uint64_t kTagChunk = 3;
  // Writes shorter than this fit a one-byte record.
  static constexpr size_t kShortWrite = 128 >> kTagBits;
  static constexpr int kMaxRepeat = (128 >> kTagBits) - 1;
  // What the last log record lets the next Write() do in place: repeat a
  // Write of `size` bytes, `room` more times. A moved-from transport must
  // not count on a log it gave away, so moving resets the source.
  struct Run {
    static constexpr size_t kNone = ~size_t{0};
    size_t size = kNone;
    int room = 0;
    Run() = default;
    Run(size_t size, int room) : size(size), room(room) {}
    Run(const Run&) = default;
    Run& operator=(const Run&) = default;
    Run(Run&& other) noexcept : Run(other) { other.Reset(); }
    Run& operator=(Run&& other) noexcept {
      if (this != &other) {
        *this = other;
        other.Reset();
      }
      return *this;
    }
    void Reset() {
      size = kNone;
      room = 0;
    }
  };

  // What ForEachRecord() reports: an Event::Kind, or kChunk.
  using RecordKind = Event::Kind;
  static constexpr RecordKind kChunk = static_cast<RecordKind>(-1);

  // Write()'s slow path: a repeat record, or a write record over one byte.
  void RecordWrite(size_t size);
  void AppendRecord(uint64_t tag, uint64_t value);
  // Calls `visit(kind, streaming, bytes)` for every record, in order (a
  // Repeat becomes that many kWrite calls; a chunk is kind kChunk).
  template <typename Visit>
  void ForEachRecord(Visit visit) const;
  void CheckProducerState() const;

  Address host_;
  Address peer_;
  bool lenient_ = false;
  internal::ByteBuffer value_;
  internal::ByteBuffer log_;
  Run run_;
  bool connected_ = true;
  bool disconnecting_ = false;
  bool disconnected_ = false;
  bool write_disconnected_ = false;
  Producer* producer_ = nullptr;
  bool streaming_ = false;
  ProducerState producer_state_ = ProducerState::kProducing;
};

std::string ToString(StringTransport::ProducerState state);
std::ostream& operator<<(std::ostream& os, StringTransport::ProducerState s);

// A StringTransport that also ends the connection: LoseConnection() while
// connected() sets connected() false and calls the protocol's
// ConnectionLost(ConnectionDone()) exactly once (AbortConnection() passes
// ConnectionAborted() instead — Twisted passes ConnectionDone for both).
//
// Half-close, as a real stream transport does it: the test plays the peer's
// EOF with ReadConnectionLost(). A HalfCloseableProtocol then hears
// ReadConnectionLost() and may go on writing; a plain Protocol hears
// ConnectionLost(ConnectionDone()). LoseWriteConnection() tells a
// HalfCloseableProtocol WriteConnectionLost() at once (nothing is buffered).
// Once both directions are done, ConnectionLost(ConnectionDone()) follows,
// exactly once. Every callback runs inside the call that caused it.
//
// Example:
//
//   standin::StringTransportWithDisconnection transport;
//   MyProtocol protocol;
//   transport.set_protocol(&protocol);
//   protocol.MakeConnection(&transport);
//   transport.LoseConnection();  // protocol sees ConnectionLost(Done) once
//
//   // Half-close: the peer finished its upload.
//   transport.ReadConnectionLost();  // upload.ReadConnectionLost()
//   EXPECT_EQ(transport.Value(), "sha256 ...");
class StringTransportWithDisconnection : public StringTransport {
 public:
  StringTransportWithDisconnection() = default;
  explicit StringTransportWithDisconnection(Options options)
      : StringTransport(std::move(options)) {}

  // The protocol told about the end of the connection; may be null (then
  // nobody is told).
  void set_protocol(Protocol* protocol) { protocol_ = protocol; }
  Protocol* protocol() const { return protocol_; }

  void LoseConnection() override;
  void AbortConnection() override;
  // Also WriteConnectionLost() for a HalfCloseableProtocol (once), and the
  // end of the connection if the peer's EOF came already.
  void LoseWriteConnection() override;

  // --- Test side: the peer ---
  // The peer sent EOF (shut down its write side). See the class comment.
  // Ignored once the connection has ended (a closed socket reads nothing);
  // dies if called twice (a peer sends EOF once).
  void ReadConnectionLost();
  // ReadConnectionLost() was called.
  bool read_disconnected() const { return read_disconnected_; }

  // StringTransport's, plus read_disconnected and whether a protocol is set.
  std::string DebugString() const override;
  // gtest would pick its own template over the base class's PrintTo.
  friend void PrintTo(const StringTransportWithDisconnection& transport,
                      std::ostream* os) {
    *os << transport.DebugString();
  }

 protected:
  // Marks the connection closed and tells the protocol, once.
  void EndConnection(const absl::Status& reason);

 private:
  Protocol* protocol_ = nullptr;
  bool read_disconnected_ = false;
  bool write_connection_lost_told_ = false;
};

}  // namespace standin

#endif  // STANDIN_TRANSPORT_STRING_TRANSPORT_H_
