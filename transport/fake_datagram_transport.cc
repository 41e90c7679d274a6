#include "standin/transport/fake_datagram_transport.h"

#include <errno.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <variant>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "standin/transport/absl_string_view.h"
#include "standin/transport/status.h"

namespace standin {
namespace {

// Misuse of the double: fail the test loudly, with a message a death test
// (and a human) can match.
[[noreturn]] void Die(std::string_view message) {
  std::fprintf(stderr, "standin::FakeDatagramTransport misuse: %.*s\n",
               static_cast<int>(message.size()), message.data());
  std::fflush(stderr);
  std::abort();
}

// At most this many bytes of a datagram are shown when printing.
constexpr size_t kShownBytes = 32;

std::string Quoted(std::string_view bytes) {
  const bool cut = bytes.size() > kShownBytes;
  return absl::StrCat(
      "\"", absl::CHexEscape(AbslView(bytes.substr(0, kShownBytes))),
      cut ? absl::StrCat("\"... (", bytes.size(), " bytes)") : "\"");
}

bool IsIP(const Address& a) {
  return std::holds_alternative<IPv4Address>(a) ||
         std::holds_alternative<IPv6Address>(a);
}

// The same host and port (the kind and IPv6 flow label are labels).
bool SameEndpoint(const Address& a, const Address& b) {
  if (a.index() != b.index()) return false;
  if (const auto* v4 = std::get_if<IPv4Address>(&a)) {
    const auto& other = std::get<IPv4Address>(b);
    return v4->host == other.host && v4->port == other.port;
  }
  if (const auto* v6 = std::get_if<IPv6Address>(&a)) {
    const auto& other = std::get<IPv6Address>(b);
    return v6->host == other.host && v6->port == other.port;
  }
  return a == b;
}

}  // namespace

std::string FakeDatagramTransport::Sent::ToString() const {
  return absl::StrCat(Quoted(data), " to ", standin::ToString(to));
}

std::string FakeDatagramTransport::Event::ToString() const {
  if (kind == Kind::kStopListening) return "StopListening";
  std::string out = absl::StrCat(
      "Write(", Quoted(data), " to ",
      to.has_value() ? standin::ToString(*to) : std::string("?"), ")");
  if (!result.ok()) absl::StrAppend(&out, " -> ", result.ToString());
  return out;
}

FakeDatagramTransport::FakeDatagramTransport(DatagramProtocol* protocol,
                                             Options options)
    : options_(std::move(options)) {
  if (!IsIP(options_.host)) {
    Die(
        absl::StrCat("Options::host must be an IPv4Address or IPv6Address, "
                     "not ",
                     standin::ToString(options_.host)));
  }
  // Checked like those added later.
  std::vector<DatagramWriteFailure> failures = std::move(options_.failures);
  options_.failures.clear();
  for (DatagramWriteFailure& f : failures) AddWriteFailure(std::move(f));
  if (protocol != nullptr) Attach(protocol);
}

void FakeDatagramTransport::Attach(DatagramProtocol* protocol) {
  if (protocol == nullptr) Die("Attach() needs a protocol");
  if (protocol_ != nullptr) {
    Die("Cannot attach two protocols: one is attached already");
  }
  protocol_ = protocol;
  protocol->MakeConnection(this);
}

void FakeDatagramTransport::AddWriteFailure(DatagramWriteFailure failure) {
  if (failure.nth < 0) {
    Die(absl::StrCat("DatagramWriteFailure::Nth(", failure.nth,
                     "): writes are counted from 1"));
  }
  if (failure.err <= 0) {
    Die(absl::StrCat("a scripted write failure needs an errno, not ",
                     failure.err));
  }
  if (failure.to.has_value() && !IsIP(*failure.to)) {
    Die(absl::StrCat("DatagramWriteFailure::To(",
                     standin::ToString(*failure.to),
                     "): not an IPv4 or IPv6 endpoint"));
  }
  options_.failures.push_back(std::move(failure));
}

const DatagramWriteFailure* FakeDatagramTransport::MatchFailure(
    const Address& to) const {
  for (const DatagramWriteFailure& f : options_.failures) {
    if (f.nth != 0 && static_cast<uint64_t>(f.nth) != write_calls_) continue;
    if (f.to.has_value() && !SameEndpoint(*f.to, to)) continue;
    return &f;
  }
  return nullptr;
}

absl::Status FakeDatagramTransport::Write(std::string_view datagram,
                                          const Address& to) {
  ++write_calls_;
  absl::Status result;
  int scripted = 0;
  if (!listening_) {
    result = absl::FailedPreconditionError(
        "FakeDatagramTransport: cannot write: not listening");
  } else if (!IsIP(to) || to.index() != options_.host.index()) {
    result = absl::InvalidArgumentError(absl::StrCat(
        "FakeDatagramTransport on ", standin::ToString(options_.host),
        ": cannot write to ", standin::ToString(to),
        ": not an endpoint of the port's IP family"));
  } else if (datagram.size() > options_.max_datagram_size) {
    result = ErrnoStatus(
        EMSGSIZE, absl::StrCat("write of ", datagram.size(), " bytes to ",
                               standin::ToString(to)));
  } else if (const DatagramWriteFailure* f = MatchFailure(to)) {
    scripted = f->err;
    result = ErrnoStatus(
        f->err, absl::StrCat("write of ", datagram.size(), " bytes to ",
                             standin::ToString(to), " (scripted failure)"));
  }
  events_.push_back(Event::Write(datagram, to, result));
  if (result.ok()) written_.push_back(Sent{std::string(datagram), to});
  if (scripted == ECONNREFUSED && protocol_ != nullptr) {
    protocol_->ConnectionRefused();
  }
  return result;
}

void FakeDatagramTransport::StopListening() {
  events_.push_back(Event::StopListening());
  if (!listening_) return;
  listening_ = false;
  if (protocol_ != nullptr) protocol_->StopProtocol();
}

void FakeDatagramTransport::CheckCanDeliver(const char* what,
                                            const Address* from) const {
  if (protocol_ == nullptr) {
    Die(absl::StrCat(what,
                     " needs a protocol: pass one to the constructor "
                     "or Attach()"));
  }
  if (!listening_) {
    Die(absl::StrCat(what,
                     " after StopListening(): a stopped port receives "
                     "nothing"));
  }
  if (from != nullptr && !IsIP(*from)) {
    Die(absl::StrCat(what, " from ", standin::ToString(*from),
                     ": a datagram comes from an IPv4 or IPv6 endpoint"));
  }
}

void FakeDatagramTransport::Deliver(std::string_view data,
                                    const Address& from) {
  CheckCanDeliver("Deliver()", &from);
  protocol_->DatagramReceived(data, from);
}

void FakeDatagramTransport::ConnectionRefused() {
  CheckCanDeliver("ConnectionRefused()", nullptr);
  protocol_->ConnectionRefused();
}

void FakeDatagramTransport::Clear() {
  written_.clear();
  events_.clear();
}

void PrintTo(const FakeDatagramTransport& t, std::ostream* os) {
  *os << "FakeDatagramTransport{host " << ToString(t.GetHost())
      << (t.listening() ? ", listening" : ", stopped") << ", "
      << t.write_calls() << " write calls, sent " << t.written().size();
  if (!t.written().empty()) {
    *os << ": [";
    const size_t shown = std::min<size_t>(t.written().size(), 8);
    for (size_t i = 0; i < shown; ++i) {
      *os << (i == 0 ? "" : ", ") << t.written()[i];
    }
    if (shown < t.written().size()) {
      *os << ", ... " << t.written().size() - shown << " more";
    }
    *os << "]";
  }
  size_t failed = 0;
  for (const auto& e : t.events()) {
    if (e.kind == FakeDatagramTransport::Event::Kind::kWrite && !e.result.ok())
      ++failed;
  }
  if (failed > 0) *os << ", " << failed << " failed writes";
  *os << "}";
}

}  // namespace standin
