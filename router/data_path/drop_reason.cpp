// Names and descriptions of drop reasons, and their mapping from wire errors and routing outcomes.
#include "router/data_path/drop_reason.hpp"

namespace vpclab::router {

const char* name_of(DropReason r) {
    switch (r) {
#define VPCLAB_NAME(name, text) \
    case DropReason::name: return #name;
        VPCLAB_DROP_REASONS(VPCLAB_NAME)
#undef VPCLAB_NAME
        case DropReason::count: break;
    }
    return "unknown";
}

const char* description_of(DropReason r) {
    switch (r) {
#define VPCLAB_TEXT(name, text) \
    case DropReason::name: return text;
        VPCLAB_DROP_REASONS(VPCLAB_TEXT)
#undef VPCLAB_TEXT
        case DropReason::count: break;
    }
    return "unknown";
}

DropReason drop_reason_for(wire::WireError e) {
    switch (e) {
        case wire::WireError::bad_version: return DropReason::ipv4_bad_version;
        case wire::WireError::bad_header_length: return DropReason::ipv4_bad_header_length;
        case wire::WireError::bad_total_length: return DropReason::ipv4_bad_total_length;
        case wire::WireError::bad_checksum: return DropReason::ipv4_bad_checksum;
        case wire::WireError::bad_fragment_offset: return DropReason::ipv4_fragment_beyond_limit;
        default: return DropReason::ipv4_truncated;
    }
}

DropReason drop_reason_for(routing::Outcome o) {
    using routing::Outcome;
    switch (o) {
        case Outcome::drop_source_check: return DropReason::source_dest_check_source;
        case Outcome::drop_destination_check: return DropReason::source_dest_check_destination;
        case Outcome::drop_no_route: return DropReason::no_route;
        case Outcome::drop_no_such_address: return DropReason::no_such_address;
        case Outcome::drop_reserved_address: return DropReason::reserved_address;
        case Outcome::drop_broadcast: return DropReason::broadcast_or_multicast;
        case Outcome::drop_link_local: return DropReason::link_local_service;
        case Outcome::internet_gateway: return DropReason::internet_gateway_detached;
        case Outcome::drop_dns_disabled: return DropReason::dns_disabled;
        case Outcome::to_resolver: break;
        case Outcome::gateway_endpoint: break;
        case Outcome::nat_gateway: break;
        case Outcome::vpc_peering: break;
        case Outcome::drop_peering_transitive: return DropReason::peering_not_transitive;
        case Outcome::transit_gateway: break;
        case Outcome::drop_transit_gateway_zone: return DropReason::transit_gateway_no_subnet_in_zone;
        case Outcome::drop_edge_to_edge: return DropReason::edge_to_edge;
        case Outcome::deliver: break;
    }
    return DropReason::no_route;
}

}  // namespace vpclab::router
