// ProcessSpawner: the one call code needs to start a child (Twisted's
// IReactorProcess.spawnProcess), as an interface, so code that starts
// processes can be unit-tested with FakeProcessSpawner and run with
// RealProcessSpawner unchanged.
//
// Example:
//
//   class Runner {
//    public:
//     explicit Runner(standin::ProcessSpawner* spawner) : spawner_(spawner) {}
//     absl::Status Run(standin::ProcessProtocol* protocol) {
//       auto child = spawner_->Spawn(protocol, {.argv = {"make", "all"}});
//       if (!child.ok()) return child.status();
//       child_ = *std::move(child);
//       return absl::OkStatus();
//     }
//    private:
//     standin::ProcessSpawner* spawner_;
//     std::unique_ptr<standin::ProcessTransport> child_;
//   };
//   standin::RealProcessSpawner spawner(&reactor);  // or FakeProcessSpawner
#ifndef STANDIN_PROCESS_PROCESS_SPAWNER_H_
#define STANDIN_PROCESS_PROCESS_SPAWNER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "standin/process/process.h"
#include "standin/process/process_protocol.h"
#include "standin/process/process_transport.h"
#include "standin/transport/reactor.h"

namespace standin {

class ProcessSpawner {
 public:
  virtual ~ProcessSpawner() = default;
  // Starts a child as `options` says and connects `protocol` to it
  // (ConnectionMade() runs before this returns). Errors as Process::Spawn().
  virtual absl::StatusOr<std::unique_ptr<ProcessTransport>> Spawn(
      ProcessProtocol* protocol, Process::Options options) = 0;
};

// Spawns real children with Process::Spawn() on a reactor.
class RealProcessSpawner : public ProcessSpawner {
 public:
  // `reactor` must outlive every child spawned.
  explicit RealProcessSpawner(Reactor* reactor) : reactor_(reactor) {}
  absl::StatusOr<std::unique_ptr<ProcessTransport>> Spawn(
      ProcessProtocol* protocol, Process::Options options) override {
    absl::StatusOr<std::unique_ptr<Process>> child =
        Process::Spawn(reactor_, protocol, std::move(options));
    if (!child.ok()) return child.status();
    return std::unique_ptr<ProcessTransport>(*std::move(child));
  }

 private:
  Reactor* reactor_;
};

}  // namespace standin

#endif  // STANDIN_PROCESS_PROCESS_SPAWNER_H_
