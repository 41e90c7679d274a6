// ScriptedTransport: scripts that pass however the protocol splits or joins
// its writes, and the exact text of the failures when a protocol deviates.
#include "standin/testutil/scripted_transport.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest-spi.h"
#include "gtest/gtest.h"
#include "standin/testutil/clock.h"
#include "standin/transport/status.h"

namespace standin::testutil {
namespace {

using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::StartsWith;

std::string Describe(const absl::Status& reason) {
  if (IsConnectionDone(reason)) return "done";
  return std::string(reason.message());
}

// A protocol whose reactions each test supplies; it logs every callback.
template <typename Base>
class Hooked : public Base {
 public:
  std::function<void()> on_made;
  std::function<void(std::string_view)> on_data;
  std::vector<std::string> log;

  void ConnectionMade() override {
    log.push_back("made");
    if (on_made) on_made();
  }
  void DataReceived(std::string_view data) override {
    log.push_back("data " + std::string(data));
    if (on_data) on_data(data);
  }
  void ConnectionLost(const absl::Status& reason) override {
    log.push_back("lost " + Describe(reason));
  }
  Transport& t() { return *this->transport(); }
};

using PlainProtocol = Hooked<Protocol>;

class HalfProtocol : public Hooked<HalfCloseableProtocol> {
 public:
  std::function<void()> on_read_lost;
  void ReadConnectionLost() override {
    log.push_back("read lost");
    if (on_read_lost) on_read_lost();
  }
  void WriteConnectionLost() override { log.push_back("write lost"); }
  HalfCloseableTransport& half() {
    return dynamic_cast<HalfCloseableTransport&>(t());
  }
};

// A line server: PING -> PONG, QUIT -> BYE and hang up, and after 30 s
// without a line, TIMEOUT and hang up. `split` writes each answer in
// two-byte pieces, as a protocol that streams its output might.
class PingServer : public Protocol {
 public:
  explicit PingServer(Clock* clock, bool split = false)
      : clock_(clock), split_(split) {}
  void ConnectionMade() override { Arm(); }
  void DataReceived(std::string_view data) override {
    buffer_.append(data);
    for (size_t end; (end = buffer_.find("\r\n")) != std::string::npos;) {
      std::string line = buffer_.substr(0, end);
      buffer_.erase(0, end + 2);
      Arm();
      if (line == "PING") Send("PONG\r\n");
      if (line == "QUIT") {
        Send("BYE\r\n");
        transport()->LoseConnection();
      }
    }
  }
  void ConnectionLost(const absl::Status&) override { idle_.Cancel(); }

 private:
  void Arm() {
    idle_.Cancel();
    idle_ = clock_->CallLater(absl::Seconds(30), [this] {
      Send("TIMEOUT\r\n");
      transport()->LoseConnection();
    });
  }
  void Send(std::string_view answer) {
    if (!split_) {
      transport()->Write(answer);
      return;
    }
    for (size_t i = 0; i < answer.size(); i += 2) {
      transport()->Write(answer.substr(i, 2));
    }
  }

  Clock* clock_;
  bool split_;
  std::string buffer_;
  DelayedCall idle_;
};

// --- Scripts that pass ------------------------------------------------------

TEST(ScriptedTransportTest, PlaysARequestResponseConversation) {
  Clock clock;
  PingServer server(&clock);
  ScriptedTransport script;
  script.Deliver("PING\r\n")
      .ExpectWrite("PONG\r\n")
      .Deliver("QUIT\r\n")
      .ExpectWrite("BYE\r\n")
      .ExpectLoseConnection();
  script.Play(&server);
  EXPECT_EQ(script.steps_done(), 5u);
  EXPECT_EQ(script.written(), "PONG\r\nBYE\r\n");
  EXPECT_TRUE(script.closed());
  script.Finish();
}

TEST(ScriptedTransportTest, AcceptsAnAnswerSplitIntoManyWrites) {
  Clock clock;
  PingServer server(&clock, /*split=*/true);
  ScriptedTransport script;
  script.Deliver("PING\r\n").ExpectWrite("PONG\r\n");
  script.Play(&server);
  EXPECT_EQ(script.steps_done(), 2u);
}

TEST(ScriptedTransportTest, AcceptsSeveralStepsAnsweredInOneWrite) {
  PlainProtocol protocol;
  protocol.on_made = [&] { protocol.t().Write("HELLO\r\nREADY\r\n"); };
  ScriptedTransport script;
  script.ExpectWrite("HEL").ExpectWrite("LO\r\n").ExpectWrite("READY\r\n");
  script.Play(&protocol);
  EXPECT_EQ(script.steps_done(), 3u);
}

TEST(ScriptedTransportTest, AcceptsPipelinedRequestsInOneDelivery) {
  Clock clock;
  PingServer server(&clock);
  ScriptedTransport script;
  script.Deliver("PING\r\nPING\r\nQUIT\r\n")
      .ExpectWrite("PONG\r\nPONG\r\n")
      .ExpectWrite("BYE\r\n")
      .ExpectLoseConnection();
  script.Play(&server);
  EXPECT_EQ(script.steps_done(), 4u);
}

TEST(ScriptedTransportTest, WriteSequenceCountsAsItsBytes) {
  PlainProtocol protocol;
  protocol.on_made = [&] {
    std::string_view chunks[] = {"a", "bc", "d"};
    protocol.t().WriteSequence(chunks);
    protocol.t().WriteSequence(chunks);
  };
  ScriptedTransport script;
  script.ExpectWrite("ab").ExpectWrite("cd").ExpectWriteCall("abcd");
  script.Play(&protocol);
  EXPECT_EQ(script.steps_done(), 3u);
}

TEST(ScriptedTransportTest, MatcherStepsEndAtTheFirstByteThatSatisfiesThem) {
  for (bool split : {false, true}) {
    PlainProtocol protocol;
    protocol.on_data = [&](std::string_view) {
      if (split) {
        protocol.t().Write("TIME 1");
        protocol.t().Write("7\r");
        protocol.t().Write("\nBYE\r\n");
      } else {
        protocol.t().Write("TIME 17\r\nBYE\r\n");
      }
    };
    ScriptedTransport script;
    script.Deliver("TIME?\r\n")
        .ExpectWrite(MatchesRegex("TIME [0-9]+\r\n"))
        .ExpectWrite(EndsWith("\r\n"));
    script.Play(&protocol);
    EXPECT_EQ(script.steps_done(), 3u) << "split=" << split;
  }
}

TEST(ScriptedTransportTest, StartsWithEndsTheStepRightAfterThePrefix) {
  PlainProtocol protocol;
  protocol.on_made = [&] { protocol.t().Write("+OK 2\r\n"); };
  ScriptedTransport script;
  script.ExpectWrite(StartsWith("+OK")).ExpectWrite(" 2\r\n");
  script.Play(&protocol);
  EXPECT_EQ(script.steps_done(), 2u);
}

TEST(ScriptedTransportTest, AMatcherThatAcceptsNoBytesIsMetByTheNextEvent) {
  PlainProtocol protocol;
  protocol.on_made = [&] { protocol.t().LoseConnection(); };
  ScriptedTransport script;
  script.ExpectWrite(MatchesRegex("(WARN\r\n)?")).ExpectLoseConnection();
  script.Play(&protocol);
  EXPECT_EQ(script.steps_done(), 2u);
}

TEST(ScriptedTransportTest, ExpectWriteCallAcceptsOneExactCall) {
  PlainProtocol protocol;
  protocol.on_made = [&] {
    protocol.t().Write("one");
    protocol.t().Write("two");
  };
  ScriptedTransport script;
  script.ExpectWriteCall("one").ExpectWriteCall(StartsWith("t"));
  script.Play(&protocol);
  EXPECT_EQ(script.steps_done(), 2u);
}

TEST(ScriptedTransportTest, ClosingTellsTheProtocolAfterItsCallbackReturns) {
  PlainProtocol protocol;
  protocol.on_data = [&](std::string_view) {
    protocol.t().LoseConnection();
    protocol.log.push_back("after LoseConnection()");
  };
  ScriptedTransport script;
  script.Deliver("bye").ExpectLoseConnection();
  script.Play(&protocol);
  EXPECT_THAT(protocol.log, ElementsAre("made", "data bye",
                                        "after LoseConnection()", "lost done"));
}

TEST(ScriptedTransportTest, EofEndsAPlainProtocolsConnection) {
  PlainProtocol protocol;
  ScriptedTransport script;
  script.Deliver("x").DeliverEof();
  script.Play(&protocol);
  EXPECT_THAT(protocol.log, ElementsAre("made", "data x", "lost done"));
  EXPECT_TRUE(script.closed());
}

TEST(ScriptedTransportTest, EofLetsAHalfCloseableProtocolAnswer) {
  HalfProtocol protocol;
  std::string upload;
  protocol.on_data = [&](std::string_view data) { upload.append(data); };
  protocol.on_read_lost = [&] {
    protocol.t().Write(std::to_string(upload.size()) + " bytes\r\n");
    protocol.t().LoseConnection();
  };
  ScriptedTransport script;
  script.Deliver("abc")
      .Deliver("de")
      .DeliverEof()
      .ExpectWrite("5 bytes\r\n")
      .ExpectLoseConnection();
  script.Play(&protocol);
  EXPECT_EQ(script.steps_done(), 5u);
  EXPECT_THAT(protocol.log, ElementsAre("made", "data abc", "data de",
                                        "read lost", "lost done"));
}

TEST(ScriptedTransportTest, BothHalvesShutCloseTheConnection) {
  HalfProtocol protocol;
  protocol.on_made = [&] {
    protocol.t().Write("GET\r\n");
    protocol.half().LoseWriteConnection();
  };
  ScriptedTransport script;
  script.ExpectWrite("GET\r\n")
      .ExpectLoseWriteConnection()
      .Deliver("answer")
      .DeliverEof();
  script.Play(&protocol);
  EXPECT_TRUE(script.write_disconnected());
  EXPECT_THAT(protocol.log, ElementsAre("made", "write lost", "data answer",
                                        "read lost", "lost done"));
}

TEST(ScriptedTransportTest, AdvanceFiresTheProtocolsTimers) {
  Clock clock;
  PingServer server(&clock);
  ScriptedTransport script;
  script.Deliver("PING\r\n")
      .ExpectWrite("PONG\r\n")
      .Advance(clock, absl::Seconds(29))
      .Deliver("PING\r\n")  // resets the idle timer
      .ExpectWrite("PONG\r\n")
      .Advance(clock, absl::Seconds(30))
      .ExpectWrite("TIMEOUT\r\n")
      .ExpectLoseConnection();
  script.Play(&server);
  EXPECT_EQ(script.steps_done(), 8u);
  EXPECT_EQ(clock.pending_count(), 0u);
}

TEST(ScriptedTransportTest, DeliverConnectionLostPassesTheReason) {
  PlainProtocol protocol;
  ScriptedTransport script;
  script.DeliverConnectionLost(ConnectionLost("reset by peer"));
  script.Play(&protocol);
  EXPECT_THAT(protocol.log, ElementsAre("made", "lost reset by peer"));
}

TEST(ScriptedTransportTest, DoRunsTheTestsActionInItsTurn) {
  PlainProtocol client;
  ScriptedTransport script;
  script.Do("client sends GET", [&] { client.t().Write("GET k\r\n"); })
      .ExpectWrite("GET k\r\n")
      .Deliver("VALUE v\r\n");
  script.Play(&client);
  EXPECT_THAT(client.log, ElementsAre("made", "data VALUE v\r\n"));
}

TEST(ScriptedTransportTest, TrailingExpectationsMayBeMetAfterPlay) {
  PlainProtocol client;
  ScriptedTransport script;
  script.ExpectWrite("late").ExpectLoseConnection();
  script.Play(&client);
  EXPECT_EQ(script.steps_done(), 0u);
  client.t().Write("late");
  client.t().LoseConnection();  // outside any callback: told at once
  EXPECT_EQ(script.steps_done(), 2u);
  EXPECT_THAT(client.log, ElementsAre("made", "lost done"));
}

TEST(ScriptedTransportTest, PlayAgainGoesOnWithStepsAddedLater) {
  Clock clock;
  PingServer server(&clock);
  ScriptedTransport script;
  script.Deliver("PING\r\n").ExpectWrite("PONG\r\n");
  script.Play(&server);
  script.Deliver("QUIT\r\n").ExpectWrite("BYE\r\n").ExpectLoseConnection();
  script.Play(&server);
  EXPECT_EQ(script.steps_done(), 5u);
}

TEST(ScriptedTransportTest, AConnectedProtocolIsNotConnectedAgain) {
  PlainProtocol protocol;
  ScriptedTransport script;
  protocol.MakeConnection(&script);
  script.Deliver("x");
  script.Play(&protocol);
  EXPECT_THAT(protocol.log, ElementsAre("made", "data x"));
}

TEST(ScriptedTransportTest, KeepsTheProducerAndStopsItOnClose) {
  class Counting : public Producer {
   public:
    void ResumeProducing() override {}
    void PauseProducing() override {}
    void StopProducing() override { ++stops; }
    int stops = 0;
  } producer;
  PlainProtocol protocol;
  ScriptedTransport script;
  script.DeliverEof();
  protocol.MakeConnection(&script);
  ASSERT_TRUE(script.RegisterProducer(&producer, true).ok());
  EXPECT_EQ(script.RegisterProducer(&producer, true).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(script.producer(), &producer);
  script.Play(&protocol);
  EXPECT_EQ(producer.stops, 1);
  EXPECT_EQ(script.producer(), nullptr);
}

TEST(ScriptedTransportTest, PrintsItsState) {
  PlainProtocol protocol;
  ScriptedTransport script;
  script.ExpectWrite("hi").ExpectLoseConnection();
  script.Play(&protocol);
  protocol.t().Write("hi");
  EXPECT_EQ(testing::PrintToString(script),
            "ScriptedTransport{1 of 2 steps done, wrote 2 bytes \"hi\"}");
  protocol.t().LoseConnection();
}

// --- The failures -----------------------------------------------------------

// Plays `script` against `protocol` and returns the one failure it reports.
std::string OnlyFailure(const std::function<void()>& play) {
  testing::TestPartResultArray failures;
  {
    testing::ScopedFakeTestPartResultReporter reporter(
        testing::ScopedFakeTestPartResultReporter::
            INTERCEPT_ONLY_CURRENT_THREAD,
        &failures);
    play();
  }
  EXPECT_EQ(failures.size(), 1);
  if (failures.size() != 1) return "";
  EXPECT_TRUE(failures.GetTestPartResult(0).nonfatally_failed());
  return failures.GetTestPartResult(0).message();
}

TEST(ScriptedTransportFailureTest, WrongBytesNameTheStepAndShowTheDiff) {
  PlainProtocol protocol;
  protocol.on_data = [&](std::string_view) { protocol.t().Write("PANG\r\n"); };
  std::string message = OnlyFailure([&] {
    ScriptedTransport script;
    script.Deliver("PING\r\n").ExpectWrite("PONG\r\n").ExpectLoseConnection();
    script.Play(&protocol);
  });
  EXPECT_THAT(message,
              HasSubstr("ScriptedTransport: step 2 of 3, "
                        "ExpectWrite(\"PONG\\r\\n\"): the protocol wrote "
                        "\"PANG\\r\\n\"\nfirst difference at offset 1 "
                        "(actual 0x41 'A', expected 0x4f 'O')"));
  EXPECT_THAT(message, HasSubstr("  actual   @0: 50 41 4e 47 0d 0a"));
  EXPECT_THAT(message, HasSubstr("  expected @0: 50 4f 4e 47 0d 0a"));
  EXPECT_THAT(message, HasSubstr("     1. done Deliver(\"PING\\r\\n\")"));
  EXPECT_THAT(message, HasSubstr("  -> 2.      ExpectWrite(\"PONG\\r\\n\")  "
                                 "[scripted_transport_test.cc:"));
}

TEST(ScriptedTransportFailureTest, AWrongByteInALaterPieceIsCaught) {
  PlainProtocol protocol;
  protocol.on_made = [&] {
    protocol.t().Write("PO");
    protocol.t().Write("NX\r\n");
  };
  std::string message = OnlyFailure([&] {
    ScriptedTransport script;
    script.ExpectWrite("PONG\r\n");
    script.Play(&protocol);
  });
  EXPECT_THAT(message, HasSubstr("ScriptedTransport: step 1 of 1, "
                                 "ExpectWrite(\"PONG\\r\\n\"): the protocol "
                                 "wrote \"PONX\\r\\n\"\nfirst difference at "
                                 "offset 3"));
}

TEST(ScriptedTransportFailureTest, OnlyTheFirstDeviationIsReported) {
  PlainProtocol protocol;
  protocol.on_data = [&](std::string_view) {
    protocol.t().Write("wrong");
    protocol.t().Write("also wrong");
    protocol.t().LoseConnection();
  };
  // EXPECT_NONFATAL_FAILURE insists on exactly one failure.
  EXPECT_NONFATAL_FAILURE(
      {
        ScriptedTransport script;
        script.Deliver("go").ExpectWrite("right").Deliver("more");
        script.Play(&protocol);
        EXPECT_TRUE(script.deviated());
        EXPECT_EQ(script.written(), "wrongalso wrong");
      },
      "step 2 of 3, ExpectWrite(\"right\")");
  EXPECT_THAT(protocol.log, ElementsAre("made", "data go", "lost done"));
}

TEST(ScriptedTransportFailureTest, AWriteWhenThePeerIsDueToSpeak) {
  PlainProtocol protocol;
  protocol.on_made = [&] { protocol.t().Write("early"); };
  EXPECT_NONFATAL_FAILURE(
      {
        ScriptedTransport script;
        script.Deliver("hello");
        script.Play(&protocol);
      },
      "step 1 of 1, Deliver(\"hello\"): the protocol wrote \"early\", which "
      "the script does not expect here");
}

TEST(ScriptedTransportFailureTest, AWriteAfterTheScriptEnded) {
  PlainProtocol protocol;
  protocol.on_data = [&](std::string_view) { protocol.t().Write("extra"); };
  EXPECT_NONFATAL_FAILURE(
      {
        ScriptedTransport script;
        script.Deliver("x");
        script.Play(&protocol);
      },
      "after the last step (1 of 1): the protocol wrote \"extra\"");
}

TEST(ScriptedTransportFailureTest, AnAnswerStillMissingWhenThePeerSpeaks) {
  Clock clock;
  PingServer server(&clock, /*split=*/true);
  EXPECT_NONFATAL_FAILURE(
      {
        ScriptedTransport script;
        script.Deliver("PING\r\n")
            .ExpectWrite("PONG\r\nPONG\r\n")
            .Deliver("QUIT\r\n");
        script.Play(&server);
      },
      "step 2 of 3, ExpectWrite(\"PONG\\r\\nPONG\\r\\n\"): not met before "
      "step 3, Deliver(\"QUIT\\r\\n\")\nonly \"PONG\\r\\n\" of it was "
      "written\nfirst difference at offset 6 (actual end of data");
}

TEST(ScriptedTransportFailureTest, UnmetStepsFailInFinish) {
  PlainProtocol protocol;
  protocol.on_data = [&](std::string_view) { protocol.t().Write("PO"); };
  ScriptedTransport script;
  script.Deliver("PING\r\n").ExpectWrite("PONG\r\n").ExpectLoseConnection();
  script.Play(&protocol);
  EXPECT_NONFATAL_FAILURE(
      script.Finish(),
      "step 2 of 3, ExpectWrite(\"PONG\\r\\n\"): never met (checked by "
      "Finish())\nonly \"PO\" of it was written");
  script.Finish();  // once only
}

TEST(ScriptedTransportFailureTest, UnmetStepsFailInTheDestructor) {
  PlainProtocol protocol;
  EXPECT_NONFATAL_FAILURE(
      {
        ScriptedTransport script;
        script.ExpectLoseConnection();
        script.Play(&protocol);
      },
      "step 1 of 1, ExpectLoseConnection(): never met (checked by Finish())");
}

TEST(ScriptedTransportFailureTest, StepsNeverPlayedFailInFinish) {
  EXPECT_NONFATAL_FAILURE(
      {
        ScriptedTransport script;
        script.Deliver("x");
      },
      "step 1 of 1, Deliver(\"x\"): never performed: Play() was not called");
}

TEST(ScriptedTransportFailureTest, AnUnexpectedClose) {
  PlainProtocol protocol;
  protocol.on_data = [&](std::string_view) { protocol.t().LoseConnection(); };
  EXPECT_NONFATAL_FAILURE(
      {
        ScriptedTransport script;
        script.Deliver("PING\r\n").ExpectWrite("PONG\r\n");
        script.Play(&protocol);
      },
      "step 2 of 2, ExpectWrite(\"PONG\\r\\n\"): the protocol called "
      "LoseConnection() instead\nnothing of it was written");
}

TEST(ScriptedTransportFailureTest, ACloseAfterTheScriptEnded) {
  PlainProtocol protocol;
  protocol.on_data = [&](std::string_view) { protocol.t().LoseConnection(); };
  EXPECT_NONFATAL_FAILURE(
      {
        ScriptedTransport script;
        script.Deliver("x");
        script.Play(&protocol);
      },
      "after the last step (1 of 1): the protocol called LoseConnection(), "
      "which the script does not expect");
}

TEST(ScriptedTransportFailureTest, ACloseWhereAHalfCloseWasExpected) {
  HalfProtocol protocol;
  protocol.on_made = [&] { protocol.t().LoseConnection(); };
  EXPECT_NONFATAL_FAILURE(
      {
        ScriptedTransport script;
        script.ExpectLoseWriteConnection();
        script.Play(&protocol);
      },
      "step 1 of 1, ExpectLoseWriteConnection(): the protocol called "
      "LoseConnection() instead");
}

TEST(ScriptedTransportFailureTest, AMatcherStepShowsWhatWasWritten) {
  PlainProtocol protocol;
  protocol.on_data = [&](std::string_view) {
    protocol.t().Write("DATE 1\r\n");
  };
  EXPECT_NONFATAL_FAILURE(
      {
        ScriptedTransport script;
        script.Deliver("TIME?\r\n")
            .ExpectWrite(MatchesRegex("TIME [0-9]+\r\n"))
            .Deliver("QUIT\r\n");
        script.Play(&protocol);
      },
      "step 2 of 3, ExpectWrite(matches regular expression "
      "\"TIME [0-9]+\\r\\n\"): not met before step 3, Deliver(\"QUIT\\r\\n\")\n"
      "the bytes written toward it, \"DATE 1\\r\\n\", do not satisfy it\n"
      "   @0: 44 41 54 45 20 31 0d 0a");
}

TEST(ScriptedTransportFailureTest, ExpectWriteCallInsistsOnTheBoundaries) {
  PlainProtocol protocol;
  protocol.on_made = [&] {
    protocol.t().Write("on");
    protocol.t().Write("e");
  };
  EXPECT_NONFATAL_FAILURE(
      {
        ScriptedTransport script;
        script.ExpectWriteCall("one");
        script.Play(&protocol);
      },
      "step 1 of 1, ExpectWriteCall(\"one\"): the protocol's write call was "
      "\"on\"\nfirst difference at offset 2");
  PlainProtocol joined;
  joined.on_made = [&] { joined.t().Write("onetwo"); };
  EXPECT_NONFATAL_FAILURE(
      {
        ScriptedTransport script;
        script.ExpectWriteCall("one").ExpectWriteCall("two");
        script.Play(&joined);
      },
      "step 1 of 2, ExpectWriteCall(\"one\"): the protocol's write call was "
      "\"onetwo\"");
}

TEST(ScriptedTransportFailureTest, WritesAfterTheEndOrTheHalfClose) {
  PlainProtocol protocol;
  EXPECT_NONFATAL_FAILURE(
      {
        ScriptedTransport script;
        script.DeliverEof();
        script.Play(&protocol);
        protocol.t().Write("late");
      },
      "after the last step (1 of 1): the protocol wrote \"late\" after the "
      "connection was closed");
  HalfProtocol half;
  half.on_made = [&] {
    half.half().LoseWriteConnection();
    half.t().Write("late");
  };
  EXPECT_NONFATAL_FAILURE(
      {
        ScriptedTransport script;
        script.ExpectLoseWriteConnection();
        script.Play(&half);
      },
      "the protocol wrote \"late\" after LoseWriteConnection()");
}

TEST(ScriptedTransportFailureTest, DeliveringToAClosedConnection) {
  PlainProtocol protocol;  // not half-closeable: EOF closes the connection
  std::string message = OnlyFailure([&] {
    ScriptedTransport script;
    script.DeliverEof().DeliverConnectionLost(ConnectionLost());
    script.Play(&protocol);
  });
  EXPECT_THAT(message, HasSubstr("step 2 of 2, DeliverConnectionLost("));
  EXPECT_THAT(message,
              HasSubstr("): the connection was already closed (after step 1)"));
}

TEST(ScriptedTransportFailureTest, AnUnexpectedCloseWhileThePeerIsDue) {
  PlainProtocol protocol;
  protocol.on_data = [&](std::string_view) { protocol.t().LoseConnection(); };
  EXPECT_NONFATAL_FAILURE(
      {
        ScriptedTransport script;
        script.Deliver("a").DeliverEof();
        script.Play(&protocol);
      },
      "step 2 of 2, DeliverEof(): the protocol called LoseConnection() "
      "instead");
}

TEST(ScriptedTransportFailureTest, TheFailurePointsAtTheScriptLine) {
  PlainProtocol protocol;
  int line = 0;
  testing::TestPartResultArray failures;
  {
    testing::ScopedFakeTestPartResultReporter reporter(
        testing::ScopedFakeTestPartResultReporter::
            INTERCEPT_ONLY_CURRENT_THREAD,
        &failures);
    ScriptedTransport script;
    line = __LINE__ + 1;
    script.ExpectWrite("never");
    script.Play(&protocol);
  }
  ASSERT_EQ(failures.size(), 1);
  EXPECT_EQ(failures.GetTestPartResult(0).line_number(), line);
  EXPECT_THAT(failures.GetTestPartResult(0).file_name(),
              EndsWith("scripted_transport_test.cc"));
}

// --- Misuse of the script dies ---------------------------------------------

TEST(ScriptedTransportDeathTest, ImpossibleScriptsDie) {
  EXPECT_DEATH(ScriptedTransport().DeliverEof().Deliver("x"),
               "Deliver\\(\"x\"\\) after DeliverEof\\(\\)");
  EXPECT_DEATH(ScriptedTransport().ExpectLoseConnection().Deliver("x"),
               "stops reading once the protocol closes it");
  EXPECT_DEATH(ScriptedTransport().ExpectWrite(""), "expects nothing");
  EXPECT_DEATH(ScriptedTransport().DeliverConnectionLost(absl::OkStatus()),
               "needs a non-OK reason");
}

TEST(ScriptedTransportDeathTest, PlayingWithAnotherProtocolDies) {
  PlainProtocol a, b;
  EXPECT_DEATH(
      {
        ScriptedTransport script;
        script.Play(&a);
        script.Play(&b);
      },
      "different protocol");
}

}  // namespace
}  // namespace standin::testutil
