// ByteBuffer: an append-only contiguous byte buffer for recording doubles.
//
// std::string cannot grow without copying everything it holds; ByteBuffer
// grows with realloc(), which glibc serves with mremap() for large blocks,
// so recording N bytes costs about one memcpy of N bytes however the writes
// are sized. The append fast path is inline.
//
//   standin::internal::ByteBuffer buffer;
//   buffer.Append("abc");
//   buffer.Append("def");
//   assert(buffer.view() == "abcdef");
#ifndef STANDIN_TRANSPORT_INTERNAL_BYTE_BUFFER_H_
#define STANDIN_TRANSPORT_INTERNAL_BYTE_BUFFER_H_

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>
#include <utility>

namespace standin::internal {

class ByteBuffer {
 public:
  ByteBuffer() = default;
  ByteBuffer(const ByteBuffer&) = delete;
  ByteBuffer& operator=(const ByteBuffer&) = delete;
  ByteBuffer(ByteBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)),
        capacity_(std::exchange(other.capacity_, 0)) {}
  ByteBuffer& operator=(ByteBuffer&& other) noexcept {
    if (this != &other) {
      std::free(data_);
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
      capacity_ = std::exchange(other.capacity_, 0);
    }
    return *this;
  }
  ~ByteBuffer() { std::free(data_); }

  void Append(std::string_view bytes) {
    if (bytes.size() > capacity_ - size_) Grow(bytes.size());
    if (!bytes.empty()) std::memcpy(data_ + size_, bytes.data(), bytes.size());
    size_ += bytes.size();
  }
  // Makes room for `extra` more bytes without further reallocation.
  void Reserve(size_t extra) {
    if (extra > capacity_ - size_) Grow(extra);
  }
  // Frees the memory, not just the contents.
  void Release() {
    std::free(data_);
    data_ = nullptr;
    size_ = capacity_ = 0;
  }

  std::string_view view() const { return {data_, size_}; }
  size_t size() const { return size_; }

 private:
  void Grow(size_t extra) {
    size_t wanted = size_ + extra;
    size_t capacity = capacity_ < 64 ? 64 : capacity_;
    while (capacity < wanted) capacity *= 2;
    void* grown = std::realloc(data_, capacity);
    if (grown == nullptr) throw std::bad_alloc();
    data_ = static_cast<char*>(grown);
    capacity_ = capacity;
  }

  char* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace standin::internal

#endif  // STANDIN_TRANSPORT_INTERNAL_BYTE_BUFFER_H_
