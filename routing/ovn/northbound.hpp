// The VPC model compiled into OVN's northbound database (OVN 23.03): the rows the OVN backend wants, as a pure
// function of the committed model, like ForwardingSnapshot::compile for the userspace data path. What maps
// how, and what does not, is docs/ovn-backend.md; a feature this first slice does not compile is refused by
// name (ApiError UnsupportedOperation) before anything is started.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "routing/ipv4_cidr.hpp"
#include "routing/vpc_model.hpp"
#include "wire/mac_address.hpp"

namespace vpclab::routing::ovn {

// One northbound row: its table, its name (for ACLs, NAT rules and static routes, which OVN does not name,
// the columns that make it unique), and its columns ("options:route_table" for a map's key), sorted.
struct Row {
    std::string table, name;
    std::vector<std::pair<std::string, std::string>> columns;
    // A column's value ("options:route_table" for a map's key), or null when the row has none.
    const std::string* value(const std::string& key) const {
        for (const auto& column : columns)
            if (column.first == key) return &column.second;
        return nullptr;
    }
    friend bool operator==(const Row&, const Row&) = default;
};

// What the lab adds to the model: the region's side of the VPCs' edge (a link where vpclab's region namespace
// answers; each VPC's router gets an address on it, its gateway port on the first chassis, where the region's
// port is).
struct Plan {
    Cidr edge_link{0xc6120000, 24};     // 198.18.0.0/24, as the userspace router's region link
    std::uint32_t region_address = 0xc6120002;  // .2: the region's end, every VPC's next hop beyond its edge
};

// A route the region's namespace needs back into a VPC through its edge port: to its public addresses, and,
// with a gateway endpoint, to its CIDR (the services' replies to private addresses; OVN does not rewrite them
// to the userspace router's per-endpoint addresses, so two VPCs with one CIDR cannot both have one).
struct RegionRoute {
    Cidr destination;
    std::uint32_t via = 0;
    friend bool operator==(const RegionRoute&, const RegionRoute&) = default;
    friend bool operator<(const RegionRoute& a, const RegionRoute& b) {
        return std::tie(a.destination.network, a.destination.prefix_length, a.via) < std::tie(b.destination.network, b.destination.prefix_length, b.via);
    }
};

struct Northbound {
    std::vector<Row> rows;  // sorted by table, then name
    std::vector<RegionRoute> region_routes;  // sorted
    // One line a row, "Table name column=value …" (values with spaces quoted): what the tests compare.
    std::string text() const;
    const Row* find(const std::string& table, const std::string& name) const;
};

// The chassis names the backend starts: "vpclab-chassis-1" … "-N" (their OVS system-id).
std::string chassis_name(int n);
// The logical port of a VPC's resolver (its base+2, on the subnet that holds it), and its MAC: vpclab's
// resolver namespace plugs an interface there (router/lab/ovn_backend.hpp).
std::string resolver_port_name(const std::string& subnet_id);
wire::MacAddress resolver_mac(const std::string& vpc_id);
// The subnet of a VPC that holds its base+2, or null (then the VPC has no resolver on this backend).
const Subnet* resolver_subnet(const VpcModel& model, const Vpc& vpc);
// The MAC of a subnet's router port (what an instance sends to for another subnet: ovn-trace's eth.dst).
wire::MacAddress subnet_router_mac(const std::string& subnet_id);
// An OVSDB string atom (ovs-vsctl(8), "Database Values"; also how ovn-nbctl prints strings and how a match
// quotes a port name): in double quotes, its own quotes and backslashes escaped.
std::string ovsdb_string(const std::string& s);
// An OVN name for an AWS ID where OVN allows only [a-zA-Z_.][a-zA-Z_.0-9]* (port groups, address sets):
// "sg-0abc" → "sg_0abc".
std::string ovn_identifier(const std::string& aws_id);

// Throws ApiError("UnsupportedOperation", naming the feature and the resource) for what this slice does not
// compile: NAT gateways, VPC peering, transit gateways, load balancers, interface endpoints and endpoint
// services, traffic mirroring, flow logs.
Northbound compile_northbound(const VpcModel& model, const Plan& plan);

}  // namespace vpclab::routing::ovn
