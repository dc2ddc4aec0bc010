// Names of the data path's stages and verdicts.
#include "router/data_path/step.hpp"

namespace vpclab::router {

const char* name_of(Stage s) {
    switch (s) {
#define VPCLAB_NAME(name, text) \
    case Stage::name: return #name;
        VPCLAB_STAGES(VPCLAB_NAME)
#undef VPCLAB_NAME
        case Stage::count: break;
    }
    return "unknown";
}

const char* description_of(Stage s) {
    switch (s) {
#define VPCLAB_TEXT(name, text) \
    case Stage::name: return text;
        VPCLAB_STAGES(VPCLAB_TEXT)
#undef VPCLAB_TEXT
        case Stage::count: break;
    }
    return "unknown";
}

const char* name_of(Verdict v) {
    switch (v) {
        case Verdict::pass: return "pass";
        case Verdict::rewrite: return "rewrite";
        case Verdict::answer: return "answer";
        case Verdict::deliver: return "deliver";
        case Verdict::drop: return "drop";
    }
    return "unknown";
}

Stage stage_of(DropReason r) {
    switch (r) {
        case DropReason::arp_malformed:
        case DropReason::arp_not_request:
        case DropReason::arp_unanswered: return Stage::arp;
        case DropReason::source_dest_check_source:
        case DropReason::source_dest_check_destination: return Stage::source_dest_check;
        case DropReason::no_route:
        case DropReason::no_such_address:
        case DropReason::reserved_address:
        case DropReason::broadcast_or_multicast:
        case DropReason::link_local_service: return Stage::route;
        case DropReason::internet_gateway_detached:
        case DropReason::no_public_ip:
        case DropReason::no_such_public_ip:
        case DropReason::no_internet_host:
        case DropReason::fragmentation_needed:
        case DropReason::cannot_fragment:
        case DropReason::not_from_region_range: return Stage::igw_nat;
        case DropReason::dns_disabled:
        case DropReason::resolver_unknown_destination: return Stage::resolver;
        case DropReason::endpoint_flow_table_full:
        case DropReason::endpoint_no_flow:
        case DropReason::endpoint_unknown_destination: return Stage::gateway_endpoint;
        case DropReason::interface_endpoint_port_closed:
        case DropReason::interface_endpoint_no_connection:
        case DropReason::interface_endpoint_fragment:
        case DropReason::interface_endpoint_table_full: return Stage::interface_endpoint;
        case DropReason::load_balancer_no_listener:
        case DropReason::load_balancer_no_target:
        case DropReason::load_balancer_no_connection:
        case DropReason::load_balancer_table_full:
        case DropReason::load_balancer_fragment: return Stage::load_balancer;
        case DropReason::privatelink_not_tcp:
        case DropReason::privatelink_not_accepted: return Stage::privatelink;
        case DropReason::nat_gateway_protocol:
        case DropReason::nat_gateway_fragment:
        case DropReason::nat_gateway_idle_reset:
        case DropReason::nat_gateway_reset_discarded:
        case DropReason::nat_gateway_port_allocation:
        case DropReason::nat_gateway_table_full:
        case DropReason::nat_gateway_unsolicited: return Stage::nat_gateway;
        case DropReason::routing_loop:
        case DropReason::edge_to_edge: return Stage::route;
        case DropReason::peering_not_transitive: return Stage::vpc_peering;
        case DropReason::transit_gateway_no_subnet_in_zone:
        case DropReason::transit_gateway_not_associated:
        case DropReason::transit_gateway_no_route:
        case DropReason::transit_gateway_blackhole:
        case DropReason::transit_gateway_mtu: return Stage::transit_gateway;
        case DropReason::network_acl_outbound: return Stage::acl_out;
        case DropReason::network_acl_inbound: return Stage::acl_in;
        case DropReason::security_group_egress: return Stage::sg_egress;
        case DropReason::security_group_ingress: return Stage::sg_ingress;
        case DropReason::connection_table_full: return Stage::sg_egress;
        case DropReason::transmit_failed: return Stage::deliver;
        case DropReason::mirror_target_unreachable:
        case DropReason::mirror_network_acl_outbound:
        case DropReason::mirror_network_acl_inbound:
        case DropReason::mirror_security_group: return Stage::traffic_mirror;
        default: return Stage::edge;  // the frame's own faults, found as it was read
    }
}

}  // namespace vpclab::router
