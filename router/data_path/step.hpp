// What the data path decided about a frame, one step per decision: the stages named once, and the recorder
// that `vpclab trace` (and later Reachability Analyzer and flow logs) listen with.
//
// DESIGN.md §3, "How verdicts are seen": every decision that passes, rewrites or drops a packet is a step
// (stage, port, verdict, and what decided it). The forwarding path records steps only when a recorder is
// set for the frame (VPP's per-buffer trace flag): with none, each recording site is one pointer test and
// nothing else. A recorder is called on the data path: it must not throw, and it should not allocate
// (StepLog keeps a fixed array); rendering steps as text is control-plane work (step_text.hpp).
#pragma once

#include <array>
#include <cstdint>

#include "router/data_path/drop_reason.hpp"
#include "routing/forwarding_snapshot.hpp"
#include "wire/l4.hpp"

namespace vpclab::router {

// In the order a packet meets them (DESIGN.md §3).
#define VPCLAB_STAGES(X)                                                                                         \
    X(edge, "the frame as read from its port: virtio-net header, Ethernet, source MAC, IPv4 header, offloads")   \
    X(arp, "the router's ARP responder")                                                                         \
    X(source_dest_check, "the ENI's source/destination check")                                                   \
    X(route, "the route table of the sending subnet, longest prefix first")                                      \
    X(acl_out, "the network ACL of the subnet the packet leaves, outbound rules")                                \
    X(sg_egress, "the security groups of the sending ENI, outbound rules or a tracked connection")               \
    X(nat_gateway, "a NAT gateway: inside hosts' connections translated to its own address, and the replies back") \
    X(vpc_peering, "a VPC peering connection, to an address of the peer VPC")                                  \
    X(transit_gateway, "a transit gateway: the attachment it enters by, the route table associated with it, the attachment it leaves by") \
    X(igw_nat, "the internet gateway's one-to-one translation between private and public address")              \
    X(gateway_endpoint, "a gateway endpoint to its service in the region")                                       \
    X(interface_endpoint, "an interface endpoint's ENI, carrying a client's connection to its service")          \
    X(load_balancer, "a network load balancer's node: listener, target, connection")                             \
    X(privatelink, "an interface endpoint of an endpoint service, carrying a connection to the provider's load balancer") \
    X(resolver, "the Amazon-provided DNS server (VPC resolver)")                                                 \
    X(metadata, "the instance metadata service")                                                                 \
    X(acl_in, "the network ACL of the subnet the packet enters, inbound rules")                                  \
    X(sg_ingress, "the security groups of the receiving ENI, inbound rules or a tracked connection")             \
    X(traffic_mirror, "a traffic mirror session's copy (VXLAN to UDP 4789) to its target: the route, network ACLs and the target's security groups") \
    X(deliver, "out of the router: to an instance's ENI, the region or the resolver's namespace")

enum class Stage : std::uint8_t {
#define VPCLAB_ENUM(name, text) name,
    VPCLAB_STAGES(VPCLAB_ENUM)
#undef VPCLAB_ENUM
        count
};
constexpr std::size_t stage_count = static_cast<std::size_t>(Stage::count);
const char* name_of(Stage s);
const char* description_of(Stage s);

enum class Verdict : std::uint8_t {
    pass,     // let on unchanged
    rewrite,  // let on, addresses or ports translated (before → after in the step)
    answer,   // answered by the router itself (an ARP reply, an ICMP error back to the sender)
    deliver,  // written to a port
    drop,     // dropped, for `reason`
};
const char* name_of(Verdict v);
// The stage a drop reason belongs to (a connection_table_full is charged where the groups judged it).
Stage stage_of(DropReason r);

// How a security group decided (GroupVerdict, as a step names it).
enum class GroupDecision : std::uint8_t { tracked, rule, untracked, denied, table_full };

// One decision. Which fields mean something depends on the stage; the rest stay as constructed.
struct Step {
    static constexpr std::uint32_t none = 0xffffffff;
    Stage stage = Stage::edge;
    Verdict verdict = Verdict::pass;
    DropReason reason = DropReason::count;  // verdict drop
    routing::PortIndex port = routing::no_port;  // where it was decided: the ENI, node or service port
    // route: the outcome, and the route that matched (its index in the port's route table, Step::none for
    // none, e.g. the resolver); acl_*: the ACL (network_acl_key) and the rule number that decided;
    // sg_*: how, and the rule that allowed it (index into the ENI's CompiledSecurityGroups::origins).
    routing::Outcome outcome = routing::Outcome::drop_no_route;
    std::uint32_t table = none, entry = none;
    GroupDecision group = GroupDecision::denied;
    // rewrite: the address (and port, 0 for none) before and after, and whether it is the destination;
    // `table` names what translated: the internet gateway (its index, ForwardingSnapshot::internet_gateway_id),
    // the endpoint (its slot, ForwardingSnapshot::endpoint_id), the NAT gateway (its index,
    // ForwardingSnapshot::nat_gateway_id), or for a load balancer's or PrivateLink's
    // rewrite of the destination the target's port.
    std::uint32_t from_address = 0, to_address = 0;
    std::uint16_t from_port = 0, to_port = 0;
    bool destination_side = false;
    // route (deliver): the ENI the route leads to; privatelink (pass): the load balancer node it carries the
    // packet to. A deliver step's port is where the frame was written.
    routing::PortIndex next = routing::no_port;
};

// An IPv4 packet as the edge read it, before any stage rewrote it: its addresses and transport facts.
struct EdgePacket {
    bool ipv4 = false;  // set when the frame's IPv4 header passed the edge's check
    std::uint32_t source = 0, destination = 0;
    wire::TransportRepr l4;
};

class StepRecorder {
public:
    virtual void record(const Step& step) noexcept = 0;
    // The packet as the edge read it, once per frame whose IPv4 header is sound (before its offload fields
    // are checked and its edge step recorded): a recorder that needs the packet's facts (flow logs, a live
    // trace's filter) takes them here instead of parsing the frame again. `l4` is the frame's own (valid
    // during the call only).
    virtual void packet(std::uint32_t /*source*/, std::uint32_t /*destination*/, const wire::TransportRepr& /*l4*/) noexcept {}

protected:
    ~StepRecorder() = default;
};

// The steps of one frame (and of what it made the router send), in a fixed array: recording never
// allocates. Steps past capacity are counted, not kept.
struct StepLog final : StepRecorder {
    static constexpr std::size_t capacity = 48;
    std::array<Step, capacity> steps{};
    std::size_t size = 0, lost = 0;
    EdgePacket edge;  // the frame's packet as the edge read it (ipv4 false: none)
    void record(const Step& step) noexcept override {
        if (size < capacity) steps[size++] = step;
        else ++lost;
    }
    void packet(std::uint32_t source, std::uint32_t destination, const wire::TransportRepr& l4) noexcept override {
        edge.ipv4 = true;
        edge.source = source;
        edge.destination = destination;
        edge.l4 = l4;
    }
    void clear() noexcept { size = 0, lost = 0, edge = {}; }
    const Step* begin() const { return steps.data(); }
    const Step* end() const { return steps.data() + size; }
};

}  // namespace vpclab::router
