// Building each VPC's view of DNS names from the model and the region catalog.
#include "endpoints/dns_zone.hpp"

#include <algorithm>
#include <cctype>

namespace vpclab::endpoints {

namespace {
std::string dashed(std::uint32_t ip) {
    std::string s = routing::format_ipv4(ip);
    for (char& c : s)
        if (c == '.') c = '-';
    return s;
}

bool resolves_names(const routing::Vpc& vpc) { return vpc.enable_dns_support && vpc.enable_dns_hostnames; }

// Whether the public DNS names of `owner`'s instances answer their private addresses when asked from
// `asking` (VPC Peering Guide, "Enable DNS resolution for a VPC peering connection"): an active peering
// between them whose owner side allows it, and both VPCs with DNS hostnames and DNS resolution on.
bool resolved_privately_across_peering(const routing::VpcModel& model, const routing::Vpc& owner, const routing::Vpc& asking) {
    if (!resolves_names(owner) || !resolves_names(asking)) return false;
    const routing::VpcPeeringConnection* p = model.active_peering(owner.id, asking.id);
    return p && (owner.id == p->requester_vpc_id ? p->requester_dns : p->accepter_dns);
}

// The same through a transit gateway (Transit Gateways Guide, "Transit gateway options", DNS support: "resolve
// public IPv4 DNS host names to private IPv4 addresses when queried from instances in another VPC attached to
// the transit gateway"): both VPCs attached to one gateway with DNS support on, each attachment's too.
bool resolved_privately_across_transit_gateway(const routing::VpcModel& model, const routing::Vpc& owner, const routing::Vpc& asking) {
    if (!resolves_names(owner) || !resolves_names(asking)) return false;
    for (const auto& g : model.transit_gateways()) {
        const routing::TransitGatewayVpcAttachment* a = model.find_transit_gateway_attachment(g.id, owner.id);
        const routing::TransitGatewayVpcAttachment* b = model.find_transit_gateway_attachment(g.id, asking.id);
        if (g.dns_support && a && b && a->dns_support && b->dns_support) return true;
    }
    return false;
}
}  // namespace

std::string public_dns_name(std::uint32_t ip, const std::string& region) {
    return "ec2-" + dashed(ip) + "." + (region == "us-east-1" ? "compute-1" : region + ".compute") + ".amazonaws.com";
}

std::string instance_hostname(std::uint32_t ip) { return "ip-" + dashed(ip); }

std::string private_dns_domain(const std::string& region) {
    return region == "us-east-1" ? "ec2.internal" : region + ".compute.internal";
}

std::string private_dns_name(std::uint32_t ip, const std::string& region) {
    return instance_hostname(ip) + "." + private_dns_domain(region);
}

DnsZone build_zone(const routing::VpcModel& model, const RegionCatalog& catalog, std::size_t vpc_index) {
    DnsZone zone;
    const routing::Vpc& vpc = model.vpcs()[vpc_index];
    // Service and host addresses resolve back to their names, so `ping s3.…` prints the name as on AWS.
    for (const auto& s : catalog.services()) {
        zone.a_records[s.dns_name] = s.addresses;
        for (std::uint32_t a : s.addresses) zone.ptr_records[a] = s.dns_name;
    }
    for (const auto& h : catalog.internet_hosts()) {
        for (const auto& n : h.names) zone.a_records[n] = {h.address};
        zone.ptr_records[h.address] = h.names.front();
    }
    for (const auto& e : model.network_interfaces()) {
        if (e.vpc_id == vpc.id) {
            const std::string name = private_dns_name(e.private_ip, model.region());
            zone.a_records[name].push_back(e.private_ip);
            zone.ptr_records[e.private_ip] = name;
        }
        // Public DNS names exist for instances in VPCs with enableDnsHostnames. Asked from inside the
        // instance's own VPC they resolve to the private address, from elsewhere to the public one
        // (EC2 User Guide, "Amazon EC2 instance hostnames": public DNS names resolve privately in-VPC).
        // Across a peering or a transit gateway that allows it, too.
        if (e.public_ip && model.vpc(e.vpc_id).enable_dns_hostnames) {
            const std::string name = public_dns_name(*e.public_ip, model.region());
            const routing::Vpc& owner = model.vpc(e.vpc_id);
            const bool privately = e.vpc_id == vpc.id || resolved_privately_across_peering(model, owner, vpc) ||
                                   resolved_privately_across_transit_gateway(model, owner, vpc);
            zone.a_records[name].push_back(privately ? e.private_ip : *e.public_ip);
            zone.ptr_records.emplace(*e.public_ip, name);
        }
    }
    // Interface endpoints (PrivateLink Guide, "DNS hostnames"): the regional and zonal names are public
    // names of private addresses, answered in every VPC; with private DNS, the service's own name answers
    // the endpoint's addresses inside the endpoint's VPC only (a private hosted zone associated with it).
    for (const auto& e : model.vpc_endpoints()) {
        if (!e.interface()) continue;
        std::vector<std::uint32_t> addresses;
        for (std::size_t i = 0; i < e.network_interface_ids.size(); ++i) {
            const std::uint32_t a = model.network_interface(e.network_interface_ids[i]).private_ip;
            addresses.push_back(a);
            zone.a_records[routing::endpoint_zonal_dns_name(e, model.region(), model.subnet(e.subnet_ids[i]).availability_zone)] = {a};
        }
        zone.a_records[routing::endpoint_regional_dns_name(e, model.region())] = addresses;
        // A private hosted zone answers only while the VPC has both DNS attributes on; for a service that
        // also takes Gateway endpoints, private DNS is for inbound Resolver endpoints only, so the VPC's
        // own answer stays the public one (its traffic goes through the Gateway endpoint).
        // An endpoint service's private DNS name answers the same way (PrivateLink Guide, "Manage DNS names
        // for VPC endpoint services"; the lab takes the provider's domain as verified).
        const auto* service = model.find_service(e.service_name);
        const std::string private_name = model.private_dns_name_of(e);
        if (!private_name.empty() && !(service && service->gateway) && e.private_dns_enabled && e.vpc_id == vpc.id && vpc.enable_dns_support &&
            vpc.enable_dns_hostnames)
            zone.a_records[private_name] = addresses;
    }
    // Network load balancers (ELB NLB guide, "Network Load Balancers"): the name answers the nodes' public
    // addresses when internet-facing, their private ones when internal, from every VPC.
    // A node with no healthy target it may use while others have one is left out (ELB NLB guide, "Health
    // checks for Network Load Balancer target groups": its subnet's address is removed from DNS); if that
    // leaves none, every node is answered.
    for (const auto& lb : model.load_balancers()) {
        std::vector<std::uint32_t> addresses, in_service;
        std::vector<std::string> zones;
        for (const auto& s : lb.subnet_ids) zones.push_back(model.subnet(s).availability_zone);
        for (std::size_t n = 0; n < lb.network_interface_ids.size(); ++n) {
            const routing::NetworkInterface& node = model.network_interface(lb.network_interface_ids[n]);
            const std::uint32_t address = lb.internet_facing() && node.public_ip ? *node.public_ip : node.private_ip;
            addresses.push_back(address);
            bool serves = true;
            for (const auto& l : model.listeners()) {
                if (l.load_balancer_arn != lb.id) continue;
                bool healthy_anywhere = false, healthy_here = false;
                for (const auto& t : model.target_group(l.target_group_arn).targets) {
                    if (t.draining() || t.health.state != routing::TargetState::healthy) continue;
                    if (std::find(zones.begin(), zones.end(), t.availability_zone) == zones.end()) continue;
                    healthy_anywhere = true;
                    healthy_here = healthy_here || lb.cross_zone || t.availability_zone == zones[n];
                }
                serves = serves && (healthy_here || !healthy_anywhere);
            }
            if (serves) in_service.push_back(address);
        }
        if (!in_service.empty()) addresses = in_service;
        std::string name = lb.dns_name;  // names are looked up in lower case (DNS is case-insensitive, RFC 4343)
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        zone.a_records[name] = addresses;
    }
    return zone;
}

}  // namespace vpclab::endpoints
