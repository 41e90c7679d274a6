// Runs the process conformance suite (testutil/process_conformance.h)
// against FakeProcessTransport with a scripted child and against the real
// Process with /bin/sh, cat and sleep on an EpollReactor, reaping through a
// pidfd and (the fallback for old kernels) through SIGCHLD. The real harness
// also checks, after every test, that no child is left unreaped and no
// descriptor leaked.
#include "standin/testutil/process_conformance.h"

#include <dirent.h>
#include <sys/wait.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "standin/process/fake_process_transport.h"
#include "standin/process/process.h"
#include "standin/transport/epoll_reactor.h"

namespace standin {
namespace {

using testutil::ChildScript;
using testutil::ProcessHarness;
using testutil::ProcessHarnessFactory;
using testutil::ProcessRecorder;

int CountOpenFds() {
  int count = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  while (::readdir(dir) != nullptr) ++count;
  ::closedir(dir);
  return count;
}

// The scripted child: each Step() performs the script's next action, if it
// has one given what the parent did so far.
class FakeHarness : public ProcessHarness {
 public:
  ProcessTransport* Start(ProcessRecorder* recorder,
                          const ChildScript& script) override {
    FakeProcessTransport::Options options;
    if (script.kind == ChildScript::Kind::kWriteExtraFd) {
      options.child_fds[3] = ChildFdKind::kFromChild;
    }
    // Only a sleeping child does nothing but wait for a fatal signal.
    options.signals_end_child = script.kind == ChildScript::Kind::kSleep;
    children_.push_back(Child{
        std::make_unique<FakeProcessTransport>(recorder, options), script});
    return children_.back().fake.get();
  }

  void Settle() override {
    while (true) {
      bool progressed = false;
      for (Child& child : children_) progressed |= Step(child);
      if (!progressed) return;
    }
  }

  void RunUntil(const std::function<bool()>& done) override {
    while (!done()) {
      bool progressed = false;
      for (Child& child : children_) progressed |= Step(child);
      if (!progressed) {
        ADD_FAILURE() << "the scripted child has nothing left to do";
        return;
      }
    }
  }

 private:
  struct Child {
    std::unique_ptr<FakeProcessTransport> fake;
    ChildScript script;
    size_t consumed = 0;  // Bytes of stdin the child has read.
    int stage = 0;
  };

  static bool Step(Child& child) {
    FakeProcessTransport& fake = *child.fake;
    if (fake.exit_status().has_value()) return false;
    const bool stdin_closed = fake.open_child_fds().count(0) == 0;
    switch (child.script.kind) {
      case ChildScript::Kind::kCat:
        if (fake.Value().size() > child.consumed) {
          std::string chunk(fake.Value().substr(child.consumed));
          child.consumed = fake.Value().size();
          if (fake.open_child_fds().count(1) != 0) fake.ChildWrites(1, chunk);
          return true;
        }
        if (stdin_closed) {
          fake.ChildExits(0);
          return true;
        }
        return false;
      case ChildScript::Kind::kOutErr:
        fake.ChildWrites(1, child.script.out);
        fake.ChildWrites(2, child.script.err);
        fake.ChildExits(0);
        return true;
      case ChildScript::Kind::kExit:
        fake.ChildExits(child.script.code);
        return true;
      case ChildScript::Kind::kSleep:
        return false;
      case ChildScript::Kind::kReportStdinEof:
        if (!stdin_closed) return false;
        fake.ChildWrites(1, "eof\n");
        fake.ChildExits(0);
        return true;
      case ChildScript::Kind::kWriteExtraFd:
        fake.ChildWrites(3, child.script.out);
        fake.ChildExits(0);
        return true;
      case ChildScript::Kind::kCloseStdoutEarly:
        if (child.stage == 0) {
          fake.ChildClosesFD(1);
          child.stage = 1;
          return true;
        }
        if (!stdin_closed) return false;
        fake.ChildExits(0);
        return true;
    }
    return false;
  }

  std::vector<Child> children_;
};

// Real children on a real reactor, their exits noticed as `kReaping` says.
// Waits are for reactor events only; the 30 s deadline is a failsafe
// against a hung test, never a synchronisation.
template <Process::Reaping kReaping>
class RealHarness : public ProcessHarness {
 public:
  RealHarness() = default;
  ~RealHarness() override {
    children_.clear();
    int status;
    EXPECT_EQ(::waitpid(-1, &status, WNOHANG), -1) << "a child was left";
    EXPECT_EQ(CountOpenFds(), fds_before_) << "descriptors leaked";
  }

  ProcessTransport* Start(ProcessRecorder* recorder,
                          const ChildScript& script) override {
    Process::Options options;
    options.reaping = kReaping;
    const std::string sh = "/bin/sh";
    switch (script.kind) {
      case ChildScript::Kind::kCat:
        options.argv = {"cat"};
        break;
      case ChildScript::Kind::kOutErr:
        options.argv = {
            sh,   "-c",       "printf %s \"$1\"; printf %s \"$2\" >&2",
            "sh", script.out, script.err};
        break;
      case ChildScript::Kind::kExit:
        options.argv = {sh, "-c", "exit " + std::to_string(script.code)};
        break;
      case ChildScript::Kind::kSleep:
        options.argv = {"sleep", "1000"};
        break;
      case ChildScript::Kind::kReportStdinEof:
        options.argv = {sh, "-c", "cat >/dev/null; echo eof"};
        break;
      case ChildScript::Kind::kWriteExtraFd:
        options.argv = {sh, "-c", "printf %s \"$1\" >&3", "sh", script.out};
        options.child_fds[3] = ChildFdKind::kFromChild;
        break;
      case ChildScript::Kind::kCloseStdoutEarly:
        options.argv = {sh, "-c", "exec 1>&-; cat >/dev/null"};
        break;
    }
    absl::StatusOr<std::unique_ptr<Process>> child =
        Process::Spawn(&reactor_, recorder, std::move(options));
    if (!child.ok()) {
      ADD_FAILURE() << child.status();
      return nullptr;
    }
    children_.push_back(*std::move(child));
    return children_.back().get();
  }

  void Settle() override {
    for (int i = 0; i < 5; ++i) {
      absl::Status status = reactor_.RunOnce(absl::Milliseconds(2));
      if (!status.ok()) {
        ADD_FAILURE() << status;
        return;
      }
    }
  }

  void RunUntil(const std::function<bool()>& done) override {
    const absl::Time deadline = reactor_.Now() + absl::Seconds(30);
    while (!done()) {
      if (reactor_.Now() > deadline) {
        ADD_FAILURE() << "timed out waiting for the child";
        return;
      }
      absl::Status status = reactor_.RunOnce(absl::Seconds(1));
      if (!status.ok()) {
        ADD_FAILURE() << status;
        return;
      }
    }
  }

 private:
  EpollReactor reactor_;
  const int fds_before_ = CountOpenFds();  // After the reactor's epoll fd.
  std::vector<std::unique_ptr<Process>> children_;
};

using ::standin::testutil::ProcessConformanceTest;
INSTANTIATE_TEST_SUITE_P(
    FakeAndReal, ProcessConformanceTest,
    ::testing::Values(
        ProcessHarnessFactory{"Fake",
                              [] { return std::make_unique<FakeHarness>(); }},
        ProcessHarnessFactory{
            "Pidfd",
            [] {
              return std::make_unique<RealHarness<Process::Reaping::kAuto>>();
            }},
        ProcessHarnessFactory{"Sigchld",
                              [] {
                                return std::make_unique<
                                    RealHarness<Process::Reaping::kSigchld>>();
                              }}),
    testutil::ProcessHarnessName);

}  // namespace
}  // namespace standin
