// The lab drawn as the AWS console's VPC resource map draws a VPC: what contains what (VPC → Availability
// Zone → subnet → instances and requester-managed ENIs), which route table each subnet uses, and where each
// route goes (internet and NAT gateways, endpoints, peerings, transit gateways). One graph, built from the
// model alone, rendered three ways (map_render.hpp): Graphviz dot, terminal text, and SVG for the console.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "routing/vpc_model.hpp"

namespace vpclab::console {

enum class MapKind {
    vpc,
    zone,
    subnet,
    instance,
    interface,  // a requester-managed ENI: an interface endpoint's, a load balancer node's, a NAT gateway's, an attachment's
    route_table,
    internet_gateway,
    nat_gateway,
    gateway_endpoint,
    interface_endpoint,
    load_balancer,
    vpc_peering,
    transit_gateway,
    region,  // "the internet" and the AWS services' public side
};
const char* name_of(MapKind kind);

struct MapNode {
    MapKind kind;
    std::string id;    // the AWS ID (a zone: "<vpc-id>/<zone>"; the region: "region")
    std::string name;  // what people call it: its Name tag, logical ID or ID
    // Further lines, in order: CIDRs, addresses, state, a route table's routes ("0.0.0.0/0 → igw-…").
    std::vector<std::string> lines;
    std::string parent;  // the node it is drawn inside (empty: top level)
    // Other IDs it stands for, so that a trace naming them finds it: an instance's ENIs, a subnet's network
    // ACL, an ENI's owner (vpce-…, nat-…, the load balancer's ARN), a route table's routes ("rtb-…|0.0.0.0/0").
    std::vector<std::string> also;
};

enum class MapEdgeKind {
    association,  // subnet → the route table it uses
    route,        // route table → a route's target (label: the destinations)
    attachment,   // gateway, peering or transit gateway → a VPC
    target,       // load balancer → a registered instance
};
const char* name_of(MapEdgeKind kind);

struct MapEdge {
    MapEdgeKind kind;
    std::string from, to;
    std::string label;
    bool dashed = false;  // implicit (a subnet on its VPC's main table) or inactive (a blackhole route)
};

// Nodes in drawing order (a parent before its children; VPCs in model order, then what several VPCs share);
// edges in the order their sources appear. Deterministic: the same model gives the same map.
struct ResourceMap {
    std::string title;  // "<stack> (<region>)"
    std::vector<MapNode> nodes;
    std::vector<MapEdge> edges;
    std::unordered_map<std::string, std::size_t> index;  // node ID → its place in `nodes`
    const MapNode* find(const std::string& id) const;
};

ResourceMap build_resource_map(const routing::VpcModel& model);

}  // namespace vpclab::console
