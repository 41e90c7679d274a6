#include "standin/testutil/loopback_pump.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "standin/transport/status.h"

namespace standin::testutil {
namespace {

StringTransport::Options TransportOptions(const Address& host,
                                          const Address& peer) {
  StringTransport::Options options;
  options.host = host;
  options.peer = peer;
  // A real transport lets a protocol pause/resume after LoseConnection().
  options.lenient = true;
  return options;
}

}  // namespace

// --- LoopbackTransport ---------------------------------------------------

void LoopbackTransport::Write(std::string_view data) {
  if (lost_ || write_closed_ || disconnected()) return;
  StringTransport::Write(data);
  MaybePauseProducer();
}

void LoopbackTransport::WriteSequence(
    absl::Span<const std::string_view> chunks) {
  if (lost_ || write_closed_ || disconnected()) return;
  StringTransport::WriteSequence(chunks);
  MaybePauseProducer();
}

void LoopbackTransport::MaybePauseProducer() {
  Producer* p = producer();
  if (p != nullptr && streaming() && paused_producer_ == nullptr &&
      user_pending() > buffer_size_) {
    paused_producer_ = p;
    p->PauseProducing();
  }
}

absl::Status LoopbackTransport::RegisterProducer(Producer* producer,
                                                 bool streaming) {
  if (lost_) {
    if (this->producer() != nullptr) {
      return absl::FailedPreconditionError("Cannot register two producers");
    }
    producer->StopProducing();
    return absl::OkStatus();
  }
  absl::Status status = StringTransport::RegisterProducer(producer, streaming);
  if (status.ok() && !streaming) producer->ResumeProducing();
  return status;
}

void LoopbackTransport::UnregisterProducer() {
  if (producer() == nullptr) return;
  if (paused_producer_ == producer()) paused_producer_ = nullptr;
  StringTransport::UnregisterProducer();
}

void LoopbackTransport::StopProducing() {
  StringTransport::StopProducing();
  LoseConnection();
}

void LoopbackTransport::LoseWriteConnection() {
  if (lost_) return;
  write_closing_ = true;
}

// --- LoopbackPump ----------------------------------------------------------

LoopbackPump::LoopbackPump(Protocol* client, Protocol* server)
    : LoopbackPump(client, server, Options()) {}

LoopbackPump::LoopbackPump(Protocol* client, Protocol* server, Options options)
    : options_(std::move(options)),
      client_transport_(
          TransportOptions(options_.client_address, options_.server_address)),
      server_transport_(
          TransportOptions(options_.server_address, options_.client_address)),
      client_{&client_transport_, client},
      server_{&server_transport_, server} {
  client_transport_.buffer_size_ = options_.buffer_size;
  server_transport_.buffer_size_ = options_.buffer_size;
  server->MakeConnection(&server_transport_);
  client->MakeConnection(&client_transport_);
}

void LoopbackPump::Lose(Side self, Side peer, const absl::Status& reason) {
  LoopbackTransport& t = *self.transport;
  t.lost_ = true;
  t.set_connected(false);
  // Bytes still in our user buffer go nowhere. Bytes in flight stay for the
  // peer to read before its EOF, unless we aborted.
  t.Clear();
  t.outbox_.clear();
  t.outbox_offset_ = 0;
  if (IsConnectionAborted(reason)) t.in_flight_.clear();
  if (Producer* producer = t.producer(); producer != nullptr) {
    t.StringTransport::UnregisterProducer();
    t.paused_producer_ = nullptr;
    producer->StopProducing();
  }
  peer.transport->eof_pending_ = true;
  self.protocol->ConnectionLost(reason);
}

bool LoopbackPump::Abort(Side self, Side peer) {
  LoopbackTransport& t = *self.transport;
  if (t.lost_ || !t.disconnected()) return false;
  Lose(self, peer, ConnectionAborted());
  return true;
}

bool LoopbackPump::Send(Side self, Side peer) {
  LoopbackTransport& t = *self.transport;
  if (t.lost_ || t.disconnected()) return false;
  if (!t.Value().empty()) {
    t.outbox_.append(t.Value());
    t.Clear();
  }
  const size_t pending = t.outbox_.size() - t.outbox_offset_;
  if (pending == 0) return false;
  if (peer.transport->lost_) {
    // The peer is gone: the bytes go nowhere (a real write would soon fail;
    // we read the EOF first either way).
    t.outbox_.clear();
    t.outbox_offset_ = 0;
    t.drained_ = true;
    return true;
  }
  const size_t cap = options_.kernel_buffer_size;
  const size_t room = t.in_flight_.size() < cap ? cap - t.in_flight_.size() : 0;
  const size_t n = std::min(room, pending);
  if (n == 0) return false;
  t.in_flight_.append(t.outbox_, t.outbox_offset_, n);
  t.outbox_offset_ += n;
  if (t.outbox_offset_ == t.outbox_.size()) {
    t.outbox_.clear();
    t.outbox_offset_ = 0;
    t.drained_ = true;
  } else if (t.outbox_offset_ > t.outbox_.size() / 2) {
    t.outbox_.erase(0, t.outbox_offset_);  // Amortised O(1) per byte.
    t.outbox_offset_ = 0;
  }
  return true;
}

bool LoopbackPump::Deliver(Side from, Side to) {
  LoopbackTransport& source = *from.transport;
  if (source.in_flight_.empty()) return false;
  if (to.transport->lost_) {
    source.in_flight_.clear();  // The reader is gone.
    return true;
  }
  if (to.transport->disconnected()) return false;  // Aborting: reads no more.
  if (to.transport->producer_state() !=
      StringTransport::ProducerState::kProducing) {
    return false;  // The receiver paused (or stopped) reading.
  }
  std::string data = std::move(source.in_flight_);
  source.in_flight_.clear();
  to.protocol->DataReceived(data);
  return true;
}

bool LoopbackPump::Producers(Side self) {
  LoopbackTransport& t = *self.transport;
  const bool drained = t.drained_;
  t.drained_ = false;
  Producer* producer = t.producer();
  if (t.lost_ || producer == nullptr) return false;
  const size_t pending = t.user_pending();
  if (t.streaming()) {
    if (pending > options_.buffer_size && t.paused_producer_ == nullptr) {
      t.paused_producer_ = producer;
      producer->PauseProducing();
      return true;
    }
    if (pending == 0 && t.paused_producer_ == producer) {
      t.paused_producer_ = nullptr;
      producer->ResumeProducing();
      return true;
    }
    return false;
  }
  if (drained && pending == 0) {
    producer->ResumeProducing();
    // Progress only if it produced something (or changed its mind).
    return t.user_pending() != 0 || t.producer() != producer;
  }
  return false;
}

bool LoopbackPump::Close(Side self, Side peer) {
  LoopbackTransport& t = *self.transport;
  // An abort (disconnected()) is finished by Abort() next round, not here.
  if (t.lost_ || t.disconnected() || t.user_pending() != 0) return false;
  if (t.disconnecting() && t.producer() == nullptr) {
    Lose(self, peer, ConnectionDone());
    return true;
  }
  if (t.write_closing_ && !t.write_closed_) {
    t.write_closed_ = true;
    peer.transport->eof_pending_ = true;
    return true;
  }
  return false;
}

bool LoopbackPump::ReadEof(Side self, Side peer) {
  LoopbackTransport& t = *self.transport;
  if (t.lost_ || t.disconnected() || !t.eof_pending_ ||
      !peer.transport->in_flight_.empty() ||
      t.producer_state() != StringTransport::ProducerState::kProducing) {
    return false;
  }
  // EOF: a FileDescriptor closes entirely (no half-close-aware protocols).
  Lose(self, peer, ConnectionDone());
  return true;
}

bool LoopbackPump::Pump() {
  bool progress = false;
  progress |= Abort(client_, server_);
  progress |= Abort(server_, client_);
  progress |= Send(client_, server_);
  progress |= Send(server_, client_);
  progress |= Deliver(client_, server_);
  progress |= Deliver(server_, client_);
  progress |= Producers(client_);
  progress |= Producers(server_);
  progress |= Close(client_, server_);
  progress |= Close(server_, client_);
  progress |= ReadEof(client_, server_);
  progress |= ReadEof(server_, client_);
  return progress;
}

void LoopbackPump::Flush(size_t max_rounds) {
  for (size_t round = 0; round < max_rounds; ++round) {
    if (!Pump()) return;
  }
  std::fprintf(stderr,
               "LoopbackPump::Flush: still busy after %zu rounds; do the "
               "protocols write on every delivery forever?\n",
               max_rounds);
  std::abort();
}

}  // namespace standin::testutil
