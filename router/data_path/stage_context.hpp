// What the data path's stages share: the frame in hand and its context, recording steps, sending,
// translating, the route step, the network ACL and security group filters, and the handlers' entry points.
// Internal to router/data_path/ (pipeline.cpp dispatches; handlers/*.cpp, one per target, do the work).
#pragma once

#include "endpoints/address_translation.hpp"
#include "router/data_path/flow_memory.hpp"
#include "router/data_path/pipeline.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"
#include "wire/l4.hpp"
#include "wire/vnet_header.hpp"

namespace vpclab::router::stages {

using routing::ForwardingSnapshot;
using routing::PortIndex;
using wire::Bytes;

constexpr std::size_t link_headers = wire::VnetHeader::length + wire::EthernetView::header_length;
static_assert(link_headers == generated_packet_offset);

// Everything a stage needs about the frame in hand, validated once.
struct Frame {
    Bytes bytes;            // vnet header + Ethernet frame
    wire::VnetHeader vnet;
    wire::EthernetView eth;
    wire::Ipv4View ip;      // valid only on the IPv4 paths
    wire::TransportRepr l4; // with `ip`: its TCP, UDP or ICMP header, read once at the edge and kept up to date by rewrites
};

struct Context {
    const ForwardingSnapshot& snap;
    PortIndex ingress;
    wire::ConstBytes frame;  // the frame as it arrived, for the sink's drop log
    Bytes scratch;
    FrameSink& sink;
    FlowMemory& memory;  // the flow tables: decisions read them, and remember what they opened and saw there
    StepRecorder* steps;  // set when someone listens to this frame (trace): tested before each step is built
    // How many times the packet was routed again after a hop that translates it (a NAT gateway): bounded by
    // max_reroutes, as VPP's lookup DPO bounds recursion (DESIGN.md §3), so a routing loop ends in a drop.
    std::uint8_t reroutes = 0;
};
constexpr std::uint8_t max_reroutes = 4;

// Recording is kept out of line and cold, so that with nobody listening each recording site costs the
// forwarding path one pointer test and nothing else (no Step built, no code in its way).
#define VPCLAB_COLD [[gnu::cold, gnu::noinline]]

VPCLAB_COLD inline void record(StepRecorder& r, Stage stage, Verdict verdict, PortIndex port, DropReason reason = DropReason::count) {
    Step s;
    s.stage = stage;
    s.verdict = verdict;
    s.reason = reason;
    s.port = port;
    r.record(s);
}

// A handler's step naming what handled it (`table`: an endpoint, a gateway, a peering connection) and, when it
// goes on, the port it goes to.
VPCLAB_COLD inline void record_handled(StepRecorder& r, Stage stage, Verdict verdict, PortIndex port, std::uint32_t table,
                                       PortIndex next = routing::no_port) {
    Step s;
    s.stage = stage;
    s.verdict = verdict;
    s.port = port;
    s.table = table;
    s.next = next;
    r.record(s);
}

// A step with no detail beyond its stage, verdict and port.
inline void note(Context& c, Stage stage, Verdict verdict, PortIndex port) {
    if (c.steps) [[unlikely]] record(*c.steps, stage, verdict, port);
}

inline void drop(Context& c, PortIndex port, DropReason reason) {
    if (c.steps) [[unlikely]] record(*c.steps, stage_of(reason), Verdict::drop, port, reason);
    c.sink.drop(port, c.frame, reason);
}

inline void send(Context& c, PortIndex port, Frame& f, const wire::MacAddress& destination, const wire::MacAddress& source) {
    f.eth.set_destination(destination);
    f.eth.set_source(source);
    note(c, Stage::deliver, Verdict::deliver, port);
    c.sink.transmit(port, f.bytes);
}

inline bool goes_on(routing::Outcome o) {
    using routing::Outcome;
    return o == Outcome::deliver || o == Outcome::internet_gateway || o == Outcome::gateway_endpoint || o == Outcome::to_resolver ||
           o == Outcome::nat_gateway || o == Outcome::vpc_peering || o == Outcome::transit_gateway;
}

// The route step; `refused` (when not DropReason::count) makes it a drop for that reason whatever the outcome.
VPCLAB_COLD inline void record_route(StepRecorder& r, PortIndex port, const routing::Decision& d, DropReason refused = DropReason::count) {
    using routing::Outcome;
    const bool on = goes_on(d.outcome) && refused == DropReason::count;
    Step s;
    s.reason = refused != DropReason::count ? refused : on ? DropReason::count : drop_reason_for(d.outcome);
    s.stage = on ? Stage::route : stage_of(s.reason);
    s.verdict = on ? Verdict::pass : Verdict::drop;
    s.port = port;
    s.outcome = d.outcome;
    s.entry = d.route;
    s.next = d.port;
    s.table = d.outcome == Outcome::gateway_endpoint                                            ? d.endpoint
              : d.outcome == Outcome::internet_gateway                                          ? d.gateway
              : d.outcome == Outcome::vpc_peering || d.outcome == Outcome::drop_peering_transitive ? d.peering
              : d.outcome == Outcome::transit_gateway || d.outcome == Outcome::drop_transit_gateway_zone ? d.attachment
                                                                                                : Step::none;
    r.record(s);
}

// The route table's decision for a packet from ENI `port`, recorded with the route that matched (the
// table is the port's); a drop is dropped here. True: the packet goes on (deliver, to the internet gateway,
// a gateway endpoint, a NAT gateway or the resolver).
inline bool routed(Context& c, PortIndex port, const routing::Decision& d) {
    if (c.steps) [[unlikely]] record_route(*c.steps, port, d);
    if (goes_on(d.outcome)) return true;
    c.sink.drop(port, c.frame, drop_reason_for(d.outcome));
    return false;
}

// In the sanitizer build (VPCLAB_CHECK_INVARIANTS, which the unit tests and every fuzz corpus run in): the
// frame's transport facts still say what its bytes say after a rewrite; a trap at the first that does not.
inline void check_transport_facts([[maybe_unused]] const Frame& f) {
#if VPCLAB_CHECK_INVARIANTS
    if (!(wire::TransportRepr::of(f.ip) == f.l4)) __builtin_trap();
#endif
}

constexpr int keep_port = -1;

// What stands for a port on `destination`'s side: TCP's or UDP's, or an ICMP echo's identifier (RFC 5508 §3.1:
// a NAT maps ICMP queries by their identifier, on both sides).
inline std::uint16_t port_or_identifier(const wire::TransportRepr& l4, bool destination) {
    return l4.is_echo() && l4.whole_header ? l4.echo_identifier : l4.port(destination);
}

inline void translate(Frame& f, endpoints::NatField field, std::uint32_t from, std::uint32_t to, int to_port) {
    const bool partial = f.vnet.needs_checksum();
    endpoints::translate_address(f.ip.bytes(), field, from, to, partial);
    if (to_port == keep_port || !f.l4.whole_header) return;
    const auto port = static_cast<std::uint16_t>(to_port);
    if (f.l4.is_echo()) {
        // ICMP's own field (no pseudo-header): rewritten with the ICMP checksum.
        endpoints::translate_echo_identifier(f.ip.bytes(), port);
        f.l4.echo_identifier = port;
        return;
    }
    // translate_port rewrites a TCP or UDP first fragment with its whole header, as the frame's facts show it.
    if (!f.l4.ports) return;
    endpoints::translate_port(f.ip.bytes(), field, port, partial);
    f.l4.set_port(field == endpoints::NatField::destination, port);
}

VPCLAB_COLD inline void translate_recorded(StepRecorder& r, Frame& f, Stage stage, PortIndex at, endpoints::NatField field, std::uint32_t from,
                                    std::uint32_t to, int to_port, std::uint32_t table) {
    const bool destination = field == endpoints::NatField::destination;
    Step s;
    s.from_address = destination ? f.ip.destination() : f.ip.source();
    s.from_port = port_or_identifier(f.l4, destination);
    translate(f, field, from, to, to_port);
    s.stage = stage;
    s.verdict = Verdict::rewrite;
    s.port = at;
    s.table = table;
    s.destination_side = destination;
    s.to_address = destination ? f.ip.destination() : f.ip.source();
    s.to_port = port_or_identifier(f.l4, destination);
    r.record(s);
}

// Translates the packet's source or destination address from `from` to `to` (endpoints::translate_address:
// nothing when it is not `from`), and its port (an ICMP echo's identifier) to `to_port` unless keep_port;
// recorded as a rewrite step of `stage` at `at`, with `table` naming what translated it (an endpoint's slot,
// a gateway's index).
inline void rewrite(Context& c, Frame& f, Stage stage, PortIndex at, endpoints::NatField field, std::uint32_t from, std::uint32_t to,
             int to_port = keep_port, std::uint32_t table = Step::none) {
    if (c.steps) [[unlikely]]
        translate_recorded(*c.steps, f, stage, at, field, from, to, to_port, table);
    else
        translate(f, field, from, to, to_port);
    check_transport_facts(f);
}

// Wraps a packet built in the scratch slot (after room for the link headers) into a frame and sends it.
inline void send_generated(Context& c, PortIndex port, std::size_t packet_length, const wire::MacAddress& destination,
                    const wire::MacAddress& source) {
    Frame g;
    g.bytes = c.scratch.first(link_headers + packet_length);
    wire::VnetHeader{}.write(g.bytes);
    g.eth = wire::EthernetView(g.bytes.subspan(wire::VnetHeader::length));
    g.eth.set_ether_type(wire::EtherType::ipv4);
    send(c, port, g, destination, source);
}

// The 1500-byte MTU beyond the IGW, checked on the packet as it arrived (so an ICMP error quotes what the
// sender sent). Too large with DF set: answered with ICMP fragmentation-needed and dropped. Too large
// without DF: to be fragmented once translated.
enum class MtuVerdict { fits, refused, fragment };

VPCLAB_COLD inline void record_acl(StepRecorder& r, PortIndex port, bool inbound, std::uint32_t acl, const routing::AclVerdict& v) {
    Step s;
    s.stage = inbound ? Stage::acl_in : Stage::acl_out;
    s.verdict = v.allow ? Verdict::pass : Verdict::drop;
    if (!v.allow) s.reason = inbound ? DropReason::network_acl_inbound : DropReason::network_acl_outbound;
    s.port = port;
    s.table = acl;
    s.entry = v.rule_number;
    r.record(s);
}

// Network ACL of `subnet` on a packet leaving it (`inbound` false) or entering it; a denial is charged to
// ENI `port` (the sender going out, the receiver coming in).
inline bool network_acl_passes(Context& c, const Frame& f, std::uint32_t subnet, bool inbound, PortIndex port) {
    const routing::CompiledNetworkAcl& acl = c.snap.network_acl(subnet);
    const routing::AclVerdict v = routing::network_acl_verdict(inbound ? acl.inbound : acl.outbound, rule_probe(f.ip, f.l4, inbound));
    if (c.steps) [[unlikely]]
        record_acl(*c.steps, port, inbound, acl.acl, v);
    if (v.allow) return true;
    c.sink.drop_by_network_acl(port, c.frame, inbound ? DropReason::network_acl_inbound : DropReason::network_acl_outbound, acl.acl, v.rule_number);
    return false;
}

inline DropReason group_drop_reason(GroupVerdict v, bool inbound) {
    return v == GroupVerdict::table_full ? DropReason::connection_table_full
           : inbound                     ? DropReason::security_group_ingress
                                         : DropReason::security_group_egress;
}

VPCLAB_COLD inline void record_groups(StepRecorder& r, PortIndex port, bool inbound, GroupVerdict v, std::uint32_t rule) {
    Step s;
    s.stage = inbound ? Stage::sg_ingress : Stage::sg_egress;
    s.verdict = passes(v) ? Verdict::pass : Verdict::drop;
    if (!passes(v)) s.reason = group_drop_reason(v, inbound);
    s.port = port;
    s.entry = v == GroupVerdict::tracked || v == GroupVerdict::denied ? Step::none : rule;
    s.group = v == GroupVerdict::tracked     ? GroupDecision::tracked
              : v == GroupVerdict::allowed   ? GroupDecision::rule
              : v == GroupVerdict::untracked ? GroupDecision::untracked
              : v == GroupVerdict::denied    ? GroupDecision::denied
                                             : GroupDecision::table_full;
    r.record(s);
}

// Security groups of ENI `port` on a packet leaving it or arriving at it. A load balancer node and a NAT
// gateway have none (PortInfo::has_security_groups).
inline bool security_groups_pass(Context& c, const Frame& f, PortIndex port, bool inbound) {
    if (!c.snap.port(port).has_security_groups()) return true;
    // Which rule decided is looked up only for a listener (one more memory access per packet otherwise).
    const GroupJudgement judgement = c.memory.judge(c.snap, port, f.ip, f.l4, inbound, c.steps != nullptr);
    const GroupVerdict v = c.memory.remember(judgement);
    if (c.steps) [[unlikely]]
        record_groups(*c.steps, port, inbound, v, judgement.allowed_by);
    if (passes(v)) return true;
    c.sink.drop(port, c.frame, group_drop_reason(v, inbound));
    return false;
}

// Leaving ENI `port` (c.ingress, or an ENI the router serves): its subnet's ACL when the packet leaves the
// subnet, then its security groups.
inline bool may_leave(Context& c, const Frame& f, PortIndex port, bool leaves_subnet) {
    if (leaves_subnet && !network_acl_passes(c, f, c.snap.port(port).subnet, false, port)) return false;
    return security_groups_pass(c, f, port, false);
}
inline bool may_leave(Context& c, const Frame& f, bool leaves_subnet) { return may_leave(c, f, c.ingress, leaves_subnet); }

// Arriving at ENI `port`: its subnet's ACL when the packet comes from outside the subnet, then its groups.
inline bool may_enter(Context& c, const Frame& f, PortIndex port, bool enters_subnet) {
    if (enters_subnet && !network_acl_passes(c, f, c.snap.port(port).subnet, true, port)) return false;
    return security_groups_pass(c, f, port, true);
}

// A load balancer node's port (a port can outlive its node from one snapshot to the next).
inline bool is_load_balancer_node(const Context& c, PortIndex port) {
    return c.snap.is_eni(port) && c.snap.port(port).is_load_balancer_node();
}

// Where a client's packet meets a load balancer: a node's own address, or an interface endpoint's ENI of the
// load balancer's endpoint service (PrivateLink), which carries it to the node of its zone.
struct Entrance {
    PortIndex zone;           // the port the client reached: the node, or the endpoint's ENI
    std::uint32_t address;    // that port's address, which the client addressed
    PortIndex node;           // the node that balances
    bool privatelink;
};

// --- the handlers' entry points (router/data_path/handlers/) ---

// internet_gateway.cpp: the 1500-byte MTU beyond the IGW, and the IGW's one-to-one translation both ways.
MtuVerdict check_internet_mtu(Context& c, Frame& f, std::uint32_t icmp_source, const wire::MacAddress& icmp_mac);
void send_across_gateway(Context& c, Frame& f, MtuVerdict verdict, PortIndex port, const wire::MacAddress& destination,
                         const wire::MacAddress& source);
// A packet the route table sends to the internet gateway `d.gateway`.
void out_through_internet_gateway(Context& c, Frame& f, const routing::Decision& d);
// A packet from the region for a public IP of the lab.
void in_through_internet_gateway(Context& c, Frame& f);
// gateway_endpoint.cpp
void through_gateway_endpoint(Context& c, Frame& f, const routing::Decision& d);
void back_through_gateway_endpoint(Context& c, Frame& f);
// interface_endpoint.cpp
void into_interface_endpoint(Context& c, Frame& f, PortIndex eni);
void deliver_from_endpoint_eni(Context& c, Frame& f, PortIndex eni, std::uint32_t client, std::uint16_t client_port);
void back_from_interface_endpoint(Context& c, Frame& f, const routing::EndpointReturn& r);
// load_balancer.cpp
void send_generated_from_node(Context& c, PortIndex node, PortIndex target, std::size_t packet_length);
void unshift_from_back(Context& c, Frame& f, const TranslatedConnection& conn, bool partial);
void balance(Context& c, Frame& f, const Entrance& at);
void into_load_balancer(Context& c, Frame& f, PortIndex node_port);
const TranslatedConnection* load_balanced_reply(Context& c, const Frame& f);
bool target_may_reach_node(Context& c, const Frame& f, PortIndex node_port);
void back_from_target(Context& c, Frame& f, const TranslatedConnection& conn);
// nat_gateway.cpp: a packet a route table sends to a NAT gateway (d.port, its ENI), and one delivered to the
// gateway's address (a reply from outside, or an ICMP error about what it sent).
void into_nat_gateway(Context& c, Frame& f, const routing::Decision& d);
void back_through_nat_gateway(Context& c, Frame& f, PortIndex nat);
// vpc_peering.cpp: a packet a route table sends across a peering connection, to an ENI of the peer VPC:
// recorded; false when it may not go on (dropped), else it is delivered there as within a VPC.
bool across_peering(Context& c, Frame& f, const routing::Decision& d);
// transit_gateway.cpp: a packet a route table sends to a transit gateway (d.attachment, entered at its ENI d.port).
void into_transit_gateway(Context& c, Frame& f, const routing::Decision& d);
// privatelink.cpp
void into_privatelink(Context& c, Frame& f, PortIndex eni);
void back_through_privatelink(Context& c, Frame& f, const TranslatedConnection& conn);
// resolver.cpp: the Amazon DNS server and the instance metadata service, both ways.
void to_resolver(Context& c, Frame& f, const routing::Decision& d);
void from_resolver(Context& c, Frame& f);
// pipeline.cpp: routing a packet from ENI c.ingress (or one a handler sends on as a node's).
void route_from_eni(Context& c, Frame& f);

}  // namespace vpclab::router::stages
