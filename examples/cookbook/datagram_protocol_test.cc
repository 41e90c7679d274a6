// Cookbook: a DatagramProtocol, tested on FakeDatagramTransport.
#include <errno.h>

#include <cctype>
#include <string>
#include <string_view>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/testutil/datagram_matchers.h"
#include "standin/transport/address.h"
#include "standin/transport/fake_datagram_transport.h"
#include "standin/transport/interfaces.h"

namespace {

// [START cookbook]
// Answers each datagram with its payload in capitals. A reply UDP could not
// send is counted, never queued or retried.
class Shout : public standin::DatagramProtocol {
 public:
  void DatagramReceived(std::string_view data,
                        const standin::Address& from) override {
    std::string loud(data);
    for (char& c : loud) c = std::toupper(static_cast<unsigned char>(c));
    if (!transport()->Write(loud, from).ok()) ++lost;
  }
  int lost = 0;
};

TEST(Cookbook, DatagramProtocolOnFakeDatagramTransport) {
  using standin::testutil::HasSentDatagrams;
  using standin::testutil::SentDatagram;
  const auto alice = standin::IPv4Address::Udp("192.0.2.7", 4000);
  const auto bob = standin::IPv4Address::Udp("198.51.100.9", 53);
  Shout shout;
  standin::FakeDatagramTransport transport(&shout);  // StartProtocol()
  transport.AddWriteFailure(standin::DatagramWriteFailure::To(bob, ENOBUFS));
  transport.Deliver("hi", alice);
  transport.Deliver("hello", bob);  // the reply fails: no room
  EXPECT_THAT(transport, HasSentDatagrams(SentDatagram("HI", alice)));
  EXPECT_EQ(shout.lost, 1);
}
// [END cookbook]

}  // namespace
