// Which traffic mirror session, if any, copies a packet: the pure decision, over what the snapshot compiled
// from the model's sessions and filters (Traffic Mirroring Guide, "Traffic mirror filters", "Traffic mirror
// sessions", "Limitations"). Allocation-free; tested against the model's own words in
// tests/unit/traffic_mirror_selection_test.cpp.
#pragma once

#include <cstdint>
#include <span>

#include "routing/ipv4_cidr.hpp"

namespace vpclab::routing {

// A filter rule as the data path matches it.
struct CompiledMirrorRule {
    std::uint32_t source_network = 0, source_mask = 0, destination_network = 0, destination_mask = 0;
    std::int16_t protocol = -1;  // -1: every protocol
    std::uint16_t source_from = 0, source_to = 65535, destination_from = 0, destination_to = 65535;
    bool ports = false;  // a port range was given (then only TCP and UDP packets match)
    bool accept = false;
};

// A session on a source port, as compiled: its filter's rules of each direction by ascending number, where
// its copies go, and how they are made.
struct CompiledMirrorSession {
    std::uint32_t session = 0;            // index in VpcModel::traffic_mirror_sessions() (its ID)
    std::uint32_t first_ingress = 0, ingress_count = 0, first_egress = 0, egress_count = 0;  // in the rules array
    bool amazon_dns = false;              // the filter's network service amazon-dns
    std::uint32_t virtual_network_id = 0;
    std::uint32_t packet_length = 0;      // bytes of the inner frame kept; 0: all
    // Where its copies go first: the target's ENI, or the target load balancer's node in the source's zone
    // (0xffffffff: nowhere running).
    std::uint32_t target_port = 0xffffffff;
    bool via_load_balancer = false;
};

// RFC 7348 §5: VXLAN's IANA-assigned UDP port, where mirrored packets go.
constexpr std::uint16_t vxlan_port = 4789;

enum class MirrorDirection : std::uint8_t { ingress, egress };

// The packet as the source ENI sees it (ingress: arriving, egress: leaving).
struct MirrorPacket {
    std::uint32_t source = 0, destination = 0;
    std::uint8_t protocol = 0;
    bool has_ports = false;  // TCP or UDP with its ports (not a later fragment)
    std::uint16_t source_port = 0, destination_port = 0;
};

// Traffic AWS never mirrors ("Limitations": ARP, DHCP, the instance metadata service, NTP, Windows
// activation), and the Amazon DNS server's, which only a filter with amazon-dns mirrors.
enum class MirrorExclusion : std::uint8_t { none, never, amazon_dns };
// `vpc_dns` is the source's VPC's base+2 address.
MirrorExclusion mirror_exclusion(const MirrorPacket& p, std::uint32_t vpc_dns) noexcept;

bool mirror_rule_matches(const CompiledMirrorRule& rule, const MirrorPacket& p) noexcept;

// The first session (they are in ascending session number) whose filter accepts the packet: its rules of
// that direction by number, the first match decides, none matches: not this session's. Amazon DNS traffic
// is accepted by the first session whose filter has amazon-dns, whatever its rules. nullptr: not mirrored.
const CompiledMirrorSession* choose_mirror_session(std::span<const CompiledMirrorSession> sessions, std::span<const CompiledMirrorRule> rules,
                                                   MirrorDirection direction, const MirrorPacket& p, std::uint32_t vpc_dns) noexcept;

}  // namespace vpclab::routing
