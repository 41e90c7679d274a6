#include "standin/process/fake_process_spawner.h"

#include <utility>

namespace standin {

absl::StatusOr<std::unique_ptr<ProcessTransport>> FakeProcessSpawner::Spawn(
    ProcessProtocol* protocol, Process::Options options) {
  calls_.push_back(Call{protocol, options, nullptr});
  if (!failures_.empty()) {
    absl::Status error = std::move(failures_.front());
    failures_.pop_front();
    return error;
  }
  FakeProcessTransport::Options fake_options = transport_options_;
  fake_options.child_fds = options.child_fds;
  auto child = std::make_unique<FakeProcessTransport>(protocol, fake_options);
  last_ = child.get();
  calls_.back().transport = last_;
  return std::unique_ptr<ProcessTransport>(std::move(child));
}

}  // namespace standin
