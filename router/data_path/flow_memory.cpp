// Remembering the data path's decisions: in the live tables, or in a dry run's overlay over them.
#include "router/data_path/flow_memory.hpp"

namespace vpclab::router {

GroupVerdict FlowMemory::remember(const GroupJudgement& judgement) noexcept {
    ConnectionTracking& tracking = own_.connections;
    const TrackingNote& note = judgement.note;
    GroupVerdict verdict = judgement.verdict;
    switch (note.kind) {
        case TrackingNote::Kind::nothing: break;
        case TrackingNote::Kind::seen:
            // Found in this memory's own table: written in place; found beneath (a dry run): copied up.
            if (tracking.table.holds(*note.flow)) tracking.table.refresh(*note.flow, note.state, note.timeout, now());
            else tracking.table.upsert(note.key, note.state, now(), note.timeout);
            break;
        case TrackingNote::Kind::opened:
            // The table, or the ENI's share, full: the live one too in a dry run (as it stands, before a reclaim).
            if ((beneath_ && !beneath_->connections.table.may_add(note.key.zone)) ||
                !tracking.table.upsert_or_reclaim(note.key, note.state, now(), note.timeout)) {
                ++tracking.refused;
                verdict = GroupVerdict::table_full;
            }
            break;
    }
    if (note.fragments_follow && passes(verdict)) tracking.fragments.upsert(note.datagram, 0, now(), ConnectionTracking::fragment_seconds);
    return verdict;
}

bool FlowMemory::open_endpoint_flow(const routing::FlowKey& key, routing::PortIndex eni) noexcept {
    // Its flows belong to the ENI that opened them (the value); in a dry run the live table must have room too.
    if (beneath_ && !beneath_->endpoint.table.may_add(static_cast<std::uint16_t>(eni))) return false;
    return own_.endpoint.table.upsert_or_reclaim(key, eni, now(), EndpointFlows::idle_timeout_seconds);
}

const routing::FlowTable::Entry* FlowMemory::endpoint_flow(const routing::FlowKey& key) const noexcept {
    const routing::FlowTable::Entry* flow = own_.endpoint.table.live(key, now());
    return flow || !beneath_ ? flow : beneath_->endpoint.table.live(key, now());
}

void FlowMemory::endpoint_reply_seen(const routing::FlowKey& key, const routing::FlowTable::Entry& flow) noexcept {
    if (own_.endpoint.table.holds(flow)) own_.endpoint.table.refresh(flow, flow.value, flow.idle_timeout, now());
    else own_.endpoint.table.upsert(key, flow.value, now(), flow.idle_timeout);
}

const routing::FlowTable::Entry* FlowMemory::nat_fragment(const routing::FlowKey& key) const noexcept {
    const routing::FlowTable::Entry* e = own_.nat_gateways.fragments.live(key, now());
    return e || !beneath_ ? e : beneath_->nat_gateways.fragments.live(key, now());
}

void FlowMemory::remember_nat_fragment(const routing::FlowKey& key, std::uint32_t address) noexcept {
    // A full table forgets the oldest near its hand: the datagram's later fragments are then dropped, counted.
    own_.nat_gateways.fragments.upsert_or_reclaim(key, address, now(), NatGatewayTranslations::fragment_seconds);
}

const TranslatedConnection* FlowMemory::from_client(Connections which, std::uint16_t zone, std::uint8_t protocol, std::uint32_t client,
                                                    std::uint16_t client_port, std::uint32_t front, std::uint16_t front_port) const noexcept {
    const TranslatedConnection* c = table(own_, which).find_from_client(zone, protocol, client, client_port, front, front_port, now());
    return c || !beneath_ ? c : table(*beneath_, which).find_from_client(zone, protocol, client, client_port, front, front_port, now());
}

const TranslatedConnection* FlowMemory::from_back(Connections which, std::uint16_t back_zone, std::uint8_t protocol, std::uint32_t back,
                                                  std::uint16_t back_port, std::uint32_t seen, std::uint16_t translated_port) const noexcept {
    const TranslatedConnection* c = table(own_, which).find_from_back(back_zone, protocol, back, back_port, seen, translated_port, now());
    return c || !beneath_ ? c : table(*beneath_, which).find_from_back(back_zone, protocol, back, back_port, seen, translated_port, now());
}

const TranslatedConnection* FlowMemory::owned(Connections which, const TranslatedConnection& found) noexcept {
    TranslatedConnections& mine = table(own_, which);
    return mine.holds(found) ? &found : mine.adopt(found, now());
}

const TranslatedConnection* FlowMemory::client_sent(Connections which, const TranslatedConnection& found, std::uint8_t tcp_flags,
                                                    std::uint32_t idle_timeout) noexcept {
    const TranslatedConnection* c = owned(which, found);
    if (c) table(own_, which).client_sent(*c, tcp_flags, now(), idle_timeout);
    return c;
}

const TranslatedConnection* FlowMemory::back_sent(Connections which, const TranslatedConnection& found, std::uint8_t tcp_flags) noexcept {
    const TranslatedConnection* c = owned(which, found);
    if (c) table(own_, which).back_sent(*c, tcp_flags, now());
    return c;
}

const TranslatedConnection* FlowMemory::open(Connections which, std::uint16_t zone, std::uint8_t protocol, std::uint32_t client,
                                             std::uint16_t client_port, std::uint32_t front, std::uint16_t front_port,
                                             const TranslatedConnections::Back& back) noexcept {
    return table(own_, which).open(zone, protocol, client, client_port, front, front_port, back, now(), beneath_ ? &table(*beneath_, which) : nullptr);
}

void FlowMemory::start_stream(Connections which, const TranslatedConnection& found, std::uint32_t syn_sequence) noexcept {
    if (const TranslatedConnection* c = owned(which, found)) table(own_, which).start_stream(*c, syn_sequence);
}

void FlowMemory::acknowledge_inserted(Connections which, const TranslatedConnection& found) noexcept {
    if (const TranslatedConnection* c = owned(which, found)) table(own_, which).acknowledge_inserted(*c);
}

}  // namespace vpclab::router
