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

namespace standin::examples {
namespace {

using ::testing::ElementsAre;

TEST(KvServerTcpTest, ServesARealClientOverLoopback) {
  EpollReactor reactor;
  KvStore store;
  auto listener = StreamListener::ListenTcp(
      &reactor, 0,
      [&store](const Address&) { return std::make_unique<KvServer>(&store); });
  ASSERT_TRUE(listener.ok()) << listener.status();
  const uint16_t port = std::get<IPv4Address>((*listener)->GetHost()).port;

  KvClient client({"SET greeting hello", " world\r\nGET greet", "ing\r\n",
                   "GET missing\r\nDEL greeting\r\nCOUNT\r\n"});
  auto connection =
      StreamConnection::ConnectTcp(&reactor, "127.0.0.1", port, &client);
  ASSERT_TRUE(connection.ok()) << connection.status();
  for (int turn = 0; turn < 1000 && !client.closed(); ++turn) {
    ASSERT_TRUE(reactor.RunOnce(absl::Seconds(5)).ok());
  }
  ASSERT_TRUE(client.closed());
  EXPECT_THAT(client.replies(),
              ElementsAre("+OK", "$hello world", "-ERR no such key 'missing'",
                          ":1", ":0", "+BYE"));
  EXPECT_TRUE(IsConnectionDone(client.close_reason())) << client.close_reason();
  EXPECT_TRUE(store.empty());
  EXPECT_EQ((*listener)->accepted_count(), 1u);
}

TEST(KvServerTcpTest, TwoClientsShareTheStore) {
  EpollReactor reactor;
  KvStore store;
  auto listener = StreamListener::ListenTcp(
      &reactor, 0,
      [&store](const Address&) { return std::make_unique<KvServer>(&store); });
  ASSERT_TRUE(listener.ok()) << listener.status();
  const uint16_t port = std::get<IPv4Address>((*listener)->GetHost()).port;

  KvClient writer({"SET shared yes\r\n"});
  auto first =
      StreamConnection::ConnectTcp(&reactor, "127.0.0.1", port, &writer);
  ASSERT_TRUE(first.ok());
  for (int turn = 0; turn < 1000 && !writer.closed(); ++turn) {
    ASSERT_TRUE(reactor.RunOnce(absl::Seconds(5)).ok());
  }
  KvClient reader({"GET shared\r\n"});
  auto second =
      StreamConnection::ConnectTcp(&reactor, "127.0.0.1", port, &reader);
  ASSERT_TRUE(second.ok());
  for (int turn = 0; turn < 1000 && !reader.closed(); ++turn) {
    ASSERT_TRUE(reactor.RunOnce(absl::Seconds(5)).ok());
  }
  EXPECT_THAT(reader.replies(), ElementsAre("$yes", "+BYE"));
}

}  // namespace
}  // namespace standin::examples
