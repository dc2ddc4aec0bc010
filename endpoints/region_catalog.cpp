// The default service list of a region and the public address plan.
#include "endpoints/region_catalog.hpp"

#include <stdexcept>

#include "routing/resource_ids.hpp"

namespace vpclab::endpoints {

PublicAddressPlan PublicAddressPlan::from(const std::string& cidr) {
    std::string why;
    auto c = routing::Cidr::parse(cidr, &why);
    if (!c) throw std::invalid_argument("--public-cidr: " + why);
    if (c->prefix_length != 15) throw std::invalid_argument("--public-cidr must be a /15 (it holds the services' /16 and the public IPs' /16), got " + cidr);
    PublicAddressPlan p;
    p.range = *c;
    return p;
}

RegionCatalog::RegionCatalog(std::string region, PublicAddressPlan plan) : region_(std::move(region)), plan_(plan) {
    // Gateway-endpoint services first (VPC User Guide, "Gateway endpoints": S3 and DynamoDB, which take
    // interface endpoints too), then the interface-endpoint services the labs use.
    const struct {
        const char* name;
        EndpointType type;
    } services[] = {{"s3", EndpointType::gateway},          {"dynamodb", EndpointType::gateway},
                    {"cloudformation", EndpointType::interface}, {"ec2", EndpointType::interface},
                    {"sts", EndpointType::interface},       {"ssm", EndpointType::interface},
                    {"logs", EndpointType::interface},      {"sqs", EndpointType::interface},
                    {"sns", EndpointType::interface}};
    unsigned index = 0;
    for (const auto& s : services) {
        RegionService svc;
        svc.short_name = s.name;
        svc.service_name = "com.amazonaws." + region_ + "." + s.name;
        svc.dns_name = std::string(s.name) + "." + region_ + ".amazonaws.com";
        svc.endpoint_type = s.type;
        svc.block = plan_.service_block(index++);
        svc.addresses = {svc.block.network + 10};
        if (s.type == EndpointType::gateway) {
            // AWS managed prefix lists are "pl-" + 8 hex digits, one per service and region.
            static constexpr char hex[] = "0123456789abcdef";
            const std::uint64_t h = routing::stable_hash(svc.service_name);
            svc.prefix_list_id = "pl-";
            for (int i = 7; i >= 0; --i) svc.prefix_list_id += hex[(h >> (4 * i)) & 0xf];
        }
        services_.push_back(std::move(svc));
    }
    internet_hosts_.push_back({{"example.com", "www.example.com"}, plan_.internet_block().network + 10});
    internet_hosts_.push_back({{"example.org", "www.example.org"}, plan_.internet_block().network + 11});
}

const RegionService* RegionCatalog::find_by_service_name(const std::string& name) const {
    for (const auto& s : services_)
        if (s.service_name == name) return &s;
    return nullptr;
}

const RegionService* RegionCatalog::find_by_prefix_list(const std::string& id) const {
    for (const auto& s : services_)
        if (!s.prefix_list_id.empty() && s.prefix_list_id == id) return &s;
    return nullptr;
}

std::string RegionCatalog::describe_address(std::uint32_t address) const {
    for (const auto& s : services_)
        for (auto a : s.addresses)
            if (a == address) return s.short_name + " (" + s.service_name + ")";
    for (const auto& h : internet_hosts_)
        if (h.address == address) return h.names.front();
    return routing::format_ipv4(address);
}

std::vector<std::uint32_t> RegionCatalog::all_addresses() const {
    std::vector<std::uint32_t> out;
    for (const auto& s : services_) out.insert(out.end(), s.addresses.begin(), s.addresses.end());
    for (const auto& h : internet_hosts_) out.push_back(h.address);
    return out;
}

}  // namespace vpclab::endpoints

namespace vpclab::endpoints {

std::vector<routing::ServiceOffer> RegionCatalog::service_offers() const {
    std::vector<routing::ServiceOffer> out;
    for (const auto& s : services_)
        out.push_back({s.service_name, s.endpoint_type == EndpointType::gateway, s.prefix_list_id, s.block, true, s.dns_name,
                       s.addresses.empty() ? 0 : s.addresses.front()});
    return out;
}

}  // namespace vpclab::endpoints
