// ForwardingIoSystem: an IoSystem that passes every call on to another one.
// It is the base of the devices that wrap a device (FaultInjectingIoSystem,
// CapturingIoSystem, smoltcp's phy wrappers): each overrides only the calls
// it changes, so the wrappers stack in any order over MemoryIoSystem or
// the kernel.
//
// Example:
//
//   class CountingWrites : public standin::ForwardingIoSystem {
//    public:
//     using ForwardingIoSystem::ForwardingIoSystem;
//     absl::StatusOr<size_t> Write(int fd, std::string_view data) override {
//       ++writes;
//       return ForwardingIoSystem::Write(fd, data);
//     }
//     int writes = 0;
//   };
//   standin::MemoryIoSystem memory;
//   CountingWrites counting(&memory);  // hand &counting to a TuntapPort
#ifndef STANDIN_TUNTAP_FORWARDING_IO_SYSTEM_H_
#define STANDIN_TUNTAP_FORWARDING_IO_SYSTEM_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "standin/tuntap/io_system.h"

namespace standin {

class ForwardingIoSystem : public IoSystem {
 public:
  // `inner` (not owned) must outlive this.
  explicit ForwardingIoSystem(IoSystem* inner) : inner_(inner) {}

  using IoSystem::Open;  // And Open(path, flags).
  absl::StatusOr<int> Open(std::string_view path, int flags,
                           int mode) override {
    return inner_->Open(path, flags, mode);
  }
  absl::StatusOr<std::string> Ioctl(int fd, unsigned long request,
                                    std::string_view arg) override {
    return inner_->Ioctl(fd, request, arg);
  }
  absl::StatusOr<int> IoctlValue(int fd, unsigned long request,
                                 unsigned long value) override {
    return inner_->IoctlValue(fd, request, value);
  }
  absl::StatusOr<size_t> ReadInto(int fd, absl::Span<char> buffer) override {
    return inner_->ReadInto(fd, buffer);
  }
  absl::StatusOr<size_t> Write(int fd, std::string_view data) override {
    return inner_->Write(fd, data);
  }
  absl::Status Close(int fd) override { return inner_->Close(fd); }
  absl::StatusOr<IPv4Address> SendUdp(std::string_view payload,
                                      const IPv4Address& to) override {
    return inner_->SendUdp(payload, to);
  }
  absl::StatusOr<std::unique_ptr<UdpReceiver>> ReceiveUdp(
      int fd, const IPv4Address& local) override {
    return inner_->ReceiveUdp(fd, local);
  }

  // The wrapped system.
  IoSystem* inner() const { return inner_; }

 private:
  IoSystem* const inner_;
};

}  // namespace standin

#endif  // STANDIN_TUNTAP_FORWARDING_IO_SYSTEM_H_
