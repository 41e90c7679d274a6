#include "standin/transport/string_transport.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "standin/transport/absl_string_view.h"
#include "standin/transport/misuse.h"
#include "standin/transport/status.h"

namespace standin {
namespace {

[[noreturn]] void Die(const char* message) {
  DieOfMisuse("standin::StringTransport", message);
}

std::string Quoted(std::string_view bytes) {
  return absl::StrCat("\"", absl::CHexEscape(AbslView(bytes)), "\"");
}

}  // namespace

StringTransport::Event StringTransport::Event::Write(std::string_view data) {
  Event event = Of(Kind::kWrite);
  event.data = std::string(data);
  return event;
}

StringTransport::Event StringTransport::Event::WriteSequence(
    std::vector<std::string> chunks) {
  Event event = Of(Kind::kWriteSequence);
  event.data = absl::StrJoin(chunks, "");
  event.chunks = std::move(chunks);
  return event;
}

std::string StringTransport::Event::ToString() const {
  switch (kind) {
    case Kind::kWrite:
      return absl::StrCat("Write(", Quoted(data), ")");
    case Kind::kWriteSequence: {
      std::vector<std::string> quoted;
      for (const std::string& chunk : chunks) quoted.push_back(Quoted(chunk));
      return absl::StrCat("WriteSequence(", absl::StrJoin(quoted, ", "), ")");
    }
    case Kind::kLoseConnection:
      return "LoseConnection";
    case Kind::kLoseWriteConnection:
      return "LoseWriteConnection";
    case Kind::kAbortConnection:
      return "AbortConnection";
    case Kind::kRegisterProducer:
      return absl::StrCat(
          "RegisterProducer(streaming=", streaming ? "true" : "false", ")");
    case Kind::kUnregisterProducer:
      return "UnregisterProducer";
    case Kind::kPauseProducing:
      return "PauseProducing";
    case Kind::kResumeProducing:
      return "ResumeProducing";
    case Kind::kStopProducing:
      return "StopProducing";
  }
  return "?";
}

StringTransport::StringTransport() : StringTransport(Options{}) {}

StringTransport::StringTransport(Options options)
    : host_(options.host.value_or(
          IPv4Address{IPv4Address::Kind::kTcp, "10.0.0.1", 12345})),
      peer_(options.peer.value_or(
          IPv4Address{IPv4Address::Kind::kTcp, "192.168.1.1", 54321})),
      lenient_(options.lenient) {}

void StringTransport::Clear() {
  // Release the memory too: a long test that clears often should not grow.
  value_.Release();
  log_.Release();
  run_.Reset();
}

void StringTransport::AppendRecord(uint64_t tag, uint64_t value) {
  uint64_t v = value << kTagBits | tag;
  while (v >= 0x80) {
    log_.PushBack(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  log_.PushBack(static_cast<char>(v));
}

void StringTransport::RecordWrite(size_t size) {
  if (size == run_.size) {  // The last record can count no more: a new one.
    AppendRecord(kTagRepeat, 1);
    run_.room = kMaxRepeat - 1;
  } else {
    AppendRecord(kTagWrite, size);
    run_ = Run(size, 0);
  }
}

void StringTransport::Record(Event::Kind kind, bool streaming) {
  AppendRecord(kTagEvent,
               static_cast<uint64_t>(kind) << 1 | (streaming ? 1 : 0));
  run_.Reset();
}

template <typename Visit>
void StringTransport::ForEachRecord(Visit visit) const {
  const std::string_view log = log_.view();
  const std::string_view bytes = value_.view();
  size_t offset = 0;  // Where the next write's bytes start in value_.
  size_t last_write = 0;
  for (size_t i = 0; i < log.size();) {
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      const auto byte = static_cast<unsigned char>(log[i++]);
      v |= uint64_t{byte & 0x7fu} << shift;
      if (byte < 0x80) break;
    }
    const uint64_t rest = v >> kTagBits;
    switch (v & ((1 << kTagBits) - 1)) {
      case kTagWrite:
        last_write = rest;
        visit(RecordKind::kWrite, false, bytes.substr(offset, rest));
        offset += rest;
        break;
      case kTagRepeat:
        for (uint64_t n = 0; n < rest; ++n) {
          visit(RecordKind::kWrite, false, bytes.substr(offset, last_write));
          offset += last_write;
        }
        break;
      case kTagEvent:
        visit(static_cast<RecordKind>(rest >> 1), (rest & 1) != 0,
              std::string_view());
        break;
      case kTagChunk:
        visit(kChunk, false, bytes.substr(offset, rest));
        offset += rest;
        break;
    }
  }
}

std::vector<StringTransport::Event> StringTransport::events() const {
  std::vector<Event> events;
  ForEachRecord([&](RecordKind kind, bool streaming, std::string_view bytes) {
    if (kind == kChunk) {
      Event& sequence = events.back();
      sequence.chunks.emplace_back(bytes);
      sequence.data.append(bytes);
      return;
    }
    events.push_back(Event::Of(kind, streaming));
    if (kind == Event::Kind::kWrite) events.back().data = std::string(bytes);
  });
  return events;
}

size_t StringTransport::event_count() const {
  size_t count = 0;
  ForEachRecord([&](RecordKind kind, bool, std::string_view) {
    if (kind != kChunk) ++count;
  });
  return count;
}

void StringTransport::WriteSequence(absl::Span<const std::string_view> chunks) {
  size_t total = 0;
  for (std::string_view chunk : chunks) total += chunk.size();
  value_.Reserve(total);
  Record(Event::Kind::kWriteSequence);
  for (std::string_view chunk : chunks) {
    value_.Append(chunk);
    AppendRecord(kTagChunk, chunk.size());
  }
}

void StringTransport::LoseConnection() {
  Record(Event::Kind::kLoseConnection);
  disconnecting_ = true;
}

void StringTransport::LoseWriteConnection() {
  Record(Event::Kind::kLoseWriteConnection);
  write_disconnected_ = true;
}

void StringTransport::AbortConnection() {
  Record(Event::Kind::kAbortConnection);
  disconnected_ = true;
  disconnecting_ = true;
}

absl::Status StringTransport::RegisterProducer(Producer* producer,
                                               bool streaming) {
  if (producer_ != nullptr) {
    return absl::FailedPreconditionError("Cannot register two producers");
  }
  Record(Event::Kind::kRegisterProducer, streaming);
  producer_ = producer;
  streaming_ = streaming;
  return absl::OkStatus();
}

void StringTransport::UnregisterProducer() {
  if (producer_ == nullptr) {
    Die("Cannot unregister a producer unless one is registered");
  }
  Record(Event::Kind::kUnregisterProducer);
  producer_ = nullptr;
  streaming_ = false;
}

void StringTransport::CheckProducerState() const {
  if (disconnecting_ && !lenient_) {
    Die("Cannot resume producing after loseConnection");
  }
  if (producer_state_ == ProducerState::kStopped) {
    Die("Cannot resume a stopped producer");
  }
}

void StringTransport::PauseProducing() {
  CheckProducerState();
  Record(Event::Kind::kPauseProducing);
  producer_state_ = ProducerState::kPaused;
}

void StringTransport::ResumeProducing() {
  CheckProducerState();
  Record(Event::Kind::kResumeProducing);
  producer_state_ = ProducerState::kProducing;
}

void StringTransport::StopProducing() {
  Record(Event::Kind::kStopProducing);
  producer_state_ = ProducerState::kStopped;
}

std::string StringTransport::DebugWritten() const {
  const std::string_view value = Value();
  const size_t events = event_count();
  return absl::StrCat("wrote ", Quoted(value.substr(0, kDebugBytes)),
                      value.size() > kDebugBytes ? "..." : "", " (",
                      value.size(), value.size() == 1 ? " byte" : " bytes",
                      ") in ", events, events == 1 ? " event" : " events");
}

std::string StringTransport::DebugFlags() const {
  std::vector<absl::string_view> flags;
  flags.push_back(connected_ ? "connected" : "not connected");
  if (disconnecting_) flags.push_back("disconnecting");
  if (disconnected_) flags.push_back("disconnected");
  if (write_disconnected_) flags.push_back("write_disconnected");
  return absl::StrJoin(flags, " ");
}

std::string StringTransport::DebugProducer() const {
  return absl::StrCat(
      "producer_state: ", ToString(producer_state_), "; producer: ",
      producer_ == nullptr ? "none" : (streaming_ ? "streaming" : "pull"));
}

std::string StringTransport::DebugString() const {
  return absl::StrCat("StringTransport{", DebugWritten(), "; ", DebugFlags(),
                      "; ", DebugProducer(), "}");
}

std::string ToString(StringTransport::ProducerState state) {
  switch (state) {
    case StringTransport::ProducerState::kProducing:
      return "producing";
    case StringTransport::ProducerState::kPaused:
      return "paused";
    case StringTransport::ProducerState::kStopped:
      return "stopped";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& os,
                         StringTransport::ProducerState state) {
  return os << ToString(state);
}

std::string StringTransportWithDisconnection::DebugString() const {
  return absl::StrCat(
      "StringTransportWithDisconnection{", DebugWritten(), "; ", DebugFlags(),
      read_disconnected_ ? " read_disconnected" : "", "; ", DebugProducer(),
      "; protocol: ", protocol_ == nullptr ? "none" : "set", "}");
}

void StringTransportWithDisconnection::EndConnection(
    const absl::Status& reason) {
  if (!connected()) return;
  // Flip the flag before the callback: a protocol that calls
  // LoseConnection() from ConnectionLost() must not be told twice.
  set_connected(false);
  if (protocol_ != nullptr) protocol_->ConnectionLost(reason);
}

void StringTransportWithDisconnection::LoseConnection() {
  StringTransport::LoseConnection();
  EndConnection(ConnectionDone());
}

void StringTransportWithDisconnection::AbortConnection() {
  StringTransport::AbortConnection();
  EndConnection(ConnectionAborted());
}

void StringTransportWithDisconnection::LoseWriteConnection() {
  StringTransport::LoseWriteConnection();
  if (!connected() || write_connection_lost_told_) return;
  write_connection_lost_told_ = true;
  if (auto* half = dynamic_cast<HalfCloseableProtocol*>(protocol_)) {
    half->WriteConnectionLost();
  }
  // Both directions done (a plain protocol never gets here with the read
  // side closed: its EOF ended the connection).
  if (read_disconnected_) EndConnection(ConnectionDone());
}

void StringTransportWithDisconnection::ReadConnectionLost() {
  if (read_disconnected_) {
    Die("ReadConnectionLost() called twice: the peer sends EOF only once");
  }
  read_disconnected_ = true;
  if (!connected()) return;
  auto* half = dynamic_cast<HalfCloseableProtocol*>(protocol_);
  if (half == nullptr) {
    EndConnection(ConnectionDone());
    return;
  }
  half->ReadConnectionLost();
  // The protocol may have half-closed (or closed) from inside the callback;
  // EndConnection() tells it once either way.
  if (write_disconnected()) EndConnection(ConnectionDone());
}

}  // namespace standin
