// The immutable forwarding state compiled from the VPC model, and the pure decisions the data path asks of it.
//
// The control plane compiles a new snapshot after every change; the data path holds a pointer to the current
// one and only reads it (VPP's FIB / Click's route-table split). Every lookup here is allocation-free.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "routing/lpm_table.hpp"
#include "routing/vpc_model.hpp"

namespace vpclab::routing {

using PortIndex = std::uint32_t;  // an ENI's index in VpcModel::network_interfaces()
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
    drop_link_local,          // 169.254.0.0/16 services (DNS, metadata) are not served here
};
const char* to_string(Outcome o);

struct Decision {
    Outcome outcome = Outcome::drop_no_route;
    PortIndex port = no_port;
    std::uint32_t gateway = 0;  // index into VpcModel::internet_gateways()
    bool same_subnet = false;   // delivered within the sender's subnet: the frame keeps the sender's MAC
};

struct PortInfo {
    wire::MacAddress mac;
    std::uint32_t ip = 0;
    std::uint32_t vpc = 0, subnet = 0, route_table = 0;
    bool source_dest_check = true;
};

struct SubnetInfo {
    Cidr cidr;
    wire::MacAddress router_mac;
    std::uint32_t vpc = 0;
};

class ForwardingSnapshot {
public:
    static std::shared_ptr<const ForwardingSnapshot> compile(const VpcModel& model);

    // Routing decision for an IPv4 packet that entered on `ingress` (VPC User Guide, "Route tables":
    // the source subnet's table, longest prefix wins; the VPC router does not decrement TTL).
    Decision decide(PortIndex ingress, std::uint32_t source, std::uint32_t destination) const;

    // The MAC to answer an ARP request for `target` from `ingress` with, or nullptr if it goes unanswered.
    // Addresses of ENIs in the same subnet answer with that ENI's MAC (so `ip neigh` shows the peer, as on
    // AWS); any other address in the subnet with the subnet router's MAC, so the router sees the traffic.
    const wire::MacAddress* arp_answer(PortIndex ingress, std::uint32_t target) const;

    const PortInfo& port(PortIndex p) const { return ports_[p]; }
    std::size_t port_count() const { return ports_.size(); }
    const SubnetInfo& subnet(std::uint32_t s) const { return subnets_[s]; }
    PortIndex port_by_address(std::uint32_t vpc, std::uint32_t address) const;

private:
    struct CompiledRoute {
        RouteTargetKind kind = RouteTargetKind::local;
        PortIndex port = no_port;
        std::uint32_t gateway = 0;
    };
    struct CompiledRouteTable {
        LpmTable lpm;
        std::vector<CompiledRoute> routes;
    };
    struct VpcInfo {
        Cidr cidr;
        std::vector<std::uint64_t> hosts;  // (address << 32) | port, sorted: one binary search per delivery
    };

    std::vector<PortInfo> ports_;
    std::vector<SubnetInfo> subnets_;
    std::vector<VpcInfo> vpcs_;
    std::vector<CompiledRouteTable> route_tables_;
};

}  // namespace vpclab::routing
