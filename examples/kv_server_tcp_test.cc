// End to end: KvServer, unchanged, behind a real TCP listener on loopback,
// driven by KvClient over a real connection. Synchronised only by reactor
// events; the loop bound is a safety net, not a wait.
#include <memory>
#include <variant>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/examples/kv_client.h"
#include "standin/examples/kv_server.h"
#include "standin/transport/epoll_reactor.h"
#include "standin/transport/status.h"
#include "standin/transport/stream_connection.h"
#include "standin/transport/stream_listener.h"

namespace standin::examples {
namespace {

using ::testing::ElementsAre;

// A KvServer listening on an ephemeral loopback port, shared store.
class KvServerTcpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto listener = StreamListener::ListenTcp(
        &reactor_, 0,
        [this](const Address&) { return std::make_unique<KvServer>(&store_); });
    ASSERT_TRUE(listener.ok()) << listener.status();
    listener_ = *std::move(listener);
  }

  // Connects `client` and runs the reactor until the server has closed it.
  void RunToCompletion(KvClient& client) {
    const uint16_t port = std::get<IPv4Address>(listener_->GetHost()).port;
    auto connection =
        StreamConnection::ConnectTcp(&reactor_, "127.0.0.1", port, &client);
    ASSERT_TRUE(connection.ok()) << connection.status();
    for (int turn = 0; turn < 1000 && !client.closed(); ++turn) {
      ASSERT_TRUE(reactor_.RunOnce(absl::Seconds(5)).ok());
    }
    ASSERT_TRUE(client.closed());
  }

  EpollReactor reactor_;
  KvStore store_;
  std::unique_ptr<StreamListener> listener_;
};

TEST_F(KvServerTcpTest, ServesARealClientOverLoopback) {
  KvClient client({"SET greeting hello", " world\r\nGET greet", "ing\r\n",
                   "GET missing\r\nDEL greeting\r\nCOUNT\r\n"});
  RunToCompletion(client);
  EXPECT_THAT(client.replies(),
              ElementsAre("+OK", "$hello world", "-ERR no such key 'missing'",
                          ":1", ":0", "+BYE"));
  EXPECT_TRUE(IsConnectionDone(client.close_reason())) << client.close_reason();
  EXPECT_TRUE(store_.empty());
  EXPECT_EQ(listener_->accepted_count(), 1u);
}

TEST_F(KvServerTcpTest, TwoClientsShareTheStore) {
  KvClient writer({"SET shared yes\r\n"});
  RunToCompletion(writer);
  KvClient reader({"GET shared\r\n"});
  RunToCompletion(reader);
  EXPECT_THAT(reader.replies(), ElementsAre("$yes", "+BYE"));
}

}  // namespace
}  // namespace standin::examples
