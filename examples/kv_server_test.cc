// Unit tests for KvServer: no sockets, no threads, no sleeps. The model for
// testing a protocol with StringTransport and the testutil matchers.
#include "standin/examples/kv_server.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/testutil/matchers.h"
#include "standin/transport/string_transport.h"

namespace standin::examples {
namespace {

using ::standin::testutil::HasWritten;
using ::standin::testutil::IsDisconnecting;
using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::Not;
using Event = StringTransport::Event;

class KvServerTest : public ::testing::Test {
 protected:
  KvServerTest() { server_.MakeConnection(&transport_); }

  KvStore store_;
  KvServer server_{&store_};
  StringTransport transport_;
};

TEST_F(KvServerTest, SetThenGet) {
  server_.DataReceived("SET greeting hello world\r\n");
  server_.DataReceived("GET greeting\r\n");
  EXPECT_THAT(transport_, HasWritten("+OK\r\n$hello world\r\n"));
  EXPECT_THAT(transport_, Not(IsDisconnecting()));
}

TEST_F(KvServerTest, RequestSplitAcrossDeliveries) {
  for (char c : std::string("SET k v\r\n")) server_.DataReceived({&c, 1});
  EXPECT_THAT(transport_, HasWritten("+OK\r\n"));
  EXPECT_EQ(store_.at("k"), "v");
}

TEST_F(KvServerTest, DelimiterSplitBetweenDeliveries) {
  server_.DataReceived("COUNT\r");
  EXPECT_THAT(transport_, HasWritten(""));
  server_.DataReceived("\n");
  EXPECT_THAT(transport_, HasWritten(":0\r\n"));
}

TEST_F(KvServerTest, PipelinedRequestsAnswerInOrder) {
  server_.DataReceived("SET a 1\r\nSET b 2\r\nDEL a\r\nDEL a\r\nCOUNT\r\n");
  EXPECT_THAT(transport_, HasWritten("+OK\r\n+OK\r\n:1\r\n:0\r\n:1\r\n"));
}

TEST_F(KvServerTest, EachReplyIsOneWrite) {
  server_.DataReceived("COUNT\r\nCOUNT\r\n");
  EXPECT_THAT(transport_.events(),
              ElementsAre(Event::WriteSequence({":0", "\r\n"}),
                          Event::WriteSequence({":0", "\r\n"})));
}

TEST_F(KvServerTest, MissingKeyIsAnError) {
  server_.DataReceived("GET nope\r\n");
  EXPECT_THAT(transport_, HasWritten("-ERR no such key 'nope'\r\n"));
}

TEST_F(KvServerTest, UnknownCommandIsNamed) {
  server_.DataReceived("FLY away\r\n");
  EXPECT_THAT(transport_, HasWritten("-ERR unknown command 'FLY'\r\n"));
}

TEST_F(KvServerTest, SetWithoutKeyExplainsUsage) {
  server_.DataReceived("SET\r\n");
  EXPECT_THAT(transport_, HasWritten("-ERR usage: SET <key> <value>\r\n"));
}

TEST_F(KvServerTest, BlankLinesAreIgnored) {
  server_.DataReceived("\r\n\r\nCOUNT\r\n");
  EXPECT_THAT(transport_, HasWritten(":0\r\n"));
}

TEST_F(KvServerTest, QuitSaysByeThenCloses) {
  server_.DataReceived("QUIT\r\nSET ignored x\r\n");
  EXPECT_THAT(transport_, HasWritten("+BYE\r\n"));
  EXPECT_THAT(transport_, IsDisconnecting());
  // Order matters: the goodbye is written before the close is requested.
  EXPECT_THAT(transport_.events(),
              ElementsAre(Event::WriteSequence({"+BYE", "\r\n"}),
                          Event::LoseConnection()));
  EXPECT_TRUE(store_.empty());
}

TEST_F(KvServerTest, OverlongLineIsRefusedAndClosed) {
  server_.set_max_line_length(8);
  server_.DataReceived("SET key-that-is-far-too-long");
  EXPECT_THAT(transport_, HasWritten("-ERR line too long\r\n"));
  EXPECT_THAT(transport_, IsDisconnecting());
  server_.DataReceived("\r\nCOUNT\r\n");  // Nothing more is answered.
  EXPECT_THAT(transport_, HasWritten(EndsWith("too long\r\n")));
}

TEST(KvServerStoreTest, StoreIsSharedBetweenConnections) {
  KvStore store;
  KvServer first(&store), second(&store);
  StringTransport first_transport, second_transport;
  first.MakeConnection(&first_transport);
  second.MakeConnection(&second_transport);
  first.DataReceived("SET shared yes\r\n");
  second.DataReceived("GET shared\r\n");
  EXPECT_THAT(second_transport, HasWritten("$yes\r\n"));
}

}  // namespace
}  // namespace standin::examples
