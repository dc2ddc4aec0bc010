// Answers one DNS query (RFC 1035) from a zone: A, PTR, NXDOMAIN for unknown names, FORMERR for malformed
// queries, NOTIMP for other opcodes. Wire format by ldns; never throws; garbage never crashes it.
#pragma once

#include <cstdint>
#include <vector>

#include "endpoints/dns_zone.hpp"
#include "wire/bytes.hpp"

namespace vpclab::endpoints {

// The response to send, or empty when none should be (shorter than a header, or itself a response).
std::vector<std::uint8_t> answer_dns_query(wire::ConstBytes query, const DnsZone& zone) noexcept;

}  // namespace vpclab::endpoints
