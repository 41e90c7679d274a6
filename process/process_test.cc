// Real-child behaviour beyond the conformance suite: spawn errors, env/cwd,
// the exact fd set a child gets, backpressure on 10 MiB of output, and that
// signals never reach a reaped (or exited) child's pid. Every test checks
// afterwards that no child is left unreaped and no descriptor leaked.
#include "standin/process/process.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/process/process_status.h"
#include "standin/testutil/process_recorder.h"
#include "standin/transport/epoll_reactor.h"

namespace standin {
namespace {

using ::testing::HasSubstr;
using testutil::ProcessRecorder;

int CountOpenFds() {
  int count = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  while (::readdir(dir) != nullptr) ++count;
  ::closedir(dir);
  return count;
}

class ProcessTest : public ::testing::Test {
 protected:
  ~ProcessTest() override {
    int status;
    EXPECT_EQ(::waitpid(-1, &status, WNOHANG), -1) << "a child was left";
    EXPECT_EQ(CountOpenFds(), fds_before_) << "descriptors leaked";
  }

  absl::StatusOr<std::unique_ptr<Process>> Spawn(Process::Options options) {
    return Process::Spawn(&reactor_, &recorder_, std::move(options));
  }

  // Runs reactor turns until `done`; the deadline only stops a hung test.
  void RunUntil(const std::function<bool()>& done) {
    const absl::Time deadline = reactor_.Now() + absl::Seconds(60);
    while (!done()) {
      ASSERT_LT(reactor_.Now(), deadline) << "timed out";
      ASSERT_TRUE(reactor_.RunOnce(absl::Seconds(1)).ok());
    }
  }
  void RunUntilEnded() {
    RunUntil([&] { return recorder_.ended().has_value(); });
  }

  EpollReactor reactor_;
  const int fds_before_ = CountOpenFds();
  ProcessRecorder recorder_;
};

TEST_F(ProcessTest, MissingExecutableNamesThePath) {
  absl::StatusOr<std::unique_ptr<Process>> child =
      Spawn({.argv = {"/no/such/program", "arg"}});
  ASSERT_FALSE(child.ok());
  EXPECT_EQ(child.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(child.status().message(),
            "cannot execute \"/no/such/program\": No such file or directory "
            "[ENOENT]");
  EXPECT_TRUE(recorder_.calls().empty());  // The protocol never connected.
}

TEST_F(ProcessTest, ProgramNotOnPathNamesTheProgramAndThePath) {
  absl::StatusOr<std::unique_ptr<Process>> child =
      Spawn({.argv = {"standin-no-such-program"},
             .env = std::vector<std::string>{"PATH=/usr/bin:/bin"}});
  ASSERT_FALSE(child.ok());
  EXPECT_EQ(child.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(child.status().message(),
            "cannot execute \"standin-no-such-program\": not found on PATH "
            "\"/usr/bin:/bin\"");
}

TEST_F(ProcessTest, NonExecutableFileIsPermissionDenied) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string path =
      std::string(tmp != nullptr ? tmp : "/tmp") + "/not-executable";
  const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ::close(fd);
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  absl::StatusOr<std::unique_ptr<Process>> child = Spawn({.argv = {path}});
  ::unlink(path.c_str());
  ASSERT_FALSE(child.ok());
  EXPECT_EQ(child.status().code(), absl::StatusCode::kPermissionDenied)
      << child.status();
  EXPECT_EQ(child.status().message(),
            "cannot execute \"" + path + "\": Permission denied [EACCES]");
}

TEST_F(ProcessTest, BadWorkingDirectoryNamesIt) {
  absl::StatusOr<std::unique_ptr<Process>> child =
      Spawn({.argv = {"/bin/true"}, .cwd = "/no/such/dir"});
  ASSERT_FALSE(child.ok());
  EXPECT_EQ(child.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(child.status().message()),
              HasSubstr("cannot change directory to \"/no/such/dir\""));
}

TEST_F(ProcessTest, BadOptionsAreInvalidArgument) {
  EXPECT_EQ(Spawn({}).status().code(), absl::StatusCode::kInvalidArgument);
  Process::Options negative{.argv = {"/bin/true"}};
  negative.child_fds[-1] = ChildFdKind::kFromChild;
  EXPECT_EQ(Spawn(negative).status().code(),
            absl::StatusCode::kInvalidArgument);
  Process::Options both{.argv = {"/bin/true"}, .inherited_fds = {{1, 1}}};
  absl::Status status = Spawn(both).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("child fd 1 is both a pipe and an inherited fd"));
}

TEST_F(ProcessTest, PassesEnvironmentAndWorkingDirectory) {
  auto child = Spawn({.argv = {"/bin/sh", "-c", "echo \"$GREETING\"; pwd"},
                      .env = std::vector<std::string>{"GREETING=hi there"},
                      .cwd = "/tmp"});
  ASSERT_TRUE(child.ok()) << child.status();
  RunUntilEnded();
  EXPECT_EQ(recorder_.out(), "hi there\n/tmp\n");
  EXPECT_TRUE(IsProcessDone(*recorder_.ended()));
}

TEST_F(ProcessTest, ChildGetsExactlyTheMappedFds) {
  // A descriptor of ours without O_CLOEXEC must still not reach the child.
  const int stray = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(stray, 0);
  // ls lists its own fds: the three pipes, and the directory it reads.
  auto child = Spawn({.argv = {"/bin/ls", "/proc/self/fd"}});
  ASSERT_TRUE(child.ok()) << child.status();
  RunUntilEnded();
  ::close(stray);
  EXPECT_EQ(recorder_.out(), "0\n1\n2\n3\n");
}

TEST_F(ProcessTest, InheritedFdSharesOurDescriptor) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  auto child = Spawn(
      {.argv = {"/bin/sh", "-c", "echo via-inherited >&2"},
       .child_fds = {{0, ChildFdKind::kToChild}, {1, ChildFdKind::kFromChild}},
       .inherited_fds = {{2, fds[1]}}});
  ASSERT_TRUE(child.ok()) << child.status();
  ::close(fds[1]);
  RunUntilEnded();
  char buffer[64];
  ssize_t n = ::read(fds[0], buffer, sizeof(buffer));
  ::close(fds[0]);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buffer, n), "via-inherited\n");
  EXPECT_EQ(recorder_.err(), "");
  EXPECT_EQ(CheckCallbackOrder(recorder_.calls(), {0, 1}), "");
}

TEST_F(ProcessTest, TenMebibytesWithPausedReadingLoseNothing) {
  // seq's output is easy to reproduce here, so every byte can be checked.
  constexpr int kLast = 1'450'000;
  std::string expected;
  for (int i = 1; i <= kLast; ++i) {
    expected += std::to_string(i);
    expected += '\n';
  }
  ASSERT_GT(expected.size(), 10u << 20);

  Process* process = nullptr;
  size_t pauses = 0;
  size_t next_pause_at = 1 << 20;
  recorder_.on_data = [&](int, std::string_view) {
    // Pause after every MiB and resume on a later turn: the child must
    // block on the full pipe meanwhile, and nothing may be lost.
    if (recorder_.out().size() >= next_pause_at) {
      next_pause_at += 1 << 20;
      ++pauses;
      process->PauseProducing();
      reactor_.CallLater(absl::ZeroDuration(),
                         [&] { process->ResumeProducing(); });
    }
  };
  auto child = Spawn({.argv = {"seq", "1", std::to_string(kLast)}});
  ASSERT_TRUE(child.ok()) << child.status();
  process = child->get();

  // Paused from the start: a few turns deliver nothing and the child, with
  // ~10 MiB to write into a 64 KiB pipe, cannot have finished.
  process->PauseProducing();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(reactor_.RunOnce(absl::Milliseconds(20)).ok());
  }
  EXPECT_EQ(recorder_.out(), "");
  EXPECT_FALSE(recorder_.exited().has_value());
  process->ResumeProducing();

  RunUntilEnded();
  EXPECT_EQ(recorder_.out().size(), expected.size());
  EXPECT_TRUE(recorder_.out() == expected) << "output differs";
  EXPECT_GE(pauses, 10u);
  EXPECT_TRUE(IsProcessDone(*recorder_.ended()));
}

// A PauseProducing() from ConnectionMade() holds for the process pipes
// too. The child writes and exits at once; once it has exited its output
// is certainly in the pipe, and a paused stdout reads none of it until
// resumed (Twisted: test_pauseProducingInConnectionMade;
// the pipes must start reading before the protocol is connected).
TEST_F(ProcessTest, PauseInConnectionMadeHoldsForStdout) {
  recorder_.on_connection_made = [&] {
    recorder_.transport()->PauseProducing();
  };
  auto child = Spawn({.argv = {"/bin/echo", "waiting"}});
  ASSERT_TRUE(child.ok()) << child.status();
  RunUntil([&] { return recorder_.exited().has_value(); });
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(reactor_.RunOnce(absl::Milliseconds(2)).ok());
  }
  EXPECT_EQ(recorder_.out(), "");
  EXPECT_FALSE(recorder_.has_lost(1));  // Not even the EOF was read.
  EXPECT_FALSE(recorder_.ended().has_value());
  (*child)->ResumeProducing();
  RunUntilEnded();
  EXPECT_EQ(recorder_.out(), "waiting\n");
  EXPECT_TRUE(IsProcessDone(*recorder_.ended()));
}

TEST_F(ProcessTest, LargeInputEchoesBackThroughCat) {
  std::string input;
  for (int i = 0; input.size() < (3u << 20); ++i) {
    input += "line " + std::to_string(i) + "\n";
  }
  auto child = Spawn({.argv = {"cat"}});
  ASSERT_TRUE(child.ok()) << child.status();
  (*child)->Write(input);
  (*child)->CloseStdin();
  RunUntilEnded();
  EXPECT_EQ(recorder_.out().size(), input.size());
  EXPECT_TRUE(recorder_.out() == input);
}

TEST_F(ProcessTest, SignalAfterTheReapNeverReachesThePid) {
  auto child = Spawn({.argv = {"/bin/true"}});
  ASSERT_TRUE(child.ok()) << child.status();
  const int pid = *(*child)->pid();
  RunUntilEnded();
  EXPECT_EQ((*child)->pid(), std::nullopt);
  // The pid may already belong to someone else; we must not touch it.
  EXPECT_EQ((*child)->SignalProcess(SIGKILL).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(pid, 0);
}

TEST_F(ProcessTest, SignalAfterExitBeforeReapIsFailedPrecondition) {
  auto child = Spawn({.argv = {"/bin/true"}});
  ASSERT_TRUE(child.ok()) << child.status();
  // Wait for the exit without reaping (WNOWAIT): the child is a zombie and
  // the reactor has not run, so Process has not reaped it either.
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PID, *(*child)->pid(), &info, WEXITED | WNOWAIT), 0);
  ASSERT_TRUE((*child)->pid().has_value());
  absl::Status status = (*child)->SignalProcess("TERM");
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_EQ(status.message(), "process exited already");
  RunUntilEnded();
  EXPECT_TRUE(IsProcessDone(*recorder_.ended()));
}

TEST_F(ProcessTest, SigchldFallbackAlsoRefusesToSignalAnExitedChild) {
  auto child =
      Spawn({.argv = {"/bin/true"}, .reaping = Process::Reaping::kSigchld});
  ASSERT_TRUE(child.ok()) << child.status();
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PID, *(*child)->pid(), &info, WEXITED | WNOWAIT), 0);
  EXPECT_EQ((*child)->SignalProcess("TERM").code(),
            absl::StatusCode::kFailedPrecondition);
  RunUntilEnded();
  EXPECT_EQ((*child)->pid(), std::nullopt);
  EXPECT_EQ((*child)->SignalProcess("TERM").code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(ProcessTest, SigchldFallbackReapsManyChildrenAtOnce) {
  // One SIGCHLD may stand for several exits; each Process checks its own.
  std::vector<std::unique_ptr<Process>> children;
  std::vector<ProcessRecorder> recorders(8);
  for (ProcessRecorder& recorder : recorders) {
    auto child = Process::Spawn(&reactor_, &recorder,
                                {.argv = {"/bin/sh", "-c", "exit 7"},
                                 .reaping = Process::Reaping::kSigchld});
    ASSERT_TRUE(child.ok()) << child.status();
    children.push_back(*std::move(child));
  }
  RunUntil([&] {
    for (const ProcessRecorder& r : recorders) {
      if (!r.ended().has_value()) return false;
    }
    return true;
  });
  for (const ProcessRecorder& r : recorders) {
    EXPECT_EQ(ExitCodeOf(*r.ended()), 7);
  }
}

TEST_F(ProcessTest, DestroyingARunningProcessKillsAndReapsIt) {
  auto child = Spawn({.argv = {"sleep", "1000"}});
  ASSERT_TRUE(child.ok()) << child.status();
  const int pid = *(*child)->pid();
  child->reset();
  int status;
  EXPECT_EQ(::waitpid(pid, &status, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
  // The protocol is not told: only ConnectionMade() ever ran.
  EXPECT_EQ(recorder_.calls().size(), 1u);
}

TEST_F(ProcessTest, DestroyingARunningSigchldProcessKillsAndReapsIt) {
  auto child =
      Spawn({.argv = {"sleep", "1000"}, .reaping = Process::Reaping::kSigchld});
  ASSERT_TRUE(child.ok()) << child.status();
  const int pid = *(*child)->pid();
  child->reset();
  int status;
  EXPECT_EQ(::waitpid(pid, &status, WNOHANG), -1);
}

TEST_F(ProcessTest, ProtocolMayDestroyTheProcessInProcessEnded) {
  std::unique_ptr<Process> owned;
  recorder_.on_ended = [&](const absl::Status&) { owned.reset(); };
  auto child = Spawn({.argv = {"/bin/sh", "-c", "echo bye"}});
  ASSERT_TRUE(child.ok()) << child.status();
  owned = *std::move(child);
  RunUntilEnded();
  EXPECT_EQ(owned, nullptr);
  EXPECT_EQ(recorder_.out(), "bye\n");
}

TEST_F(ProcessTest, ProtocolMayDestroyTheProcessWhileDataArrives) {
  std::unique_ptr<Process> owned;
  recorder_.on_data = [&](int, std::string_view) { owned.reset(); };
  auto child = Spawn({.argv = {"/bin/sh", "-c", "echo hi; exec sleep 1000"}});
  ASSERT_TRUE(child.ok()) << child.status();
  owned = *std::move(child);
  RunUntil([&] { return owned == nullptr; });
  // The child was killed and reaped by the destructor (the fixture checks
  // for zombies and leaked fds); the protocol heard nothing more.
  EXPECT_EQ(recorder_.out(), "hi\n");
  EXPECT_FALSE(recorder_.ended().has_value());
}

TEST_F(ProcessTest, ChildThatDiesLeavesStdinWritesHarmless) {
  // Writing to a child that is gone must not raise SIGPIPE in us.
  auto child = Spawn({.argv = {"/bin/sh", "-c", "exec 0<&-; exit 4"}});
  ASSERT_TRUE(child.ok()) << child.status();
  RunUntil([&] { return recorder_.exited().has_value(); });
  (*child)->Write(std::string(1 << 20, 'x'));
  RunUntilEnded();
  EXPECT_EQ(ExitCodeOf(*recorder_.ended()), 4);
}

TEST_F(ProcessTest, ProducerForStdinWithoutAStdinIsStopped) {
  struct Stoppable : Producer {
    void ResumeProducing() override {}
    void PauseProducing() override {}
    void StopProducing() override { stopped = true; }
    bool stopped = false;
  } producer;
  auto child = Spawn(
      {.argv = {"/bin/true"}, .child_fds = {{1, ChildFdKind::kFromChild}}});
  ASSERT_TRUE(child.ok()) << child.status();
  ASSERT_TRUE((*child)->RegisterProducer(&producer, true).ok());
  EXPECT_TRUE(producer.stopped);
  (*child)->Write("dropped: no stdin");
  RunUntilEnded();
}

}  // namespace
}  // namespace standin
