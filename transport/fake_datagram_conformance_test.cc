// The datagram conformance suite (testutil/datagram_conformance.h) on
// FakeDatagramTransport: the harness plays the network with Deliver() and
// reads the peer's datagrams from written().
#include <errno.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "standin/testutil/datagram_conformance.h"
#include "standin/transport/address.h"
#include "standin/transport/fake_datagram_transport.h"

namespace standin {
namespace {

using testutil::DatagramHarness;
using testutil::DatagramHarnessFactory;
using Datagram = testutil::DatagramRecorder::Datagram;

class FakeHarness : public DatagramHarness {
 public:
  DatagramTransport* Listen(DatagramProtocol* protocol) override {
    FakeDatagramTransportOptions options;
    options.host = IPv4Address::Udp("192.0.2.1", 5353);
    transport_ = std::make_unique<FakeDatagramTransport>(protocol, options);
    return transport_.get();
  }

  Address peer_address() override {
    return IPv4Address::Udp("198.51.100.7", 40000);
  }

  // A stopped transport receives nothing: like a closed socket's datagram,
  // this one goes nowhere (Deliver() would rightly die).
  void SendFromPeer(std::string_view data) override {
    if (transport_->listening()) transport_->Deliver(data, peer_address());
  }

  // What was written to the peer; its sender is the transport's host.
  std::vector<Datagram> PeerReceived() override {
    std::vector<Datagram> out;
    for (const FakeDatagramTransport::Sent& sent : transport_->written()) {
      if (sent.to == peer_address()) {
        out.push_back(Datagram{sent.data, transport_->GetHost()});
      }
    }
    return out;
  }

  // Everything happens inside the calls: nothing more to run.
  bool RunUntil(absl::FunctionRef<bool()> done) override { return done(); }
  void Settle() override {}

  // The network refuses every datagram to `refusing`, as a kernel does for
  // a connected socket whose peer has no listener.
  DatagramTransport* ListenConnectedToRefusingPeer(DatagramProtocol* protocol,
                                                   Address* refusing) override {
    *refusing = IPv4Address::Udp("198.51.100.8", 9);
    FakeDatagramTransportOptions options;
    options.failures.push_back(
        DatagramWriteFailure::To(*refusing, ECONNREFUSED));
    transport_ = std::make_unique<FakeDatagramTransport>(protocol, options);
    return transport_.get();
  }
  std::string refusal_unsupported() const override { return ""; }

 private:
  std::unique_ptr<FakeDatagramTransport> transport_;
};

using ::standin::testutil::DatagramConformanceTest;
INSTANTIATE_TEST_SUITE_P(Fake, DatagramConformanceTest,
                         ::testing::Values(DatagramHarnessFactory{
                             "FakeDatagramTransport",
                             [] { return std::make_unique<FakeHarness>(); }}),
                         testutil::HarnessName<DatagramHarness>);

}  // namespace
}  // namespace standin
