// Why the router dropped (or did not answer) a frame: declared once, counted per ENI, printed by `vpclab stats`.
#pragma once

#include <cstdint>

#include "routing/forwarding_snapshot.hpp"
#include "wire/bytes.hpp"

namespace vpclab::router {

#define VPCLAB_DROP_REASONS(X)                                                                        \
    X(vnet_header_truncated, "frame shorter than its virtio-net header")                               \
    X(frame_truncated, "frame shorter than an Ethernet header")                                        \
    X(source_mac_mismatch, "source MAC is not the ENI's (MAC spoofing)")                               \
    X(ipv6_not_enabled, "IPv6 frame: the VPC has no IPv6 CIDR")                                        \
    X(ether_type_unsupported, "neither IPv4 nor ARP")                                                  \
    X(arp_malformed, "ARP packet too short or not Ethernet/IPv4")                                      \
    X(arp_not_request, "ARP reply or other operation (the router only answers requests)")             \
    X(arp_unanswered, "ARP request for an address that is not on the asker's subnet")                 \
    X(ipv4_truncated, "IPv4 header truncated")                                                         \
    X(ipv4_bad_version, "IPv4 version field is not 4")                                                 \
    X(ipv4_bad_header_length, "IPv4 header length invalid")                                            \
    X(ipv4_bad_total_length, "IPv4 total length invalid")                                              \
    X(ipv4_bad_checksum, "IPv4 header checksum wrong")                                                 \
    X(ipv4_fragment_beyond_limit, "IPv4 fragment offset plus length beyond 65,535 bytes (RFC 791)")    \
    X(vnet_checksum_invalid, "virtio-net checksum offload fields do not point at the packet's TCP/UDP checksum") \
    X(vnet_gso_invalid, "virtio-net segmentation offload fields do not fit the packet")                \
    X(source_dest_check_source, "source address is not the ENI's (source/destination check)")          \
    X(source_dest_check_destination, "routed to an ENI that is not the destination and checks it")     \
    X(no_route, "no route in the subnet's route table matches the destination")                        \
    X(no_such_address, "no ENI holds the destination address")                                        \
    X(reserved_address, "destination is a reserved subnet address (router, DNS, network, broadcast)")  \
    X(broadcast_or_multicast, "broadcast and multicast are not supported in a VPC")                    \
    X(link_local_service, "169.254.0.0/16 service not provided")                                      \
    X(internet_gateway_detached, "route to an internet gateway no longer attached to the VPC (blackhole)") \
    X(no_public_ip, "to the internet gateway from an ENI without a public IP")                         \
    X(no_such_public_ip, "from the region to a public IP that no ENI holds")                           \
    X(no_internet_host, "through the IGW to an address no host of the region answers at (no real internet)") \
    X(fragmentation_needed, "larger than the 1500-byte MTU beyond the IGW with DF set (ICMP sent back)") \
    X(cannot_fragment, "larger than the MTU beyond the IGW, without DF, but an offloaded GSO frame")    \
    X(dns_disabled, "to the VPC resolver while the VPC's enableDnsSupport is false")                   \
    X(resolver_unknown_destination, "resolver reply for an address no ENI holds")                      \
    X(not_from_region_range, "from the region port but not for a public IP of the lab")                \
    X(endpoint_flow_table_full, "through a gateway endpoint while its connection table, or the ENI's share of it, is full (new flow refused)") \
    X(endpoint_no_flow, "from the region at a gateway endpoint's address but no flow from the VPC asked for it (unsolicited or expired)") \
    X(endpoint_unknown_destination, "from the region at a gateway endpoint's address for an address no ENI of its VPC holds") \
    X(interface_endpoint_port_closed, "to an interface endpoint, but not TCP to its service's ports 80 or 443 (endpoint ENIs do not answer ping)") \
    X(interface_endpoint_no_connection, "a TCP segment to or from an interface endpoint that belongs to no connection it carries (not a SYN, or expired)") \
    X(interface_endpoint_fragment, "an IPv4 fragment to or from an interface endpoint (its connections carry whole TCP segments)") \
    X(interface_endpoint_table_full, "a new connection to an interface endpoint while its connection table, or the client's share of it, is full (refused)") \
    X(load_balancer_no_listener, "to a load balancer node on a protocol and port none of its listeners takes") \
    X(load_balancer_no_target, "a new flow to a load balancer listener with no target to send it to (none registered, running and in the node's zone)") \
    X(load_balancer_no_connection, "a TCP segment to a load balancer listener that belongs to no connection it carries (not a SYN, or expired)") \
    X(load_balancer_table_full, "a new flow to a load balancer while its connection table, or the client's share of it, is full (refused)") \
    X(privatelink_not_tcp, "not TCP (or a TCP header cut short) to an interface endpoint of an endpoint service: PrivateLink carries TCP only") \
    X(privatelink_not_accepted, "to an interface endpoint whose connection to its endpoint service is not accepted (pendingAcceptance or rejected)") \
    X(load_balancer_fragment, "an IPv4 fragment to a load balancer node (its connections carry whole segments and datagrams)") \
    X(nat_gateway_protocol, "to a NAT gateway, neither TCP, UDP nor an ICMP echo request (NAT gateways carry TCP, UDP and ICMP queries; IPsec needs NAT-T)") \
    X(nat_gateway_fragment, "an IPv4 fragment of TCP or ICMP to or from a NAT gateway (it forwards fragments of UDP only), or a later fragment of a datagram it did not see begin") \
    X(nat_gateway_idle_reset, "a TCP segment from inside through a NAT gateway belonging to no live translation (idle 350 s, or never opened): answered with a RST") \
    X(nat_gateway_reset_discarded, "a TCP RST from inside through a NAT gateway belonging to no live translation: discarded, not answered (RFC 793 3.4)") \
    X(nat_gateway_port_allocation, "a new connection through a NAT gateway with no source port free towards its destination (55,000 there already: CloudWatch's ErrorPortAllocation)") \
    X(nat_gateway_table_full, "a new connection through a NAT gateway while the translation table, or the inside host's share of it, is full (refused)") \
    X(nat_gateway_unsolicited, "to a NAT gateway's address from outside, answering no connection an inside host opened (a NAT gateway takes no inbound connections, nor answers ping)") \
    X(peering_not_transitive, "routed to a VPC peering connection but not for an address of the peer VPC, or not from one of its own: peering is not transitive (no third VPC) nor edge to edge (not the peer's internet gateway, NAT gateway or gateway endpoint, nor what an appliance forwards from beyond)") \
    X(transit_gateway_no_subnet_in_zone, "routed to a transit gateway whose attachment in the VPC has no subnet in the sender's Availability Zone (resources in a zone reach the transit gateway only through a subnet there)") \
    X(transit_gateway_not_associated, "into a transit gateway through an attachment associated with no route table (dropped)") \
    X(transit_gateway_no_route, "in a transit gateway: no route of the route table associated with the attachment it entered by matches the destination") \
    X(transit_gateway_blackhole, "in a transit gateway: the route that matched is a blackhole (made so, or its attachment deleted)") \
    X(transit_gateway_mtu, "larger than a transit gateway's 8500-byte MTU: answered with ICMP fragmentation-needed when DF is set, dropped either way") \
    X(edge_to_edge, "for the VPC's Amazon DNS server, instance metadata or a gateway endpoint, but from an address beyond the VPC (what a transit gateway brought from another VPC): they serve the VPC's own addresses only") \
    X(routing_loop, "routed through NAT gateways (or other hops that route again) more times than the router allows: a routing loop") \
    X(network_acl_outbound, "denied by an outbound rule of the sending subnet's network ACL (the rule number is in the stats)") \
    X(network_acl_inbound, "denied by an inbound rule of the receiving subnet's network ACL (the rule number is in the stats)") \
    X(security_group_egress, "no outbound rule of the sending ENI's security groups allows it, and it answers no tracked connection") \
    X(security_group_ingress, "no inbound rule of the receiving ENI's security groups allows it, and it answers no tracked connection") \
    X(connection_table_full, "a new connection the security groups allow, but the ENI's share of the connection tracking table, or the table, is full (refused: EC2's conntrack_allowance_exceeded)") \
    X(transmit_failed, "write to the destination TAP failed (e.g. its instance is still pending)") \
    X(mirror_target_unreachable, "a traffic mirror copy (VXLAN) whose target forwards nothing now, is not where the source subnet's routes lead, or is a load balancer without a UDP 4789 listener or a healthy target") \
    X(mirror_network_acl_outbound, "a traffic mirror copy (VXLAN, UDP 4789) denied by the source subnet's network ACL, outbound") \
    X(mirror_network_acl_inbound, "a traffic mirror copy (VXLAN, UDP 4789) denied by the target subnet's network ACL, inbound") \
    X(mirror_security_group, "a traffic mirror copy (VXLAN, UDP 4789) that no inbound rule of the target's security groups allows (they must allow UDP 4789 from the source)") \
    X(interface_not_forwarding, "frame on a port whose instance is not running (terminated, its ENI detached)")

enum class DropReason : std::uint8_t {
#define VPCLAB_ENUM(name, text) name,
    VPCLAB_DROP_REASONS(VPCLAB_ENUM)
#undef VPCLAB_ENUM
        count
};
constexpr std::size_t drop_reason_count = static_cast<std::size_t>(DropReason::count);

const char* name_of(DropReason r);
const char* description_of(DropReason r);
DropReason drop_reason_for(wire::WireError ipv4_error);
DropReason drop_reason_for(routing::Outcome outcome);

}  // namespace vpclab::router
