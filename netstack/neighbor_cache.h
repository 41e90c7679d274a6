// NeighborCache: IPv4 address -> Ethernet address, the table a host on an
// Ethernet (TAP) link consults before it sends (smoltcp's iface neighbor
// cache; Linux's ARP table without its state machine).
//
// Entries learned from the wire (ARP, frames received from an IP) expire;
// entries the user sets are permanent. Expiry is checked on lookup against
// the time the caller passes, so the cache needs no timer of its own. The
// cache is bounded: learning into a full cache first forgets expired
// entries, then the learned entry closest to expiry; permanent entries are
// never evicted.
//
//   standin::netstack::NeighborCache cache(/*capacity=*/64);
//   cache.Learn("192.0.2.1", mac, now, /*lifetime=*/absl::Seconds(60));
//   cache.SetPermanent("192.0.2.9", other_mac);
//   if (const MacAddress* found = cache.Lookup("192.0.2.1", now)) {
//     Send(*found);
//   }
#ifndef STANDIN_NETSTACK_NEIGHBOR_CACHE_H_
#define STANDIN_NETSTACK_NEIGHBOR_CACHE_H_

#include <cstddef>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "standin/netstack/mac_address.h"
#include "standin/transport/address.h"

namespace standin::netstack {

class NeighborCache {
 public:
  static constexpr size_t kDefaultCapacity = 256;

  explicit NeighborCache(size_t capacity = kDefaultCapacity)
      : capacity_(capacity) {}

  // Maps `ip` to `mac` for `lifetime` from `now` (refreshing an existing
  // entry). A permanent entry for `ip` is left alone.
  void Learn(IPv4Host ip, MacAddress mac, absl::Time now,
             absl::Duration lifetime);
  // Maps `ip` to `mac` for good, replacing whatever was there.
  void SetPermanent(IPv4Host ip, MacAddress mac);
  // The address for `ip` if known and not expired at `now`; null otherwise.
  // The pointer is valid until the cache next changes.
  const MacAddress* Lookup(IPv4Host ip, absl::Time now) const {
    auto it = entries_.find(ip);
    if (it == entries_.end() || it->second.expires <= now) return nullptr;
    return &it->second.mac;
  }
  // Forgets `ip`; true if it was there.
  bool Forget(IPv4Host ip) { return entries_.erase(ip) > 0; }

  // Entries held, expired ones included until they are evicted.
  size_t size() const { return entries_.size(); }
  size_t capacity() const { return capacity_; }

 private:
  struct Entry {
    MacAddress mac;
    absl::Time expires;  // InfiniteFuture() when permanent
  };
  // Makes room for one more learned entry; false when only permanent
  // entries are left.
  bool MakeRoom(absl::Time now);

  const size_t capacity_;
  absl::flat_hash_map<IPv4Host, Entry> entries_;
};

}  // namespace standin::netstack

#endif  // STANDIN_NETSTACK_NEIGHBOR_CACHE_H_
