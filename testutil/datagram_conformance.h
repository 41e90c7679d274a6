// The datagram conformance suite: one set of DatagramProtocol-level tests
// that every DatagramTransport must pass — the double
// (FakeDatagramTransport), a kernel socket (UdpPort on loopback, IPv4 and
// IPv6) and a port bound in standin's userspace stack (netstack::Host over
// TUN and TAP, in memory and on a real device) — so a protocol tested on
// the double behaves the same on every real one (trio's one checker per
// interface, Twisted's verified fakes).
//
// Covered: StartProtocol() once on attach; a datagram arrives with the
// right sender; a reply through transport()->Write(reply, from) reaches the
// sender from GetHost(); many datagrams in order, both ways, on a quiet
// link; an empty datagram; the largest datagram arrives whole; oversize →
// EMSGSIZE and nothing sent; StopListening() → StopProtocol() once (however
// often it is called), no more deliveries (also when stopped from inside
// DatagramReceived()), and Write() fails; connected-UDP refusal →
// ConnectionRefused(), where the transport can see one.
//
// To run it against a transport, implement a DatagramHarness and
// instantiate the value-parameterised suite with a factory for it:
//
//   class MyHarness : public standin::testutil::DatagramHarness { ... };
//
//   using ::standin::testutil::DatagramConformanceTest;  // gtest wants
//   INSTANTIATE_TEST_SUITE_P(                           // a plain name
//       Mine, DatagramConformanceTest,
//       ::testing::Values(standin::testutil::DatagramHarnessFactory{
//           "mine", [] { return std::make_unique<MyHarness>(); },
//           /*unavailable=*/[] { return NeedsRootReason(); }}),
//       standin::testutil::HarnessName<standin::testutil::DatagramHarness>);
//
// and link the test against //testutil:datagram_conformance (alwayslink).
// Instantiated for UdpPort in //transport:udp_port_conformance_test and for
// FakeDatagramTransport in //transport:fake_datagram_conformance_test.
#ifndef STANDIN_TESTUTIL_DATAGRAM_CONFORMANCE_H_
#define STANDIN_TESTUTIL_DATAGRAM_CONFORMANCE_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "gtest/gtest.h"
#include "standin/testutil/datagram_recorder.h"
#include "standin/testutil/harness_factory.h"
#include "standin/transport/address.h"
#include "standin/transport/interfaces.h"

namespace standin::testutil {

// The suite's handle on one datagram transport and a peer to talk to: the
// one place where the transports differ. The peer is not the transport
// under test but the far end of its link, played as simply as possible:
//
//   FakeDatagramTransport  the harness itself: SendFromPeer() is Deliver(),
//                          PeerReceived() reads written().
//   UdpPort                a plain kernel UDP socket on the same loopback.
//   netstack::Host, TUN or TAP over MemoryIoSystem
//                          the test side of the Tunnel: SendFromPeer()
//                          builds the IPv4/UDP packet (in an Ethernet frame
//                          for TAP) into the tunnel's read queue;
//                          PeerReceived() parses what the host wrote (TAP:
//                          the harness also answers the host's ARP request
//                          for the peer, or sets the neighbour).
//   netstack::Host on a real TUN or TAP device
//                          a kernel UDP socket inside a private network
//                          namespace (tag the test requires-net-admin; the
//                          factory's `unavailable` gives the reason to skip
//                          without root); TEST-NET addresses only.
//
// Contract, for every harness:
//  - Listen() is called at most once per test and attaches the protocol:
//    MakeConnection() (→ StartProtocol()) has run when it returns. The
//    harness owns the transport until it is destroyed (before the test's
//    protocols are).
//  - The transport's GetHost() and peer_address() are IPv4Address or
//    IPv6Address values of kind kUdp, as the other side sees them: a
//    datagram from the peer arrives `from` peer_address(), and one the
//    transport sends arrives at the peer `from` GetHost().
//  - The link is quiet and lossless: nothing is dropped or reordered unless
//    a test provokes it, and datagrams up to max_datagram_size() pass. The
//    suite sends bursts of 100 datagrams of up to 1 KiB each way before it
//    runs the event source, so every queue on the way (kernel socket
//    buffers: set SO_RCVBUF to 1 MiB; a tunnel's queues) must hold one.
//  - SendFromPeer() after the transport stopped listening sends into the
//    void (a closed socket, a port no longer bound): nothing must arrive.
//  - RunUntil()/Settle() run whatever moves datagrams (a reactor, the
//    Clock); a double with no event source just evaluates `done`.
class DatagramHarness {
 public:
  virtual ~DatagramHarness() = default;

  // Attaches `protocol` to a fresh transport under test and returns it.
  virtual DatagramTransport* Listen(DatagramProtocol* protocol) = 0;

  // The peer's endpoint as the transport under test names it.
  virtual Address peer_address() = 0;
  // The peer sends one datagram to the transport's GetHost().
  virtual void SendFromPeer(std::string_view data) = 0;
  // Every datagram the peer has received so far, in order, each with its
  // sender as the peer saw it. Cheap enough to call from RunUntil()'s
  // condition on every turn.
  virtual std::vector<DatagramRecorder::Datagram> PeerReceived() = 0;

  // Runs the event source until `done()` holds, checked before and after
  // every step. False if it never does: a real transport gives up after a
  // generous deadline (seconds), a double when nothing is left to run.
  virtual bool RunUntil(absl::FunctionRef<bool()> done) = 0;
  // Runs until nothing more happens soon (for "and nothing else arrived").
  virtual void Settle() = 0;

  // Connected UDP: attaches `protocol` to a fresh transport connected to an
  // endpoint nobody listens on (returned in `*refusing`), so datagrams sent
  // there are refused and the protocol hears ConnectionRefused(). Called
  // instead of Listen(). Transports that cannot see a refusal keep the
  // default, which returns null; refusal_unsupported() says why, and the
  // test skips with it.
  virtual DatagramTransport* ListenConnectedToRefusingPeer(
      DatagramProtocol* protocol, Address* refusing);
  virtual std::string refusal_unsupported() const;
};

using DatagramHarnessFactory = HarnessFactory<DatagramHarness>;

// The suite. Each test gets a fresh harness; protocol_ is the protocol
// under test, a recorder whose hooks the tests set.
class DatagramConformanceTest : public ConformanceTest<DatagramHarness> {
 protected:
  // Listen(&protocol_), checked.
  DatagramTransport* Listen();
  // Position-dependent bytes that reveal loss, reordering or truncation.
  static std::string Pattern(size_t size, size_t seed);

  DatagramRecorder protocol_;
};

}  // namespace standin::testutil

#endif  // STANDIN_TESTUTIL_DATAGRAM_CONFORMANCE_H_
