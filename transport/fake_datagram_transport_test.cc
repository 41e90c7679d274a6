// FakeDatagramTransport's own behaviour: recording, scripted failures,
// printing and misuse deaths. What it shares with UdpPort is proven by the
// datagram conformance suite (fake_datagram_conformance_test.cc).
#include "standin/transport/fake_datagram_transport.h"

#include <errno.h>

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/testutil/datagram_recorder.h"
#include "standin/transport/address.h"
#include "standin/transport/status.h"

namespace standin {
namespace {

using ::standin::testutil::DatagramRecorder;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

using Sent = FakeDatagramTransport::Sent;
using Event = FakeDatagramTransport::Event;

const Address kPeer = IPv4Address::Udp("192.0.2.7", 4000);
const Address kOther = IPv4Address::Udp("198.51.100.9", 53);

TEST(FakeDatagramTransportTest, AttachStartsTheProtocol) {
  DatagramRecorder protocol;
  FakeDatagramTransport transport(&protocol);
  EXPECT_EQ(protocol.starts, 1);
  EXPECT_EQ(protocol.transport(), &transport);
  EXPECT_EQ(transport.protocol(), &protocol);
  EXPECT_TRUE(transport.listening());
  EXPECT_EQ(transport.GetHost(), Address(IPv4Address::Udp("10.0.0.1", 12345)));
  EXPECT_EQ(transport.max_datagram_size(), 65507u);
}

TEST(FakeDatagramTransportTest, RecordsWritesInOrder) {
  DatagramRecorder protocol;
  FakeDatagramTransport transport(&protocol);
  EXPECT_TRUE(transport.Write("a", kPeer).ok());
  EXPECT_TRUE(transport.Write("b", kOther).ok());
  EXPECT_TRUE(transport.Write("", kPeer).ok());  // Empty datagrams exist.
  EXPECT_THAT(
      transport.written(),
      ElementsAre(Sent{"a", kPeer}, Sent{"b", kOther}, Sent{"", kPeer}));
  EXPECT_THAT(transport.events(),
              ElementsAre(Event::Write("a", kPeer), Event::Write("b", kOther),
                          Event::Write("", kPeer)));
  EXPECT_EQ(transport.write_calls(), 3u);
  transport.Clear();
  EXPECT_TRUE(transport.written().empty());
  EXPECT_TRUE(transport.events().empty());
  EXPECT_EQ(transport.write_calls(), 3u);
}

TEST(FakeDatagramTransportTest, DeliverDrivesTheProtocolWithTheSender) {
  DatagramRecorder protocol;
  protocol.on_datagram = [&](std::string_view data, const Address& from) {
    (void)protocol.transport()->Write(std::string(data) + "!", from);
  };
  FakeDatagramTransport transport(&protocol);
  transport.Deliver("hi", kPeer);
  EXPECT_THAT(protocol.received,
              ElementsAre(DatagramRecorder::Datagram{"hi", kPeer}));
  EXPECT_THAT(transport.written(), ElementsAre(Sent{"hi!", kPeer}));
}

TEST(FakeDatagramTransportTest, OversizeIsEmsgsizeAndNotSent) {
  DatagramRecorder protocol;
  FakeDatagramTransportOptions options;
  options.max_datagram_size = 4;
  FakeDatagramTransport transport(&protocol, options);
  absl::Status status = transport.Write("12345", kPeer);
  EXPECT_EQ(ErrnoOf(status), EMSGSIZE);
  EXPECT_TRUE(transport.Write("1234", kPeer).ok());
  EXPECT_THAT(transport.written(), ElementsAre(Sent{"1234", kPeer}));
  EXPECT_THAT(transport.events(),
              ElementsAre(Event::Write("12345", kPeer, status),
                          Event::Write("1234", kPeer)));
}

TEST(FakeDatagramTransportTest, NthWriteFails) {
  DatagramRecorder protocol;
  FakeDatagramTransportOptions options;
  options.failures.push_back(DatagramWriteFailure::Nth(3, EMSGSIZE));
  FakeDatagramTransport transport(&protocol, options);
  EXPECT_TRUE(transport.Write("1", kPeer).ok());
  EXPECT_TRUE(transport.Write("2", kPeer).ok());
  absl::Status third = transport.Write("3", kPeer);
  EXPECT_EQ(ErrnoOf(third), EMSGSIZE);
  EXPECT_THAT(third.message(), HasSubstr("scripted"));
  EXPECT_TRUE(transport.Write("4", kPeer).ok());
  EXPECT_THAT(
      transport.written(),
      ElementsAre(Sent{"1", kPeer}, Sent{"2", kPeer}, Sent{"4", kPeer}));
}

TEST(FakeDatagramTransportTest, WritesToAnEndpointFailUntilCleared) {
  DatagramRecorder protocol;
  FakeDatagramTransport transport(&protocol);
  transport.AddWriteFailure(DatagramWriteFailure::To(kPeer, ENOBUFS));
  EXPECT_EQ(ErrnoOf(transport.Write("x", kPeer)), ENOBUFS);
  // The kind is a label: the same host and port is the same endpoint.
  EXPECT_EQ(ErrnoOf(transport.Write("x", IPv4Address::Tcp("192.0.2.7", 4000))),
            ENOBUFS);
  EXPECT_TRUE(transport.Write("y", kOther).ok());
  transport.ClearWriteFailures();
  EXPECT_TRUE(transport.Write("z", kPeer).ok());
  EXPECT_THAT(transport.written(),
              ElementsAre(Sent{"y", kOther}, Sent{"z", kPeer}));
  EXPECT_EQ(protocol.refusals, 0);
}

TEST(FakeDatagramTransportTest, AlwaysFailing) {
  DatagramRecorder protocol;
  FakeDatagramTransport transport(&protocol);
  transport.AddWriteFailure(DatagramWriteFailure::Always(EAGAIN));
  EXPECT_EQ(ErrnoOf(transport.Write("x", kPeer)), EAGAIN);
  EXPECT_EQ(ErrnoOf(transport.Write("y", kOther)), EAGAIN);
  EXPECT_TRUE(transport.written().empty());
}

// As on a connected UdpPort, ECONNREFUSED from a write also tells the
// protocol ConnectionRefused().
TEST(FakeDatagramTransportTest, RefusedWriteTellsTheProtocol) {
  DatagramRecorder protocol;
  FakeDatagramTransport transport(&protocol);
  transport.AddWriteFailure(DatagramWriteFailure::To(kPeer, ECONNREFUSED));
  EXPECT_EQ(ErrnoOf(transport.Write("x", kPeer)), ECONNREFUSED);
  EXPECT_EQ(protocol.refusals, 1);
  transport.ConnectionRefused();  // The test plays the kernel's report.
  EXPECT_EQ(protocol.refusals, 2);
}

TEST(FakeDatagramTransportTest, OtherFamilyOrNonIPIsInvalid) {
  DatagramRecorder protocol;
  FakeDatagramTransport transport(&protocol);
  EXPECT_EQ(transport.Write("x", IPv6Address{IPv4Address::Kind::kUdp, "::1", 1})
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(transport.Write("x", UnixAddress{"/x"}).code(),
            absl::StatusCode::kInvalidArgument);
  FakeDatagramTransportOptions v6;
  v6.host = IPv6Address{IPv4Address::Kind::kUdp, "2001:db8::1", 53};
  DatagramRecorder protocol6;
  FakeDatagramTransport transport6(&protocol6, v6);
  EXPECT_EQ(transport6.Write("x", kPeer).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      transport6
          .Write("x", IPv6Address{IPv4Address::Kind::kUdp, "2001:db8::2", 53})
          .ok());
}

TEST(FakeDatagramTransportTest, StopListeningStopsOnceThenWritesFail) {
  DatagramRecorder protocol;
  FakeDatagramTransport transport(&protocol);
  transport.StopListening();
  transport.StopListening();
  EXPECT_EQ(protocol.stops, 1);
  EXPECT_FALSE(transport.listening());
  EXPECT_EQ(transport.Write("late", kPeer).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(transport.written().empty());
  ASSERT_EQ(transport.events().size(), 3u);
  EXPECT_EQ(transport.events()[0], Event::StopListening());
  EXPECT_EQ(transport.events()[1], Event::StopListening());
}

TEST(FakeDatagramTransportTest, PrintsItsState) {
  DatagramRecorder protocol;
  FakeDatagramTransport transport(&protocol);
  (void)transport.Write("ping\r\n", kPeer);
  transport.AddWriteFailure(DatagramWriteFailure::Always(EAGAIN));
  (void)transport.Write("lost", kPeer);
  const std::string printed = ::testing::PrintToString(transport);
  EXPECT_THAT(printed, HasSubstr("host IPv4Address(UDP, '10.0.0.1', 12345)"));
  EXPECT_THAT(printed, HasSubstr("listening"));
  EXPECT_THAT(printed, HasSubstr(R"("ping\r\n" to IPv4Address(UDP, )"
                                 R"('192.0.2.7', 4000))"));
  EXPECT_THAT(printed, HasSubstr("1 failed writes"));
  EXPECT_THAT(
      ::testing::PrintToString(Event::Write(std::string(100, 'x'), kPeer)),
      HasSubstr("(100 bytes)"));
}

TEST(FakeDatagramTransportDeathTest, DeliverWithoutAProtocol) {
  FakeDatagramTransport transport;
  EXPECT_DEATH(transport.Deliver("x", kPeer),
               "FakeDatagramTransport misuse: Deliver\\(\\) needs a protocol");
}

TEST(FakeDatagramTransportDeathTest, DeliverAfterStopListening) {
  DatagramRecorder protocol;
  FakeDatagramTransport transport(&protocol);
  transport.StopListening();
  EXPECT_DEATH(transport.Deliver("x", kPeer),
               "Deliver\\(\\) after StopListening\\(\\)");
  EXPECT_DEATH(transport.ConnectionRefused(),
               "ConnectionRefused\\(\\) after StopListening\\(\\)");
}

TEST(FakeDatagramTransportDeathTest, DeliverFromANonIPEndpoint) {
  DatagramRecorder protocol;
  FakeDatagramTransport transport(&protocol);
  EXPECT_DEATH(transport.Deliver("x", UnixAddress{"/sock"}),
               "from UnixAddress.*IPv4 or IPv6 endpoint");
}

TEST(FakeDatagramTransportDeathTest, AttachingTwoProtocols) {
  DatagramRecorder first, second;
  FakeDatagramTransport transport(&first);
  EXPECT_DEATH(transport.Attach(&second), "Cannot attach two protocols");
}

TEST(FakeDatagramTransportDeathTest, BadScriptedFailures) {
  FakeDatagramTransport transport;
  EXPECT_DEATH(transport.AddWriteFailure(DatagramWriteFailure::Nth(-1, EIO)),
               "counted from 1");
  EXPECT_DEATH(transport.AddWriteFailure(DatagramWriteFailure::Always(0)),
               "needs an errno");
  EXPECT_DEATH(transport.AddWriteFailure(
                   DatagramWriteFailure::To(UnixAddress{"/x"}, EIO)),
               "not an IPv4 or IPv6 endpoint");
  FakeDatagramTransportOptions options;
  options.host = UnixAddress{"/x"};
  EXPECT_DEATH(FakeDatagramTransport(nullptr, options),
               "host must be an IPv4Address or IPv6Address");
}

}  // namespace
}  // namespace standin
