// The transport conformance suite: one set of behavioural tests that every
// byte-stream Transport pair must pass, the in-memory double (LoopbackPump)
// and the real thing (StreamConnection over a socketpair, over TCP) alike
// (trio's check_two_way_stream, Twisted's verified fakes).
//
// To run it against a transport, implement a TransportHarness that connects
// two protocols through it and drives its event source, then instantiate the
// value-parameterised suite with a factory for it:
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
// half-close, the receiver pausing, push producers paused under
// backpressure (and from inside the Write() that fills the buffer) and
// resumed, pull producers, producers stopped on loss, ConnectionLost exactly
// once with the right reason, host/peer symmetry.
#ifndef STANDIN_TESTUTIL_TRANSPORT_CONFORMANCE_H_
#define STANDIN_TESTUTIL_TRANSPORT_CONFORMANCE_H_

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "absl/functional/function_ref.h"
#include "gtest/gtest.h"
#include "standin/testutil/accumulating_protocol.h"
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

  // Operations not on the Transport interface.
  virtual void LoseWriteConnection(Transport* transport) = 0;
  virtual void AbortConnection(Transport* transport) = 0;
  // The transport as a push producer of the bytes it reads (to pause and
  // resume reading).
  virtual Producer* AsProducer(Transport* transport) = 0;
};

// A named way to make a harness: the suite's parameter.
struct TransportHarnessFactory {
  std::string name;
  std::function<std::unique_ptr<TransportHarness>()> make;

  friend std::ostream& operator<<(std::ostream& os,
                                  const TransportHarnessFactory& f) {
    return os << f.name;
  }
};

// For INSTANTIATE_TEST_SUITE_P: names each instantiation after its factory.
std::string TransportHarnessName(
    const ::testing::TestParamInfo<TransportHarnessFactory>& info);

// The suite. Each test connects client_ and server_ through a fresh harness.
class TransportConformanceTest
    : public ::testing::TestWithParam<TransportHarnessFactory> {
 protected:
  void SetUp() override { harness_ = GetParam().make(); }
  // The harness (and its transports) go before the protocols they point at.
  void TearDown() override { harness_.reset(); }

  // Connects client_ and server_ and checks both saw ConnectionMade().
  void ConnectBoth();
  Transport* client() { return client_.transport(); }
  Transport* server() { return server_.transport(); }
  bool BothLost() const { return client_.closed() && server_.closed(); }

  AccumulatingProtocol client_;
  AccumulatingProtocol server_;
  std::unique_ptr<TransportHarness> harness_;
};

}  // namespace standin::testutil

#endif  // STANDIN_TESTUTIL_TRANSPORT_CONFORMANCE_H_
