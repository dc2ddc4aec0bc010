// Connection tracking keys, flow states and the security group verdict.
#include "router/data_path/connection_tracking.hpp"


#include "wire/bytes.hpp"
#include "wire/l4.hpp"

namespace vpclab::router {

namespace {

// A flow's state, kept in the table entry's value.
constexpr std::uint32_t opened_inbound = 1,  // the first packet arrived at the ENI (else it left it)
    answered = 2,                            // the other side has sent too
    stream = 4,                              // UDP: the opener sent again after an answer; TCP: established
    fin_from_opener = 8,                     // TCP: FIN seen from the side that opened the flow
    fin_from_other = 16,                     // TCP: FIN seen from the other side
    reset = 32;                              // TCP: RST seen

namespace flag = wire::tcp_flags;

// How a packet is keyed for tracking.
enum class Keyed : std::uint8_t {
    no,      // no key: judged by the rules alone
    own,     // its own flow
    quoted,  // the flow of the packet an ICMP error quotes: may match a flow, never opens one
};

// Writes into `k` the key of a packet from `source` to `destination` with transport facts `l4`, seen
// `inbound` at the ENI; false when it has none. Written in place: the key goes on to be hashed and kept.
bool key_of(std::uint32_t source, std::uint32_t destination, const wire::TransportRepr& l4, bool inbound, std::uint16_t zone,
            routing::FlowKey& k) {
    k.zone = zone;
    k.protocol = l4.protocol;
    k.source = inbound ? destination : source;       // local
    k.destination = inbound ? source : destination;  // remote
    k.source_port = k.destination_port = 0;
    if (l4.is_tcp() || l4.is_udp()) {
        if (!l4.ports) return false;
        k.source_port = inbound ? l4.destination_port : l4.source_port;
        k.destination_port = inbound ? l4.source_port : l4.destination_port;
        return true;
    }
    if (l4.is_icmp()) {
        if (!l4.whole_header || !l4.is_echo()) return false;
        k.source_port = l4.echo_identifier;  // echo request and reply: the identifier
    }
    return true;  // ICMP echo by its identifier; other protocols by addresses and protocol only
}

Keyed tracking_key(const wire::Ipv4View& ip, const wire::TransportRepr& l4, bool inbound, std::uint16_t zone, routing::FlowKey& k) {
    // RFC 792: an error quotes the IP header and 8 bytes of the packet it is about, which went the other way.
    if (l4.whole_header && l4.is_icmp_error()) {
        const wire::Bytes quoted = ip.payload().subspan(wire::IcmpView::header_length);
        // Its header whole (its total length is the quoted packet's, not what was quoted of it).
        if (quoted.size() < wire::Ipv4View::min_header_length) return Keyed::no;
        const std::size_t header_length = static_cast<std::size_t>(quoted[0] & 0x0f) * 4;
        if (header_length < wire::Ipv4View::min_header_length || header_length > quoted.size()) return Keyed::no;
        const wire::Ipv4View inner(quoted);
        const auto inner_l4 = wire::TransportRepr::parse(inner.protocol(), inner.is_first_fragment(), quoted.subspan(header_length));
        return key_of(inner.source(), inner.destination(), inner_l4, !inbound, zone, k) ? Keyed::quoted : Keyed::no;
    }
    return key_of(ip.source(), ip.destination(), l4, inbound, zone, k) ? Keyed::own : Keyed::no;
}

// A TCP flow's state after a segment with `flags` from the opener (`from_opener`) or the other side.
std::uint32_t tcp_state_after(std::uint32_t state, std::uint8_t flags, bool from_opener) {
    if (!from_opener) state |= answered;
    // Established: the opener spoke (its ACK of the SYN-ACK, or data) once the other side had answered.
    else if ((state & answered) && !(flags & flag::syn)) state |= stream;
    if (flags & flag::fin) state |= from_opener ? fin_from_opener : fin_from_other;
    if (flags & flag::rst) state |= reset;
    return state;
}

std::uint32_t timeout_for(std::uint8_t protocol, std::uint32_t state, const routing::ConnectionTrackingTimeouts& t) {
    switch (protocol) {
        case 6:
            if ((state & reset) || ((state & fin_from_opener) && (state & fin_from_other))) return ConnectionTracking::tcp_closed_seconds;
            // Never established (a FIN flood's flows, too): as short as a SYN's.
            if (!(state & stream)) return ConnectionTracking::tcp_unestablished_seconds;
            if (state & (fin_from_opener | fin_from_other)) return ConnectionTracking::tcp_half_closed_seconds;
            return static_cast<std::uint32_t>(t.tcp_established);
        case 17: return static_cast<std::uint32_t>((state & stream) ? t.udp_stream : t.udp);
        case 1: return static_cast<std::uint32_t>(t.udp);
        default: return ConnectionTracking::other_protocol_seconds;
    }
}

// The datagram a fragment belongs to (RFC 791: fragments share source, destination, protocol and
// identification), per ENI and direction (the packet's own source and destination).
routing::FlowKey datagram_of(const wire::Ipv4View& ip, std::uint16_t zone) {
    routing::FlowKey k;
    k.source = ip.source();
    k.destination = ip.destination();
    k.source_port = ip.identification();
    k.protocol = ip.protocol();
    k.zone = zone;
    return k;
}


}  // namespace

routing::RuleProbe rule_probe(const wire::Ipv4View& ip, const wire::TransportRepr& l4, bool inbound) noexcept {
    routing::RuleProbe p;
    p.address = inbound ? ip.source() : ip.destination();
    p.protocol = l4.protocol;
    p.has_l4 = false;
    if (!l4.first_fragment) return p;
    if (l4.ports) {
        p.port = l4.destination_port;
        p.has_l4 = true;
    } else if (l4.icmp_type_known) {
        p.icmp_type = l4.icmp_type;
        p.icmp_code = l4.icmp_code;
        p.has_l4 = true;
    } else if (!l4.is_tcp() && !l4.is_udp() && !l4.is_icmp()) {
        p.has_l4 = true;  // nothing beyond the protocol to match
    }
    return p;
}

namespace {

// A live tracked flow under `key`: in `tracking`, else in `beneath`.
const routing::FlowTable::Entry* tracked(const routing::FlowTable& tracking, const routing::FlowTable* beneath, const routing::FlowKey& key,
                                         std::uint32_t now) noexcept {
    const routing::FlowTable::Entry* flow = tracking.live(key, now);
    return flow || !beneath ? flow : beneath->live(key, now);
}

// Judges into `out` (its note as constructed: nothing to remember), writing its fields in place: the
// judgement is read right after by FlowMemory::remember.
void judge_packet(const routing::ForwardingSnapshot& snapshot, routing::PortIndex eni, const wire::Ipv4View& ip, const wire::TransportRepr& l4,
                  bool inbound, const ConnectionTracking& tracking, const ConnectionTracking* beneath, std::uint32_t now, bool want_rule,
                  GroupJudgement& out) noexcept {
    TrackingNote& note = out.note;
    const routing::CompiledSecurityGroups& groups = snapshot.security_groups_of(eni);
    const auto& timeouts = snapshot.port(eni).tracking;
    const Keyed keyed = tracking_key(ip, l4, inbound, static_cast<std::uint16_t>(eni), note.key);
    const std::uint8_t flags = l4.tcp_flags;
    // An ICMP echo flow is opened by a request; the opener sends only requests on it, the other side only
    // replies (anything else is judged by the rules, as a new packet).
    const bool echo_request = keyed == Keyed::own && l4.is_echo_request();
    if (keyed != Keyed::no) {
        const routing::FlowTable::Entry* flow = tracked(tracking.table, beneath ? &beneath->table : nullptr, note.key, now);
        if (flow && l4.is_icmp() && keyed == Keyed::own && echo_request != (((flow->value & opened_inbound) != 0) == inbound)) flow = nullptr;
        if (flow) {
            out.verdict = GroupVerdict::tracked;
            note.kind = TrackingNote::Kind::seen;
            note.flow = flow;
            if (keyed == Keyed::quoted) {  // an ICMP error about the flow: seen, its state unchanged
                note.state = flow->value;
                note.timeout = flow->idle_timeout;
                return;
            }
            std::uint32_t state = flow->value;
            const bool from_opener = ((state & opened_inbound) != 0) == inbound;
            if (l4.is_tcp()) {
                // A SYN from the opener on a flow that is closing or closed: it reuses its port for a new
                // connection, whose flow starts afresh.
                if (wire::opens_tcp_connection(flags) && from_opener && (state & (reset | fin_from_opener | fin_from_other)))
                    state &= opened_inbound;
                state = tcp_state_after(state, flags, from_opener);
            } else {
                if (!from_opener) state |= answered;
                else if ((state & answered) && l4.is_udp()) state |= stream;
            }
            note.state = state;
            note.timeout = timeout_for(l4.protocol, state, timeouts);
            return;
        }
    }
    const routing::CompiledRule* rule = routing::security_group_match(inbound ? groups.ingress : groups.egress, rule_probe(ip, l4, inbound));
    if (!rule) return;  // denied
    if (want_rule) out.allowed_by = groups.origin_of(*rule, inbound);
    out.verdict = GroupVerdict::allowed;
    // Nothing to track: no key, an ICMP error, a reset, or an echo reply no request opened.
    if (keyed != Keyed::own || (flags & flag::rst) || (l4.is_icmp() && !echo_request)) return;
    if (groups.untracked(l4.protocol)) {
        out.verdict = GroupVerdict::untracked;
        return;
    }
    std::uint32_t state = inbound ? opened_inbound : 0;
    if (l4.is_tcp()) state = tcp_state_after(state, flags, true);
    note.kind = TrackingNote::Kind::opened;
    note.state = state;
    note.timeout = timeout_for(l4.protocol, state, timeouts);
}

}  // namespace

void forget_tracked_flow(ConnectionTracking& tracking, routing::PortIndex eni, std::uint8_t protocol, std::uint32_t local,
                         std::uint16_t local_port, std::uint32_t remote, std::uint16_t remote_port) noexcept {
    routing::FlowKey k;
    k.zone = static_cast<std::uint16_t>(eni);
    k.protocol = protocol;
    k.source = local;
    k.destination = remote;
    k.source_port = local_port;
    k.destination_port = remote_port;
    tracking.table.erase(k);
}

GroupJudgement security_group_verdict(const routing::ForwardingSnapshot& snapshot, routing::PortIndex eni, const wire::Ipv4View& ip,
                                      const wire::TransportRepr& l4, bool inbound, const ConnectionTracking& tracking, const ConnectionTracking* beneath,
                                      std::uint32_t now, bool want_rule) noexcept {
    GroupJudgement out;
    const auto zone = static_cast<std::uint16_t>(eni);
    if (!l4.first_fragment && tracked(tracking.fragments, beneath ? &beneath->fragments : nullptr, datagram_of(ip, zone), now)) {
        out.verdict = GroupVerdict::tracked;
        return out;
    }
    judge_packet(snapshot, eni, ip, l4, inbound, tracking, beneath, now, want_rule, out);
    // A first fragment that passed lets the rest of its datagram through (when the table has room; else
    // they are judged by the rules). Untracked flows need no memory: the all-open rules pass them anyway.
    if (l4.first_fragment && ip.more_fragments() && passes(out.verdict) && out.verdict != GroupVerdict::untracked) {
        out.note.fragments_follow = true;
        out.note.datagram = datagram_of(ip, zone);
    }
    return out;
}

}  // namespace vpclab::router
