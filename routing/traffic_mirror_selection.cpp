// Which traffic mirror session copies a packet (see the header).
#include "routing/traffic_mirror_selection.hpp"

namespace vpclab::routing {

namespace {
constexpr std::uint32_t ip(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    return std::uint32_t{a} << 24 | std::uint32_t{b} << 16 | std::uint32_t{c} << 8 | d;
}
constexpr std::uint32_t metadata_address = ip(169, 254, 169, 254);  // EC2 User Guide, "Instance metadata"
constexpr std::uint32_t time_sync_address = ip(169, 254, 169, 123);  // Amazon Time Sync Service (NTP)
constexpr std::uint32_t kms_first = ip(169, 254, 169, 250), kms_last = ip(169, 254, 169, 251);  // Windows activation
constexpr std::uint32_t amazon_dns_link_local = ip(169, 254, 169, 253);

bool either(const MirrorPacket& p, std::uint32_t a) { return p.source == a || p.destination == a; }
}  // namespace

MirrorExclusion mirror_exclusion(const MirrorPacket& p, std::uint32_t vpc_dns) noexcept {
    if (either(p, metadata_address) || either(p, time_sync_address)) return MirrorExclusion::never;
    if ((p.source >= kms_first && p.source <= kms_last) || (p.destination >= kms_first && p.destination <= kms_last)) return MirrorExclusion::never;
    const bool udp = p.protocol == 17, tcp = p.protocol == 6;
    // DHCP (RFC 2131 §4.1: server 67, client 68).
    if (udp && p.has_ports && (p.source_port == 67 || p.source_port == 68 || p.destination_port == 67 || p.destination_port == 68))
        return MirrorExclusion::never;
    if ((udp || tcp) && p.has_ports) {
        const bool to_dns = (p.destination == vpc_dns || p.destination == amazon_dns_link_local) && p.destination_port == 53;
        const bool from_dns = (p.source == vpc_dns || p.source == amazon_dns_link_local) && p.source_port == 53;
        if (to_dns || from_dns) return MirrorExclusion::amazon_dns;
    }
    return MirrorExclusion::none;
}

bool mirror_rule_matches(const CompiledMirrorRule& r, const MirrorPacket& p) noexcept {
    if ((p.source & r.source_mask) != r.source_network || (p.destination & r.destination_mask) != r.destination_network) return false;
    if (r.protocol >= 0 && p.protocol != r.protocol) return false;
    if (!r.ports) return true;
    // A range applies to TCP and UDP (BC, "TrafficMirrorPortRange"): a packet without ports does not match it.
    if (!p.has_ports || (p.protocol != 6 && p.protocol != 17)) return false;
    return p.source_port >= r.source_from && p.source_port <= r.source_to && p.destination_port >= r.destination_from &&
           p.destination_port <= r.destination_to;
}

const CompiledMirrorSession* choose_mirror_session(std::span<const CompiledMirrorSession> sessions, std::span<const CompiledMirrorRule> rules,
                                                   MirrorDirection direction, const MirrorPacket& p, std::uint32_t vpc_dns) noexcept {
    const MirrorExclusion excluded = mirror_exclusion(p, vpc_dns);
    if (excluded == MirrorExclusion::never) return nullptr;
    for (const CompiledMirrorSession& s : sessions) {
        if (excluded == MirrorExclusion::amazon_dns) {
            if (s.amazon_dns) return &s;
            continue;
        }
        const bool in = direction == MirrorDirection::ingress;
        const std::uint32_t first = in ? s.first_ingress : s.first_egress, count = in ? s.ingress_count : s.egress_count;
        for (std::uint32_t i = first; i < first + count && i < rules.size(); ++i)
            if (mirror_rule_matches(rules[i], p)) {
                if (rules[i].accept) return &s;
                break;  // rejected by this session's filter: the next session may take it
            }
    }
    return nullptr;
}

}  // namespace vpclab::routing
