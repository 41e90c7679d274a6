// The transport conformance suite (testutil/transport_conformance.h) over
// every real stream transport: a socketpair, a pipe pair, TCP loopback and a
// UNIX-domain listener. The doubles run the same suite
// (testutil/loopback_pump_test.cc).
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "standin/testutil/transport_conformance.h"
#include "standin/transport/epoll_reactor.h"
#include "standin/transport/stream_connection.h"
#include "standin/transport/stream_listener.h"

namespace standin {
namespace {

using ::standin::testutil::TransportConformanceTest;
using ::standin::testutil::TransportHarness;
using ::standin::testutil::TransportHarnessFactory;

std::string TempSocketPath() {
  static int counter = 0;
  return absl::StrCat("/tmp/standin-conformance-", ::getpid(), "-", counter++,
                      ".sock");
}

// Hands every call to a protocol the test owns (the listener owns this).
template <typename Base>
class Forwarder : public Base {
 public:
  explicit Forwarder(Protocol* target) : target_(target) {}
  void MakeConnection(Transport* transport) override {
    this->transport_ = transport;
    target_->MakeConnection(transport);
  }
  void DataReceived(std::string_view data) override {
    target_->DataReceived(data);
  }
  void ConnectionLost(const absl::Status& reason) override {
    target_->ConnectionLost(reason);
  }

 protected:
  Protocol* target_;
};

// For a half-closeable target the forwarder must be one too: the transport
// looks at its own protocol to decide what EOF means.
class HalfCloseableForwarder : public Forwarder<HalfCloseableProtocol> {
 public:
  using Forwarder::Forwarder;
  void ReadConnectionLost() override {
    static_cast<HalfCloseableProtocol*>(target_)->ReadConnectionLost();
  }
  void WriteConnectionLost() override {
    static_cast<HalfCloseableProtocol*>(target_)->WriteConnectionLost();
  }
};

std::unique_ptr<Protocol> ForwardTo(Protocol* target) {
  if (dynamic_cast<HalfCloseableProtocol*>(target) != nullptr) {
    return std::make_unique<HalfCloseableForwarder>(target);
  }
  return std::make_unique<Forwarder<Protocol>>(target);
}

// Runs `reactor` until `done()` or a generous deadline.
bool RunReactorUntil(EpollReactor& reactor, absl::FunctionRef<bool()> done,
                     absl::Duration limit = absl::Seconds(30)) {
  const absl::Time deadline = reactor.Now() + limit;
  while (!done()) {
    if (reactor.Now() > deadline) return false;
    // Short turns: `done` may itself produce work (a producer's next chunk)
    // that no descriptor event announces.
    if (!reactor.RunOnce(absl::Milliseconds(1)).ok()) return false;
  }
  return true;
}

class RealHarness : public TransportHarness {
 public:
  bool RunUntil(absl::FunctionRef<bool()> done) override {
    return RunReactorUntil(reactor_, done);
  }
  void Settle() override {
    for (int i = 0; i < 5; ++i)
      ASSERT_TRUE(reactor_.RunOnce(absl::Milliseconds(2)).ok());
  }
  void AbortConnection(Transport* transport) override {
    dynamic_cast<FileDescriptor&>(*transport).AbortConnection();
  }
  Producer* AsProducer(Transport* transport) override {
    return dynamic_cast<Producer*>(transport);
  }

 protected:
  EpollReactor reactor_;
  std::unique_ptr<StreamListener> listener_;
  std::unique_ptr<StreamConnection> client_;
  std::unique_ptr<StreamConnection> server_;
};

class SocketPairHarness : public RealHarness {
 public:
  void Connect(Protocol* client, Protocol* server) override {
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    auto s = StreamConnection::Adopt(fds[1], &reactor_, server);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = *std::move(s);
    auto c = StreamConnection::Adopt(fds[0], &reactor_, client);
    ASSERT_TRUE(c.ok()) << c.status();
    client_ = *std::move(c);
  }
};

class PipePairHarness : public RealHarness {
 public:
  void Connect(Protocol* client, Protocol* server) override {
    int up[2], down[2];  // client -> server, server -> client
    ASSERT_EQ(::pipe2(up, O_CLOEXEC), 0);
    ASSERT_EQ(::pipe2(down, O_CLOEXEC), 0);
    auto s = StreamConnection::AdoptPipes(up[0], down[1], &reactor_, server);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = *std::move(s);
    auto c = StreamConnection::AdoptPipes(down[0], up[1], &reactor_, client);
    ASSERT_TRUE(c.ok()) << c.status();
    client_ = *std::move(c);
  }
};

class TcpHarness : public RealHarness {
 public:
  void Connect(Protocol* client, Protocol* server) override {
    auto listener = StreamListener::ListenTcp(
        &reactor_, 0, [server](const Address&) -> std::unique_ptr<Protocol> {
          return ForwardTo(server);
        });
    ASSERT_TRUE(listener.ok()) << listener.status();
    listener_ = *std::move(listener);
    uint16_t port = std::get<IPv4Address>(listener_->GetHost()).port;
    auto c = StreamConnection::ConnectTcp(&reactor_, "127.0.0.1", port, client);
    ASSERT_TRUE(c.ok()) << c.status();
    client_ = *std::move(c);
    ASSERT_TRUE(RunUntil([&] {
      return client->transport() != nullptr && server->transport() != nullptr;
    }));
  }
};

class UnixHarness : public RealHarness {
 public:
  void Connect(Protocol* client, Protocol* server) override {
    std::string path = TempSocketPath();
    auto listener = StreamListener::ListenUnix(
        &reactor_, path, [server](const Address&) -> std::unique_ptr<Protocol> {
          return ForwardTo(server);
        });
    ASSERT_TRUE(listener.ok()) << listener.status();
    listener_ = *std::move(listener);
    auto c = StreamConnection::ConnectUnix(&reactor_, path, client);
    ASSERT_TRUE(c.ok()) << c.status();
    client_ = *std::move(c);
    ASSERT_TRUE(RunUntil([&] {
      return client->transport() != nullptr && server->transport() != nullptr;
    }));
  }
};

INSTANTIATE_TEST_SUITE_P(
    StreamConnection, TransportConformanceTest,
    ::testing::Values(
        TransportHarnessFactory{
            "SocketPair", [] { return std::make_unique<SocketPairHarness>(); }},
        TransportHarnessFactory{
            "PipePair", [] { return std::make_unique<PipePairHarness>(); }},
        TransportHarnessFactory{"TcpLoopback",
                                [] { return std::make_unique<TcpHarness>(); }},
        TransportHarnessFactory{
            "UnixListener", [] { return std::make_unique<UnixHarness>(); }}),
    testutil::TransportHarnessName);

}  // namespace
}  // namespace standin
