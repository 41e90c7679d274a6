#include "standin/testutil/scripted_transport.h"

#include <algorithm>
#include <sstream>

#include "gtest/gtest.h"
#include "standin/testutil/bytes_diff.h"
#include "standin/transport/misuse.h"
#include "standin/transport/status.h"

namespace standin::testutil {
namespace {

// Long writes are dumped only this far in failure messages.
constexpr size_t kDumpLimit = 256;

// Misuse of the script by the test itself.
[[noreturn]] void Die(std::string_view message) {
  DieOfMisuse("standin::testutil::ScriptedTransport", message);
}

std::string_view Basename(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string Dump(std::string_view bytes) {
  std::string out = HexDump(bytes.substr(0, kDumpLimit));
  if (bytes.size() > kDumpLimit) {
    out += "  ... (" + std::to_string(bytes.size()) + " bytes in all)\n";
  }
  return out;
}

}  // namespace

std::string ScriptedTransport::Step::ToString() const {
  std::ostringstream out;
  switch (kind) {
    case Kind::kDeliver:
      out << "Deliver(" << QuoteBytes(bytes) << ")";
      break;
    case Kind::kDeliverEof:
      out << "DeliverEof()";
      break;
    case Kind::kDeliverConnectionLost:
      out << "DeliverConnectionLost(" << reason << ")";
      break;
    case Kind::kAdvance:
      out << "Advance(clock, " << absl::FormatDuration(amount) << ")";
      break;
    case Kind::kDo:
      out << "Do(" << bytes << ")";
      break;
    case Kind::kExpectBytes:
      out << (whole_call ? "ExpectWriteCall(" : "ExpectWrite(")
          << QuoteBytes(bytes) << ")";
      break;
    case Kind::kExpectMatching:
      out << (whole_call ? "ExpectWriteCall(" : "ExpectWrite(");
      matcher->DescribeTo(&out);
      out << ")";
      break;
    case Kind::kExpectLoseConnection:
      out << "ExpectLoseConnection()";
      break;
    case Kind::kExpectLoseWriteConnection:
      out << "ExpectLoseWriteConnection()";
      break;
  }
  return out.str();
}

ScriptedTransport::ScriptedTransport(Options options)
    : host_(options.host.value_or(
          IPv4Address{IPv4Address::Kind::kTcp, "10.0.0.1", 12345})),
      peer_(options.peer.value_or(
          IPv4Address{IPv4Address::Kind::kTcp, "192.168.1.1", 54321})) {}

ScriptedTransport::~ScriptedTransport() { Finish(); }

// --- Building the script ---------------------------------------------------

ScriptedTransport& ScriptedTransport::Add(Step step) {
  if (finished_) Die("a step was added after Finish(): " + step.ToString());
  // Steps a real connection cannot produce in this order are script bugs.
  bool eof = false, closing = false, lost = false;
  for (const Step& s : steps_) {
    eof |= s.kind == Step::Kind::kDeliverEof;
    closing |= s.kind == Step::Kind::kExpectLoseConnection;
    lost |= s.kind == Step::Kind::kDeliverConnectionLost;
  }
  bool delivers =
      step.kind == Step::Kind::kDeliver || step.kind == Step::Kind::kDeliverEof;
  if (lost && (delivers || step.kind == Step::Kind::kDeliverConnectionLost)) {
    Die(step.ToString() +
        " after DeliverConnectionLost(): the connection is over");
  }
  if (eof && delivers) {
    Die(step.ToString() + " after DeliverEof(): the peer sends nothing more");
  }
  if (closing && delivers) {
    Die(step.ToString() +
        " after ExpectLoseConnection(): a transport stops reading once the "
        "protocol closes it");
  }
  steps_.push_back(std::move(step));
  return *this;
}

ScriptedTransport& ScriptedTransport::Deliver(std::string_view bytes,
                                              Location where) {
  if (bytes.empty()) Die("Deliver(\"\"): a read never delivers no bytes");
  Step step{.kind = Step::Kind::kDeliver, .where = where};
  step.bytes = std::string(bytes);
  return Add(std::move(step));
}

ScriptedTransport& ScriptedTransport::DeliverEof(Location where) {
  return Add(Step{.kind = Step::Kind::kDeliverEof, .where = where});
}

ScriptedTransport& ScriptedTransport::DeliverConnectionLost(absl::Status reason,
                                                            Location where) {
  if (reason.ok()) Die("DeliverConnectionLost() needs a non-OK reason");
  Step step{.kind = Step::Kind::kDeliverConnectionLost, .where = where};
  step.reason = std::move(reason);
  return Add(std::move(step));
}

ScriptedTransport& ScriptedTransport::Advance(Clock& clock,
                                              absl::Duration amount,
                                              Location where) {
  if (amount < absl::ZeroDuration()) Die("Advance() by a negative duration");
  Step step{.kind = Step::Kind::kAdvance, .where = where};
  step.clock = &clock;
  step.amount = amount;
  return Add(std::move(step));
}

ScriptedTransport& ScriptedTransport::Do(std::string_view what,
                                         absl::AnyInvocable<void()> action,
                                         Location where) {
  if (action == nullptr)
    Die("Do(\"" + std::string(what) + "\") without action");
  Step step{.kind = Step::Kind::kDo, .where = where};
  step.bytes = std::string(what);
  step.action = std::move(action);
  return Add(std::move(step));
}

ScriptedTransport& ScriptedTransport::ExpectBytes(std::string_view bytes,
                                                  bool whole_call,
                                                  Location where) {
  if (bytes.empty()) Die("ExpectWrite(\"\") expects nothing: leave it out");
  Step step{.kind = Step::Kind::kExpectBytes, .where = where};
  step.whole_call = whole_call;
  step.bytes = std::string(bytes);
  return Add(std::move(step));
}

ScriptedTransport& ScriptedTransport::ExpectMatching(
    testing::Matcher<std::string_view> matcher, bool whole_call,
    Location where) {
  Step step{.kind = Step::Kind::kExpectMatching, .where = where};
  step.whole_call = whole_call;
  step.matcher = std::move(matcher);
  return Add(std::move(step));
}

ScriptedTransport& ScriptedTransport::ExpectLoseConnection(Location where) {
  return Add(Step{.kind = Step::Kind::kExpectLoseConnection, .where = where});
}

ScriptedTransport& ScriptedTransport::ExpectLoseWriteConnection(
    Location where) {
  return Add(
      Step{.kind = Step::Kind::kExpectLoseWriteConnection, .where = where});
}

// --- Failure messages ------------------------------------------------------

std::string ScriptedTransport::StepTitle(size_t index) const {
  std::ostringstream out;
  if (index >= steps_.size()) {
    out << "after the last step (" << steps_.size() << " of " << steps_.size()
        << ")";
  } else {
    out << "step " << index + 1 << " of " << steps_.size() << ", "
        << steps_[index].ToString();
  }
  return out.str();
}

std::string ScriptedTransport::DescribeScript() const {
  std::ostringstream out;
  for (size_t i = 0; i < steps_.size(); ++i) {
    const Step& step = steps_[i];
    out << (i == next_ ? "  -> " : "     ") << i + 1 << ". "
        << (i < next_ ? "done " : "     ") << step.ToString() << "  ["
        << Basename(step.where.file_name()) << ":" << step.where.line()
        << "]\n";
  }
  if (next_ >= steps_.size()) out << "  -> (end of script)\n";
  return out.str();
}

std::string ScriptedTransport::ProgressDetail(const Step& step) const {
  std::ostringstream out;
  if (step.kind == Step::Kind::kExpectBytes) {
    if (progress_.empty()) return "nothing of it was written";
    out << "only " << QuoteBytes(progress_) << " of it was written\n"
        << DescribeBytesDifference(progress_, step.bytes);
  } else if (step.kind == Step::Kind::kExpectMatching) {
    testing::StringMatchResultListener listener;
    step.matcher->MatchAndExplain(progress_, &listener);
    out << "the bytes written toward it, " << QuoteBytes(progress_)
        << ", do not satisfy it";
    if (!listener.str().empty()) out << " (" << listener.str() << ")";
    if (!progress_.empty()) out << "\n" << Dump(progress_);
  }
  return out.str();
}

void ScriptedTransport::Deviate(std::string_view what_happened,
                                std::string_view detail) {
  if (deviated_) return;
  deviated_ = true;
  std::ostringstream message;
  message << "ScriptedTransport: " << StepTitle(next_) << ": " << what_happened
          << "\n";
  if (!detail.empty()) {
    message << detail;
    if (detail.back() != '\n') message << "\n";
  }
  message << "The script (-> marks where it went wrong):\n" << DescribeScript();
  if (next_ < steps_.size()) {
    const Location& where = steps_[next_].where;
    ADD_FAILURE_AT(where.file_name(), static_cast<int>(where.line()))
        << message.str();
  } else {
    ADD_FAILURE() << message.str();
  }
}

// --- Checking what the protocol does ---------------------------------------

void ScriptedTransport::CompleteStep() {
  ++next_;
  progress_.clear();
}

void ScriptedTransport::SettleMatcherSteps() {
  while (!deviated_ && next_ < steps_.size()) {
    const Step& step = steps_[next_];
    if (step.kind != Step::Kind::kExpectMatching || step.whole_call) return;
    if (!step.matcher->Matches(progress_)) return;
    CompleteStep();
  }
}

void ScriptedTransport::CheckWrite(std::string_view data) {
  if (deviated_ || data.empty()) return;
  if (closed_) {
    Deviate("the protocol wrote " + QuoteBytes(data) +
            " after the connection was closed");
    return;
  }
  if (write_closed_) {
    Deviate("the protocol wrote " + QuoteBytes(data) +
            " after LoseWriteConnection()");
    return;
  }
  size_t pos = 0;
  while (pos < data.size() && !deviated_) {
    std::string_view rest = data.substr(pos);
    if (next_ >= steps_.size() || !steps_[next_].IsWrite()) {
      Deviate("the protocol wrote " + QuoteBytes(rest) +
                  ", which the script does not expect here",
              Dump(rest));
      return;
    }
    const Step& step = steps_[next_];
    if (step.whole_call) {
      if (pos != 0) {
        Deviate("the protocol's write call " + QuoteBytes(data) +
                    " began with the bytes of the step before; this step "
                    "expects a write call of its own",
                Dump(data));
        return;
      }
      bool ok = step.kind == Step::Kind::kExpectBytes
                    ? data == step.bytes
                    : step.matcher->Matches(data);
      if (!ok) {
        Deviate("the protocol's write call was " + QuoteBytes(data),
                step.kind == Step::Kind::kExpectBytes
                    ? DescribeBytesDifference(data, step.bytes)
                    : Dump(data));
        return;
      }
      pos = data.size();
      CompleteStep();
    } else if (step.kind == Step::Kind::kExpectBytes) {
      size_t have = progress_.size();
      size_t take = std::min(step.bytes.size() - have, rest.size());
      if (rest.substr(0, take) !=
          std::string_view(step.bytes).substr(have, take)) {
        std::string actual = progress_ + std::string(rest);
        Deviate("the protocol wrote " + QuoteBytes(actual),
                DescribeBytesDifference(actual, step.bytes));
        return;
      }
      progress_.append(rest.substr(0, take));
      pos += take;
      if (progress_.size() == step.bytes.size()) CompleteStep();
    } else {
      // The shortest run of bytes that satisfies the matcher (possibly
      // none) ends the step, however the writes were split.
      if (progress_.empty() && step.matcher->Matches(progress_)) {
        CompleteStep();
        continue;
      }
      while (pos < data.size()) {
        progress_.push_back(data[pos++]);
        if (step.matcher->Matches(progress_)) {
          CompleteStep();
          break;
        }
      }
    }
  }
}

void ScriptedTransport::Meet(Step::Kind kind, std::string_view what) {
  if (deviated_) return;
  SettleMatcherSteps();
  if (deviated_) return;
  if (next_ < steps_.size() && steps_[next_].kind == kind) {
    CompleteStep();
    return;
  }
  if (next_ >= steps_.size()) {
    Deviate("the protocol called " + std::string(what) +
            ", which the script does not expect");
    return;
  }
  Deviate("the protocol called " + std::string(what) + " instead",
          ProgressDetail(steps_[next_]));
}

// --- Transport -----------------------------------------------------------

void ScriptedTransport::Write(std::string_view data) {
  written_.append(data);
  CheckWrite(data);
}

void ScriptedTransport::WriteSequence(
    absl::Span<const std::string_view> chunks) {
  std::string joined;
  for (std::string_view chunk : chunks) joined.append(chunk);
  Write(joined);
}

void ScriptedTransport::LoseConnection() {
  if (closed_ || disconnecting_) return;
  disconnecting_ = true;
  Meet(Step::Kind::kExpectLoseConnection, "LoseConnection()");
  Post([this] { Close(ConnectionDone()); });
}

void ScriptedTransport::LoseWriteConnection() {
  if (closed_ || disconnecting_ || write_closed_) return;
  write_closed_ = true;
  Meet(Step::Kind::kExpectLoseWriteConnection, "LoseWriteConnection()");
  Post([this] {
    if (closed_) return;
    if (half_closeable_ != nullptr) half_closeable_->WriteConnectionLost();
    write_lost_ = true;
    if (read_closed_) Close(ConnectionDone());
  });
}

absl::Status ScriptedTransport::RegisterProducer(Producer* producer,
                                                 bool streaming) {
  if (producer_ != nullptr) {
    return absl::FailedPreconditionError("Cannot register two producers");
  }
  producer_ = producer;
  streaming_ = streaming;
  return absl::OkStatus();
}

void ScriptedTransport::UnregisterProducer() { producer_ = nullptr; }

// --- Playing ---------------------------------------------------------------

void ScriptedTransport::Post(absl::AnyInvocable<void()> callback) {
  posted_.push_back(std::move(callback));
  if (depth_ == 0) Drain();
}

void ScriptedTransport::Drain() {
  if (draining_) return;
  draining_ = true;
  while (!posted_.empty()) {
    absl::AnyInvocable<void()> callback = std::move(posted_.front());
    posted_.pop_front();
    ++depth_;
    callback();
    --depth_;
  }
  draining_ = false;
}

void ScriptedTransport::Close(const absl::Status& reason) {
  if (closed_) return;
  closed_ = true;
  closed_after_ = next_;
  if (Producer* producer = std::exchange(producer_, nullptr)) {
    producer->StopProducing();
  }
  if (protocol_ != nullptr) protocol_->ConnectionLost(reason);
}

void ScriptedTransport::Perform(Step& step) {
  ++depth_;
  switch (step.kind) {
    case Step::Kind::kDeliver:
      protocol_->DataReceived(step.bytes);
      break;
    case Step::Kind::kDeliverEof:
      read_closed_ = true;
      if (half_closeable_ == nullptr) {
        Close(ConnectionDone());
      } else {
        half_closeable_->ReadConnectionLost();
        // Our write side may have been shut already: then both are done.
        Post([this] {
          if (write_lost_) Close(ConnectionDone());
        });
      }
      break;
    case Step::Kind::kDeliverConnectionLost:
      Close(step.reason);
      break;
    case Step::Kind::kAdvance:
      step.clock->Advance(step.amount);
      break;
    case Step::Kind::kDo:
      step.action();
      break;
    default:
      break;
  }
  --depth_;
  if (depth_ == 0) Drain();
}

void ScriptedTransport::Run() {
  while (!deviated_ && next_ < steps_.size()) {
    SettleMatcherSteps();
    if (deviated_ || next_ >= steps_.size()) return;
    Step& step = steps_[next_];
    if (step.IsExpectation()) {
      size_t turn = next_;
      while (turn < steps_.size() && steps_[turn].IsExpectation()) ++turn;
      // Only expectations are left: the test may still meet them.
      if (turn == steps_.size()) return;
      Deviate("not met before step " + std::to_string(turn + 1) + ", " +
                  steps_[turn].ToString(),
              ProgressDetail(step));
      return;
    }
    bool delivers =
        step.kind != Step::Kind::kAdvance && step.kind != Step::Kind::kDo;
    if (closed_ && delivers) {
      Deviate(closed_after_ == 0
                  ? std::string("the connection was closed before step 1")
                  : "the connection was already closed (after step " +
                        std::to_string(closed_after_) + ")");
      return;
    }
    CompleteStep();
    Perform(step);
  }
}

void ScriptedTransport::Play(Protocol* protocol) {
  if (protocol == nullptr) Die("Play(nullptr)");
  if (protocol_ != nullptr && protocol_ != protocol) {
    Die("Play() with a different protocol than the first time");
  }
  if (finished_) Die("Play() after Finish()");
  if (protocol_ == nullptr) {
    protocol_ = protocol;
    half_closeable_ = dynamic_cast<HalfCloseableProtocol*>(protocol);
    if (protocol->transport() != this) {
      ++depth_;
      protocol->MakeConnection(this);
      --depth_;
      if (depth_ == 0) Drain();
    }
  }
  Run();
}

void ScriptedTransport::Finish() {
  if (finished_) return;
  finished_ = true;
  if (deviated_) return;
  SettleMatcherSteps();
  if (deviated_ || next_ >= steps_.size()) return;
  const Step& step = steps_[next_];
  std::string what =
      step.IsExpectation()
          ? "never met (checked by Finish())"
          : (protocol_ == nullptr ? "never performed: Play() was not called"
                                  : "never performed: Play() was not called "
                                    "again after this step was added");
  Deviate(what, ProgressDetail(step));
}

void PrintTo(const ScriptedTransport& transport, std::ostream* os) {
  *os << "ScriptedTransport{" << transport.steps_done() << " of "
      << transport.step_count() << " steps done, wrote "
      << transport.written().size() << " bytes "
      << QuoteBytes(transport.written());
  if (transport.deviated()) *os << ", deviated";
  if (transport.disconnecting()) *os << ", disconnecting";
  if (transport.write_disconnected()) *os << ", write side shut";
  if (transport.closed()) *os << ", closed";
  *os << "}";
}

}  // namespace standin::testutil
