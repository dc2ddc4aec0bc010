// The immutable forwarding state compiled from the VPC model, and the pure decisions the data path asks of it.
//
// The control plane compiles a new snapshot after every change; the data path holds a pointer to the current
// one and only reads it (VPP's FIB / Click's route-table split). Every lookup here is allocation-free.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "routing/lpm_table.hpp"
#include "routing/security_rules.hpp"
#include "routing/traffic_mirror_selection.hpp"
#include "routing/vpc_model.hpp"

namespace vpclab::routing {

using PortIndex = PortId;  // a router port: region_port, resolver_port, or an ENI's NetworkInterface::port
constexpr PortIndex no_port = 0xffffffff;

// Where a packet goes, or why it does not.
enum class Outcome : std::uint8_t {
    deliver,                  // to `port` (an ENI in the VPC)
    internet_gateway,         // to the IGW `gateway` (handled by the region, a later stage)
    drop_source_check,        // source address is not the sending ENI's (source/destination check)
    drop_destination_check,   // a route sent it to an ENI that is not its destination and checks it
    drop_no_route,            // no route in the source subnet's table matches
    drop_no_such_address,     // local route matched but no ENI holds the address
    drop_reserved_address,    // to the subnet router / DNS / reserved addresses (not served here)
    drop_broadcast,           // broadcast and multicast are not supported in a VPC
    drop_link_local,          // 169.254.0.0/16 services other than DNS (metadata) are not served here
    to_resolver,              // DNS for the VPC resolver, or HTTP for the instance metadata service: on to
                              // `resolver_address` in the resolver namespace
    drop_dns_disabled,        // DNS for the VPC resolver while the VPC's enableDnsSupport is false
    gateway_endpoint,         // through the gateway endpoint in slot `endpoint` to its service in the region
    nat_gateway,              // to the NAT gateway whose ENI holds `port`, which translates the source
    vpc_peering,              // across the peering connection `peering` to `port`, an ENI of the peer VPC
    drop_peering_transitive,  // routed to a peering connection, but not for an address of the peer VPC (or not from one of its own)
    transit_gateway,          // into the transit gateway through the VPC's attachment `attachment`, at its ENI `port` in the sender's zone
    drop_transit_gateway_zone,  // routed to a transit gateway whose attachment has no subnet in the sender's Availability Zone
    drop_edge_to_edge,        // for the VPC's DNS server, metadata or a gateway endpoint, but from beyond the VPC (through a transit gateway)
};
const char* to_string(Outcome o);

struct Decision {
    Outcome outcome = Outcome::drop_no_route;
    PortIndex port = no_port;
    std::uint32_t gateway = 0;  // index into VpcModel::internet_gateways()
    bool same_subnet = false;   // delivered within the sender's subnet: the frame keeps the sender's MAC
    std::uint32_t resolver_address = 0;  // to_resolver: the asking VPC's address in the resolver namespace
    std::uint32_t endpoint = 0;          // gateway_endpoint: the endpoint's slot (VpcEndpoint::slot)
    std::uint32_t peering = no_port;     // vpc_peering, drop_peering_transitive: the connection (vpc_peering_id)
    std::uint32_t attachment = no_port;  // transit_gateway, drop_transit_gateway_zone: the VPC's attachment (transit_gateway_attachment_id)
    // The route that matched: its index in the sending ENI's route table (RouteTable::routes), no_port when
    // none did or none was asked (the resolver, the source/destination check).
    std::uint32_t route = no_port;
};

// What holds a port, which decides the handler a packet delivered to it goes to (router/data_path/handlers/):
// an instance's ENI (written to its TAP), or an ENI the router serves itself: an interface endpoint's (to an
// AWS service, or through PrivateLink to an endpoint service) or a network load balancer's node.
// A NAT gateway's ENI is one too: it translates what it forwards (router/data_path/handlers/nat_gateway.cpp);
// so is a transit gateway attachment's, where packets enter and leave the transit gateway (transit_gateway.cpp).
enum class PortRole : std::uint8_t { instance, interface_endpoint, privatelink_endpoint, load_balancer_node, nat_gateway, transit_gateway_attachment };
static_assert(PortRole::nat_gateway > PortRole::load_balancer_node && PortRole::transit_gateway_attachment > PortRole::load_balancer_node,
              "the roles without security groups come last (PortInfo::has_security_groups)");

struct PortInfo {
    bool present = false;  // an ENI of a pending or running instance holds this port
    PortRole role = PortRole::instance;
    wire::MacAddress mac;
    std::uint32_t ip = 0;
    std::uint32_t vpc = 0, subnet = 0, route_table = 0;
    bool source_dest_check = true;
    bool has_public_ip = false;
    // An ENI in a VPC that has a load balancer: what it sends may answer a load-balanced connection. (Beside
    // the other flags: PortInfo stays 72 bytes.)
    bool in_load_balanced_vpc = false;
    std::uint32_t public_ip = 0;
    std::uint32_t security_groups = 0;  // index of its groups' compiled rules (security_groups_of)
    ConnectionTrackingTimeouts tracking;
    // An interface endpoint's ENI, which the router serves itself (no TAP): the endpoint's slot, and where
    // its connections go in the region (the endpoint's copy of the service address, endpoint_address).
    std::uint32_t interface_endpoint = no_port;
    std::uint32_t endpoint_service = 0;
    // A network load balancer's node, which the router also serves itself: its index (load_balancer_node).
    std::uint32_t load_balancer_node = no_port;
    // An interface endpoint's ENI to an endpoint service (PortRole::privatelink_endpoint): the provider's load
    // balancer node it carries connections to (the node in its Availability Zone), no_port while the endpoint
    // is not available (pendingAcceptance, rejected).
    std::uint32_t privatelink_node = no_port;
    // A NAT gateway's ENI: the gateway's index (nat_gateway_id), and whether it is private (no Elastic IP).
    std::uint32_t nat_gateway = no_port;
    // A transit gateway attachment's ENI: the attachment's index (transit_gateway_attachment_id).
    std::uint32_t transit_gateway_attachment = no_port;
    bool served_by_router() const { return role != PortRole::instance; }
    bool is_load_balancer_node() const { return role == PortRole::load_balancer_node; }
    bool is_nat_gateway() const { return role == PortRole::nat_gateway; }
    bool is_transit_gateway_attachment() const { return role == PortRole::transit_gateway_attachment; }
    // Load balancer nodes (a network load balancer made without security groups), NAT gateways (VPC User
    // Guide, "NAT gateway basics": "You cannot associate a security group with a NAT gateway") and transit
    // gateway attachments (Transit Gateways Guide: security groups do not apply to its ENIs) have none.
    // (One comparison on the per-packet path: they are the last two roles.)
    bool has_security_groups() const { return role < PortRole::load_balancer_node; }
};

static_assert(sizeof(PortInfo) <= 72, "a port's facts are read per packet: keep them compact (flags together)");

// A network load balancer as one node sees it (ELB NLB guide, "Network Load Balancers"): its listeners, and
// for each the targets a new flow may go to from this node, already chosen by health and zone.
struct LoadBalancerTarget {
    PortIndex port = no_port;  // the ENI holding the target's address
    std::uint32_t ip = 0;
    std::uint16_t tcp_port = 0;  // the port the target listens on (TCP or UDP)
};
struct LoadBalancerListener {
    std::uint16_t port = 0;
    bool tcp = false, udp = false;
    bool preserve_client_ip = true;
    bool proxy_protocol_v2 = false;  // proxy_protocol_v2.enabled: a PROXY v2 header opens each TCP connection
    std::uint32_t first_target = 0, target_count = 0;  // in the snapshot's load_balancer_targets
};
struct LoadBalancerNode {
    std::uint32_t first_listener = 0, listener_count = 0;
};

// The two ports beyond the VPCs (DESIGN.md §2), joined to the router like instances: the region namespace
// ("the internet" and AWS public services, reached through internet gateways) and the namespace where the
// VPC resolver's sockets live. Addresses and MACs are chosen by the router when it builds the lab.
struct ServicePorts {
    PortIndex region = region_port, resolver = resolver_port;  // no_port: not served (unit tests)
    wire::MacAddress region_mac, region_router_mac;      // the region's eth0, the router's side of that link
    wire::MacAddress resolver_mac, resolver_router_mac;
    Cidr region_link;                 // router .1, region .2
    std::uint32_t region_router_ip = 0;
    Cidr public_pool;                 // instances' public IPs: reached from the region through the IGW
    // Every address a host of the region answers at (the services, example.com, …), sorted; with the region
    // link and the public pool, all that lies beyond an internet gateway ("there is no real internet").
    std::vector<std::uint32_t> region_hosts;
    Cidr resolver_link;               // router .1, resolver namespace .2
    std::uint32_t resolver_router_ip = 0;
    std::uint32_t resolver_base = 0;

    // VPC number k's resolver answers at resolver_base + k*256 + 2 (asked at the VPC's base+2) and + 253
    // (asked at 169.254.169.253), its instance metadata service at + 254 (asked at 169.254.169.254): the
    // address alone tells which VPC asked and which address it asked.
    static constexpr std::uint32_t max_vpcs = 250;
    std::uint32_t resolver_address(std::uint32_t vpc, bool asked_link_local) const {
        return resolver_base + (vpc << 8) + (asked_link_local ? 253 : 2);
    }
    std::uint32_t metadata_address(std::uint32_t vpc) const { return resolver_base + (vpc << 8) + 254; }
    // The VPC number a resolver or metadata address belongs to, or no_port if it is none of them.
    std::uint32_t resolver_vpc(std::uint32_t address) const {
        const std::uint32_t entry = address & 0xff, vpc = (address - resolver_base) >> 8;
        return address >= resolver_base && vpc < max_vpcs && (entry == 2 || entry == 253 || entry == 254) ? vpc : no_port;
    }
    static bool asked_link_local(std::uint32_t resolver_address) { return (resolver_address & 0xff) == 253; }

    // Gateway endpoints: the region sees traffic through endpoint slot k at its own copy of the service's
    // /24, endpoint_block + k*256 + the service address's last octet. So two VPCs with the same CIDR (even
    // the same private address) reach S3 as different connections, and the region's web server can say
    // which endpoint a request came through. The region routes these addresses' replies back to the router.
    Cidr endpoint_block;  // a /17 of the region's first /16 (empty: no gateway endpoints served)
    std::uint32_t endpoint_address(std::uint32_t slot, std::uint32_t service_address) const {
        return endpoint_block.network + (slot << 8) + (service_address & 0xff);
    }
    static bool is_metadata(std::uint32_t resolver_address) { return (resolver_address & 0xff) == 254; }
};

// The Amazon-provided DNS server's fixed address (VPC User Guide, "Amazon DNS server").
constexpr std::uint32_t amazon_dns_link_local = 0xa9fea9fd;  // 169.254.169.253
// The instance metadata service's (EC2 User Guide, "Access instance metadata for an EC2 instance").
constexpr std::uint32_t instance_metadata_link_local = 0xa9fea9fe;  // 169.254.169.254

// An internet gateway's verdict on a packet crossing it.
struct GatewayDecision {
    enum class Kind : std::uint8_t { translate, no_public_ip, detached, no_such_public_ip } kind = Kind::no_such_public_ip;
    PortIndex port = no_port;   // inbound: the ENI holding the public IP
    std::uint32_t from = 0, to = 0;  // the address to rewrite: private→public outbound, public→private inbound
};

// A packet from the region at a gateway endpoint's address: whose it is, and the service address it stands for.
struct EndpointReturn {
    bool ok = false;
    std::uint32_t endpoint = 0;         // slot
    std::uint32_t service_address = 0;  // what the instance asked for (the source to restore)
    PortIndex port = no_port;           // the ENI in the endpoint's VPC holding the destination
    bool interface = false;             // an interface endpoint's slot: `port` is its ENI
};

// A transit gateway's verdict on a packet that entered it through an attachment (Transit Gateways Guide, "How
// transit gateways work" and "Route evaluation order").
struct TransitGatewayHop {
    enum class Kind : std::uint8_t { forward, not_associated, no_route, blackhole } kind = Kind::no_route;
    std::uint32_t route_table = no_port;  // the route table associated with the attachment it entered by
    std::uint32_t route = no_port;        // the route that matched: its index in transit_gateway_routes() of that table
    std::uint32_t attachment = no_port;   // forward: the attachment it leaves by
    PortIndex port = no_port;             // forward: that attachment's ENI it leaves from
};

// A hash of a flow that is the same for both of its directions (appliance mode's choice of zone).
inline std::uint32_t symmetric_flow_hash(std::uint32_t a, std::uint32_t b, std::uint8_t protocol, std::uint16_t a_port, std::uint16_t b_port) {
    std::uint64_t x = (std::uint64_t{a} << 16) | a_port, y = (std::uint64_t{b} << 16) | b_port;
    if (x > y) std::swap(x, y);
    std::uint64_t h = (x * 0x9e3779b97f4a7c15ull) ^ (y + protocol) * 0xc2b2ae3d27d4eb4full;
    h ^= h >> 29;
    return static_cast<std::uint32_t>(h ^ (h >> 32));
}

// Where a traffic mirror session's copy goes (ForwardingSnapshot::mirror_route), or why it cannot.
struct MirrorRoute {
    enum class Kind : std::uint8_t {
        deliver,               // to `port`, from `source` to `destination`:`destination_port` (UDP)
        target_not_running,    // the target's ENI (or load balancer node), or the source, forwards nothing now
        no_route,              // the source subnet's route table does not lead to the target
        network_acl_outbound,  // the source subnet's network ACL denies the copy
        network_acl_inbound,   // the target subnet's network ACL denies it
        security_group,        // the target's security groups do not allow UDP 4789 from the source
        no_listener,           // a load balancer target with no UDP 4789 listener
        no_target,             // that listener with no healthy target
    } kind = Kind::target_not_running;
    PortIndex port = no_port;
    std::uint32_t source = 0, destination = 0;
    std::uint16_t destination_port = 0;
    wire::MacAddress destination_mac, source_mac;
};

// A reply from the resolver namespace, mapped back into its VPC.
struct ResolverReply {
    bool ok = false;
    PortIndex port = no_port;
    std::uint32_t from = 0, to = 0;  // resolver address → the address the instance asked (base+2 or 169.254.169.253)
};

struct SubnetInfo {
    Cidr cidr;
    wire::MacAddress router_mac;
    std::uint32_t vpc = 0;
    std::uint32_t network_acl = 0;  // index of its ACL's compiled rules (network_acl)
    std::uint32_t zone = 0;         // its Availability Zone, numbered in name order
    std::uint32_t router_address() const { return cidr.network + 1; }  // base+1: the VPC router
};

// A route table's destinations for longest-prefix match, each entry's value the index of its route in
// `table.routes` (VPC User Guide, "How route priority works"):
//   - CIDR routes first, then every entry of every prefix-list route, so on the same prefix the static
//     route wins (LpmTable keeps the first of duplicated prefixes);
//   - prefix-list routes in the table's order: where two lists hold the same prefix with different targets
//     (AWS picks one at random and keeps it), the route added first wins, a choice that never changes;
//   - a prefix-list entry inside the VPC's CIDR is left out unless the route goes to a network interface:
//     only a network interface or a NAT gateway may take traffic more specific than the local route (as for
//     CIDR routes).
std::vector<LpmTable::Entry> route_destinations(const VpcModel& model, const RouteTable& table);

class ForwardingSnapshot {
public:
    // `previous`, when given, lends its compiled route tables: a table whose destinations (CIDRs and
    // prefix-list entries) did not change keeps its LPM structure instead of building it again.
    static std::shared_ptr<const ForwardingSnapshot> compile(const VpcModel& model, const ServicePorts& service_ports = {},
                                                             const ForwardingSnapshot* previous = nullptr);
    // How many route tables' LPM structures this compile built (the others were reused).
    std::size_t lpm_builds() const { return lpm_builds_; }

    // Routing decision for an IPv4 packet that entered on `ingress` (VPC User Guide, "Route tables":
    // the source subnet's table, longest prefix wins; the VPC router does not decrement TTL). UDP/TCP to
    // port 53 at the VPC's base+2 or 169.254.169.253 goes to the VPC resolver whatever the routes say, and
    // security groups and NACLs never filter it (VPC User Guide, "Amazon DNS server").
    Decision decide(PortIndex ingress, std::uint32_t source, std::uint32_t destination, std::uint8_t protocol = 0,
                    std::uint16_t destination_port = 0) const;

    // The MAC to answer an ARP request for `target` from `ingress` with, or nullptr if it goes unanswered.
    // Addresses of ENIs in the same subnet answer with that ENI's MAC (so `ip neigh` shows the peer, as on
    // AWS); any other address in the subnet with the subnet router's MAC, so the router sees the traffic.
    const wire::MacAddress* arp_answer(PortIndex ingress, std::uint32_t target) const;

    // Leaving through the IGW that `decision.gateway` names (VPC User Guide, "Internet gateways"): the ENI
    // needs a public IP, and the gateway must still be attached to its VPC.
    GatewayDecision internet_egress(PortIndex ingress, const Decision& decision) const;
    // Arriving from the region for a public IP: the ENI holding it, if its VPC has an IGW attached.
    GatewayDecision internet_ingress(std::uint32_t destination) const;
    ResolverReply from_resolver(std::uint32_t source, std::uint32_t destination) const;
    // A packet that entered the transit gateway through `attachment` at its ENI `entered`, for `destination`:
    // the associated route table's longest prefix (static before propagated on one prefix), then the
    // destination attachment's ENI in the zone it entered by, else its first zone's; with appliance mode on
    // the destination attachment, the ENI `flow_hash` picks, the same both ways (symmetric_flow_hash).
    TransitGatewayHop transit_gateway_hop(std::uint32_t attachment, PortIndex entered, std::uint32_t destination, std::uint32_t flow_hash) const;
    // An attachment's ENI in zone `zone` (SubnetInfo::zone), or no_port.
    PortIndex transit_gateway_interface(std::uint32_t attachment, std::uint32_t zone) const;
    // From the region at `source` (a gateway endpoint's address) to `destination` (a private address).
    EndpointReturn endpoint_return(std::uint32_t source, std::uint32_t destination) const;
    // The VPC a gateway endpoint slot serves, or no_port if no endpoint holds it.
    std::uint32_t endpoint_vpc(std::uint32_t slot) const { return slot < endpoints_.size() ? endpoints_[slot].vpc : no_port; }
    std::string_view endpoint_id(std::uint32_t slot) const { return slot < endpoints_.size() ? std::string_view(endpoints_[slot].id) : std::string_view(); }
    // Whether something beyond an internet gateway answers at `destination`: a region host, the region's
    // link, or a public IP of the lab (hairpin). Anything else would vanish in the region unseen.
    bool region_serves(std::uint32_t destination) const;
    // ARP from the region or resolver namespace: the router answers for the addresses of its side of the link.
    const wire::MacAddress* service_arp_answer(PortIndex ingress, std::uint32_t target) const;

    // Only for is_eni(p).
    const PortInfo& port(PortIndex p) const { return ports_[p]; }
    // One past the highest port an ENI holds.
    std::size_t port_limit() const { return ports_.size(); }
    const ServicePorts& service_ports() const { return service_; }
    // Whether `p` is the port of an ENI that forwards (its instance pending or running).
    bool is_eni(PortIndex p) const { return p < ports_.size() && ports_[p].present; }
    const SubnetInfo& subnet(std::uint32_t s) const { return subnets_[s]; }
    // The union of an ENI's security groups' rules (only for is_eni(p)).
    const CompiledSecurityGroups& security_groups_of(PortIndex p) const { return security_group_sets_[ports_[p].security_groups]; }
    // A subnet's network ACL.
    const CompiledNetworkAcl& network_acl(std::uint32_t subnet) const { return network_acls_[subnets_[subnet].network_acl]; }
    PortIndex port_by_address(std::uint32_t vpc, std::uint32_t address) const;
    // The model's IDs of what the snapshot numbers (for trace and the drop log, which look the model's
    // resources up by ID, never by an index that happens to agree).
    std::string_view route_table_id(PortIndex p) const { return route_tables_[ports_[p].route_table].id; }  // only for is_eni(p)
    std::string_view subnet_id(std::uint32_t s) const { return subnet_ids_[s]; }
    std::string_view vpc_id(std::uint32_t v) const { return vpc_ids_[v]; }
    // The internet gateway attached to VPC `vpc` (its index for internet_gateway_id), or no_port. A scan.
    std::uint32_t internet_gateway_of_vpc(std::uint32_t vpc) const {
        for (std::uint32_t g = 0; g < gateway_vpc_.size(); ++g)
            if (gateway_vpc_[g] == vpc) return g;
        return no_port;
    }
    std::string_view internet_gateway_id(std::uint32_t g) const { return g < gateway_ids_.size() ? std::string_view(gateway_ids_[g]) : std::string_view(); }
    // A VPC peering connection's ID by its index (Decision::peering), empty for none.
    std::string_view vpc_peering_id(std::uint32_t p) const { return p < peering_ids_.size() ? std::string_view(peering_ids_[p]) : std::string_view(); }
    // Transit gateway IDs by index: an attachment's (Decision::attachment, TransitGatewayHop::attachment), its
    // gateway's, and a route table's (TransitGatewayHop::route_table); empty for none.
    std::string_view transit_gateway_attachment_id(std::uint32_t a) const { return a < tgw_attachments_.size() ? std::string_view(tgw_attachments_[a].id) : std::string_view(); }
    std::string_view transit_gateway_of_attachment(std::uint32_t a) const { return a < tgw_attachments_.size() ? std::string_view(tgw_attachments_[a].transit_gateway_id) : std::string_view(); }
    std::string_view transit_gateway_route_table_id(std::uint32_t t) const { return t < tgw_route_tables_.size() ? std::string_view(tgw_route_tables_[t].id) : std::string_view(); }
    // A NAT gateway's ID by its index (PortInfo::nat_gateway), empty for none.
    std::string_view nat_gateway_id(std::uint32_t g) const { return g < nat_gateway_ids_.size() ? std::string_view(nat_gateway_ids_[g]) : std::string_view(); }

    // A load balancer node's listener for `protocol` (6 or 17) on `port`, or nullptr.
    const LoadBalancerListener* load_balancer_listener(std::uint32_t node, std::uint8_t protocol, std::uint16_t port) const;
    const LoadBalancerTarget* load_balancer_targets(const LoadBalancerListener& l) const { return load_balancer_targets_.data() + l.first_target; }

    // Traffic Mirroring (routing/traffic_mirror_compile.cpp): whether any session mirrors (one test per frame
    // while none does), a source port's sessions in ascending session number with the filters' rules they
    // index, and where a session's copy goes from `source` (a load balancer target picks by `flow_hash`).
    bool mirroring() const { return !mirror_sessions_.empty(); }
    std::span<const CompiledMirrorSession> mirror_sessions(PortIndex p) const;
    std::span<const CompiledMirrorRule> mirror_rules() const { return mirror_rules_; }
    MirrorRoute mirror_route(PortIndex source, const CompiledMirrorSession& s, std::uint32_t flow_hash) const;
    // A session's ID by CompiledMirrorSession::session.
    std::string_view traffic_mirror_session_id(std::uint32_t s) const;
    // The Amazon DNS server's address in the VPC of ENI `p` (base+2).
    std::uint32_t vpc_dns_address(PortIndex p) const { return vpcs_[ports_[p].vpc].dns_address; }

private:
    struct CompiledRoute {
        RouteTargetKind kind = RouteTargetKind::local;
        PortIndex port = no_port;
        std::uint32_t gateway = 0;
        std::uint32_t endpoint = 0;  // gateway_endpoint: the slot
        std::uint32_t peering = no_port, peer_vpc = no_port;  // vpc_peering: the connection, and the other VPC while it is active
        std::uint32_t attachment = no_port;  // transit_gateway: the VPC's attachment to it (no_port: none, a blackhole)
    };
    struct TransitGatewayInterface {
        std::uint32_t zone = 0;
        PortIndex port = no_port;
    };
    struct TransitGatewayAttachmentInfo {
        std::string id, transit_gateway_id;
        std::uint32_t route_table = no_port;  // associated (index into tgw_route_tables_), no_port: none
        bool appliance_mode = false;
        std::uint32_t first_interface = 0, interface_count = 0;  // in tgw_interfaces_, by zone
    };
    struct CompiledTransitGatewayRoute {
        std::uint32_t attachment = no_port;  // no_port: a blackhole (so made, or its attachment deleted)
    };
    struct CompiledTransitGatewayRouteTable {
        std::string id;
        std::shared_ptr<const LpmTable> lpm;
        std::vector<CompiledTransitGatewayRoute> routes;  // as VpcModel::transit_gateway_routes lists them
    };
    struct CompiledRouteTable {
        std::string id;                          // the model's rtb-…, to find it in the next compile
        std::vector<LpmTable::Entry> entries;    // what `lpm` was built from (values index `routes`)
        std::shared_ptr<const LpmTable> lpm;
        std::vector<CompiledRoute> routes;
    };
    struct EndpointInfo {
        std::uint32_t vpc = no_port;  // no_port: no endpoint in this slot
        Cidr service_block;
        bool interface = false;
        std::string id;  // vpce-…: what a PROXY v2 header names (TLV 0xEA)
    };
    struct VpcInfo {
        Cidr cidr;
        std::vector<std::uint64_t> hosts;  // (address << 32) | port, sorted: one binary search per delivery
        bool internet_gateway_attached = false;
        bool dns_support = true;
        std::uint32_t dns_address = 0;  // base+2
    };

    static PortIndex find_in(const std::vector<std::uint64_t>& sorted, std::uint32_t address);
    void compile_load_balancers(const VpcModel& model);
    void compile_privatelink(const VpcModel& model);  // after the ports
    void compile_transit_gateways(const VpcModel& model);  // after the ports
    void compile_traffic_mirroring(const VpcModel& model);  // after the ports and subnets
    struct PortMirrorSessions {
        std::uint32_t first = 0, count = 0;
    };

    ServicePorts service_;
    std::vector<std::uint32_t> gateway_vpc_;   // per internet gateway: the VPC index it is attached to, or no_port
    std::vector<std::uint64_t> public_hosts_;  // (public IP << 32) | port, sorted
    std::vector<PortInfo> ports_;  // indexed by port; holes (and the service ports) are not present
    std::vector<SubnetInfo> subnets_;
    std::vector<VpcInfo> vpcs_;
    std::vector<std::string> subnet_ids_, vpc_ids_, gateway_ids_;  // by subnets_, vpcs_ and gateway_vpc_ index
    std::vector<std::string> nat_gateway_ids_;                     // by VpcModel::nat_gateways() index
    std::vector<std::string> peering_ids_;                         // by VpcModel::vpc_peering_connections() index
    std::vector<CompiledRouteTable> route_tables_;
    std::vector<TransitGatewayAttachmentInfo> tgw_attachments_;  // by VpcModel::transit_gateway_attachments() index
    std::vector<TransitGatewayInterface> tgw_interfaces_;
    std::vector<CompiledTransitGatewayRouteTable> tgw_route_tables_;  // by VpcModel::transit_gateway_route_tables() index
    std::vector<EndpointInfo> endpoints_;  // by slot
    std::vector<CompiledSecurityGroups> security_group_sets_;  // one per distinct set of groups ENIs carry
    std::vector<CompiledNetworkAcl> network_acls_;             // one per model ACL, in model order
    std::vector<LoadBalancerNode> load_balancer_nodes_;
    std::vector<LoadBalancerListener> load_balancer_listeners_;
    std::vector<LoadBalancerTarget> load_balancer_targets_;
    std::vector<PortMirrorSessions> mirror_ports_;  // by port; empty while no session mirrors anything
    std::vector<CompiledMirrorSession> mirror_sessions_;
    std::vector<CompiledMirrorRule> mirror_rules_;
    std::vector<std::string> mirror_session_ids_;  // by VpcModel::traffic_mirror_sessions() index
    std::size_t lpm_builds_ = 0;
};

}  // namespace vpclab::routing
