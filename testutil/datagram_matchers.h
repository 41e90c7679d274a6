// gMock matchers for what a DatagramProtocol sent through a
// FakeDatagramTransport, with failure messages that say what differs (a
// byte diff of the payload, as HasWritten gives for streams).
//
// Example:
//
//   using ::standin::testutil::HasSentDatagrams;
//   using ::standin::testutil::SentDatagram;
//   const auto peer = standin::IPv4Address::Udp("192.0.2.7", 4000);
//   EXPECT_THAT(transport, HasSentDatagrams(SentDatagram("pong", peer)));
//   EXPECT_THAT(transport.written()[0], SentDatagram("pong", peer));
//   EXPECT_THAT(transport,
//               HasSentDatagrams(SentDatagram(testing::StartsWith("v1 "),
//                                             peer),
//                                FakeDatagramTransport::Sent{"bye", peer}));
//
// A failing SentDatagram("pong", peer) prints the first differing offset
// and both payloads around it as hex + text (see bytes_diff.h), or the
// destination it went to instead.
#ifndef STANDIN_TESTUTIL_DATAGRAM_MATCHERS_H_
#define STANDIN_TESTUTIL_DATAGRAM_MATCHERS_H_

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "standin/testutil/bytes_diff.h"
#include "standin/testutil/matchers.h"
#include "standin/transport/address.h"
#include "standin/transport/fake_datagram_transport.h"

namespace standin::testutil {
namespace datagram_matchers_internal {

// A value or a pointer to one, as matchers.h's matchers take them.
using ::standin::testutil::matchers_internal::Deref;

// Matches anything with `data` and `to` members (FakeDatagramTransport::
// Sent). Exact bytes get a diff; a string matcher explains itself.
class SentDatagramMatcher {
 public:
  SentDatagramMatcher(std::optional<std::string> bytes,
                      testing::Matcher<std::string_view> data,
                      testing::Matcher<const Address&> to)
      : bytes_(std::move(bytes)), data_(std::move(data)), to_(std::move(to)) {}

  template <typename T>
  bool MatchAndExplain(const T& sent_or_pointer,
                       testing::MatchResultListener* listener) const {
    const auto& sent = Deref(sent_or_pointer);
    const std::string_view data = sent.data;
    const bool to_ok = to_.Matches(sent.to);
    const bool data_ok = data_.Matches(data);
    if (to_ok && data_ok) return true;
    *listener << "which is " << QuoteBytes(data) << " to " << ToString(sent.to);
    if (!to_ok) {
      *listener << "\n  sent to the wrong endpoint: " << ToString(sent.to);
    }
    if (!data_ok && bytes_.has_value()) {
      *listener << "\n" << DescribeBytesDifference(data, *bytes_);
    }
    return false;
  }
  void DescribeTo(std::ostream* os) const {
    *os << "is a datagram whose payload ";
    data_.DescribeTo(os);
    *os << ", sent to an endpoint that ";
    to_.DescribeTo(os);
  }
  void DescribeNegationTo(std::ostream* os) const {
    *os << "is not a datagram whose payload ";
    data_.DescribeTo(os);
    *os << ", sent to an endpoint that ";
    to_.DescribeTo(os);
  }

 private:
  std::optional<std::string> bytes_;
  testing::Matcher<std::string_view> data_;
  testing::Matcher<const Address&> to_;
};

using SentMatcher = testing::Matcher<const FakeDatagramTransport::Sent&>;

// A plain Sent value is compared as SentDatagram(data, to); a matcher is
// used as given.
template <typename M>
SentMatcher ToSentMatcher(M&& m);

// Matches a FakeDatagramTransport (or a pointer to one) whose written()
// matches `inner`, printing every datagram sent when it does not.
class HasSentDatagramsMatcher {
 public:
  explicit HasSentDatagramsMatcher(
      testing::Matcher<const std::vector<FakeDatagramTransport::Sent>&> inner)
      : inner_(std::move(inner)) {}

  template <typename T>
  bool MatchAndExplain(const T& transport,
                       testing::MatchResultListener* listener) const {
    const auto& written = Deref(transport).written();
    testing::StringMatchResultListener inner_listener;
    if (inner_.MatchAndExplain(written, &inner_listener)) return true;
    *listener << "which sent " << written.size() << " datagram"
              << (written.size() == 1 ? "" : "s");
    for (size_t i = 0; i < written.size(); ++i) {
      *listener << "\n  #" << i << ": " << written[i];
    }
    if (!inner_listener.str().empty())
      *listener << "\n" << inner_listener.str();
    return false;
  }
  void DescribeTo(std::ostream* os) const {
    *os << "has sent datagrams that ";
    inner_.DescribeTo(os);
  }
  void DescribeNegationTo(std::ostream* os) const {
    *os << "has sent datagrams that ";
    inner_.DescribeNegationTo(os);
  }

 private:
  testing::Matcher<const std::vector<FakeDatagramTransport::Sent>&> inner_;
};

}  // namespace datagram_matchers_internal

// Matches one sent datagram (a FakeDatagramTransport::Sent, or anything with
// `data` and `to`) whose payload is exactly `data` (bytes; NULs allowed
// through std::string) or satisfies a string matcher, and whose destination
// is `to` (an Address, or a matcher of one).
template <typename D, typename A>
auto SentDatagram(D&& data, A&& to) {
  testing::Matcher<const Address&> to_matcher =
      testing::SafeMatcherCast<const Address&>(std::forward<A>(to));
  if constexpr (std::is_convertible_v<D, std::string_view>) {
    std::string bytes{std::string_view(data)};
    // Matcher<std::string_view> built from a std::string owns a copy.
    testing::Matcher<std::string_view> data_matcher(bytes);
    return testing::MakePolymorphicMatcher(
        datagram_matchers_internal::SentDatagramMatcher(
            std::move(bytes), std::move(data_matcher), std::move(to_matcher)));
  } else {
    return testing::MakePolymorphicMatcher(
        datagram_matchers_internal::SentDatagramMatcher(
            std::nullopt,
            testing::SafeMatcherCast<std::string_view>(std::forward<D>(data)),
            std::move(to_matcher)));
  }
}

// Matches a FakeDatagramTransport (or pointer) that sent exactly these
// datagrams, in order: each argument is a SentDatagram(...) matcher or a
// FakeDatagramTransport::Sent value. With no arguments: sent nothing.
template <typename... M>
auto HasSentDatagrams(M&&... datagrams) {
  return testing::MakePolymorphicMatcher(
      datagram_matchers_internal::HasSentDatagramsMatcher(
          testing::ElementsAreArray(
              std::vector<datagram_matchers_internal::SentMatcher>{
                  datagram_matchers_internal::ToSentMatcher(
                      std::forward<M>(datagrams))...})));
}

namespace datagram_matchers_internal {
template <typename M>
SentMatcher ToSentMatcher(M&& m) {
  if constexpr (std::is_convertible_v<M, const FakeDatagramTransport::Sent&>) {
    const FakeDatagramTransport::Sent& sent = m;
    return SentDatagram(sent.data, sent.to);
  } else {
    return SentMatcher(std::forward<M>(m));
  }
}
}  // namespace datagram_matchers_internal

}  // namespace standin::testutil

#endif  // STANDIN_TESTUTIL_DATAGRAM_MATCHERS_H_
