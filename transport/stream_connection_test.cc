// StreamConnection over real sockets, the socket-only behaviour: addresses,
// resets, EPIPE without SIGPIPE, connect failures, listener bookkeeping and
// descriptor hygiene. (The transport conformance suite over the same
// transports is stream_conformance_test.cc.)
#include "standin/transport/stream_connection.h"

#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/testutil/accumulating_protocol.h"
#include "standin/transport/epoll_reactor.h"
#include "standin/transport/status.h"

namespace standin {
namespace {

using ::standin::testutil::AccumulatingProtocol;

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

}  // namespace
}  // namespace standin
