#include "standin/testutil/clock.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

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

}  // namespace standin::testutil
