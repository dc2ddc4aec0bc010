// Steps as a person reads them: each decision with the AWS resources that made it (IDs and Name tags), the
// packet as it stands after it, and for a drop the change that would let the packet through.
// Control-plane code (it allocates): `vpclab trace` and its live form render steps with it.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "router/data_path/step.hpp"
#include "routing/forwarding_snapshot.hpp"
#include "routing/vpc_model.hpp"
#include "wire/bytes.hpp"

namespace vpclab::router {

// The facts of an IPv4 packet a trace follows: what it is and where it goes, rewritten step by step.
struct PacketFacts {
    bool ipv4 = false;
    std::uint8_t protocol = 0;
    std::uint32_t source = 0, destination = 0;
    std::uint16_t source_port = 0, destination_port = 0;  // TCP and UDP
    std::uint8_t icmp_type = 0, icmp_code = 0;
    std::uint8_t tcp_flags = 0;
};
// From a frame the router wrote or built (virtio-net header + Ethernet); any bytes are fine (ipv4 false when
// it is not IPv4).
PacketFacts packet_facts(wire::ConstBytes frame);
// From the packet as the pipeline's edge read it (StepRecorder::packet, StepLog::edge).
PacketFacts facts_of(std::uint32_t source, std::uint32_t destination, const wire::TransportRepr& l4);
// The same, written over `p` in place (on the data path: no struct copied right after it was written).
void read_facts(PacketFacts& p, std::uint32_t source, std::uint32_t destination, const wire::TransportRepr& l4) noexcept;
PacketFacts facts_of(const EdgePacket& packet);
// "TCP 10.0.0.4:40000 → 10.0.1.4:22 [SYN]", "ICMP echo-request 10.0.0.4 → 8.8.8.8".
std::string describe(const PacketFacts& p);

// "eni-… (jh-EC2)", "the region", "the VPC resolver", "nlb node eni-… (net/jh-nlb/…)".
std::string port_name(const routing::VpcModel& model, const routing::ForwardingSnapshot& snapshot, routing::PortIndex port);

// One step as JSON: Stage, Verdict, Port, Detail (a sentence naming the resources), the components that
// decided (RouteTableId and Route, NetworkAclId and RuleNumber, SecurityGroupId and SecurityGroupRuleId,
// Translation), Packet (as it stands after the step) and, for a drop, DropReason and Fix. `packet` is the
// packet before the step, updated by a rewrite.
nlohmann::ordered_json step_json(const routing::VpcModel& model, const routing::ForwardingSnapshot& snapshot, const Step& step,
                                 PacketFacts& packet);

}  // namespace vpclab::router
