// Per-ENI traffic and drop counters: plain integers the single-threaded data path increments.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "router/data_path/drop_reason.hpp"

namespace vpclab::router {

struct PortCounters {
    std::uint64_t rx_frames = 0, rx_bytes = 0;  // from the instance into the router
    std::uint64_t tx_frames = 0, tx_bytes = 0;  // from the router to the instance
    std::array<std::uint64_t, drop_reason_count> drops{};  // frames that entered on this ENI and were dropped
    // The connections its security groups track for it now, and the most it may hold with the table as it is
    // (EC2's conntrack_allowance_available is the difference): published once a second by the event loop.
    std::uint64_t tracked = 0, tracked_allowance = 0;

    // Network ACL denials by rule, for `vpclab stats`: the first few distinct (ACL, direction, rule) that
    // denied frames of this ENI; later ones are counted only by reason (a fixed array: nothing allocates).
    struct AclRuleDrops {
        std::uint32_t acl = 0;  // routing::network_acl_key of the ACL's ID
        std::uint16_t rule_number = 0;
        bool inbound = false;
        std::uint64_t frames = 0;
    };
    std::array<AclRuleDrops, 8> acl_rule_drops{};

    void count_drop(DropReason r) { ++drops[static_cast<std::size_t>(r)]; }
    void count_acl_rule(std::uint32_t acl, bool inbound, std::uint16_t rule_number) {
        for (auto& a : acl_rule_drops) {
            if (a.frames && (a.acl != acl || a.inbound != inbound || a.rule_number != rule_number)) continue;
            if (!a.frames) a = AclRuleDrops{acl, rule_number, inbound, 0};
            ++a.frames;
            return;
        }
    }
    std::uint64_t dropped(DropReason r) const { return drops[static_cast<std::size_t>(r)]; }
};

using Counters = std::vector<PortCounters>;  // indexed by port; grown (never shrunk) as ENIs get ports

}  // namespace vpclab::router
