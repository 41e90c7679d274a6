// Ready-made gMock mocks of standin's callback interfaces, for tests that
// drive a transport (StringTransport, LoopbackPump, ScriptedTransport,
// FakeProcessTransport, a real socket) and want to assert what the protocol
// on the other side was told: MockProtocol, MockHalfCloseableProtocol,
// MockProcessProtocol, MockDatagramProtocol, MockProducer. Every virtual
// callback is a MOCK_METHOD.
//
// MakeConnection() is mocked too, and by default delegates to the real
// base class: the mock stores the transport (so transport() works inside
// actions) and ConnectionMade() — itself a mock — is called. An
// EXPECT_CALL on MakeConnection without an action keeps that default; give
// it an action (even testing::Return()) to replace it, and then nothing is
// stored and ConnectionMade() is not called. MockProcessProtocol's
// ChildDataReceived()/ChildConnectionLost() likewise delegate by default,
// so fd 1 also reaches OutReceived() and so on; expect whichever level reads
// better. Set expectations before handing the mock to a transport that
// connects at once (FakeProcessTransport's constructor, Adopt()).
//
// Example:
//
//   using ::testing::Truly;
//   standin::testutil::MockProtocol protocol;
//   standin::StringTransportWithDisconnection transport;
//   transport.set_protocol(&protocol);
//   EXPECT_CALL(protocol, ConnectionMade());
//   EXPECT_CALL(protocol, DataReceived("PING\r\n")).WillOnce([&] {
//     protocol.transport()->Write("PONG\r\n");  // MakeConnection delegated
//   });
//   EXPECT_CALL(protocol, ConnectionLost(Truly(standin::IsConnectionDone)));
//   protocol.MakeConnection(&transport);
//   protocol.DataReceived("PING\r\n");  // or a peer's bytes through a pump
//   transport.LoseConnection();
//
//   // MakeConnection mocked out: transport() stays null, no ConnectionMade().
//   standin::testutil::MockProtocol detached;
//   EXPECT_CALL(detached, MakeConnection(&transport))
//       .WillOnce(testing::Return());
//   detached.MakeConnection(&transport);
//
// These are naggy mocks (uninteresting calls print a warning); wrap them in
// testing::NiceMock or testing::StrictMock as usual.
#ifndef STANDIN_TESTUTIL_MOCKS_H_
#define STANDIN_TESTUTIL_MOCKS_H_

#include <string_view>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "standin/process/process_protocol.h"
#include "standin/process/process_transport.h"
#include "standin/transport/address.h"
#include "standin/transport/interfaces.h"

namespace standin::testutil {
namespace mocks_internal {

// Protocol's callbacks mocked over `Base` (Protocol or a subclass of it),
// MakeConnection() delegating to Base's by default.
template <typename Base>
class ProtocolMock : public Base {
 public:
  ProtocolMock() {
    ON_CALL(*this, MakeConnection).WillByDefault([this](Transport* t) {
      this->Base::MakeConnection(t);
    });
  }

  MOCK_METHOD(void, MakeConnection, (Transport * transport), (override));
  MOCK_METHOD(void, ConnectionMade, (), (override));
  MOCK_METHOD(void, DataReceived, (std::string_view data), (override));
  MOCK_METHOD(void, ConnectionLost, (const absl::Status& reason), (override));
};

}  // namespace mocks_internal

// A Protocol.
class MockProtocol : public mocks_internal::ProtocolMock<Protocol> {};

// A HalfCloseableProtocol: ReadConnectionLost() on the peer's EOF,
// WriteConnectionLost() once our LoseWriteConnection() took effect.
class MockHalfCloseableProtocol
    : public mocks_internal::ProtocolMock<HalfCloseableProtocol> {
 public:
  MOCK_METHOD(void, ReadConnectionLost, (), (override));
  MOCK_METHOD(void, WriteConnectionLost, (), (override));
};

// A ProcessProtocol. MakeConnection(), ChildDataReceived() and
// ChildConnectionLost() delegate to ProcessProtocol's by default (see the
// file comment).
class MockProcessProtocol : public ProcessProtocol {
 public:
  MockProcessProtocol() {
    ON_CALL(*this, MakeConnection).WillByDefault([this](ProcessTransport* t) {
      ProcessProtocol::MakeConnection(t);
    });
    ON_CALL(*this, ChildDataReceived)
        .WillByDefault([this](int child_fd, std::string_view data) {
          ProcessProtocol::ChildDataReceived(child_fd, data);
        });
    ON_CALL(*this, ChildConnectionLost).WillByDefault([this](int child_fd) {
      ProcessProtocol::ChildConnectionLost(child_fd);
    });
  }

  MOCK_METHOD(void, MakeConnection, (ProcessTransport * transport), (override));
  MOCK_METHOD(void, ConnectionMade, (), (override));
  MOCK_METHOD(void, ChildDataReceived, (int child_fd, std::string_view data),
              (override));
  MOCK_METHOD(void, OutReceived, (std::string_view data), (override));
  MOCK_METHOD(void, ErrReceived, (std::string_view data), (override));
  MOCK_METHOD(void, ChildConnectionLost, (int child_fd), (override));
  MOCK_METHOD(void, InConnectionLost, (), (override));
  MOCK_METHOD(void, OutConnectionLost, (), (override));
  MOCK_METHOD(void, ErrConnectionLost, (), (override));
  MOCK_METHOD(void, ProcessExited, (const absl::Status& status), (override));
  MOCK_METHOD(void, ProcessEnded, (const absl::Status& status), (override));
};

// A DatagramProtocol. MakeConnection() delegates to DatagramProtocol's by
// default (stores the transport, then calls StartProtocol(), itself a
// mock), as MockProtocol's does.
class MockDatagramProtocol : public DatagramProtocol {
 public:
  MockDatagramProtocol() {
    ON_CALL(*this, MakeConnection).WillByDefault([this](DatagramTransport* t) {
      DatagramProtocol::MakeConnection(t);
    });
  }

  MOCK_METHOD(void, MakeConnection, (DatagramTransport * transport),
              (override));
  MOCK_METHOD(void, StartProtocol, (), (override));
  MOCK_METHOD(void, StopProtocol, (), (override));
  MOCK_METHOD(void, DatagramReceived,
              (std::string_view data, const Address& from), (override));
  MOCK_METHOD(void, ConnectionRefused, (), (override));
};

// A Producer, to register with a transport and see it paused, resumed and
// stopped.
class MockProducer : public Producer {
 public:
  MOCK_METHOD(void, ResumeProducing, (), (override));
  MOCK_METHOD(void, StopProducing, (), (override));
  MOCK_METHOD(void, PauseProducing, (), (override));
};

}  // namespace standin::testutil

#endif  // STANDIN_TESTUTIL_MOCKS_H_
