// DieOfMisuse(): how a test double reports that the code under test used it
// wrongly — one line on stderr naming the double, then abort(), so the test
// fails loudly at the faulty call and a death test can match the words.
//
// Misuse is a call the real thing never sees from a correct program
// (resuming a stopped producer, a second EOF, a read from a tunnel that was
// never configured). Bad input from outside is not misuse: that is a status.
//
// Example:
//
//   void FakeThing::Resume() {
//     if (stopped_) standin::DieOfMisuse("FakeThing", "Resume() after Stop()");
//     ...
//   }
//   // stderr: "FakeThing misuse: Resume() after Stop()", then SIGABRT:
//   EXPECT_DEATH(thing.Resume(), "Resume\\(\\) after Stop\\(\\)");
#ifndef STANDIN_TRANSPORT_MISUSE_H_
#define STANDIN_TRANSPORT_MISUSE_H_

#include <string_view>

namespace standin {

// Writes "<double_name> misuse: <message>" and a newline to stderr, flushes
// it, and aborts.
[[noreturn]] void DieOfMisuse(std::string_view double_name,
                              std::string_view message);

}  // namespace standin

#endif  // STANDIN_TRANSPORT_MISUSE_H_
