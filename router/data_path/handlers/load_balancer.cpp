// Network load balancers: a node's listeners, the target a new flow goes to, health checks' answers, and the targets' replies back.
#include "router/data_path/stage_context.hpp"

#include "endpoints/proxy_protocol.hpp"
#include "router/data_path/health_probes.hpp"
#include "routing/flow_hash.hpp"

namespace vpclab::router::stages {

namespace {

// The endpoint a connection came through, for its PROXY header's TLV: none but through PrivateLink.
std::string_view endpoint_id_of(const Context& c, const Entrance& at) {
    return at.privatelink ? c.snap.endpoint_id(c.snap.port(at.zone).interface_endpoint) : std::string_view();
}

}  // namespace

// The PROXY v2 header of a connection, sent before the client's first segment (defined below).
void send_proxy_header(Context& c, const Frame& f, const Entrance& at, const TranslatedConnection& conn);

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
    g.l4.read(g.ip);
    Context gc{c.snap, node, g.bytes, c.scratch, c.sink, c.memory, c.steps};
    if (to.subnet != n.subnet && !network_acl_passes(gc, g, n.subnet, false, node)) return;
    if (!may_enter(gc, g, target, to.subnet != n.subnet)) return;
    send(gc, target, g, to.mac, to.subnet == n.subnet ? n.mac : c.snap.subnet(to.subnet).router_mac);
}

// A back end's segment on a connection with bytes put before the client's stream: the acknowledgment (and
// SACK blocks) the client's again, and whether the inserted bytes are acknowledged now.
void unshift_from_back(Context& c, Frame& f, const TranslatedConnection& conn, bool partial) {
    if (!conn.inserted || f.ip.protocol() != 6) return;
    // A whole header: load_balanced_reply found the connection by it.
    if ((f.l4.tcp_flags & wire::tcp_flags::ack) && static_cast<std::int32_t>(f.l4.acknowledgment - (conn.stream_start + conn.inserted)) >= 0)
        c.memory.acknowledge_inserted(FlowMemory::Connections::load_balancers, conn);
    // The frame's facts follow the bytes: only when the header was rewritten (a sound data offset).
    if (endpoints::unshift_acknowledgment(f.ip.bytes(), conn.inserted, conn.stream_start, partial) && (f.l4.tcp_flags & wire::tcp_flags::ack))
        f.l4.acknowledgment = endpoints::unshifted(f.l4.acknowledgment, conn.inserted, conn.stream_start);
    check_transport_facts(f);
}

// A client's packet for a listener of `at.node`, carried to a target (ELB NLB guide, "Network Load
// Balancers"). A new flow goes to a target by the flow hash and stays there for its life; with client IP
// preservation the target sees the client's address, without it the node's own (and a port of the node's).
// Through PrivateLink the target always sees the node's private address (ELB NLB guide, "Client IP
// preservation": not preserved for traffic through a VPC endpoint), and with proxy protocol v2 the
// connection's stream starts with a PROXY header naming the client and the endpoint.
void balance(Context& c, Frame& f, const Entrance& at) {
    const wire::TransportRepr& l4 = f.l4;  // the frame's own: what the rewrites below change, they change here too
    const routing::PortInfo& n = c.snap.port(at.node);
    const routing::LoadBalancerListener* listener = c.snap.load_balancer_listener(n.load_balancer_node, l4.protocol, l4.destination_port);
    if (!listener) return drop(c, at.zone, DropReason::load_balancer_no_listener);
    const std::uint32_t client = f.ip.source();
    const std::uint32_t idle = l4.protocol == 6 ? FlowState::load_balancer_tcp_idle_seconds : FlowState::load_balancer_udp_idle_seconds;
    const auto zone = static_cast<std::uint16_t>(at.zone);
    const bool opens = l4.is_udp() || l4.opens_tcp_connection();
    constexpr auto table = FlowMemory::Connections::load_balancers;
    const TranslatedConnection* conn = c.memory.from_client(table, zone, l4.protocol, client, l4.source_port, at.address, l4.destination_port);
    if (conn) {
        conn = c.memory.client_sent(table, *conn, l4.tcp_flags, idle);
        if (!conn) return drop(c, at.zone, DropReason::load_balancer_table_full);  // a dry run's overlay full
    } else {
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
        conn = c.memory.open(table, zone, l4.protocol, client, l4.source_port, at.address, l4.destination_port, back);
        if (!conn) return drop(c, at.zone, DropReason::load_balancer_table_full);
    }
    const PortIndex target = conn->back_zone;  // replies come in on the target's ENI
    if (!c.snap.is_eni(target) || c.snap.port(target).served_by_router()) return drop(c, at.zone, DropReason::load_balancer_no_target);
    const routing::PortInfo& to = c.snap.port(target);
    const bool partial = f.vnet.needs_checksum();
    if (conn->inserted) {
        // A SYN (a new connection, or the client reusing its port) sets where its stream starts; the
        // segment that starts it gets the header sent before it, until the target has acknowledged it.
        if (opens) c.memory.start_stream(table, *conn, l4.sequence);
        else if (l4.sequence == conn->stream_start && !conn->inserted_acknowledged)
            send_proxy_header(c, f, at, *conn);
        if (!(l4.tcp_flags & wire::tcp_flags::syn)) {
            if (endpoints::shift_sequence(f.ip.bytes(), conn->inserted, partial)) f.l4.sequence += conn->inserted;
            check_transport_facts(f);
        }
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
    const std::size_t n = build_tcp_packet(c.scratch.subspan(link_headers), conn.seen, conn.back, conn.translated_port, conn.back_port,
                                           conn.stream_start, f.l4.acknowledgment, wire::tcp_flags::psh | wire::tcp_flags::ack,
                                           std::string_view(header, length), f.l4.window);
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
    const wire::TransportRepr& l4 = f.l4;
    if (!l4.whole_tcp_or_udp()) return drop(c, node_port, DropReason::load_balancer_no_listener);
    if (l4.protocol == 6 && HealthProbes::owns(l4.destination_port)) {
        // A target answering a health check: the probe decides, and perhaps answers. (A segment that is not
        // its probe's goes on to the listeners, which may use these ports too.)
        const auto answer = c.memory.health_probes().on_segment(f.ip.source(), l4, f.ip.payload(), c.scratch.subspan(link_headers));
        if (answer.consumed) {
            note(c, Stage::load_balancer, Verdict::answer, node_port);  // taken by the node's health check
            if (answer.length && c.snap.is_eni(c.ingress)) send_generated_from_node(c, node_port, c.ingress, answer.length);
            return;
        }
    }
    balance(c, f, Entrance{node_port, n.ip, node_port, false});
}

// From an ENI of a VPC with a load balancer: the load-balanced connection this packet answers, if any.
const TranslatedConnection* load_balanced_reply(Context& c, const Frame& f) {
    if (f.ip.more_fragments()) return nullptr;
    const wire::TransportRepr& l4 = f.l4;
    if (!l4.whole_tcp_or_udp()) return nullptr;
    constexpr auto table = FlowMemory::Connections::load_balancers;
    const TranslatedConnection* conn =
        c.memory.from_back(table, static_cast<std::uint16_t>(c.ingress), l4.protocol, f.ip.source(), l4.source_port, f.ip.destination(), l4.destination_port);
    return conn ? c.memory.back_sent(table, *conn, l4.tcp_flags) : nullptr;
}

// A target's answer leaving for node `node_port`: the target's groups, and both subnets' ACLs when the node
// is in another subnet. False: dropped (and counted).
bool target_may_reach_node(Context& c, const Frame& f, PortIndex node_port) {
    const std::uint32_t node_subnet = c.snap.port(node_port).subnet;
    const bool other_subnet = c.snap.port(c.ingress).subnet != node_subnet;
    if (!may_leave(c, f, other_subnet)) return false;
    return !other_subnet || network_acl_passes(c, f, node_subnet, true, node_port);
}

// A target's answer on a load-balanced connection: out through the target's groups (and its subnet's ACL
// when the node is in another subnet), back to what the client addressed, then on from the node as the
// node's own packet (its route table: the local route, or its internet gateway with its public address).
void back_from_target(Context& c, Frame& f, const TranslatedConnection& conn) {
    if (c.snap.is_eni(conn.zone) && c.snap.port(conn.zone).role == routing::PortRole::privatelink_endpoint) return back_through_privatelink(c, f, conn);
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
    unshift_from_back(c, f, conn, f.vnet.needs_checksum());
    rewrite(c, f, Stage::load_balancer, node_port, endpoints::NatField::source, f.ip.source(), n.ip, conn.front_port);
    if (conn.seen != conn.client)
        rewrite(c, f, Stage::load_balancer, node_port, endpoints::NatField::destination, f.ip.destination(), conn.client, conn.client_port);
    f.eth.set_source(n.mac);  // from here on the node's packet (a delivery in its subnet keeps this MAC)
    Context from_node{c.snap, node_port, c.frame, c.scratch, c.sink, c.memory, c.steps};
    route_from_eni(from_node, f);
}

}  // namespace vpclab::router::stages
