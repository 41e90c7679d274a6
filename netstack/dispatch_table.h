// DispatchTable: the one demultiplexer of the protocol layers. Each layer
// keeps a list of receivers per number (EthernetProtocol by ethertype,
// IpProtocol by IP protocol number, RawUdpProtocol by destination port) and
// hands every datagram to each receiver of its number, in the order added
// (twisted.pair's addProto; smoltcp likewise has one dispatch mechanism).
//
//   DispatchTable<RawPacketProtocol> table("ethertype", 16);
//   absl::Status s = table.Add(kEtherTypeIpv4, &ip);   // InvalidArgument if
//                                                      // > 16 bits or null
//   bool found = table.Dispatch(ethertype, [&](RawPacketProtocol* p) {
//     p->DatagramReceived(payload, link);
//   });
//   if (!found) drops.Add(DropReason::kNoProtocol);
//
// A receiver may Add() during a dispatch (to any number): receivers added to
// the number being dispatched are called in the same dispatch. Lookups
// remember the last number found, so a flow of one number costs one compare.
#ifndef STANDIN_NETSTACK_DISPATCH_TABLE_H_
#define STANDIN_NETSTACK_DISPATCH_TABLE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"

namespace standin::netstack {

template <typename Receiver>
class DispatchTable {
 public:
  // `what` names the number in error messages ("ethertype", "port"); numbers
  // must fit `bits` bits.
  DispatchTable(const char* what, int bits) : what_(what), bits_(bits) {}
  DispatchTable(const DispatchTable&) = delete;
  DispatchTable& operator=(const DispatchTable&) = delete;

  // Appends `receiver` (not owned; must outlive the table) to the list for
  // `number`. InvalidArgument, naming the number, if it does not fit the
  // field or `receiver` is null.
  ABSL_MUST_USE_RESULT absl::Status Add(uint32_t number, Receiver* receiver) {
    if (bits_ < 32 && number >> bits_ != 0) {
      return absl::InvalidArgumentError(
          "Added protocol must fit in " + std::to_string(bits_) +
          " bits: " + what_ + " " + std::to_string(number));
    }
    if (receiver == nullptr) {
      return absl::InvalidArgumentError("Added protocol for " +
                                        std::string(what_) + " " +
                                        std::to_string(number) + " is null");
    }
    std::unique_ptr<List>& list = lists_[number];
    if (list == nullptr) list = std::make_unique<List>();
    list->push_back(receiver);
    return absl::OkStatus();
  }

  // Calls `deliver(receiver)` for each receiver of `number`, in the order
  // added. Returns false, calling nothing, when `number` has none.
  template <typename Deliver>
  bool Dispatch(uint32_t number, Deliver&& deliver) {
    const List* list = Find(number);
    if (list == nullptr) return false;
    // By index: a receiver may Add() and grow this very list.
    for (size_t i = 0; i < list->size(); ++i) deliver((*list)[i]);
    return true;
  }

 private:
  using List = std::vector<Receiver*>;

  const List* Find(uint32_t number) {
    if (last_list_ != nullptr && last_number_ == number) return last_list_;
    auto it = lists_.find(number);
    if (it == lists_.end()) return nullptr;
    last_number_ = number;
    last_list_ = it->second.get();
    return last_list_;
  }

  const char* const what_;
  const int bits_;
  // Lists are boxed and never removed, so a list (and last_list_) stays put
  // while Add() rehashes the map, even in the middle of a dispatch.
  absl::flat_hash_map<uint32_t, std::unique_ptr<List>> lists_;
  uint32_t last_number_ = 0;
  const List* last_list_ = nullptr;
};

}  // namespace standin::netstack

#endif  // STANDIN_NETSTACK_DISPATCH_TABLE_H_
