#include "standin/tuntap/fault_injecting_io_system.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "standin/transport/status.h"

namespace standin {
namespace {

const char* OpName(FaultPlan::Op op) {
  switch (op) {
    case FaultPlan::Op::kOpen:
      return "open";
    case FaultPlan::Op::kIoctl:
      return "ioctl";
    case FaultPlan::Op::kRead:
      return "read";
    case FaultPlan::Op::kWrite:
      return "write";
    case FaultPlan::Op::kClose:
      return "close";
  }
  return "?";
}

const char* DirectionName(FaultPlan::Direction direction) {
  return direction == FaultPlan::Direction::kInbound ? "inbound" : "outbound";
}

}  // namespace

FaultPlan& FaultPlan::FailNth(Op op, uint64_t n, int err) {
  failures_.push_back({op, n, err});
  return *this;
}

FaultPlan& FaultPlan::FailRandomly(Op op, double probability, int err) {
  random_failures_.push_back({op, probability, err});
  return *this;
}

FaultPlan& FaultPlan::ShortReads(size_t max_bytes) {
  short_reads_ = max_bytes;
  return *this;
}

FaultPlan& FaultPlan::DropNth(Direction direction, uint64_t n) {
  datagram_faults_.push_back({direction, n, true});
  return *this;
}

FaultPlan& FaultPlan::CorruptNth(Direction direction, uint64_t n) {
  datagram_faults_.push_back({direction, n, false});
  return *this;
}

FaultPlan& FaultPlan::Seed(uint64_t seed) {
  seed_ = seed;
  return *this;
}

FaultInjectingIoSystem::FaultInjectingIoSystem(IoSystem* inner, FaultPlan plan)
    : ForwardingIoSystem(inner), plan_(std::move(plan)), random_(plan_.seed_) {}

int FaultInjectingIoSystem::NextFailure(FaultPlan::Op op) {
  const uint64_t n = ++calls_[static_cast<size_t>(op)];
  for (const auto& f : plan_.failures_) {
    if (f.op == op && f.n == n) {
      injected_.push_back(absl::StrCat(OpName(op), " #", n, ": errno ", f.err));
      return f.err;
    }
  }
  for (const auto& f : plan_.random_failures_) {
    if (f.op == op &&
        std::uniform_real_distribution<double>(0, 1)(random_) < f.probability) {
      injected_.push_back(
          absl::StrCat(OpName(op), " #", n, ": errno ", f.err, " (random)"));
      return f.err;
    }
  }
  return 0;
}

std::optional<bool> FaultInjectingIoSystem::NextDatagramFault(
    FaultPlan::Direction direction) {
  const uint64_t n = ++datagrams_[static_cast<int>(direction)];
  for (const auto& f : plan_.datagram_faults_) {
    if (f.direction == direction && f.n == n) return f.drop;
  }
  return std::nullopt;
}

void FaultInjectingIoSystem::Corrupt(char* data, size_t size,
                                     std::string_view what) {
  if (size == 0) return;
  const size_t at = std::uniform_int_distribution<size_t>(0, size - 1)(random_);
  const int mask = std::uniform_int_distribution<int>(1, 255)(random_);
  data[at] = static_cast<char>(data[at] ^ mask);
  injected_.push_back(absl::StrCat(std::string(what), ": byte ", at, " ^= 0x",
                                   absl::Hex(mask)));
}

absl::StatusOr<int> FaultInjectingIoSystem::Open(std::string_view path,
                                                 int flags, int mode) {
  if (int err = NextFailure(FaultPlan::Op::kOpen)) {
    return ErrnoStatus(err, "open (injected fault)");
  }
  return inner()->Open(path, flags, mode);
}

absl::StatusOr<std::string> FaultInjectingIoSystem::Ioctl(
    int fd, unsigned long request, std::string_view arg) {
  if (int err = NextFailure(FaultPlan::Op::kIoctl)) {
    return ErrnoStatus(err, "ioctl (injected fault)");
  }
  return inner()->Ioctl(fd, request, arg);
}

absl::StatusOr<int> FaultInjectingIoSystem::IoctlValue(int fd,
                                                       unsigned long request,
                                                       unsigned long value) {
  if (int err = NextFailure(FaultPlan::Op::kIoctl)) {
    return ErrnoStatus(err, "ioctl (injected fault)");
  }
  return inner()->IoctlValue(fd, request, value);
}

absl::StatusOr<size_t> FaultInjectingIoSystem::ReadInto(
    int fd, absl::Span<char> buffer) {
  if (int err = NextFailure(FaultPlan::Op::kRead)) {
    return ErrnoStatus(err, "read (injected fault)");
  }
  if (plan_.short_reads_.has_value()) {
    buffer = buffer.subspan(0, std::min(buffer.size(), *plan_.short_reads_));
  }
  while (true) {
    absl::StatusOr<size_t> n = inner()->ReadInto(fd, buffer);
    if (!n.ok()) return n;
    const std::optional<bool> fault =
        NextDatagramFault(FaultPlan::Direction::kInbound);
    const std::string what = absl::StrCat("inbound datagram #", datagrams_[0]);
    if (fault == true) {
      injected_.push_back(absl::StrCat(what, ": dropped"));
      continue;  // As if it never arrived: try the next one.
    }
    if (fault == false) Corrupt(buffer.data(), *n, what);
    return n;
  }
}

absl::StatusOr<size_t> FaultInjectingIoSystem::Write(int fd,
                                                     std::string_view data) {
  if (int err = NextFailure(FaultPlan::Op::kWrite)) {
    return ErrnoStatus(err, "write (injected fault)");
  }
  const std::optional<bool> fault =
      NextDatagramFault(FaultPlan::Direction::kOutbound);
  const std::string what =
      absl::StrCat(DirectionName(FaultPlan::Direction::kOutbound),
                   " datagram #", datagrams_[1]);
  if (fault == true) {
    injected_.push_back(absl::StrCat(what, ": dropped"));
    return data.size();  // Lost on the way: the writer cannot tell.
  }
  if (fault == false) {
    std::string copy(data);
    Corrupt(copy.data(), copy.size(), what);
    return inner()->Write(fd, copy);
  }
  return inner()->Write(fd, data);
}

absl::Status FaultInjectingIoSystem::Close(int fd) {
  if (int err = NextFailure(FaultPlan::Op::kClose)) {
    // Linux releases the descriptor even when close(2) reports an error.
    (void)inner()->Close(fd);
    return ErrnoStatus(err, "close (injected fault)");
  }
  return inner()->Close(fd);
}

}  // namespace standin
