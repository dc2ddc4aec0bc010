// DNS query answering with ldns.
#include "endpoints/dns_answer.hpp"

#include "endpoints/ldns_include.hpp"

#include <algorithm>
#include <cctype>
#include <memory>
#include <string>

namespace vpclab::endpoints {

namespace {

struct PacketDeleter {
    void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
using Packet = std::unique_ptr<ldns_pkt, PacketDeleter>;

constexpr std::size_t header_length = 12;

// A header-only reply (RFC 1035 §4.1.1) for queries ldns cannot parse: same ID and opcode, QR set.
std::vector<std::uint8_t> header_only(wire::ConstBytes query, std::uint8_t rcode) {
    std::vector<std::uint8_t> out(header_length, 0);
    out[0] = query[0];
    out[1] = query[1];
    out[2] = static_cast<std::uint8_t>(0x80 | (query[2] & 0x79));  // QR, opcode and RD as asked
    out[3] = static_cast<std::uint8_t>(0x80 | rcode);              // RA
    return out;
}

std::string lower_name(const ldns_rdf* dname) {
    char* text = ldns_rdf2str(dname);
    std::string s = text ? text : "";
    free(text);
    if (!s.empty() && s.back() == '.') s.pop_back();
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// "4.1.10.10.in-addr.arpa" → 10.10.1.4
bool parse_reverse_name(const std::string& name, std::uint32_t& address) {
    const std::string suffix = ".in-addr.arpa";
    if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) return false;
    std::string labels = name.substr(0, name.size() - suffix.size());
    std::uint32_t octets[4];
    int count = 0;
    std::size_t start = 0;
    while (count < 4) {
        const std::size_t dot = labels.find('.', start);
        const std::string label = labels.substr(start, dot - start);
        if (label.empty() || label.size() > 3 || label.find_first_not_of("0123456789") != std::string::npos) return false;
        octets[count++] = static_cast<std::uint32_t>(std::stoul(label));
        if (octets[count - 1] > 255) return false;
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    if (count != 4 || labels.find('.', start) != std::string::npos) return false;
    address = (octets[3] << 24) | (octets[2] << 16) | (octets[1] << 8) | octets[0];
    return true;
}

ldns_rr* record(const ldns_rdf* owner, ldns_rr_type type, std::uint32_t ttl, ldns_rdf* data) {
    ldns_rr* rr = ldns_rr_new();
    ldns_rr_set_owner(rr, ldns_rdf_clone(owner));
    ldns_rr_set_type(rr, type);
    ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
    ldns_rr_set_ttl(rr, ttl);
    ldns_rr_push_rdf(rr, data);
    return rr;
}

std::vector<std::uint8_t> answer(wire::ConstBytes query, const DnsZone& zone) {
    if (query.size() < header_length) return {};
    if (query[2] & 0x80) return {};  // a response: never answer those (no loops)
    const std::uint8_t opcode = (query[2] >> 3) & 0x0f;
    if (opcode != 0) return header_only(query, LDNS_RCODE_NOTIMPL);

    ldns_pkt* raw = nullptr;
    if (ldns_wire2pkt(&raw, query.data(), query.size()) != LDNS_STATUS_OK || !raw) return header_only(query, LDNS_RCODE_FORMERR);
    Packet q(raw);
    const ldns_rr_list* questions = ldns_pkt_question(q.get());
    if (!questions || ldns_rr_list_rr_count(questions) != 1) return header_only(query, LDNS_RCODE_FORMERR);
    const ldns_rr* question = ldns_rr_list_rr(questions, 0);

    Packet r(ldns_pkt_new());
    ldns_pkt_set_id(r.get(), ldns_pkt_id(q.get()));
    ldns_pkt_set_qr(r.get(), true);
    ldns_pkt_set_opcode(r.get(), LDNS_PACKET_QUERY);
    ldns_pkt_set_rd(r.get(), ldns_pkt_rd(q.get()));
    ldns_pkt_set_ra(r.get(), true);
    ldns_pkt_push_rr(r.get(), LDNS_SECTION_QUESTION, ldns_rr_clone(question));

    const ldns_rdf* owner = ldns_rr_owner(question);
    const std::string name = lower_name(owner);
    const ldns_rr_type type = ldns_rr_get_type(question);
    bool exists = false;
    if (ldns_rr_get_class(question) != LDNS_RR_CLASS_IN) {
        ldns_pkt_set_rcode(r.get(), LDNS_RCODE_NOTIMPL);
    } else if (auto it = zone.a_records.find(name); it != zone.a_records.end()) {
        exists = true;
        if (type == LDNS_RR_TYPE_A || type == LDNS_RR_TYPE_ANY)
            for (std::uint32_t a : it->second) {
                const std::uint8_t bytes[4] = {static_cast<std::uint8_t>(a >> 24), static_cast<std::uint8_t>(a >> 16),
                                               static_cast<std::uint8_t>(a >> 8), static_cast<std::uint8_t>(a)};
                ldns_pkt_push_rr(r.get(), LDNS_SECTION_ANSWER, record(owner, LDNS_RR_TYPE_A, zone.ttl, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_A, 4, bytes)));
            }
    } else if (std::uint32_t address = 0; parse_reverse_name(name, address) && zone.ptr_records.count(address)) {
        exists = true;
        if (type == LDNS_RR_TYPE_PTR || type == LDNS_RR_TYPE_ANY) {
            ldns_rdf* target = ldns_dname_new_frm_str((zone.ptr_records.at(address) + ".").c_str());
            if (target) ldns_pkt_push_rr(r.get(), LDNS_SECTION_ANSWER, record(owner, LDNS_RR_TYPE_PTR, zone.ttl, target));
        }
    }
    // A name that exists without records of the asked type is NOERROR with no answers (RFC 2308 "NODATA").
    if (!exists && ldns_pkt_get_rcode(r.get()) == LDNS_RCODE_NOERROR) ldns_pkt_set_rcode(r.get(), LDNS_RCODE_NXDOMAIN);

    std::uint8_t* wire_bytes = nullptr;
    std::size_t size = 0;
    if (ldns_pkt2wire(&wire_bytes, r.get(), &size) != LDNS_STATUS_OK || !wire_bytes) return header_only(query, LDNS_RCODE_SERVFAIL);
    std::vector<std::uint8_t> out(wire_bytes, wire_bytes + size);
    free(wire_bytes);
    return out;
}

}  // namespace

std::vector<std::uint8_t> answer_dns_query(wire::ConstBytes query, const DnsZone& zone) noexcept {
    try {
        return answer(query, zone);
    } catch (...) {
        // Only allocation can throw here; answer with nothing rather than take the router down.
        return {};
    }
}

}  // namespace vpclab::endpoints
