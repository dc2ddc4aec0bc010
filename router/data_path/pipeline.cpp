// The frame pipeline: Ethernet → ARP responder | IPv4 from an ENI, from the region, from the resolver.
#include "router/data_path/pipeline.hpp"

#include <cstring>

#include "endpoints/address_translation.hpp"
#include "endpoints/path_mtu.hpp"
#include "endpoints/proxy_protocol.hpp"
#include "routing/flow_hash.hpp"
#include "wire/arp.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"
#include "wire/l4.hpp"
#include "wire/vnet_header.hpp"

namespace vpclab::router {

namespace {

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
};

struct Context {
    const ForwardingSnapshot& snap;
    PortIndex ingress;
    wire::ConstBytes frame;  // the frame as it arrived, for the sink's drop log
    Bytes scratch;
    FrameSink& sink;
    FlowState& flows;
    StepRecorder* steps;  // set when someone listens to this frame (trace): tested before each step is built
};

// Recording is kept out of line and cold, so that with nobody listening each recording site costs the
// forwarding path one pointer test and nothing else (no Step built, no code in its way).
#define VPCLAB_COLD [[gnu::cold, gnu::noinline]]

VPCLAB_COLD void record(StepRecorder& r, Stage stage, Verdict verdict, PortIndex port, DropReason reason = DropReason::count) {
    Step s;
    s.stage = stage;
    s.verdict = verdict;
    s.reason = reason;
    s.port = port;
    r.record(s);
}

// A step with no detail beyond its stage, verdict and port.
void note(Context& c, Stage stage, Verdict verdict, PortIndex port) {
    if (c.steps) [[unlikely]] record(*c.steps, stage, verdict, port);
}

void drop(Context& c, PortIndex port, DropReason reason) {
    if (c.steps) [[unlikely]] record(*c.steps, stage_of(reason), Verdict::drop, port, reason);
    c.sink.drop(port, c.frame, reason);
}

void send(Context& c, PortIndex port, Frame& f, const wire::MacAddress& destination, const wire::MacAddress& source) {
    f.eth.set_destination(destination);
    f.eth.set_source(source);
    note(c, Stage::deliver, Verdict::deliver, port);
    c.sink.transmit(port, f.bytes);
}

bool goes_on(routing::Outcome o) {
    using routing::Outcome;
    return o == Outcome::deliver || o == Outcome::internet_gateway || o == Outcome::gateway_endpoint || o == Outcome::to_resolver;
}

// The route step; `refused` (when not DropReason::count) makes it a drop for that reason whatever the outcome.
VPCLAB_COLD void record_route(StepRecorder& r, PortIndex port, const routing::Decision& d, DropReason refused = DropReason::count) {
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
    s.table = d.outcome == Outcome::gateway_endpoint ? d.endpoint : d.outcome == Outcome::internet_gateway ? d.gateway : Step::none;
    r.record(s);
}

// The route table's decision for a packet from ENI `port`, recorded with the route that matched (the
// table is the port's); a drop is dropped here. True: the packet goes on (deliver, to the internet gateway,
// a gateway endpoint or the resolver).
bool routed(Context& c, PortIndex port, const routing::Decision& d) {
    if (c.steps) [[unlikely]] record_route(*c.steps, port, d);
    if (goes_on(d.outcome)) return true;
    c.sink.drop(port, c.frame, drop_reason_for(d.outcome));
    return false;
}

// The TCP or UDP port on one side of a first fragment (0: none).
std::uint16_t l4_port(const wire::Ipv4View& ip, bool destination) {
    const Bytes l4 = ip.payload();
    const bool ports = (ip.protocol() == 6 || ip.protocol() == 17) && ip.is_first_fragment() && l4.size() >= 4;
    return ports ? wire::load_be16(l4.data() + (destination ? 2 : 0)) : 0;
}

constexpr int keep_port = -1;

void translate(Frame& f, endpoints::NatField field, std::uint32_t from, std::uint32_t to, int to_port) {
    const bool partial = f.vnet.needs_checksum();
    endpoints::translate_address(f.ip.bytes(), field, from, to, partial);
    if (to_port != keep_port) endpoints::translate_port(f.ip.bytes(), field, static_cast<std::uint16_t>(to_port), partial);
}

VPCLAB_COLD void translate_recorded(StepRecorder& r, Frame& f, Stage stage, PortIndex at, endpoints::NatField field, std::uint32_t from,
                                    std::uint32_t to, int to_port, std::uint32_t table) {
    const bool destination = field == endpoints::NatField::destination;
    Step s;
    s.from_address = destination ? f.ip.destination() : f.ip.source();
    s.from_port = l4_port(f.ip, destination);
    translate(f, field, from, to, to_port);
    s.stage = stage;
    s.verdict = Verdict::rewrite;
    s.port = at;
    s.table = table;
    s.destination_side = destination;
    s.to_address = destination ? f.ip.destination() : f.ip.source();
    s.to_port = l4_port(f.ip, destination);
    r.record(s);
}

// Translates the packet's source or destination address from `from` to `to` (endpoints::translate_address:
// nothing when it is not `from`), and its port to `to_port` unless keep_port; recorded as a rewrite step of
// `stage` at `at`, with `table` naming what translated it (an endpoint's slot, a gateway's index).
void rewrite(Context& c, Frame& f, Stage stage, PortIndex at, endpoints::NatField field, std::uint32_t from, std::uint32_t to,
             int to_port = keep_port, std::uint32_t table = Step::none) {
    if (c.steps) [[unlikely]]
        return translate_recorded(*c.steps, f, stage, at, field, from, to, to_port, table);
    translate(f, field, from, to, to_port);
}

// RFC 826: turn the request into the reply in place; the frame keeps its length.
void answer_arp(Context& c, Frame& f) {
    if (wire::ArpView::check(f.eth.payload()) != wire::WireError::none) return drop(c, c.ingress, DropReason::arp_malformed);
    const wire::ArpView arp(f.eth.payload());
    if (arp.operation() != static_cast<std::uint16_t>(wire::ArpOperation::request)) return drop(c, c.ingress, DropReason::arp_not_request);
    const wire::MacAddress* answer = c.snap.is_eni(c.ingress) ? c.snap.arp_answer(c.ingress, arp.target_ip())
                                                              : c.snap.service_arp_answer(c.ingress, arp.target_ip());
    if (!answer) return drop(c, c.ingress, DropReason::arp_unanswered);
    const wire::MacAddress asker_mac = arp.sender_mac();
    const std::uint32_t asker_ip = arp.sender_ip(), target_ip = arp.target_ip();
    wire::ArpView::build(f.eth.payload(), wire::ArpOperation::reply, *answer, target_ip, asker_mac, asker_ip);
    wire::VnetHeader{}.write(f.bytes);  // a plain frame: no offload metadata
    f.bytes = f.bytes.first(link_headers + wire::ArpView::length);
    note(c, Stage::arp, Verdict::answer, c.ingress);
    send(c, c.ingress, f, asker_mac, *answer);
}

// Wraps a packet built in the scratch slot (after room for the link headers) into a frame and sends it.
void send_generated(Context& c, PortIndex port, std::size_t packet_length, const wire::MacAddress& destination,
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

MtuVerdict check_internet_mtu(Context& c, Frame& f, std::uint32_t icmp_source, const wire::MacAddress& icmp_mac) {
    if (endpoints::wire_packet_size(f.ip.bytes(), f.vnet) <= endpoints::internet_mtu) return MtuVerdict::fits;
    if (f.ip.dont_fragment()) {
        const std::size_t n = endpoints::build_fragmentation_needed(c.scratch.subspan(link_headers), f.ip.bytes(), icmp_source,
                                                                    endpoints::internet_mtu);
        if (n) {
            note(c, Stage::igw_nat, Verdict::answer, c.ingress);  // ICMP fragmentation needed, back to the sender
            send_generated(c, c.ingress, n, f.eth.source(), icmp_mac);
        }
        drop(c, c.ingress, DropReason::fragmentation_needed);
        return MtuVerdict::refused;
    }
    if (f.vnet.is_gso()) {
        drop(c, c.ingress, DropReason::cannot_fragment);
        return MtuVerdict::refused;
    }
    return MtuVerdict::fragment;
}

// Sends the frame on, whole or (MtuVerdict::fragment) as RFC 791 fragments built in the scratch slot.
void send_across_gateway(Context& c, Frame& f, MtuVerdict verdict, PortIndex port, const wire::MacAddress& destination,
                         const wire::MacAddress& source) {
    if (verdict == MtuVerdict::fits) return send(c, port, f, destination, source);
    // Fragments are sent without offload metadata, so an offloaded checksum is completed first, over the
    // packet only (not any link padding after it).
    const Bytes packet_frame = f.bytes.subspan(wire::VnetHeader::length, wire::EthernetView::header_length + f.ip.total_length());
    if (!endpoints::finish_partial_checksum(packet_frame, f.vnet)) return drop(c, c.ingress, DropReason::cannot_fragment);
    if (!endpoints::fragment_packet(f.ip.bytes().first(f.ip.total_length()), endpoints::internet_mtu, c.scratch.subspan(link_headers),
                                    [&](wire::ConstBytes piece) { send_generated(c, port, piece.size(), destination, source); }))
        drop(c, c.ingress, DropReason::cannot_fragment);
}

VPCLAB_COLD void record_acl(StepRecorder& r, PortIndex port, bool inbound, std::uint32_t acl, const routing::AclVerdict& v) {
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
bool network_acl_passes(Context& c, const Frame& f, std::uint32_t subnet, bool inbound, PortIndex port) {
    const routing::CompiledNetworkAcl& acl = c.snap.network_acl(subnet);
    const routing::AclVerdict v = routing::network_acl_verdict(inbound ? acl.inbound : acl.outbound, rule_probe(f.ip, inbound));
    if (c.steps) [[unlikely]]
        record_acl(*c.steps, port, inbound, acl.acl, v);
    if (v.allow) return true;
    c.sink.network_acl_denied(port, inbound, acl.acl, v.rule_number);
    c.sink.drop(port, c.frame, inbound ? DropReason::network_acl_inbound : DropReason::network_acl_outbound);
    return false;
}

DropReason group_drop_reason(GroupVerdict v, bool inbound) {
    return v == GroupVerdict::table_full ? DropReason::connection_table_full
           : inbound                     ? DropReason::security_group_ingress
                                         : DropReason::security_group_egress;
}

VPCLAB_COLD void record_groups(StepRecorder& r, PortIndex port, bool inbound, GroupVerdict v, std::uint32_t rule) {
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

// Security groups of ENI `port` on a packet leaving it or arriving at it. A load balancer node has none
// (a network load balancer created without security groups).
bool security_groups_pass(Context& c, const Frame& f, PortIndex port, bool inbound) {
    if (c.snap.port(port).load_balancer_node != routing::no_port) return true;
    std::uint32_t rule = Step::none;
    // Which rule decided is looked up only for a listener (one more memory access per packet otherwise).
    const GroupVerdict v = security_group_verdict(c.snap, port, f.ip, inbound, c.flows.connections, c.flows.now, c.steps ? &rule : nullptr);
    if (c.steps) [[unlikely]]
        record_groups(*c.steps, port, inbound, v, rule);
    if (passes(v)) return true;
    c.sink.drop(port, c.frame, group_drop_reason(v, inbound));
    return false;
}

// Leaving ENI `port` (c.ingress, or an ENI the router serves): its subnet's ACL when the packet leaves the
// subnet, then its security groups.
bool may_leave(Context& c, const Frame& f, PortIndex port, bool leaves_subnet) {
    if (leaves_subnet && !network_acl_passes(c, f, c.snap.port(port).subnet, false, port)) return false;
    return security_groups_pass(c, f, port, false);
}
bool may_leave(Context& c, const Frame& f, bool leaves_subnet) { return may_leave(c, f, c.ingress, leaves_subnet); }

// Arriving at ENI `port`: its subnet's ACL when the packet comes from outside the subnet, then its groups.
bool may_enter(Context& c, const Frame& f, PortIndex port, bool enters_subnet) {
    if (enters_subnet && !network_acl_passes(c, f, c.snap.port(port).subnet, true, port)) return false;
    return security_groups_pass(c, f, port, true);
}

std::uint16_t destination_port_of(const wire::Ipv4View& ip) {
    if (!ip.is_first_fragment()) return 0;
    const Bytes l4 = ip.payload();
    return l4.size() >= 4 ? wire::load_be16(l4.data() + 2) : 0;
}

// VPC User Guide, "Gateway endpoints": the packet reaches the service with the instance's private source
// address, no public IP and no internet gateway involved. In the region it is addressed to the endpoint's
// copy of the service address (ServicePorts::endpoint_address), and its flow is recorded so that only
// replies come back, to the instance that asked.
void through_gateway_endpoint(Context& c, Frame& f, const routing::Decision& d) {
    const auto& sp = c.snap.service_ports();
    const std::uint32_t service_address = f.ip.destination();
    if (!c.snap.region_serves(service_address)) return drop(c, c.ingress, DropReason::no_internet_host);
    if (!may_leave(c, f, true)) return;
    const std::uint32_t endpoint_address = sp.endpoint_address(d.endpoint, service_address);
    // The flow is keyed as the region will answer it (to the endpoint's address), recorded before the
    // frame is rewritten, so that a refusal logs the packet as the instance sent it.
    if (auto key = endpoint_flow_key(f.ip, true)) {
        key->destination = endpoint_address;
        const std::uint32_t timeout = EndpointFlows::idle_timeout_seconds;
        // Its flows belong to the ENI that opened them (the value): refused when the table, or its share, is full.
        if (!c.flows.endpoint.table.upsert_or_reclaim(*key, c.ingress, c.flows.now, timeout))
            return drop(c, c.ingress, DropReason::endpoint_flow_table_full);
    }
    rewrite(c, f, Stage::gateway_endpoint, c.ingress, endpoints::NatField::destination, service_address, endpoint_address, keep_port, d.endpoint);
    send(c, sp.region, f, sp.region_mac, sp.region_router_mac);
}

// The TCP header's flags and ports, when the packet is a first fragment with a whole TCP header.
struct TcpFacts {
    bool ok = false;
    std::uint16_t source_port = 0, destination_port = 0;
    std::uint8_t flags = 0;
};
TcpFacts tcp_facts(const wire::Ipv4View& ip) {
    const Bytes l4 = ip.payload();
    if (ip.protocol() != 6 || !ip.is_first_fragment() || l4.size() < 20) return {};
    return {true, wire::load_be16(l4.data()), wire::load_be16(l4.data() + 2), l4[13]};
}

// To an interface endpoint's ENI (its subnet's ACL and its groups already passed): TCP on the service's
// ports becomes the ENI's own connection to the service (PrivateLink Guide: the service sees the ENI's
// address), sent to the endpoint's copy of the service address in the region. Anything else gets no
// answer: endpoint ENIs do not answer ping, and other ports time out.
void into_privatelink(Context& c, Frame& f, PortIndex eni);

void into_interface_endpoint(Context& c, Frame& f, PortIndex eni) {
    const routing::PortInfo& e = c.snap.port(eni);
    // Routed to the ENI but addressed elsewhere: an endpoint's ENI forwards nothing (its
    // source/destination check cannot be turned off).
    if (f.ip.destination() != e.ip) return drop(c, eni, DropReason::source_dest_check_destination);
    // Its connections carry whole TCP segments; a fragment would reach the service half translated.
    if (f.ip.more_fragments() || !f.ip.is_first_fragment()) return drop(c, eni, DropReason::interface_endpoint_fragment);
    if (e.privatelink) return into_privatelink(c, f, eni);
    const TcpFacts tcp = tcp_facts(f.ip);
    if (!tcp.ok || (tcp.destination_port != 80 && tcp.destination_port != 443))
        return drop(c, eni, DropReason::interface_endpoint_port_closed);
    const auto& sp = c.snap.service_ports();
    const std::uint32_t service = e.endpoint_service;
    const std::uint32_t client = f.ip.source();
    const EndpointConnection* conn = c.flows.interface_endpoints.from_client(static_cast<std::uint16_t>(eni), client, tcp.source_port, service,
                                                                             tcp.destination_port, tcp.flags, c.flows.now);
    if (!conn)
        return drop(c, eni, wire::opens_tcp_connection(tcp.flags) ? DropReason::interface_endpoint_table_full : DropReason::interface_endpoint_no_connection);
    rewrite(c, f, Stage::interface_endpoint, eni, endpoints::NatField::source, client, e.ip, conn->translated_port, e.interface_endpoint);
    rewrite(c, f, Stage::interface_endpoint, eni, endpoints::NatField::destination, e.ip, service, keep_port, e.interface_endpoint);
    send(c, sp.region, f, sp.region_mac, sp.region_router_mac);
}

// A packet an interface endpoint's ENI sends its client (already addressed from the ENI to the client): the
// ENI's own route table decides the way (the local route, for a client in its VPC), out through the ENI's
// groups and its subnet's ACL, into the client's.
void deliver_from_endpoint_eni(Context& c, Frame& f, PortIndex eni, std::uint32_t client, std::uint16_t client_port) {
    const routing::PortInfo& e = c.snap.port(eni);
    const routing::Decision d = c.snap.decide(eni, e.ip, client, f.ip.protocol(), client_port);
    // Only a delivery to an instance's ENI carries the answer on; anything else is dropped as its outcome says.
    if (d.outcome != routing::Outcome::deliver || c.snap.port(d.port).served_by_router()) {
        const DropReason reason = drop_reason_for(d.outcome);
        if (c.steps) [[unlikely]] record_route(*c.steps, eni, d, reason);
        c.sink.drop(eni, c.frame, reason);
        return;
    }
    if (c.steps) [[unlikely]] record_route(*c.steps, eni, d);
    if (!may_leave(c, f, eni, !d.same_subnet) || !may_enter(c, f, d.port, !d.same_subnet)) return;
    const routing::PortInfo& to = c.snap.port(d.port);
    send(c, d.port, f, to.mac, d.same_subnet ? e.mac : c.snap.subnet(to.subnet).router_mac);
}

// From the service to an interface endpoint's ENI: back to the client of the connection, as from the ENI
// on the service's port; leaving the ENI (its groups, its subnet's ACL) and entering the client's ENI.
void back_from_interface_endpoint(Context& c, Frame& f, const routing::EndpointReturn& r) {
    const routing::PortInfo& e = c.snap.port(r.port);
    if (f.ip.more_fragments() || !f.ip.is_first_fragment()) return drop(c, c.ingress, DropReason::interface_endpoint_fragment);
    const TcpFacts tcp = tcp_facts(f.ip);
    const EndpointConnection* conn =
        tcp.ok ? c.flows.interface_endpoints.from_service(static_cast<std::uint16_t>(r.port), f.ip.source(), tcp.source_port,
                                                          tcp.destination_port, tcp.flags, c.flows.now)
               : nullptr;
    if (!conn) return drop(c, c.ingress, DropReason::interface_endpoint_no_connection);
    const std::uint32_t client = conn->client;
    rewrite(c, f, Stage::interface_endpoint, r.port, endpoints::NatField::source, f.ip.source(), e.ip, keep_port, e.interface_endpoint);
    rewrite(c, f, Stage::interface_endpoint, r.port, endpoints::NatField::destination, e.ip, client, conn->client_port, e.interface_endpoint);
    deliver_from_endpoint_eni(c, f, r.port, client, conn->client_port);
}

// A reply from the region at a gateway endpoint's address: to the instance whose flow it answers.
void back_through_gateway_endpoint(Context& c, Frame& f) {
    const auto r = c.snap.endpoint_return(f.ip.source(), f.ip.destination());
    if (!r.ok) return drop(c, c.ingress, DropReason::endpoint_unknown_destination);
    if (r.interface) return back_from_interface_endpoint(c, f, r);
    const auto key = endpoint_flow_key(f.ip, false);
    const routing::FlowTable::Entry* flow = key ? c.flows.endpoint.table.find(*key, c.flows.now) : nullptr;
    // The flow was opened from this endpoint's VPC (perhaps through an appliance ENI that forwarded it):
    // the reply goes to whoever holds the address, by the local route, as on AWS.
    if (!flow || !c.snap.is_eni(flow->value) || c.snap.port(flow->value).vpc != c.snap.endpoint_vpc(r.endpoint))
        return drop(c, c.ingress, DropReason::endpoint_no_flow);
    rewrite(c, f, Stage::gateway_endpoint, r.port, endpoints::NatField::source, f.ip.source(), r.service_address, keep_port, r.endpoint);
    if (!may_enter(c, f, r.port, true)) return;
    const routing::PortInfo& to = c.snap.port(r.port);
    send(c, r.port, f, to.mac, c.snap.subnet(to.subnet).router_mac);
}

void route_from_eni(Context& c, Frame& f);

// The ports of a first fragment's TCP or UDP header, and the TCP flags and sequence number.
struct L4Facts {
    bool ok = false;
    std::uint8_t protocol = 0, flags = 0;
    std::uint16_t source_port = 0, destination_port = 0;
    std::uint32_t sequence = 0;
};
L4Facts l4_facts(const wire::Ipv4View& ip) {
    const Bytes l4 = ip.payload();
    const std::uint8_t p = ip.protocol();
    if ((p != 6 && p != 17) || !ip.is_first_fragment() || l4.size() < (p == 6 ? 20u : 8u)) return {};
    L4Facts out{true, p, 0, wire::load_be16(l4.data()), wire::load_be16(l4.data() + 2), 0};
    if (p == 6) out.flags = l4[13], out.sequence = wire::load_be32(l4.data() + 4);
    return out;
}

// Sends a packet built in the scratch slot from load balancer node `node` to ENI `target` (through the
// target's subnet's ACL when it is another subnet, and its groups).
void send_generated_from_node(Context& c, PortIndex node, PortIndex target, std::size_t packet_length) {
    if (!c.snap.is_eni(target) || c.snap.port(target).served_by_router()) return;
    const routing::PortInfo& n = c.snap.port(node);
    const routing::PortInfo& to = c.snap.port(target);
    Frame g;
    g.bytes = c.scratch.first(link_headers + packet_length);
    wire::VnetHeader{}.write(g.bytes);
    g.vnet = wire::VnetHeader::read(g.bytes);
    g.eth = wire::EthernetView(g.bytes.subspan(wire::VnetHeader::length));
    g.eth.set_ether_type(wire::EtherType::ipv4);
    g.ip = wire::Ipv4View(g.eth.payload().first(packet_length));
    Context gc{c.snap, node, g.bytes, c.scratch, c.sink, c.flows, c.steps};
    if (to.subnet != n.subnet && !network_acl_passes(gc, g, n.subnet, false, node)) return;
    if (!may_enter(gc, g, target, to.subnet != n.subnet)) return;
    send(gc, target, g, to.mac, to.subnet == n.subnet ? n.mac : c.snap.subnet(to.subnet).router_mac);
}

// A load balancer node's port (a port can outlive its node from one snapshot to the next).
bool is_load_balancer_node(const Context& c, PortIndex port) {
    return c.snap.is_eni(port) && c.snap.port(port).load_balancer_node != routing::no_port;
}

// Where a client's packet meets a load balancer: a node's own address, or an interface endpoint's ENI of the
// load balancer's endpoint service (PrivateLink), which carries it to the node of its zone.
struct Entrance {
    PortIndex zone;           // the port the client reached: the node, or the endpoint's ENI
    std::uint32_t address;    // that port's address, which the client addressed
    PortIndex node;           // the node that balances
    bool privatelink;
};

void send_proxy_header(Context& c, const Frame& f, const Entrance& at, const TranslatedConnection& conn);

// The endpoint a connection came through, for its PROXY header's TLV: none but through PrivateLink.
std::string_view endpoint_id_of(const Context& c, const Entrance& at) {
    return at.privatelink ? c.snap.endpoint_id(c.snap.port(at.zone).interface_endpoint) : std::string_view();
}

// A back end's segment on a connection with bytes put before the client's stream: the acknowledgment (and
// SACK blocks) the client's again, and whether the inserted bytes are acknowledged now.
void unshift_from_back(Frame& f, const TranslatedConnection& conn, bool partial) {
    if (!conn.inserted || f.ip.protocol() != 6) return;
    const wire::Bytes tcp = f.ip.payload();  // a whole header: load_balanced_reply found the connection by it
    if ((tcp[13] & wire::tcp_flags::ack) && static_cast<std::int32_t>(wire::load_be32(tcp.data() + 8) - (conn.stream_start + conn.inserted)) >= 0)
        conn.inserted_acknowledged = true;
    endpoints::unshift_acknowledgment(f.ip.bytes(), conn.inserted, conn.stream_start, partial);
}

// A client's packet for a listener of `at.node`, carried to a target (ELB NLB guide, "Network Load
// Balancers"). A new flow goes to a target by the flow hash and stays there for its life; with client IP
// preservation the target sees the client's address, without it the node's own (and a port of the node's).
// Through PrivateLink the target always sees the node's private address (ELB NLB guide, "Client IP
// preservation": not preserved for traffic through a VPC endpoint), and with proxy protocol v2 the
// connection's stream starts with a PROXY header naming the client and the endpoint.
void balance(Context& c, Frame& f, const L4Facts& l4, const Entrance& at) {
    const routing::PortInfo& n = c.snap.port(at.node);
    const routing::LoadBalancerListener* listener = c.snap.load_balancer_listener(n.load_balancer_node, l4.protocol, l4.destination_port);
    if (!listener) return drop(c, at.zone, DropReason::load_balancer_no_listener);
    const std::uint32_t client = f.ip.source();
    const std::uint32_t idle = l4.protocol == 6 ? FlowState::load_balancer_tcp_idle_seconds : FlowState::load_balancer_udp_idle_seconds;
    const auto zone = static_cast<std::uint16_t>(at.zone);
    const bool opens = l4.protocol == 17 || wire::opens_tcp_connection(l4.flags);
    const TranslatedConnection* conn =
        c.flows.load_balancers.from_client(zone, l4.protocol, client, l4.source_port, at.address, l4.destination_port, l4.flags, c.flows.now, idle);
    if (!conn) {
        if (!opens) return drop(c, at.zone, DropReason::load_balancer_no_connection);
        if (listener->target_count == 0) return drop(c, at.zone, DropReason::load_balancer_no_target);
        const std::uint64_t h = routing::load_balancer_flow_hash(l4.protocol, client, l4.source_port, at.address, l4.destination_port, l4.sequence);
        const routing::LoadBalancerTarget& t = c.snap.load_balancer_targets(*listener)[routing::pick_target(h, listener->target_count)];
        const bool preserve = listener->preserve_client_ip && !at.privatelink;
        TranslatedConnections::Back back;
        back.address = t.ip;
        back.port = t.tcp_port;
        back.seen = preserve ? client : n.ip;
        back.zone = static_cast<std::uint16_t>(t.port);
        back.keep_client_port = preserve;
        back.idle_timeout = idle;
        if (listener->proxy_protocol_v2 && l4.protocol == 6)
            back.inserted = static_cast<std::uint16_t>(endpoints::proxy_v2_header_length(endpoint_id_of(c, at).size()));
        conn = c.flows.load_balancers.open(zone, l4.protocol, client, l4.source_port, at.address, l4.destination_port, back, c.flows.now);
        if (!conn) return drop(c, at.zone, DropReason::load_balancer_table_full);
    }
    const PortIndex target = conn->back_zone;  // replies come in on the target's ENI
    if (!c.snap.is_eni(target) || c.snap.port(target).served_by_router()) return drop(c, at.zone, DropReason::load_balancer_no_target);
    const routing::PortInfo& to = c.snap.port(target);
    const bool partial = f.vnet.needs_checksum();
    if (conn->inserted) {
        // A SYN (a new connection, or the client reusing its port) sets where its stream starts; the
        // segment that starts it gets the header sent before it, until the target has acknowledged it.
        if (opens) conn->stream_start = l4.sequence + 1, conn->inserted_acknowledged = false;
        else if (l4.sequence == conn->stream_start && !conn->inserted_acknowledged)
            send_proxy_header(c, f, at, *conn);
        if (!(l4.flags & wire::tcp_flags::syn)) endpoints::shift_sequence(f.ip.bytes(), conn->inserted, partial);
    }
    const Stage stage = at.privatelink ? Stage::privatelink : Stage::load_balancer;
    rewrite(c, f, stage, at.node, endpoints::NatField::destination, at.address, conn->back, conn->back_port, static_cast<std::uint32_t>(target));
    if (conn->seen != client) rewrite(c, f, stage, at.node, endpoints::NatField::source, client, conn->seen, conn->translated_port);
    // Leaving the node's subnet for the target's: both subnets' ACLs, as on the way back.
    if (to.subnet != n.subnet && !network_acl_passes(c, f, n.subnet, false, at.node)) return;
    if (!may_enter(c, f, target, to.subnet != n.subnet)) return;
    send(c, target, f, to.mac, to.subnet == n.subnet ? n.mac : c.snap.subnet(to.subnet).router_mac);
}

// The PROXY v2 header of a connection to a target group with proxy_protocol_v2.enabled (ELB NLB guide,
// "Proxy protocol"): from the client's address and port to what it addressed, and through PrivateLink the
// endpoint's ID in TLV 0xEA subtype 0x01; sent from the node to the target as the first bytes of the stream,
// acknowledging what the client's segment acknowledges, with its window.
void send_proxy_header(Context& c, const Frame& f, const Entrance& at, const TranslatedConnection& conn) {
    char header[128];
    const std::size_t length = endpoints::write_proxy_v2_header(wire::Bytes(reinterpret_cast<std::uint8_t*>(header), sizeof header), conn.client,
                                                                conn.client_port, at.address, conn.front_port, endpoint_id_of(c, at));
    if (length != conn.inserted) return;
    const std::uint8_t* tcp = f.ip.payload().data();
    const std::size_t n = build_tcp_packet(c.scratch.subspan(link_headers), conn.seen, conn.back, conn.translated_port, conn.back_port,
                                           conn.stream_start, wire::load_be32(tcp + 8), wire::tcp_flags::psh | wire::tcp_flags::ack, std::string_view(header, length),
                                           wire::load_be16(tcp + 14));
    if (n) send_generated_from_node(c, at.node, conn.back_zone, n);
}

// To a load balancer node (its subnet's ACL passed): a health check's answer, or a client's packet for a
// listener, carried to a target (ELB NLB guide, "Network Load Balancers"). A new flow goes to a target by
// the flow hash and stays there for its life; with client IP preservation the target sees the client's
// address, without it the node's own (and a port of the node's).
void into_load_balancer(Context& c, Frame& f, PortIndex node_port) {
    const routing::PortInfo& n = c.snap.port(node_port);
    if (f.ip.destination() != n.ip) return drop(c, node_port, DropReason::source_dest_check_destination);
    if (f.ip.more_fragments() || !f.ip.is_first_fragment()) return drop(c, node_port, DropReason::load_balancer_fragment);
    const L4Facts l4 = l4_facts(f.ip);
    if (!l4.ok) return drop(c, node_port, DropReason::load_balancer_no_listener);
    if (l4.protocol == 6 && HealthProbes::owns(l4.destination_port)) {
        // A target answering a health check: the probe decides, and perhaps answers. (A segment that is not
        // its probe's goes on to the listeners, which may use these ports too.)
        const auto answer = c.flows.health_probes.on_segment(f.ip.bytes().first(f.ip.total_length()), c.scratch.subspan(link_headers));
        if (answer.consumed) {
            note(c, Stage::load_balancer, Verdict::answer, node_port);  // taken by the node's health check
            if (answer.length && c.snap.is_eni(c.ingress)) send_generated_from_node(c, node_port, c.ingress, answer.length);
            return;
        }
    }
    balance(c, f, l4, Entrance{node_port, n.ip, node_port, false});
}

VPCLAB_COLD void record_privatelink(StepRecorder& r, PortIndex eni, std::uint32_t endpoint, PortIndex node) {
    Step s;
    s.stage = Stage::privatelink;
    s.port = eni;
    s.table = endpoint;
    s.next = node;
    r.record(s);
}

// PrivateLink (PrivateLink Guide, "Share your services through AWS PrivateLink"): a consumer's packet to an
// interface endpoint's ENI of an endpoint service goes to the service's load balancer node in the ENI's zone,
// straight across the two VPCs (no internet gateway, no public address), and is balanced there.
void into_privatelink(Context& c, Frame& f, PortIndex eni) {
    const routing::PortInfo& e = c.snap.port(eni);
    const PortIndex node = e.privatelink_node;
    if (!is_load_balancer_node(c, node)) return drop(c, eni, DropReason::privatelink_not_accepted);
    // PrivateLink Guide, "Create a service powered by AWS PrivateLink", considerations: TCP traffic only.
    const L4Facts l4 = l4_facts(f.ip);
    if (!l4.ok || l4.protocol != 6) return drop(c, eni, DropReason::privatelink_not_tcp);
    if (c.steps) [[unlikely]]
        record_privatelink(*c.steps, eni, e.interface_endpoint, node);
    balance(c, f, l4, Entrance{eni, e.ip, node, true});
}

// From an ENI of a VPC with a load balancer: the load-balanced connection this packet answers, if any.
const TranslatedConnection* load_balanced_reply(Context& c, const Frame& f) {
    if (f.ip.more_fragments()) return nullptr;
    const L4Facts l4 = l4_facts(f.ip);
    if (!l4.ok) return nullptr;
    return c.flows.load_balancers.from_back(static_cast<std::uint16_t>(c.ingress), l4.protocol, f.ip.source(), l4.source_port, f.ip.destination(),
                                            l4.destination_port, l4.flags, c.flows.now);
}

// A target's answer leaving for node `node_port`: the target's groups, and both subnets' ACLs when the node
// is in another subnet. False: dropped (and counted).
bool target_may_reach_node(Context& c, const Frame& f, PortIndex node_port) {
    const std::uint32_t node_subnet = c.snap.port(node_port).subnet;
    const bool other_subnet = c.snap.port(c.ingress).subnet != node_subnet;
    if (!may_leave(c, f, other_subnet)) return false;
    return !other_subnet || network_acl_passes(c, f, node_subnet, true, node_port);
}

// A target's answer on a PrivateLink connection: out through the target's groups (and its subnet's ACL when
// the node is in another subnet), through the node to the endpoint's ENI in the consumer's VPC, and from the
// ENI to the client; with a PROXY header in the stream, its acknowledgments are the client's again.
void back_through_privatelink(Context& c, Frame& f, const TranslatedConnection& conn) {
    const PortIndex eni = conn.zone;
    const routing::PortInfo& e = c.snap.port(eni);
    const PortIndex node_port = e.privatelink_node;  // none once the endpoint is rejected
    if (!is_load_balancer_node(c, node_port)) return drop(c, c.ingress, DropReason::privatelink_not_accepted);
    if (!target_may_reach_node(c, f, node_port)) return;
    unshift_from_back(f, conn, f.vnet.needs_checksum());
    rewrite(c, f, Stage::privatelink, node_port, endpoints::NatField::source, f.ip.source(), e.ip, conn.front_port);
    rewrite(c, f, Stage::privatelink, node_port, endpoints::NatField::destination, f.ip.destination(), conn.client, conn.client_port);
    deliver_from_endpoint_eni(c, f, eni, conn.client, conn.client_port);
}

// A target's answer on a load-balanced connection: out through the target's groups (and its subnet's ACL
// when the node is in another subnet), back to what the client addressed, then on from the node as the
// node's own packet (its route table: the local route, or its internet gateway with its public address).
void back_from_target(Context& c, Frame& f, const TranslatedConnection& conn) {
    if (c.snap.is_eni(conn.zone) && c.snap.port(conn.zone).privatelink) return back_through_privatelink(c, f, conn);
    const PortIndex node_port = conn.zone;
    if (!is_load_balancer_node(c, node_port)) return drop(c, c.ingress, DropReason::load_balancer_no_connection);
    if (!target_may_reach_node(c, f, node_port)) return;
    const routing::PortInfo& target = c.snap.port(c.ingress);
    const routing::PortInfo& n = c.snap.port(node_port);
    // On through the internet gateway, the internet's 1500-byte MTU is met here and answered to the target
    // (quoting the packet as it sent it), so its path MTU discovery works through the load balancer.
    const routing::Decision d = c.snap.decide(node_port, n.ip, conn.client, f.ip.protocol(), conn.client_port);
    if (d.outcome == routing::Outcome::internet_gateway) {
        const routing::SubnetInfo& own = c.snap.subnet(target.subnet);
        if (check_internet_mtu(c, f, own.router_address(), own.router_mac) == MtuVerdict::refused) return;
    }
    unshift_from_back(f, conn, f.vnet.needs_checksum());
    rewrite(c, f, Stage::load_balancer, node_port, endpoints::NatField::source, f.ip.source(), n.ip, conn.front_port);
    if (conn.seen != conn.client)
        rewrite(c, f, Stage::load_balancer, node_port, endpoints::NatField::destination, f.ip.destination(), conn.client, conn.client_port);
    f.eth.set_source(n.mac);  // from here on the node's packet (a delivery in its subnet keeps this MAC)
    Context from_node{c.snap, node_port, c.frame, c.scratch, c.sink, c.flows, c.steps};
    route_from_eni(from_node, f);
}

void from_eni(Context& c, Frame& f) {
    const routing::PortInfo& in = c.snap.port(c.ingress);
    // A target answering a load-balanced connection: back through the node it came by, whatever the
    // target's route table says (ELB NLB guide, "Client IP preservation").
    if (in.in_load_balanced_vpc && !in.served_by_router())
        if (const TranslatedConnection* conn = load_balanced_reply(c, f)) return back_from_target(c, f, *conn);
    route_from_eni(c, f);
}

void route_from_eni(Context& c, Frame& f) {
    const routing::PortInfo& in = c.snap.port(c.ingress);
    const routing::Decision d = c.snap.decide(c.ingress, f.ip.source(), f.ip.destination(), f.ip.protocol(), destination_port_of(f.ip));
    if (!routed(c, c.ingress, d)) return;
    if (d.outcome == routing::Outcome::to_resolver) {
        const auto& sp = c.snap.service_ports();
        const Stage stage = routing::ServicePorts::is_metadata(d.resolver_address) ? Stage::metadata : Stage::resolver;
        rewrite(c, f, stage, c.ingress, endpoints::NatField::destination, f.ip.destination(), d.resolver_address);
        return send(c, sp.resolver, f, sp.resolver_mac, sp.resolver_router_mac);
    }
    if (d.outcome == routing::Outcome::deliver) {
        // Network ACLs are evaluated at the subnet's edge, not between two ENIs of one subnet (VPC User
        // Guide, "Network ACLs").
        if (!may_leave(c, f, !d.same_subnet) || !may_enter(c, f, d.port, !d.same_subnet)) return;
        if (c.snap.port(d.port).load_balancer_node != routing::no_port) return into_load_balancer(c, f, d.port);
        if (c.snap.port(d.port).served_by_router()) return into_interface_endpoint(c, f, d.port);
        // The VPC router is not an IP hop (no TTL decrement); within a subnet the frame keeps the sender's
        // MAC, across subnets it comes from the destination subnet's router.
        const routing::PortInfo& to = c.snap.port(d.port);
        return send(c, d.port, f, to.mac, d.same_subnet ? f.eth.source() : c.snap.subnet(to.subnet).router_mac);
    }
    if (d.outcome == routing::Outcome::gateway_endpoint) return through_gateway_endpoint(c, f, d);

    const auto g = c.snap.internet_egress(c.ingress, d);
    if (g.kind == routing::GatewayDecision::Kind::no_public_ip) return drop(c, c.ingress, DropReason::no_public_ip);
    if (g.kind != routing::GatewayDecision::Kind::translate) return drop(c, c.ingress, DropReason::internet_gateway_detached);
    // The region would swallow it without a trace: count it here instead (e.g. `ping 8.8.8.8`).
    if (!c.snap.region_serves(f.ip.destination())) return drop(c, c.ingress, DropReason::no_internet_host);
    if (!may_leave(c, f, true)) return;
    const auto& sp = c.snap.service_ports();
    const MtuVerdict mtu = check_internet_mtu(c, f, c.snap.subnet(in.subnet).router_address(), c.snap.subnet(in.subnet).router_mac);
    if (mtu == MtuVerdict::refused) return;
    rewrite(c, f, Stage::igw_nat, c.ingress, endpoints::NatField::source, g.from, g.to, keep_port, d.gateway);
    send_across_gateway(c, f, mtu, sp.region, sp.region_mac, sp.region_router_mac);
}

void from_region(Context& c, Frame& f) {
    const auto& sp = c.snap.service_ports();
    if (sp.endpoint_block.prefix_length && sp.endpoint_block.contains(f.ip.source())) return back_through_gateway_endpoint(c, f);
    if (!sp.public_pool.contains(f.ip.destination())) return drop(c, c.ingress, DropReason::not_from_region_range);
    const auto g = c.snap.internet_ingress(f.ip.destination());
    if (g.kind == routing::GatewayDecision::Kind::detached) return drop(c, c.ingress, DropReason::internet_gateway_detached);
    if (g.kind != routing::GatewayDecision::Kind::translate) return drop(c, c.ingress, DropReason::no_such_public_ip);
    const routing::PortInfo& to = c.snap.port(g.port);
    // The internet path's MTU is met at the gateway, before the subnet's ACL and the ENI's groups: a
    // packet too big for it is answered there whatever the filters would have said, as a router on the
    // path would. The filters then judge the whole packet once, not each fragment.
    const MtuVerdict mtu = check_internet_mtu(c, f, sp.region_router_ip, sp.region_router_mac);
    if (mtu == MtuVerdict::refused) return;
    rewrite(c, f, Stage::igw_nat, g.port, endpoints::NatField::destination, g.from, g.to, keep_port,
            c.steps ? c.snap.internet_gateway_of_vpc(to.vpc) : Step::none);
    if (!may_enter(c, f, g.port, true)) return;
    if (to.load_balancer_node != routing::no_port) {
        // An internet-facing load balancer's node: its connections carry whole segments, never fragments.
        if (mtu != MtuVerdict::fits) return drop(c, g.port, DropReason::load_balancer_fragment);
        return into_load_balancer(c, f, g.port);
    }
    send_across_gateway(c, f, mtu, g.port, to.mac, c.snap.subnet(to.subnet).router_mac);
}

void from_resolver(Context& c, Frame& f) {
    const auto r = c.snap.from_resolver(f.ip.source(), f.ip.destination());
    if (!r.ok) return drop(c, c.ingress, DropReason::resolver_unknown_destination);
    const Stage stage = routing::ServicePorts::is_metadata(f.ip.source()) ? Stage::metadata : Stage::resolver;
    rewrite(c, f, stage, r.port, endpoints::NatField::source, r.from, r.to);
    const routing::PortInfo& to = c.snap.port(r.port);
    send(c, r.port, f, to.mac, c.snap.subnet(to.subnet).router_mac);
}

}  // namespace

void send_from_load_balancer_node(const ForwardingSnapshot& snap, PortIndex node, PortIndex target, std::size_t packet_length, Bytes scratch,
                                  FrameSink& sink, FlowState& flows, StepRecorder* steps) noexcept {
    if (!snap.is_eni(node) || packet_length == 0 || packet_length + link_headers > scratch.size()) return;
    Context c{snap, node, scratch.first(link_headers + packet_length), scratch, sink, flows, steps};
    send_generated_from_node(c, node, target, packet_length);
}

void process_frame(const ForwardingSnapshot& snap, PortIndex ingress, Bytes bytes, Bytes scratch, FrameSink& sink, FlowState& flows,
                   StepRecorder* steps) noexcept {
    Context c{snap, ingress, bytes, scratch, sink, flows, steps};
    if (wire::VnetHeader::check(bytes) != wire::WireError::none) return drop(c, ingress, DropReason::vnet_header_truncated);
    const Bytes ethernet = bytes.subspan(wire::VnetHeader::length);
    if (wire::EthernetView::check(ethernet) != wire::WireError::none) return drop(c, ingress, DropReason::frame_truncated);
    Frame f{bytes, wire::VnetHeader::read(bytes), wire::EthernetView(ethernet), {}};
    const auto& sp = snap.service_ports();
    // A port no running instance holds (a TAP read after its instance stopped forwarding).
    if (!snap.is_eni(ingress) && ingress != sp.region && ingress != sp.resolver)
        return drop(c, ingress, DropReason::interface_not_forwarding);
    const wire::MacAddress& expected_source = snap.is_eni(ingress) ? snap.port(ingress).mac
                                              : ingress == sp.region    ? sp.region_mac
                                                                        : sp.resolver_mac;
    if (!(f.eth.source() == expected_source)) return drop(c, ingress, DropReason::source_mac_mismatch);

    switch (f.eth.ether_type()) {
        case static_cast<std::uint16_t>(wire::EtherType::arp): note(c, Stage::edge, Verdict::pass, ingress); return answer_arp(c, f);
        case static_cast<std::uint16_t>(wire::EtherType::ipv6): return drop(c, ingress, DropReason::ipv6_not_enabled);
        case static_cast<std::uint16_t>(wire::EtherType::ipv4): break;
        default: return drop(c, ingress, DropReason::ether_type_unsupported);
    }
    const auto error = wire::Ipv4View::check(f.eth.payload());
    if (error != wire::WireError::none) return drop(c, ingress, drop_reason_for(error));
    f.ip = wire::Ipv4View(f.eth.payload());
    // The offload fields are trusted from here on (checksum completion, NAT, fragmenting): check them once.
    switch (wire::check_offloads(f.vnet, f.ip.bytes(), wire::EthernetView::header_length)) {
        case wire::OffloadError::none: break;
        case wire::OffloadError::checksum_fields: return drop(c, ingress, DropReason::vnet_checksum_invalid);
        case wire::OffloadError::gso_fields: return drop(c, ingress, DropReason::vnet_gso_invalid);
    }
    note(c, Stage::edge, Verdict::pass, ingress);
    if (snap.is_eni(ingress)) return from_eni(c, f);
    if (ingress == sp.region) return from_region(c, f);
    return from_resolver(c, f);
}

}  // namespace vpclab::router
