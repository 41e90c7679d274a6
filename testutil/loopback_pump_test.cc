// LoopbackPump: the conformance suite over the in-memory pair, plus the
// pump's own step-by-step behaviour.
#include "standin/testutil/loopback_pump.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "standin/testutil/accumulating_protocol.h"
#include "standin/testutil/transport_conformance.h"
#include "standin/transport/status.h"

namespace standin::testutil {
namespace {

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
  void LoseWriteConnection(Transport* transport) override {
    dynamic_cast<LoopbackTransport&>(*transport).LoseWriteConnection();
  }
  void AbortConnection(Transport* transport) override {
    dynamic_cast<LoopbackTransport&>(*transport).AbortConnection();
  }
  Producer* AsProducer(Transport* transport) override {
    return dynamic_cast<Producer*>(transport);
  }

 private:
  std::unique_ptr<LoopbackPump> pump_;
};

INSTANTIATE_TEST_SUITE_P(LoopbackPump, TransportConformanceTest,
                         ::testing::Values(TransportHarnessFactory{
                             "LoopbackPump",
                             [] { return std::make_unique<PumpHarness>(); }}),
                         TransportHarnessName);

TEST(LoopbackPumpTest, ConnectsServerThenClient) {
  std::string order;
  AccumulatingProtocol client, server;
  client.set_on_connection_made([&] { order += "client "; });
  server.set_on_connection_made([&] { order += "server "; });
  LoopbackPump pump(&client, &server);
  EXPECT_EQ(order, "server client ");
  EXPECT_EQ(client.transport(), &pump.client_transport());
  EXPECT_EQ(server.transport(), &pump.server_transport());
}

TEST(LoopbackPumpTest, BytesMoveOnlyWhenPumped) {
  AccumulatingProtocol client, server;
  LoopbackPump pump(&client, &server);
  client.transport()->Write("ping");
  EXPECT_EQ(server.data(), "");
  EXPECT_EQ(pump.client_transport().Value(), "ping");
  EXPECT_TRUE(pump.Pump());  // Sent and read in one round.
  EXPECT_EQ(server.data(), "ping");
  EXPECT_EQ(pump.client_transport().Value(), "");
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
  pump.Flush();
  EXPECT_TRUE(IsConnectionDone(client.closed_reason()));
  EXPECT_TRUE(IsConnectionDone(server.closed_reason()));
  EXPECT_TRUE(pump.client_transport().lost());
  EXPECT_FALSE(pump.client_transport().connected());
}

TEST(LoopbackPumpTest, BufferSizeOptionSetsThePauseMark) {
  AccumulatingProtocol client, server;
  LoopbackPump::Options options;
  options.buffer_size = 10;
  LoopbackPump pump(&client, &server, options);
  struct Counter : Producer {
    void PauseProducing() override { ++pauses; }
    void ResumeProducing() override { ++resumes; }
    void StopProducing() override {}
    int pauses = 0, resumes = 0;
  } producer;
  ASSERT_TRUE(client.transport()->RegisterProducer(&producer, true).ok());
  client.transport()->Write("0123456789");
  EXPECT_EQ(producer.pauses, 0);
  client.transport()->Write("!");
  EXPECT_EQ(producer.pauses, 1);
  pump.Flush();
  EXPECT_EQ(producer.resumes, 1);
  EXPECT_EQ(server.data(), "0123456789!");
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
