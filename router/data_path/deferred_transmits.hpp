// A worker's frames to write after the pipeline: once it has released the data-path lock (two workers),
// or together at the end of its batch (one io_uring submit for all, tap/batched_writes.hpp). A frame it
// read, rewritten in place, is referenced (its slot of the read buffer is not read into again before the
// flush); what the pipeline built in its scratch slot, which it reuses after each transmit, is copied into
// a fixed arena. Never allocates after construction. It relies on a rule of the pipeline
// (router/data_path/stage_context.hpp, send): the frame it read is sent at most once, as its last act on
// it, so the referenced bytes do not change before the flush.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

#include "routing/forwarding_snapshot.hpp"
#include "wire/bytes.hpp"

namespace vpclab::router {

class DeferredTransmits {
public:
    // Fragments of one 64 KiB datagram (44 of 1,500 bytes) and an ICMP error or two fit.
    static constexpr std::size_t max_frames = 64;
    static constexpr std::size_t arena_bytes = 128 * 1024;

    DeferredTransmits() : arena_(arena_bytes) {}

    // Queues `frame` for `port`; `own` is the read buffer's slot of the frame being processed. False: no
    // room (the caller writes it at once instead).
    bool add(routing::PortIndex port, wire::ConstBytes frame, wire::ConstBytes own) noexcept {
        if (count_ == max_frames) return false;
        const std::less_equal<const std::uint8_t*> at_or_before;
        const bool in_own = at_or_before(own.data(), frame.data()) && at_or_before(frame.data() + frame.size(), own.data() + own.size());
        // A second send from the same frame's slot (none today: see above) is copied.
        if (in_own && referenced_own_ != own.data()) {
            referenced_own_ = own.data();
            entries_[count_++] = {port, frame.data(), frame.size()};
            return true;
        }
        if (arena_.size() - used_ < frame.size()) return false;
        std::memcpy(arena_.data() + used_, frame.data(), frame.size());
        entries_[count_++] = {port, arena_.data() + used_, frame.size()};
        used_ += frame.size();
        return true;
    }

    bool empty() const noexcept { return count_ == 0; }

    // Hands each queued frame, in order, to write(port, bytes), then forgets them.
    template <class Write>
    void flush(Write&& write) noexcept {
        for (std::size_t i = 0; i < count_; ++i) write(entries_[i].port, wire::ConstBytes(entries_[i].data, entries_[i].size));
        count_ = 0;
        used_ = 0;
        referenced_own_ = nullptr;
    }

private:
    struct Entry {
        routing::PortIndex port;
        const std::uint8_t* data;
        std::size_t size;
    };
    std::array<Entry, max_frames> entries_{};
    std::size_t count_ = 0;
    std::vector<std::uint8_t> arena_;
    std::size_t used_ = 0;
    const std::uint8_t* referenced_own_ = nullptr;  // the read slot whose frame is queued by reference
};

}  // namespace vpclab::router
