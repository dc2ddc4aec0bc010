// A TAP device opened with a virtio-net header and checksum/segmentation offloads (DESIGN.md §5).
#pragma once

#include <string>

#include "tap/unique_fd.hpp"

namespace vpclab::tap {

class TapDevice {
public:
    // Creates a non-persistent TAP named `name` in the caller's current network namespace. It is deleted by the
    // kernel when the fd closes, which is what makes `kill -9` of the router leave no interface behind.
    static TapDevice create(const std::string& name);

    int fd() const { return fd_.get(); }
    const std::string& name() const { return name_; }
    // The offloads the kernel accepted (TUN_F_* bits): it may hand us GSO frames and partial checksums of these kinds.
    unsigned offloads() const { return offloads_; }
    // Carrier on or off (TUNSETCARRIER): the interface inside reads UP or NO-CARRIER. Takes the kernel's
    // RTNL lock, so never call it where waiting for namespace work would hold up frames.
    void set_carrier(bool on) const;
    void close() { fd_.reset(); }

private:
    UniqueFd fd_;
    std::string name_;
    unsigned offloads_ = 0;
};

// The same on any fd of a TAP (a dup of one the event loop holds, say).
void set_tap_carrier(int fd, bool on);

}  // namespace vpclab::tap
