// Ports twisted/internet/test/test_testing.py's StringTransportTests (and
// test_protocols.py's) and adds what the C++ double promises beyond them:
// WriteSequence boundaries, the ordered event log, Clear(), move-only,
// StringTransportWithDisconnection, and a death test per misuse.
#include "standin/transport/string_transport.h"

#include <functional>
#include <iterator>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest-spi.h"
#include "gtest/gtest.h"
#include "standin/testutil/accumulating_protocol.h"
#include "standin/testutil/matchers.h"
#include "standin/transport/status.h"

namespace standin {
namespace {

using ::standin::testutil::AccumulatingProtocol;
using ::standin::testutil::HalfCloseableAccumulatingProtocol;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Event = StringTransport::Event;
using State = StringTransport::ProducerState;

class NullProducer : public Producer {
 public:
  void ResumeProducing() override {}
  void StopProducing() override {}
  void PauseProducing() override {}
};

TEST(StringTransportTest, ImplementsTheTransportInterfaces) {
  static_assert(std::is_base_of_v<Transport, StringTransport>);
  static_assert(std::is_base_of_v<HalfCloseableTransport, StringTransport>);
  static_assert(std::is_base_of_v<Consumer, StringTransport>);
  static_assert(std::is_base_of_v<Producer, StringTransport>);
  static_assert(!std::is_copy_constructible_v<StringTransport>);
  static_assert(std::is_move_constructible_v<StringTransport>);
}

TEST(StringTransportTest, RegisterProducerRecordsProducerAndStreaming) {
  NullProducer producer;
  StringTransport transport;
  ASSERT_TRUE(transport.RegisterProducer(&producer, /*streaming=*/true).ok());
  EXPECT_EQ(transport.producer(), &producer);
  EXPECT_TRUE(transport.streaming());
}

TEST(StringTransportTest, RegisteringASecondProducerFails) {
  NullProducer first, second;
  StringTransport transport;
  ASSERT_TRUE(transport.RegisterProducer(&first, true).ok());
  absl::Status status = transport.RegisterProducer(&second, false);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "Cannot register two producers");
  // The first registration stands.
  EXPECT_EQ(transport.producer(), &first);
  EXPECT_TRUE(transport.streaming());
}

TEST(StringTransportTest, UnregisterProducerClearsIt) {
  NullProducer first, second;
  StringTransport transport;
  ASSERT_TRUE(transport.RegisterProducer(&first, true).ok());
  transport.UnregisterProducer();
  EXPECT_EQ(transport.producer(), nullptr);
  // A new producer may be registered afterwards.
  ASSERT_TRUE(transport.RegisterProducer(&second, false).ok());
  EXPECT_EQ(transport.producer(), &second);
  EXPECT_FALSE(transport.streaming());
}

TEST(StringTransportDeathTest, UnregisterWithoutProducerDies) {
  StringTransport transport;
  EXPECT_DEATH(transport.UnregisterProducer(),
               "Cannot unregister a producer unless one is registered");
}

TEST(StringTransportTest, InitialProducerStateIsProducing) {
  EXPECT_EQ(StringTransport().producer_state(), State::kProducing);
}

TEST(StringTransportTest, PauseProducingPauses) {
  StringTransport transport;
  transport.PauseProducing();
  EXPECT_EQ(transport.producer_state(), State::kPaused);
}

TEST(StringTransportTest, ResumeProducingResumes) {
  StringTransport transport;
  transport.PauseProducing();
  transport.ResumeProducing();
  EXPECT_EQ(transport.producer_state(), State::kProducing);
}

TEST(StringTransportTest, StopProducingStops) {
  StringTransport transport;
  transport.StopProducing();
  EXPECT_EQ(transport.producer_state(), State::kStopped);
}

TEST(StringTransportDeathTest, StoppedTransportCannotPause) {
  StringTransport transport;
  transport.StopProducing();
  EXPECT_DEATH(transport.PauseProducing(), "Cannot resume a stopped producer");
}

TEST(StringTransportDeathTest, StoppedTransportCannotResume) {
  StringTransport transport;
  transport.StopProducing();
  EXPECT_DEATH(transport.ResumeProducing(), "Cannot resume a stopped producer");
}

TEST(StringTransportDeathTest, DisconnectingTransportCannotPause) {
  StringTransport transport;
  transport.LoseConnection();
  EXPECT_DEATH(transport.PauseProducing(),
               "Cannot resume producing after loseConnection");
}

TEST(StringTransportDeathTest, DisconnectingTransportCannotResume) {
  StringTransport transport;
  transport.LoseConnection();
  EXPECT_DEATH(transport.ResumeProducing(),
               "Cannot resume producing after loseConnection");
}

TEST(StringTransportDeathTest, AbortedTransportCannotResume) {
  StringTransport transport;
  transport.AbortConnection();
  EXPECT_DEATH(transport.ResumeProducing(),
               "Cannot resume producing after loseConnection");
}

TEST(StringTransportTest, LenientTransportMayResumeAfterLoseConnection) {
  StringTransport transport(StringTransport::Options{.lenient = true});
  transport.LoseConnection();
  transport.PauseProducing();
  EXPECT_EQ(transport.producer_state(), State::kPaused);
  transport.ResumeProducing();
  EXPECT_EQ(transport.producer_state(), State::kProducing);
}

TEST(StringTransportDeathTest, LenientTransportStillRefusesAStoppedProducer) {
  StringTransport transport(StringTransport::Options{.lenient = true});
  transport.StopProducing();
  EXPECT_DEATH(transport.ResumeProducing(), "Cannot resume a stopped producer");
}

TEST(StringTransportTest, LoseConnectionSetsDisconnecting) {
  StringTransport transport;
  EXPECT_FALSE(transport.disconnecting());
  transport.LoseConnection();
  EXPECT_TRUE(transport.disconnecting());
  EXPECT_FALSE(transport.disconnected());
  // A plain StringTransport only records the request.
  EXPECT_TRUE(transport.connected());
}

TEST(StringTransportTest, AbortConnectionSetsDisconnectedAndDisconnecting) {
  StringTransport transport;
  transport.AbortConnection();
  EXPECT_TRUE(transport.disconnecting());
  EXPECT_TRUE(transport.disconnected());
}

TEST(StringTransportTest, SpecifiedHostAddress) {
  Address host = UnixAddress{"/tmp/host.sock"};
  StringTransport transport(StringTransport::Options{.host = host});
  EXPECT_EQ(transport.GetHost(), host);
}

TEST(StringTransportTest, SpecifiedPeerAddress) {
  Address peer = IPv4Address{IPv4Address::Kind::kUdp, "192.0.2.7", 53};
  StringTransport transport(StringTransport::Options{.peer = peer});
  EXPECT_EQ(transport.GetPeer(), peer);
}

TEST(StringTransportTest, DefaultHostAddress) {
  EXPECT_EQ(StringTransport().GetHost(),
            Address(IPv4Address{IPv4Address::Kind::kTcp, "10.0.0.1", 12345}));
}

TEST(StringTransportTest, DefaultPeerAddress) {
  EXPECT_EQ(
      StringTransport().GetPeer(),
      Address(IPv4Address{IPv4Address::Kind::kTcp, "192.168.1.1", 54321}));
}

TEST(StringTransportTest, StartsConnectedWithNothingWritten) {
  StringTransport transport;
  EXPECT_TRUE(transport.connected());
  EXPECT_EQ(transport.Value(), "");
  EXPECT_THAT(transport.events(), IsEmpty());
  EXPECT_EQ(transport.producer(), nullptr);
}

TEST(StringTransportTest, WritesAccumulateInValue) {
  StringTransport transport;
  transport.Write("hello, ");
  transport.Write("world");
  transport.Write("");
  EXPECT_EQ(transport.Value(), "hello, world");
}

TEST(StringTransportTest, WritesKeepEmbeddedNulBytes) {
  StringTransport transport;
  transport.Write(std::string_view("a\0b", 3));
  EXPECT_EQ(transport.Value(), std::string("a\0b", 3));
}

TEST(StringTransportTest, WriteSequenceAppendsChunksInOrder) {
  StringTransport transport;
  transport.Write("<");
  std::string_view chunks[] = {"a", "", "bc"};
  transport.WriteSequence(chunks);
  transport.Write(">");
  EXPECT_EQ(transport.Value(), "<abc>");
}

TEST(StringTransportTest, ClearForgetsWrittenBytesAndEvents) {
  StringTransport transport;
  transport.Write("old");
  transport.LoseConnection();
  transport.Clear();
  EXPECT_EQ(transport.Value(), "");
  EXPECT_THAT(transport.events(), IsEmpty());
  transport.Write("new");
  EXPECT_EQ(transport.Value(), "new");
  EXPECT_THAT(transport.events(), ElementsAre(Event::Write("new")));
  // Flags are state, not history: Clear() leaves them.
  EXPECT_TRUE(transport.disconnecting());
}

TEST(StringTransportTest, EventsKeepWriteBoundariesAndOrder) {
  NullProducer producer;
  StringTransport transport;
  ASSERT_TRUE(transport.RegisterProducer(&producer, true).ok());
  transport.Write("HELO");
  std::string_view chunks[] = {"a", "b"};
  transport.WriteSequence(chunks);
  transport.PauseProducing();
  transport.ResumeProducing();
  transport.UnregisterProducer();
  transport.Write("bye");
  transport.LoseConnection();
  transport.StopProducing();
  EXPECT_THAT(transport.events(),
              ElementsAre(Event::RegisterProducer(true), Event::Write("HELO"),
                          Event::WriteSequence({"a", "b"}),
                          Event::PauseProducing(), Event::ResumeProducing(),
                          Event::UnregisterProducer(), Event::Write("bye"),
                          Event::LoseConnection(), Event::StopProducing()));
}

TEST(StringTransportTest, EventsDistinguishWriteSequenceFromWrites) {
  StringTransport transport;
  std::string_view chunks[] = {"ab", "c"};
  transport.WriteSequence(chunks);
  EXPECT_THAT(transport.events(),
              ElementsAre(Event::WriteSequence({"ab", "c"})));
  EXPECT_NE(transport.events()[0], Event::Write("abc"));
  EXPECT_EQ(transport.events()[0].data, "abc");
}

TEST(StringTransportTest, FailedRegistrationIsNotAnEvent) {
  NullProducer a, b;
  StringTransport transport;
  ASSERT_TRUE(transport.RegisterProducer(&a, false).ok());
  EXPECT_FALSE(transport.RegisterProducer(&b, true).ok());
  EXPECT_THAT(transport.events(), ElementsAre(Event::RegisterProducer(false)));
}

TEST(StringTransportTest, EventsPrintReadably) {
  EXPECT_EQ(Event::Write("hi\r\n").ToString(), "Write(\"hi\\r\\n\")");
  EXPECT_EQ(Event::WriteSequence({"a", "b"}).ToString(),
            "WriteSequence(\"a\", \"b\")");
  EXPECT_EQ(Event::RegisterProducer(true).ToString(),
            "RegisterProducer(streaming=true)");
  EXPECT_EQ(testing::PrintToString(Event::LoseConnection()), "LoseConnection");
  EXPECT_EQ(ToString(State::kPaused), "paused");
}

TEST(StringTransportTest, MovedTransportKeepsItsRecord) {
  StringTransport original;
  original.Write("kept");
  original.LoseConnection();
  StringTransport moved(std::move(original));
  EXPECT_EQ(moved.Value(), "kept");
  EXPECT_TRUE(moved.disconnecting());
  EXPECT_THAT(moved.events(),
              ElementsAre(Event::Write("kept"), Event::LoseConnection()));
}

TEST(StringTransportTest, ManySmallWritesStayIntact) {
  StringTransport transport;
  std::string expected;
  for (int i = 0; i < 10000; ++i) {
    std::string piece = std::to_string(i) + ",";
    transport.Write(piece);
    expected += piece;
  }
  EXPECT_EQ(transport.Value(), expected);
  EXPECT_EQ(transport.events().size(), 10000u);
  EXPECT_EQ(transport.events()[1234], Event::Write("1234,"));
}

// --- The compact event log ---
// Writes are logged as their sizes (one byte for a short write), and a run
// of writes of one size as a count kept in place. These tests drive the
// transport beside a plain list of the events it must report.

// Drives a transport and keeps the events it must report, the slow way.
class Shadow {
 public:
  StringTransport& transport() { return transport_; }
  const std::vector<Event>& expected() const { return expected_; }
  const std::string& value() const { return value_; }

  void Write(std::string_view data) {
    transport_.Write(data);
    expected_.push_back(Event::Write(data));
    value_.append(data);
  }
  void WriteSequence(std::vector<std::string> chunks) {
    std::vector<std::string_view> views(chunks.begin(), chunks.end());
    transport_.WriteSequence(views);
    for (const std::string& chunk : chunks) value_.append(chunk);
    expected_.push_back(Event::WriteSequence(std::move(chunks)));
  }
  void Pause() {
    transport_.PauseProducing();
    expected_.push_back(Event::PauseProducing());
  }
  void Resume() {
    transport_.ResumeProducing();
    expected_.push_back(Event::ResumeProducing());
  }
  void Clear() {
    transport_.Clear();
    expected_.clear();
    value_.clear();
  }
  // Every event with exactly its bytes, and Value(), as expected.
  void Check() {
    EXPECT_TRUE(transport_.Value() == value_) << "Value() differs";
    const std::vector<Event> events = transport_.events();
    EXPECT_EQ(transport_.event_count(), expected_.size());
    ASSERT_EQ(events.size(), expected_.size());
    if (events == expected_) return;
    for (size_t i = 0; i < events.size(); ++i) {
      ASSERT_EQ(events[i], expected_[i]) << "event " << i;
    }
  }

 private:
  StringTransport transport_;
  std::vector<Event> expected_;
  std::string value_;
};

// `size` bytes that differ from one call to the next.
std::string Bytes(size_t size, int seed) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    bytes[i] = static_cast<char>(seed * 131 + i * 7);
  }
  return bytes;
}

TEST(StringTransportLogTest, RunsOfEqualSizesKeepEveryBoundary) {
  // Runs around the in-place counter's capacity (31 per log byte), so
  // counters fill, roll over and restart at every length near the limit.
  Shadow shadow;
  int seed = 0;
  for (int run : {1, 2, 30, 31, 32, 33, 62, 63, 64, 1000}) {
    for (int i = 0; i < run; ++i) shadow.Write(Bytes(16, ++seed));
    shadow.Write(Bytes(5, ++seed));  // A different size ends the run.
  }
  shadow.Check();
}

TEST(StringTransportLogTest, SizesChangingAtEveryWrite) {
  // Across the one-byte record's limit (31 bytes) and the varint's byte
  // boundaries (sizes 2^5, 2^12, 2^19 need 2, 3, 4 bytes).
  Shadow shadow;
  int seed = 0;
  for (size_t size : {0, 1, 31, 32, 33, 127, 128, 4095, 4096, 4097, 0, 1,
                      (1 << 19) - 1, 1 << 19, 2, 31, 32}) {
    shadow.Write(Bytes(size, ++seed));
  }
  shadow.Check();
}

TEST(StringTransportLogTest, RunsOfLongWrites) {
  // Runs of a size whose own record is two bytes long.
  Shadow shadow;
  for (int i = 0; i < 100; ++i) shadow.Write(Bytes(100, i));
  for (int i = 0; i < 40; ++i) shadow.Write(Bytes(5000, i));
  shadow.Check();
}

TEST(StringTransportLogTest, EmptyAndOneByteWrites) {
  Shadow shadow;
  for (int i = 0; i < 100; ++i) shadow.Write("");
  for (int i = 0; i < 20000; ++i) {
    shadow.Write(std::string(1, static_cast<char>(i)));
  }
  shadow.Write("");
  shadow.Check();
  EXPECT_EQ(shadow.transport().events()[99], Event::Write(""));
  EXPECT_EQ(shadow.transport().events()[100 + 7000],
            Event::Write(std::string(1, static_cast<char>(7000))));
}

TEST(StringTransportLogTest, HugeWrites) {
  // Past the byte buffer's switch to a mapping of its own, in one write
  // and by growing.
  Shadow shadow;
  shadow.Write(Bytes(3 << 20, 1));
  shadow.Write(Bytes(3 << 20, 2));  // A run of huge writes.
  shadow.Write("x");
  shadow.Write(Bytes(300 << 10, 3));
  shadow.Check();
}

TEST(StringTransportLogTest, WriteSequenceEndsARun) {
  Shadow shadow;
  shadow.Write("ab");
  shadow.Write("cd");
  shadow.WriteSequence({"ef", "gh"});  // Chunks of the run's size.
  shadow.Write("ij");
  shadow.Write("kl");
  shadow.WriteSequence({});
  shadow.WriteSequence({"", "m", std::string(200, 'n'), "", "o"});
  shadow.Write("pq");
  shadow.Check();
}

TEST(StringTransportLogTest, OtherEventsEndARun) {
  NullProducer producer;
  Shadow shadow;
  shadow.Write("1234");
  shadow.Pause();
  shadow.Write("5678");  // Same size as before the pause: a new record.
  shadow.Write("9abc");
  shadow.Resume();
  shadow.Write("defg");
  shadow.Check();
  StringTransport& transport = shadow.transport();
  ASSERT_TRUE(transport.RegisterProducer(&producer, true).ok());
  transport.Write("hijk");
  const std::vector<Event> events = transport.events();
  ASSERT_EQ(events.size(), 8u);
  EXPECT_THAT(std::vector<Event>(events.begin() + 5, events.end()),
              ElementsAre(Event::Write("defg"), Event::RegisterProducer(true),
                          Event::Write("hijk")));
}

TEST(StringTransportLogTest, ClearEndsARun) {
  Shadow shadow;
  shadow.Write("ab");
  shadow.Write("cd");
  shadow.Clear();
  EXPECT_EQ(shadow.transport().Value(), "");
  EXPECT_EQ(shadow.transport().event_count(), 0u);
  shadow.Write("ef");  // Same size as before Clear(): counts nothing old.
  shadow.Write("gh");
  shadow.Check();
  shadow.Clear();
  shadow.Write(Bytes(1 << 20, 5));  // Clear() released the mapping too.
  shadow.Clear();
  shadow.Write("ij");
  shadow.Check();
}

TEST(StringTransportLogTest, MovedFromTransportStartsAfresh) {
  StringTransport original;
  original.Write("ab");
  original.Write("cd");
  StringTransport moved(std::move(original));
  // Valid but unspecified; in fact empty, and it must not count a write
  // of the old run into a log it gave away.
  original.Clear();
  original.Write("ef");
  original.Write("gh");
  EXPECT_THAT(original.events(),
              ElementsAre(Event::Write("ef"), Event::Write("gh")));
  EXPECT_THAT(moved.events(),
              ElementsAre(Event::Write("ab"), Event::Write("cd")));
  StringTransport assigned;
  assigned.Write("zz");
  assigned = std::move(moved);
  moved.Write("ij");
  EXPECT_THAT(moved.events(), ElementsAre(Event::Write("ij")));
  assigned.Write("kl");
  EXPECT_THAT(
      assigned.events(),
      ElementsAre(Event::Write("ab"), Event::Write("cd"), Event::Write("kl")));
}

TEST(StringTransportLogTest, PseudoRandomMixMatchesTheSlowLog) {
  // Sizes repeat often (runs), change often, and cross every record
  // boundary; events, sequences and Clear() fall in between.
  Shadow shadow;
  const size_t sizes[] = {0, 1, 2, 16, 31, 32, 100, 4096};
  uint32_t x = 12345;
  auto next = [&] {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
  };
  size_t size = 16;
  for (int i = 0; i < 20000; ++i) {
    const uint32_t r = next() % 100;
    if (r < 20) size = sizes[next() % std::size(sizes)];
    if (r < 80) {
      shadow.Write(Bytes(size, i));
    } else if (r < 90) {
      shadow.WriteSequence({Bytes(size, i), Bytes(next() % 40, i)});
    } else if (r < 95) {
      shadow.Pause();
    } else if (r < 99) {
      shadow.Resume();
    } else {
      shadow.Check();
      shadow.Clear();
    }
  }
  shadow.Check();
}

// --- Printing (what gtest shows for a transport in a failed expectation) ---

TEST(StringTransportPrintTest, PrintsAFreshTransport) {
  StringTransport transport;
  EXPECT_EQ(testing::PrintToString(transport),
            "StringTransport{wrote \"\" (0 bytes) in 0 events; connected; "
            "producer_state: producing; producer: none}");
}

TEST(StringTransportPrintTest, PrintsBytesEscapedAndEvents) {
  StringTransport transport;
  transport.Write("PONG\r\n");
  transport.Write(std::string_view("\0", 1));
  EXPECT_EQ(testing::PrintToString(transport),
            "StringTransport{wrote \"PONG\\r\\n\\x00\" (7 bytes) in 2 events; "
            "connected; producer_state: producing; producer: none}");
  transport.Clear();
  transport.Write("x");
  EXPECT_THAT(testing::PrintToString(transport),
              testing::HasSubstr("wrote \"x\" (1 byte) in 1 event;"));
}

TEST(StringTransportPrintTest, ShortensLongValuesWithTheirSize) {
  StringTransport transport;
  for (int i = 0; i < 1000; ++i) transport.Write("PONG\r\n");
  // The first 64 bytes (ten lines and a "PONG"), then the full size.
  std::string shown;
  for (int i = 0; i < 10; ++i) shown += "PONG\\r\\n";
  shown += "PONG";
  EXPECT_EQ(testing::PrintToString(transport),
            "StringTransport{wrote \"" + shown +
                "\"... (6000 bytes) in 1000 events; connected; "
                "producer_state: producing; producer: none}");
}

TEST(StringTransportPrintTest, PrintsFlagsAndProducer) {
  NullProducer producer;
  StringTransport transport(StringTransport::Options{.lenient = true});
  ASSERT_TRUE(transport.RegisterProducer(&producer, /*streaming=*/true).ok());
  transport.LoseWriteConnection();
  transport.AbortConnection();
  transport.PauseProducing();
  EXPECT_EQ(testing::PrintToString(transport),
            "StringTransport{wrote \"\" (0 bytes) in 4 events; connected "
            "disconnecting disconnected write_disconnected; producer_state: "
            "paused; producer: streaming}");
  transport.UnregisterProducer();
  ASSERT_TRUE(transport.RegisterProducer(&producer, /*streaming=*/false).ok());
  transport.StopProducing();
  EXPECT_THAT(testing::PrintToString(transport),
              testing::EndsWith("producer_state: stopped; producer: pull}"));
}

TEST(StringTransportPrintTest, PrintsTheDisconnectingKind) {
  AccumulatingProtocol protocol;
  StringTransportWithDisconnection transport;
  EXPECT_EQ(testing::PrintToString(transport),
            "StringTransportWithDisconnection{wrote \"\" (0 bytes) in 0 "
            "events; connected; producer_state: producing; producer: none; "
            "protocol: none}");
  transport.set_protocol(&protocol);
  protocol.MakeConnection(&transport);
  transport.Write("bye");
  transport.ReadConnectionLost();
  const std::string expected =
      "StringTransportWithDisconnection{wrote \"bye\" (3 bytes) in 1 event; "
      "not connected read_disconnected; producer_state: producing; "
      "producer: none; protocol: set}";
  EXPECT_EQ(testing::PrintToString(transport), expected);
  // Through the base class too: DebugString() is virtual.
  const StringTransport& base = transport;
  EXPECT_EQ(testing::PrintToString(base), expected);
}

// What gtest reports when a HasWritten expectation fails.
std::string FailureOf(const std::function<void()>& expectation) {
  testing::TestPartResultArray results;
  {
    testing::ScopedFakeTestPartResultReporter reporter(
        testing::ScopedFakeTestPartResultReporter::
            INTERCEPT_ONLY_CURRENT_THREAD,
        &results);
    expectation();
  }
  std::string messages;
  for (int i = 0; i < results.size(); ++i) {
    messages += results.GetTestPartResult(i).message();
  }
  return messages;
}

TEST(StringTransportPrintTest, AFailedHasWrittenShowsTheTransportsState) {
  StringTransport transport;
  transport.Write("PONG\r\n");
  transport.LoseConnection();
  EXPECT_NONFATAL_FAILURE(
      EXPECT_THAT(transport, testutil::HasWritten("PING\r\n")),
      "Actual: StringTransport{wrote \"PONG\\r\\n\" (6 bytes) in 2 events; "
      "connected disconnecting; producer_state: producing; producer: none}");
  const std::string failure = FailureOf(
      [&] { EXPECT_THAT(transport, testutil::HasWritten("PING\r\n")); });
  EXPECT_THAT(failure, testing::HasSubstr("StringTransport{"));
  EXPECT_THAT(failure, testing::Not(testing::HasSubstr("-byte object <")));
}

TEST(StringTransportPrintTest, AFailedHasWrittenShowsTheDisconnectingKind) {
  StringTransportWithDisconnection transport;
  transport.Write("PONG\r\n");
  const std::string failure = FailureOf([&] {
    EXPECT_THAT(transport, testutil::HasWritten(testing::StartsWith("PI")));
  });
  EXPECT_THAT(failure,
              testing::HasSubstr("Actual: StringTransportWithDisconnection{"
                                 "wrote \"PONG\\r\\n\" (6 bytes)"));
  EXPECT_THAT(failure, testing::Not(testing::HasSubstr("-byte object <")));
}

TEST(StringTransportTest, ProtocolSeesTransportThroughMakeConnection) {
  StringTransport transport;
  AccumulatingProtocol protocol;
  protocol.MakeConnection(&transport);
  EXPECT_EQ(protocol.transport(), &transport);
  EXPECT_TRUE(protocol.made());
  // A plain StringTransport never calls ConnectionLost.
  transport.LoseConnection();
  EXPECT_EQ(protocol.connection_lost_calls(), 0);
}

TEST(StringTransportWithDisconnectionTest, LoseConnectionTellsProtocolOnce) {
  StringTransportWithDisconnection transport;
  AccumulatingProtocol protocol;
  transport.set_protocol(&protocol);
  protocol.MakeConnection(&transport);
  transport.LoseConnection();
  EXPECT_FALSE(transport.connected());
  EXPECT_TRUE(transport.disconnecting());
  EXPECT_EQ(protocol.connection_lost_calls(), 1);
  EXPECT_TRUE(IsConnectionDone(protocol.closed_reason()));
  transport.LoseConnection();
  EXPECT_EQ(protocol.connection_lost_calls(), 1);
}

TEST(StringTransportWithDisconnectionTest, AbortTellsProtocolAborted) {
  StringTransportWithDisconnection transport;
  AccumulatingProtocol protocol;
  transport.set_protocol(&protocol);
  transport.AbortConnection();
  EXPECT_TRUE(transport.disconnected());
  EXPECT_FALSE(transport.connected());
  EXPECT_EQ(protocol.connection_lost_calls(), 1);
  EXPECT_TRUE(IsConnectionAborted(protocol.closed_reason()));
  transport.LoseConnection();
  EXPECT_EQ(protocol.connection_lost_calls(), 1);
}

// A protocol that closes again from inside ConnectionLost must not recurse.
TEST(StringTransportWithDisconnectionTest, LoseFromConnectionLostIsIgnored) {
  StringTransportWithDisconnection transport;
  AccumulatingProtocol protocol;
  protocol.set_on_connection_lost(
      [&](const absl::Status&) { protocol.transport()->LoseConnection(); });
  transport.set_protocol(&protocol);
  protocol.MakeConnection(&transport);
  transport.LoseConnection();
  EXPECT_EQ(protocol.connection_lost_calls(), 1);
  EXPECT_THAT(transport.events(),
              ElementsAre(Event::LoseConnection(), Event::LoseConnection()));
}

TEST(StringTransportWithDisconnectionTest, WithoutProtocolOnlyFlagsChange) {
  StringTransportWithDisconnection transport;
  transport.LoseConnection();
  EXPECT_FALSE(transport.connected());
  EXPECT_TRUE(transport.disconnecting());
}

TEST(StringTransportWithDisconnectionTest, WritesStillRecordedAfterClose) {
  // Twisted's double keeps recording; tests that check "nothing written after
  // close" assert on events() order instead.
  StringTransportWithDisconnection transport;
  transport.LoseConnection();
  transport.Write("late");
  EXPECT_THAT(transport.events(),
              ElementsAre(Event::LoseConnection(), Event::Write("late")));
}

// --- Half-close -------------------------------------------------------------

TEST(StringTransportTest, LoseWriteConnectionIsRecordedAndSetsTheFlag) {
  StringTransport transport;
  EXPECT_FALSE(transport.write_disconnected());
  transport.Write("request");
  transport.LoseWriteConnection();
  EXPECT_TRUE(transport.write_disconnected());
  EXPECT_FALSE(transport.disconnecting());
  EXPECT_TRUE(transport.connected());
  EXPECT_THAT(transport.events(), ElementsAre(Event::Write("request"),
                                              Event::LoseWriteConnection()));
  EXPECT_EQ(Event::LoseWriteConnection().ToString(), "LoseWriteConnection");
}

TEST(StringTransportTest, WritesAfterLoseWriteConnectionAreStillRecorded) {
  // As after LoseConnection(): the double records, the test judges by the
  // order in events() (a real transport would drop "late").
  StringTransport transport;
  transport.LoseWriteConnection();
  transport.Write("late");
  transport.LoseWriteConnection();
  EXPECT_EQ(transport.Value(), "late");
  EXPECT_THAT(transport.events(),
              ElementsAre(Event::LoseWriteConnection(), Event::Write("late"),
                          Event::LoseWriteConnection()));
}

TEST(StringTransportTest, ReadingGoesOnAfterLoseWriteConnection) {
  // Half-closing is not LoseConnection(): pausing and resuming our reading
  // stays legal.
  StringTransport transport;
  transport.LoseWriteConnection();
  transport.PauseProducing();
  transport.ResumeProducing();
  EXPECT_EQ(transport.producer_state(), State::kProducing);
}

TEST(StringTransportTest, ClearForgetsLoseWriteConnectionButNotTheFlag) {
  StringTransport transport;
  transport.LoseWriteConnection();
  transport.Clear();
  EXPECT_THAT(transport.events(), IsEmpty());
  EXPECT_TRUE(transport.write_disconnected());
}

TEST(StringTransportWithDisconnectionTest, EofIsReadConnectionLostForHalf) {
  StringTransportWithDisconnection transport;
  HalfCloseableAccumulatingProtocol protocol;
  transport.set_protocol(&protocol);
  protocol.MakeConnection(&transport);
  transport.ReadConnectionLost();
  EXPECT_THAT(protocol.events(), ElementsAre("made", "read-lost"));
  EXPECT_TRUE(transport.read_disconnected());
  EXPECT_TRUE(transport.connected());
  // Writing after the read side closed is recorded as any write.
  protocol.transport()->Write("answer");
  EXPECT_EQ(transport.Value(), "answer");
  EXPECT_TRUE(transport.connected());
}

TEST(StringTransportWithDisconnectionTest, EofIsConnectionDoneForAPlainOne) {
  StringTransportWithDisconnection transport;
  AccumulatingProtocol protocol;
  transport.set_protocol(&protocol);
  protocol.MakeConnection(&transport);
  transport.ReadConnectionLost();
  EXPECT_EQ(protocol.connection_lost_calls(), 1);
  EXPECT_TRUE(IsConnectionDone(protocol.closed_reason()));
  EXPECT_FALSE(transport.connected());
  EXPECT_FALSE(transport.disconnecting());  // The protocol did not close.
  // Our own close afterwards reports nothing more.
  transport.LoseConnection();
  EXPECT_EQ(protocol.connection_lost_calls(), 1);
}

TEST(StringTransportWithDisconnectionTest, LoseWriteTellsWriteConnectionLost) {
  StringTransportWithDisconnection transport;
  HalfCloseableAccumulatingProtocol protocol;
  transport.set_protocol(&protocol);
  protocol.MakeConnection(&transport);
  transport.LoseWriteConnection();
  transport.LoseWriteConnection();  // Told once.
  EXPECT_THAT(protocol.events(), ElementsAre("made", "write-lost"));
  EXPECT_TRUE(transport.connected());
  EXPECT_THAT(transport.events(), ElementsAre(Event::LoseWriteConnection(),
                                              Event::LoseWriteConnection()));
}

TEST(StringTransportWithDisconnectionTest,
     PlainProtocolHearsNothingOnLoseWrite) {
  StringTransportWithDisconnection transport;
  AccumulatingProtocol protocol;
  transport.set_protocol(&protocol);
  protocol.MakeConnection(&transport);
  transport.LoseWriteConnection();
  EXPECT_EQ(protocol.connection_lost_calls(), 0);
  EXPECT_TRUE(transport.connected());
  // The peer's EOF then ends it, once.
  transport.ReadConnectionLost();
  EXPECT_EQ(protocol.connection_lost_calls(), 1);
  EXPECT_TRUE(IsConnectionDone(protocol.closed_reason()));
}

TEST(StringTransportWithDisconnectionTest, WriteThenReadSideEndsOnce) {
  StringTransportWithDisconnection transport;
  HalfCloseableAccumulatingProtocol protocol;
  transport.set_protocol(&protocol);
  protocol.MakeConnection(&transport);
  transport.LoseWriteConnection();
  transport.ReadConnectionLost();
  EXPECT_THAT(protocol.events(),
              ElementsAre("made", "write-lost", "read-lost", "lost"));
  EXPECT_TRUE(IsConnectionDone(protocol.closed_reason()));
  EXPECT_FALSE(transport.connected());
  transport.LoseConnection();
  transport.LoseWriteConnection();
  EXPECT_THAT(protocol.events(),
              ElementsAre("made", "write-lost", "read-lost", "lost"));
  EXPECT_TRUE(IsConnectionDone(protocol.closed_reason()));
}

TEST(StringTransportWithDisconnectionTest, ReadThenWriteSideEndsOnce) {
  StringTransportWithDisconnection transport;
  HalfCloseableAccumulatingProtocol protocol;
  transport.set_protocol(&protocol);
  protocol.MakeConnection(&transport);
  transport.ReadConnectionLost();
  protocol.transport()->Write("bye");
  transport.LoseWriteConnection();
  EXPECT_THAT(protocol.events(),
              ElementsAre("made", "read-lost", "write-lost", "lost"));
  EXPECT_TRUE(IsConnectionDone(protocol.closed_reason()));
  EXPECT_EQ(transport.Value(), "bye");
  EXPECT_FALSE(transport.connected());
}

TEST(StringTransportWithDisconnectionTest, HalfCloseFromReadConnectionLost) {
  // The usual server: answer, then half-close, from inside the callback.
  StringTransportWithDisconnection transport;
  HalfCloseableAccumulatingProtocol protocol;
  protocol.set_on_read_connection_lost([&] {
    protocol.transport()->Write("result");
    dynamic_cast<HalfCloseableTransport*>(protocol.transport())
        ->LoseWriteConnection();
  });
  transport.set_protocol(&protocol);
  protocol.MakeConnection(&transport);
  transport.ReadConnectionLost();
  EXPECT_THAT(protocol.events(),
              ElementsAre("made", "read-lost", "write-lost", "lost"));
  EXPECT_TRUE(IsConnectionDone(protocol.closed_reason()));
  EXPECT_THAT(transport.events(), ElementsAre(Event::Write("result"),
                                              Event::LoseWriteConnection()));
}

TEST(StringTransportWithDisconnectionTest, LoseConnectionAfterEofEndsOnce) {
  StringTransportWithDisconnection transport;
  HalfCloseableAccumulatingProtocol protocol;
  protocol.set_on_read_connection_lost(
      [&] { protocol.transport()->LoseConnection(); });
  transport.set_protocol(&protocol);
  protocol.MakeConnection(&transport);
  transport.ReadConnectionLost();
  EXPECT_THAT(protocol.events(), ElementsAre("made", "read-lost", "lost"));
  EXPECT_TRUE(IsConnectionDone(protocol.closed_reason()));
}

TEST(StringTransportWithDisconnectionTest, EofAfterTheEndIsIgnored) {
  // We closed first: our socket is gone and reads no EOF.
  StringTransportWithDisconnection transport;
  HalfCloseableAccumulatingProtocol protocol;
  transport.set_protocol(&protocol);
  protocol.MakeConnection(&transport);
  transport.LoseConnection();
  transport.ReadConnectionLost();
  EXPECT_THAT(protocol.events(), ElementsAre("made", "lost"));
  EXPECT_TRUE(IsConnectionDone(protocol.closed_reason()));
  EXPECT_TRUE(transport.read_disconnected());
}

TEST(StringTransportWithDisconnectionTest, EofWithoutProtocolOnlyEnds) {
  StringTransportWithDisconnection transport;
  transport.ReadConnectionLost();
  EXPECT_FALSE(transport.connected());
}

TEST(StringTransportWithDisconnectionDeathTest, SecondEofDies) {
  StringTransportWithDisconnection transport;
  HalfCloseableAccumulatingProtocol protocol;
  transport.set_protocol(&protocol);
  protocol.MakeConnection(&transport);
  transport.ReadConnectionLost();
  EXPECT_DEATH(transport.ReadConnectionLost(),
               "ReadConnectionLost\\(\\) called twice");
}

}  // namespace
}  // namespace standin
