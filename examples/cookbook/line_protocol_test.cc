// Cookbook: a line protocol, tested on StringTransport.
#include <string>
#include <string_view>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/testutil/matchers.h"
#include "standin/transport/interfaces.h"
#include "standin/transport/string_transport.h"

namespace {

// [START cookbook]
// Answers each "PING" line with "PONG", however the bytes are split.
class Pinger : public standin::Protocol {
 public:
  void DataReceived(std::string_view data) override {
    buffer_.append(data);
    for (size_t end; (end = buffer_.find("\r\n")) != std::string::npos;
         buffer_.erase(0, end + 2)) {
      if (buffer_.compare(0, end, "PING") == 0) transport()->Write("PONG\r\n");
    }
  }

 private:
  std::string buffer_;
};

TEST(Cookbook, LineProtocolOnStringTransport) {
  standin::StringTransport transport;
  Pinger pinger;
  pinger.MakeConnection(&transport);
  for (char c : std::string_view("PING\r\nPI")) pinger.DataReceived({&c, 1});
  pinger.DataReceived("NG\r\nPONG\r\n");
  EXPECT_THAT(transport, standin::testutil::HasWritten("PONG\r\nPONG\r\n"));
}
// [END cookbook]

}  // namespace
