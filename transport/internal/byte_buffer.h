// ByteBuffer: an append-only contiguous byte buffer for recording doubles.
//
// std::string doubles and copies everything it holds as it grows, and ends
// up to twice the size of its contents. ByteBuffer keeps small contents in
// the heap (doubling, as usual), but once it passes kMapThreshold its bytes
// live in an anonymous mapping of their own that grows by an eighth at a
// time with mremap(): the kernel moves page tables, never the bytes, so
// recording N bytes costs one memcpy of N bytes and touches each page once,
// and the memory held stays within an eighth (plus 64 KiB) of the contents,
// whatever the malloc implementation or its mmap threshold does. The append
// fast path is inline.
//
//   standin::internal::ByteBuffer buffer;
//   buffer.Append("abc");
//   buffer.Append("def");
//   assert(buffer.view() == "abcdef");
#ifndef STANDIN_TRANSPORT_INTERNAL_BYTE_BUFFER_H_
#define STANDIN_TRANSPORT_INTERNAL_BYTE_BUFFER_H_

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>
#include <utility>

namespace standin::internal {

class ByteBuffer {
 public:
  // Capacities from here up are a mapping of their own, grown with mremap().
  static constexpr size_t kMapThreshold = size_t{256} << 10;
  // Mapped capacities are multiples of this (a multiple of every common
  // page size, so no sysconf() is needed).
  static constexpr size_t kMapGranule = size_t{64} << 10;

  ByteBuffer() = default;
  ByteBuffer(const ByteBuffer&) = delete;
  ByteBuffer& operator=(const ByteBuffer&) = delete;
  ByteBuffer(ByteBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)),
        capacity_(std::exchange(other.capacity_, 0)) {}
  ByteBuffer& operator=(ByteBuffer&& other) noexcept {
    if (this != &other) {
      Release();
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
      capacity_ = std::exchange(other.capacity_, 0);
    }
    return *this;
  }
  ~ByteBuffer() { Release(); }

  void Append(std::string_view bytes) {
    // True of every string_view; said so that GCC 12 at -O2 does not warn of
    // a memcpy of SIZE_MAX bytes on a path that cannot happen.
    if (bytes.size() > bytes.max_size()) __builtin_unreachable();
    if (bytes.size() > capacity_ - size_) Grow(bytes.size());
    if (!bytes.empty()) std::memcpy(data_ + size_, bytes.data(), bytes.size());
    size_ += bytes.size();
  }
  void PushBack(char byte) {
    if (size_ == capacity_) Grow(1);
    data_[size_++] = byte;
  }
  // The last byte; the buffer must not be empty.
  char& back() { return data_[size_ - 1]; }
  // Makes room for `extra` more bytes without further reallocation.
  void Reserve(size_t extra) {
    if (extra > capacity_ - size_) Grow(extra);
  }
  // Frees the memory, not just the contents.
  void Release() {
    if (mapped()) {
      ::munmap(data_, capacity_);
    } else {
      std::free(data_);
    }
    data_ = nullptr;
    size_ = capacity_ = 0;
  }

  std::string_view view() const { return {data_, size_}; }
  size_t size() const { return size_; }
  // The bytes held (for tests of the growth policy).
  size_t capacity() const { return capacity_; }

 private:
  bool mapped() const { return capacity_ >= kMapThreshold; }

  // Out of line: the fast paths above stay small enough to inline.
  [[gnu::noinline]] void Grow(size_t extra) {
    if (extra > kMaxSize - size_) throw std::bad_alloc();
    const size_t wanted = size_ + extra;
    size_t capacity;
    if (mapped()) {
      capacity = capacity_ + capacity_ / 8;
    } else {
      capacity = capacity_ < 64 ? 64 : capacity_;
      while (capacity < wanted && capacity < kMapThreshold) capacity *= 2;
    }
    if (capacity < wanted) capacity = wanted;
    if (capacity < kMapThreshold) {  // A power of two, in the heap.
      void* grown = std::realloc(data_, capacity);
      if (grown == nullptr) throw std::bad_alloc();
      data_ = static_cast<char*>(grown);
      capacity_ = capacity;
      return;
    }
    capacity = (capacity + kMapGranule - 1) / kMapGranule * kMapGranule;
    void* grown;
    if (mapped()) {
      grown = ::mremap(data_, capacity_, capacity, MREMAP_MAYMOVE);
      if (grown == MAP_FAILED) throw std::bad_alloc();
    } else {
      grown = ::mmap(nullptr, capacity, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (grown == MAP_FAILED) throw std::bad_alloc();
      if (size_ != 0) std::memcpy(grown, data_, size_);
      std::free(data_);
    }
    data_ = static_cast<char*>(grown);
    capacity_ = capacity;
  }

  static constexpr size_t kMaxSize = size_t{1} << 60;

  char* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace standin::internal

#endif  // STANDIN_TRANSPORT_INTERNAL_BYTE_BUFFER_H_
