#include "standin/netstack/raw.h"

namespace standin::netstack {

std::ostream& operator<<(std::ostream& os, const LinkMetadata& m) {
  return os << "{partial=" << m.partial << " dest=" << m.destination
            << " source=" << m.source << " protocol=0x" << std::hex
            << m.protocol << std::dec << "}";
}

std::ostream& operator<<(std::ostream& os, const Ipv4Metadata& m) {
  return os << "{partial=" << m.partial << " source=" << m.source
            << " dest=" << m.destination << " protocol=" << int{m.protocol}
            << " version=" << int{m.version} << " ihl=" << int{m.ihl}
            << " tos=" << int{m.tos} << " tot_len=" << m.tot_len
            << " fragment_id=" << m.fragment_id
            << " fragment_offset=" << m.fragment_offset
            << " dont_fragment=" << m.dont_fragment
            << " more_fragments=" << m.more_fragments << " ttl=" << int{m.ttl}
            << "}";
}

}  // namespace standin::netstack
