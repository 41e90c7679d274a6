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
  std::vector<uint64_t>().swap(log_);
}

void StringTransport::Record(Event::Kind kind, bool streaming) {
  log_.push_back(Encode(kind, streaming));
}

std::vector<StringTransport::Event> StringTransport::events() const {
  std::vector<Event> events;
  const std::string_view bytes = value_.view();
  size_t offset = 0;  // value_'s size before the current event
  for (uint64_t word : log_) {
    const uint64_t kind = word >> kKindShift;
    const size_t end = word & kOffsetMask;
    if (kind == kChunkEnd) {
      Event& sequence = events.back();
      sequence.chunks.emplace_back(bytes.substr(offset, end - offset));
      sequence.data.append(bytes.substr(offset, end - offset));
    } else {
      Event event =
          Event::Of(static_cast<Event::Kind>(kind), word & kStreamingBit);
      if (event.kind == Event::Kind::kWrite) {
        event.data = std::string(bytes.substr(offset, end - offset));
      }
      events.push_back(std::move(event));
    }
    offset = end;
  }
  return events;
}

void StringTransport::WriteSequence(absl::Span<const std::string_view> chunks) {
  size_t total = 0;
  for (std::string_view chunk : chunks) total += chunk.size();
  value_.Reserve(total);
  log_.reserve(log_.size() + 1 + chunks.size());
  log_.push_back(Encode(Event::Kind::kWriteSequence, false));
  for (std::string_view chunk : chunks) {
    value_.Append(chunk);
    log_.push_back((kChunkEnd << kKindShift) | value_.size());
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
