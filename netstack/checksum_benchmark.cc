// InternetChecksum throughput beside three loops over the same memory, all
// measured in the same iteration:
//   sum64     a plain scalar 64-bit sum (the memory-read limit;
//             goal: ours >= 0.5x of it),
//   simd_read a 64-bit-lane SIMD sum (AVX2 where the CPU has it, as ours
//             then uses; else SSE2): what reading the memory costs when the
//             loop is vectorised, a stricter limit,
//   naive16   the RFC 1071 definition, 16 bits per step (goal: ours >= 4x).
//
//   bazel run --config=opt //netstack:checksum_benchmark
//
// Counters: GBps is ours; <loop>_GBps each loop's; x_<loop> = our speed /
// that loop's speed.
#include <time.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>

#include "benchmark/benchmark.h"
#include "standin/netstack/checksum.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace standin::netstack {
namespace {

// Thread CPU time, not wall time: the machine is shared, and a preempted
// batch must not count against either side.
struct Clock {
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<Clock, duration>;
  static time_point now() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return time_point(duration(int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec));
  }
};

__attribute__((noinline)) uint64_t Sum64(const char* p, size_t n) {
  uint64_t sum = 0;
  for (size_t i = 0; i + 8 <= n; i += 8) {
    uint64_t v;
    std::memcpy(&v, p + i, 8);
    sum += v;
  }
  return sum;
}

#if defined(__x86_64__)
// The same read with AVX2, for CPUs that have it (as InternetChecksum uses).
__attribute__((noinline, target("avx2"))) uint64_t SimdReadAvx2(const char* p,
                                                                size_t n) {
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  for (; n >= 128; n -= 128, p += 128) {
    a0 = _mm256_add_epi64(
        a0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    a1 = _mm256_add_epi64(
        a1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32)));
    a2 = _mm256_add_epi64(
        a2, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 64)));
    a3 = _mm256_add_epi64(
        a3, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 96)));
  }
  __m256i s =
      _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3));
  uint64_t lanes[4];
  std::memcpy(lanes, &s, sizeof(lanes));
  return lanes[0] + lanes[1] + lanes[2] + lanes[3] + Sum64(p, n);
}
#endif

__attribute__((noinline)) uint64_t SimdRead(const char* p, size_t n) {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2")) return SimdReadAvx2(p, n);
#endif
#if defined(__SSE2__)
  __m128i a0 = _mm_setzero_si128(), a1 = a0, a2 = a0, a3 = a0;
  for (; n >= 64; n -= 64, p += 64) {
    a0 =
        _mm_add_epi64(a0, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    a1 = _mm_add_epi64(
        a1, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16)));
    a2 = _mm_add_epi64(
        a2, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 32)));
    a3 = _mm_add_epi64(
        a3, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 48)));
  }
  __m128i s = _mm_add_epi64(_mm_add_epi64(a0, a1), _mm_add_epi64(a2, a3));
  uint64_t lanes[2];
  std::memcpy(lanes, &s, sizeof(lanes));
  return lanes[0] + lanes[1] + Sum64(p, n);
#else
  return Sum64(p, n);
#endif
}

// RFC 1071's sample C loop: 16-bit words into a 32-bit accumulator, one
// fold at the end (fine up to 128 KiB).
__attribute__((noinline)) uint16_t Naive16(const char* p, size_t n) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < n; i += 2) {
    sum += uint32_t{static_cast<uint8_t>(p[i])} << 8 |
           static_cast<uint8_t>(p[i + 1]);
  }
  if (n % 2 == 1) sum += uint32_t{static_cast<uint8_t>(p[n - 1])} << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// Seconds taken by `reps` calls of `f`.
template <typename F>
double Time(int reps, F f) {
  auto start = Clock::now();
  for (int i = 0; i < reps; ++i) {
    benchmark::DoNotOptimize(f());
    benchmark::ClobberMemory();
  }
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void BM_Checksum(benchmark::State& state) {
  const size_t size = static_cast<size_t>(state.range(0));
  std::string buffer(size, '\0');
  for (size_t i = 0; i < size; ++i) buffer[i] = static_cast<char>(i * 131 + 7);
  const char* p = buffer.data();
  const int reps = static_cast<int>(std::max<size_t>(1, (1 << 20) / size));
  double ours = 0, sum64 = 0, simd = 0, naive = 0;
  for (auto _ : state) {
    ours += Time(reps, [&] { return InternetChecksum({p, size}); });
    sum64 += Time(reps, [&] { return Sum64(p, size); });
    simd += Time(reps, [&] { return SimdRead(p, size); });
    naive += Time(reps, [&] { return Naive16(p, size); });
  }
  const double bytes = static_cast<double>(state.iterations()) * reps * size;
  state.counters["GBps"] = bytes / ours / 1e9;
  state.counters["sum64_GBps"] = bytes / sum64 / 1e9;
  state.counters["simd_read_GBps"] = bytes / simd / 1e9;
  state.counters["naive16_GBps"] = bytes / naive / 1e9;
  state.counters["x_sum64"] = sum64 / ours;
  state.counters["x_simd_read"] = simd / ours;
  state.counters["x_naive16"] = naive / ours;
}

BENCHMARK(BM_Checksum)->Arg(20)->Arg(1500)->Arg(64 * 1024);

}  // namespace
}  // namespace standin::netstack
