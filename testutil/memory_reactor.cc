#include "standin/testutil/memory_reactor.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <utility>

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
  if (!Contains(readers_, selectable)) readers_.push_back(selectable);
}

void MemoryReactor::AddWriter(Selectable* selectable) {
  ++add_writer_calls_;
  if (!Contains(writers_, selectable)) writers_.push_back(selectable);
}

void MemoryReactor::RemoveReader(Selectable* selectable) {
  Erase(readers_, selectable);
}

void MemoryReactor::RemoveWriter(Selectable* selectable) {
  Erase(writers_, selectable);
}

std::vector<Selectable*> MemoryReactor::RemoveAll() {
  std::vector<Selectable*> removed = readers_;
  for (Selectable* writer : writers_) {
    if (!Contains(removed, writer)) removed.push_back(writer);
  }
  readers_.clear();
  writers_.clear();
  return removed;
}

absl::StatusOr<std::unique_ptr<ListeningPort>> MemoryReactor::ListenTcp(
    uint16_t port, ProtocolFactory factory, const std::string& host,
    int backlog) {
  TcpServer& record = tcp_servers_.emplace_back();
  record.port = port;
  record.host = host;
  record.backlog = backlog;
  record.factory = std::move(factory);
  return std::unique_ptr<ListeningPort>(std::make_unique<FakePort>(
      IPv4Address{IPv4Address::Kind::kTcp, host, port}, &record.stopped));
}

absl::StatusOr<std::unique_ptr<ListeningPort>> MemoryReactor::ListenUnix(
    const std::string& path, ProtocolFactory factory, int backlog) {
  UnixServer& record = unix_servers_.emplace_back();
  record.path = path;
  record.backlog = backlog;
  record.factory = std::move(factory);
  return std::unique_ptr<ListeningPort>(
      std::make_unique<FakePort>(UnixAddress{path}, &record.stopped));
}

absl::StatusOr<std::unique_ptr<Transport>> MemoryReactor::ConnectTcp(
    const std::string& host, uint16_t port, Protocol* protocol,
    ConnectFailed on_failed) {
  TcpClient& record = tcp_clients_.emplace_back();
  record.host = host;
  record.port = port;
  record.protocol = protocol;
  record.on_failed = std::move(on_failed);
  const uint16_t local_port =
      static_cast<uint16_t>(50000 + tcp_clients_.size() % 10000);
  auto transport = ClientTransport(
      IPv4Address{IPv4Address::Kind::kTcp, "127.0.0.1", local_port},
      IPv4Address{IPv4Address::Kind::kTcp, host, port}, protocol);
  record.transport = transport.get();
  return std::unique_ptr<Transport>(std::move(transport));
}

absl::StatusOr<std::unique_ptr<Transport>> MemoryReactor::ConnectUnix(
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
  absl::Status status = write ? selectable->DoWrite() : selectable->DoRead();
  if (!status.ok()) {
    RemoveReader(selectable);
    RemoveWriter(selectable);
    selectable->ConnectionLost(status);
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
    if (!HasWriter(writer)) continue;
    Fire(writer, /*write=*/true).IgnoreError();
    ++called;
  }
  return called;
}

size_t MemoryReactor::RunReaders() {
  std::vector<Selectable*> snapshot = readers_;
  size_t called = 0;
  for (Selectable* reader : snapshot) {
    if (!HasReader(reader)) continue;
    Fire(reader, /*write=*/false).IgnoreError();
    ++called;
  }
  return called;
}

}  // namespace standin::testutil
