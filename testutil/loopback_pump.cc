#include "standin/testutil/loopback_pump.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "standin/transport/misuse.h"
#include "standin/transport/status.h"

namespace standin::testutil {
namespace {

// Misuse of the double by the code under test, in the same words as
// StringTransport so one death-test pattern fits both.
void DieUnless(bool ok, const char* message) {
  if (!ok) DieOfMisuse("standin::testutil::LoopbackTransport", message);
}

}  // namespace

// --- LoopbackTransport::Queue ----------------------------------------------

void LoopbackTransport::Queue::Append(std::string_view bytes) {
  if (bytes.empty()) return;
  if (bytes.size() > capacity_ - size_) Grow(size_ + bytes.size());
  std::memcpy(block_.get() + size_, bytes.data(), bytes.size());
  size_ += bytes.size();
}

void LoopbackTransport::Queue::Reserve(size_t extra) {
  if (extra > capacity_ - size_) Grow(size_ + extra);
}

void LoopbackTransport::Queue::Grow(size_t needed) {
  // Only the live bytes move; the dropped front is left behind.
  const size_t dead = drop_ - base_;
  const size_t live = size_ - dead;
  size_t capacity = std::max<size_t>(capacity_, 64);
  while (capacity < needed - dead) capacity *= 2;
  std::unique_ptr<char[]> block(new char[capacity]);
  if (live > 0) std::memcpy(block.get(), block_.get() + dead, live);
  // A view of the old block may be in the peer's hands right now.
  if (pins_ > 0) retired_.push_back(std::move(block_));
  block_ = std::move(block);
  capacity_ = capacity;
  size_ = live;
  base_ = drop_;
}

std::string_view LoopbackTransport::Queue::View(uint64_t from,
                                                uint64_t to) const {
  return std::string_view(block_.get() + (from - base_), to - from);
}

void LoopbackTransport::Queue::DropBefore(uint64_t offset) {
  drop_ = std::max(drop_, std::min(offset, end()));
  if (pins_ > 0) return;
  const size_t dead = drop_ - base_;
  if (dead == 0) return;
  if (dead == size_) {
    size_ = 0;
    base_ = drop_;
    // A big burst is over: give the memory back.
    if (capacity_ > (1u << 20)) {
      block_.reset();
      capacity_ = 0;
    }
  } else if (2 * dead >= size_) {  // Amortised O(1) per byte.
    std::memmove(block_.get(), block_.get() + dead, size_ - dead);
    size_ -= dead;
    base_ = drop_;
  }
}

void LoopbackTransport::Queue::Unpin() {
  if (--pins_ == 0) {
    retired_.clear();
    DropBefore(drop_);
  }
}

// --- LoopbackTransport -----------------------------------------------------

LoopbackTransport::LoopbackTransport(Address host, Address peer,
                                     size_t buffer_size, bool lenient)
    : host_address_(std::move(host)),
      peer_address_(std::move(peer)),
      buffer_size_(buffer_size),
      lenient_(lenient) {}

LoopbackTransport::~LoopbackTransport() = default;

void LoopbackTransport::Record(Event::Kind kind, bool streaming) {
  log_.push_back(LogEntry{static_cast<uint8_t>(kind), streaming, queue_.end()});
}

bool LoopbackTransport::Writable() const {
  return connected_ && !write_disconnected_ && !aborting_;
}

size_t LoopbackTransport::user_pending() const {
  return disconnected_ ? 0 : queue_.end() - sent_;
}

void LoopbackTransport::Write(std::string_view data) {
  if (!Writable()) return;
  queue_.Append(data);
  Record(Event::Kind::kWrite);
  if (data.empty()) return;
  writing_ = true;
  MaybePauseProducer();
}

void LoopbackTransport::WriteSequence(
    absl::Span<const std::string_view> chunks) {
  if (!Writable()) return;
  size_t total = 0;
  for (std::string_view chunk : chunks) total += chunk.size();
  queue_.Reserve(total);
  Record(Event::Kind::kWriteSequence);
  for (std::string_view chunk : chunks) {
    queue_.Append(chunk);
    log_.push_back(LogEntry{kChunkEnd, false, queue_.end()});
  }
  if (total == 0) return;
  writing_ = true;
  MaybePauseProducer();
}

void LoopbackTransport::MaybePauseProducer() {
  if (producer_ != nullptr && streaming_ && !producer_paused_ &&
      user_pending() > buffer_size_) {
    producer_paused_ = true;
    producer_->PauseProducing();
  }
}

void LoopbackTransport::LoseConnection() {
  Record(Event::Kind::kLoseConnection);
  BeginClose();
}

void LoopbackTransport::BeginClose() {
  if (!connected_ || disconnecting_) return;
  disconnecting_ = true;
  writing_ = true;
}

void LoopbackTransport::LoseWriteConnection() {
  Record(Event::Kind::kLoseWriteConnection);
  if (!connected_ || write_disconnecting_) return;
  write_disconnecting_ = true;
  writing_ = true;
}

void LoopbackTransport::AbortConnection() {
  Record(Event::Kind::kAbortConnection);
  if (!connected_ || aborting_) return;
  aborting_ = true;
  disconnecting_ = true;
  writing_ = false;
  // Our buffer and what is "in the kernel" are thrown away (a reset).
  sent_ = read_ = queue_.end();
  Compact();
}

absl::Status LoopbackTransport::RegisterProducer(Producer* producer,
                                                 bool streaming) {
  // A status, not a death: Consumer's contract (FileDescriptor's too).
  if (producer_ != nullptr) {
    return absl::FailedPreconditionError("Cannot register two producers");
  }
  Record(Event::Kind::kRegisterProducer, streaming);
  producer_paused_ = false;
  streaming_ = streaming;
  producer_ = producer;
  if (disconnected_) {
    producer->StopProducing();
  } else if (!streaming) {
    producer->ResumeProducing();
  }
  return absl::OkStatus();
}

void LoopbackTransport::UnregisterProducer() {
  DieUnless(producer_ != nullptr,
            "Cannot unregister a producer unless one is registered");
  Record(Event::Kind::kUnregisterProducer);
  producer_ = nullptr;
  streaming_ = false;
  producer_paused_ = false;
  // A close waiting for the producer can now complete.
  if (connected_ && disconnecting_ && !aborting_) writing_ = true;
}

void LoopbackTransport::PauseProducing() {
  ChangeReading(Event::Kind::kPauseProducing, ProducerState::kPaused);
}

void LoopbackTransport::ResumeProducing() {
  ChangeReading(Event::Kind::kResumeProducing, ProducerState::kProducing);
}

void LoopbackTransport::ChangeReading(Event::Kind call, ProducerState to) {
  // StringTransport's rules.
  DieUnless(!disconnecting_ || lenient_,
            "Cannot resume producing after loseConnection");
  DieUnless(producer_state_ != ProducerState::kStopped,
            "Cannot resume a stopped producer");
  Record(call);
  producer_state_ = to;
}

void LoopbackTransport::StopProducing() {
  Record(Event::Kind::kStopProducing);
  producer_state_ = ProducerState::kStopped;
  BeginClose();
}

bool LoopbackTransport::reading() const {
  return connected_ && !disconnecting_ && !read_disconnected_ &&
         producer_state_ == ProducerState::kProducing;
}

void LoopbackTransport::Compact() {
  queue_.DropBefore(std::min(read_, record_start_));
}

std::string_view LoopbackTransport::Value() const {
  return queue_.View(record_start_, queue_.end());
}

void LoopbackTransport::Clear() {
  record_start_ = queue_.end();
  std::vector<LogEntry>().swap(log_);
  Compact();
}

std::vector<LoopbackTransport::Event> LoopbackTransport::events() const {
  std::vector<Event> events;
  uint64_t offset = record_start_;  // Value()'s end before the current entry.
  for (const LogEntry& entry : log_) {
    const std::string_view bytes = queue_.View(offset, entry.end);
    if (entry.kind == kChunkEnd) {
      events.back().chunks.emplace_back(bytes);
      events.back().data.append(bytes);
    } else {
      Event event =
          Event::Of(static_cast<Event::Kind>(entry.kind), entry.streaming);
      if (event.kind == Event::Kind::kWrite) event.data = std::string(bytes);
      events.push_back(std::move(event));
    }
    offset = entry.end;
  }
  return events;
}

std::string LoopbackTransport::DebugString() const {
  std::string flags;
  auto flag = [&](bool on, const char* name) {
    if (on) absl::StrAppend(&flags, " ", name);
  };
  flag(connected_, "connected");
  flag(disconnecting_, "disconnecting");
  flag(aborting_, "aborting");
  flag(disconnected_, "disconnected");
  flag(write_disconnecting_ && !write_disconnected_, "write-disconnecting");
  flag(write_disconnected_, "write-disconnected");
  flag(read_disconnected_, "read-disconnected");
  return absl::StrCat(
      "LoopbackTransport{", flags.empty() ? "" : flags.substr(1), "; buffered ",
      user_pending(), ", in flight ", in_flight(), ", value ", Value().size(),
      " bytes; reading ", ToString(producer_state_), "; producer ",
      producer_ == nullptr
          ? std::string("none")
          : absl::StrCat(streaming_ ? "push" : "pull",
                         producer_paused_ ? " (paused by us)" : ""),
      "}");
}

// --- LoopbackPump ----------------------------------------------------------

LoopbackPump::LoopbackPump(Protocol* client, Protocol* server)
    : LoopbackPump(client, server, Options()) {}

LoopbackPump::LoopbackPump(Protocol* client, Protocol* server, Options options)
    : kernel_buffer_size_(options.kernel_buffer_size),
      client_(options.client_address, options.server_address,
              options.buffer_size, options.lenient),
      server_(options.server_address, options.client_address,
              options.buffer_size, options.lenient) {
  client_.protocol_ = client;
  client_.peer_ = &server_;
  server_.protocol_ = server;
  server_.peer_ = &client_;
  server->MakeConnection(&server_);
  client->MakeConnection(&client_);
}

void LoopbackPump::Lose(LoopbackTransport& t, const absl::Status& reason) {
  if (t.disconnected_) return;
  t.disconnected_ = true;
  t.connected_ = false;
  t.writing_ = false;
  // What was in flight toward us is gone with our socket. Ours stays in
  // flight for the peer, which reads it and then EOF (user_pending() is 0
  // from now on: our unsent buffer never leaves).
  LoopbackTransport& peer = *t.peer_;
  peer.read_ = peer.sent_;
  peer.Compact();
  if (Producer* producer = t.producer_; producer != nullptr) {
    t.producer_paused_ = false;
    producer->StopProducing();
  }
  t.protocol_->ConnectionLost(reason);
}

bool LoopbackPump::FinishAbort(LoopbackTransport& t) {
  if (!t.aborting_ || t.disconnected_) return false;
  Lose(t, ConnectionAborted());
  return true;
}

bool LoopbackPump::DoWrite(LoopbackTransport& t) {
  if (!t.connected_ || t.aborting_ || !t.writing_) return false;
  bool progress = false;
  if (t.user_pending() > 0) {
    const LoopbackTransport& peer = *t.peer_;
    if (peer.disconnected_) {
      // The reader is gone: the bytes go nowhere. (A real socket would
      // fail a later write with EPIPE; the pump drops them silently.)
      t.sent_ = t.read_ = t.queue_.end();
      t.Compact();
    } else {
      const size_t in_flight = t.in_flight();
      const size_t room =
          in_flight < kernel_buffer_size_ ? kernel_buffer_size_ - in_flight : 0;
      const size_t n = std::min(room, t.user_pending());
      if (n == 0) return false;  // The kernel buffer is full.
      t.sent_ += n;
    }
    progress = true;
    if (t.user_pending() > 0) return true;
  }
  // The buffer is empty: FileDescriptor::DoWrite's choices, in its order.
  t.writing_ = false;
  if (t.disconnecting_ && t.write_disconnected_) {
    Lose(t, ConnectionDone());  // Nothing more can be written anyway.
    return true;
  }
  if (t.producer_ != nullptr && (!t.streaming_ || t.producer_paused_)) {
    t.producer_paused_ = false;
    t.producer_->ResumeProducing();
    return true;
  }
  if (t.disconnecting_) {
    Lose(t, ConnectionDone());
    return true;
  }
  if (t.write_disconnecting_ && !t.write_disconnected_) {
    ShutWriteSide(t);
    return true;
  }
  return progress;
}

void LoopbackPump::ShutWriteSide(LoopbackTransport& t) {
  // Set first: the callback may LoseConnection(), which must see it.
  t.write_disconnected_ = true;
  if (auto* half = dynamic_cast<HalfCloseableProtocol*>(t.protocol_)) {
    half->WriteConnectionLost();
  }
  if (t.connected_ && t.read_disconnected_) Lose(t, ConnectionDone());
}

void LoopbackPump::ReadEof(LoopbackTransport& t) {
  auto* half = dynamic_cast<HalfCloseableProtocol*>(t.protocol_);
  if (half == nullptr) {
    Lose(t, ConnectionDone());
    return;
  }
  t.read_disconnected_ = true;
  half->ReadConnectionLost();
  if (t.connected_ && t.write_disconnected_) Lose(t, ConnectionDone());
}

bool LoopbackPump::Deliver(LoopbackTransport& from) {
  LoopbackTransport& to = *from.peer_;
  if (from.in_flight() > 0) {
    if (!to.reading()) return false;
    const uint64_t start = from.read_;
    const uint64_t end = from.sent_;
    // One copy per byte: the reader gets a view of the writer's queue,
    // pinned so that a write made from inside DataReceived() cannot move it.
    from.queue_.Pin();
    to.protocol_->DataReceived(from.queue_.View(start, end));
    from.queue_.Unpin();
    from.read_ = std::max(from.read_, end);
    from.Compact();
    return true;
  }
  const bool eof = from.write_disconnected_ || from.disconnected_;
  if (!eof || !to.reading()) return false;
  ReadEof(to);
  return true;
}

bool LoopbackPump::Pump() {
  bool progress = false;
  progress |= FinishAbort(client_);
  progress |= FinishAbort(server_);
  progress |= DoWrite(client_);
  progress |= DoWrite(server_);
  progress |= Deliver(client_);
  progress |= Deliver(server_);
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
