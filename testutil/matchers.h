// gMock matchers for transports, with failure messages that say what differs.
//
// They take a StringTransport (or anything with the same accessors, e.g.
// FakeProcessTransport), by reference or pointer.
//
// Example:
//
//   using ::standin::testutil::HasWritten;
//   using ::standin::testutil::IsDisconnecting;
//   EXPECT_THAT(transport, HasWritten("+OK\r\n"));
//   EXPECT_THAT(transport, HasWritten(testing::EndsWith("\r\n")));
//   EXPECT_THAT(transport, IsDisconnecting());
//   EXPECT_THAT(transport,
//               ProducerStateIs(StringTransport::ProducerState::kPaused));
//   EXPECT_THAT(transport, HasProducer(&my_producer, /*streaming=*/true));
//
// A failing HasWritten("...") prints the first differing offset and both
// byte strings around it as hex + text (see bytes_diff.h).
#ifndef STANDIN_TESTUTIL_MATCHERS_H_
#define STANDIN_TESTUTIL_MATCHERS_H_

#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "gmock/gmock.h"
#include "standin/testutil/bytes_diff.h"
#include "standin/transport/interfaces.h"
#include "standin/transport/string_transport.h"

namespace standin::testutil {
namespace matchers_internal {

template <typename T>
const auto& Deref(const T& x) {
  if constexpr (std::is_pointer_v<T>) {
    return *x;
  } else {
    return x;
  }
}

class HasWrittenBytesMatcher {
 public:
  explicit HasWrittenBytesMatcher(std::string expected)
      : expected_(std::move(expected)) {}

  template <typename T>
  bool MatchAndExplain(const T& transport,
                       testing::MatchResultListener* listener) const {
    std::string_view actual = Deref(transport).Value();
    if (actual == expected_) return true;
    *listener << "which wrote " << QuoteBytes(actual) << "\n"
              << DescribeBytesDifference(actual, expected_);
    return false;
  }
  void DescribeTo(std::ostream* os) const {
    *os << "has written exactly " << QuoteBytes(expected_);
  }
  void DescribeNegationTo(std::ostream* os) const {
    *os << "has not written exactly " << QuoteBytes(expected_);
  }

 private:
  std::string expected_;
};

class HasWrittenMatcher {
 public:
  explicit HasWrittenMatcher(testing::Matcher<std::string_view> inner)
      : inner_(std::move(inner)) {}

  template <typename T>
  bool MatchAndExplain(const T& transport,
                       testing::MatchResultListener* listener) const {
    std::string_view actual = Deref(transport).Value();
    testing::StringMatchResultListener inner_listener;
    bool matched = inner_.MatchAndExplain(actual, &inner_listener);
    *listener << "which wrote " << QuoteBytes(actual);
    if (!inner_listener.str().empty())
      *listener << ", " << inner_listener.str();
    return matched;
  }
  void DescribeTo(std::ostream* os) const {
    *os << "has written bytes that ";
    inner_.DescribeTo(os);
  }
  void DescribeNegationTo(std::ostream* os) const {
    *os << "has written bytes that ";
    inner_.DescribeNegationTo(os);
  }

 private:
  testing::Matcher<std::string_view> inner_;
};

class HasProducerMatcher {
 public:
  HasProducerMatcher(testing::Matcher<Producer*> producer,
                     testing::Matcher<bool> streaming)
      : producer_(std::move(producer)), streaming_(std::move(streaming)) {}

  template <typename T>
  bool MatchAndExplain(const T& transport,
                       testing::MatchResultListener* listener) const {
    const auto& t = Deref(transport);
    Producer* producer = t.producer();
    if (producer == nullptr) {
      *listener << "which has no producer registered";
      return false;
    }
    *listener << "whose producer is " << static_cast<const void*>(producer)
              << (t.streaming() ? " (streaming)" : " (pull)");
    return producer_.Matches(producer) && streaming_.Matches(t.streaming());
  }
  void DescribeTo(std::ostream* os) const {
    *os << "has a registered producer that ";
    producer_.DescribeTo(os);
    *os << ", registered with streaming that ";
    streaming_.DescribeTo(os);
  }
  void DescribeNegationTo(std::ostream* os) const {
    *os << "does not have a registered producer that ";
    producer_.DescribeTo(os);
    *os << " with streaming that ";
    streaming_.DescribeTo(os);
  }

 private:
  testing::Matcher<Producer*> producer_;
  testing::Matcher<bool> streaming_;
};

}  // namespace matchers_internal

// Matches a transport whose Value() is exactly `expected` (bytes; pass a
// std::string or std::string_view for data with NULs), or whose Value()
// satisfies a string matcher such as testing::HasSubstr("x").
template <typename M>
auto HasWritten(M&& expected_or_matcher) {
  if constexpr (std::is_convertible_v<M, std::string_view>) {
    return testing::MakePolymorphicMatcher(
        matchers_internal::HasWrittenBytesMatcher(
            std::string(std::string_view(expected_or_matcher))));
  } else {
    return testing::MakePolymorphicMatcher(matchers_internal::HasWrittenMatcher(
        testing::SafeMatcherCast<std::string_view>(
            std::forward<M>(expected_or_matcher))));
  }
}

// Matches a transport that has had LoseConnection() (or AbortConnection())
// called.
MATCHER(IsDisconnecting,
        negation ? "is not disconnecting" : "is disconnecting") {
  const auto& t = matchers_internal::Deref(arg);
  *result_listener << "whose disconnecting() is "
                   << (t.disconnecting() ? "true" : "false");
  return t.disconnecting();
}

// Matches a transport that has had AbortConnection() called.
MATCHER(IsDisconnected, negation ? "is not disconnected" : "is disconnected") {
  const auto& t = matchers_internal::Deref(arg);
  *result_listener << "whose disconnected() is "
                   << (t.disconnected() ? "true" : "false");
  return t.disconnected();
}

// Matches a transport whose producer_state() (as a push producer) is `state`.
MATCHER_P(ProducerStateIs, state,
          std::string(negation ? "producer state is not "
                               : "producer state is ") +
              ToString(state)) {
  const auto& t = matchers_internal::Deref(arg);
  *result_listener << "whose producer state is "
                   << ToString(t.producer_state());
  return t.producer_state() == state;
}

// Matches a transport with a registered producer; optionally which one and
// whether it was registered as streaming (push).
inline auto HasProducer(
    testing::Matcher<Producer*> producer = testing::NotNull(),
    testing::Matcher<bool> streaming = testing::A<bool>()) {
  return testing::MakePolymorphicMatcher(matchers_internal::HasProducerMatcher(
      std::move(producer), std::move(streaming)));
}

}  // namespace standin::testutil

#endif  // STANDIN_TESTUTIL_MATCHERS_H_
