#include "standin/netstack/neighbor_cache.h"

namespace standin::netstack {

void NeighborCache::Learn(IPv4Host ip, MacAddress mac, absl::Time now,
                          absl::Duration lifetime) {
  auto it = entries_.find(ip);
  if (it != entries_.end()) {
    if (it->second.expires == absl::InfiniteFuture()) return;  // permanent
    it->second = Entry{mac, now + lifetime};
    return;
  }
  if (entries_.size() >= capacity_ && !MakeRoom(now)) return;
  entries_.emplace(ip, Entry{mac, now + lifetime});
}

void NeighborCache::SetPermanent(IPv4Host ip, MacAddress mac) {
  entries_.insert_or_assign(ip, Entry{mac, absl::InfiniteFuture()});
}

bool NeighborCache::MakeRoom(absl::Time now) {
  absl::erase_if(
      entries_, [&](const auto& entry) { return entry.second.expires <= now; });
  if (entries_.size() < capacity_) return true;
  auto soonest = entries_.end();
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->second.expires == absl::InfiniteFuture()) continue;
    if (soonest == entries_.end() ||
        it->second.expires < soonest->second.expires) {
      soonest = it;
    }
  }
  if (soonest == entries_.end()) return false;
  entries_.erase(soonest);
  return true;
}

}  // namespace standin::netstack
