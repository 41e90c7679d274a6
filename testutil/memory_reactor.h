// MemoryReactor: a Reactor that performs no I/O (Twisted's
// testing.MemoryReactorClock). It records which Selectables are readers and
// writers, in the order they were added, keeps time with a Clock that moves
// only when the test calls Advance(), and as a StreamNetwork records listen
// and connect calls (tcp_servers(), tcp_clients(), ...) without opening
// anything: the test then plays the network's part.
//
// A test drives readiness itself: FireRead()/FireWrite() call DoRead()/
// DoWrite() exactly as EpollReactor would (a failure or exception removes
// the selectable and calls its ConnectionLost()), and RunWriters() gives
// every writer one turn, which flushes a FileDescriptor whose fake
// descriptor accepts the bytes. Everything else follows reactor.h exactly as
// EpollReactor does (the reactor conformance suite runs both): exceptions
// from callbacks are caught and counted in unhandled_errors(), a selectable
// added with a negative fileno() is disconnected on the next clock pass
// (the next Advance(), even by zero).
//
// Example:
//
//   standin::testutil::MemoryReactor reactor;
//   MyDescriptor descriptor(&reactor, &protocol);  // a FileDescriptor
//   descriptor.Write("hello");
//   EXPECT_TRUE(reactor.HasWriter(&descriptor));
//   reactor.RunWriters();                         // one DoWrite() each
//   EXPECT_FALSE(reactor.HasWriter(&descriptor));
//   reactor.Advance(absl::Seconds(30));           // fires a timeout
//
//   RunClient(reactor);  // code under test: network.ConnectTcp(...)
//   auto& call = reactor.tcp_clients().at(0);
//   EXPECT_EQ(call.port, 6379);
//   call.protocol->MakeConnection(call.transport);  // "connected"
//   EXPECT_THAT(*call.transport, HasWritten("PING\r\n"));
#ifndef STANDIN_TESTUTIL_MEMORY_REACTOR_H_
#define STANDIN_TESTUTIL_MEMORY_REACTOR_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "standin/testutil/clock.h"
#include "standin/transport/callback_guard.h"
#include "standin/transport/reactor.h"
#include "standin/transport/stream_network.h"
#include "standin/transport/string_transport.h"
#include "standin/transport/timer_queue.h"

namespace standin::testutil {

class MemoryReactor : public Reactor, public StreamNetwork {
 public:
  // One recorded ListenTcp() call. `stopped` turns true when the returned
  // port's StopListening() runs (or the port is destroyed).
  struct TcpServer {
    uint16_t port = 0;
    std::string host;
    int backlog = 0;
    ProtocolFactory factory;
    bool stopped = false;
    // "TcpServer{127.0.0.1:6379, backlog 50, listening}" (or "stopped").
    friend void PrintTo(const TcpServer& server, std::ostream* os);
  };
  struct UnixServer {
    std::string path;
    int backlog = 0;
    ProtocolFactory factory;
    bool stopped = false;
    friend void PrintTo(const UnixServer& server, std::ostream* os);
  };
  // One recorded ConnectTcp() call. `transport` is the
  // StringTransportWithDisconnection handed back to the caller (owned by
  // it; peer = the requested address, protocol already set); nothing is
  // connected until the test calls protocol->MakeConnection(transport), or
  // on_failed(...) to refuse.
  struct TcpClient {
    std::string host;
    uint16_t port = 0;
    Protocol* protocol = nullptr;
    ConnectFailed on_failed;
    StringTransportWithDisconnection* transport = nullptr;
    // "TcpClient{127.0.0.1:6379, connected}" ("not connected yet" until the
    // test calls protocol->MakeConnection(transport)).
    friend void PrintTo(const TcpClient& client, std::ostream* os);
  };
  struct UnixClient {
    std::string path;
    Protocol* protocol = nullptr;
    ConnectFailed on_failed;
    StringTransportWithDisconnection* transport = nullptr;
    friend void PrintTo(const UnixClient& client, std::ostream* os);
  };

  explicit MemoryReactor(absl::Time start = absl::UnixEpoch())
      : clock_(start) {}
  MemoryReactor(const MemoryReactor&) = delete;
  MemoryReactor& operator=(const MemoryReactor&) = delete;

  // Reactor. GetReaders()/GetWriters() list in the order added.
  void AddReader(Selectable* selectable) override;
  void AddWriter(Selectable* selectable) override;
  void RemoveReader(Selectable* selectable) override;
  void RemoveWriter(Selectable* selectable) override;
  std::vector<Selectable*> RemoveAll() override;
  std::vector<Selectable*> GetReaders() const override { return readers_; }
  std::vector<Selectable*> GetWriters() const override { return writers_; }
  DelayedCall CallLater(absl::Duration delay,
                        absl::AnyInvocable<void()> callback) override;
  absl::Time Now() const override { return clock_.Now(); }

  // The recorded calls, oldest first (a deque: references stay valid).
  std::deque<TcpServer>& tcp_servers() { return tcp_servers_; }
  std::deque<UnixServer>& unix_servers() { return unix_servers_; }
  std::deque<TcpClient>& tcp_clients() { return tcp_clients_; }
  std::deque<UnixClient>& unix_clients() { return unix_clients_; }

  bool HasReader(const Selectable* selectable) const;
  bool HasWriter(const Selectable* selectable) const;

  // Time: see Clock.
  void Advance(absl::Duration amount) { clock_.Advance(amount); }
  void Pump(std::initializer_list<absl::Duration> amounts) {
    clock_.Pump(amounts);
  }
  Clock& clock() { return clock_; }
  const Clock& clock() const { return clock_; }

  // Calls selectable->DoRead() as a reactor would on readability; dies if it
  // is not a reader (a real reactor would never call it). A non-OK result
  // (or an exception, as kInternal) removes it as reader and writer and
  // calls its ConnectionLost() with that status, which is returned; so does
  // a fileno() that turned negative.
  absl::Status FireRead(Selectable* selectable);
  // Same for DoWrite(); dies unless it is a writer.
  absl::Status FireWrite(Selectable* selectable);
  // One FireWrite() for each current writer (those removed meanwhile, and
  // those waiting to be disconnected for a negative fileno(), are skipped).
  // Returns how many were called.
  size_t RunWriters();
  // One FireRead() for each current reader, skipping as RunWriters() does.
  size_t RunReaders();

  // How many callbacks threw (DoRead(), DoWrite(), ConnectionLost(), timed
  // calls); each is also reported on stderr. A test can assert zero.
  size_t unhandled_errors() const { return guard_.unhandled_errors(); }

  // Calls to AddReader()/AddWriter() so far, including repeats (Twisted
  // tests count them to prove a transport does not re-register needlessly).
  size_t add_reader_calls() const { return add_reader_calls_; }
  size_t add_writer_calls() const { return add_writer_calls_; }

  // One line for gtest: the time, readers and writers, pending timers,
  // recorded listen/connect calls, unhandled errors.
  friend void PrintTo(const MemoryReactor& reactor, std::ostream* os);

 protected:
  // StreamNetwork: record the call; never fail, never open anything.
  absl::StatusOr<std::unique_ptr<ListeningPort>> DoListenTcp(
      uint16_t port, ProtocolFactory factory, const std::string& host,
      int backlog) override;
  absl::StatusOr<std::unique_ptr<ListeningPort>> DoListenUnix(
      const std::string& path, ProtocolFactory factory, int backlog) override;
  absl::StatusOr<std::unique_ptr<Transport>> DoConnectTcp(
      const std::string& host, uint16_t port, Protocol* protocol,
      ConnectFailed on_failed) override;
  absl::StatusOr<std::unique_ptr<Transport>> DoConnectUnix(
      const std::string& path, Protocol* protocol,
      ConnectFailed on_failed) override;

 private:
  absl::Status Fire(Selectable* selectable, bool write);
  // Schedules the disconnection of a newly added selectable whose fileno()
  // is negative.
  void Screen(Selectable* selectable);
  // Removes `selectable` and calls its ConnectionLost(reason).
  void Disconnect(Selectable* selectable, const absl::Status& reason);
  // Called after a removal: forgets a pending rejection once `selectable`
  // is neither reader nor writer.
  void ForgetIfGone(Selectable* selectable);

  Clock clock_;
  // Selectables added with a negative fileno(), each with the call that
  // disconnects it on the next pass.
  absl::flat_hash_map<Selectable*, DelayedCall> rejected_;
  CallbackGuard guard_{"MemoryReactor"};
  std::vector<Selectable*> readers_;
  std::vector<Selectable*> writers_;
  size_t add_reader_calls_ = 0;
  size_t add_writer_calls_ = 0;
  std::deque<TcpServer> tcp_servers_;
  std::deque<UnixServer> unix_servers_;
  std::deque<TcpClient> tcp_clients_;
  std::deque<UnixClient> unix_clients_;
};

}  // namespace standin::testutil

#endif  // STANDIN_TESTUTIL_MEMORY_REACTOR_H_
