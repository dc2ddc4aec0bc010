// The simulated region: where its public addresses come from, and which AWS services and internet hosts
// live there, with their DNS names, service names, addresses and (for gateway services) prefix lists.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "routing/ipv4_cidr.hpp"
#include "routing/vpc_model.hpp"

namespace vpclab::endpoints {

// Carves the lab's simulated public range (default 198.18.0.0/15, RFC 2544's benchmarking range, which
// DESIGN.md §6 sets aside so that no lab address is a real internet address) into its uses:
//   first /16, x.x.0.0/24   the link between the router and the region namespace (.1 router, .2 region)
//   first /16, x.x.10+.0/24 one /24 per AWS service; gateway services publish it as their prefix list
//   first /16, x.x.100.0/24 plain "internet" hosts (example.com)
//   first /16, x.x.128.0/17 gateway endpoints: each has its own copy of a service's /24 (ServicePorts)
//   second /16              public IPs of instances and Elastic IPs
struct PublicAddressPlan {
    routing::Cidr range{0xc6120000, 15};

    // Throws std::invalid_argument unless `cidr` is a /15 (the plan needs two /16s).
    static PublicAddressPlan from(const std::string& cidr);
    std::uint32_t first_16() const { return range.network; }
    std::uint32_t router_link_address() const { return first_16() + 1; }
    std::uint32_t region_link_address() const { return first_16() + 2; }
    routing::Cidr router_link() const { return {first_16(), 24}; }
    routing::Cidr service_block(unsigned index) const { return {first_16() + ((10 + index) << 8), 24}; }
    routing::Cidr internet_block() const { return {first_16() + (100 << 8), 24}; }
    routing::Cidr endpoint_block() const { return {first_16() + 0x8000, 17}; }
    routing::Cidr instance_pool() const { return {first_16() + 0x10000, 16}; }
};

enum class EndpointType { gateway, interface };

struct RegionService {
    std::string short_name;    // "s3"
    std::string service_name;  // "com.amazonaws.ap-northeast-2.s3"
    std::string dns_name;      // "s3.ap-northeast-2.amazonaws.com"
    EndpointType endpoint_type = EndpointType::interface;  // gateway: takes Gateway endpoints, and Interface
                                                          // ones too (S3 since 2021, DynamoDB since 2024)
    std::vector<std::uint32_t> addresses;
    routing::Cidr block;                  // the /24 the addresses come from
    std::string prefix_list_id;           // gateway services: "pl-" + 8 hex; empty otherwise
};

struct InternetHost {
    std::vector<std::string> names;  // "example.com", "www.example.com"
    std::uint32_t address = 0;
};

class RegionCatalog {
public:
    RegionCatalog(std::string region, PublicAddressPlan plan);

    const std::string& region() const { return region_; }
    const PublicAddressPlan& plan() const { return plan_; }
    const std::vector<RegionService>& services() const { return services_; }
    const std::vector<InternetHost>& internet_hosts() const { return internet_hosts_; }

    const RegionService* find_by_service_name(const std::string& service_name) const;
    const RegionService* find_by_prefix_list(const std::string& prefix_list_id) const;
    // The service or host holding `address`, for the region's HTTP answers ("who answered").
    std::string describe_address(std::uint32_t address) const;
    // Every address the region namespace holds (services and internet hosts).
    std::vector<std::uint32_t> all_addresses() const;
    // What the VPC model needs to know of the region's services (DescribeVpcEndpointServices).
    std::vector<routing::ServiceOffer> service_offers() const;

private:
    std::string region_;
    PublicAddressPlan plan_;
    std::vector<RegionService> services_;
    std::vector<InternetHost> internet_hosts_;
};

}  // namespace vpclab::endpoints
