// FaultInjectingIoSystem: wraps any IoSystem and injects the failures a
// FaultPlan lists — fail the Nth open/ioctl/read/write/close with a chosen
// errno, cut reads short, drop or corrupt the Nth datagram in either
// direction, or fail calls at random with a seed. It is a thin layer, like
// smoltcp's FaultInjector device, so it composes with MemoryIoSystem and the
// real OS alike, and a test can sweep every failure point (Beast's
// fail_count idea) and check that nothing is lost or duplicated that should
// not be.
//
// A failed call never reaches the wrapped system (like a syscall failing at
// entry): a failed read leaves its datagram queued. The exception is close,
// which releases the descriptor anyway and then reports the error, as Linux
// does.
//
// Example:
//
//   standin::MemoryIoSystem memory;
//   for (uint64_t n = 1; n <= 10; ++n) {
//     standin::FaultPlan plan;
//     plan.FailNth(standin::FaultPlan::Op::kRead, n, EINTR)
//         .DropNth(standin::FaultPlan::Direction::kInbound, n + 1);
//     standin::FaultInjectingIoSystem faulty(&memory, plan);
//     standin::TuntapPort port("tun0", &ip, 8192, &reactor, &faulty);
//     ...  // every datagram but the dropped one arrives, once, in order
//   }
#ifndef STANDIN_TUNTAP_FAULT_INJECTING_IO_SYSTEM_H_
#define STANDIN_TUNTAP_FAULT_INJECTING_IO_SYSTEM_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "standin/tuntap/forwarding_io_system.h"

namespace standin {

// What to break, and when. Counts are 1-based and per operation.
class FaultPlan {
 public:
  enum class Op { kOpen, kIoctl, kRead, kWrite, kClose };
  static constexpr size_t kOpCount = 5;
  // Inbound: datagrams read from the device; outbound: written to it.
  enum class Direction { kInbound, kOutbound };

  // The `n`th call of `op` fails with `err` without reaching the device.
  FaultPlan& FailNth(Op op, uint64_t n, int err);
  // Each call of `op` fails with `err` with this probability (seeded).
  FaultPlan& FailRandomly(Op op, double probability, int err);
  // Reads return at most `max_bytes` of each datagram; the rest is lost,
  // as when the caller's buffer is that small.
  FaultPlan& ShortReads(size_t max_bytes);
  // The `n`th datagram in `direction` vanishes: a read skips it (returning
  // the next one, or EAGAIN), a write reports success but sends nothing.
  FaultPlan& DropNth(Direction direction, uint64_t n);
  // The `n`th datagram in `direction` has one byte (chosen by the seed)
  // XORed with a nonzero value (chosen by the seed).
  FaultPlan& CorruptNth(Direction direction, uint64_t n);
  // Seeds the random choices (default 1).
  FaultPlan& Seed(uint64_t seed);

 private:
  friend class FaultInjectingIoSystem;
  struct Failure {
    Op op;
    uint64_t n;
    int err;
  };
  struct RandomFailure {
    Op op;
    double probability;
    int err;
  };
  struct DatagramFault {
    Direction direction;
    uint64_t n;
    bool drop;  // Otherwise corrupt.
  };
  std::vector<Failure> failures_;
  std::vector<RandomFailure> random_failures_;
  std::vector<DatagramFault> datagram_faults_;
  std::optional<size_t> short_reads_;
  uint64_t seed_ = 1;
};

// SendUdp/ReceiveUdp pass through untouched: the faults are the device's,
// not the network's.
class FaultInjectingIoSystem : public ForwardingIoSystem {
 public:
  // `inner` (not owned) must outlive this.
  FaultInjectingIoSystem(IoSystem* inner, FaultPlan plan);

  // Each call may fail, as FailNth() and FailRandomly() plan, before it
  // reaches `inner`.
  absl::StatusOr<std::string> Ioctl(int fd, unsigned long request,
                                    std::string_view arg) override;
  absl::StatusOr<int> IoctlValue(int fd, unsigned long request,
                                 unsigned long value) override;
  using ForwardingIoSystem::Open;  // And Open(path, flags).
  absl::StatusOr<int> Open(std::string_view path, int flags, int mode) override;
  // Releases the descriptor in `inner` even when it reports a fault.
  absl::Status Close(int fd) override;
  // Datagram faults (drop, corrupt, short reads) apply here as well.
  absl::StatusOr<size_t> ReadInto(int fd, absl::Span<char> buffer) override;
  absl::StatusOr<size_t> Write(int fd, std::string_view data) override;

  // Calls of `op` made so far (failed ones included).
  uint64_t calls(FaultPlan::Op op) const {
    return calls_[static_cast<size_t>(op)];
  }
  // One line per fault injected, in order ("read #3: EIO",
  // "inbound datagram #2: dropped").
  const std::vector<std::string>& injected() const { return injected_; }

 private:
  // The errno to fail this call of `op` with, or 0; counts the call.
  int NextFailure(FaultPlan::Op op);
  // What to do with the next datagram in `direction`; counts it.
  std::optional<bool> NextDatagramFault(FaultPlan::Direction direction);
  void Corrupt(char* data, size_t size, std::string_view what);

  const FaultPlan plan_;
  std::mt19937_64 random_;
  std::array<uint64_t, FaultPlan::kOpCount> calls_{};
  uint64_t datagrams_[2] = {0, 0};
  std::vector<std::string> injected_;
};

}  // namespace standin

#endif  // STANDIN_TUNTAP_FAULT_INJECTING_IO_SYSTEM_H_
