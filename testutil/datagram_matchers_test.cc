#include "standin/testutil/datagram_matchers.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/testutil/datagram_recorder.h"
#include "standin/transport/address.h"
#include "standin/transport/fake_datagram_transport.h"

namespace standin::testutil {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

using Sent = FakeDatagramTransport::Sent;

const Address kPeer = IPv4Address::Udp("192.0.2.7", 4000);
const Address kOther = IPv4Address::Udp("198.51.100.9", 53);

template <typename M, typename T>
std::string Explain(const M& matcher, const T& value) {
  testing::StringMatchResultListener listener;
  testing::SafeMatcherCast<const T&>(matcher).MatchAndExplain(value, &listener);
  return listener.str();
}

TEST(SentDatagramTest, MatchesPayloadAndDestination) {
  const Sent sent{std::string("a\0b", 3), kPeer};
  EXPECT_THAT(sent, SentDatagram(std::string("a\0b", 3), kPeer));
  EXPECT_THAT(sent, Not(SentDatagram("a", kPeer)));
  EXPECT_THAT(sent, Not(SentDatagram(std::string("a\0b", 3), kOther)));
  EXPECT_THAT(sent, SentDatagram(StartsWith("a"), kPeer));
  EXPECT_THAT(&sent, SentDatagram(std::string("a\0b", 3), testing::_));
}

TEST(SentDatagramTest, ExplainsTheByteDifference) {
  const Sent sent{"GET /\r\n", kPeer};
  const std::string why = Explain(SentDatagram("GET /x\r\n", kPeer), sent);
  EXPECT_THAT(why, HasSubstr("first difference at offset 5"));
  EXPECT_THAT(why, HasSubstr("|GET /x..|"));
}

TEST(SentDatagramTest, ExplainsTheWrongDestination) {
  const Sent sent{"pong", kOther};
  const std::string why = Explain(SentDatagram("pong", kPeer), sent);
  EXPECT_THAT(why, HasSubstr("wrong endpoint: IPv4Address(UDP, "
                             "'198.51.100.9', 53)"));
  std::stringstream description;
  testing::Matcher<const Sent&>(SentDatagram("pong", kPeer))
      .DescribeTo(&description);
  EXPECT_THAT(description.str(), HasSubstr("192.0.2.7"));
}

TEST(HasSentDatagramsTest, MatchesInOrder) {
  DatagramRecorder protocol;
  FakeDatagramTransport transport(&protocol);
  EXPECT_THAT(transport, HasSentDatagrams());
  ASSERT_TRUE(transport.Write("one", kPeer).ok());
  ASSERT_TRUE(transport.Write("two", kOther).ok());
  EXPECT_THAT(transport, HasSentDatagrams(SentDatagram("one", kPeer),
                                          Sent{"two", kOther}));
  EXPECT_THAT(&transport, HasSentDatagrams(SentDatagram(StartsWith("o"), kPeer),
                                           SentDatagram("two", testing::_)));
  EXPECT_THAT(transport,
              Not(HasSentDatagrams(Sent{"two", kOther}, Sent{"one", kPeer})));
  EXPECT_THAT(transport, Not(HasSentDatagrams(Sent{"one", kPeer})));
}

TEST(HasSentDatagramsTest, ExplainsWithEveryDatagramAndTheDiff) {
  DatagramRecorder protocol;
  FakeDatagramTransport transport(&protocol);
  ASSERT_TRUE(transport.Write("one", kPeer).ok());
  ASSERT_TRUE(transport.Write("twp", kPeer).ok());
  const std::string why = Explain(
      HasSentDatagrams(Sent{"one", kPeer}, Sent{"two", kPeer}), transport);
  EXPECT_THAT(why, HasSubstr("which sent 2 datagrams"));
  EXPECT_THAT(why, HasSubstr("#1: \"twp\" to IPv4Address(UDP, '192.0.2.7', "
                             "4000)"));
  EXPECT_THAT(why, HasSubstr("first difference at offset 2"));
}

}  // namespace
}  // namespace standin::testutil
