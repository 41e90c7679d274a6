#include "standin/testutil/memory_reactor.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "standin/transport/status.h"

namespace standin::testutil {
namespace {

bool Contains(const std::vector<Selectable*>& list, const Selectable* s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

void Erase(std::vector<Selectable*>& list, const Selectable* s) {
  list.erase(std::remove(list.begin(), list.end(), s), list.end());
}

// What ListenTcp()/ListenUnix() hand back: flips the record's `stopped`.
class FakePort : public ListeningPort {
 public:
  FakePort(Address host, bool* stopped)
      : host_(std::move(host)), stopped_(stopped) {}
  ~FakePort() override { StopListening(); }
  Address GetHost() const override { return host_; }
  void StopListening() override { *stopped_ = true; }

 private:
  Address host_;
  bool* stopped_;
};

// Our end of a recorded client connection: an ephemeral-looking local port.
std::unique_ptr<StringTransportWithDisconnection> ClientTransport(
    Address host, Address peer, Protocol* protocol) {
  StringTransport::Options options;
  options.host = std::move(host);
  options.peer = std::move(peer);
  auto transport =
      std::make_unique<StringTransportWithDisconnection>(std::move(options));
  transport->set_protocol(protocol);
  return transport;
}

}  // namespace

void MemoryReactor::AddReader(Selectable* selectable) {
  ++add_reader_calls_;
  if (Contains(readers_, selectable)) return;
  if (!Contains(writers_, selectable)) Screen(selectable);
  readers_.push_back(selectable);
}

void MemoryReactor::AddWriter(Selectable* selectable) {
  ++add_writer_calls_;
  if (Contains(writers_, selectable)) return;
  if (!Contains(readers_, selectable)) Screen(selectable);
  writers_.push_back(selectable);
}

void MemoryReactor::Screen(Selectable* selectable) {
  const int fd = selectable->fileno();
  if (fd >= 0) return;
  // As EpollReactor: told on the next pass, never from inside Add*().
  rejected_[selectable] =
      clock_.CallLater(-absl::InfiniteDuration(), [this, selectable, fd] {
        rejected_.erase(selectable);
        Disconnect(selectable,
                   absl::InvalidArgumentError(absl::StrCat(
                       "cannot watch a selectable whose fileno() is ", fd)));
      });
}

void MemoryReactor::RemoveReader(Selectable* selectable) {
  Erase(readers_, selectable);
  ForgetIfGone(selectable);
}

void MemoryReactor::RemoveWriter(Selectable* selectable) {
  Erase(writers_, selectable);
  ForgetIfGone(selectable);
}

void MemoryReactor::ForgetIfGone(Selectable* selectable) {
  if (rejected_.empty() || Contains(readers_, selectable) ||
      Contains(writers_, selectable)) {
    return;
  }
  auto it = rejected_.find(selectable);
  if (it == rejected_.end()) return;
  it->second.Cancel();
  rejected_.erase(it);
}

std::vector<Selectable*> MemoryReactor::RemoveAll() {
  std::vector<Selectable*> removed = readers_;
  for (Selectable* writer : writers_) {
    if (!Contains(removed, writer)) removed.push_back(writer);
  }
  readers_.clear();
  writers_.clear();
  for (auto& [selectable, call] : rejected_) call.Cancel();
  rejected_.clear();
  return removed;
}

DelayedCall MemoryReactor::CallLater(absl::Duration delay,
                                     absl::AnyInvocable<void()> callback) {
  return clock_.CallLater(delay,
                          [this, callback = std::move(callback)]() mutable {
                            guard_.Run("timed call", [&] { callback(); });
                          });
}

void MemoryReactor::Disconnect(Selectable* selectable,
                               const absl::Status& reason) {
  RemoveReader(selectable);
  RemoveWriter(selectable);
  guard_.Run("ConnectionLost", [&] { selectable->ConnectionLost(reason); });
}

absl::StatusOr<std::unique_ptr<ListeningPort>> MemoryReactor::DoListenTcp(
    uint16_t port, ProtocolFactory factory, const std::string& host,
    int backlog) {
  // As SocketNetwork does: an IP literal or nothing (no name lookup).
  absl::StatusOr<Address> local =
      ParseIPAddress(IPv4Address::Kind::kTcp, host, port);
  if (!local.ok()) return local.status();
  TcpServer& record = tcp_servers_.emplace_back();
  record.port = port;
  record.host = host;
  record.backlog = backlog;
  record.factory = std::move(factory);
  return std::unique_ptr<ListeningPort>(
      std::make_unique<FakePort>(*std::move(local), &record.stopped));
}

absl::StatusOr<std::unique_ptr<ListeningPort>> MemoryReactor::DoListenUnix(
    const std::string& path, ProtocolFactory factory, int backlog) {
  UnixServer& record = unix_servers_.emplace_back();
  record.path = path;
  record.backlog = backlog;
  record.factory = std::move(factory);
  return std::unique_ptr<ListeningPort>(
      std::make_unique<FakePort>(UnixAddress{path}, &record.stopped));
}

absl::StatusOr<std::unique_ptr<Transport>> MemoryReactor::DoConnectTcp(
    const std::string& host, uint16_t port, Protocol* protocol,
    ConnectFailed on_failed) {
  absl::StatusOr<Address> peer =
      ParseIPAddress(IPv4Address::Kind::kTcp, host, port);
  if (!peer.ok()) return peer.status();
  TcpClient& record = tcp_clients_.emplace_back();
  record.host = host;
  record.port = port;
  record.protocol = protocol;
  record.on_failed = std::move(on_failed);
  const uint16_t local_port =
      static_cast<uint16_t>(50000 + tcp_clients_.size() % 10000);
  auto transport = ClientTransport(
      IPv4Address{IPv4Address::Kind::kTcp, "127.0.0.1", local_port},
      *std::move(peer), protocol);
  record.transport = transport.get();
  return std::unique_ptr<Transport>(std::move(transport));
}

absl::StatusOr<std::unique_ptr<Transport>> MemoryReactor::DoConnectUnix(
    const std::string& path, Protocol* protocol, ConnectFailed on_failed) {
  UnixClient& record = unix_clients_.emplace_back();
  record.path = path;
  record.protocol = protocol;
  record.on_failed = std::move(on_failed);
  auto transport =
      ClientTransport(UnixAddress{""}, UnixAddress{path}, protocol);
  record.transport = transport.get();
  return std::unique_ptr<Transport>(std::move(transport));
}

bool MemoryReactor::HasReader(const Selectable* selectable) const {
  return Contains(readers_, selectable);
}

bool MemoryReactor::HasWriter(const Selectable* selectable) const {
  return Contains(writers_, selectable);
}

absl::Status MemoryReactor::Fire(Selectable* selectable, bool write) {
  if (!Contains(write ? writers_ : readers_, selectable)) {
    std::fprintf(stderr,
                 "MemoryReactor::%s: the selectable is not a %s; a reactor "
                 "would never call it\n",
                 write ? "FireWrite" : "FireRead", write ? "writer" : "reader");
    std::abort();
  }
  absl::Status status = guard_.Call(write ? "DoWrite" : "DoRead", [&] {
    return write ? selectable->DoWrite() : selectable->DoRead();
  });
  if (!status.ok()) {
    Disconnect(selectable, status);
    return status;
  }
  // It may have removed (even destroyed) itself; fileno() only if not.
  if ((HasReader(selectable) || HasWriter(selectable)) &&
      selectable->fileno() < 0) {
    status = ConnectionLost("file descriptor lost");
    Disconnect(selectable, status);
  }
  return status;
}

absl::Status MemoryReactor::FireRead(Selectable* selectable) {
  return Fire(selectable, /*write=*/false);
}

absl::Status MemoryReactor::FireWrite(Selectable* selectable) {
  return Fire(selectable, /*write=*/true);
}

size_t MemoryReactor::RunWriters() {
  std::vector<Selectable*> snapshot = writers_;
  size_t called = 0;
  for (Selectable* writer : snapshot) {
    if (!HasWriter(writer) || rejected_.contains(writer)) continue;
    Fire(writer, /*write=*/true).IgnoreError();
    ++called;
  }
  return called;
}

size_t MemoryReactor::RunReaders() {
  std::vector<Selectable*> snapshot = readers_;
  size_t called = 0;
  for (Selectable* reader : snapshot) {
    if (!HasReader(reader) || rejected_.contains(reader)) continue;
    Fire(reader, /*write=*/false).IgnoreError();
    ++called;
  }
  return called;
}

// --- Printing ---------------------------------------------------------------

namespace {

const char* Connected(const Protocol* protocol) {
  return protocol != nullptr && protocol->transport() != nullptr
             ? "connected"
             : "not connected yet";
}

}  // namespace

void PrintTo(const MemoryReactor::TcpServer& server, std::ostream* os) {
  *os << "TcpServer{" << server.host << ":" << server.port << ", backlog "
      << server.backlog << (server.stopped ? ", stopped}" : ", listening}");
}

void PrintTo(const MemoryReactor::UnixServer& server, std::ostream* os) {
  *os << "UnixServer{\"" << server.path << "\", backlog " << server.backlog
      << (server.stopped ? ", stopped}" : ", listening}");
}

void PrintTo(const MemoryReactor::TcpClient& client, std::ostream* os) {
  *os << "TcpClient{" << client.host << ":" << client.port << ", "
      << Connected(client.protocol) << "}";
}

void PrintTo(const MemoryReactor::UnixClient& client, std::ostream* os) {
  *os << "UnixClient{\"" << client.path << "\", " << Connected(client.protocol)
      << "}";
}

void PrintTo(const MemoryReactor& reactor, std::ostream* os) {
  auto list = [os](const char* name, const auto& calls) {
    if (calls.empty()) return;
    *os << "; " << name << " [";
    const char* separator = "";
    for (const auto& call : calls) {
      *os << separator;
      PrintTo(call, os);
      separator = ", ";
    }
    *os << "]";
  };
  *os << "MemoryReactor{now "
      << absl::FormatTime(absl::RFC3339_full, reactor.Now(),
                          absl::UTCTimeZone())
      << " (UTC); " << reactor.readers_.size() << " readers, "
      << reactor.writers_.size() << " writers; "
      << reactor.clock_.pending_count()
      << (reactor.clock_.pending_count() == 1 ? " pending timer"
                                              : " pending timers");
  list("tcp servers", reactor.tcp_servers_);
  list("unix servers", reactor.unix_servers_);
  list("tcp clients", reactor.tcp_clients_);
  list("unix clients", reactor.unix_clients_);
  if (reactor.unhandled_errors() != 0) {
    *os << "; " << reactor.unhandled_errors() << " unhandled errors";
  }
  *os << "}";
}

}  // namespace standin::testutil
