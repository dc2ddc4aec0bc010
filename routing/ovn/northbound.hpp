// The VPC model compiled into OVN's northbound database (OVN 23.03): the rows the OVN backend wants, as a pure
// function of the committed model, like ForwardingSnapshot::compile for the userspace data path. What maps
// how, and what does not, is docs/ovn-backend.md; a feature this first slice does not compile is refused by
// name (ApiError UnsupportedOperation) before anything is started.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "routing/ipv4_cidr.hpp"
#include "routing/vpc_model.hpp"

namespace vpclab::routing::ovn {

// One northbound row: its table, its name (for ACLs, NAT rules and static routes, which OVN does not name,
// the columns that make it unique), and its columns ("options:route_table" for a map's key), sorted.
struct Row {
    std::string table, name;
    std::vector<std::pair<std::string, std::string>> columns;
    friend bool operator==(const Row&, const Row&) = default;
};

// What the lab adds to the model: how many chassis the instances are placed on, and the region's side of
// the VPCs' edge (a link where vpclab's region namespace answers; each VPC's router gets an address on it).
struct Plan {
    int chassis = 1;
    Cidr edge_link{0xc6120000, 24};     // 198.18.0.0/24, as the userspace router's region link
    std::uint32_t region_address = 0xc6120002;  // .2: the region's end, every VPC's next hop beyond its edge
};

struct Northbound {
    std::vector<Row> rows;  // sorted by table, then name
    // One line a row, "Table name column=value …" (values with spaces quoted): what the tests compare.
    std::string text() const;
    const Row* find(const std::string& table, const std::string& name) const;
};

// The chassis names the backend starts and places on: "vpclab-chassis-1" … "-N".
std::string chassis_name(int n);
// An OVN name for an AWS ID where OVN allows only [a-zA-Z_.][a-zA-Z_.0-9]* (port groups, address sets):
// "sg-0abc" → "sg_0abc".
std::string ovn_identifier(const std::string& aws_id);

// Throws ApiError("UnsupportedOperation", naming the feature and the resource) for what this slice does not
// compile: NAT gateways, VPC peering, transit gateways, load balancers, interface endpoints and endpoint
// services, traffic mirroring, flow logs.
Northbound compile_northbound(const VpcModel& model, const Plan& plan);

}  // namespace vpclab::routing::ovn
