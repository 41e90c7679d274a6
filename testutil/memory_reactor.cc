#include "standin/testutil/memory_reactor.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace standin::testutil {
namespace {

bool Contains(const std::vector<Selectable*>& list, const Selectable* s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

void Erase(std::vector<Selectable*>& list, const Selectable* s) {
  list.erase(std::remove(list.begin(), list.end(), s), list.end());
}

}  // namespace

void MemoryReactor::AddReader(Selectable* selectable) {
  ++add_reader_calls_;
  if (!Contains(readers_, selectable)) readers_.push_back(selectable);
}

void MemoryReactor::AddWriter(Selectable* selectable) {
  ++add_writer_calls_;
  if (!Contains(writers_, selectable)) writers_.push_back(selectable);
}

void MemoryReactor::RemoveReader(Selectable* selectable) {
  Erase(readers_, selectable);
}

void MemoryReactor::RemoveWriter(Selectable* selectable) {
  Erase(writers_, selectable);
}

std::vector<Selectable*> MemoryReactor::RemoveAll() {
  std::vector<Selectable*> removed = readers_;
  for (Selectable* writer : writers_) {
    if (!Contains(removed, writer)) removed.push_back(writer);
  }
  readers_.clear();
  writers_.clear();
  return removed;
}

bool MemoryReactor::HasReader(const Selectable* selectable) const {
  return Contains(readers_, selectable);
}

bool MemoryReactor::HasWriter(const Selectable* selectable) const {
  return Contains(writers_, selectable);
}

absl::Status MemoryReactor::Fire(Selectable* selectable, bool write) {
  if (!Contains(write ? writers_ : readers_, selectable)) {
    std::fprintf(stderr,
                 "MemoryReactor::%s: the selectable is not a %s; a reactor "
                 "would never call it\n",
                 write ? "FireWrite" : "FireRead", write ? "writer" : "reader");
    std::abort();
  }
  absl::Status status = write ? selectable->DoWrite() : selectable->DoRead();
  if (!status.ok()) {
    RemoveReader(selectable);
    RemoveWriter(selectable);
    selectable->ConnectionLost(status);
  }
  return status;
}

absl::Status MemoryReactor::FireRead(Selectable* selectable) {
  return Fire(selectable, /*write=*/false);
}

absl::Status MemoryReactor::FireWrite(Selectable* selectable) {
  return Fire(selectable, /*write=*/true);
}

size_t MemoryReactor::RunWriters() {
  std::vector<Selectable*> snapshot = writers_;
  size_t called = 0;
  for (Selectable* writer : snapshot) {
    if (!HasWriter(writer)) continue;
    Fire(writer, /*write=*/true).IgnoreError();
    ++called;
  }
  return called;
}

size_t MemoryReactor::RunReaders() {
  std::vector<Selectable*> snapshot = readers_;
  size_t called = 0;
  for (Selectable* reader : snapshot) {
    if (!HasReader(reader)) continue;
    Fire(reader, /*write=*/false).IgnoreError();
    ++called;
  }
  return called;
}

}  // namespace standin::testutil
