// The matchers' verdicts and, as importantly, their failure text.
#include "standin/testutil/matchers.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest-spi.h"
#include "gtest/gtest.h"
#include "standin/transport/string_transport.h"

namespace standin::testutil {
namespace {

using ::testing::DescribeMatcher;
using ::testing::HasSubstr;
using ::testing::Not;
using State = StringTransport::ProducerState;

class NullProducer : public Producer {
 public:
  void ResumeProducing() override {}
  void StopProducing() override {}
  void PauseProducing() override {}
};

template <typename M, typename T>
std::string Explain(const M& matcher, const T& value) {
  testing::StringMatchResultListener listener;
  testing::MatcherCast<const T&>(matcher).MatchAndExplain(value, &listener);
  return listener.str();
}

TEST(HasWrittenTest, MatchesExactBytes) {
  StringTransport transport;
  transport.Write("+OK\r\n");
  EXPECT_THAT(transport, HasWritten("+OK\r\n"));
  EXPECT_THAT(&transport, HasWritten("+OK\r\n"));
  EXPECT_THAT(transport, Not(HasWritten("+OK")));
  EXPECT_THAT(transport, HasWritten(std::string("+OK\r\n")));
}

TEST(HasWrittenTest, AcceptsStringMatchers) {
  StringTransport transport;
  transport.Write("HTTP/1.1 200 OK\r\n");
  EXPECT_THAT(transport, HasWritten(HasSubstr("200")));
  EXPECT_THAT(transport, HasWritten(testing::StartsWith("HTTP/1.1")));
  EXPECT_THAT(transport, Not(HasWritten(HasSubstr("404"))));
}

TEST(HasWrittenTest, ExplainsTheFirstDifferenceInHex) {
  StringTransport transport;
  transport.Write("GET /\r\n");
  std::string why = Explain(HasWritten("GET /x\r\n"), transport);
  EXPECT_THAT(why, HasSubstr("which wrote \"GET /\\r\\n\""));
  EXPECT_THAT(why, HasSubstr("first difference at offset 5"));
  EXPECT_THAT(why, HasSubstr("actual   @0: 47 45 54 20 2f 0d 0a"));
  EXPECT_THAT(why, HasSubstr("expected @0: 47 45 54 20 2f 78 0d 0a"));
  EXPECT_EQ(DescribeMatcher<StringTransport>(HasWritten("a\n")),
            "has written exactly \"a\\n\"");
}

TEST(HasWrittenTest, FailureMessageReachesTheTestLog) {
  StringTransport transport;
  transport.Write("abc");
  EXPECT_NONFATAL_FAILURE(EXPECT_THAT(transport, HasWritten("abd")),
                          "first difference at offset 2 (actual 0x63 'c', "
                          "expected 0x64 'd')");
}

TEST(HasWrittenTest, DescribesInnerMatcher) {
  EXPECT_THAT(DescribeMatcher<StringTransport>(HasWritten(HasSubstr("x"))),
              HasSubstr("has written bytes that has substring \"x\""));
}

TEST(DisconnectMatchersTest, ReflectFlags) {
  StringTransport transport;
  EXPECT_THAT(transport, Not(IsDisconnecting()));
  EXPECT_THAT(transport, Not(IsDisconnected()));
  EXPECT_EQ(Explain(IsDisconnecting(), transport),
            "whose disconnecting() is false");
  transport.LoseConnection();
  EXPECT_THAT(transport, IsDisconnecting());
  EXPECT_THAT(transport, Not(IsDisconnected()));
  transport.AbortConnection();
  EXPECT_THAT(&transport, IsDisconnected());
  EXPECT_EQ(DescribeMatcher<StringTransport>(IsDisconnected(), true),
            "is not disconnected");
}

TEST(ProducerStateIsTest, ComparesStateAndExplains) {
  StringTransport transport;
  EXPECT_THAT(transport, ProducerStateIs(State::kProducing));
  transport.PauseProducing();
  EXPECT_THAT(transport, ProducerStateIs(State::kPaused));
  EXPECT_EQ(Explain(ProducerStateIs(State::kStopped), transport),
            "whose producer state is paused");
  EXPECT_EQ(DescribeMatcher<StringTransport>(ProducerStateIs(State::kStopped)),
            "producer state is stopped");
}

TEST(HasProducerTest, MatchesProducerAndStreaming) {
  NullProducer producer, other;
  StringTransport transport;
  EXPECT_THAT(transport, Not(HasProducer()));
  EXPECT_EQ(Explain(HasProducer(), transport),
            "which has no producer registered");
  ASSERT_TRUE(transport.RegisterProducer(&producer, true).ok());
  EXPECT_THAT(transport, HasProducer());
  EXPECT_THAT(transport, HasProducer(&producer));
  EXPECT_THAT(transport, HasProducer(&producer, true));
  EXPECT_THAT(transport, Not(HasProducer(&producer, false)));
  EXPECT_THAT(transport, Not(HasProducer(&other)));
  EXPECT_THAT(Explain(HasProducer(), transport), HasSubstr("(streaming)"));
}

}  // namespace
}  // namespace standin::testutil
