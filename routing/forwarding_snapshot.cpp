// Compiles the VPC model into ForwardingSnapshot and implements its per-packet decisions.
#include "routing/forwarding_snapshot.hpp"

#include <algorithm>
#include <optional>

namespace vpclab::routing {

const char* to_string(Outcome o) {
    switch (o) {
        case Outcome::deliver: return "deliver";
        case Outcome::internet_gateway: return "internet_gateway";
        case Outcome::drop_source_check: return "source_dest_check_source";
        case Outcome::drop_destination_check: return "source_dest_check_destination";
        case Outcome::drop_no_route: return "no_route";
        case Outcome::drop_no_such_address: return "no_such_address";
        case Outcome::drop_reserved_address: return "reserved_address";
        case Outcome::drop_broadcast: return "broadcast_or_multicast";
        case Outcome::drop_link_local: return "link_local_service";
        case Outcome::to_resolver: return "to_resolver";
        case Outcome::drop_dns_disabled: return "dns_disabled";
        case Outcome::gateway_endpoint: return "gateway_endpoint";
        case Outcome::nat_gateway: return "nat_gateway";
        case Outcome::vpc_peering: return "vpc_peering";
        case Outcome::drop_peering_transitive: return "peering_not_transitive";
        case Outcome::transit_gateway: return "transit_gateway";
        case Outcome::drop_transit_gateway_zone: return "transit_gateway_no_subnet_in_zone";
        case Outcome::drop_edge_to_edge: return "edge_to_edge";
    }
    return "unknown";
}

namespace {
template <class T>
std::uint32_t index_of(const std::vector<T>& items, const std::string& id) {
    for (std::size_t i = 0; i < items.size(); ++i)
        if (items[i].id == id) return static_cast<std::uint32_t>(i);
    return 0xffffffff;
}
}  // namespace

std::vector<LpmTable::Entry> route_destinations(const VpcModel& model, const RouteTable& table) {
    std::vector<LpmTable::Entry> entries;
    for (std::size_t i = 0; i < table.routes.size(); ++i)
        if (!table.routes[i].to_prefix_list()) entries.push_back({table.routes[i].destination, static_cast<std::uint32_t>(i)});
    Cidr vpc_cidr{};
    for (const auto& v : model.vpcs())
        if (v.id == table.vpc_id) vpc_cidr = v.cidr;
    for (std::size_t i = 0; i < table.routes.size(); ++i) {
        const Route& r = table.routes[i];
        if (!r.to_prefix_list()) continue;
        for (const auto& l : model.prefix_lists()) {
            if (l.id != r.destination_prefix_list_id) continue;
            for (const auto& e : l.entries) {
                const bool inside_vpc = vpc_cidr.prefix_length > 0 && vpc_cidr.contains(e.cidr);
                if (inside_vpc && r.target_kind != RouteTargetKind::network_interface && r.target_kind != RouteTargetKind::nat_gateway) continue;
                entries.push_back({e.cidr, static_cast<std::uint32_t>(i)});
            }
        }
    }
    return entries;
}

std::shared_ptr<const ForwardingSnapshot> ForwardingSnapshot::compile(const VpcModel& model, const ServicePorts& service_ports,
                                                                      const ForwardingSnapshot* previous) {
    auto snap = std::make_shared<ForwardingSnapshot>();
    snap->service_ = service_ports;
    std::sort(snap->service_.region_hosts.begin(), snap->service_.region_hosts.end());
    if (model.vpcs().size() > ServicePorts::max_vpcs)
        throw ApiError("VpcLimitExceeded", "a lab holds at most " + std::to_string(ServicePorts::max_vpcs) + " VPCs");
    for (const auto& v : model.vpcs()) {
        snap->vpcs_.push_back(VpcInfo{v.cidr, {}, false, v.enable_dns_support, v.cidr.network + 2});
        snap->vpc_ids_.push_back(v.id);
    }
    for (const auto& g : model.internet_gateways()) {
        const std::uint32_t vpc = g.attached_vpc_id.empty() ? no_port : index_of(model.vpcs(), g.attached_vpc_id);
        snap->gateway_vpc_.push_back(vpc);
        snap->gateway_ids_.push_back(g.id);
        if (vpc != no_port) snap->vpcs_[vpc].internet_gateway_attached = true;
    }
    for (std::uint32_t a = 0; a < model.network_acls().size(); ++a) snap->network_acls_.push_back(compile_network_acl(model, a));
    for (const auto& s : model.subnets()) snap->subnet_ids_.push_back(s.id);
    for (const auto& g : model.nat_gateways()) snap->nat_gateway_ids_.push_back(g.id);
    for (const auto& p : model.vpc_peering_connections()) snap->peering_ids_.push_back(p.id);
    std::vector<std::string> zones;  // the lab's Availability Zones, in name order
    for (const auto& s : model.subnets()) zones.push_back(s.availability_zone);
    std::sort(zones.begin(), zones.end());
    zones.erase(std::unique(zones.begin(), zones.end()), zones.end());
    for (const auto& s : model.subnets())
        snap->subnets_.push_back(SubnetInfo{s.cidr, wire::MacAddress::locally_administered(stable_hash(s.id + "/router")),
                                            index_of(model.vpcs(), s.vpc_id), index_of(model.network_acls(), model.network_acl_of(s.id).id),
                                            static_cast<std::uint32_t>(std::lower_bound(zones.begin(), zones.end(), s.availability_zone) - zones.begin())});
    // Endpoints are served only where the region and the endpoint block are (not in some unit tests):
    // decided here once, so the per-packet check is the slot's alone.
    const bool endpoints_served = service_ports.endpoint_block.prefix_length != 0 && service_ports.region != no_port;
    // The ENIs that forward: attached to a pending or running instance, or an interface endpoint's (the
    // router serves those itself, where the region and endpoint block are).
    std::vector<const NetworkInterface*> forwarding;
    for (const auto& e : model.network_interfaces())
        if ((!e.instance_id.empty() && model.instance(e.instance_id).forwards()) || (e.interface_type == "vpc_endpoint" && endpoints_served) ||
            e.interface_type == "network_load_balancer" || e.interface_type == "nat_gateway" || e.interface_type == "transit_gateway")
            forwarding.push_back(&e);
    auto port_of = [&](const std::string& eni_id) {
        for (const NetworkInterface* e : forwarding)
            if (e->id == eni_id) return e->port;
        return no_port;  // deleted, detached or its instance gone: the route is a blackhole
    };
    for (const auto& e : model.vpc_endpoints()) {
        if (!endpoints_served) break;
        if (snap->endpoints_.size() <= e.slot) snap->endpoints_.resize(e.slot + 1);
        const ServiceOffer* service = model.find_service(e.service_name);
        snap->endpoints_[e.slot] = EndpointInfo{index_of(model.vpcs(), e.vpc_id), service ? service->block : Cidr{}, e.interface(), e.id};
    }
    auto slot_of = [&](const std::string& endpoint_id) {
        for (const auto& e : model.vpc_endpoints())
            if (e.id == endpoint_id) return e.slot;
        return no_port;
    };
    for (const auto& t : model.route_tables()) {
        CompiledRouteTable compiled;
        compiled.id = t.id;
        for (const auto& r : t.routes) {
            CompiledRoute c;
            c.kind = r.target_kind;
            if (r.target_kind == RouteTargetKind::network_interface) c.port = port_of(r.target_id);
            if (r.target_kind == RouteTargetKind::internet_gateway) c.gateway = index_of(model.internet_gateways(), r.target_id);
            if (r.target_kind == RouteTargetKind::gateway_endpoint) c.endpoint = slot_of(r.target_id);
            if (r.target_kind == RouteTargetKind::vpc_peering) {  // the other VPC while the connection is active; else a blackhole
                c.peering = index_of(model.vpc_peering_connections(), r.target_id);
                if (c.peering != no_port && model.vpc_peering_connections()[c.peering].active())
                    c.peer_vpc = index_of(model.vpcs(), model.vpc_peering_connections()[c.peering].peer_of(t.vpc_id));
            }
            if (r.target_kind == RouteTargetKind::transit_gateway)  // the VPC's attachment to it; else a blackhole
                for (std::uint32_t a = 0; a < model.transit_gateway_attachments().size(); ++a)
                    if (model.transit_gateway_attachments()[a].transit_gateway_id == r.target_id && model.transit_gateway_attachments()[a].vpc_id == t.vpc_id)
                        c.attachment = a;
            if (r.target_kind == RouteTargetKind::nat_gateway)  // an available gateway's ENI; else a blackhole
                for (const auto& g : model.nat_gateways())
                    if (g.id == r.target_id && g.available()) c.port = port_of(g.network_interface_id);
            compiled.routes.push_back(c);
        }
        compiled.entries = route_destinations(model, t);
        // Rebuilt only when the destinations changed: a 1,000-entry prefix list is not re-sorted because an
        // instance started.
        if (previous)
            for (const auto& before : previous->route_tables_)
                if (before.id == t.id && before.entries.size() == compiled.entries.size() &&
                    std::equal(before.entries.begin(), before.entries.end(), compiled.entries.begin(),
                               [](const LpmTable::Entry& a, const LpmTable::Entry& b) { return a.prefix == b.prefix && a.value == b.value; }))
                    compiled.lpm = before.lpm;
        if (!compiled.lpm) {
            compiled.lpm = std::make_shared<const LpmTable>(compiled.entries);
            ++snap->lpm_builds_;
        }
        snap->route_tables_.push_back(std::move(compiled));
    }
    std::vector<std::vector<std::string>> set_keys;  // the group IDs of each compiled set, sorted
    for (const NetworkInterface* eni : forwarding) {
        const NetworkInterface& e = *eni;
        const PortIndex i = e.port;
        if (i < first_eni_port || i >= no_port) throw ApiError("InternalError", "network interface " + e.id + " has no valid port");
        const Subnet& s = model.subnet(e.subnet_id);
        PortInfo p;
        p.present = true;
        p.mac = e.mac;
        p.ip = e.private_ip;
        p.vpc = index_of(model.vpcs(), e.vpc_id);
        p.subnet = index_of(model.subnets(), e.subnet_id);
        p.route_table = index_of(model.route_tables(), model.effective_route_table(s).id);
        p.source_dest_check = e.source_dest_check;
        p.has_public_ip = e.public_ip.has_value();
        p.public_ip = e.public_ip.value_or(0);
        p.tracking = e.connection_tracking;
        if (e.interface_type == "vpc_endpoint")
            for (const auto& endpoint : model.vpc_endpoints())
                if (std::find(endpoint.network_interface_ids.begin(), endpoint.network_interface_ids.end(), e.id) != endpoint.network_interface_ids.end()) {
                    p.interface_endpoint = endpoint.slot;
                    p.role = PortRole::interface_endpoint;
                    const ServiceOffer* service = model.find_service(endpoint.service_name);
                    p.endpoint_service = service_ports.endpoint_address(endpoint.slot, service ? service->address : 0);
                }
        if (e.interface_type == "nat_gateway") {
            p.role = PortRole::nat_gateway;
            for (std::uint32_t g = 0; g < model.nat_gateways().size(); ++g)
                if (model.nat_gateways()[g].network_interface_id == e.id) p.nat_gateway = g;
        }
        if (e.interface_type == "transit_gateway") {
            p.role = PortRole::transit_gateway_attachment;
            for (std::uint32_t a = 0; a < model.transit_gateway_attachments().size(); ++a) {
                const auto& ids = model.transit_gateway_attachments()[a].network_interface_ids;
                if (std::find(ids.begin(), ids.end(), e.id) != ids.end()) p.transit_gateway_attachment = a;
            }
        }
        // ENIs with the same groups share one compiled set (most ENIs of a lab carry one or two groups).
        std::vector<std::string> groups = e.security_group_ids;
        std::sort(groups.begin(), groups.end());
        auto known = std::find(set_keys.begin(), set_keys.end(), groups);
        if (known == set_keys.end()) {
            snap->security_group_sets_.push_back(compile_security_groups(model, groups));
            set_keys.push_back(groups);
            known = set_keys.end() - 1;
        }
        p.security_groups = static_cast<std::uint32_t>(known - set_keys.begin());
        if (snap->ports_.size() <= i) snap->ports_.resize(i + 1);
        if (snap->ports_[i].present) throw ApiError("InternalError", "two network interfaces on port " + std::to_string(i));
        snap->ports_[i] = p;
        snap->vpcs_[p.vpc].hosts.push_back((std::uint64_t{e.private_ip} << 32) | i);
        if (p.has_public_ip) snap->public_hosts_.push_back((std::uint64_t{p.public_ip} << 32) | i);
    }
    for (auto& v : snap->vpcs_) std::sort(v.hosts.begin(), v.hosts.end());
    std::sort(snap->public_hosts_.begin(), snap->public_hosts_.end());
    snap->compile_load_balancers(model);
    snap->compile_privatelink(model);
    snap->compile_transit_gateways(model);
    snap->compile_traffic_mirroring(model);
    return snap;
}

void ForwardingSnapshot::compile_transit_gateways(const VpcModel& model) {
    const auto& tables = model.transit_gateway_route_tables();
    const auto& attachments = model.transit_gateway_attachments();
    for (const auto& a : attachments) {
        TransitGatewayAttachmentInfo info;
        info.id = a.id;
        info.transit_gateway_id = a.transit_gateway_id;
        info.route_table = a.associated_route_table_id.empty() ? no_port : index_of(tables, a.associated_route_table_id);
        info.appliance_mode = a.appliance_mode;
        info.first_interface = static_cast<std::uint32_t>(tgw_interfaces_.size());
        for (std::size_t i = 0; i < a.network_interface_ids.size(); ++i)
            tgw_interfaces_.push_back({subnets_[index_of(model.subnets(), a.subnet_ids[i])].zone, model.network_interface(a.network_interface_ids[i]).port});
        info.interface_count = static_cast<std::uint32_t>(tgw_interfaces_.size()) - info.first_interface;
        std::sort(tgw_interfaces_.begin() + info.first_interface, tgw_interfaces_.end(),
                  [](const TransitGatewayInterface& x, const TransitGatewayInterface& y) { return x.zone < y.zone; });
        tgw_attachments_.push_back(std::move(info));
    }
    for (const auto& t : tables) {
        CompiledTransitGatewayRouteTable compiled;
        compiled.id = t.id;
        std::vector<LpmTable::Entry> entries;
        for (const auto& r : model.transit_gateway_routes(t)) {
            entries.push_back({r.destination, static_cast<std::uint32_t>(compiled.routes.size())});
            compiled.routes.push_back({r.blackhole ? no_port : index_of(attachments, r.attachment_id)});
        }
        compiled.lpm = std::make_shared<const LpmTable>(entries);
        tgw_route_tables_.push_back(std::move(compiled));
    }
}

PortIndex ForwardingSnapshot::transit_gateway_interface(std::uint32_t attachment, std::uint32_t zone) const {
    const TransitGatewayAttachmentInfo& a = tgw_attachments_[attachment];
    for (std::uint32_t i = 0; i < a.interface_count; ++i)
        if (tgw_interfaces_[a.first_interface + i].zone == zone) return tgw_interfaces_[a.first_interface + i].port;
    return no_port;
}

TransitGatewayHop ForwardingSnapshot::transit_gateway_hop(std::uint32_t attachment, PortIndex entered, std::uint32_t destination,
                                                          std::uint32_t flow_hash) const {
    TransitGatewayHop h;
    h.route_table = tgw_attachments_[attachment].route_table;
    // Transit Gateways Guide, "Associations": what enters through an attachment with no route table is dropped.
    if (h.route_table == no_port) return h.kind = TransitGatewayHop::Kind::not_associated, h;
    const CompiledTransitGatewayRouteTable& table = tgw_route_tables_[h.route_table];
    const std::uint32_t route = table.lpm->lookup(destination);
    if (route == LpmTable::no_match) return h.kind = TransitGatewayHop::Kind::no_route, h;
    h.route = route;
    h.attachment = table.routes[route].attachment;
    if (h.attachment == no_port) return h.kind = TransitGatewayHop::Kind::blackhole, h;
    const TransitGatewayAttachmentInfo& out = tgw_attachments_[h.attachment];
    if (out.interface_count == 0) return h.kind = TransitGatewayHop::Kind::blackhole, h;  // (an attachment keeps a subnet)
    // "How transit gateways work": traffic stays in the Availability Zone it entered by while the destination
    // attachment has a subnet there, else it goes to another zone's. Appliance mode ("Appliance in a shared
    // services VPC"): one zone's ENI for the life of a flow, the same for its replies, chosen by a flow hash.
    if (out.appliance_mode)
        h.port = tgw_interfaces_[out.first_interface + flow_hash % out.interface_count].port;
    else
        h.port = transit_gateway_interface(h.attachment, subnets_[ports_[entered].subnet].zone);
    if (h.port == no_port) h.port = tgw_interfaces_[out.first_interface].port;
    h.kind = TransitGatewayHop::Kind::forward;
    return h;
}

namespace {
// Where a registered target is on the data path (its ENI's port and address), if it forwards now.
std::optional<LoadBalancerTarget> locate_target(const VpcModel& model, const ForwardingSnapshot& snap, const TargetGroup& g, const Target& t,
                                                std::uint32_t vpc) {
    LoadBalancerTarget out;
    out.tcp_port = static_cast<std::uint16_t>(t.port);
    if (g.target_type == "instance") {
        const auto& all = model.instances();
        const auto inst = std::find_if(all.begin(), all.end(), [&](const Instance& i) { return i.id == t.id; });
        if (inst == all.end() || !inst->forwards() || inst->network_interface_ids.empty()) return std::nullopt;
        const NetworkInterface& eni = model.network_interface(inst->network_interface_ids.front());
        out.port = eni.port;
        out.ip = eni.private_ip;
    } else {
        const auto address = parse_ipv4(t.id);
        if (!address) return std::nullopt;
        out.ip = *address;
        out.port = snap.port_by_address(vpc, *address);
    }
    if (!snap.is_eni(out.port) || snap.port(out.port).served_by_router()) return std::nullopt;
    return out;
}
}  // namespace

void ForwardingSnapshot::compile_load_balancers(const VpcModel& model) {
    std::vector<bool> load_balanced(vpcs_.size());
    for (const auto& lb : model.load_balancers()) {
        const std::uint32_t vpc = index_of(model.vpcs(), lb.vpc_id);
        load_balanced[vpc] = true;
        std::vector<std::string> zones;
        for (const auto& s : lb.subnet_ids) zones.push_back(model.subnet(s).availability_zone);
        for (std::size_t n = 0; n < lb.network_interface_ids.size(); ++n) {
            const NetworkInterface& node_eni = model.network_interface(lb.network_interface_ids[n]);
            LoadBalancerNode node{static_cast<std::uint32_t>(load_balancer_listeners_.size()), 0};
            for (const auto& l : model.listeners()) {
                if (l.load_balancer_arn != lb.id) continue;
                const TargetGroup& g = model.target_group(l.target_group_arn);
                LoadBalancerListener out;
                out.port = static_cast<std::uint16_t>(l.port);
                out.tcp = l.protocol == "TCP" || l.protocol == "TCP_UDP";
                out.udp = l.protocol == "UDP" || l.protocol == "TCP_UDP";
                out.preserve_client_ip = g.preserve_client_ip;
                out.proxy_protocol_v2 = g.proxy_protocol_v2;
                out.first_target = static_cast<std::uint32_t>(load_balancer_targets_.size());
                // ELB NLB guide, "Health checks for Network Load Balancer target groups": a node sends new
                // flows to the healthy targets of its own Availability Zone (of every enabled zone with
                // cross-zone load balancing); when no target of the group is healthy it fails open, to all of
                // them whatever their health. Draining targets, and targets in zones the load balancer does
                // not use, get no new flows.
                std::vector<LoadBalancerTarget> healthy, all;
                bool any_healthy = false;
                for (const auto& t : g.targets) {
                    if (t.draining() || std::find(zones.begin(), zones.end(), t.availability_zone) == zones.end()) continue;
                    const auto where = locate_target(model, *this, g, t, vpc);
                    if (!where) continue;
                    const bool is_healthy = t.health.state == TargetState::healthy;
                    any_healthy = any_healthy || is_healthy;
                    if (!lb.cross_zone && t.availability_zone != zones[n]) continue;
                    all.push_back(*where);
                    if (is_healthy) healthy.push_back(*where);
                }
                const auto& chosen = any_healthy ? healthy : all;
                load_balancer_targets_.insert(load_balancer_targets_.end(), chosen.begin(), chosen.end());
                out.target_count = static_cast<std::uint32_t>(chosen.size());
                load_balancer_listeners_.push_back(out);
                ++node.listener_count;
            }
            ports_[node_eni.port].load_balancer_node = static_cast<std::uint32_t>(load_balancer_nodes_.size());
            ports_[node_eni.port].role = PortRole::load_balancer_node;
            load_balancer_nodes_.push_back(node);
        }
    }
    for (auto& p : ports_)
        if (p.present && p.vpc < load_balanced.size()) p.in_load_balanced_vpc = load_balanced[p.vpc];
}

// PrivateLink Guide, "Share your services through AWS PrivateLink": an endpoint's ENI in an Availability Zone
// reaches the service through the load balancer's node in that zone (the endpoint's subnets were checked
// to be in the service's zones; a load balancer since removed from the service leaves none).
void ForwardingSnapshot::compile_privatelink(const VpcModel& model) {
    for (const auto& e : model.vpc_endpoints()) {
        if (!e.to_endpoint_service) continue;
        // A rejected endpoint may outlive its service: its ENIs still carry nothing anywhere.
        const EndpointService* service = model.find_endpoint_service(e.service_name);
        for (std::size_t i = 0; i < e.network_interface_ids.size(); ++i) {
            const NetworkInterface& eni = model.network_interface(e.network_interface_ids[i]);
            if (!is_eni(eni.port)) continue;
            PortInfo& p = ports_[eni.port];
            p.role = PortRole::privatelink_endpoint;
            if (!service || e.state != "available") continue;
            const std::string& zone = model.subnet(e.subnet_ids[i]).availability_zone;
            for (const auto& arn : service->network_load_balancer_arns) {
                const LoadBalancer& lb = model.load_balancer(arn);
                for (std::size_t n = 0; n < lb.subnet_ids.size() && p.privatelink_node == no_port; ++n)
                    if (model.subnet(lb.subnet_ids[n]).availability_zone == zone) p.privatelink_node = model.network_interface(lb.network_interface_ids[n]).port;
            }
        }
    }
}

const LoadBalancerListener* ForwardingSnapshot::load_balancer_listener(std::uint32_t node, std::uint8_t protocol, std::uint16_t port) const {
    if (node >= load_balancer_nodes_.size()) return nullptr;
    const LoadBalancerNode& n = load_balancer_nodes_[node];
    for (std::uint32_t i = 0; i < n.listener_count; ++i) {
        const LoadBalancerListener& l = load_balancer_listeners_[n.first_listener + i];
        if (l.port == port && ((protocol == 6 && l.tcp) || (protocol == 17 && l.udp))) return &l;
    }
    return nullptr;
}

PortIndex ForwardingSnapshot::find_in(const std::vector<std::uint64_t>& sorted, std::uint32_t address) {
    const std::uint64_t key = std::uint64_t{address} << 32;
    auto it = std::lower_bound(sorted.begin(), sorted.end(), key);
    if (it == sorted.end() || (*it >> 32) != address) return no_port;
    return static_cast<PortIndex>(*it & 0xffffffff);
}

PortIndex ForwardingSnapshot::port_by_address(std::uint32_t vpc, std::uint32_t address) const {
    // The metadata server asks with a VPC number read off an address: it may name no VPC of this snapshot.
    return vpc < vpcs_.size() ? find_in(vpcs_[vpc].hosts, address) : no_port;
}

ResolverReply ForwardingSnapshot::from_resolver(std::uint32_t source, std::uint32_t destination) const {
    ResolverReply r;
    const std::uint32_t vpc = service_.resolver_vpc(source);
    if (vpc >= vpcs_.size()) return r;
    r.port = port_by_address(vpc, destination);
    if (r.port == no_port) return r;
    r.ok = true;
    r.from = source;
    r.to = ServicePorts::is_metadata(source)        ? instance_metadata_link_local
           : ServicePorts::asked_link_local(source) ? amazon_dns_link_local
                                                    : vpcs_[vpc].dns_address;
    return r;
}

EndpointReturn ForwardingSnapshot::endpoint_return(std::uint32_t source, std::uint32_t destination) const {
    EndpointReturn r;
    if (service_.endpoint_block.prefix_length == 0 || !service_.endpoint_block.contains(source)) return r;
    const std::uint32_t slot = (source - service_.endpoint_block.network) >> 8;
    if (slot >= endpoints_.size() || endpoints_[slot].vpc == no_port) return r;
    const EndpointInfo& e = endpoints_[slot];
    r.port = port_by_address(e.vpc, destination);
    if (r.port == no_port) return r;
    r.ok = true;
    r.endpoint = slot;
    r.interface = e.interface;
    r.service_address = e.service_block.network + (source & 0xff);
    return r;
}

GatewayDecision ForwardingSnapshot::internet_egress(PortIndex ingress, const Decision& decision) const {
    GatewayDecision g;
    const PortInfo& in = ports_[ingress];
    if (decision.gateway >= gateway_vpc_.size() || gateway_vpc_[decision.gateway] != in.vpc || service_.region == no_port) {
        g.kind = GatewayDecision::Kind::detached;  // the route's gateway left this VPC: a blackhole route
        return g;
    }
    // "An instance without a public IP gets nothing through the IGW" (DESIGN.md §4).
    if (!in.has_public_ip) {
        g.kind = GatewayDecision::Kind::no_public_ip;
        return g;
    }
    g.kind = GatewayDecision::Kind::translate;
    g.from = in.ip;
    g.to = in.public_ip;
    return g;
}

GatewayDecision ForwardingSnapshot::internet_ingress(std::uint32_t destination) const {
    GatewayDecision g;
    const PortIndex port = find_in(public_hosts_, destination);
    if (port == no_port) return g;
    if (!vpcs_[ports_[port].vpc].internet_gateway_attached) {
        g.kind = GatewayDecision::Kind::detached;
        return g;
    }
    g.kind = GatewayDecision::Kind::translate;
    g.port = port;
    g.from = destination;
    g.to = ports_[port].ip;
    return g;
}

const wire::MacAddress* ForwardingSnapshot::service_arp_answer(PortIndex ingress, std::uint32_t target) const {
    if (ingress == service_.region && target == service_.region_router_ip) return &service_.region_router_mac;
    if (ingress == service_.resolver && target == service_.resolver_router_ip) return &service_.resolver_router_mac;
    return nullptr;
}

Decision ForwardingSnapshot::decide(PortIndex ingress, std::uint32_t source, std::uint32_t destination,
                                    std::uint8_t protocol, std::uint16_t destination_port) const {
    const PortInfo& in = ports_[ingress];
    Decision d;
    // Source/destination check (EC2 User Guide, "Source/destination checking"): an ENI may only send
    // packets from its own address unless the check is disabled (NAT instances, appliances).
    if (in.source_dest_check && source != in.ip) return d.outcome = Outcome::drop_source_check, d;
    const VpcInfo& vpc = vpcs_[in.vpc];
    if ((destination == vpc.dns_address || destination == amazon_dns_link_local) && (protocol == 6 || protocol == 17) &&
        destination_port == 53 && service_.resolver != no_port) {
        if (!vpc.dns_support) return d.outcome = Outcome::drop_dns_disabled, d;
        // VPC User Guide, "Amazon DNS server": it answers queries from the VPC; from beyond it (a transit
        // gateway forwarding another VPC's query) Route 53 Resolver inbound endpoints are the way.
        if (!vpc.cidr.contains(source)) return d.outcome = Outcome::drop_edge_to_edge, d;
        d.outcome = Outcome::to_resolver;
        d.resolver_address = service_.resolver_address(in.vpc, destination == amazon_dns_link_local);
        return d;
    }
    // The instance metadata service answers every instance, on HTTP, whatever its security groups say
    // (EC2 User Guide, "Instance metadata"); the resolver namespace's server tells instances apart by VPC
    // (the address the router translates to) and private address.
    if (destination == instance_metadata_link_local && protocol == 6 && destination_port == 80 && service_.resolver != no_port) {
        if (!vpc.cidr.contains(source)) return d.outcome = Outcome::drop_edge_to_edge, d;  // only the VPC's own instances
        d.outcome = Outcome::to_resolver;
        d.resolver_address = service_.metadata_address(in.vpc);
        return d;
    }
    if (destination == 0xffffffff || (destination >> 28) == 0xe) return d.outcome = Outcome::drop_broadcast, d;
    if ((destination >> 16) == 0xa9fe) return d.outcome = Outcome::drop_link_local, d;  // 169.254.0.0/16

    const CompiledRouteTable& table = route_tables_[in.route_table];
    const std::uint32_t route = table.lpm->lookup(destination);
    if (route == LpmTable::no_match) return d.outcome = Outcome::drop_no_route, d;
    const CompiledRoute& r = table.routes[route];
    d.route = route;
    switch (r.kind) {
        case RouteTargetKind::local: {
            const PortIndex to = port_by_address(in.vpc, destination);
            if (to == no_port) {
                for (const auto& s : subnets_)
                    if (s.vpc == in.vpc && s.cidr.contains(destination) &&
                        (destination - s.cidr.network < 4 || destination == s.cidr.last()))
                        return d.outcome = Outcome::drop_reserved_address, d;
                return d.outcome = Outcome::drop_no_such_address, d;
            }
            d.outcome = Outcome::deliver;
            d.port = to;
            d.same_subnet = ports_[to].subnet == in.subnet;
            return d;
        }
        case RouteTargetKind::network_interface:
            if (r.port == no_port) return d.outcome = Outcome::drop_no_route, d;
            if (ports_[r.port].source_dest_check && ports_[r.port].ip != destination)
                return d.outcome = Outcome::drop_destination_check, d;
            d.outcome = Outcome::deliver;
            d.port = r.port;
            d.same_subnet = ports_[r.port].subnet == in.subnet;
            return d;
        case RouteTargetKind::nat_gateway:
            if (r.port == no_port) return d.outcome = Outcome::drop_no_route, d;  // deleted: a blackhole
            d.outcome = Outcome::nat_gateway;
            d.port = r.port;
            d.same_subnet = ports_[r.port].subnet == in.subnet;
            return d;
        case RouteTargetKind::vpc_peering: {
            if (r.peer_vpc == no_port) return d.outcome = Outcome::drop_no_route, d;  // not active: a blackhole
            d.peering = r.peering;
            // VPC Peering Guide, "Unsupported VPC peering configurations": the connection reaches the peer
            // VPC's own addresses only: not a third VPC peered with it (transitive peering), nor what lies
            // beyond its internet gateway, NAT gateway or gateway endpoint (edge to edge routing).
            // … nor what an instance without the source/destination check forwards from beyond its own VPC.
            if (!vpcs_[r.peer_vpc].cidr.contains(destination) || !vpc.cidr.contains(source)) return d.outcome = Outcome::drop_peering_transitive, d;
            const PortIndex to = port_by_address(r.peer_vpc, destination);
            if (to == no_port) return d.outcome = Outcome::drop_no_such_address, d;
            d.outcome = Outcome::vpc_peering;
            d.port = to;
            return d;
        }
        case RouteTargetKind::transit_gateway: {
            if (r.attachment == no_port) return d.outcome = Outcome::drop_no_route, d;  // the VPC is not attached: a blackhole
            d.attachment = r.attachment;
            // Transit Gateways Guide, "How transit gateways work": "resources within a particular Availability
            // Zone can reach a transit gateway only if a subnet is enabled within the same zone."
            const PortIndex eni = transit_gateway_interface(r.attachment, subnets_[in.subnet].zone);
            if (eni == no_port) return d.outcome = Outcome::drop_transit_gateway_zone, d;
            d.outcome = Outcome::transit_gateway;
            d.port = eni;
            d.same_subnet = ports_[eni].subnet == in.subnet;
            return d;
        }
        case RouteTargetKind::internet_gateway:
            d.outcome = Outcome::internet_gateway;
            d.gateway = r.gateway;
            return d;
        case RouteTargetKind::gateway_endpoint:
            // The endpoint's route reaches only its service's addresses (its prefix list); gone: a blackhole.
            if (r.endpoint >= endpoints_.size() || endpoints_[r.endpoint].vpc != in.vpc || !endpoints_[r.endpoint].service_block.contains(destination))
                return d.outcome = Outcome::drop_no_route, d;
            // VPC User Guide, "Gateway endpoints": "Endpoint connections cannot be extended out of a VPC";
            // what a transit gateway brings from another VPC does not use it.
            if (!vpc.cidr.contains(source)) return d.outcome = Outcome::drop_edge_to_edge, d;
            d.outcome = Outcome::gateway_endpoint;
            d.endpoint = r.endpoint;
            return d;
    }
    return d;
}

const wire::MacAddress* ForwardingSnapshot::arp_answer(PortIndex ingress, std::uint32_t target) const {
    const PortInfo& in = ports_[ingress];
    const SubnetInfo& s = subnets_[in.subnet];
    // Only addresses of the asker's own subnet are on-link for it; never answer for the asker itself
    // (that would break duplicate address detection).
    if (!s.cidr.contains(target) || target == in.ip || target == s.cidr.network || target == s.cidr.last()) return nullptr;
    const PortIndex peer = port_by_address(in.vpc, target);
    return peer != no_port ? &ports_[peer].mac : &s.router_mac;
}

bool ForwardingSnapshot::region_serves(std::uint32_t destination) const {
    return service_.public_pool.contains(destination) || service_.region_link.contains(destination) ||
           std::binary_search(service_.region_hosts.begin(), service_.region_hosts.end(), destination);
}

}  // namespace vpclab::routing
