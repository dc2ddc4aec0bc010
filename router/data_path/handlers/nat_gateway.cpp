// NAT gateways: inside hosts' packets translated to the gateway's address and routed on from its subnet; the
// replies, and ICMP errors about what the gateway sent, translated back to the host that opened the connection.
//
// VPC User Guide, "NAT gateways" and "NAT gateway basics": TCP, UDP and ICMP; source ports 1024–65535; no
// security groups (the subnets' network ACLs apply); nothing initiated from outside gets in. A public gateway's
// packets leave by its subnet's route table, through the internet gateway, which translates its private
// address to its Elastic IP (internet_gateway.cpp); a private gateway's go where its subnet routes them.
// "Troubleshoot NAT gateways": a connection idle for 350 s times out, and the gateway answers an inside host
// that goes on with it with a RST (never a FIN); no fragments of TCP or ICMP ("Compare NAT gateways and NAT
// instances": UDP fragments are forwarded). RFC 5508: ICMP queries are mapped by their identifier, and an ICMP
// error is translated back with the packet it quotes.
#include "endpoints/path_mtu.hpp"
#include "router/data_path/health_probes.hpp"
#include "router/data_path/stage_context.hpp"

namespace vpclab::router::stages {

namespace {

constexpr auto nat_table = FlowMemory::Connections::nat_gateways;
constexpr std::uint8_t tcp = 6, udp = 17, icmp = 1;

// The gateway takes the packet on (recorded before its translation: flow logs log it as it came in).
void note_taken(Context& c, PortIndex nat) {
    if (c.steps) [[unlikely]]
        record_handled(*c.steps, Stage::nat_gateway, Verdict::pass, nat, c.snap.port(nat).nat_gateway);
}

// RFC 793 §3.4 ("Reset Generation"): the RST answering a segment that belongs to no connection, from the
// address and port the inside host sent it to; built in the scratch slot and sent back on the host's port.
void answer_with_reset(Context& c, const Frame& f, PortIndex nat) {
    // Only to an instance: a packet another NAT gateway routed here has no one to answer (no TAP).
    if (c.snap.port(c.ingress).served_by_router()) return;
    const wire::TransportRepr& l4 = f.l4;
    // SEG.LEN: the data after the TCP header, its offset trusted no further than the segment holds.
    const std::uint32_t segment = static_cast<std::uint32_t>(f.ip.payload().size());
    const std::uint32_t header = std::min(segment, std::max<std::uint32_t>(20, static_cast<std::uint32_t>(f.ip.payload()[12] >> 4) * 4));
    const std::uint32_t length = segment - header;
    const bool acked = l4.tcp_flags & wire::tcp_flags::ack;
    const std::uint32_t seq = acked ? l4.acknowledgment : 0;
    const std::uint32_t ack = l4.sequence + length + ((l4.tcp_flags & wire::tcp_flags::syn) ? 1 : 0) + ((l4.tcp_flags & wire::tcp_flags::fin) ? 1 : 0);
    const std::uint8_t flags = acked ? wire::tcp_flags::rst : static_cast<std::uint8_t>(wire::tcp_flags::rst | wire::tcp_flags::ack);
    const std::size_t n = build_tcp_packet(c.scratch.subspan(link_headers), f.ip.destination(), f.ip.source(), l4.destination_port, l4.source_port,
                                           seq, acked ? 0 : ack, flags, {}, 0);
    if (!n) return;
    if (c.steps) [[unlikely]]
        record_handled(*c.steps, Stage::nat_gateway, Verdict::answer, nat, c.snap.port(nat).nat_gateway);
    const routing::PortInfo& in = c.snap.port(c.ingress);
    send_generated(c, c.ingress, n, f.eth.source(), c.snap.subnet(in.subnet).router_mac);
}

// The packet goes on from the gateway's ENI as the gateway's own: routed by its subnet's table.
void route_from_gateway(Context& c, Frame& f, PortIndex nat) {
    f.eth.set_source(c.snap.port(nat).mac);
    Context from_nat{c.snap, nat, c.frame, c.scratch, c.sink, c.memory, c.steps, static_cast<std::uint8_t>(c.reroutes + 1)};
    route_from_eni(from_nat, f);
}

// The inside "port" of a packet from inside: TCP's or UDP's source port, an ICMP echo request's identifier.
bool inside_port(const wire::TransportRepr& l4, std::uint16_t& port, std::uint16_t& destination_port) {
    if ((l4.protocol == tcp || l4.protocol == udp) && l4.whole_tcp_or_udp()) {
        port = l4.source_port, destination_port = l4.destination_port;
        return true;
    }
    if (l4.protocol == icmp && l4.whole_header && l4.is_echo_request()) {
        port = l4.echo_identifier, destination_port = 0;
        return true;
    }
    return false;
}

// An ICMP error from outside about a packet the gateway sent (its address the quote's source): back to the
// inside host whose translation it names, quote and all (RFC 5508 §4.1); path MTU discovery works through it.
void error_back_through(Context& c, Frame& f, PortIndex nat, const endpoints::QuotedPacket& q) {
    const routing::PortInfo& gateway = c.snap.port(nat);
    if (q.source != gateway.ip || !q.ports || (q.protocol != tcp && q.protocol != udp && q.protocol != icmp))
        return drop(c, nat, DropReason::nat_gateway_unsolicited);
    const std::uint16_t back_port = q.protocol == icmp ? 0 : q.destination_port;
    const TranslatedConnection* conn =
        c.memory.from_back(nat_table, static_cast<std::uint16_t>(nat), q.protocol, q.destination, back_port, gateway.ip, q.source_port);
    if (!conn) return drop(c, nat, DropReason::nat_gateway_unsolicited);
    // The outer destination and the quoted source (translate_address does both), then the quoted port.
    note_taken(c, nat);
    rewrite(c, f, Stage::nat_gateway, nat, endpoints::NatField::destination, gateway.ip, conn->client, keep_port, gateway.nat_gateway);
    endpoints::translate_quoted_source_port(f.ip.bytes(), conn->client_port);
    route_from_gateway(c, f, nat);
}

}  // namespace

void into_nat_gateway(Context& c, Frame& f, const routing::Decision& d) {
    const PortIndex nat = d.port;
    const routing::PortInfo& gateway = c.snap.port(nat);
    if (c.reroutes >= max_reroutes) return drop(c, c.ingress, DropReason::routing_loop);
    // The sender's subnet's ACL and groups going out, the gateway's subnet's ACL coming in (no groups).
    if (!may_leave(c, f, !d.same_subnet) || !may_enter(c, f, nat, !d.same_subnet)) return;
    const std::uint8_t protocol = f.ip.protocol();
    if (protocol != tcp && protocol != udp && protocol != icmp) return drop(c, nat, DropReason::nat_gateway_protocol);
    const bool fragment = f.ip.more_fragments() || !f.ip.is_first_fragment();
    if (fragment && protocol != udp) return drop(c, nat, DropReason::nat_gateway_fragment);
    if (!f.ip.is_first_fragment()) {
        // A later fragment of a UDP datagram whose first fragment the gateway translated: its source only.
        const routing::FlowKey key = NatGatewayTranslations::fragment_key(static_cast<std::uint16_t>(nat), f.ip.source(), f.ip.destination(),
                                                                          f.ip.identification(), false);
        if (!c.memory.nat_fragment(key)) return drop(c, nat, DropReason::nat_gateway_fragment);
        note_taken(c, nat);
        rewrite(c, f, Stage::nat_gateway, nat, endpoints::NatField::source, f.ip.source(), gateway.ip, keep_port, gateway.nat_gateway);
        return route_from_gateway(c, f, nat);
    }
    std::uint16_t port = 0, destination_port = 0;
    if (!inside_port(f.l4, port, destination_port)) return drop(c, nat, DropReason::nat_gateway_protocol);

    // On through the internet gateway, the internet's 1500-byte MTU is met here, before any translation is opened or used, and
    // answered to the inside host quoting what it sent (as the reverse translation of the gateway's ICMP
    // error would): its path MTU discovery works through the gateway.
    // (The gateway's route is looked up here only for a packet larger than that: route_from_gateway decides it anyway.)
    if (endpoints::wire_packet_size(f.ip.bytes(), f.vnet) > endpoints::internet_mtu && !c.snap.port(c.ingress).served_by_router() &&
        c.snap.decide(nat, gateway.ip, f.ip.destination(), protocol, destination_port).outcome == routing::Outcome::internet_gateway) {
        const routing::SubnetInfo& own = c.snap.subnet(c.snap.port(c.ingress).subnet);
        const MtuVerdict mtu = check_internet_mtu(c, f, own.router_address(), own.router_mac);
        if (mtu == MtuVerdict::refused) return;
        // A datagram the internet gateway will fragment: its later fragments pass the gateway as this one did.
        if (mtu == MtuVerdict::fragment && protocol != udp) return drop(c, nat, DropReason::nat_gateway_fragment);
    }

    const TranslatedConnection* conn = c.memory.from_client(nat_table, static_cast<std::uint16_t>(nat), protocol, f.ip.source(), port,
                                                            f.ip.destination(), destination_port);
    if (conn) {
        conn = c.memory.client_sent(nat_table, *conn, f.l4.tcp_flags, c.memory.nat_idle_timeout());
        if (!conn) return drop(c, nat, DropReason::nat_gateway_table_full);  // a dry run's overlay without room
    } else {
        // Only a SYN opens a TCP translation; anything else answers one that timed out (or never was): a RST,
        // but never to a RST (RFC 793 §3.4: "An incoming segment containing a RST is discarded").
        if (protocol == tcp && (f.l4.tcp_flags & wire::tcp_flags::rst)) return drop(c, nat, DropReason::nat_gateway_reset_discarded);
        if (protocol == tcp && !f.l4.opens_tcp_connection()) {
            answer_with_reset(c, f, nat);
            return drop(c, nat, DropReason::nat_gateway_idle_reset);
        }
        TranslatedConnections::Back back;
        back.address = f.ip.destination();
        back.port = destination_port;
        back.seen = gateway.ip;
        back.zone = static_cast<std::uint16_t>(nat);
        back.full_port_range = true;
        back.idle_timeout = c.memory.nat_idle_timeout();
        conn = c.memory.open(nat_table, static_cast<std::uint16_t>(nat), protocol, f.ip.source(), port, f.ip.destination(), destination_port, back);
        if (!conn)
            return drop(c, nat, c.memory.refusal(nat_table) == TranslatedConnections::Refusal::ports ? DropReason::nat_gateway_port_allocation
                                                                                                     : DropReason::nat_gateway_table_full);
    }
    if (f.ip.more_fragments())
        c.memory.remember_nat_fragment(NatGatewayTranslations::fragment_key(static_cast<std::uint16_t>(nat), f.ip.source(), f.ip.destination(),
                                                                            f.ip.identification(), false),
                                       gateway.ip);
    note_taken(c, nat);
    rewrite(c, f, Stage::nat_gateway, nat, endpoints::NatField::source, f.ip.source(), gateway.ip, conn->translated_port, gateway.nat_gateway);
    route_from_gateway(c, f, nat);
}

void back_through_nat_gateway(Context& c, Frame& f, PortIndex nat) {
    const routing::PortInfo& gateway = c.snap.port(nat);
    if (c.reroutes >= max_reroutes) return drop(c, nat, DropReason::routing_loop);
    const std::uint8_t protocol = f.ip.protocol();
    if (f.ip.destination() != gateway.ip || (protocol != tcp && protocol != udp && protocol != icmp))
        return drop(c, nat, DropReason::nat_gateway_unsolicited);
    const bool fragment = f.ip.more_fragments() || !f.ip.is_first_fragment();
    if (fragment && protocol != udp) return drop(c, nat, DropReason::nat_gateway_fragment);
    const routing::FlowKey fragment_key = NatGatewayTranslations::fragment_key(static_cast<std::uint16_t>(nat), f.ip.source(), f.ip.destination(),
                                                                               f.ip.identification(), true);
    if (!f.ip.is_first_fragment()) {
        const routing::FlowTable::Entry* to = c.memory.nat_fragment(fragment_key);
        if (!to) return drop(c, nat, DropReason::nat_gateway_fragment);
        note_taken(c, nat);
        rewrite(c, f, Stage::nat_gateway, nat, endpoints::NatField::destination, gateway.ip, to->value, keep_port, gateway.nat_gateway);
        return route_from_gateway(c, f, nat);
    }
    if (protocol == icmp && f.l4.icmp_type_known && !f.l4.is_echo()) {
        const endpoints::QuotedPacket q = endpoints::quoted_packet(f.ip.bytes());
        if (!q.ok) return drop(c, nat, DropReason::nat_gateway_unsolicited);
        return error_back_through(c, f, nat, q);
    }
    std::uint16_t source_port = 0, port = 0;
    if ((protocol == tcp || protocol == udp) && f.l4.whole_tcp_or_udp()) source_port = f.l4.source_port, port = f.l4.destination_port;
    else if (protocol == icmp && f.l4.whole_header && f.l4.icmp_type == static_cast<std::uint8_t>(wire::IcmpType::echo_reply)) port = f.l4.echo_identifier;
    else return drop(c, nat, DropReason::nat_gateway_unsolicited);  // an echo request: "you do not get a response"
    const TranslatedConnection* conn =
        c.memory.from_back(nat_table, static_cast<std::uint16_t>(nat), protocol, f.ip.source(), source_port, gateway.ip, port);
    if (!conn) return drop(c, nat, DropReason::nat_gateway_unsolicited);
    conn = c.memory.back_sent(nat_table, *conn, f.l4.tcp_flags);
    if (!conn) return drop(c, nat, DropReason::nat_gateway_table_full);  // a dry run's overlay without room
    if (f.ip.more_fragments()) c.memory.remember_nat_fragment(fragment_key, conn->client);
    note_taken(c, nat);
    rewrite(c, f, Stage::nat_gateway, nat, endpoints::NatField::destination, gateway.ip, conn->client, conn->client_port, gateway.nat_gateway);
    route_from_gateway(c, f, nat);
}

}  // namespace vpclab::router::stages
