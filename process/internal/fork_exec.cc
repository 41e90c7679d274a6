#include "standin/process/internal/fork_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "standin/transport/status.h"

extern char** environ;

namespace standin::process_internal {
namespace {

// Closes the fds it holds unless released.
class FdCloser {
 public:
  ~FdCloser() {
    for (int fd : fds_) ::close(fd);
  }
  void Add(int fd) { fds_.push_back(fd); }
  void Close(int fd) {
    auto it = std::find(fds_.begin(), fds_.end(), fd);
    if (it != fds_.end()) fds_.erase(it);
    ::close(fd);
  }
  void Release(int fd) {
    auto it = std::find(fds_.begin(), fds_.end(), fd);
    if (it != fds_.end()) fds_.erase(it);
  }

 private:
  std::vector<int> fds_;
};

// What the child reports through the status pipe when it cannot exec.
struct ChildFailure {
  int stage;  // kStageChdir or kStageExec.
  int err;
};
constexpr int kStageChdir = 1;
constexpr int kStageExec = 2;

// Where argv[0] is, or NotFound. A name with '/' is used as is (exec
// reports it if it is missing).
absl::StatusOr<std::string> ResolveExecutable(
    const std::string& name,
    const std::optional<std::vector<std::string>>& env) {
  if (name.find('/') != std::string::npos) return name;
  std::string path;
  bool have_path = false;
  if (env.has_value()) {
    for (const std::string& entry : *env) {
      if (entry.rfind("PATH=", 0) == 0) {
        path = entry.substr(5);
        have_path = true;
      }
    }
  }
  if (!have_path) {
    const char* ours = std::getenv("PATH");
    path = ours != nullptr ? ours : "/usr/local/bin:/usr/bin:/bin";
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + name;
    struct stat st;
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    start = end + 1;
  }
  return absl::NotFoundError(absl::StrCat(
      "cannot execute \"", name, "\": not found on PATH \"", path, "\""));
}

// Runs in the child between fork() and exec: async-signal-safe calls only.
[[noreturn]] void ChildMain(const char* path, char* const* argv,
                            char* const* envp, const char* cwd,
                            const std::vector<std::pair<int, int>>& plan,
                            int max_target, int status_fd) {
  auto fail = [&](int stage) {
    ChildFailure failure{stage, errno};
    ssize_t ignored = ::write(status_fd, &failure, sizeof(failure));
    (void)ignored;
    ::_exit(127);
  };
  // A child starts with default signal handling and nothing blocked, even
  // if we ignore or block signals (SIGPIPE, say).
  for (int signo = 1; signo < NSIG; ++signo) {
    struct sigaction action;
    std::memset(&action, 0, sizeof(action));
    action.sa_handler = SIG_DFL;
    ::sigaction(signo, &action, nullptr);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);

  // Move the status pipe and every source above the targets first, so no
  // dup2() below clobbers a source another target still needs.
  status_fd = ::fcntl(status_fd, F_DUPFD_CLOEXEC, max_target + 1);
  if (status_fd < 0) ::_exit(127);
  int moved[256];
  const size_t count = plan.size();
  if (count > 256) ::_exit(127);
  for (size_t i = 0; i < count; ++i) {
    moved[i] = ::fcntl(plan[i].second, F_DUPFD_CLOEXEC, max_target + 1);
    if (moved[i] < 0) fail(kStageExec);
  }
  for (size_t i = 0; i < count; ++i) {
    // dup2() leaves the target without FD_CLOEXEC: it survives exec.
    if (::dup2(moved[i], plan[i].first) < 0) fail(kStageExec);
  }
  // Everything else below the highest target is closed; everything above
  // it closes at exec (our own fds are O_CLOEXEC already; this catches fds
  // someone else opened without it).
  for (int fd = 0; fd <= max_target; ++fd) {
    bool wanted = false;
    for (size_t i = 0; i < count; ++i) wanted |= plan[i].first == fd;
    if (!wanted) ::close(fd);
  }
  ::syscall(SYS_close_range, max_target + 1, ~0U, CLOSE_RANGE_CLOEXEC);
  if (cwd != nullptr && ::chdir(cwd) != 0) fail(kStageChdir);
  ::execve(path, argv, envp);
  fail(kStageExec);
  ::_exit(127);  // Not reached.
}

}  // namespace

absl::StatusOr<ForkedChild> ForkExec(ForkExecRequest request) {
  if (request.argv.empty()) {
    return absl::InvalidArgumentError("cannot spawn: argv is empty");
  }
  for (const auto& [child_fd, kind] : request.child_fds) {
    if (child_fd < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot spawn \"", request.argv[0],
                       "\": negative child fd ", child_fd));
    }
    if (request.inherited_fds.count(child_fd) != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot spawn \"", request.argv[0], "\": child fd ",
                       child_fd, " is both a pipe and an inherited fd"));
    }
  }
  for (const auto& [child_fd, our_fd] : request.inherited_fds) {
    if (child_fd < 0 || our_fd < 0 || ::fcntl(our_fd, F_GETFD) < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cannot spawn \"", request.argv[0], "\": bad inherited fd mapping ",
          child_fd, " <- ", our_fd));
    }
  }
  absl::StatusOr<std::string> executable =
      ResolveExecutable(request.argv[0], request.env);
  if (!executable.ok()) return executable.status();

  FdCloser closer;
  // child fd -> (our end, the child's end)
  std::map<int, std::pair<int, int>> ends;
  std::vector<std::pair<int, int>> plan;  // (child fd, source fd)
  int max_target = 2;
  for (const auto& [child_fd, kind] : request.child_fds) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      return ErrnoStatus(
          errno, absl::StrCat("cannot spawn \"", request.argv[0], "\": pipe2"));
    }
    closer.Add(fds[0]);
    closer.Add(fds[1]);
    const bool to_child = kind == ChildFdKind::kToChild;
    const int ours = to_child ? fds[1] : fds[0];
    const int theirs = to_child ? fds[0] : fds[1];
    // Only our end is non-blocking: the child expects ordinary blocking I/O.
    ::fcntl(ours, F_SETFL, ::fcntl(ours, F_GETFL) | O_NONBLOCK);
    ends[child_fd] = {ours, theirs};
    plan.emplace_back(child_fd, theirs);
    max_target = std::max(max_target, child_fd);
  }
  for (const auto& [child_fd, our_fd] : request.inherited_fds) {
    plan.emplace_back(child_fd, our_fd);
    max_target = std::max(max_target, child_fd);
  }
  if (plan.size() > 256) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot spawn \"", request.argv[0], "\": more than 256 child fds"));
  }
  int status_pipe[2];
  if (::pipe2(status_pipe, O_CLOEXEC) != 0) {
    return ErrnoStatus(
        errno, absl::StrCat("cannot spawn \"", request.argv[0], "\": pipe2"));
  }
  closer.Add(status_pipe[0]);
  closer.Add(status_pipe[1]);

  // Everything the child needs is built before fork(): it must not allocate.
  std::vector<char*> argv;
  for (std::string& arg : request.argv) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  char** env = environ;
  if (request.env.has_value()) {
    for (std::string& entry : *request.env) envp.push_back(entry.data());
    envp.push_back(nullptr);
    env = envp.data();
  }
  const char* cwd = request.cwd.has_value() ? request.cwd->c_str() : nullptr;

  const pid_t pid = ::fork();
  if (pid < 0) {
    return ErrnoStatus(
        errno, absl::StrCat("cannot spawn \"", request.argv[0], "\": fork"));
  }
  if (pid == 0) {
    ChildMain(executable->c_str(), argv.data(), env, cwd, plan, max_target,
              status_pipe[1]);
  }

  // Parent. The child's ends and the status pipe's write end are the
  // child's business now.
  for (const auto& [child_fd, pair] : ends) closer.Close(pair.second);
  closer.Close(status_pipe[1]);
  ChildFailure failure{0, 0};
  size_t got = 0;
  while (got < sizeof(failure)) {
    ssize_t n = ::read(status_pipe[0], reinterpret_cast<char*>(&failure) + got,
                       sizeof(failure) - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: exec succeeded (the pipe closed on exec).
    got += static_cast<size_t>(n);
  }
  closer.Close(status_pipe[0]);
  if (got == sizeof(failure)) {
    int ignored;
    while (::waitpid(pid, &ignored, 0) < 0 && errno == EINTR) {
    }
    if (failure.stage == kStageChdir) {
      return ErrnoStatus(failure.err,
                         absl::StrCat("cannot spawn \"", *executable,
                                      "\": cannot change directory to \"",
                                      *request.cwd, "\""));
    }
    return ErrnoStatus(failure.err,
                       absl::StrCat("cannot execute \"", *executable, "\""));
  }

  ForkedChild child;
  child.pid = pid;
  child.executable = *std::move(executable);
  for (const auto& [child_fd, pair] : ends) {
    closer.Release(pair.first);
    child.our_ends[child_fd] = pair.first;
  }
  return child;
}

}  // namespace standin::process_internal
