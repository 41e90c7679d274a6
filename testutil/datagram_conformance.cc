#include "standin/testutil/datagram_conformance.h"

#include <errno.h>

#include <cstddef>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/transport/status.h"

namespace standin::testutil {

// Instantiated by each transport's own test; none here.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(DatagramConformanceTest);

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Datagram = DatagramRecorder::Datagram;

DatagramTransport* DatagramHarness::ListenConnectedToRefusingPeer(
    DatagramProtocol* /*protocol*/, Address* /*refusing*/) {
  return nullptr;
}

std::string DatagramHarness::refusal_unsupported() const {
  return "this transport cannot see a peer's refusal";
}

DatagramTransport* DatagramConformanceTest::Listen() {
  DatagramTransport* transport = harness().Listen(&protocol_);
  EXPECT_NE(transport, nullptr);
  return transport;
}

std::string DatagramConformanceTest::Pattern(size_t size, size_t seed) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    const size_t k = i + seed * 7919;
    out[i] = static_cast<char>((k * 131 + (k >> 8) * 7 + seed) & 0xff);
  }
  return out;
}

namespace {

bool IsUdpEndpoint(const Address& a) {
  if (const auto* v4 = std::get_if<IPv4Address>(&a)) {
    return v4->kind == IPv4Address::Kind::kUdp && v4->port != 0;
  }
  if (const auto* v6 = std::get_if<IPv6Address>(&a)) {
    return v6->kind == IPv4Address::Kind::kUdp && v6->port != 0;
  }
  return false;
}

}  // namespace

TEST_P(DatagramConformanceTest, ListenStartsTheProtocolOnce) {
  DatagramTransport* transport = Listen();
  ASSERT_NE(transport, nullptr);
  EXPECT_EQ(protocol_.starts, 1);
  EXPECT_EQ(protocol_.stops, 0);
  EXPECT_EQ(protocol_.transport(), transport);
  EXPECT_TRUE(IsUdpEndpoint(transport->GetHost()))
      << ToString(transport->GetHost());
  EXPECT_TRUE(IsUdpEndpoint(harness().peer_address()))
      << ToString(harness().peer_address());
  EXPECT_GT(transport->max_datagram_size(), 0u);
}

TEST_P(DatagramConformanceTest, ReceivesWithTheRightSender) {
  ASSERT_NE(Listen(), nullptr);
  harness().SendFromPeer("hello");
  ASSERT_TRUE(harness().RunUntil([&] { return !protocol_.received.empty(); }));
  harness().Settle();
  EXPECT_THAT(protocol_.received,
              ElementsAre(Datagram{"hello", harness().peer_address()}));
}

TEST_P(DatagramConformanceTest, ReplyReachesTheSenderFromTheHost) {
  protocol_.on_datagram = [&](std::string_view data, const Address& from) {
    absl::Status sent =
        protocol_.transport()->Write("re: " + std::string(data), from);
    EXPECT_TRUE(sent.ok()) << sent;
  };
  DatagramTransport* transport = Listen();
  ASSERT_NE(transport, nullptr);
  harness().SendFromPeer("ping");
  ASSERT_TRUE(
      harness().RunUntil([&] { return !harness().PeerReceived().empty(); }));
  harness().Settle();
  EXPECT_THAT(harness().PeerReceived(),
              ElementsAre(Datagram{"re: ping", transport->GetHost()}));
}

TEST_P(DatagramConformanceTest, ManyDatagramsInOrderBothWays) {
  DatagramTransport* transport = Listen();
  ASSERT_NE(transport, nullptr);
  constexpr size_t kCount = 100;
  std::vector<std::string> sent;
  for (size_t i = 0; i < kCount; ++i) {
    sent.push_back(Pattern(1 + (i * 37) % 1000, i));
    harness().SendFromPeer(sent.back());
  }
  ASSERT_TRUE(harness().RunUntil([&] {
    return protocol_.received.size() >= kCount;
  })) << protocol_.received.size()
      << " of " << kCount << " arrived";
  for (size_t i = 0; i < kCount; ++i) {
    ASSERT_EQ(protocol_.received[i].data, sent[i]) << "datagram " << i;
    ASSERT_EQ(protocol_.received[i].from, harness().peer_address());
  }

  for (size_t i = 0; i < kCount; ++i) {
    absl::Status status =
        transport->Write(Pattern(1 + i * 11, i), harness().peer_address());
    ASSERT_TRUE(status.ok()) << "datagram " << i << ": " << status;
  }
  ASSERT_TRUE(harness().RunUntil(
      [&] { return harness().PeerReceived().size() >= kCount; }));
  harness().Settle();
  const std::vector<Datagram> got = harness().PeerReceived();
  ASSERT_EQ(got.size(), kCount);
  for (size_t i = 0; i < kCount; ++i) {
    ASSERT_EQ(got[i].data, Pattern(1 + i * 11, i)) << "datagram " << i;
    ASSERT_EQ(got[i].from, transport->GetHost());
  }
  EXPECT_EQ(protocol_.received.size(), kCount);
}

TEST_P(DatagramConformanceTest, AnEmptyDatagramIsADatagram) {
  DatagramTransport* transport = Listen();
  ASSERT_NE(transport, nullptr);
  harness().SendFromPeer("");
  ASSERT_TRUE(harness().RunUntil([&] { return !protocol_.received.empty(); }));
  EXPECT_EQ(protocol_.received[0].data, "");
  ASSERT_TRUE(transport->Write("", harness().peer_address()).ok());
  ASSERT_TRUE(
      harness().RunUntil([&] { return !harness().PeerReceived().empty(); }));
  EXPECT_EQ(harness().PeerReceived()[0].data, "");
}

TEST_P(DatagramConformanceTest, TheLargestDatagramArrivesWhole) {
  DatagramTransport* transport = Listen();
  ASSERT_NE(transport, nullptr);
  const std::string largest = Pattern(transport->max_datagram_size(), 3);
  absl::Status status = transport->Write(largest, harness().peer_address());
  ASSERT_TRUE(status.ok()) << status;
  ASSERT_TRUE(
      harness().RunUntil([&] { return !harness().PeerReceived().empty(); }));
  harness().Settle();
  const std::vector<Datagram> got = harness().PeerReceived();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].data.size(), largest.size());
  EXPECT_TRUE(got[0].data == largest);
}

TEST_P(DatagramConformanceTest, OversizeFailsWithEmsgsizeAndSendsNothing) {
  DatagramTransport* transport = Listen();
  ASSERT_NE(transport, nullptr);
  absl::Status status =
      transport->Write(std::string(transport->max_datagram_size() + 1, 'x'),
                       harness().peer_address());
  EXPECT_EQ(ErrnoOf(status), EMSGSIZE) << status;
  // A datagram after it shows the link works, and is all that arrives.
  ASSERT_TRUE(transport->Write("after", harness().peer_address()).ok());
  ASSERT_TRUE(
      harness().RunUntil([&] { return !harness().PeerReceived().empty(); }));
  harness().Settle();
  EXPECT_THAT(harness().PeerReceived(),
              ElementsAre(Datagram{"after", transport->GetHost()}));
}

TEST_P(DatagramConformanceTest, StopListeningStopsTheProtocolOnce) {
  DatagramTransport* transport = Listen();
  ASSERT_NE(transport, nullptr);
  transport->StopListening();
  transport->StopListening();
  ASSERT_TRUE(harness().RunUntil([&] { return protocol_.stops > 0; }));
  harness().SendFromPeer("too late");
  harness().Settle();
  transport->StopListening();
  harness().Settle();
  EXPECT_EQ(protocol_.stops, 1);
  EXPECT_EQ(protocol_.starts, 1);
  EXPECT_THAT(protocol_.received, IsEmpty());
}

TEST_P(DatagramConformanceTest, WriteAfterStopListeningFails) {
  DatagramTransport* transport = Listen();
  ASSERT_NE(transport, nullptr);
  transport->StopListening();
  ASSERT_TRUE(harness().RunUntil([&] { return protocol_.stops > 0; }));
  EXPECT_FALSE(transport->Write("late", harness().peer_address()).ok());
  harness().Settle();
  EXPECT_THAT(harness().PeerReceived(), IsEmpty());
}

TEST_P(DatagramConformanceTest, StopFromDatagramReceivedDeliversNoMore) {
  protocol_.on_datagram = [&](std::string_view, const Address&) {
    protocol_.transport()->StopListening();
  };
  ASSERT_NE(Listen(), nullptr);
  harness().SendFromPeer("1");
  harness().SendFromPeer("2");
  harness().SendFromPeer("3");
  ASSERT_TRUE(harness().RunUntil([&] { return protocol_.stops > 0; }));
  harness().Settle();
  EXPECT_THAT(protocol_.payloads(), ElementsAre("1"));
  EXPECT_EQ(protocol_.stops, 1);
}

TEST_P(DatagramConformanceTest, ConnectedRefusalIsHeard) {
  if (std::string why = harness().refusal_unsupported(); !why.empty()) {
    GTEST_SKIP() << GetParam().name << ": " << why;
  }
  Address refusing;
  DatagramTransport* transport =
      harness().ListenConnectedToRefusingPeer(&protocol_, &refusing);
  ASSERT_NE(transport, nullptr);
  EXPECT_EQ(protocol_.starts, 1);
  // The refusal may come back from the write itself or on a later read;
  // either way the protocol hears ConnectionRefused().
  (void)transport->Write("anyone there?", refusing);
  ASSERT_TRUE(harness().RunUntil([&] { return protocol_.refusals > 0; }));
  EXPECT_EQ(protocol_.stops, 0) << "a refusal does not stop the transport";
}

}  // namespace standin::testutil
