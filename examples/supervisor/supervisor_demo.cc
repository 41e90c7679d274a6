// supervisor_demo: runs the Supervisor for real. It supervises a flaky
// worker (flaky_worker.h) that fails twice and then succeeds, printing the
// worker's prefixed output and the supervisor's decisions, e.g.
//
//   [flaky] started
//   [flaky] out: attempt 1 starting
//   [flaky] err: attempt 1 failed
//   [flaky] exited with code 1; restart 1 of 3 in 100ms
//   ...
//   [flaky] exited with code 0; done
//
// Exit status 0 when the worker eventually succeeded.
#include <stdlib.h>
#include <unistd.h>

#include <iostream>
#include <memory>
#include <string>

#include "standin/examples/supervisor/flaky_worker.h"
#include "standin/examples/supervisor/supervisor.h"
#include "standin/process/process.h"
#include "standin/process/process_spawner.h"
#include "standin/transport/epoll_reactor.h"

int main() {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir =
      std::string(tmp != nullptr ? tmp : "/tmp") + "/supervisor_demo.XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) {
    std::perror("mkdtemp");
    return 2;
  }
  const std::string counter = dir + "/attempts";

  standin::EpollReactor reactor;
  standin::RealProcessSpawner spawner(&reactor);
  standin::examples::Supervisor supervisor(
      &reactor, &spawner,
      {.name = "flaky",
       .child = standin::examples::FlakyWorkerOptions(counter),
       .max_restarts = 3,
       .restart_delay = absl::Milliseconds(100)},
      [](std::string_view line) { std::cout << line << std::endl; });
  supervisor.Start();
  while (!supervisor.finished()) {
    absl::Status status = reactor.RunOnce(absl::Seconds(1));
    if (!status.ok()) {
      std::cerr << status << std::endl;
      return 2;
    }
  }
  ::unlink(counter.c_str());
  ::rmdir(dir.c_str());
  std::cout << "supervisor " << standin::examples::ToString(supervisor.state())
            << " after " << supervisor.restarts() << " restarts" << std::endl;
  return supervisor.state() == standin::examples::Supervisor::State::kSucceeded
             ? 0
             : 1;
}
