// Building the resource map from the model: containment, associations, routes and attachments.
#include "router/console/resource_map.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

namespace vpclab::console {

using routing::format_ipv4;

const char* name_of(MapKind kind) {
    switch (kind) {
        case MapKind::vpc: return "vpc";
        case MapKind::zone: return "zone";
        case MapKind::subnet: return "subnet";
        case MapKind::instance: return "instance";
        case MapKind::interface: return "interface";
        case MapKind::route_table: return "route_table";
        case MapKind::internet_gateway: return "internet_gateway";
        case MapKind::nat_gateway: return "nat_gateway";
        case MapKind::gateway_endpoint: return "gateway_endpoint";
        case MapKind::interface_endpoint: return "interface_endpoint";
        case MapKind::load_balancer: return "load_balancer";
        case MapKind::vpc_peering: return "vpc_peering";
        case MapKind::transit_gateway: return "transit_gateway";
        case MapKind::region: return "region";
    }
    return "?";
}

const char* name_of(MapEdgeKind kind) {
    switch (kind) {
        case MapEdgeKind::association: return "association";
        case MapEdgeKind::route: return "route";
        case MapEdgeKind::attachment: return "attachment";
        case MapEdgeKind::target: return "target";
    }
    return "?";
}

const MapNode* ResourceMap::find(const std::string& id) const {
    const auto it = index.find(id);
    return it == index.end() ? nullptr : &nodes[it->second];
}

namespace {

class MapBuilder {
public:
    explicit MapBuilder(const routing::VpcModel& m) : m_(m) {}

    ResourceMap build() {
        map_.title = m_.stack_name() + " (" + m_.region() + ")";
        index_interfaces();
        for (const auto& vpc : m_.vpcs()) add_vpc(vpc);
        add_peerings();
        add_transit_gateways();
        for (const auto& igw : m_.internet_gateways())
            if (igw.attached_vpc_id.empty()) add({MapKind::internet_gateway, igw.id, igw.display_name(), {igw.id, "detached"}, "", {}});
        if (needs_region_) add({MapKind::region, "region", "the internet and AWS services", {m_.region()}, "", {}});
        resolve_route_targets();
        return std::move(map_);
    }

private:
    const routing::VpcModel& m_;
    ResourceMap map_;
    std::map<std::string, std::string> owner_of_eni_;  // requester-managed ENI → what it serves
    std::map<std::string, std::string> node_of_eni_;   // any drawn ENI → the node that shows it
    // Live instances by the subnet of their primary ENI (eth0), where they are drawn; their other ENIs are
    // listed with them (they are the instance's, wherever their subnet is).
    std::map<std::string, std::vector<const routing::Instance*>> instances_in_;
    bool needs_region_ = false;

    void add(MapNode node) {
        map_.index.emplace(node.id, map_.nodes.size());
        map_.nodes.push_back(std::move(node));
    }
    void edge(MapEdgeKind kind, std::string from, std::string to, std::string label, bool dashed = false) {
        map_.edges.push_back({kind, std::move(from), std::move(to), std::move(label), dashed});
    }

    // "igw-… (jh-test-IGW)": an ID with the name people gave it, when they gave one.
    template <class Resource>
    static std::string id_and_name(const Resource& r) {
        const std::string name = r.display_name();
        return name == r.id ? r.id : r.id + " (" + name + ")";
    }

    void index_interfaces() {
        for (const auto& e : m_.vpc_endpoints())
            for (const auto& eni : e.network_interface_ids) owner_of_eni_[eni] = e.id;
        for (const auto& n : m_.nat_gateways())
            if (!n.network_interface_id.empty()) owner_of_eni_[n.network_interface_id] = n.id;
        for (const auto& lb : m_.load_balancers())
            for (const auto& eni : lb.network_interface_ids) owner_of_eni_[eni] = lb.id;
        for (const auto& a : m_.transit_gateway_attachments())
            for (const auto& eni : a.network_interface_ids) owner_of_eni_[eni] = a.id;
        std::unordered_map<std::string, const routing::NetworkInterface*> enis;
        for (const auto& e : m_.network_interfaces()) enis.emplace(e.id, &e);
        for (const auto& inst : m_.instances()) {
            if (inst.state == routing::InstanceState::terminated || inst.network_interface_ids.empty()) continue;
            const auto primary = enis.find(inst.network_interface_ids.front());
            if (primary == enis.end()) continue;
            instances_in_[primary->second->subnet_id].push_back(&inst);
            for (const auto& eni : inst.network_interface_ids) node_of_eni_[eni] = inst.id;
        }
        primary_of_ = std::move(enis);
    }
    std::unordered_map<std::string, const routing::NetworkInterface*> primary_of_;  // every ENI by ID

    void add_vpc(const routing::Vpc& vpc) {
        add({MapKind::vpc, vpc.id, vpc.display_name(), {vpc.id, vpc.cidr.to_string()}, "", {}});
        // Availability Zones in name order, each with its subnets in creation order (the console's map groups them so).
        std::set<std::string> zones;
        for (const auto& s : m_.subnets())
            if (s.vpc_id == vpc.id) zones.insert(s.availability_zone);
        for (const auto& zone : zones) {
            const std::string zone_id = vpc.id + "/" + zone;
            add({MapKind::zone, zone_id, zone, {}, vpc.id, {}});
            for (const auto& s : m_.subnets())
                if (s.vpc_id == vpc.id && s.availability_zone == zone) add_subnet(s, zone_id);
        }
        for (const auto& t : m_.route_tables())
            if (t.vpc_id == vpc.id) add_route_table(t);
        add_connections(vpc);
    }

    void add_subnet(const routing::Subnet& s, const std::string& zone_id) {
        MapNode node{MapKind::subnet, s.id, s.display_name(), {s.id, s.cidr.to_string()}, zone_id, {}};
        if (s.map_public_ip_on_launch) node.lines.push_back("public IPv4 on launch");
        node.also.push_back(m_.network_acl_of(s.id).id);
        add(std::move(node));
        const routing::RouteTable& table = m_.effective_route_table(s);
        const bool explicit_association =
            std::find(table.associated_subnet_ids.begin(), table.associated_subnet_ids.end(), s.id) != table.associated_subnet_ids.end();
        edge(MapEdgeKind::association, s.id, table.id, explicit_association ? "associated" : "main route table", !explicit_association);

        for (const routing::Instance* inst : instances_in_[s.id]) {
            const auto& primary = *primary_of_.at(inst->network_interface_ids.front());
            std::string addresses = format_ipv4(primary.private_ip);
            if (primary.public_ip) addresses += " · " + format_ipv4(*primary.public_ip);
            MapNode row{MapKind::instance, inst->id, inst->display_name(), {inst->id, addresses, routing::name_of(inst->state)}, s.id, {}};
            for (const auto& eni : inst->network_interface_ids) row.also.push_back(eni);
            add(std::move(row));
        }
        for (const auto& eni : m_.network_interfaces()) {
            if (eni.subnet_id != s.id || node_of_eni_.count(eni.id)) continue;
            // A detached ENI, or one AWS manages for a service (an instance's ENIs are drawn with it).
            const auto owner = owner_of_eni_.find(eni.id);
            MapNode row{MapKind::interface, eni.id, eni.description.empty() ? eni.id : eni.description, {eni.id, format_ipv4(eni.private_ip)}, s.id, {}};
            if (owner != owner_of_eni_.end()) row.also.push_back(owner->second);
            if (!eni.instance_id.empty()) row.also.push_back(eni.instance_id);
            node_of_eni_[eni.id] = eni.id;
            add(std::move(row));
        }
    }

    void add_route_table(const routing::RouteTable& t) {
        MapNode node{MapKind::route_table, t.id, t.display_name() + (t.main ? " (main)" : ""), {}, t.vpc_id, {t.id}};
        for (const auto& r : t.routes) {
            const bool blackhole = m_.route_is_blackhole(t, r);
            node.lines.push_back(r.destination_text() + " → " + target_text(r) + (blackhole ? " (blackhole)" : ""));
            node.also.push_back(t.id + "|" + r.destination_text());
            if (r.target_kind != routing::RouteTargetKind::local) edge(MapEdgeKind::route, t.id, r.target_id, r.destination_text(), blackhole);
        }
        node.also.erase(node.also.begin());  // the table's own ID is its id; `also` holds the routes, in line order
        add(std::move(node));
    }

    std::string target_text(const routing::Route& r) const {
        using K = routing::RouteTargetKind;
        switch (r.target_kind) {
            case K::local: return "local";
            case K::internet_gateway:
                if (const auto* g = routing::find_resource(m_.internet_gateways(), r.target_id)) return id_and_name(*g);
                break;
            case K::gateway_endpoint:
                if (const auto* e = routing::find_resource(m_.vpc_endpoints(), r.target_id)) return id_and_name(*e);
                break;
            case K::nat_gateway:
                if (const auto* n = routing::find_resource(m_.nat_gateways(), r.target_id)) return id_and_name(*n);
                break;
            case K::vpc_peering:
                if (const auto* p = routing::find_resource(m_.vpc_peering_connections(), r.target_id)) return id_and_name(*p);
                break;
            case K::transit_gateway:
                if (const auto* g = routing::find_resource(m_.transit_gateways(), r.target_id)) return id_and_name(*g);
                break;
            case K::network_interface:
                if (const auto* eni = routing::find_resource(m_.network_interfaces(), r.target_id); eni && !eni->instance_id.empty())
                    if (const auto* inst = routing::find_resource(m_.instances(), eni->instance_id)) return r.target_id + " (" + inst->display_name() + ")";
                break;
        }
        return r.target_id;
    }

    void add_connections(const routing::Vpc& vpc) {
        for (const auto& igw : m_.internet_gateways()) {
            if (igw.attached_vpc_id != vpc.id) continue;
            add({MapKind::internet_gateway, igw.id, igw.display_name(), {igw.id}, vpc.id, {}});
            edge(MapEdgeKind::route, igw.id, "region", "the internet");
            needs_region_ = true;
        }
        for (const auto& n : m_.nat_gateways()) {
            if (n.vpc_id != vpc.id || n.state == "deleted" || n.state == "failed") continue;
            MapNode node{MapKind::nat_gateway, n.id, n.display_name(), {n.id, n.connectivity_type, format_ipv4(n.private_ip)}, vpc.id, {}};
            if (n.public_ip) node.lines.back() += " · " + format_ipv4(n.public_ip);
            if (!n.network_interface_id.empty()) node.also.push_back(n.network_interface_id);
            add(std::move(node));
        }
        for (const auto& e : m_.vpc_endpoints()) {
            if (e.vpc_id != vpc.id) continue;
            if (e.interface()) {
                MapNode node{MapKind::interface_endpoint, e.id, e.display_name(), {e.id, e.service_name, e.state}, vpc.id, e.network_interface_ids};
                if (e.private_dns_enabled) node.lines.push_back("private DNS names");
                add(std::move(node));
            } else {
                add({MapKind::gateway_endpoint, e.id, e.display_name(), {e.id, e.service_name, e.prefix_list_id}, vpc.id, {}});
                edge(MapEdgeKind::route, e.id, "region", e.service_name);
                needs_region_ = true;
            }
        }
        for (const auto& lb : m_.load_balancers()) {
            if (lb.vpc_id != vpc.id) continue;
            MapNode node{MapKind::load_balancer, lb.id, lb.name, {lb.type + " · " + lb.scheme, lb.dns_name}, vpc.id, {lb.name}};
            for (const auto& eni : lb.network_interface_ids) node.also.push_back(eni);
            add(std::move(node));
            add_targets(lb);
        }
    }

    void add_targets(const routing::LoadBalancer& lb) {
        std::set<std::string> groups;
        for (const auto& l : m_.listeners())
            if (l.load_balancer_arn == lb.id && !l.target_group_arn.empty()) groups.insert(l.target_group_arn);
        for (const auto& g : m_.target_groups()) {
            if (!groups.count(g.id)) continue;
            for (const auto& t : g.targets) {
                if (!routing::find_resource(m_.instances(), t.id)) continue;  // ip targets are not drawn as nodes
                edge(MapEdgeKind::target, lb.id, t.id, g.name + ":" + std::to_string(t.port) + " " + routing::name_of(t.health.state),
                     t.health.state != routing::TargetState::healthy);
            }
        }
    }

    void add_peerings() {
        for (const auto& p : m_.vpc_peering_connections()) {
            if (p.status != "active" && p.status != "pending-acceptance") continue;
            add({MapKind::vpc_peering, p.id, p.display_name(), {p.id, p.status}, "", {}});
            const bool active = p.status == "active";
            if (routing::find_resource(m_.vpcs(), p.requester_vpc_id)) edge(MapEdgeKind::attachment, p.id, p.requester_vpc_id, "requester", !active);
            if (routing::find_resource(m_.vpcs(), p.accepter_vpc_id)) edge(MapEdgeKind::attachment, p.id, p.accepter_vpc_id, "accepter", !active);
        }
    }

    void add_transit_gateways() {
        for (const auto& g : m_.transit_gateways()) {
            MapNode node{MapKind::transit_gateway, g.id, g.display_name(), {g.id}, "", {}};
            for (const auto& t : m_.transit_gateway_route_tables()) {
                if (t.transit_gateway_id != g.id) continue;
                node.also.push_back(t.id);
                for (const auto& r : m_.transit_gateway_routes(t))
                    node.lines.push_back(t.display_name() + ": " + r.destination.to_string() + " → " + (r.blackhole ? std::string("blackhole") : r.attachment_id) +
                                         (r.propagated ? " (propagated)" : ""));
            }
            for (const auto& a : m_.transit_gateway_attachments())
                if (a.transit_gateway_id == g.id) node.also.push_back(a.id);
            add(std::move(node));
            for (const auto& a : m_.transit_gateway_attachments())
                if (a.transit_gateway_id == g.id) edge(MapEdgeKind::attachment, g.id, a.vpc_id, id_and_name(a), a.associated_route_table_id.empty());
        }
    }

    // A route to an ENI names the ENI; the map draws the instance (or requester-managed ENI) that has it.
    void resolve_route_targets() {
        for (auto& e : map_.edges) {
            const auto drawn = node_of_eni_.find(e.to);
            if (drawn != node_of_eni_.end()) e.to = drawn->second;
        }
        // Edges to what is not drawn (a deleted target's blackhole route) are dropped: the route's line says it.
        std::erase_if(map_.edges, [this](const MapEdge& e) { return !map_.find(e.to) || !map_.find(e.from); });
    }
};

}  // namespace

ResourceMap build_resource_map(const routing::VpcModel& model) { return MapBuilder(model).build(); }

}  // namespace vpclab::console
