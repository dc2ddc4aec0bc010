// A TAP device opened with a virtio-net header and checksum/segmentation offloads (DESIGN.md §5), and two
// queues: the instance's small frames arrive on one, its bulk on the other (tap/queue_steering.hpp), so
// that the router can serve a ping or a keystroke before the stream queued ahead of it.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "tap/unique_fd.hpp"

namespace vpclab::tap {

class TapDevice {
public:
    // Creates a non-persistent TAP named `name` in the caller's current network namespace. It is deleted by the
    // kernel when its fds close, which is what makes `kill -9` of the router leave no interface behind.
    static TapDevice create(const std::string& name);

    // The bulk queue's fd, and the one to write frames to the instance on.
    int fd() const { return fd_.get(); }
    // The interactive queue's fd (small frames, read first), or -1 for a single-queue TAP (no BPF).
    int interactive_fd() const { return interactive_fd_.get(); }
    const std::string& name() const { return name_; }
    // The offloads the kernel accepted (TUN_F_* bits): it may hand us GSO frames and partial checksums of these kinds.
    unsigned offloads() const { return offloads_; }
    // Carrier on or off (TUNSETCARRIER): the interface inside reads UP or NO-CARRIER. Takes the kernel's
    // RTNL lock, so never call it where waiting for namespace work would hold up frames.
    void set_carrier(bool on) const;
    void close() {
        interactive_fd_.reset();
        fd_.reset();
    }
    // Whether the interface is gone while the fd is still open (its namespace was dismantled): closing
    // the fd then costs nothing, where closing it first makes the kernel unregister the interface on its
    // own (~20 ms each, one at a time).
    bool interface_gone() const;

private:
    UniqueFd fd_;
    UniqueFd interactive_fd_;
    std::string name_;
    unsigned offloads_ = 0;
};

// Closes TAPs whose namespaces were just deleted: first waits (up to `patience`) for the kernel to
// dismantle those namespaces, which unregisters their interfaces in one batch, so that closing costs
// nothing; whatever is still there after that is closed anyway. Empties `taps`.
void close_after_namespaces(std::vector<TapDevice>& taps, std::chrono::milliseconds patience);

// The same on any fd of a TAP (a dup of one the event loop holds, say).
void set_tap_carrier(int fd, bool on);

}  // namespace vpclab::tap
