// Sweeps every failure point a FaultPlan can hit while a TuntapPort reads
// and writes through the UDP stack, and checks what arrives: nothing lost
// that should not be, nothing duplicated, nothing corrupted delivered.
#include <cerrno>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/netstack/builders.h"
#include "standin/netstack/ip_protocol.h"
#include "standin/netstack/raw_udp_protocol.h"
#include "standin/testutil/memory_reactor.h"
#include "standin/transport/status.h"
#include "standin/tuntap/fault_injecting_io_system.h"
#include "standin/tuntap/memory_io_system.h"
#include "standin/tuntap/tuntap_port.h"

namespace standin {
namespace {

using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using Op = FaultPlan::Op;
using Direction = FaultPlan::Direction;

constexpr int kDatagrams = 12;
constexpr uint16_t kPort = 7;

class Capture : public DatagramProtocol {
 public:
  void DatagramReceived(std::string_view data, const Address&) override {
    received.emplace_back(data);
  }
  std::vector<std::string> received;
};

std::string Payload(int i) { return absl::StrCat("datagram-", i); }

std::vector<std::string> Payloads(int skip = 0) {
  std::vector<std::string> out;
  for (int i = 1; i <= kDatagrams; ++i) {
    if (i != skip) out.push_back(Payload(i));
  }
  return out;
}

// A TUN port with IP -> UDP -> Capture over a FaultInjectingIoSystem.
class Rig {
 public:
  explicit Rig(FaultPlan plan)
      : faulty_(&memory_, std::move(plan)),
        port_("tun0", &ip_, TuntapPort::kDefaultMaxPacketSize, &reactor_,
              &faulty_) {
    EXPECT_TRUE(udp_.AddProto(kPort, &capture_).ok());
    EXPECT_TRUE(ip_.AddProto(17, &udp_).ok());
    port_.set_error_hook(
        [this](const absl::Status& s) { errors_.push_back(s); });
  }

  absl::Status Listen() { return port_.StartListening(); }

  void QueueDatagrams() {
    Tunnel* tunnel = memory_.GetTunnel(port_);
    for (int i = 1; i <= kDatagrams; ++i) {
      tunnel->AddToReadBuffer(
          netstack::BuildUdpIpv4(IPv4Host(192, 0, 2, 2), 5000,
                                 IPv4Host(192, 0, 2, 1), kPort, Payload(i)));
    }
  }

  // Fires readability until the device is drained or the port is gone.
  void Drain() {
    for (int i = 0; i < 10 * kDatagrams && port_.connected(); ++i) {
      Tunnel* tunnel = memory_.GetTunnel(port_);
      if (tunnel == nullptr || tunnel->read_buffer().empty()) break;
      (void)reactor_.FireRead(&port_);
    }
  }

  MemoryIoSystem memory_;
  FaultInjectingIoSystem faulty_;
  testutil::MemoryReactor reactor_;
  netstack::IpProtocol ip_;
  netstack::RawUdpProtocol udp_;
  Capture capture_;
  TuntapPort port_;
  std::vector<absl::Status> errors_;
};

// A failed read that means "try again" (EINTR, EAGAIN) loses nothing: every
// datagram arrives exactly once, in order, whichever read fails.
TEST(FaultSweepTest, TransientReadFailuresLoseNothing) {
  for (int err : {EINTR, EAGAIN, EWOULDBLOCK}) {
    for (uint64_t n = 1; n <= kDatagrams + 1; ++n) {
      SCOPED_TRACE(absl::StrCat("read #", n, " fails with errno ", err));
      Rig rig(FaultPlan().FailNth(Op::kRead, n, err));
      ASSERT_TRUE(rig.Listen().ok());
      rig.QueueDatagrams();
      rig.Drain();
      EXPECT_THAT(rig.capture_.received, ElementsAreArray(Payloads()));
      EXPECT_THAT(rig.faulty_.injected(), ::testing::SizeIs(1));
      EXPECT_TRUE(rig.port_.listening());
    }
  }
}

// A hard read error ends the port: what was read before it arrived once,
// nothing after it, the descriptor is closed exactly once.
TEST(FaultSweepTest, HardReadFailureEndsThePortCleanly) {
  for (int err : {EIO, EFAULT, ENOMEM}) {
    for (uint64_t n = 1; n <= kDatagrams; ++n) {
      SCOPED_TRACE(absl::StrCat("read #", n, " fails with errno ", err));
      Rig rig(FaultPlan().FailNth(Op::kRead, n, err));
      ASSERT_TRUE(rig.Listen().ok());
      rig.QueueDatagrams();
      rig.Drain();
      std::vector<std::string> expected = Payloads();
      expected.resize(n - 1);
      EXPECT_THAT(rig.capture_.received, ElementsAreArray(expected));
      EXPECT_FALSE(rig.port_.connected());
      EXPECT_THAT(rig.memory_.open_fds(), IsEmpty());
      EXPECT_EQ(rig.faulty_.calls(Op::kClose), 1u);
      EXPECT_THAT(rig.errors_, IsEmpty());
    }
  }
}

// A dropped datagram is the only one missing; a corrupted one is never
// delivered altered (the IP or UDP checksum catches it).
TEST(FaultSweepTest, DroppedAndCorruptedInboundDatagrams) {
  for (uint64_t n = 1; n <= kDatagrams; ++n) {
    SCOPED_TRACE(absl::StrCat("inbound datagram #", n, " dropped"));
    Rig rig(FaultPlan().DropNth(Direction::kInbound, n));
    ASSERT_TRUE(rig.Listen().ok());
    rig.QueueDatagrams();
    rig.Drain();
    EXPECT_THAT(rig.capture_.received,
                ElementsAreArray(Payloads(static_cast<int>(n))));
  }
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    for (uint64_t n = 1; n <= kDatagrams; ++n) {
      SCOPED_TRACE(
          absl::StrCat("inbound datagram #", n, " corrupted, seed ", seed));
      Rig rig(FaultPlan().CorruptNth(Direction::kInbound, n).Seed(seed));
      ASSERT_TRUE(rig.Listen().ok());
      rig.QueueDatagrams();
      rig.Drain();
      const std::vector<std::string>& got = rig.capture_.received;
      const bool delivered = got.size() == kDatagrams;
      EXPECT_THAT(got, ElementsAreArray(delivered ? Payloads() : Payloads(n)));
      EXPECT_EQ(rig.ip_.drops().total() + rig.udp_.drops().total(),
                delivered ? 0u : 1u);
    }
  }
}

// Short reads cut every datagram: the IP layer sees the total length is
// beyond the bytes and drops each one rather than deliver a stub.
TEST(FaultSweepTest, ShortReadsAreDroppedNotDeliveredTruncated) {
  Rig rig(FaultPlan().ShortReads(24));
  ASSERT_TRUE(rig.Listen().ok());
  rig.QueueDatagrams();
  rig.Drain();
  EXPECT_THAT(rig.capture_.received, IsEmpty());
  EXPECT_EQ(rig.ip_.drops().total(), static_cast<uint64_t>(kDatagrams));
}

// Writes: EINTR is retried (all arrive); any other failure loses exactly
// that datagram and says so; a dropped one is silently missing.
TEST(FaultSweepTest, WriteFailures) {
  auto datagram = [](int i) {
    return netstack::BuildUdpIpv4(IPv4Host(192, 0, 2, 1), kPort,
                                  IPv4Host(192, 0, 2, 2), 5000, Payload(i));
  };
  auto all_but = [&](int skip) {
    std::vector<std::string> out;
    for (int i = 1; i <= kDatagrams; ++i) {
      if (i != skip) out.push_back(datagram(i));
    }
    return out;
  };
  for (uint64_t n = 1; n <= kDatagrams; ++n) {
    for (int err : {EINTR, EIO, ENOBUFS, EAGAIN}) {
      SCOPED_TRACE(absl::StrCat("write #", n, " fails with errno ", err));
      Rig rig(FaultPlan().FailNth(Op::kWrite, n, err));
      ASSERT_TRUE(rig.Listen().ok());
      for (int i = 1; i <= kDatagrams; ++i) rig.port_.Write(datagram(i));
      const bool retried = err == EINTR;
      EXPECT_THAT(rig.memory_.GetTunnel(rig.port_)->write_buffer(),
                  ElementsAreArray(all_but(retried ? 0 : n)));
      ASSERT_THAT(rig.errors_, ::testing::SizeIs(retried ? 0 : 1));
      if (!retried) {
        EXPECT_EQ(ErrnoOf(rig.errors_[0]), err);
      }
    }
    SCOPED_TRACE(absl::StrCat("outbound datagram #", n, " dropped"));
    Rig rig(FaultPlan().DropNth(Direction::kOutbound, n));
    ASSERT_TRUE(rig.Listen().ok());
    for (int i = 1; i <= kDatagrams; ++i) rig.port_.Write(datagram(i));
    EXPECT_THAT(rig.memory_.GetTunnel(rig.port_)->write_buffer(),
                ElementsAreArray(all_but(n)));
    EXPECT_THAT(rig.errors_, IsEmpty());
  }
}

// Opening fails at each step: a "cannot listen" status with the errno, and
// no descriptor left open.
TEST(FaultSweepTest, StartListeningFailures) {
  for (Op op : {Op::kOpen, Op::kIoctl}) {
    for (int err : {EPERM, EBUSY, EINTR}) {
      Rig rig(FaultPlan().FailNth(op, 1, err));
      absl::Status s = rig.Listen();
      EXPECT_EQ(ErrnoOf(s), err) << s;
      EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("tun0"));
      EXPECT_THAT(rig.memory_.open_fds(), IsEmpty());
      EXPECT_FALSE(rig.port_.connected());
    }
  }
}

// Random failures with a seed: the same seed gives the same faults, and the
// port never delivers a datagram twice or out of order.
TEST(FaultSweepTest, SeededRandomReadFailuresAreRepeatableAndSafe) {
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    std::vector<std::string> first_log;
    for (int run = 0; run < 2; ++run) {
      Rig rig(FaultPlan()
                  .FailRandomly(Op::kRead, 0.3, EINTR)
                  .FailRandomly(Op::kRead, 0.2, EAGAIN)
                  .Seed(seed));
      ASSERT_TRUE(rig.Listen().ok());
      rig.QueueDatagrams();
      rig.Drain();
      EXPECT_THAT(rig.capture_.received, ElementsAreArray(Payloads()));
      if (run == 0) {
        first_log = rig.faulty_.injected();
      } else {
        EXPECT_EQ(rig.faulty_.injected(), first_log);
      }
    }
  }
}

}  // namespace
}  // namespace standin
