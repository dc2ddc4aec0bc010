// Building each VPC's view of DNS names from the model and the region catalog.
#include "endpoints/dns_zone.hpp"

namespace vpclab::endpoints {

namespace {
std::string dashed(std::uint32_t ip) {
    std::string s = routing::format_ipv4(ip);
    for (char& c : s)
        if (c == '.') c = '-';
    return s;
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
        if (e.public_ip && model.vpc(e.vpc_id).enable_dns_hostnames) {
            const std::string name = public_dns_name(*e.public_ip, model.region());
            zone.a_records[name].push_back(e.vpc_id == vpc.id ? e.private_ip : *e.public_ip);
            zone.ptr_records.emplace(*e.public_ip, name);
        }
    }
    return zone;
}

}  // namespace vpclab::endpoints
