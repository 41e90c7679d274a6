// LoopbackPump: the conformance suite over the in-memory pair, plus the
// pump's own step-by-step behaviour: when bytes move, the kernel-buffer
// model, one copy per byte, the event log and the misuse rules it shares
// with StringTransport.
#include "standin/testutil/loopback_pump.h"

#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/testutil/accumulating_protocol.h"
#include "standin/testutil/transport_conformance.h"
#include "standin/transport/status.h"

namespace standin::testutil {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using Event = LoopbackTransport::Event;

class PumpHarness : public TransportHarness {
 public:
  void Connect(Protocol* client, Protocol* server) override {
    pump_ = std::make_unique<LoopbackPump>(client, server);
  }
  bool RunUntil(absl::FunctionRef<bool()> done) override {
    int idle = 0;
    for (int round = 0; round < 10'000'000; ++round) {
      if (done()) return true;
      if (pump_->Pump()) {
        idle = 0;
      } else if (++idle > 1000) {
        // `done` may act (write) between rounds, so a few idle rounds are
        // no proof; a thousand are.
        return done();
      }
    }
    return false;
  }
  void Settle() override { pump_->Flush(); }
  void AbortConnection(Transport* transport) override {
    dynamic_cast<LoopbackTransport&>(*transport).AbortConnection();
  }
  Producer* AsProducer(Transport* transport) override {
    return dynamic_cast<Producer*>(transport);
  }
  size_t BufferSize(Transport* transport) override {
    return dynamic_cast<LoopbackTransport&>(*transport).buffer_size();
  }

 private:
  std::unique_ptr<LoopbackPump> pump_;
};

INSTANTIATE_TEST_SUITE_P(LoopbackPump, TransportConformanceTest,
                         ::testing::Values(TransportHarnessFactory{
                             "LoopbackPump",
                             [] { return std::make_unique<PumpHarness>(); }}),
                         TransportHarnessName);

// Counts what it is told; checks the transport's buffer when resumed.
class CountingProducer : public Producer {
 public:
  explicit CountingProducer(const LoopbackTransport* transport = nullptr)
      : transport_(transport) {}
  void PauseProducing() override { ++pauses; }
  void ResumeProducing() override {
    ++resumes;
    if (transport_ != nullptr)
      buffered_at_resume.push_back(transport_->user_pending());
    if (on_resume) on_resume();
  }
  void StopProducing() override { ++stops; }
  int pauses = 0, resumes = 0, stops = 0;
  std::vector<size_t> buffered_at_resume;
  std::function<void()> on_resume;

 private:
  const LoopbackTransport* transport_;
};

TEST(LoopbackPumpTest, ConnectsServerThenClient) {
  std::string order;
  AccumulatingProtocol client, server;
  client.set_on_connection_made([&] { order += "client "; });
  server.set_on_connection_made([&] { order += "server "; });
  LoopbackPump pump(&client, &server);
  EXPECT_EQ(order, "server client ");
  EXPECT_EQ(client.transport(), &pump.client_transport());
  EXPECT_EQ(server.transport(), &pump.server_transport());
  static_assert(std::is_base_of_v<HalfCloseableTransport, LoopbackTransport>);
}

TEST(LoopbackPumpTest, BytesMoveOnlyWhenPumped) {
  AccumulatingProtocol client, server;
  LoopbackPump pump(&client, &server);
  client.transport()->Write("ping");
  EXPECT_EQ(server.data(), "");
  EXPECT_EQ(pump.client_transport().user_pending(), 4u);
  EXPECT_TRUE(pump.Pump());  // Sent and read in one round.
  EXPECT_EQ(server.data(), "ping");
  EXPECT_EQ(pump.client_transport().user_pending(), 0u);
  EXPECT_EQ(pump.client_transport().in_flight(), 0u);
  EXPECT_EQ(pump.client_transport().Value(), "ping");  // Still recorded.
  EXPECT_FALSE(pump.Pump());
}

TEST(LoopbackPumpTest, EachRoundDeliversWhatWasWrittenAsOneChunk) {
  AccumulatingProtocol client, server;
  LoopbackPump pump(&client, &server);
  client.transport()->Write("a");
  client.transport()->Write("b");
  pump.Pump();
  client.transport()->Write("c");
  pump.Pump();
  EXPECT_EQ(server.chunks(), (std::vector<std::string>{"ab", "c"}));
}

// The peer reads the writer's own queue: no byte is copied on its way.
TEST(LoopbackPumpTest, EachByteIsCopiedOnceIntoTheQueue) {
  AccumulatingProtocol client, server;
  LoopbackPump pump(&client, &server);
  const std::string payload(100000, 'q');
  client.transport()->Write(payload);
  const char* stored = pump.client_transport().Value().data();
  EXPECT_NE(stored, payload.data());
  const char* delivered = nullptr;
  server.set_on_data([&](std::string_view d) { delivered = d.data(); });
  pump.Flush();
  EXPECT_EQ(delivered, stored);
  EXPECT_EQ(server.data(), payload);
}

// While the server reads a view of the client's queue, the client writes
// enough to grow that queue: the view stays valid (ASan checks it).
TEST(LoopbackPumpTest, WritingIntoTheQueueBeingReadIsSafe) {
  class Reader : public Protocol {
   public:
    void DataReceived(std::string_view data) override {
      if (other != nullptr) {
        other->Write(std::string(1 << 20, 'g'));
        other = nullptr;
      }
      copy.append(data);  // Reads the view after the write.
    }
    Transport* other = nullptr;
    std::string copy;
  };
  AccumulatingProtocol client;
  Reader server;
  LoopbackPump pump(&client, &server);
  client.transport()->Write("first");
  server.other = client.transport();
  pump.Flush();
  EXPECT_EQ(server.copy, "first" + std::string(1 << 20, 'g'));
}

TEST(LoopbackPumpTest, AddressesAreMirrored) {
  AccumulatingProtocol client, server;
  LoopbackPump pump(&client, &server);
  EXPECT_EQ(
      client.transport()->GetHost(),
      Address(IPv4Address{IPv4Address::Kind::kTcp, "192.168.1.1", 54321}));
  EXPECT_EQ(server.transport()->GetHost(),
            Address(IPv4Address{IPv4Address::Kind::kTcp, "10.0.0.1", 12345}));
  EXPECT_EQ(client.transport()->GetPeer(), server.transport()->GetHost());
}

TEST(LoopbackPumpTest, LoseConnectionIsReportedByThePumpNotTheCall) {
  AccumulatingProtocol client, server;
  LoopbackPump pump(&client, &server);
  client.transport()->LoseConnection();
  EXPECT_FALSE(client.closed());
  EXPECT_TRUE(pump.client_transport().disconnecting());
  pump.Flush();
  EXPECT_TRUE(IsConnectionDone(client.closed_reason()));
  EXPECT_TRUE(IsConnectionDone(server.closed_reason()));
  EXPECT_TRUE(pump.client_transport().disconnected());
  EXPECT_FALSE(pump.client_transport().connected());
}

TEST(LoopbackPumpTest, EventsRecordEveryCallAcrossRounds) {
  AccumulatingProtocol client, server;
  LoopbackPump pump(&client, &server);
  LoopbackTransport& t = pump.client_transport();
  CountingProducer producer;
  t.Write("one");
  pump.Pump();
  const std::string_view chunks[] = {"t", "wo"};
  t.WriteSequence(chunks);
  ASSERT_TRUE(t.RegisterProducer(&producer, true).ok());
  t.PauseProducing();
  t.ResumeProducing();
  pump.Flush();
  t.UnregisterProducer();
  t.LoseWriteConnection();
  t.LoseConnection();
  pump.Flush();
  t.Write("dropped: the connection is gone");
  EXPECT_THAT(
      t.events(),
      ElementsAre(Event::Write("one"), Event::WriteSequence({"t", "wo"}),
                  Event::RegisterProducer(true), Event::PauseProducing(),
                  Event::ResumeProducing(), Event::UnregisterProducer(),
                  Event::LoseWriteConnection(), Event::LoseConnection()));
  EXPECT_EQ(t.Value(), "onetwo");
  EXPECT_EQ(server.data(), "onetwo");
}

TEST(LoopbackPumpTest, ClearForgetsTheRecordButNotQueuedBytes) {
  AccumulatingProtocol client, server;
  LoopbackPump pump(&client, &server);
  LoopbackTransport& t = pump.client_transport();
  t.Write("queued");
  t.Clear();
  EXPECT_THAT(t.events(), IsEmpty());
  EXPECT_EQ(t.Value(), "");
  t.Write("+more");
  pump.Flush();
  EXPECT_EQ(server.data(), "queued+more");
  EXPECT_THAT(t.events(), ElementsAre(Event::Write("+more")));
  EXPECT_EQ(t.Value(), "+more");
}

TEST(LoopbackPumpTest, PrintsItsState) {
  AccumulatingProtocol client, server;
  LoopbackPump pump(&client, &server);
  client.transport()->Write("abc");
  std::ostringstream os;
  PrintTo(pump.client_transport(), &os);
  EXPECT_THAT(os.str(), HasSubstr("connected"));
  EXPECT_THAT(os.str(), HasSubstr("buffered 3"));
}

TEST(LoopbackPumpTest, BufferSizeOptionSetsThePauseMark) {
  AccumulatingProtocol client, server;
  LoopbackPump::Options options;
  options.buffer_size = 10;
  LoopbackPump pump(&client, &server, options);
  EXPECT_EQ(pump.client_transport().buffer_size(), 10u);
  CountingProducer producer(&pump.client_transport());
  ASSERT_TRUE(client.transport()->RegisterProducer(&producer, true).ok());
  client.transport()->Write("0123456789");
  EXPECT_EQ(producer.pauses, 0);
  client.transport()->Write("!");
  EXPECT_EQ(producer.pauses, 1);
  pump.Flush();
  EXPECT_EQ(producer.resumes, 1);
  EXPECT_EQ(server.data(), "0123456789!");
}

TEST(LoopbackPumpTest, PushProducerResumedOnlyOnceTheBufferIsEmpty) {
  AccumulatingProtocol client, server;
  LoopbackPump::Options options;
  options.buffer_size = 10;
  options.kernel_buffer_size = 4;
  LoopbackPump pump(&client, &server, options);
  CountingProducer producer(&pump.client_transport());
  ASSERT_TRUE(client.transport()->RegisterProducer(&producer, true).ok());
  client.transport()->Write(std::string(30, 'p'));
  EXPECT_EQ(producer.pauses, 1);
  for (int i = 0; i < 5; ++i) pump.Pump();  // 20 of 30 bytes moved.
  EXPECT_EQ(producer.resumes, 0);
  pump.Flush();
  EXPECT_THAT(producer.buffered_at_resume, ElementsAre(0u));
}

TEST(LoopbackPumpTest, PullProducerResumedOnEachDrainOnly) {
  AccumulatingProtocol client, server;
  LoopbackPump::Options options;
  options.kernel_buffer_size = 100;
  LoopbackPump pump(&client, &server, options);
  CountingProducer producer(&pump.client_transport());
  int chunks = 3;
  producer.on_resume = [&] {
    if (chunks-- > 0) client.transport()->Write(std::string(250, 'r'));
  };
  ASSERT_TRUE(client.transport()->RegisterProducer(&producer, false).ok());
  pump.Flush();
  EXPECT_EQ(server.data(), std::string(750, 'r'));
  // At registration (nothing buffered), then after each 250-byte chunk
  // drained in three rounds.
  EXPECT_THAT(producer.buffered_at_resume, ElementsAre(0u, 0u, 0u, 0u));
}

TEST(LoopbackPumpTest, KernelBufferBoundsWhatAPausedReaderHolds) {
  AccumulatingProtocol client, server;
  LoopbackPump::Options options;
  options.kernel_buffer_size = 100;
  LoopbackPump pump(&client, &server, options);
  pump.server_transport().PauseProducing();
  client.transport()->Write(std::string(250, 'k'));
  pump.Flush();
  EXPECT_EQ(pump.client_transport().in_flight(), 100u);
  EXPECT_EQ(pump.client_transport().user_pending(), 150u);
  pump.server_transport().ResumeProducing();
  pump.Flush();
  EXPECT_EQ(server.data(), std::string(250, 'k'));
  EXPECT_EQ(server.chunks().size(), 3u);  // 100 + 100 + 50.
}

TEST(LoopbackPumpTest, LoseConnectionStopsReading) {
  AccumulatingProtocol client, server;
  LoopbackPump pump(&client, &server);
  CountingProducer producer;  // A pull producer holds the close open.
  ASSERT_TRUE(client.transport()->RegisterProducer(&producer, false).ok());
  client.transport()->LoseConnection();
  server.transport()->Write("unread");
  pump.Flush();
  EXPECT_EQ(client.data(), "");
  EXPECT_FALSE(client.closed());
  client.transport()->UnregisterProducer();
  pump.Flush();
  EXPECT_EQ(client.data(), "");  // Gone with the socket.
  EXPECT_TRUE(IsConnectionDone(client.closed_reason()));
  EXPECT_TRUE(IsConnectionDone(server.closed_reason()));
}

TEST(LoopbackPumpTest, ProducerStaysRegisteredStoppedAfterTheEnd) {
  AccumulatingProtocol client, server;
  LoopbackPump pump(&client, &server);
  CountingProducer producer;
  ASSERT_TRUE(client.transport()->RegisterProducer(&producer, true).ok());
  server.transport()->LoseConnection();
  pump.Flush();
  EXPECT_EQ(producer.stops, 1);
  EXPECT_EQ(pump.client_transport().producer(), &producer);
  client.transport()->UnregisterProducer();  // Not misuse.
  // Registering after the end stops the producer at once.
  CountingProducer late;
  ASSERT_TRUE(client.transport()->RegisterProducer(&late, false).ok());
  EXPECT_EQ(late.stops, 1);
  EXPECT_EQ(late.resumes, 0);
}

// --- Half-close -------------------------------------------------------------

TEST(LoopbackPumpTest, EofTravelsOneWayAndTheOtherDirectionFlows) {
  AccumulatingProtocol client;
  HalfCloseableAccumulatingProtocol server;
  LoopbackPump pump(&client, &server);
  client.transport()->Write("upload");
  dynamic_cast<HalfCloseableTransport*>(client.transport())
      ->LoseWriteConnection();
  pump.Flush();
  EXPECT_EQ(server.data(), "upload");
  EXPECT_EQ(server.read_connection_lost_calls(), 1);
  EXPECT_TRUE(pump.server_transport().read_disconnected());
  EXPECT_TRUE(pump.client_transport().write_disconnected());
  for (int i = 0; i < 3; ++i) {
    server.transport()->Write("chunk ");
    pump.Flush();
  }
  EXPECT_EQ(client.data(), "chunk chunk chunk ");
  EXPECT_EQ(client.chunks().size(), 3u);
  EXPECT_FALSE(client.closed());
  EXPECT_FALSE(server.closed());
}

TEST(LoopbackPumpTest, EofWaitsBehindDataAndAPausedReader) {
  AccumulatingProtocol client;
  HalfCloseableAccumulatingProtocol server;
  LoopbackPump pump(&client, &server);
  pump.server_transport().PauseProducing();
  client.transport()->Write("before EOF");
  dynamic_cast<HalfCloseableTransport*>(client.transport())
      ->LoseWriteConnection();
  pump.Flush();
  EXPECT_TRUE(pump.client_transport().write_disconnected());
  EXPECT_EQ(server.read_connection_lost_calls(), 0);
  std::string seen_at_eof;
  server.set_on_read_connection_lost([&] { seen_at_eof = server.data(); });
  pump.server_transport().ResumeProducing();
  pump.Flush();
  EXPECT_EQ(seen_at_eof, "before EOF");
}

TEST(LoopbackPumpTest, WritesDuringTheHalfCloseFlushStillGo) {
  // Twisted: write() is refused only once the write side is shut.
  AccumulatingProtocol client, server;
  LoopbackPump::Options options;
  options.kernel_buffer_size = 4;
  LoopbackPump pump(&client, &server, options);
  LoopbackTransport& t = pump.client_transport();
  t.Write("12345678");
  t.LoseWriteConnection();
  t.Write("9");
  pump.Flush();
  EXPECT_EQ(server.data(), "123456789");
  t.Write("too late");
  EXPECT_EQ(t.Value(), "123456789");
}

// --- Misuse dies, as StringTransport's does ---------------------------------

TEST(LoopbackPumpDeathTest, UnregisterWithoutProducerDies) {
  AccumulatingProtocol client, server;
  LoopbackPump pump(&client, &server);
  EXPECT_DEATH(client.transport()->UnregisterProducer(),
               "Cannot unregister a producer unless one is registered");
}

TEST(LoopbackPumpDeathTest, UnregisterTwiceDies) {
  AccumulatingProtocol client, server;
  LoopbackPump pump(&client, &server);
  CountingProducer producer;
  ASSERT_TRUE(client.transport()->RegisterProducer(&producer, true).ok());
  client.transport()->UnregisterProducer();
  EXPECT_DEATH(client.transport()->UnregisterProducer(),
               "Cannot unregister a producer unless one is registered");
}

TEST(LoopbackPumpDeathTest, PauseAfterLoseConnectionDies) {
  AccumulatingProtocol client, server;
  LoopbackPump pump(&client, &server);
  client.transport()->LoseConnection();
  EXPECT_DEATH(pump.client_transport().PauseProducing(),
               "Cannot resume producing after loseConnection");
  EXPECT_DEATH(pump.client_transport().ResumeProducing(),
               "Cannot resume producing after loseConnection");
}

TEST(LoopbackPumpDeathTest, ResumeAfterStopProducingDies) {
  AccumulatingProtocol client, server;
  LoopbackPump::Options options;
  options.lenient = true;
  LoopbackPump pump(&client, &server, options);
  pump.client_transport().StopProducing();
  EXPECT_DEATH(pump.client_transport().ResumeProducing(),
               "Cannot resume a stopped producer");
}

TEST(LoopbackPumpTest, LenientTransportMayPauseAfterLoseConnection) {
  AccumulatingProtocol client, server;
  LoopbackPump::Options options;
  options.lenient = true;
  LoopbackPump pump(&client, &server, options);
  client.transport()->LoseConnection();
  pump.client_transport().PauseProducing();
  pump.client_transport().ResumeProducing();
  pump.Flush();
  EXPECT_TRUE(client.closed());
}

TEST(LoopbackPumpTest, SecondProducerIsAStatusNotAnEvent) {
  AccumulatingProtocol client, server;
  LoopbackPump pump(&client, &server);
  CountingProducer first, second;
  ASSERT_TRUE(client.transport()->RegisterProducer(&first, true).ok());
  absl::Status status = client.transport()->RegisterProducer(&second, true);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "Cannot register two producers");
  EXPECT_THAT(pump.client_transport().events(),
              ElementsAre(Event::RegisterProducer(true)));
}

TEST(LoopbackPumpTest, FlushDiesOnAnEndlessConversation) {
  EXPECT_DEATH(
      {
        AccumulatingProtocol client;
        AccumulatingProtocol server;
        LoopbackPump pump(&client, &server);
        client.set_on_data(
            [&](std::string_view d) { client.transport()->Write(d); });
        server.set_on_data(
            [&](std::string_view d) { server.transport()->Write(d); });
        client.transport()->Write("x");
        pump.Flush(1000);
      },
      "still busy after 1000 rounds");
}

}  // namespace
}  // namespace standin::testutil
