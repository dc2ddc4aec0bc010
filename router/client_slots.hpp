// The bounded connection tables of the event loop's servers (DNS over TCP, instance metadata): where a new
// connection goes.
#pragma once

#include <cstddef>

namespace vpclab::router {

// A free slot, else the one accepted longest ago (it makes room: a client that never finishes holds a slot
// only until the table's size in others came). Clients have `fd` (false when free) and `accepted_order`.
template <class Clients>
std::size_t free_or_oldest_slot(const Clients& clients) {
    std::size_t slot = 0;
    for (std::size_t i = 0; i < clients.size(); ++i) {
        if (!clients[i].fd) return i;
        if (clients[i].accepted_order < clients[slot].accepted_order) slot = i;
    }
    return slot;
}

}  // namespace vpclab::router
