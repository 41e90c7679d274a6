// Proof that gtest prints every double and value type by its state: each
// PrintToString() shows what the object holds, never gtest's raw memory
// dump ("N-byte object <28-E5 ...>"), and a failing EXPECT_THAT on a double
// shows that state in its message. (StringTransport and
// StringTransportWithDisconnection are proven in string_transport_test;
// tools/check_raw_dumps.sh finds any type in any test binary that would
// still be dumped raw.)
#include <fcntl.h>
#include <signal.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest-spi.h"
#include "gtest/gtest.h"
#include "standin/netstack/arp.h"
#include "standin/netstack/builders.h"
#include "standin/netstack/checksum.h"
#include "standin/netstack/drop_reason.h"
#include "standin/netstack/ethernet.h"
#include "standin/netstack/host.h"
#include "standin/netstack/icmp.h"
#include "standin/netstack/ipv4.h"
#include "standin/netstack/mac_address.h"
#include "standin/netstack/pcap_writer.h"
#include "standin/netstack/raw.h"
#include "standin/netstack/udp.h"
#include "standin/process/fake_process_spawner.h"
#include "standin/process/fake_process_transport.h"
#include "standin/process/process.h"
#include "standin/testutil/accumulating_protocol.h"
#include "standin/testutil/clock.h"
#include "standin/testutil/datagram_recorder.h"
#include "standin/testutil/loopback_pump.h"
#include "standin/testutil/matchers.h"
#include "standin/testutil/memory_reactor.h"
#include "standin/testutil/process_matchers.h"
#include "standin/testutil/process_recorder.h"
#include "standin/testutil/scripted_transport.h"
#include "standin/transport/address.h"
#include "standin/transport/epoll_reactor.h"
#include "standin/transport/status.h"
#include "standin/transport/timer_queue.h"
#include "standin/transport/udp_port.h"
#include "standin/tuntap/io_system.h"
#include "standin/tuntap/memory_io_system.h"
#include "standin/tuntap/tunnel.h"
#include "standin/tuntap/tunnel_flags.h"

namespace standin::testutil {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// gtest's fallback for a type it cannot print.
constexpr char kRawDump[] = "-byte object <";

// What gtest prints for `value`, checked to hold each of `parts` and no raw
// dump anywhere (also not of a member printed inside it).
template <typename T>
std::string Printed(const T& value, const std::vector<std::string>& parts) {
  std::string printed = testing::PrintToString(value);
  EXPECT_THAT(printed, Not(HasSubstr(kRawDump)));
  for (const std::string& part : parts) {
    EXPECT_THAT(printed, HasSubstr(part));
  }
  return printed;
}

// The message of the one non-fatal failure `expectation` reports.
std::string FailureOf(absl::FunctionRef<void()> expectation) {
  testing::TestPartResultArray results;
  {
    testing::ScopedFakeTestPartResultReporter reporter(
        testing::ScopedFakeTestPartResultReporter::
            INTERCEPT_ONLY_CURRENT_THREAD,
        &results);
    expectation();
  }
  EXPECT_EQ(results.size(), 1);
  return results.size() == 0 ? "" : results.GetTestPartResult(0).message();
}

// --- The doubles -----------------------------------------------------------

TEST(PrintersTest, FakeProcessTransportShowsWritesFlagsSignalsFdsAndExit) {
  ProcessRecorder recorder;
  FakeProcessTransport child(&recorder);
  child.Write("job\n");
  ASSERT_TRUE(child.SignalProcess("TERM").ok());
  ASSERT_TRUE(child.SignalProcess(SIGKILL).ok());
  child.CloseChildFD(0);
  Printed(child, {"FakeProcessTransport{pid 4242", "wrote \"job\\n\"",
                  "connected", "producer_state: producing", "producer: none",
                  "signals [\"TERM\", 9]", "closed child fds {0}",
                  "open child fds {1, 2}", "running"});
  child.ChildExits(3);
  Printed(child, {"exit \"process ended with exit code 3\"", "ended",
                  "open child fds {}"});
}

TEST(PrintersTest, FakeProcessTransportCutsLongInputWithItsSize) {
  FakeProcessTransport child;
  child.Write(std::string(5000, 'x'));
  std::string printed = Printed(child, {"... (5000 bytes)"});
  EXPECT_LT(printed.size(), 400u);
}

TEST(PrintersTest, FailingMatchersOnAFakeProcessShowItsState) {
  FakeProcessTransport child;
  child.Write("jab\n");
  ASSERT_TRUE(child.SignalProcess("INT").ok());
  EXPECT_NONFATAL_FAILURE(EXPECT_THAT(child, HasWritten("job\n")),
                          "FakeProcessTransport{pid 4242; wrote \"jab\\n\"");
  std::string message =
      FailureOf([&] { EXPECT_THAT(child, ProcessSignalsAre("TERM")); });
  EXPECT_THAT(message,
              AllOf(HasSubstr("signals [\"INT\"]"), Not(HasSubstr(kRawDump))));
  message = FailureOf([&] { EXPECT_THAT(child, ClosedChildFdsAre(0)); });
  EXPECT_THAT(message, AllOf(HasSubstr("closed child fds {}"),
                             Not(HasSubstr(kRawDump))));
}

TEST(PrintersTest, ProcessRecorderAndItsCalls) {
  ProcessRecorder recorder;
  FakeProcessTransport child(&recorder);
  child.ChildWrites(1, "out");
  child.ChildExits(0);
  Printed(recorder.calls().front(), {"ConnectionMade"});
  Printed(recorder, {"ProcessRecorder{calls [ConnectionMade, Data(1), Lost(0)",
                     "Exited, Ended]", "fd 1 \"out\"",
                     "ended \"process finished with exit code 0\"}"});
  std::string message =
      FailureOf([&] { EXPECT_THAT(recorder.calls(), testing::SizeIs(2)); });
  EXPECT_THAT(message, AllOf(HasSubstr("Lost(2)"), Not(HasSubstr(kRawDump))));
}

TEST(PrintersTest, FakeProcessSpawnerCallsAndProcessOptions) {
  FakeProcessSpawner spawner;
  ProcessRecorder recorder;
  Process::Options options;
  options.argv = {"cat", "-n"};
  options.cwd = "/tmp";
  options.inherited_fds = {{3, 7}};
  ASSERT_TRUE(spawner.Spawn(&recorder, options).ok());
  Printed(options, {"Process::Options{argv [\"cat\", \"-n\"]", "cwd \"/tmp\"",
                    "child fds {0 to child, 1 from child, 2 from child}",
                    "inherited fds {3 from 7}"});
  Printed(spawner.calls().front(), {"Call{Process::Options{", "spawned}"});
  std::string message =
      FailureOf([&] { EXPECT_THAT(spawner.calls(), testing::IsEmpty()); });
  EXPECT_THAT(message, AllOf(HasSubstr("argv [\"cat\", \"-n\"]"),
                             Not(HasSubstr(kRawDump))));
}

TEST(PrintersTest, RealProcess) {
  EpollReactor reactor;
  ProcessRecorder recorder;
  absl::StatusOr<std::unique_ptr<Process>> cat =
      Process::Spawn(&reactor, &recorder, {.argv = {"cat"}});
  ASSERT_TRUE(cat.ok()) << cat.status();
  Printed(**cat, {"Process{pid ", "cat\"; open child fds {0, 1, 2}; running}"});
  (*cat)->LoseConnection();
  const absl::Time deadline = reactor.Now() + absl::Seconds(60);
  while (!(*cat)->ended() && reactor.Now() < deadline) {
    ASSERT_TRUE(reactor.RunOnce(absl::Seconds(1)).ok());
  }
  Printed(**cat, {"open child fds {}",
                  "exit \"process finished with exit code 0\"; ended}"});
  std::string message = FailureOf([&] { EXPECT_EQ(*cat, nullptr); });
  EXPECT_THAT(message, AllOf(HasSubstr("value = Process{pid"),
                             Not(HasSubstr(kRawDump))));
}

TEST(PrintersTest, UdpPort) {
  EpollReactor reactor;
  DatagramRecorder recorder;
  absl::StatusOr<std::unique_ptr<UdpPort>> port =
      UdpPort::Listen(IPv4Address::Udp("127.0.0.1", 0), &recorder, &reactor);
  ASSERT_TRUE(port.ok()) << port.status();
  std::string message = FailureOf([&] { EXPECT_EQ(*port, nullptr); });
  EXPECT_THAT(message, AllOf(HasSubstr("<UdpPort IPv4Address(UDP, '127.0.0.1'"),
                             Not(HasSubstr(kRawDump))));
}

TEST(PrintersTest, LoopbackTransport) {
  AccumulatingProtocol client, server;
  LoopbackPump pump(&client, &server);
  client.transport()->Write("abc");
  Printed(pump.client_transport(),
          {"LoopbackTransport{connected", "buffered 3"});
}

TEST(PrintersTest, AccumulatingProtocols) {
  AccumulatingProtocol plain;
  HalfCloseableAccumulatingProtocol half;
  StringTransportWithDisconnection transport;
  transport.set_protocol(&plain);
  plain.MakeConnection(&transport);
  plain.DataReceived("he");
  plain.DataReceived("llo");
  transport.LoseConnection();
  Printed(plain, {"AccumulatingProtocol{made; received \"hello\" in 2 chunks",
                  "lost 1 time: OUT_OF_RANGE"});
  Printed(half, {"HalfCloseableAccumulatingProtocol{not made",
                 "not lost; read side lost 0, write side lost 0}"});
  std::string message = FailureOf([&] {
    EXPECT_THAT(
        plain, testing::Truly([](const auto& p) { return p.data() == "bye"; }));
  });
  EXPECT_THAT(message,
              AllOf(HasSubstr("received \"hello\""), Not(HasSubstr(kRawDump))));
}

TEST(PrintersTest, ScriptedTransport) {
  ScriptedTransport script;
  script.ExpectWrite("hi");
  AccumulatingProtocol protocol;
  script.Play(&protocol);
  protocol.transport()->Write("hi");
  Printed(script, {"ScriptedTransport{1 of 1 steps done", "\"hi\""});
}

// --- Tunnels and the memory IoSystem ----------------------------------------

TEST(PrintersTest, TunnelAndMemoryIoSystem) {
  MemoryIoSystem system;
  absl::StatusOr<int> fd = system.Open(kTunDevicePath, O_RDWR | O_NONBLOCK);
  ASSERT_TRUE(fd.ok());
  Tunnel* tunnel = system.GetTunnel(*fd);
  Printed(*tunnel, {"Tunnel{no TUNSETIFF yet, non-blocking"});
  ASSERT_TRUE(
      system
          .Ioctl(*fd, kTunSetIff,
                 PackIfreq("tun0", TunnelFlags::kTun | TunnelFlags::kNoPi))
          .ok());
  std::string packet = netstack::BuildUdpIpv4(
      IPv4Host(192, 0, 2, 1), 40000, IPv4Host(192, 0, 2, 2), 53, "query");
  tunnel->AddToReadBuffer(packet);
  ASSERT_TRUE(system.Write(*fd, packet).ok());
  ASSERT_TRUE(system.Write(*fd, packet).ok());
  tunnel->pending_signals().push_back(SIGINT);
  Printed(*tunnel, {"Tunnel{IFF_TUN|IFF_NO_PI \"tun0123\" (asked \"tun0\")",
                    "to read 1 (33 bytes)", "written 2 (66 bytes)",
                    "pending signals [2]"});
  system.permissions().erase("ioctl");
  Printed(system, {"MemoryIoSystem{fd 8192 Tunnel{IFF_TUN|IFF_NO_PI",
                   "permissions {open}"});
  std::string message = FailureOf([&] {
    EXPECT_THAT(*tunnel, testing::Truly([](const Tunnel& t) {
      return t.name() == "tun1";
    }));
  });
  EXPECT_THAT(message, AllOf(HasSubstr("written 2 (66 bytes)"),
                             Not(HasSubstr(kRawDump))));
}

// --- Time and the memory reactor ------------------------------------------

TEST(PrintersTest, ClockAndDelayedCalls) {
  Clock clock;
  DelayedCall call = clock.CallLater(absl::Seconds(7), [] {});
  DelayedCall done = clock.CallLater(absl::Seconds(1), [] {});
  clock.Advance(absl::Seconds(4));
  Printed(clock, {"Clock{now 1970-01-01T00:00:04+00:00 (UTC), 1 pending call",
                  "next due 1970-01-01T00:00:07+00:00"});
  Printed(call, {"DelayedCall{due 1970-01-01T00:00:07+00:00, pending}"});
  Printed(done, {"called}"});
  call.Cancel();
  Printed(call, {"cancelled}"});
  Printed(DelayedCall(), {"DelayedCall{}"});
  std::string message = FailureOf(
      [&] { EXPECT_THAT(std::vector<DelayedCall>{done}, testing::IsEmpty()); });
  EXPECT_THAT(message,
              AllOf(HasSubstr("DelayedCall{due"), Not(HasSubstr(kRawDump))));
}

TEST(PrintersTest, MemoryReactorAndItsRecordedCalls) {
  MemoryReactor reactor;
  AccumulatingProtocol protocol;
  auto port = reactor.ListenTcp(
      6379, [](const Address&) { return std::unique_ptr<Protocol>(); });
  ASSERT_TRUE(port.ok());
  auto client = reactor.ConnectTcp("192.0.2.7", 6379, &protocol);
  ASSERT_TRUE(client.ok());
  reactor.CallLater(absl::Seconds(1), [] {});
  Printed(reactor, {"MemoryReactor{now 1970-01-01T00:00:00+00:00 (UTC)",
                    "0 readers, 0 writers; 1 pending timer;",
                    "tcp servers [TcpServer{127.0.0.1:6379, backlog 50, "
                    "listening}]",
                    "tcp clients [TcpClient{192.0.2.7:6379, not connected "
                    "yet}]"});
  std::string message = FailureOf(
      [&] { EXPECT_THAT(reactor.tcp_clients(), testing::IsEmpty()); });
  EXPECT_THAT(message, AllOf(HasSubstr("TcpClient{192.0.2.7:6379"),
                             Not(HasSubstr(kRawDump))));
  message = FailureOf([&] {
    EXPECT_THAT(reactor, testing::Truly([](const MemoryReactor& r) {
                  return r.unhandled_errors() > 0;
                }));
  });
  EXPECT_THAT(message,
              AllOf(HasSubstr("MemoryReactor{"), Not(HasSubstr(kRawDump))));
}

// --- Value types -----------------------------------------------------------

TEST(PrintersTest, EveryAddressAlternativeAndTheVariant) {
  Printed(IPv4Address{IPv4Address::Kind::kUdp, "192.0.2.1", 7},
          {"IPv4Address(UDP, '192.0.2.1', 7)"});
  Printed(IPv4Address::Kind::kTcp, {"TCP"});
  Printed(UnixAddress{"/run/x.sock"}, {"UnixAddress('/run/x.sock')"});
  Printed(ProcessAddress{}, {"ProcessAddress()"});
  Printed(TunnelAddress{TunnelType::kTap, "tap0"},
          {"<TunnelAddress type=IFF_TAP name=tap0>"});
  Printed(TunnelType::kTun, {"IFF_TUN"});
  absl::StatusOr<Address> v6 =
      ParseIPAddress(IPv4Address::Kind::kTcp, "2001:db8::1", 80);
  ASSERT_TRUE(v6.ok());
  Printed(*v6, {"IPv6Address(TCP, '2001:db8::1', 80"});
  Printed(IPv4Host(198, 51, 100, 9), {"198.51.100.9"});
}

TEST(PrintersTest, Statuses) {
  Printed(ConnectionDone(), {"OUT_OF_RANGE"});
  Printed(ErrnoStatus(ECONNRESET, "read"), {"read"});
  std::optional<absl::Status> maybe = ConnectionAborted();
  Printed(maybe, {"ABORTED"});
}

TEST(PrintersTest, ParsedPacketsAndTheirHeaders) {
  const IPv4Host a(192, 0, 2, 1), b(192, 0, 2, 2);
  const netstack::MacAddress mac_a({2, 0, 0, 0, 0, 1});
  std::string udp_ip = netstack::BuildUdpIpv4(a, 40000, b, 53, "query");
  std::string frame =
      netstack::BuildEthernet(mac_a, netstack::MacAddress::Broadcast(),
                              netstack::kEtherTypeIpv4, udp_ip);

  absl::StatusOr<netstack::EthernetFrame> ethernet =
      netstack::EthernetFrame::Parse(frame);
  ASSERT_TRUE(ethernet.ok());
  Printed(*ethernet, {"EthernetFrame{02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff",
                      "type 0x0800", "payload \"E\\x00"});
  Printed(netstack::EthernetHeader::FromFrame(*ethernet),
          {"EthernetHeader{02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, type "
           "0x0800}"});

  absl::StatusOr<netstack::Ipv4Packet> ip = netstack::Ipv4Packet::Parse(udp_ip);
  ASSERT_TRUE(ip.ok());
  Printed(*ip, {"Ipv4Packet{192.0.2.1 > 192.0.2.2, protocol 17, ttl 64, id 0",
                "33 bytes", "payload \"\\x9c@\\x00\\x35"});
  Printed(
      netstack::Ipv4Header::FromPacket(*ip),
      {"Ipv4Header{192.0.2.1 > 192.0.2.2, protocol 17", "payload 13 bytes}"});

  absl::StatusOr<netstack::UdpDatagram> udp =
      netstack::UdpDatagram::Parse(ip->payload(), a, b);
  ASSERT_TRUE(udp.ok());
  Printed(*udp, {"UdpDatagram{40000 > 53, length 13, checksum 0x",
                 "payload \"query\"}"});
  Printed(netstack::UdpHeader::FromDatagram(*udp),
          {"UdpHeader{40000 > 53, length 13, checksum 0x"});
  Printed(netstack::UdpHeader{.source_port = 1, .destination_port = 2},
          {"checksum none"});

  std::string message = FailureOf([&] {
    EXPECT_THAT(*udp, testing::Truly([](const netstack::UdpDatagram& d) {
      return d.destination_port() == 5353;
    }));
  });
  EXPECT_THAT(message, AllOf(HasSubstr("UdpDatagram{40000 > 53"),
                             Not(HasSubstr(kRawDump))));
}

TEST(PrintersTest, ArpAndIcmpViewsAndHostCounters) {
  netstack::ArpMessage request{
      .operation = netstack::ArpOperation::kRequest,
      .sender_mac = netstack::MacAddress({2, 0, 0, 0, 0, 1}),
      .sender_ip = IPv4Host(192, 0, 2, 1),
      .target_ip = IPv4Host(192, 0, 2, 2)};
  std::string wire(netstack::ArpMessage::kSize, '\0');
  request.Emit(wire.data());
  absl::StatusOr<netstack::ArpPacket> arp = netstack::ArpPacket::Parse(wire);
  ASSERT_TRUE(arp.ok()) << arp.status();
  Printed(*arp, {"ArpPacket{ARP request who-has 192.0.2.2 tell 192.0.2.1 "
                 "(02:00:00:00:00:01)}"});

  std::string echo = std::string(netstack::Icmpv4Echo::kSize, '\0') + "ping";
  netstack::Icmpv4Echo{
      .type = netstack::kIcmpEchoRequest, .identifier = 1, .sequence = 2}
      .Emit(echo.data(), echo.size());
  absl::StatusOr<netstack::Icmpv4Packet> icmp =
      netstack::Icmpv4Packet::Parse(echo);
  ASSERT_TRUE(icmp.ok()) << icmp.status();
  Printed(*icmp, {"Icmpv4Packet{type 8, code 0, checksum 0x",
                  "id=1 seq=2, data \"ping\"}"});

  Printed(netstack::Host::Counters{.udp_sent = 2, .echo_replies_sent = 1},
          {"Counters{udp delivered 0, udp sent 2, arp requests sent 0, arp "
           "replies sent 0, echo replies sent 1}"});
}

TEST(PrintersTest, NetstackValues) {
  Printed(netstack::MacAddress::Broadcast(), {"ff:ff:ff:ff:ff:ff"});
  netstack::DropCounts drops;
  drops.Add(netstack::DropReason::kIpv4BadChecksum);
  Printed(drops, {"ipv4-bad-checksum: 1"});
  Printed(netstack::DropReason::kNoProtocol, {"no-protocol"});
  Printed(netstack::LinkMetadata{.protocol = 0x0800}, {"protocol=0x800"});
  Printed(netstack::Ipv4Metadata{.ttl = 9}, {"ttl=9"});
  Printed(netstack::UdpFrameSpec{.source_ip = IPv4Host(192, 0, 2, 1),
                                 .destination_ip = IPv4Host(192, 0, 2, 2),
                                 .source_port = 40000,
                                 .destination_port = 53},
          {"192.0.2.1:40000 > 00:00:00:00:00:00 192.0.2.2:53, ttl 64, "
           "checksum compute}"});
  Printed(netstack::UdpChecksumMode::kNone, {"none"});
  Printed(netstack::LinkType::kRaw, {"LINKTYPE_RAW"});
  Printed(netstack::internal::SimdPath::kAvx2, {"avx2"});
  Printed(TunnelFlags::kTap | TunnelFlags::kNoPi, {"IFF_TAP|IFF_NO_PI"});
  Printed(ChildFdKind::kFromChild, {"from child"});
}

}  // namespace
}  // namespace standin::testutil
