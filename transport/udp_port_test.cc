// UdpPort over real loopback sockets. Each test names the Twisted test it
// ports (twisted/test/test_udp.py's UDPTests and
// ReactorShutdownInteractionTests, twisted/internet/test/test_udp.py's
// DatagramTransportTestsMixin and UDPPortTestsMixin); the behaviour every
// datagram transport shares is in testutil's datagram conformance suite,
// instantiated for UdpPort in udp_port_conformance_test.cc.
#include "standin/transport/udp_port.h"

#include <errno.h>
#include <sys/socket.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/testutil/datagram_recorder.h"
#include "standin/transport/address.h"
#include "standin/transport/epoll_reactor.h"
#include "standin/transport/status.h"

namespace standin {
namespace {

using ::standin::testutil::DatagramRecorder;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

using Datagram = DatagramRecorder::Datagram;

constexpr IPv4Host kLoopback = "127.0.0.1";
constexpr IPv6Host kLoopback6 = "::1";

class UdpPortTest : public ::testing::Test {
 protected:
  std::unique_ptr<UdpPort> Listen(
      DatagramProtocol* protocol,
      const Address& local = IPv4Address::Udp(kLoopback, 0),
      UdpPort::Options options = {}) {
    absl::StatusOr<std::unique_ptr<UdpPort>> port =
        UdpPort::Listen(local, protocol, &reactor_, options);
    EXPECT_TRUE(port.ok()) << port.status();
    if (!port.ok()) return nullptr;
    (*port)->set_error_hook(
        [this](const absl::Status& status) { errors_.push_back(status); });
    return *std::move(port);
  }

  // Turns the reactor until `done()` holds; false after a generous deadline.
  template <typename F>
  bool RunUntil(F done) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (!done()) {
      if (absl::Now() > deadline) return false;
      if (!reactor_.RunOnce(absl::Milliseconds(10)).ok()) return false;
    }
    return true;
  }
  // A few turns with nothing left to wait for: lets anything stray arrive.
  void Settle() {
    for (int i = 0; i < 5; ++i) (void)reactor_.RunOnce(absl::Milliseconds(2));
  }

  EpollReactor reactor_;
  std::vector<absl::Status> errors_;
};

// test_oldAddress, test_getHost: the host is UDP, on the interface asked
// for, with the port the kernel chose.
TEST_F(UdpPortTest, GetHostIsUdpOnTheChosenPort) {
  DatagramRecorder server;
  std::unique_ptr<UdpPort> port = Listen(&server);
  ASSERT_NE(port, nullptr);
  const Address got = port->GetHost();
  const auto* host = std::get_if<IPv4Address>(&got);
  ASSERT_NE(host, nullptr);
  EXPECT_EQ(host->kind, IPv4Address::Kind::kUdp);
  EXPECT_EQ(host->host, "127.0.0.1");
  EXPECT_NE(host->port, 0);
  EXPECT_EQ(server.transport(), port.get());
  EXPECT_EQ(port->max_datagram_size(), UdpPort::kMaxIPv4Datagram);
}

// test_getHostIPv6.
TEST_F(UdpPortTest, GetHostIPv6) {
  DatagramRecorder server;
  std::unique_ptr<UdpPort> port =
      Listen(&server, IPv6Address{IPv4Address::Kind::kUdp, kLoopback6, 0});
  ASSERT_NE(port, nullptr);
  const Address got = port->GetHost();
  const auto* host = std::get_if<IPv6Address>(&got);
  ASSERT_NE(host, nullptr);
  EXPECT_EQ(host->kind, IPv4Address::Kind::kUdp);
  EXPECT_EQ(host->host, "::1");
  EXPECT_NE(host->port, 0);
  EXPECT_EQ(port->max_datagram_size(), UdpPort::kMaxIPv6Datagram);
}

// test_invalidInterface, test_connectingToHostnameRaisesInvalidAddressError:
// only IP endpoints; names are never looked up (ParseIPAddress refuses them
// before a port sees them).
TEST_F(UdpPortTest, OnlyIPEndpointsCanBeBound) {
  DatagramRecorder server;
  absl::StatusOr<std::unique_ptr<UdpPort>> port =
      UdpPort::Listen(UnixAddress{"/tmp/x"}, &server, &reactor_);
  EXPECT_EQ(port.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(port.status().message(), HasSubstr("/tmp/x"));
  EXPECT_EQ(server.starts, 0);
  EXPECT_FALSE(
      ParseIPAddress(IPv4Address::Kind::kUdp, "example.invalid", 1).ok());
}

// test_startStop, test_stopProtocolScheduling: StartProtocol() once when
// listening starts; StopProtocol() once, on a later turn, never inside
// StopListening(), however often it is called.
TEST_F(UdpPortTest, StartAndStopProtocolOnceEach) {
  DatagramRecorder server;
  std::unique_ptr<UdpPort> port = Listen(&server);
  ASSERT_NE(port, nullptr);
  EXPECT_EQ(server.starts, 1);
  EXPECT_EQ(server.stops, 0);
  port->StopListening();
  port->StopListening();
  EXPECT_FALSE(port->listening());
  EXPECT_EQ(server.stops, 0) << "StopProtocol() ran inside StopListening()";
  ASSERT_TRUE(RunUntil([&] { return server.stops > 0; }));
  Settle();
  EXPECT_EQ(server.stops, 1);
  EXPECT_EQ(server.starts, 1);
}

// test_stopProtocolScheduling: stopping from inside StartProtocol().
TEST_F(UdpPortTest, StopListeningFromStartProtocolIsNotReentrant) {
  DatagramRecorder server;
  bool in_start = false;
  bool stopped_in_start = false;
  server.on_start = [&] {
    in_start = true;
    server.transport()->StopListening();
    in_start = false;
  };
  server.on_stop = [&] { stopped_in_start = in_start; };
  std::unique_ptr<UdpPort> port = Listen(&server);
  ASSERT_NE(port, nullptr);
  EXPECT_FALSE(port->reading());
  ASSERT_TRUE(RunUntil([&] { return server.stops > 0; }));
  EXPECT_FALSE(stopped_in_start);
}

// test_rebind: the endpoint is released at once, and the same protocol
// hears StartProtocol() again from a new port.
TEST_F(UdpPortTest, RebindTheSamePortAfterStopping) {
  DatagramRecorder server;
  std::unique_ptr<UdpPort> port = Listen(&server);
  ASSERT_NE(port, nullptr);
  const Address host = port->GetHost();
  port->StopListening();
  std::unique_ptr<UdpPort> again = Listen(&server, host);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->GetHost(), host);
  EXPECT_EQ(server.starts, 2);
  ASSERT_TRUE(RunUntil([&] { return server.stops == 1; }));
}

// test_bindError: a second port on a bound endpoint fails, naming it, and
// its protocol never starts.
TEST_F(UdpPortTest, BindErrorNamesTheEndpoint) {
  DatagramRecorder first, second;
  std::unique_ptr<UdpPort> port = Listen(&first);
  ASSERT_NE(port, nullptr);
  EXPECT_EQ(first.transport()->GetHost(), port->GetHost());
  absl::StatusOr<std::unique_ptr<UdpPort>> taken =
      UdpPort::Listen(port->GetHost(), &second, &reactor_);
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(ErrnoOf(taken.status()), EADDRINUSE);
  EXPECT_THAT(taken.status().message(), HasSubstr("cannot listen on"));
  EXPECT_THAT(taken.status().message(), HasSubstr(ToString(port->GetHost())));
  EXPECT_EQ(second.starts, 0);
}

// test_sendPackets: both directions; a connected client's datagrams (to
// its peer, however addressed) arrive from the client's address.
TEST_F(UdpPortTest, SendPackets) {
  DatagramRecorder server, client;
  std::unique_ptr<UdpPort> server_port = Listen(&server);
  std::unique_ptr<UdpPort> client_port = Listen(&client);
  ASSERT_NE(server_port, nullptr);
  ASSERT_NE(client_port, nullptr);
  const Address s = server_port->GetHost();
  const Address c = client_port->GetHost();
  ASSERT_TRUE(client_port->Connect(s).ok());
  EXPECT_EQ(client_port->peer(), s);
  EXPECT_TRUE(server_port->Write("hello", c).ok());
  for (const char* payload : {"a", "b", "c"}) {
    EXPECT_TRUE(client_port->Write(payload, s).ok());
  }
  ASSERT_TRUE(RunUntil([&] {
    return client.received.size() == 1 && server.received.size() == 3;
  }));
  EXPECT_THAT(client.received, ElementsAre(Datagram{"hello", s}));
  EXPECT_THAT(server.received, ElementsAre(Datagram{"a", c}, Datagram{"b", c},
                                           Datagram{"c", c}));
}

// Our choice where Twisted raises: once connected, Write() to any endpoint
// but the peer fails with InvalidArgument and sends nothing.
TEST_F(UdpPortTest, ConnectedWriteToAnotherEndpointIsRefused) {
  DatagramRecorder server, other, client;
  std::unique_ptr<UdpPort> server_port = Listen(&server);
  std::unique_ptr<UdpPort> other_port = Listen(&other);
  std::unique_ptr<UdpPort> client_port = Listen(&client);
  ASSERT_TRUE(client_port->Connect(server_port->GetHost()).ok());
  absl::Status status = client_port->Write("x", other_port->GetHost());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("is connected to"));
  EXPECT_TRUE(client_port->Write("y", server_port->GetHost()).ok());
  ASSERT_TRUE(RunUntil([&] { return server.received.size() == 1; }));
  Settle();
  EXPECT_TRUE(other.received.empty());
  EXPECT_EQ(server.received[0].data, "y");
}

// test_connectionRefused: a connected port whose peer has no listener
// hears ConnectionRefused() and goes on working.
TEST_F(UdpPortTest, ConnectionRefused) {
  DatagramRecorder client, closed, server;
  std::unique_ptr<UdpPort> closed_port = Listen(&closed);
  const Address nobody = closed_port->GetHost();
  closed_port.reset();  // Now nothing listens there.
  std::unique_ptr<UdpPort> client_port = Listen(&client);
  std::unique_ptr<UdpPort> server_port = Listen(&server);
  ASSERT_TRUE(client_port->Connect(nobody).ok());
  for (int i = 0; i < 10; ++i) {
    // Twisted's test writes ten; the kernel answers the first.
    (void)client_port->Write(std::to_string(i), nobody);
    EXPECT_TRUE(server_port->Write(std::to_string(i), nobody).ok());
  }
  ASSERT_TRUE(RunUntil([&] { return client.refusals > 0; }));
  EXPECT_TRUE(client_port->listening());
  EXPECT_EQ(server.refusals, 0) << "an unconnected port hears no refusals";
  EXPECT_TRUE(errors_.empty());
}

// Twisted's connected write: a send() that meets the peer's pending
// refusal returns ECONNREFUSED, and the protocol hears ConnectionRefused()
// from the write itself.
TEST_F(UdpPortTest, ConnectedWriteReportsTheRefusal) {
  DatagramRecorder client, closed;
  std::unique_ptr<UdpPort> closed_port = Listen(&closed);
  const Address nobody = closed_port->GetHost();
  closed_port.reset();
  std::unique_ptr<UdpPort> client_port = Listen(&client);
  ASSERT_TRUE(client_port->Connect(nobody).ok());
  EXPECT_TRUE(client_port->Write("first", nobody).ok());
  // The ICMP answer is normally in before send() returns; allow it a few
  // more writes, without turning the reactor (which would read it).
  absl::Status status;
  for (int i = 0; i < 100 && status.ok(); ++i) {
    status = client_port->Write("again", nobody);
  }
  EXPECT_EQ(ErrnoOf(status), ECONNREFUSED) << status;
  EXPECT_EQ(client.refusals, 1);
  EXPECT_TRUE(client_port->listening());
}

// test_badConnect: connecting twice fails; so does an endpoint of the other
// family or not an IP endpoint.
TEST_F(UdpPortTest, BadConnect) {
  DatagramRecorder client;
  std::unique_ptr<UdpPort> port = Listen(&client);
  EXPECT_EQ(
      port->Connect(IPv6Address{IPv4Address::Kind::kUdp, "::1", 80}).code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(port->Connect(UnixAddress{"/x"}).code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(port->Connect(IPv4Address::Udp(kLoopback, 80)).ok());
  absl::Status again = port->Connect(IPv4Address::Udp(kLoopback, 80));
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(again.message(), HasSubstr("already connected"));
}

// test_datagramReceivedError: a throwing DatagramReceived() is reported and
// the port keeps listening; later datagrams are delivered.
TEST_F(UdpPortTest, DatagramReceivedErrorKeepsThePortOpen) {
  DatagramRecorder server, client;
  server.on_datagram = [](std::string_view data, const Address&) {
    if (data == "boom") throw std::runtime_error("protocol bug");
  };
  std::unique_ptr<UdpPort> server_port = Listen(&server);
  std::unique_ptr<UdpPort> client_port = Listen(&client);
  const Address s = server_port->GetHost();
  EXPECT_TRUE(client_port->Write("boom", s).ok());
  EXPECT_TRUE(client_port->Write("fine", s).ok());
  ASSERT_TRUE(RunUntil([&] { return server.received.size() == 2; }));
  EXPECT_TRUE(server_port->listening());
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_THAT(errors_[0].message(), HasSubstr("protocol bug"));
  EXPECT_EQ(server.received[1].data, "fine");
}

// testShutdownFromDatagramReceived: stopping from inside DatagramReceived()
// ends the read loop; what else waited is never delivered.
TEST_F(UdpPortTest, StopListeningFromDatagramReceived) {
  DatagramRecorder server, client;
  server.on_datagram = [&](std::string_view, const Address&) {
    server.transport()->StopListening();
  };
  std::unique_ptr<UdpPort> server_port = Listen(&server);
  std::unique_ptr<UdpPort> client_port = Listen(&client);
  for (const char* payload : {"1", "2", "3"}) {
    EXPECT_TRUE(client_port->Write(payload, server_port->GetHost()).ok());
  }
  ASSERT_TRUE(RunUntil([&] { return server.stops == 1; }));
  Settle();
  EXPECT_THAT(server.payloads(), ElementsAre("1"));
  EXPECT_EQ(server.stops, 1);
}

// The protocol may destroy its port from inside DatagramReceived() (ASan
// checks that the read loop touches nothing afterwards).
TEST_F(UdpPortTest, DestroyedFromDatagramReceived) {
  DatagramRecorder server, client;
  std::unique_ptr<UdpPort> server_port = Listen(&server);
  server.on_datagram = [&](std::string_view, const Address&) {
    server_port.reset();
  };
  std::unique_ptr<UdpPort> client_port = Listen(&client);
  const Address s = server_port->GetHost();
  EXPECT_TRUE(client_port->Write("1", s).ok());
  EXPECT_TRUE(client_port->Write("2", s).ok());
  ASSERT_TRUE(RunUntil([&] { return server_port == nullptr; }));
  Settle();
  EXPECT_EQ(server.received.size(), 1u);
  EXPECT_EQ(server.stops, 0) << "destroyed without StopListening()";
}

// A StopProtocol() still pending when the port is destroyed runs then.
TEST_F(UdpPortTest, DestroyedWhileStoppingStillStopsTheProtocol) {
  DatagramRecorder server;
  std::unique_ptr<UdpPort> port = Listen(&server);
  port->StopListening();
  EXPECT_EQ(server.stops, 0);
  port.reset();
  EXPECT_EQ(server.stops, 1);
  Settle();
  EXPECT_EQ(server.stops, 1);
}

// test_writeToIPv6Interface, test_connectedWriteToIPv6Interface.
TEST_F(UdpPortTest, WriteToIPv6Interface) {
  DatagramRecorder server, client, connected;
  const Address any6 = IPv6Address{IPv4Address::Kind::kUdp, kLoopback6, 0};
  std::unique_ptr<UdpPort> server_port = Listen(&server, any6);
  std::unique_ptr<UdpPort> client_port = Listen(&client, any6);
  std::unique_ptr<UdpPort> connected_port = Listen(&connected, any6);
  ASSERT_TRUE(server_port && client_port && connected_port);
  const Address s = server_port->GetHost();
  ASSERT_TRUE(connected_port->Connect(s).ok());
  EXPECT_TRUE(client_port->Write("spam", s).ok());
  ASSERT_TRUE(RunUntil([&] { return server.received.size() == 1; }));
  EXPECT_TRUE(connected_port->Write("eggs", s).ok());
  ASSERT_TRUE(RunUntil([&] { return server.received.size() == 2; }));
  EXPECT_THAT(server.received,
              ElementsAre(Datagram{"spam", client_port->GetHost()},
                          Datagram{"eggs", connected_port->GetHost()}));
}

// test_writingToIPv6OnIPv4RaisesInvalidAddressError and
// test_writingToIPv4OnIPv6RaisesInvalidAddressError (and no hostnames:
// test_writingToHostnameRaisesInvalidAddressError has no analogue, since an
// Address cannot hold one).
TEST_F(UdpPortTest, WritingToTheOtherFamilyIsInvalid) {
  DatagramRecorder v4, v6;
  std::unique_ptr<UdpPort> port4 = Listen(&v4);
  std::unique_ptr<UdpPort> port6 =
      Listen(&v6, IPv6Address{IPv4Address::Kind::kUdp, kLoopback6, 0});
  EXPECT_EQ(
      port4->Write("spam", IPv6Address{IPv4Address::Kind::kUdp, kLoopback6, 1})
          .code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(port6->Write("spam", IPv4Address::Udp(kLoopback, 1)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(port4->Write("spam", UnixAddress{"/x"}).code(),
            absl::StatusCode::kInvalidArgument);
}

// test_str, test_repr: the description names the endpoint and state.
TEST_F(UdpPortTest, DebugStringNamesTheEndpoint) {
  DatagramRecorder server;
  std::unique_ptr<UdpPort> port = Listen(&server);
  const uint16_t p = std::get<IPv4Address>(port->GetHost()).port;
  EXPECT_THAT(port->DebugString(), HasSubstr(std::to_string(p)));
  EXPECT_THAT(port->DebugString(), HasSubstr(" listening"));
  port->StopListening();
  EXPECT_THAT(port->DebugString(), HasSubstr("not listening"));
}

TEST_F(UdpPortTest, OversizeWriteIsEmsgsizeAndNotSent) {
  DatagramRecorder server, client;
  std::unique_ptr<UdpPort> server_port = Listen(&server);
  std::unique_ptr<UdpPort> client_port = Listen(&client);
  const Address s = server_port->GetHost();
  const std::string big(client_port->max_datagram_size() + 1, 'x');
  absl::Status status = client_port->Write(big, s);
  EXPECT_EQ(ErrnoOf(status), EMSGSIZE) << status;
  const std::string largest(client_port->max_datagram_size(), 'y');
  EXPECT_TRUE(client_port->Write(largest, s).ok());
  ASSERT_TRUE(RunUntil([&] { return server.received.size() == 1; }));
  Settle();
  ASSERT_EQ(server.received.size(), 1u);
  EXPECT_EQ(server.received[0].data, largest);
}

TEST_F(UdpPortTest, WriteAfterStopListeningFails) {
  DatagramRecorder server;
  std::unique_ptr<UdpPort> port = Listen(&server);
  const Address host = port->GetHost();
  port->StopListening();
  EXPECT_EQ(port->Write("late", host).code(),
            absl::StatusCode::kFailedPrecondition);
}

// PauseProducing() from inside DatagramReceived() ends the read loop at
// once; ResumeProducing() delivers what waited, in order.
TEST_F(UdpPortTest, PauseFromDatagramReceivedStopsTheReadLoop) {
  DatagramRecorder server, client;
  std::unique_ptr<UdpPort> server_port = Listen(&server);
  server.on_datagram = [&](std::string_view data, const Address&) {
    if (data == "1") server_port->PauseProducing();
  };
  std::unique_ptr<UdpPort> client_port = Listen(&client);
  for (const char* payload : {"1", "2", "3"}) {
    EXPECT_TRUE(client_port->Write(payload, server_port->GetHost()).ok());
  }
  ASSERT_TRUE(server_port->DoRead().ok());
  EXPECT_THAT(server.payloads(), ElementsAre("1"));
  EXPECT_FALSE(server_port->reading());
  Settle();
  EXPECT_THAT(server.payloads(), ElementsAre("1"));
  server_port->ResumeProducing();
  ASSERT_TRUE(RunUntil([&] { return server.received.size() == 3; }));
  EXPECT_THAT(server.payloads(), ElementsAre("1", "2", "3"));
}

// One wakeup reads at most max_reads_per_wakeup datagrams and stops after
// max_bytes_per_wakeup bytes; the rest waits for the next.
TEST_F(UdpPortTest, ReadsAreCappedPerWakeup) {
  DatagramRecorder server, client;
  UdpPort::Options options;
  options.max_reads_per_wakeup = 2;
  std::unique_ptr<UdpPort> server_port =
      Listen(&server, IPv4Address::Udp(kLoopback, 0), options);
  std::unique_ptr<UdpPort> client_port = Listen(&client);
  for (const char* payload : {"1", "2", "3", "4", "5"}) {
    EXPECT_TRUE(client_port->Write(payload, server_port->GetHost()).ok());
  }
  ASSERT_TRUE(server_port->DoRead().ok());
  EXPECT_EQ(server.received.size(), 2u);
  ASSERT_TRUE(server_port->DoRead().ok());
  EXPECT_EQ(server.received.size(), 4u);
  ASSERT_TRUE(server_port->DoRead().ok());
  EXPECT_THAT(server.payloads(), ElementsAre("1", "2", "3", "4", "5"));
  ASSERT_TRUE(server_port->DoRead().ok());  // EAGAIN: nothing, no error.
  EXPECT_TRUE(errors_.empty());

  DatagramRecorder bytes_capped;
  options = {};
  options.max_bytes_per_wakeup = 1000;
  std::unique_ptr<UdpPort> capped_port =
      Listen(&bytes_capped, IPv4Address::Udp(kLoopback, 0), options);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(
        client_port->Write(std::string(600, 'a' + i), capped_port->GetHost())
            .ok());
  }
  ASSERT_TRUE(capped_port->DoRead().ok());
  EXPECT_EQ(bytes_capped.received.size(), 2u);  // 1200 bytes >= 1000.
  ASSERT_TRUE(capped_port->DoRead().ok());
  EXPECT_EQ(bytes_capped.received.size(), 3u);
}

// The socket options are applied (the kernel doubles SO_RCVBUF).
TEST_F(UdpPortTest, BufferOptionsAreApplied) {
  DatagramRecorder server;
  UdpPort::Options options;
  options.receive_buffer = 64 * 1024;
  options.send_buffer = 32 * 1024;
  options.reuse_address = true;
  std::unique_ptr<UdpPort> port =
      Listen(&server, IPv4Address::Udp(kLoopback, 0), options);
  int value = 0;
  socklen_t len = sizeof(value);
  ASSERT_EQ(::getsockopt(port->fileno(), SOL_SOCKET, SO_RCVBUF, &value, &len),
            0);
  EXPECT_EQ(value, 2 * 64 * 1024);
  ASSERT_EQ(::getsockopt(port->fileno(), SOL_SOCKET, SO_SNDBUF, &value, &len),
            0);
  EXPECT_EQ(value, 2 * 32 * 1024);
  ASSERT_EQ(
      ::getsockopt(port->fileno(), SOL_SOCKET, SO_REUSEADDR, &value, &len), 0);
  EXPECT_EQ(value, 1);
}

}  // namespace
}  // namespace standin
