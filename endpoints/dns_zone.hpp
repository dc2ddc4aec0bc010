// What the VPC resolver knows, per VPC (VPC User Guide, "DNS attributes for your VPC"): the region's service
// names, the instances' private names (and reverse), the public names of instances in VPCs with
// enableDnsHostnames, and the simulated internet's hosts. Built by the control plane after each change.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "endpoints/region_catalog.hpp"
#include "routing/vpc_model.hpp"

namespace vpclab::endpoints {

struct DnsZone {
    std::map<std::string, std::vector<std::uint32_t>> a_records;  // lower-case names, no trailing dot
    std::map<std::uint32_t, std::string> ptr_records;            // address → name
    std::uint32_t ttl = 60;
};

// The zone the resolver of the VPC at `vpc_index` (in model order) answers from.
DnsZone build_zone(const routing::VpcModel& model, const RegionCatalog& catalog, std::size_t vpc_index);

// EC2's instance names (EC2 User Guide, "Amazon EC2 instance hostnames"), one place for all of vpclab:
// "ip-10-10-1-4", the hostname of the instance with that private address.
std::string instance_hostname(std::uint32_t private_ip);
// "ap-northeast-2.compute.internal" (us-east-1: "ec2.internal"): the search domain in resolv.conf.
std::string private_dns_domain(const std::string& region);
// "ip-10-10-1-4.ap-northeast-2.compute.internal".
std::string private_dns_name(std::uint32_t private_ip, const std::string& region);
// "ec2-198-19-0-10.ap-northeast-2.compute.amazonaws.com" (us-east-1: "….compute-1.amazonaws.com").
std::string public_dns_name(std::uint32_t public_ip, const std::string& region);

}  // namespace vpclab::endpoints
