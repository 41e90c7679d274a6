#include "standin/testutil/clock.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "absl/time/time.h"

namespace standin::testutil {

DelayedCall Clock::CallLater(absl::Duration delay,
                             absl::AnyInvocable<void()> callback) {
  return timers_.Schedule(now_ + delay, std::move(callback));
}

void Clock::Advance(absl::Duration amount) {
  if (amount < absl::ZeroDuration()) {
    std::fprintf(stderr, "Clock::Advance: cannot move time backwards by %s\n",
                 absl::FormatDuration(amount).c_str());
    std::abort();
  }
  now_ += amount;
  // RunDue() runs one generation at a time; calls that callbacks schedule
  // for no later than now_ run in the following passes of this Advance().
  while (timers_.RunDue(now_) > 0) {
  }
}

void Clock::Pump(absl::Span<const absl::Duration> amounts) {
  for (absl::Duration amount : amounts) Advance(amount);
}

namespace {

std::string Utc(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_full, t, absl::UTCTimeZone());
}

}  // namespace

void PrintTo(const Clock& clock, std::ostream* os) {
  size_t pending = clock.pending_count();
  *os << "Clock{now " << Utc(clock.Now()) << " (UTC), " << pending
      << (pending == 1 ? " pending call" : " pending calls");
  if (std::optional<absl::Time> next = clock.timers().NextDeadline()) {
    *os << ", next due " << Utc(*next);
  }
  *os << "}";
}

}  // namespace standin::testutil
