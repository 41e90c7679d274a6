// StreamConnection over real sockets, the socket-only behaviour: addresses,
// resets, EPIPE without SIGPIPE, connect failures, listener bookkeeping and
// descriptor hygiene. (The transport conformance suite over the same
// transports is stream_conformance_test.cc.)
#include "standin/transport/stream_connection.h"

#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/testutil/accumulating_protocol.h"
#include "standin/transport/epoll_reactor.h"
#include "standin/transport/socket_network.h"
#include "standin/transport/status.h"
#include "standin/transport/stream_listener.h"

namespace standin {
namespace {

using ::standin::testutil::AccumulatingProtocol;
using ::standin::testutil::HalfCloseableAccumulatingProtocol;
using ::testing::ElementsAre;

// Counts this process's open descriptors.
int OpenFdCount() {
  int count = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  while (struct dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return count - 1;  // The DIR's own descriptor.
}

std::string TempSocketPath() {
  static int counter = 0;
  return absl::StrCat("/tmp/standin-stream-", ::getpid(), "-", counter++,
                      ".sock");
}

// Hands every call to a protocol the test owns (the listener owns this).
class Forwarder : public Protocol {
 public:
  explicit Forwarder(Protocol* target) : target_(target) {}
  void MakeConnection(Transport* transport) override {
    transport_ = transport;
    target_->MakeConnection(transport);
  }
  void DataReceived(std::string_view data) override {
    target_->DataReceived(data);
  }
  void ConnectionLost(const absl::Status& reason) override {
    target_->ConnectionLost(reason);
  }

 private:
  Protocol* target_;
};

// Runs `reactor` until `done()` or a generous deadline.
bool RunReactorUntil(EpollReactor& reactor, absl::FunctionRef<bool()> done,
                     absl::Duration limit = absl::Seconds(30)) {
  const absl::Time deadline = reactor.Now() + limit;
  while (!done()) {
    if (reactor.Now() > deadline) return false;
    // Short turns: `done` may itself produce work (a producer's next chunk)
    // that no descriptor event announces.
    if (!reactor.RunOnce(absl::Milliseconds(1)).ok()) return false;
  }
  return true;
}

// --- Socket-specific behaviour --------------------------------------------

class StreamConnectionTest : public ::testing::Test {
 protected:
  // A connected socketpair: ours adopted, theirs a raw fd for the test.
  void AdoptPair() {
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    auto conn = StreamConnection::Adopt(fds[0], &reactor_, &protocol_);
    ASSERT_TRUE(conn.ok()) << conn.status();
    conn_ = *std::move(conn);
    peer_fd_ = fds[1];
  }
  void TearDown() override {
    conn_.reset();
    if (peer_fd_ >= 0) ::close(peer_fd_);
  }
  bool RunUntil(absl::FunctionRef<bool()> done) {
    return RunReactorUntil(reactor_, done);
  }

  EpollReactor reactor_;
  AccumulatingProtocol protocol_;
  std::unique_ptr<StreamConnection> conn_;
  int peer_fd_ = -1;
};

TEST_F(StreamConnectionTest, AdoptRejectsABadDescriptor) {
  auto negative = StreamConnection::Adopt(-1, &reactor_, &protocol_);
  EXPECT_EQ(negative.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(negative.status().message()),
              ::testing::HasSubstr("-1"));
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::close(fds[0]);
  ::close(fds[1]);
  auto closed = StreamConnection::Adopt(fds[0], &reactor_, &protocol_);
  EXPECT_EQ(ErrnoOf(closed.status()), EBADF);
  EXPECT_FALSE(protocol_.made());
}

TEST_F(StreamConnectionTest, AdoptMakesTheFdNonBlockingAndCloseOnExec) {
  AdoptPair();
  EXPECT_TRUE(::fcntl(conn_->fileno(), F_GETFL) & O_NONBLOCK);
  EXPECT_TRUE(::fcntl(conn_->fileno(), F_GETFD) & FD_CLOEXEC);
  EXPECT_TRUE(conn_->is_socket());
  EXPECT_TRUE(protocol_.made());
}

TEST_F(StreamConnectionTest, UnnamedSocketAddressesAreEmptyUnixAddresses) {
  AdoptPair();
  EXPECT_EQ(conn_->GetHost(), Address(UnixAddress{""}));
  EXPECT_EQ(conn_->GetPeer(), Address(UnixAddress{""}));
}

TEST_F(StreamConnectionTest, EndOfFileIsConnectionDone) {
  AdoptPair();
  ASSERT_EQ(::write(peer_fd_, "last words", 10), 10);
  ::close(peer_fd_);
  peer_fd_ = -1;
  ASSERT_TRUE(RunUntil([&] { return protocol_.closed(); }));
  EXPECT_EQ(protocol_.data(), "last words");
  EXPECT_TRUE(IsConnectionDone(protocol_.closed_reason()));
  EXPECT_EQ(conn_->fileno(), -1);  // Closed on loss.
}

TEST_F(StreamConnectionTest, DestroyingClosesWithoutTellingTheProtocol) {
  AdoptPair();
  conn_.reset();
  char c;
  EXPECT_EQ(::read(peer_fd_, &c, 1), 0);  // EOF: our end is closed.
  EXPECT_FALSE(protocol_.closed());
  EXPECT_TRUE(reactor_.GetReaders().empty());
}

TEST_F(StreamConnectionTest, ProtocolMayDestroyTheConnectionInConnectionLost) {
  AdoptPair();
  protocol_.set_on_connection_lost([&](const absl::Status&) { conn_.reset(); });
  conn_->LoseConnection();
  ASSERT_TRUE(RunUntil([&] { return conn_ == nullptr; }));
  EXPECT_EQ(protocol_.connection_lost_calls(), 1);
}

// Fault: writing to a peer that has gone raises no SIGPIPE (the default
// action would kill this test) and ends the connection once.
TEST_F(StreamConnectionTest, WritingToAClosedPeerIsAnErrorNotASignal) {
  AdoptPair();
  conn_->PauseProducing();  // Learn of the close from the write, not EOF.
  ::close(peer_fd_);
  peer_fd_ = -1;
  conn_->Write("into the void");
  ASSERT_TRUE(RunUntil([&] { return protocol_.closed(); }));
  EXPECT_EQ(ErrnoOf(protocol_.closed_reason()), EPIPE)
      << protocol_.closed_reason();
  EXPECT_TRUE(IsConnectionLost(protocol_.closed_reason()));
  EXPECT_EQ(protocol_.connection_lost_calls(), 1);
}

TEST_F(StreamConnectionTest, PipeWriteEndToAClosedReaderIsEpipeNotASignal) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  auto conn = StreamConnection::Adopt(fds[1], &reactor_, &protocol_);
  ASSERT_TRUE(conn.ok());
  EXPECT_FALSE((*conn)->is_socket());
  (*conn)->PauseProducing();  // A write end has nothing to read.
  ::close(fds[0]);
  (*conn)->Write("nobody reads this");
  ASSERT_TRUE(RunUntil([&] { return protocol_.closed(); }));
  EXPECT_EQ(ErrnoOf(protocol_.closed_reason()), EPIPE);
  sigset_t pending;
  sigpending(&pending);
  EXPECT_FALSE(sigismember(&pending, SIGPIPE));  // Consumed, not left over.
}

TEST_F(StreamConnectionTest, AdoptPipesRejectsBadDescriptors) {
  auto same = StreamConnection::AdoptPipes(-1, -1, &reactor_, &protocol_);
  EXPECT_EQ(same.status().code(), absl::StatusCode::kInvalidArgument);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const int before = OpenFdCount();
  auto bad =
      StreamConnection::AdoptPipes(fds[0], 1 << 20, &reactor_, &protocol_);
  EXPECT_EQ(ErrnoOf(bad.status()), EBADF);
  EXPECT_EQ(OpenFdCount(), before - 1);  // fds[0] was closed.
  ::close(fds[1]);
}

TEST_F(StreamConnectionTest, LoseWriteConnectionOnAPipeClosesIt) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  auto conn = StreamConnection::Adopt(fds[1], &reactor_, &protocol_);
  ASSERT_TRUE(conn.ok());
  (*conn)->PauseProducing();
  (*conn)->Write("data");
  (*conn)->LoseWriteConnection();
  ASSERT_TRUE(RunUntil([&] { return protocol_.closed(); }));
  EXPECT_TRUE(IsConnectionDone(protocol_.closed_reason()));
  char buf[16];
  EXPECT_EQ(::read(fds[0], buf, sizeof(buf)), 4);
  EXPECT_EQ(::read(fds[0], buf, sizeof(buf)), 0);
  ::close(fds[0]);
}

// A TCP peer that resets (SO_LINGER 0) gives ECONNRESET.
class TcpPeer {
 public:
  TcpPeer() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr = {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(
        ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)),
        0);
    EXPECT_EQ(::listen(listen_fd_, 4), 0);
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~TcpPeer() {
    if (fd_ >= 0) ::close(fd_);
    ::close(listen_fd_);
  }
  void Accept() { fd_ = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC); }
  void Reset() {
    struct linger linger = {1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &linger, sizeof(linger));
    ::close(fd_);
    fd_ = -1;
  }
  uint16_t port() const { return port_; }
  int fd() const { return fd_; }

 private:
  int listen_fd_ = -1;
  int fd_ = -1;
  uint16_t port_ = 0;
};

TEST_F(StreamConnectionTest, PeerResetIsConnectionLostWithEconnreset) {
  TcpPeer peer;
  auto conn = StreamConnection::ConnectTcp(&reactor_, "127.0.0.1", peer.port(),
                                           &protocol_);
  ASSERT_TRUE(conn.ok()) << conn.status();
  ASSERT_TRUE(RunUntil([&] { return protocol_.made(); }));
  peer.Accept();
  ASSERT_GE(peer.fd(), 0);
  peer.Reset();
  ASSERT_TRUE(RunUntil([&] { return protocol_.closed(); }));
  EXPECT_TRUE(IsConnectionLost(protocol_.closed_reason()));
  EXPECT_EQ(ErrnoOf(protocol_.closed_reason()), ECONNRESET)
      << protocol_.closed_reason();
}

// Fault: the peer resets while we are in the middle of a large write.
TEST_F(StreamConnectionTest, PeerResetMidWriteEndsTheConnectionOnce) {
  TcpPeer peer;
  auto conn = StreamConnection::ConnectTcp(&reactor_, "127.0.0.1", peer.port(),
                                           &protocol_);
  ASSERT_TRUE(conn.ok()) << conn.status();
  ASSERT_TRUE(RunUntil([&] { return protocol_.made(); }));
  peer.Accept();
  std::string big(32 << 20, 'x');
  (*conn)->Write(big);
  // Let part of it go out, then reset with the rest still buffered.
  ASSERT_TRUE(RunUntil([&] { return (*conn)->buffered_bytes() < big.size(); }));
  ASSERT_GT((*conn)->buffered_bytes(), 0u);
  peer.Reset();
  ASSERT_TRUE(RunUntil([&] { return protocol_.closed(); }));
  int err = ErrnoOf(protocol_.closed_reason());
  EXPECT_TRUE(err == ECONNRESET || err == EPIPE) << protocol_.closed_reason();
  EXPECT_EQ(protocol_.connection_lost_calls(), 1);
  EXPECT_EQ((*conn)->buffered_bytes(), 0u);
}

// Fault: the peer closes while our buffer is full (it never read).
TEST_F(StreamConnectionTest, PeerClosesWhileOurBufferIsFull) {
  AdoptPair();
  conn_->Write(std::string(8 << 20, 'y'));
  ASSERT_TRUE(RunUntil([&] { return conn_->buffered_bytes() < (8u << 20); }));
  ASSERT_TRUE(reactor_.RunOnce(absl::ZeroDuration()).ok());
  EXPECT_GT(conn_->buffered_bytes(), 0u);  // The kernel buffer is full.
  ::close(peer_fd_);
  peer_fd_ = -1;
  ASSERT_TRUE(RunUntil([&] { return protocol_.closed(); }));
  EXPECT_EQ(protocol_.connection_lost_calls(), 1);
  EXPECT_FALSE(protocol_.closed_reason().ok());
}

TEST_F(StreamConnectionTest, AbortResetsATcpConnection) {
  TcpPeer peer;
  auto conn = StreamConnection::ConnectTcp(&reactor_, "127.0.0.1", peer.port(),
                                           &protocol_);
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE(RunUntil([&] { return protocol_.made(); }));
  peer.Accept();
  (*conn)->AbortConnection();
  ASSERT_TRUE(RunUntil([&] { return protocol_.closed(); }));
  EXPECT_TRUE(IsConnectionAborted(protocol_.closed_reason()));
  char c;
  EXPECT_EQ(::recv(peer.fd(), &c, 1, 0), -1);
  EXPECT_EQ(errno, ECONNRESET);
}

TEST_F(StreamConnectionTest, TcpAddressesComeFromTheSocket) {
  TcpPeer peer;
  auto conn = StreamConnection::ConnectTcp(&reactor_, "127.0.0.1", peer.port(),
                                           &protocol_);
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE(RunUntil([&] { return protocol_.made(); }));
  auto peer_addr = std::get<IPv4Address>((*conn)->GetPeer());
  EXPECT_EQ(peer_addr,
            (IPv4Address{IPv4Address::Kind::kTcp, "127.0.0.1", peer.port()}));
  auto host = std::get<IPv4Address>((*conn)->GetHost());
  EXPECT_EQ(host.host, "127.0.0.1");
  EXPECT_NE(host.port, 0);
}

TEST_F(StreamConnectionTest, RefusedConnectGoesToOnFailed) {
  uint16_t port;
  {
    TcpPeer closed;  // Bound then closed: nobody listens there now.
    port = closed.port();
  }
  absl::Status failure;
  auto conn = StreamConnection::ConnectTcp(
      &reactor_, "127.0.0.1", port, &protocol_,
      [&](const absl::Status& status) { failure = status; });
  if (!conn.ok()) {
    EXPECT_EQ(ErrnoOf(conn.status()), ECONNREFUSED);  // Refused at once.
  } else {
    ASSERT_TRUE(RunUntil([&] { return !failure.ok(); }));
    EXPECT_EQ(ErrnoOf(failure), ECONNREFUSED) << failure;
    EXPECT_THAT(std::string(failure.message()),
                ::testing::HasSubstr(absl::StrCat("127.0.0.1:", port)));
  }
  EXPECT_FALSE(protocol_.made());
  EXPECT_FALSE(protocol_.closed());
}

TEST_F(StreamConnectionTest, ConnectRejectsNonLiteralHosts) {
  auto conn =
      StreamConnection::ConnectTcp(&reactor_, "localhost", 80, &protocol_);
  EXPECT_EQ(conn.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(conn.status().message()),
              ::testing::HasSubstr("localhost"));
}

// Host literals: Twisted's isIPAddress cases (twisted/test/test_abstract.py)
// decide what is an address; anything else is refused before any syscall.
TEST_F(StreamConnectionTest, HostMustBeAnAddressLiteral) {
  for (const char* host : {"0",
                           "0.1",
                           "0.1.2",
                           "0.1.2.3.4",
                           "a.2.3.4",
                           "1.b.3.4",
                           ",",
                           "1,2",
                           "1,2,3",
                           "1.,.3,4",
                           "",
                           "-1",
                           "1.-2",
                           "1.2.-3",
                           "1.2.-3.4",
                           "256.0.0.0",
                           "0.256.0.0",
                           "0.0.256.0",
                           "0.0.0.256",
                           "256.256.256.256",
                           "\xff.notascii",
                           "::1%nonexistent0"}) {
    auto conn = StreamConnection::ConnectTcp(&reactor_, host, 9, &protocol_);
    EXPECT_EQ(conn.status().code(), absl::StatusCode::kInvalidArgument)
        << "host '" << host << "': " << conn.status();
    auto listener = StreamListener::ListenTcp(
        &reactor_, 0,
        [](const Address&) { return std::unique_ptr<Protocol>(); }, host);
    EXPECT_EQ(listener.status().code(), absl::StatusCode::kInvalidArgument)
        << host;
  }
  EXPECT_FALSE(protocol_.made());
}

TEST_F(StreamConnectionTest, Ipv6LoopbackWorksWhereAvailable) {
  AccumulatingProtocol server;
  auto listener = StreamListener::ListenTcp(
      &reactor_, 0,
      [&](const Address&) -> std::unique_ptr<Protocol> {
        return std::make_unique<Forwarder>(&server);
      },
      "::1");
  if (!listener.ok()) {
    GTEST_SKIP() << "no IPv6 loopback here: " << listener.status();
  }
  const auto host = std::get<IPv6Address>((*listener)->GetHost());
  EXPECT_EQ(host.host, "::1");
  auto conn =
      StreamConnection::ConnectTcp(&reactor_, "::1", host.port, &protocol_);
  ASSERT_TRUE(conn.ok()) << conn.status();
  (*conn)->Write("six");
  ASSERT_TRUE(RunUntil([&] { return server.data() == "six"; }));
  EXPECT_EQ(std::get<IPv6Address>(server.transport()->GetPeer()).host, "::1");
  EXPECT_EQ(server.transport()->GetPeer(), (*conn)->GetHost());
}

TEST_F(StreamConnectionTest, ConnectUnixToAMissingPathFails) {
  auto conn = StreamConnection::ConnectUnix(
      &reactor_, "/nonexistent/standin.sock", &protocol_);
  EXPECT_EQ(ErrnoOf(conn.status()), ENOENT);
  EXPECT_THAT(std::string(conn.status().message()),
              ::testing::HasSubstr("/nonexistent/standin.sock"));
}

TEST_F(StreamConnectionTest, ListenUnixOnATakenPathFailsNamingIt) {
  std::string path = TempSocketPath();
  auto factory = [](const Address&) -> std::unique_ptr<Protocol> {
    return nullptr;
  };
  auto first = StreamListener::ListenUnix(&reactor_, path, factory);
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = StreamListener::ListenUnix(&reactor_, path, factory);
  EXPECT_EQ(ErrnoOf(second.status()), EADDRINUSE);
  EXPECT_THAT(std::string(second.status().message()),
              ::testing::HasSubstr(path));
  EXPECT_EQ((*first)->GetHost(), Address(UnixAddress{path}));
  first->reset();
  EXPECT_NE(::access(path.c_str(), F_OK), 0);  // Unlinked.
}

TEST_F(StreamConnectionTest, ListenerOwnsAndReapsItsConnections) {
  std::vector<Address> peers;
  auto listener = StreamListener::ListenTcp(
      &reactor_, 0, [&](const Address& peer) -> std::unique_ptr<Protocol> {
        peers.push_back(peer);
        return std::make_unique<AccumulatingProtocol>();
      });
  ASSERT_TRUE(listener.ok());
  uint16_t port = std::get<IPv4Address>((*listener)->GetHost()).port;
  auto conn =
      StreamConnection::ConnectTcp(&reactor_, "127.0.0.1", port, &protocol_);
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE(RunUntil([&] { return (*listener)->connection_count() == 1; }));
  ASSERT_EQ(peers.size(), 1u);
  EXPECT_EQ(peers[0], (*conn)->GetHost());
  (*conn)->LoseConnection();
  ASSERT_TRUE(RunUntil([&] { return (*listener)->connection_count() == 0; }));
  EXPECT_EQ((*listener)->accepted_count(), 1u);
}

TEST_F(StreamConnectionTest, FactoryReturningNullRefusesTheConnection) {
  auto listener = StreamListener::ListenTcp(
      &reactor_, 0,
      [](const Address&) -> std::unique_ptr<Protocol> { return nullptr; });
  ASSERT_TRUE(listener.ok());
  uint16_t port = std::get<IPv4Address>((*listener)->GetHost()).port;
  auto conn =
      StreamConnection::ConnectTcp(&reactor_, "127.0.0.1", port, &protocol_);
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE(RunUntil([&] { return protocol_.closed(); }));
  EXPECT_TRUE(IsConnectionDone(protocol_.closed_reason()) ||
              IsConnectionLost(protocol_.closed_reason()));
  EXPECT_EQ((*listener)->connection_count(), 0u);
}

TEST_F(StreamConnectionTest, SocketNetworkListensAndConnectsForReal) {
  SocketNetwork network(&reactor_);
  AccumulatingProtocol server;
  auto port =
      network.ListenTcp(0, [&](const Address&) -> std::unique_ptr<Protocol> {
        return std::make_unique<Forwarder>(&server);
      });
  ASSERT_TRUE(port.ok()) << port.status();
  uint16_t number = std::get<IPv4Address>((*port)->GetHost()).port;
  auto conn = network.ConnectTcp("127.0.0.1", number, &protocol_);
  ASSERT_TRUE(conn.ok()) << conn.status();
  (*conn)->Write("over the network");
  ASSERT_TRUE(RunUntil([&] { return server.data() == "over the network"; }));
  EXPECT_EQ((*conn)->GetHost(), server.transport()->GetPeer());
}

TEST_F(StreamConnectionTest, ListenTcpRejectsABadHost) {
  auto listener = StreamListener::ListenTcp(
      &reactor_, 0, [](const Address&) { return std::unique_ptr<Protocol>(); },
      "not-an-ip");
  EXPECT_EQ(listener.status().code(), absl::StatusCode::kInvalidArgument);
}

// Fault: EINTR. A signal interrupting epoll_wait() is not an error.
std::atomic<int> alarms{0};
void OnAlarm(int) { alarms.fetch_add(1); }

TEST_F(StreamConnectionTest, SignalInterruptingTheWaitIsNotAnError) {
  struct sigaction action = {};
  action.sa_handler = OnAlarm;  // No SA_RESTART: epoll_wait gets EINTR.
  struct sigaction old;
  ASSERT_EQ(::sigaction(SIGALRM, &action, &old), 0);
  struct itimerval timer = {};
  timer.it_value.tv_usec = 20000;
  ASSERT_EQ(::setitimer(ITIMER_REAL, &timer, nullptr), 0);
  EXPECT_TRUE(reactor_.RunOnce(absl::Seconds(5)).ok());
  EXPECT_EQ(alarms.load(), 1);
  ::sigaction(SIGALRM, &old, nullptr);
}

// Present only in a UBSan build.
extern "C" void __ubsan_handle_dynamic_type_cache_miss() __attribute__((weak));

// Twisted: test_closePeerOnEMFILE. Out of descriptors, the listener closes
// the pending connection (the client sees the end) instead of spinning.
TEST_F(StreamConnectionTest, OutOfDescriptorsClosesThePeerAndDoesNotSpin) {
  if (&__ubsan_handle_dynamic_type_cache_miss != nullptr) {
    GTEST_SKIP() << "UBSan's runtime probes memory through a pipe(), so its "
                    "own checks fail once this test exhausts descriptors";
  }
  auto listener = StreamListener::ListenTcp(
      &reactor_, 0, [](const Address&) -> std::unique_ptr<Protocol> {
        return std::make_unique<AccumulatingProtocol>();
      });
  ASSERT_TRUE(listener.ok());
  uint16_t port = std::get<IPv4Address>((*listener)->GetHost()).port;
  auto conn =
      StreamConnection::ConnectTcp(&reactor_, "127.0.0.1", port, &protocol_);
  ASSERT_TRUE(conn.ok());
  // No descriptor left for accept(): the limit is what is open now.
  struct rlimit old_limit;
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &old_limit), 0);
  struct rlimit tight = old_limit;
  tight.rlim_cur = static_cast<rlim_t>(OpenFdCount());
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &tight), 0);
  const uint64_t turns_before = reactor_.turns();
  const bool closed = RunUntil([&] { return protocol_.closed(); });
  const uint64_t turns = reactor_.turns() - turns_before;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &old_limit), 0);
  ASSERT_TRUE(closed);
  EXPECT_EQ((*listener)->accepted_count(), 0u);
  EXPECT_EQ((*listener)->refused_count(), 1u);
  EXPECT_LT(turns, 100u);  // Not a busy loop.
  // With descriptors again, the listener serves the next connection.
  AccumulatingProtocol next;
  auto again =
      StreamConnection::ConnectTcp(&reactor_, "127.0.0.1", port, &next);
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(RunUntil([&] { return (*listener)->accepted_count() == 1; }));
}

TEST_F(StreamConnectionTest, NoDescriptorLeaksAcrossManyConnections) {
  {
    // The first listener opens the process-wide reserve descriptor, which
    // stays open by design; count from after that.
    auto warmup = StreamListener::ListenTcp(&reactor_, 0, [](const Address&) {
      return std::unique_ptr<Protocol>();
    });
    ASSERT_TRUE(warmup.ok());
  }
  const int before = OpenFdCount();
  {
    auto listener = StreamListener::ListenTcp(
        &reactor_, 0, [](const Address&) -> std::unique_ptr<Protocol> {
          return std::make_unique<AccumulatingProtocol>();
        });
    ASSERT_TRUE(listener.ok());
    uint16_t port = std::get<IPv4Address>((*listener)->GetHost()).port;
    for (int i = 0; i < 20; ++i) {
      AccumulatingProtocol client;
      auto conn =
          StreamConnection::ConnectTcp(&reactor_, "127.0.0.1", port, &client);
      ASSERT_TRUE(conn.ok());
      ASSERT_TRUE(RunUntil([&] { return client.made(); }));
      (*conn)->Write("hello");
      if (i % 2 == 0) {
        (*conn)->LoseConnection();
      } else {
        (*conn)->AbortConnection();
      }
      ASSERT_TRUE(RunUntil([&] {
        return client.closed() && (*listener)->connection_count() == 0;
      }));
    }
    ASSERT_TRUE(RunUntil([&] { return true; }));
    ASSERT_TRUE(reactor_.RunOnce(absl::ZeroDuration()).ok());
  }
  EXPECT_EQ(OpenFdCount(), before);
}

// --- Every way a connection is made ------------------------------------------

// Hands every call, half-close ones included, to a protocol the test owns
// (the listener owns this).
class HalfCloseForwarder : public HalfCloseableProtocol {
 public:
  explicit HalfCloseForwarder(HalfCloseableProtocol* target)
      : target_(target) {}
  void MakeConnection(Transport* transport) override {
    transport_ = transport;
    target_->MakeConnection(transport);
  }
  void DataReceived(std::string_view data) override {
    target_->DataReceived(data);
  }
  void ReadConnectionLost() override { target_->ReadConnectionLost(); }
  void WriteConnectionLost() override { target_->WriteConnectionLost(); }
  void ConnectionLost(const absl::Status& reason) override {
    target_->ConnectionLost(reason);
  }

 private:
  HalfCloseableProtocol* target_;
};

// A forwarder of the same kind as `target`, so a plain protocol stays plain.
std::unique_ptr<Protocol> ForwarderFor(Protocol* target) {
  if (auto* half = dynamic_cast<HalfCloseableProtocol*>(target)) {
    return std::make_unique<HalfCloseForwarder>(half);
  }
  return std::make_unique<Forwarder>(target);
}

enum class Kind { kSocketPair, kPipePair, kTcp, kUnix };
void PrintTo(Kind kind, std::ostream* os);

std::string KindName(const ::testing::TestParamInfo<Kind>& info) {
  switch (info.param) {
    case Kind::kSocketPair:
      return "SocketPair";
    case Kind::kPipePair:
      return "PipePair";
    case Kind::kTcp:
      return "Tcp";
    case Kind::kUnix:
      return "Unix";
  }
  return "?";
}

// What gtest shows for GetParam() (a scoped enum prints as raw bytes).
void PrintTo(Kind kind, std::ostream* os) {
  *os << KindName(::testing::TestParamInfo<Kind>(kind, 0));
}

// Connects a client and a server protocol over each kind of stream.
class ConnectedPair {
 public:
  // Returns once both protocols are connected.
  void Connect(Kind kind, Protocol* client, Protocol* server) {
    switch (kind) {
      case Kind::kSocketPair: {
        int fds[2];
        ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
        Keep(StreamConnection::Adopt(fds[1], &reactor, server), &server_);
        Keep(StreamConnection::Adopt(fds[0], &reactor, client), &client_);
        break;
      }
      case Kind::kPipePair: {
        int up[2], down[2];  // client -> server, server -> client
        ASSERT_EQ(::pipe2(up, O_CLOEXEC), 0);
        ASSERT_EQ(::pipe2(down, O_CLOEXEC), 0);
        Keep(StreamConnection::AdoptPipes(up[0], down[1], &reactor, server),
             &server_);
        Keep(StreamConnection::AdoptPipes(down[0], up[1], &reactor, client),
             &client_);
        break;
      }
      case Kind::kTcp: {
        auto listener = StreamListener::ListenTcp(
            &reactor, 0,
            [server](const Address&) { return ForwarderFor(server); });
        ASSERT_TRUE(listener.ok()) << listener.status();
        listener_ = *std::move(listener);
        Keep(StreamConnection::ConnectTcp(
                 &reactor, "127.0.0.1",
                 std::get<IPv4Address>(listener_->GetHost()).port, client),
             &client_);
        break;
      }
      case Kind::kUnix: {
        auto listener = StreamListener::ListenUnix(
            &reactor, TempSocketPath(),
            [server](const Address&) { return ForwarderFor(server); });
        ASSERT_TRUE(listener.ok()) << listener.status();
        listener_ = *std::move(listener);
        Keep(StreamConnection::ConnectUnix(
                 &reactor, std::get<UnixAddress>(listener_->GetHost()).path,
                 client),
             &client_);
        break;
      }
    }
    ASSERT_TRUE(RunUntil([&] {
      return client->transport() != nullptr && server->transport() != nullptr;
    }));
  }
  bool RunUntil(absl::FunctionRef<bool()> done) {
    return RunReactorUntil(reactor, done);
  }
  // A few turns with nothing to wait for ("and nothing else happened").
  void Settle() {
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(reactor.RunOnce(absl::Milliseconds(2)).ok());
    }
  }

  EpollReactor reactor;

 private:
  void Keep(absl::StatusOr<std::unique_ptr<StreamConnection>> connection,
            std::unique_ptr<StreamConnection>* slot) {
    ASSERT_TRUE(connection.ok()) << connection.status();
    *slot = *std::move(connection);
  }
  std::unique_ptr<StreamListener> listener_;
  std::unique_ptr<StreamConnection> client_;
  std::unique_ptr<StreamConnection> server_;
};

// Bytes waiting in the kernel to be read from `transport`'s descriptor.
int PendingBytes(Transport* transport) {
  int pending = 0;
  if (::ioctl(dynamic_cast<Selectable&>(*transport).fileno(), FIONREAD,
              &pending) != 0) {
    return -1;
  }
  return pending;
}

bool IsReader(Reactor& reactor, Transport* transport) {
  std::vector<Selectable*> readers = reactor.GetReaders();
  return std::find(readers.begin(), readers.end(),
                   dynamic_cast<Selectable*>(transport)) != readers.end();
}

// --- PauseProducing() from ConnectionMade() holds --------------------------
//
// Twisted: test_pauseProducingInConnectionMade (twisted/test/test_tcp.py).
// We used to start reading after MakeConnection(), undoing the pause; now
// reading starts first, on every path a connection is made by.

class PauseInConnectionMadeTest : public ::testing::TestWithParam<Kind> {
 protected:
  // Both ends write first thing; both paused, nothing may be delivered.
  void ConnectAndGreet() {
    client_.set_on_connection_made([this] {
      dynamic_cast<Producer*>(client_.transport())->PauseProducing();
      client_.transport()->Write("from client");
    });
    server_.set_on_connection_made([this] {
      dynamic_cast<Producer*>(server_.transport())->PauseProducing();
      server_.transport()->Write("from server");
    });
    pair_.Connect(GetParam(), &client_, &server_);
  }

  AccumulatingProtocol client_;
  AccumulatingProtocol server_;
  ConnectedPair pair_;
};

TEST_P(PauseInConnectionMadeTest, NoDataUntilResumed) {
  ConnectAndGreet();
  EXPECT_FALSE(IsReader(pair_.reactor, client_.transport()));
  EXPECT_FALSE(IsReader(pair_.reactor, server_.transport()));
  // Both greetings are in the kernel, ready to be read...
  ASSERT_TRUE(pair_.RunUntil([&] {
    return PendingBytes(client_.transport()) == 11 &&
           PendingBytes(server_.transport()) == 11;
  }));
  // ...and a paused transport reads none of it.
  pair_.Settle();
  EXPECT_EQ(client_.data(), "");
  EXPECT_EQ(server_.data(), "");
  dynamic_cast<Producer*>(server_.transport())->ResumeProducing();
  ASSERT_TRUE(pair_.RunUntil([&] { return server_.data() == "from client"; }));
  pair_.Settle();
  EXPECT_EQ(client_.data(), "");  // Still paused.
  dynamic_cast<Producer*>(client_.transport())->ResumeProducing();
  ASSERT_TRUE(pair_.RunUntil([&] { return client_.data() == "from server"; }));
}

INSTANTIATE_TEST_SUITE_P(EveryCreationPath, PauseInConnectionMadeTest,
                         ::testing::Values(Kind::kSocketPair, Kind::kPipePair,
                                           Kind::kTcp, Kind::kUnix),
                         KindName);

// Adopt() of a descriptor with data already waiting in it.
TEST_F(StreamConnectionTest, PauseInConnectionMadeHoldsForDataAlreadyThere) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  peer_fd_ = fds[1];
  ASSERT_EQ(::write(peer_fd_, "early", 5), 5);
  protocol_.set_on_connection_made([&] {
    dynamic_cast<Producer*>(protocol_.transport())->PauseProducing();
  });
  auto conn = StreamConnection::Adopt(fds[0], &reactor_, &protocol_);
  ASSERT_TRUE(conn.ok());
  conn_ = *std::move(conn);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(reactor_.RunOnce(absl::ZeroDuration()).ok());
  }
  EXPECT_EQ(protocol_.data(), "");
  conn_->ResumeProducing();
  ASSERT_TRUE(RunUntil([&] { return protocol_.data() == "early"; }));
}

// --- A pull producer is resumed after every drain --------------------------
//
// Twisted: connectionmixins.py's producer tests and abstract.doWrite (resume
// on each drain). A write over 8 KiB on an empty buffer goes straight to the
// kernel; when it took everything, DoWrite() never ran, so the producer was
// resumed once and never again, and LoseConnection() never completed. 4 KiB
// writes (buffered) worked; 100 KiB stalled after one resume.

// Writes `chunk` bytes per resume until `total`, then unregisters and loses
// the connection.
class PullSender : public Protocol, public Producer {
 public:
  PullSender(size_t chunk, size_t total) : chunk_(chunk), total_(total) {}
  void ConnectionMade() override {
    ASSERT_TRUE(transport()->RegisterProducer(this, /*streaming=*/false).ok());
  }
  void ResumeProducing() override {
    ++resumes;
    if (sent >= total_) return;
    const size_t n = std::min(chunk_, total_ - sent);
    std::string data(n, '\0');
    for (size_t i = 0; i < n; ++i) data[i] = PatternByte(sent + i);
    transport()->Write(data);
    sent += n;
    if (sent >= total_) {
      transport()->UnregisterProducer();
      transport()->LoseConnection();
    }
  }
  void PauseProducing() override { ADD_FAILURE() << "a pull producer paused"; }
  void StopProducing() override { ++stops; }
  void ConnectionLost(const absl::Status& reason) override {
    this->reason = reason;
    ++lost_calls;
  }
  static char PatternByte(size_t i) {
    return static_cast<char>(i * 7 + i / 251);
  }

  size_t sent = 0;
  int resumes = 0;
  int stops = 0;
  int lost_calls = 0;
  absl::Status reason;

 private:
  size_t chunk_;
  size_t total_;
};

class PullProducerTest : public ::testing::TestWithParam<size_t> {};

TEST_P(PullProducerTest, ResumedAfterEveryDrainAndLoseConnectionCompletes) {
  const size_t chunk = GetParam();
  const size_t chunks = std::max<size_t>(8, (2u << 20) / chunk);
  EpollReactor reactor;
  PullSender sender(chunk, chunk * chunks);
  AccumulatingProtocol receiver;
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  auto server = StreamConnection::Adopt(fds[1], &reactor, &receiver);
  ASSERT_TRUE(server.ok());
  auto client = StreamConnection::Adopt(fds[0], &reactor, &sender);
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(RunReactorUntil(
      reactor, [&] { return sender.lost_calls > 0 && receiver.closed(); }))
      << "stalled after " << sender.resumes << " resumes, "
      << receiver.data().size() << " bytes";
  EXPECT_EQ(sender.sent, chunk * chunks);
  // One resume per chunk: at registration, then after each drain.
  EXPECT_EQ(sender.resumes, static_cast<int>(chunks));
  EXPECT_TRUE(IsConnectionDone(sender.reason)) << sender.reason;
  EXPECT_EQ(sender.lost_calls, 1);
  EXPECT_EQ(sender.stops, 0);  // Unregistered before the close.
  ASSERT_EQ(receiver.data().size(), chunk * chunks);
  for (size_t i = 0; i < receiver.data().size(); ++i) {
    if (receiver.data()[i] != PullSender::PatternByte(i)) {
      FAIL() << "byte " << i << " differs";
    }
  }
  EXPECT_TRUE(IsConnectionDone(receiver.closed_reason()));
}

INSTANTIATE_TEST_SUITE_P(Chunks, PullProducerTest,
                         ::testing::Values(4 << 10, 64 << 10, 100 << 10,
                                           1 << 20),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           return absl::StrCat(info.param / 1024, "KiB");
                         });

// --- Half-close over every stream kind -------------------------------------
//
// Ports of Twisted's half-close tests (twisted/test/test_tcp.py HalfClose*,
// twisted/internet/test/test_tcp.py test_doubleHalfClose), run over TCP,
// UNIX, a socketpair and a pipe pair. One difference, pinned by DESIGN.md:
// once both directions are closed the connection ends by itself and
// ConnectionLost() follows (Twisted leaves that to the protocol).

// The half-closeable transport under the protocol's feet.
HalfCloseableTransport* Half(const Protocol& protocol) {
  return dynamic_cast<HalfCloseableTransport*>(protocol.transport());
}

class HalfCloseTest : public ::testing::TestWithParam<Kind> {
 protected:
  void Connect(Protocol* client, Protocol* server) {
    pair_.Connect(GetParam(), client, server);
  }
  bool RunUntil(absl::FunctionRef<bool()> done) { return pair_.RunUntil(done); }

  HalfCloseableAccumulatingProtocol client_;
  HalfCloseableAccumulatingProtocol server_;
  ConnectedPair pair_;
};

TEST_P(HalfCloseTest, EveryStreamConnectionIsAHalfCloseableTransport) {
  Connect(&client_, &server_);
  EXPECT_NE(Half(client_), nullptr);
  EXPECT_NE(Half(server_), nullptr);
}

// Twisted: HalfCloseTests.testCloseWriteCloser.
TEST_P(HalfCloseTest, CloseWriteCloser) {
  Connect(&client_, &server_);
  client_.transport()->Write("hello");
  Half(client_)->LoseWriteConnection();
  ASSERT_TRUE(RunUntil([&] { return client_.write_lost(); }));
  EXPECT_FALSE(client_.closed());
  EXPECT_FALSE(client_.read_lost());
  ASSERT_TRUE(RunUntil([&] { return server_.read_lost(); }));
  // Writes after our write side closed are dropped silently.
  client_.transport()->Write(" world");
  client_.transport()->Write("lalala fooled you");
  EXPECT_EQ(
      dynamic_cast<StreamConnection&>(*client_.transport()).buffered_bytes(),
      0u);
  pair_.Settle();
  EXPECT_EQ(server_.data(), "hello");
  EXPECT_FALSE(server_.closed());
  EXPECT_THAT(client_.events(), ElementsAre("made", "write-lost"));
  EXPECT_THAT(server_.events(), ElementsAre("made", "read-lost"));
  // Twisted's tearDown: each side closes explicitly, each hears it once.
  client_.transport()->LoseConnection();
  EXPECT_EQ(client_.connection_lost_calls(),
            1);  // The write side was closed: at once.
  server_.transport()->LoseConnection();
  ASSERT_TRUE(RunUntil([&] { return server_.closed(); }));
  pair_.Settle();
  EXPECT_EQ(client_.connection_lost_calls(), 1);
  EXPECT_EQ(server_.connection_lost_calls(), 1);
  EXPECT_TRUE(IsConnectionDone(client_.closed_reason()))
      << client_.closed_reason();
  EXPECT_TRUE(IsConnectionDone(server_.closed_reason()))
      << server_.closed_reason();
}

// Twisted: HalfCloseTests.testWriteCloseNotification.
TEST_P(HalfCloseTest, WriteCloseNotification) {
  Connect(&client_, &server_);
  Half(server_)->LoseWriteConnection();
  ASSERT_TRUE(
      RunUntil([&] { return server_.write_lost() && client_.read_lost(); }));
  EXPECT_FALSE(server_.read_lost());
  EXPECT_FALSE(client_.write_lost());
  EXPECT_FALSE(server_.closed());
  EXPECT_FALSE(client_.closed());
}

// Writing after the read side closed still arrives.
TEST_P(HalfCloseTest, WritingAfterThePeersEofStillArrives) {
  Connect(&client_, &server_);
  server_.set_on_read_connection_lost([&] {
    server_.transport()->Write("still ");
    server_.transport()->Write("here");
  });
  client_.transport()->Write("request");
  Half(client_)->LoseWriteConnection();
  ASSERT_TRUE(RunUntil([&] { return client_.data() == "still here"; }));
  EXPECT_EQ(server_.data(), "request");
  EXPECT_FALSE(client_.closed());
  EXPECT_FALSE(server_.closed());
  // The peer is done: resuming does not start reading again.
  dynamic_cast<Producer*>(server_.transport())->ResumeProducing();
  EXPECT_FALSE(IsReader(pair_.reactor, server_.transport()));
}

// Both directions done → the connection ends, ConnectionLost exactly once,
// on each side, after both half-close notifications.
TEST_P(HalfCloseTest, BothDirectionsClosedEndTheConnectionOnce) {
  Connect(&client_, &server_);
  server_.set_on_read_connection_lost([&] {
    server_.transport()->Write("answer");
    Half(server_)->LoseWriteConnection();
  });
  client_.transport()->Write("question");
  Half(client_)->LoseWriteConnection();
  ASSERT_TRUE(RunUntil([&] { return client_.closed() && server_.closed(); }));
  pair_.Settle();
  EXPECT_EQ(server_.data(), "question");
  EXPECT_EQ(client_.data(), "answer");
  EXPECT_THAT(client_.events(),
              ElementsAre("made", "write-lost", "read-lost", "lost"));
  EXPECT_THAT(server_.events(),
              ElementsAre("made", "read-lost", "write-lost", "lost"));
  EXPECT_TRUE(IsConnectionDone(client_.closed_reason()))
      << client_.closed_reason();
  EXPECT_TRUE(IsConnectionDone(server_.closed_reason()))
      << server_.closed_reason();
}

// Twisted: test_doubleHalfClose. The peer closes; we half-close in
// ReadConnectionLost() and close in WriteConnectionLost().
TEST_P(HalfCloseTest, DoubleHalfClose) {
  server_.set_on_read_connection_lost(
      [&] { Half(server_)->LoseWriteConnection(); });
  server_.set_on_write_connection_lost(
      [&] { server_.transport()->LoseConnection(); });
  AccumulatingProtocol client;
  client.set_on_connection_made([&] { client.transport()->LoseConnection(); });
  Connect(&client, &server_);
  ASSERT_TRUE(RunUntil([&] { return client.closed() && server_.closed(); }));
  pair_.Settle();
  EXPECT_THAT(server_.events(),
              ElementsAre("made", "read-lost", "write-lost", "lost"));
  EXPECT_EQ(client.connection_lost_calls(), 1);
  EXPECT_TRUE(IsConnectionDone(server_.closed_reason()))
      << server_.closed_reason();
}

// Twisted: HalfCloseNoNotificationAndShutdownExceptionTests.testNoNotification.
// A plain protocol hears EOF as the end of the connection.
TEST_P(HalfCloseTest, PlainProtocolsHearTheEndOnEof) {
  AccumulatingProtocol client, server;
  Connect(&client, &server);
  client.transport()->Write("hello");
  dynamic_cast<HalfCloseableTransport&>(*client.transport())
      .LoseWriteConnection();
  ASSERT_TRUE(RunUntil([&] { return server.closed() && client.closed(); }));
  pair_.Settle();
  EXPECT_EQ(server.data(), "hello");
  EXPECT_TRUE(IsConnectionDone(server.closed_reason()))
      << server.closed_reason();
  EXPECT_TRUE(IsConnectionDone(client.closed_reason()))
      << client.closed_reason();
  EXPECT_EQ(server.connection_lost_calls(), 1);
  EXPECT_EQ(client.connection_lost_calls(), 1);
}

// Twisted: HalfCloseNoNotificationAndShutdownExceptionTests
// .testShutdownException. Half-closing after the peer closed is harmless.
TEST_P(HalfCloseTest, LoseWriteConnectionAfterThePeerClosed) {
  AccumulatingProtocol client, server;
  Connect(&client, &server);
  server.transport()->LoseConnection();
  client.transport()->Write("X");
  dynamic_cast<HalfCloseableTransport&>(*client.transport())
      .LoseWriteConnection();
  ASSERT_TRUE(RunUntil([&] { return server.closed() && client.closed(); }));
  pair_.Settle();
  EXPECT_EQ(server.connection_lost_calls(), 1);
  EXPECT_EQ(client.connection_lost_calls(), 1);
}

// Twisted: HalfCloseBuggyApplicationTests.test_readNotificationRaises. A
// ReadConnectionLost() that throws ends the connection completely, once.
TEST_P(HalfCloseTest, ReadNotificationThatThrowsEndsTheConnection) {
  server_.set_on_read_connection_lost(
      [] { throw std::runtime_error("ONO I AM BUGGY CODE"); });
  Connect(&client_, &server_);
  Half(client_)->LoseWriteConnection();
  ASSERT_TRUE(RunUntil([&] { return server_.closed() && client_.closed(); }));
  pair_.Settle();
  EXPECT_THAT(std::string(server_.closed_reason().message()),
              ::testing::HasSubstr("ONO I AM BUGGY CODE"));
  EXPECT_EQ(server_.connection_lost_calls(), 1);
  EXPECT_EQ(client_.connection_lost_calls(), 1);
}

// Twisted: HalfCloseBuggyApplicationTests.test_writeNotificationRaises.
TEST_P(HalfCloseTest, WriteNotificationThatThrowsEndsTheConnection) {
  client_.set_on_write_connection_lost(
      [] { throw std::runtime_error("ONO I AM BUGGY CODE"); });
  Connect(&client_, &server_);
  Half(client_)->LoseWriteConnection();
  ASSERT_TRUE(RunUntil([&] { return client_.closed(); }));
  EXPECT_THAT(std::string(client_.closed_reason().message()),
              ::testing::HasSubstr("ONO I AM BUGGY CODE"));
  // The server saw the EOF; its own side is still open until it closes.
  ASSERT_TRUE(RunUntil([&] { return server_.read_lost(); }));
  server_.transport()->LoseConnection();
  ASSERT_TRUE(RunUntil([&] { return server_.closed(); }));
  pair_.Settle();
  EXPECT_EQ(client_.connection_lost_calls(), 1);
  EXPECT_EQ(server_.connection_lost_calls(), 1);
}

INSTANTIATE_TEST_SUITE_P(EveryStream, HalfCloseTest,
                         ::testing::Values(Kind::kSocketPair, Kind::kPipePair,
                                           Kind::kTcp, Kind::kUnix),
                         KindName);

}  // namespace
}  // namespace standin
