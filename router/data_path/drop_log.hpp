// What `-v` writes to the router's log for a dropped frame: which ENI and instance, the packet's protocol and
// addresses, and why (for no_route, the route table that had no route), at most `lines_per_second` lines.
// Control-plane code: it allocates, and runs only when debug logging is on.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "router/data_path/drop_reason.hpp"
#include "routing/forwarding_snapshot.hpp"
#include "routing/vpc_model.hpp"
#include "wire/bytes.hpp"

namespace vpclab::router {

// One line describing a drop. `frame` is a TAP read (virtio-net header + Ethernet); any bytes are fine.
std::string describe_drop(const routing::VpcModel& model, const routing::ForwardingSnapshot& snapshot, routing::PortIndex ingress,
                          wire::ConstBytes frame, DropReason reason);

// "ICMP", "TCP", "UDP" or "protocol 47".
std::string protocol_name(std::uint8_t protocol);

// "rule 100 of network ACL acl-… (name)", or "rule * of …" for the final rule.
std::string acl_rule_name(const routing::NetworkAcl& acl, std::uint16_t rule_number);

// A budget of log lines per second, so a flood of drops cannot flood the log (or slow forwarding).
class LogBudget {
public:
    using Clock = std::chrono::steady_clock;
    explicit LogBudget(std::uint32_t lines_per_second) : per_second_(lines_per_second) {}
    // Whether a line may be written now; when one is, `suppressed` says how many were refused since the last.
    bool take(Clock::time_point now, std::uint64_t& suppressed);

private:
    std::uint32_t per_second_;
    Clock::time_point window_{};
    std::uint32_t used_ = 0;
    std::uint64_t refused_ = 0;
};

}  // namespace vpclab::router
