// Cookbook: the peer as a gMock mock, talking to a real protocol.
#include <cctype>
#include <string>
#include <string_view>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/testutil/loopback_pump.h"
#include "standin/testutil/mocks.h"
#include "standin/transport/interfaces.h"
#include "standin/transport/status.h"

namespace {

// [START cookbook]
class Shouter : public standin::Protocol {  // answers in capitals
  void DataReceived(std::string_view data) override {
    std::string loud(data);
    for (char& c : loud) c = std::toupper(static_cast<unsigned char>(c));
    transport()->Write(loud);
  }
};

TEST(Cookbook, MockPeerOnALoopbackPump) {
  testing::StrictMock<standin::testutil::MockProtocol> client;
  Shouter server;
  EXPECT_CALL(client, MakeConnection);  // delegated: transport() works
  EXPECT_CALL(client, ConnectionMade).WillOnce([&] {
    client.transport()->Write("hi\r\n");
  });
  EXPECT_CALL(client, DataReceived("HI\r\n")).WillOnce([&] {
    client.transport()->LoseConnection();
  });
  EXPECT_CALL(client,
              ConnectionLost(testing::Truly(standin::IsConnectionDone)));
  standin::testutil::LoopbackPump pump(&client, &server);
  pump.Flush();
}
// [END cookbook]

}  // namespace
