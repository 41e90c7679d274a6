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
#include "standin/transport/unique_fd.h"

extern char** environ;

namespace standin::process_internal {
namespace {

// What the child reports through the status pipe when it cannot exec.
struct ChildFailure {
  int stage;  // kStageChdir or kStageExec.
  int err;
};
constexpr int kStageChdir = 1;
constexpr int kStageExec = 2;
// The child's fd plan lives in a fixed array (it may not allocate).
constexpr size_t kMaxChildFds = 256;

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
  int moved[kMaxChildFds];
  const size_t count = plan.size();
  if (count > kMaxChildFds) ::_exit(127);
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
    // A raw close(): after fork() only async-signal-safe calls, and these
    // fds are nobody's to own.
    if (!wanted) ::close(fd);
  }
  ::syscall(SYS_close_range, max_target + 1, ~0U, CLOSE_RANGE_CLOEXEC);
  if (cwd != nullptr && ::chdir(cwd) != 0) fail(kStageChdir);
  ::execve(path, argv, envp);
  fail(kStageExec);
  ::_exit(127);  // Not reached.
}

// The request is well-formed: InvalidArgument naming what is not.
absl::Status Validate(const ForkExecRequest& request) {
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
  if (request.child_fds.size() + request.inherited_fds.size() > kMaxChildFds) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot spawn \"", request.argv[0], "\": more than ",
                     kMaxChildFds, " child fds"));
  }
  return absl::OkStatus();
}

// The pipes for the child's fds, and the plan the child follows.
struct Pipes {
  std::map<int, UniqueFd> ours;           // child fd -> our end
  std::vector<UniqueFd> theirs;           // closed in the parent after fork()
  std::vector<std::pair<int, int>> plan;  // (child fd, source fd)
  int max_target = 2;
};

absl::StatusOr<Pipes> MakePipes(const ForkExecRequest& request) {
  Pipes pipes;
  for (const auto& [child_fd, kind] : request.child_fds) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      return ErrnoStatus(
          errno, absl::StrCat("cannot spawn \"", request.argv[0], "\": pipe2"));
    }
    UniqueFd read_end(fds[0]);
    UniqueFd write_end(fds[1]);
    const bool to_child = kind == ChildFdKind::kToChild;
    UniqueFd& ours = to_child ? write_end : read_end;
    UniqueFd& theirs = to_child ? read_end : write_end;
    // Only our end is non-blocking: the child expects ordinary blocking I/O.
    ::fcntl(ours.get(), F_SETFL, ::fcntl(ours.get(), F_GETFL) | O_NONBLOCK);
    pipes.plan.emplace_back(child_fd, theirs.get());
    pipes.max_target = std::max(pipes.max_target, child_fd);
    pipes.ours[child_fd] = std::move(ours);
    pipes.theirs.push_back(std::move(theirs));
  }
  for (const auto& [child_fd, our_fd] : request.inherited_fds) {
    pipes.plan.emplace_back(child_fd, our_fd);
    pipes.max_target = std::max(pipes.max_target, child_fd);
  }
  return pipes;
}

// Waits for the exec: EOF on the status pipe means it happened (the pipe
// closed on exec); a ChildFailure means it did not, and the child is reaped.
absl::Status AwaitExec(pid_t pid, UniqueFd status_read,
                       const std::string& executable,
                       const ForkExecRequest& request) {
  ChildFailure failure{0, 0};
  size_t got = 0;
  while (got < sizeof(failure)) {
    ssize_t n =
        ::read(status_read.get(), reinterpret_cast<char*>(&failure) + got,
               sizeof(failure) - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  if (got < sizeof(failure)) return absl::OkStatus();
  int ignored;
  while (::waitpid(pid, &ignored, 0) < 0 && errno == EINTR) {
  }
  if (failure.stage == kStageChdir) {
    return ErrnoStatus(failure.err, absl::StrCat("cannot spawn \"", executable,
                                                 "\": cannot change directory "
                                                 "to \"",
                                                 *request.cwd, "\""));
  }
  return ErrnoStatus(failure.err,
                     absl::StrCat("cannot execute \"", executable, "\""));
}

}  // namespace

absl::StatusOr<ForkedChild> ForkExec(ForkExecRequest request) {
  if (absl::Status valid = Validate(request); !valid.ok()) return valid;
  absl::StatusOr<std::string> executable =
      ResolveExecutable(request.argv[0], request.env);
  if (!executable.ok()) return executable.status();
  absl::StatusOr<Pipes> pipes = MakePipes(request);
  if (!pipes.ok()) return pipes.status();
  int status_pipe[2];
  if (::pipe2(status_pipe, O_CLOEXEC) != 0) {
    return ErrnoStatus(
        errno, absl::StrCat("cannot spawn \"", request.argv[0], "\": pipe2"));
  }
  UniqueFd status_read(status_pipe[0]);
  UniqueFd status_write(status_pipe[1]);

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
    ChildMain(executable->c_str(), argv.data(), env, cwd, pipes->plan,
              pipes->max_target, status_write.get());
  }

  // Parent. The child's ends and the status pipe's write end are the
  // child's business now.
  pipes->theirs.clear();
  status_write.reset();
  if (absl::Status exec =
          AwaitExec(pid, std::move(status_read), *executable, request);
      !exec.ok()) {
    return exec;
  }
  ForkedChild child;
  child.pid = pid;
  child.executable = *std::move(executable);
  child.our_ends = std::move(pipes->ours);
  return child;
}

}  // namespace standin::process_internal
