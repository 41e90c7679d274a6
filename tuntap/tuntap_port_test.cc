// TuntapPort on MemoryIoSystem + MemoryReactor: Twisted's TunnelTestsMixin
// (TunTests/TapTests in twisted/pair/test/test_tuntap.py) ported, plus the
// bad-input cases: oversized datagrams, garbage from the kernel side, EAGAIN
// storms, EINTR, and stopping while reading.
#include "standin/tuntap/tuntap_port.h"

#include <fcntl.h>

#include <csignal>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/netstack/builders.h"
#include "standin/netstack/ethernet_protocol.h"
#include "standin/netstack/ip_protocol.h"
#include "standin/netstack/raw.h"
#include "standin/netstack/raw_udp_protocol.h"
#include "standin/testutil/memory_reactor.h"
#include "standin/transport/status.h"
#include "standin/tuntap/memory_io_system.h"
#include "standin/tuntap/real_io_system.h"

namespace standin {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// Twisted's IPRecordingProtocol.
class IpRecordingProtocol : public netstack::RawPacketProtocol {
 public:
  void DatagramReceived(std::string_view packet,
                        const netstack::LinkMetadata& link) override {
    if (throw_next) {
      throw_next = false;
      throw std::runtime_error("broken application logic");
    }
    received.emplace_back(packet);
    partial.push_back(link.partial);
    if (on_receive) on_receive();
  }
  std::vector<std::string> received;
  std::vector<bool> partial;
  bool throw_next = false;
  std::function<void()> on_receive;
};

// Twisted's EthernetRecordingProtocol.
class EthernetRecordingProtocol : public netstack::EthernetProtocol {
 public:
  void DatagramReceived(std::string_view frame, bool is_partial) override {
    if (throw_next) {
      throw_next = false;
      throw std::runtime_error("broken application logic");
    }
    received.emplace_back(frame);
    partial.push_back(is_partial);
    if (on_receive) on_receive();
  }
  std::vector<std::string> received;
  std::vector<bool> partial;
  bool throw_next = false;
  std::function<void()> on_receive;
};

struct TunHelper {
  using Recorder = IpRecordingProtocol;
  static constexpr TunnelType kType = TunnelType::kTun;
  static constexpr const char* kProtocolName =
      "standin::(anonymous namespace)::IpRecordingProtocol";
};
struct TapHelper {
  using Recorder = EthernetRecordingProtocol;
  static constexpr TunnelType kType = TunnelType::kTap;
  static constexpr const char* kProtocolName =
      "standin::(anonymous namespace)::EthernetRecordingProtocol";
};

template <typename Helper>
class TuntapPortTest : public ::testing::Test {
 protected:
  TuntapPortTest()
      : port_("tun0", &protocol_, TuntapPort::kDefaultMaxPacketSize, &reactor_,
              &system_) {
    port_.set_error_hook(
        [this](const absl::Status& s) { errors_.push_back(s); });
  }

  Tunnel* tunnel() { return system_.GetTunnel(port_); }
  void Listen() { ASSERT_TRUE(port_.StartListening().ok()); }

  // Twisted's _stopsReadingTest: an empty read that fails with `err` ends
  // the DoRead() with no side effects.
  void ExpectStopsReading(int err) {
    Listen();
    tunnel()->set_empty_read_errno(err);
    EXPECT_TRUE(port_.DoRead().ok());
    EXPECT_THAT(protocol_.received, IsEmpty());
    EXPECT_TRUE(port_.listening());
  }

  MemoryIoSystem system_;
  testutil::MemoryReactor reactor_;
  typename Helper::Recorder protocol_;
  TuntapPort port_;
  std::vector<absl::Status> errors_;
};

using Helpers = ::testing::Types<TunHelper, TapHelper>;
TYPED_TEST_SUITE(TuntapPortTest, Helpers);

TYPED_TEST(TuntapPortTest, StartListeningOpensDevice) {
  this->Listen();
  Tunnel* tunnel = this->tunnel();
  ASSERT_NE(tunnel, nullptr);
  EXPECT_EQ(tunnel->open_flags(), O_RDWR | O_CLOEXEC | O_NONBLOCK);
  EXPECT_EQ(tunnel->requested_name(), "tun0");
  EXPECT_EQ(tunnel->name(), this->port_.interface());
  EXPECT_EQ(tunnel->name(), "tun0123");  // Twisted's naming in memory.
  EXPECT_FALSE(tunnel->blocking());
  EXPECT_TRUE(tunnel->close_on_exec());
  EXPECT_EQ(tunnel->tunnel_type(), TypeParam::kType);
  EXPECT_TRUE(HasFlag(*tunnel->tunnel_mode(), TunnelFlags::kNoPi));
}

TYPED_TEST(TuntapPortTest, StartListeningSetsConnected) {
  this->Listen();
  EXPECT_TRUE(this->port_.connected());
  EXPECT_TRUE(this->port_.listening());
}

TYPED_TEST(TuntapPortTest, StartListeningStartsReading) {
  this->Listen();
  EXPECT_TRUE(this->reactor_.HasReader(&this->port_));
}

TYPED_TEST(TuntapPortTest, StartListeningHandlesOpenFailure) {
  this->system_.permissions().erase("open");
  absl::Status s = this->port_.StartListening();
  EXPECT_EQ(ErrnoOf(s), EPERM);
  EXPECT_THAT(std::string(s.message()), HasSubstr("cannot listen on"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("'tun0'"));
  EXPECT_FALSE(this->port_.connected());
}

TYPED_TEST(TuntapPortTest, StartListeningHandlesConfigureFailure) {
  this->system_.permissions().erase("ioctl");
  absl::Status s = this->port_.StartListening();
  EXPECT_EQ(ErrnoOf(s), EPERM);
  EXPECT_THAT(std::string(s.message()), HasSubstr("cannot listen on"));
  // Unlike Twisted, the half-configured descriptor is not leaked.
  EXPECT_THAT(this->system_.open_fds(), IsEmpty());
}

TYPED_TEST(TuntapPortTest, StartListeningTwiceIsAnError) {
  this->Listen();
  EXPECT_EQ(this->port_.StartListening().code(),
            absl::StatusCode::kFailedPrecondition);
}

TYPED_TEST(TuntapPortTest, StopListeningStopsReadingAndClosesNextTurn) {
  this->Listen();
  const int fd = this->port_.fileno();
  bool stopped = false;
  this->port_.StopListening([&] { stopped = true; });
  EXPECT_FALSE(this->reactor_.HasReader(&this->port_));
  EXPECT_FALSE(stopped);  // Closing waits for the next reactor turn.
  EXPECT_NE(this->system_.GetTunnel(fd), nullptr);
  this->reactor_.Advance(absl::ZeroDuration());
  EXPECT_TRUE(stopped);
  EXPECT_EQ(this->system_.GetTunnel(fd), nullptr);
  EXPECT_EQ(this->port_.fileno(), -1);
  EXPECT_THAT(this->errors_, IsEmpty());  // Closed once: no EBADF.
}

TYPED_TEST(TuntapPortTest, StopListeningUnsetsConnected) {
  this->Listen();
  this->port_.StopListening();
  this->reactor_.Advance(absl::ZeroDuration());
  EXPECT_FALSE(this->port_.connected());
  EXPECT_FALSE(this->port_.listening());
}

TYPED_TEST(TuntapPortTest, StopListeningWhenStopped) {
  bool stopped = false;
  this->port_.StopListening([&] { stopped = true; });
  EXPECT_TRUE(stopped);
}

TYPED_TEST(TuntapPortTest, MultipleStopListening) {
  this->Listen();
  int first = 0, second = 0;
  this->port_.StopListening([&] { ++first; });
  this->port_.StopListening([&] { ++second; });
  this->reactor_.Advance(absl::ZeroDuration());
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 1);
  int third = 0;
  this->port_.StopListening([&] { ++third; });
  EXPECT_EQ(third, 1);
  EXPECT_THAT(this->system_.open_fds(), IsEmpty());
}

TYPED_TEST(TuntapPortTest, LoseConnectionStopsThePort) {
  this->Listen();
  this->port_.LoseConnection();
  this->reactor_.Advance(absl::ZeroDuration());
  EXPECT_FALSE(this->port_.connected());
  EXPECT_THAT(this->system_.open_fds(), IsEmpty());
}

TYPED_TEST(TuntapPortTest, DestroyingAListeningPortClosesTheDevice) {
  {
    TuntapPort other("tun1", &this->protocol_,
                     TuntapPort::kDefaultMaxPacketSize, &this->reactor_,
                     &this->system_);
    ASSERT_TRUE(other.StartListening().ok());
    EXPECT_THAT(this->system_.open_fds(), SizeIs(1));
  }
  EXPECT_THAT(this->system_.open_fds(), IsEmpty());
  EXPECT_THAT(this->reactor_.GetReaders(), IsEmpty());
}

TYPED_TEST(TuntapPortTest, StateMovesIdleListeningStoppingStopped) {
  using State = PortLifecycle::State;
  EXPECT_EQ(this->port_.state(), State::kIdle);
  this->Listen();
  EXPECT_EQ(this->port_.state(), State::kListening);
  this->port_.StopListening();
  EXPECT_EQ(this->port_.state(), State::kStopping);
  EXPECT_TRUE(this->port_.connected());  // The device closes next turn.
  EXPECT_FALSE(this->port_.listening());
  this->reactor_.Advance(absl::ZeroDuration());
  EXPECT_EQ(this->port_.state(), State::kStopped);
  EXPECT_EQ(this->port_.StartListening().code(),
            absl::StatusCode::kFailedPrecondition);
}

TYPED_TEST(TuntapPortTest, DestroyingAStoppingPortClosesAndCallsNoOne) {
  bool stopped = false;
  {
    TuntapPort other("tun1", &this->protocol_,
                     TuntapPort::kDefaultMaxPacketSize, &this->reactor_,
                     &this->system_);
    ASSERT_TRUE(other.StartListening().ok());
    other.StopListening([&] { stopped = true; });
  }
  EXPECT_THAT(this->system_.open_fds(), IsEmpty());
  this->reactor_.Advance(absl::ZeroDuration());
  EXPECT_FALSE(stopped);
}

TYPED_TEST(TuntapPortTest, StopCallbackMayDestroyThePort) {
  auto other = std::make_unique<TuntapPort>("tun1", &this->protocol_,
                                            TuntapPort::kDefaultMaxPacketSize,
                                            &this->reactor_, &this->system_);
  ASSERT_TRUE(other->StartListening().ok());
  other->StopListening([&] { other.reset(); });
  this->reactor_.Advance(absl::ZeroDuration());
  EXPECT_EQ(other, nullptr);
  EXPECT_THAT(this->system_.open_fds(), IsEmpty());
}

TYPED_TEST(TuntapPortTest, ConnectionLostWhileStoppingRunsStopCallbacksOnce) {
  // The reactor gives up on a port that is stopping (a callback stopped it):
  // the waiting StopListening() callback runs now, and only once.
  this->Listen();
  this->tunnel()->read_buffer().push_back("one");
  int stopped = 0;
  this->protocol_.on_receive = [&] {
    this->port_.StopListening([&] { ++stopped; });
  };
  ASSERT_TRUE(this->reactor_.FireRead(&this->port_).ok());
  this->port_.ConnectionLost(absl::InternalError("the reactor gave up"));
  EXPECT_EQ(stopped, 1);
  EXPECT_THAT(this->system_.open_fds(), IsEmpty());
  this->reactor_.Advance(absl::ZeroDuration());
  EXPECT_EQ(stopped, 1);
}

// A producer writing datagrams through the port: writes never buffer, so it
// is never paused; it is stopped with the port.
class CountingProducer : public Producer {
 public:
  void PauseProducing() override { ++pauses; }
  void ResumeProducing() override { ++resumes; }
  void StopProducing() override { ++stops; }
  int pauses = 0, resumes = 0, stops = 0;
};

TYPED_TEST(TuntapPortTest, RegisteredProducerIsStoppedWithThePort) {
  this->Listen();
  CountingProducer producer;
  ASSERT_TRUE(this->port_.RegisterProducer(&producer, true).ok());
  CountingProducer second;
  EXPECT_EQ(this->port_.RegisterProducer(&second, true).code(),
            absl::StatusCode::kFailedPrecondition);
  this->port_.StopListening();
  EXPECT_EQ(producer.stops, 0);
  this->reactor_.Advance(absl::ZeroDuration());
  EXPECT_EQ(producer.stops, 1);
  EXPECT_EQ(producer.pauses, 0);
  EXPECT_EQ(this->port_.producer(), nullptr);
  // Registering with a stopped port stops the producer at once.
  ASSERT_TRUE(this->port_.RegisterProducer(&second, true).ok());
  EXPECT_EQ(second.stops, 1);
  EXPECT_EQ(this->port_.producer(), nullptr);
}

TYPED_TEST(TuntapPortTest, PullProducerIsResumedOnceAndCanUnregister) {
  this->Listen();
  CountingProducer producer;
  ASSERT_TRUE(this->port_.RegisterProducer(&producer, false).ok());
  EXPECT_EQ(producer.resumes, 1);
  this->port_.UnregisterProducer();
  EXPECT_EQ(this->port_.producer(), nullptr);
  this->port_.StopListening();
  this->reactor_.Advance(absl::ZeroDuration());
  EXPECT_EQ(producer.stops, 0);
}

TYPED_TEST(TuntapPortTest, EagainStopsReading) {
  this->ExpectStopsReading(EAGAIN);
}
TYPED_TEST(TuntapPortTest, EwouldblockStopsReading) {
  this->ExpectStopsReading(EWOULDBLOCK);
}
TYPED_TEST(TuntapPortTest, PersistentEintrYieldsToTheReactor) {
  this->ExpectStopsReading(EINTR);
}

TYPED_TEST(TuntapPortTest, EintrIsRetried) {
  // Twisted stops on EINTR; the read never happened, so we try again.
  this->Listen();
  this->tunnel()->read_buffer().push_back("ping");
  this->tunnel()->pending_signals().push_back(SIGINT);
  this->tunnel()->pending_signals().push_back(SIGINT);
  EXPECT_TRUE(this->port_.DoRead().ok());
  EXPECT_THAT(this->protocol_.received, ElementsAre("ping"));
}

TYPED_TEST(TuntapPortTest, UnhandledReadErrorIsReturned) {
  this->Listen();
  this->tunnel()->set_empty_read_errno(EPERM);
  EXPECT_EQ(ErrnoOf(this->port_.DoRead()), EPERM);
}

TYPED_TEST(TuntapPortTest, UnhandledReadErrorThroughReactorClosesOnce) {
  this->Listen();
  this->tunnel()->set_empty_read_errno(EIO);
  const int fd = this->port_.fileno();
  EXPECT_EQ(ErrnoOf(this->reactor_.FireRead(&this->port_)), EIO);
  EXPECT_FALSE(this->port_.connected());
  EXPECT_FALSE(this->reactor_.HasReader(&this->port_));
  EXPECT_EQ(this->system_.GetTunnel(fd), nullptr);
  EXPECT_EQ(this->port_.fileno(), -1);
  EXPECT_THAT(this->errors_, IsEmpty());
}

TYPED_TEST(TuntapPortTest, DoReadSmallDatagram) {
  const std::string datagram(this->port_.max_packet_size() - 1, 'x');
  this->Listen();
  this->tunnel()->read_buffer().push_back(datagram);
  EXPECT_TRUE(this->port_.DoRead().ok());
  EXPECT_THAT(this->protocol_.received, ElementsAre(datagram));
  EXPECT_THAT(this->protocol_.partial, ElementsAre(false));
}

TYPED_TEST(TuntapPortTest, DoReadExactlyMaxPacketSizeIsWhole) {
  const std::string datagram(this->port_.max_packet_size(), 'x');
  this->Listen();
  this->tunnel()->read_buffer().push_back(datagram);
  EXPECT_TRUE(this->port_.DoRead().ok());
  EXPECT_THAT(this->protocol_.received, ElementsAre(datagram));
  EXPECT_THAT(this->protocol_.partial, ElementsAre(false));
}

TYPED_TEST(TuntapPortTest, DoReadLargeDatagramIsCutAndMarkedPartial) {
  const std::string datagram(this->port_.max_packet_size(), 'x');
  this->Listen();
  this->tunnel()->read_buffer().push_back(datagram + "y");
  this->tunnel()->read_buffer().push_back("next");
  EXPECT_TRUE(this->port_.DoRead().ok());
  // The tail is gone (as with the kernel); the next datagram is whole.
  EXPECT_THAT(this->protocol_.received, ElementsAre(datagram, "next"));
  EXPECT_THAT(this->protocol_.partial, ElementsAre(true, false));
}

TYPED_TEST(TuntapPortTest, DoReadSeveralDatagramsUpToMaxThroughput) {
  std::vector<std::string> datagrams;
  size_t total = 0;
  const std::string letters = "abcdefghijklmnopqrstuvwxyz";
  while (total < TuntapPort::kMaxThroughput) {
    datagrams.emplace_back(this->port_.max_packet_size(),
                           letters[datagrams.size() % letters.size()]);
    total += this->port_.max_packet_size();
  }
  this->Listen();
  for (const auto& d : datagrams) this->tunnel()->read_buffer().push_back(d);
  this->tunnel()->read_buffer().push_back("excessive datagram, not to be read");
  EXPECT_TRUE(this->port_.DoRead().ok());
  EXPECT_EQ(this->protocol_.received, datagrams);
  EXPECT_THAT(this->tunnel()->read_buffer(), SizeIs(1));
  // The next wakeup gets the rest.
  EXPECT_TRUE(this->port_.DoRead().ok());
  EXPECT_EQ(this->protocol_.received.back(),
            "excessive datagram, not to be read");
}

TYPED_TEST(TuntapPortTest,
           DatagramReceivedExceptionIsReportedAndReadingGoesOn) {
  this->Listen();
  this->tunnel()->read_buffer().push_back("ping");
  this->tunnel()->read_buffer().push_back("pong");
  this->protocol_.throw_next = true;
  EXPECT_TRUE(this->port_.DoRead().ok());
  ASSERT_THAT(this->errors_, SizeIs(1));
  EXPECT_THAT(
      std::string(this->errors_[0].message()),
      HasSubstr(absl::StrCat("Unhandled exception from ",
                             TypeParam::kProtocolName, ".DatagramReceived")));
  EXPECT_THAT(this->protocol_.received, ElementsAre("pong"));
  EXPECT_TRUE(this->port_.listening());
}

TYPED_TEST(TuntapPortTest, StopListeningInsideDatagramReceivedStopsReading) {
  this->Listen();
  for (const char* d : {"one", "two", "three"}) {
    this->tunnel()->read_buffer().push_back(d);
  }
  int stopped = 0;
  this->protocol_.on_receive = [&] {
    this->port_.StopListening([&] { ++stopped; });
  };
  EXPECT_TRUE(this->port_.DoRead().ok());
  EXPECT_THAT(this->protocol_.received, ElementsAre("one"));
  EXPECT_EQ(stopped, 0);
  this->reactor_.Advance(absl::ZeroDuration());
  EXPECT_EQ(stopped, 1);
  EXPECT_THAT(this->system_.open_fds(), IsEmpty());
  EXPECT_THAT(this->errors_, IsEmpty());
}

TYPED_TEST(TuntapPortTest, EagainStormDeliversNothingAndKeepsListening) {
  this->Listen();
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(this->reactor_.FireRead(&this->port_).ok());
  }
  EXPECT_THAT(this->protocol_.received, IsEmpty());
  EXPECT_TRUE(this->port_.listening());
  this->tunnel()->read_buffer().push_back("finally");
  ASSERT_TRUE(this->reactor_.FireRead(&this->port_).ok());
  EXPECT_THAT(this->protocol_.received, ElementsAre("finally"));
}

TYPED_TEST(TuntapPortTest, Write) {
  this->Listen();
  const std::string datagram = TypeParam::kType == TunnelType::kTap
                                   ? std::string(14, 'e') + "a b c d e f g"
                                   : "\x45 a b c d e f g";
  this->port_.Write(datagram);
  EXPECT_THAT(this->tunnel()->write_buffer(), ElementsAre(datagram));
  EXPECT_THAT(this->errors_, IsEmpty());
}

TYPED_TEST(TuntapPortTest, InterruptedWriteIsRetried) {
  this->Listen();
  this->tunnel()->pending_signals().push_back(SIGINT);
  const std::string datagram = std::string("\x45", 1) + std::string(20, 'h');
  absl::StatusOr<size_t> n = this->port_.WriteDatagram(datagram);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, datagram.size());
  EXPECT_THAT(this->tunnel()->write_buffer(), ElementsAre(datagram));
}

TYPED_TEST(TuntapPortTest, UnhandledWriteErrorIsReturnedAndReported) {
  this->Listen();
  this->tunnel()->set_send_buffer_limit(1024);  // Twisted's SEND_BUFFER_SIZE.
  const std::string datagram = std::string(1024, '\x45') + "y";
  EXPECT_EQ(ErrnoOf(this->port_.WriteDatagram(datagram).status()), ENOBUFS);
  this->port_.Write(datagram);
  ASSERT_THAT(this->errors_, SizeIs(1));
  EXPECT_EQ(ErrnoOf(this->errors_[0]), ENOBUFS);
  EXPECT_THAT(this->tunnel()->write_buffer(), IsEmpty());
}

TYPED_TEST(TuntapPortTest, WriteBeforeListeningIsAnError) {
  EXPECT_EQ(this->port_.WriteDatagram("x").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TYPED_TEST(TuntapPortTest, WriteSequenceSendsOneDatagram) {
  this->Listen();
  const std::string head = TypeParam::kType == TunnelType::kTap
                               ? std::string(14, 'e')
                               : std::string("\x45");
  const std::vector<std::string_view> chunks = {head, "a", "b", "c", "d"};
  this->port_.WriteSequence(chunks);
  EXPECT_THAT(this->tunnel()->write_buffer(), ElementsAre(head + "abcd"));
}

TYPED_TEST(TuntapPortTest, GetHost) {
  this->Listen();
  EXPECT_EQ(this->port_.GetHost(),
            Address(TunnelAddress{TypeParam::kType, this->tunnel()->name()}));
}

TYPED_TEST(TuntapPortTest, ListeningString) {
  this->Listen();
  const std::string s = this->port_.DebugString();
  EXPECT_THAT(s, HasSubstr(TypeParam::kProtocolName));
  EXPECT_THAT(
      s, HasSubstr(absl::StrCat(" listening on ", ToString(TypeParam::kType),
                                "/", this->tunnel()->name(), ">")));
  EXPECT_THAT(s, ::testing::Not(HasSubstr("not listening")));
}

TYPED_TEST(TuntapPortTest, UnlisteningString) {
  const std::string s = this->port_.DebugString();
  EXPECT_THAT(s, HasSubstr(TypeParam::kProtocolName));
  EXPECT_THAT(s, HasSubstr(absl::StrCat(" not listening on ",
                                        ToString(TypeParam::kType), "/tun0>")));
}

TYPED_TEST(TuntapPortTest, LogPrefix) {
  const std::string bare = TypeParam::kType == TunnelType::kTap
                               ? "EthernetRecordingProtocol"
                               : "IpRecordingProtocol";
  EXPECT_EQ(this->port_.LogPrefix(),
            absl::StrCat(bare, " (", ToString(TypeParam::kType), ")"));
}

// A protocol that applies back-pressure from inside DatagramReceived() gets
// nothing more from the DoRead() in progress (Twisted's loop reads on until
// the device is empty); resuming delivers the rest, in order, none lost.
template <typename Port>
void ExpectPauseInsideCallbackHolds(Port& port, Tunnel* tunnel,
                                    testutil::MemoryReactor& reactor,
                                    std::vector<std::string>& received,
                                    std::function<void()>& on_receive,
                                    const std::function<void()>& pause,
                                    const std::function<void()>& resume) {
  std::vector<std::string> sent;
  for (int i = 0; i < 1000; ++i) {
    sent.push_back(absl::StrCat("datagram ", i));
    tunnel->read_buffer().push_back(sent.back());
  }
  on_receive = [&] {
    if (received.size() == 1) pause();
  };
  ASSERT_TRUE(reactor.FireRead(&port).ok());
  EXPECT_THAT(received, ElementsAre("datagram 0"));
  EXPECT_THAT(tunnel->read_buffer(), SizeIs(999));
  EXPECT_FALSE(reactor.HasReader(&port));
  EXPECT_FALSE(port.reading());
  EXPECT_TRUE(port.listening());
  resume();
  EXPECT_TRUE(reactor.HasReader(&port));
  while (!tunnel->read_buffer().empty()) {
    ASSERT_TRUE(reactor.FireRead(&port).ok());
  }
  EXPECT_EQ(received, sent);
}

TYPED_TEST(TuntapPortTest, PauseProducingInsideDatagramReceivedHoldsAtOnce) {
  this->Listen();
  Producer* producer = &this->port_;  // As a protocol would hold it.
  ExpectPauseInsideCallbackHolds(
      this->port_, this->tunnel(), this->reactor_, this->protocol_.received,
      this->protocol_.on_receive, [&] { producer->PauseProducing(); },
      [&] { producer->ResumeProducing(); });
}

TYPED_TEST(TuntapPortTest, StopReadingInsideDatagramReceivedHoldsAtOnce) {
  this->Listen();
  ExpectPauseInsideCallbackHolds(
      this->port_, this->tunnel(), this->reactor_, this->protocol_.received,
      this->protocol_.on_receive, [&] { this->port_.StopReading(); },
      [&] { this->port_.StartReading(); });
}

TYPED_TEST(TuntapPortTest, PauseAndResumeInsideOneCallbackReadsOn) {
  this->Listen();
  for (const char* d : {"one", "two", "three"}) {
    this->tunnel()->read_buffer().push_back(d);
  }
  this->protocol_.on_receive = [&] {
    this->port_.PauseProducing();
    this->port_.ResumeProducing();
  };
  ASSERT_TRUE(this->port_.DoRead().ok());
  EXPECT_THAT(this->protocol_.received, ElementsAre("one", "two", "three"));
}

TYPED_TEST(TuntapPortTest, ResumeProducingAfterStopListeningDoesNotRead) {
  this->Listen();
  this->port_.PauseProducing();
  this->port_.StopListening();
  this->port_.ResumeProducing();
  EXPECT_FALSE(this->reactor_.HasReader(&this->port_));
  EXPECT_FALSE(this->port_.reading());
}

TEST(TuntapPortDefaultsTest, UsesTheRealSystemByDefault) {
  testutil::MemoryReactor reactor;
  netstack::EthernetProtocol ether;
  TuntapPort port("device", &ether, TuntapPort::kDefaultMaxPacketSize,
                  &reactor);
  EXPECT_NE(dynamic_cast<RealIoSystem*>(port.system()), nullptr);
  EXPECT_EQ(port.type(), TunnelType::kTap);
  EXPECT_EQ(TuntapPort::kDefaultMaxPacketSize, 8192u);
  EXPECT_EQ(TuntapPort::kMaxThroughput, 256u * 1024);
}

// Garbage from the kernel side reaches the IP layer, which drops and counts
// it; the valid datagram after it still arrives.
TEST(TuntapPortBadInputTest, GarbageFromTheDeviceIsDroppedNotDelivered) {
  class Capture : public DatagramProtocol {
   public:
    void DatagramReceived(std::string_view data, const Address&) override {
      received.emplace_back(data);
    }
    std::vector<std::string> received;
  } capture;
  netstack::RawUdpProtocol udp;
  netstack::IpProtocol ip;
  ASSERT_TRUE(udp.AddProto(7, &capture).ok());
  ASSERT_TRUE(ip.AddProto(17, &udp).ok());
  MemoryIoSystem system;
  testutil::MemoryReactor reactor;
  TuntapPort port("tun0", &ip, TuntapPort::kDefaultMaxPacketSize, &reactor,
                  &system);
  ASSERT_TRUE(port.StartListening().ok());
  Tunnel* tunnel = system.GetTunnel(port);
  const std::string good = netstack::BuildUdpIpv4(
      IPv4Host(192, 0, 2, 2), 5000, IPv4Host(192, 0, 2, 1), 7, "hello");
  std::string bad_checksum = good;
  bad_checksum[10] ^= 0x5a;
  for (const std::string& garbage :
       {std::string(), std::string("\x45"), std::string(19, '\x45'),
        std::string(60, '\xff'), bad_checksum, good.substr(0, 25)}) {
    tunnel->read_buffer().push_back(garbage);
  }
  tunnel->read_buffer().push_back(good);
  ASSERT_TRUE(port.DoRead().ok());
  EXPECT_THAT(capture.received, ElementsAre("hello"));
  EXPECT_EQ(ip.drops().total(), 6u) << ip.drops();
}

}  // namespace
}  // namespace standin
