// The health probes' TCP: SYN, SYN-ACK, the HTTP request and its status line, the RST that ends each probe.
#include "router/data_path/health_probes.hpp"

#include <cstring>

#include "wire/checksum.hpp"
#include "wire/ipv4.hpp"
#include "wire/l4.hpp"

namespace vpclab::router {

namespace {
using namespace wire::tcp_flags;

// "HTTP/1.1 200 OK": the status code, or 0 when the bytes do not start a status line (RFC 9112 §4).
int status_code(wire::ConstBytes data) {
    if (data.size() < 12 || std::memcmp(data.data(), "HTTP/1.", 7) != 0 || data[8] != ' ') return 0;
    int code = 0;
    for (std::size_t i = 9; i < 12; ++i) {
        if (data[i] < '0' || data[i] > '9') return 0;
        code = code * 10 + (data[i] - '0');
    }
    return code;
}
}  // namespace

std::size_t build_tcp_packet(wire::Bytes out, std::uint32_t source, std::uint32_t destination, std::uint16_t source_port,
                             std::uint16_t destination_port, std::uint32_t seq, std::uint32_t ack_number, std::uint8_t flags,
                             std::string_view payload, std::uint16_t window) noexcept {
    const std::size_t length = 20 + 20 + payload.size();
    if (out.size() < length) return 0;
    wire::Ipv4View::build(out, 6, source, destination, static_cast<std::uint16_t>(length));
    std::uint8_t* t = out.data() + 20;
    std::memset(t, 0, 20);
    wire::store_be16(t, source_port);
    wire::store_be16(t + 2, destination_port);
    wire::store_be32(t + 4, seq);
    wire::store_be32(t + 8, ack_number);
    t[12] = 5 << 4;
    t[13] = flags;
    wire::store_be16(t + 14, window);
    if (!payload.empty()) std::memcpy(t + 20, payload.data(), payload.size());
    const std::uint16_t l4_length = static_cast<std::uint16_t>(20 + payload.size());
    wire::store_be16(t + 16, wire::internet_checksum(wire::ConstBytes(t, l4_length), wire::pseudo_header_sum(source, destination, 6, l4_length)));
    return length;
}

void HealthProbes::finish(std::size_t slot) noexcept {
    if (slot >= slots) return;
    HealthProbe& p = probes_[slot];
    if (owns(p.node_tcp_port) && slot_of_port_[p.node_tcp_port - first_port] == slot + 1) slot_of_port_[p.node_tcp_port - first_port] = 0;
    p.phase = HealthProbe::Phase::idle;
    p.node_tcp_port = 0;
}

std::size_t HealthProbes::start(std::size_t slot, const HealthProbe& probe, std::uint32_t isn, wire::Bytes out) noexcept {
    if (slot >= slots) return 0;
    finish(slot);
    // The next port no probe in flight uses (at most 1,024 of the 4,096 are: one is always free).
    std::size_t index = next_port_;
    while (slot_of_port_[index]) index = (index + 1) % port_count;
    next_port_ = (index + 1) % port_count;
    slot_of_port_[index] = static_cast<std::uint16_t>(slot + 1);
    HealthProbe& p = probes_[slot];
    p = probe;
    p.phase = HealthProbe::Phase::syn_sent;
    p.isn = isn;
    p.http_status = 0;
    p.node_tcp_port = static_cast<std::uint16_t>(first_port + index);
    return build_tcp_packet(out, p.node_ip, p.target_ip, p.node_tcp_port, p.target_tcp_port, isn, 0, syn);
}

HealthProbes::Answer HealthProbes::on_segment(std::uint32_t source, const wire::TransportRepr& tcp, wire::ConstBytes segment,
                                              wire::Bytes out) noexcept {
    if (!tcp.is_tcp() || !tcp.whole_header) return {};
    const std::uint16_t node_port = tcp.destination_port;
    if (!owns(node_port) || !slot_of_port_[node_port - first_port]) return {};
    HealthProbe& p = probes_[slot_of_port_[node_port - first_port] - 1u];
    // Only the probe's own target, on its own port, while the probe waits for it.
    if (p.phase != HealthProbe::Phase::syn_sent && p.phase != HealthProbe::Phase::request_sent) return {};
    if (source != p.target_ip || tcp.source_port != p.target_tcp_port) return {};
    const std::uint32_t seq = tcp.sequence, acknowledged = tcp.acknowledgment;
    const std::uint8_t flags = tcp.tcp_flags;
    const std::size_t data_offset = static_cast<std::size_t>(segment[12] >> 4) * 4;  // whole_header: 20 bytes at least
    if (data_offset < 20 || data_offset > segment.size()) return {true, 0};
    const wire::ConstBytes data = segment.subspan(data_offset);
    const std::uint32_t our_next = p.isn + 1 + static_cast<std::uint32_t>(p.phase == HealthProbe::Phase::request_sent ? p.request.size() : 0);
    auto reset = [&](HealthProbe::Phase outcome) {
        p.phase = outcome;
        return Answer{true, build_tcp_packet(out, p.node_ip, p.target_ip, node_port, p.target_tcp_port, our_next, 0, rst)};
    };
    if (flags & rst) {
        if ((flags & ack) && acknowledged != p.isn + 1 && p.phase == HealthProbe::Phase::syn_sent) return {true, 0};  // not for our SYN
        p.phase = HealthProbe::Phase::failed;  // refused, or the connection reset
        return {true, 0};
    }
    if (p.phase == HealthProbe::Phase::syn_sent) {
        if ((flags & (syn | ack)) != (syn | ack) || acknowledged != p.isn + 1) return {true, 0};
        p.their_next = seq + 1;
        if (p.request.empty()) return reset(HealthProbe::Phase::passed);  // TCP: the handshake is the check
        p.phase = HealthProbe::Phase::request_sent;
        return {true, build_tcp_packet(out, p.node_ip, p.target_ip, node_port, p.target_tcp_port, p.isn + 1, p.their_next, psh | ack, p.request)};
    }
    // HTTP: the first bytes of the answer carry its status line.
    if (data.empty() || seq != p.their_next) return (flags & fin) ? reset(HealthProbe::Phase::failed) : Answer{true, 0};
    p.http_status = status_code(data);
    return reset(p.http_status ? HealthProbe::Phase::passed : HealthProbe::Phase::failed);
}

}  // namespace vpclab::router
