// The mocks driven by real and fake transports: what each transport tells
// its protocol, asserted with EXPECT_CALL, and the MakeConnection default.
#include "standin/testutil/mocks.h"

#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/netstack/builders.h"
#include "standin/netstack/ip_protocol.h"
#include "standin/netstack/raw_udp_protocol.h"
#include "standin/process/fake_process_transport.h"
#include "standin/process/process_status.h"
#include "standin/testutil/loopback_pump.h"
#include "standin/testutil/scripted_transport.h"
#include "standin/transport/address.h"
#include "standin/transport/epoll_reactor.h"
#include "standin/transport/fake_datagram_transport.h"
#include "standin/transport/status.h"
#include "standin/transport/stream_connection.h"
#include "standin/transport/string_transport.h"

namespace standin::testutil {
namespace {

using ::testing::_;
using ::testing::InSequence;
using ::testing::Return;
using ::testing::StrictMock;
using ::testing::Truly;

bool ExitedCleanly(const absl::Status& status) {
  return ExitCodeOf(status) == 0;
}

// --- MakeConnection ---------------------------------------------------------

TEST(MockProtocolTest, MakeConnectionDelegatesToProtocolsByDefault) {
  StrictMock<MockProtocol> protocol;
  StringTransport transport;
  EXPECT_CALL(protocol, MakeConnection(&transport));  // no action: delegated
  EXPECT_CALL(protocol, ConnectionMade());
  protocol.MakeConnection(&transport);
  EXPECT_EQ(protocol.transport(), &transport);
}

TEST(MockProtocolTest, MakeConnectionCanBeMockedOut) {
  StrictMock<MockProtocol> protocol;
  StringTransport transport;
  EXPECT_CALL(protocol, MakeConnection(&transport)).WillOnce(Return());
  protocol.MakeConnection(&transport);  // ConnectionMade() is not called
  EXPECT_EQ(protocol.transport(), nullptr);
}

// --- Stream transports
// --------------------------------------------------------

TEST(MockProtocolTest, HearsStringTransportWithDisconnectionClose) {
  StrictMock<MockProtocol> protocol;
  StringTransportWithDisconnection transport;
  transport.set_protocol(&protocol);
  {
    InSequence in_order;
    EXPECT_CALL(protocol, MakeConnection(&transport));
    EXPECT_CALL(protocol, ConnectionMade());
    EXPECT_CALL(protocol, DataReceived("PING\r\n")).WillOnce([&] {
      protocol.transport()->Write("PONG\r\n");
      protocol.transport()->LoseConnection();
    });
    EXPECT_CALL(protocol, ConnectionLost(Truly(IsConnectionDone)));
  }
  protocol.MakeConnection(&transport);
  protocol.DataReceived("PING\r\n");
  EXPECT_EQ(transport.Value(), "PONG\r\n");
}

TEST(MockProtocolTest, HearsAnAbortAsConnectionAborted) {
  testing::NiceMock<MockProtocol> protocol;
  StringTransportWithDisconnection transport;
  transport.set_protocol(&protocol);
  protocol.MakeConnection(&transport);
  EXPECT_CALL(protocol, ConnectionLost(Truly(IsConnectionAborted)));
  transport.AbortConnection();
}

TEST(MockProtocolTest, ReceivesWhatThePeerWritesThroughALoopbackPump) {
  testing::NiceMock<MockProtocol> client;
  StrictMock<MockProtocol> server;
  {
    InSequence in_order;
    EXPECT_CALL(server, MakeConnection(_));
    EXPECT_CALL(server, ConnectionMade());
    EXPECT_CALL(server, DataReceived("PING\r\n")).WillOnce([&] {
      server.transport()->Write("PONG\r\n");
    });
    EXPECT_CALL(server, ConnectionLost(Truly(IsConnectionDone)));
  }
  EXPECT_CALL(client, DataReceived("PONG\r\n")).WillOnce([&] {
    client.transport()->LoseConnection();
  });
  LoopbackPump pump(&client, &server);
  client.transport()->Write("PING\r\n");
  pump.Flush();
}

TEST(MockProtocolTest, ReceivesWhatARealSocketDelivers) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  EpollReactor reactor;
  testing::NiceMock<MockProtocol> protocol;
  bool lost = false;
  EXPECT_CALL(protocol, ConnectionMade());
  EXPECT_CALL(protocol, DataReceived("PING\r\n"));
  EXPECT_CALL(protocol, ConnectionLost(Truly(IsConnectionDone))).WillOnce([&] {
    lost = true;
  });
  absl::StatusOr<std::unique_ptr<StreamConnection>> connection =
      StreamConnection::Adopt(fds[0], &reactor, &protocol);
  ASSERT_TRUE(connection.ok()) << connection.status();
  EXPECT_EQ(protocol.transport(), connection->get());
  ASSERT_EQ(::write(fds[1], "PING\r\n", 6), 6);
  ASSERT_EQ(::close(fds[1]), 0);  // then EOF
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!lost && absl::Now() < deadline) {
    ASSERT_TRUE(reactor.RunOnce(absl::Seconds(1)).ok());
  }
  EXPECT_TRUE(lost);
}

TEST(MockHalfCloseableProtocolTest, HearsEofAsReadConnectionLost) {
  StrictMock<MockHalfCloseableProtocol> protocol;
  {
    InSequence in_order;
    EXPECT_CALL(protocol, MakeConnection(_));
    EXPECT_CALL(protocol, ConnectionMade());
    EXPECT_CALL(protocol, DataReceived("upload"));
    EXPECT_CALL(protocol, ReadConnectionLost()).WillOnce([&] {
      protocol.transport()->Write("6\r\n");  // still allowed to answer
      protocol.transport()->LoseConnection();
    });
    EXPECT_CALL(protocol, ConnectionLost(Truly(IsConnectionDone)));
  }
  ScriptedTransport script;
  script.Deliver("upload").DeliverEof().ExpectWrite("6\r\n");
  script.ExpectLoseConnection();
  script.Play(&protocol);
}

TEST(MockHalfCloseableProtocolTest, HearsItsOwnHalfCloseTakeEffect) {
  StrictMock<MockHalfCloseableProtocol> protocol;
  {
    InSequence in_order;
    EXPECT_CALL(protocol, MakeConnection(_));
    EXPECT_CALL(protocol, ConnectionMade()).WillOnce([&] {
      protocol.transport()->Write("request");
      dynamic_cast<HalfCloseableTransport*>(protocol.transport())
          ->LoseWriteConnection();
    });
    EXPECT_CALL(protocol, WriteConnectionLost());
    EXPECT_CALL(protocol, DataReceived("answer"));
    EXPECT_CALL(protocol, ReadConnectionLost());
    EXPECT_CALL(protocol, ConnectionLost(Truly(IsConnectionDone)));
  }
  ScriptedTransport script;
  script.ExpectWrite("request").ExpectLoseWriteConnection();
  script.Deliver("answer").DeliverEof();
  script.Play(&protocol);
}

// --- Processes
// ----------------------------------------------------------------

TEST(MockProcessProtocolTest, HearsAScriptedChildInOrder) {
  StrictMock<MockProcessProtocol> protocol;
  {
    InSequence in_order;
    EXPECT_CALL(protocol, MakeConnection(_));
    EXPECT_CALL(protocol, ConnectionMade());
    EXPECT_CALL(protocol, ChildDataReceived(1, "out"));
    EXPECT_CALL(protocol, OutReceived("out"));  // ChildDataReceived delegated
    EXPECT_CALL(protocol, ChildDataReceived(2, "err"));
    EXPECT_CALL(protocol, ErrReceived("err"));
    EXPECT_CALL(protocol, ChildConnectionLost(0));
    EXPECT_CALL(protocol, InConnectionLost());
    EXPECT_CALL(protocol, ChildConnectionLost(1));
    EXPECT_CALL(protocol, OutConnectionLost());
    EXPECT_CALL(protocol, ChildConnectionLost(2));
    EXPECT_CALL(protocol, ErrConnectionLost());
    EXPECT_CALL(protocol, ProcessExited(Truly(ExitedCleanly)));
    EXPECT_CALL(protocol, ProcessEnded(Truly(ExitedCleanly)));
  }
  FakeProcessTransport child(&protocol);
  EXPECT_EQ(protocol.transport(), &child);
  child.ChildWrites(1, "out");
  child.ChildWrites(2, "err");
  child.ChildExits(0);
}

TEST(MockProcessProtocolTest, DispatchCanBeMockedOut) {
  testing::NiceMock<MockProcessProtocol> protocol;
  EXPECT_CALL(protocol, ChildDataReceived(1, "out")).WillOnce(Return());
  EXPECT_CALL(protocol, OutReceived(_)).Times(0);
  EXPECT_CALL(protocol, ProcessEnded(Truly([](const absl::Status& s) {
                return SignalOf(s) == 9;
              })));
  FakeProcessTransport child(&protocol);
  child.ChildWrites(1, "out");
  child.ChildKilledBy(9);
}

// --- Producers and datagrams -------------------------------------------------

TEST(MockProducerTest, IsPausedAndResumedByALoopbackPump) {
  testing::NiceMock<MockProtocol> client, server;
  LoopbackPump pump(&client, &server, {.buffer_size = 4});
  StrictMock<MockProducer> producer;
  ASSERT_TRUE(client.transport()->RegisterProducer(&producer, true).ok());
  {
    InSequence in_order;
    EXPECT_CALL(producer, PauseProducing());  // inside the Write() below
    EXPECT_CALL(producer, ResumeProducing());
    EXPECT_CALL(producer, StopProducing());
  }
  client.transport()->Write("12345");
  pump.Flush();
  pump.client_transport().AbortConnection();
  pump.Flush();
}

TEST(MockProducerTest, APullProducerIsAskedForDataAtOnce) {
  testing::NiceMock<MockProtocol> client, server;
  LoopbackPump pump(&client, &server);
  StrictMock<MockProducer> producer;
  EXPECT_CALL(producer, ResumeProducing());
  ASSERT_TRUE(client.transport()->RegisterProducer(&producer, false).ok());
  client.transport()->UnregisterProducer();
}

TEST(MockDatagramProtocolTest, ReceivesWhatTheNetstackDispatches) {
  namespace ns = standin::netstack;
  StrictMock<MockDatagramProtocol> protocol;
  ns::RawUdpProtocol udp;
  ns::IpProtocol ip;
  ASSERT_TRUE(udp.AddProto(7, &protocol).ok());
  ASSERT_TRUE(ip.AddProto(ns::kIpProtocolUdp, &udp).ok());
  EXPECT_CALL(protocol, DatagramReceived(
                            "ping", Address(IPv4Address{IPv4Address::Kind::kUdp,
                                                        "192.0.2.1", 40000})));
  ip.DatagramReceived(
      ns::BuildUdpIpv4(standin::IPv4Host(192, 0, 2, 1), 40000,
                       standin::IPv4Host(192, 0, 2, 2), 7, "ping"),
      {});
}

TEST(MockDatagramProtocolTest, MakeConnectionDelegatesAndStartsTheProtocol) {
  StrictMock<MockDatagramProtocol> protocol;
  EXPECT_CALL(protocol, MakeConnection(_));
  EXPECT_CALL(protocol, StartProtocol());
  FakeDatagramTransport transport(&protocol);
  EXPECT_EQ(protocol.transport(), &transport);
}

TEST(MockDatagramProtocolTest, EveryCallbackOverTheFake) {
  StrictMock<MockDatagramProtocol> protocol;
  const Address peer = IPv4Address::Udp("192.0.2.7", 4000);
  InSequence in_order;
  EXPECT_CALL(protocol, MakeConnection(_));
  EXPECT_CALL(protocol, StartProtocol());
  EXPECT_CALL(protocol, DatagramReceived("ping", peer)).WillOnce([&] {
    EXPECT_TRUE(protocol.transport()->Write("pong", peer).ok());
  });
  EXPECT_CALL(protocol, ConnectionRefused());
  EXPECT_CALL(protocol, StopProtocol());
  FakeDatagramTransport transport(&protocol);
  transport.Deliver("ping", peer);
  transport.ConnectionRefused();
  transport.StopListening();
  EXPECT_EQ(transport.written().size(), 1u);
}

TEST(MockDatagramProtocolTest, MakeConnectionMockedOut) {
  StrictMock<MockDatagramProtocol> protocol;
  EXPECT_CALL(protocol, MakeConnection(_)).WillOnce(Return());
  FakeDatagramTransport transport(&protocol);
  EXPECT_EQ(protocol.transport(), nullptr);
}

}  // namespace
}  // namespace standin::testutil
