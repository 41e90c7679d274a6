// The transport conformance suite: one set of behavioural tests that every
// byte-stream Transport pair must pass, the in-memory double (LoopbackPump)
// and the real thing (StreamConnection over a socketpair, a pipe pair, TCP,
// UNIX) alike (trio's check_two_way_stream, Twisted's verified fakes).
//
// To run it against a transport, implement a TransportHarness that connects
// two protocols through it and drives its event source, then instantiate the
// value-parameterised suite (testutil/harness_factory.h) with a factory for
// it:
//
//   class MyHarness : public standin::testutil::TransportHarness { ... };
//
//   using ::standin::testutil::TransportConformanceTest;  // gtest wants
//   INSTANTIATE_TEST_SUITE_P(                            // a plain name
//       Mine, TransportConformanceTest,
//       ::testing::Values(standin::testutil::TransportHarnessFactory{
//           "mine", [] { return std::make_unique<MyHarness>(); }}),
//       standin::testutil::TransportHarnessName);
//
// and link the test against //testutil:transport_conformance (alwayslink).
// Covered: write ordering, WriteSequence, both directions, large transfers,
// a greeting and close from ConnectionMade(), LoseConnection flushing (also
// while the peer is not reading), LoseConnection twice, writes after the
// end, abort (plain, inside DataReceived, then LoseConnection, inside
// ResumeProducing, with a full buffer: Twisted's AbortConnectionMixin),
// half-close (Twisted's HalfCloseTests: EOF is ReadConnectionLost() for a
// HalfCloseableProtocol and ConnectionLost(ConnectionDone()) for a plain
// one, writing after EOF, LoseWriteConnection() flushing then
// WriteConnectionLost() and EOF at the peer, ConnectionLost once both halves
// are done), the receiver pausing (also from ConnectionMade()), the producer
// contract (Twisted's connectionmixins producer tests: a pull producer
// resumed after each drain for 4 KiB, 64 KiB and 1 MiB writes, a push
// producer paused above buffer_size() from inside Write() and resumed on
// drain, LoseConnection() waiting for a registered pull producer to be
// unregistered, producers stopped on loss), ConnectionLost exactly once with
// the right reason, host/peer symmetry.
#ifndef STANDIN_TESTUTIL_TRANSPORT_CONFORMANCE_H_
#define STANDIN_TESTUTIL_TRANSPORT_CONFORMANCE_H_

#include <cstddef>
#include <string>

#include "absl/functional/function_ref.h"
#include "gtest/gtest.h"
#include "standin/testutil/accumulating_protocol.h"
#include "standin/testutil/harness_factory.h"
#include "standin/transport/interfaces.h"

namespace standin::testutil {

// Connects two protocols through the transport under test and runs whatever
// moves bytes between them (a pump, a reactor).
class TransportHarness {
 public:
  virtual ~TransportHarness() = default;

  // Connects `client` and `server` (both outlive the harness's connection);
  // returns once both protocols' ConnectionMade() has run.
  virtual void Connect(Protocol* client, Protocol* server) = 0;

  // Runs the event source until `done()` holds. `done` is evaluated before
  // each step and may act (e.g. a producer writing its next chunk). Returns
  // false if it never holds: the double ran out of work, or the real
  // transport hit a generous deadline.
  virtual bool RunUntil(absl::FunctionRef<bool()> done) = 0;

  // Runs until nothing more happens soon (for "and nothing else happened"
  // checks).
  virtual void Settle() = 0;

  // Half-closes `transport`. The default uses its HalfCloseableTransport
  // interface (every stream transport has one) and fails the test if it has
  // none; override only for a transport that spells it differently.
  virtual void LoseWriteConnection(Transport* transport);
  // Operations not on the Transport interface.
  virtual void AbortConnection(Transport* transport) = 0;
  // The transport as a push producer of the bytes it reads (to pause and
  // resume reading).
  virtual Producer* AsProducer(Transport* transport) = 0;
  // The transport's buffer_size(): a push producer is paused once more than
  // this many written bytes wait in its buffer. The default is 64 KiB, the
  // default of FileDescriptor and of LoopbackPump.
  virtual size_t BufferSize(Transport* transport);
};

// The suite's parameter, and its name for INSTANTIATE_TEST_SUITE_P (the
// names every instantiation has used since before HarnessFactory).
using TransportHarnessFactory = HarnessFactory<TransportHarness>;
inline std::string TransportHarnessName(
    const ::testing::TestParamInfo<TransportHarnessFactory>& info) {
  return HarnessName<TransportHarness>(info);
}

// The suite. Each test connects two of the protocols below through a fresh
// harness: client_ and server_ (plain), or a half-closeable one on a side.
class TransportConformanceTest : public ConformanceTest<TransportHarness> {
 protected:
  // Connects `client` and `server` and checks both saw ConnectionMade().
  void Connect(Protocol* client, Protocol* server);
  // Connect(&client_, &server_).
  void ConnectBoth() { Connect(&client_, &server_); }
  // The transports of the connected protocols.
  Transport* client() { return client_side_->transport(); }
  Transport* server() { return server_side_->transport(); }
  bool BothLost() const { return client_.closed() && server_.closed(); }
  // Through the harness: the HalfCloseableTransport interface.
  void LoseWriteConnection(Transport* transport) {
    harness_->LoseWriteConnection(transport);
  }
  // The pull-producer case, for writes of `chunk` bytes.
  void PullProducerIsResumedAfterEachDrain(size_t chunk, int chunks);

  // Bytes that reveal reordering, loss or duplication: position-dependent.
  static std::string Pattern(size_t size, size_t seed = 0);

  // A producer of Pattern() bytes, `chunk` at a time up to `total`, that
  // counts what the transport tells it. A pull producer writes a chunk on
  // each ResumeProducing(); a push producer on each Tick() while not paused.
  class TickingProducer : public Producer {
   public:
    enum Kind { kPush, kPull };
    TickingProducer(Transport* transport, Kind kind, size_t chunk, size_t total)
        : kind(kind), transport_(transport), chunk_(chunk), total_(total) {}

    // Registers with the transport (streaming for kPush); false if refused.
    bool Register() {
      return transport_->RegisterProducer(this, kind == kPush).ok();
    }
    void PauseProducing() override;
    void ResumeProducing() override;
    void StopProducing() override { ++stops; }
    // Writes the next chunk unless paused, stopped or finished.
    void Tick();
    bool finished() const { return sent >= total_; }

    const Kind kind;
    bool paused = false;
    int pauses = 0;
    int pauses_inside_write = 0;  // PauseProducing() from inside our Write().
    int resumes = 0;
    int stops = 0;
    size_t sent = 0;

   private:
    Transport* transport_;
    size_t chunk_;
    size_t total_;
  };

  AccumulatingProtocol client_;
  AccumulatingProtocol server_;
  HalfCloseableAccumulatingProtocol half_client_;
  HalfCloseableAccumulatingProtocol half_server_;

 private:
  Protocol* client_side_ = nullptr;
  Protocol* server_side_ = nullptr;
};

}  // namespace standin::testutil

#endif  // STANDIN_TESTUTIL_TRANSPORT_CONFORMANCE_H_
