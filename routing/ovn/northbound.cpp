// The VPC model as OVN 23.03 northbound rows (see the header; docs/ovn-backend.md §2 for each mapping).
#include "routing/ovn/northbound.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <tuple>

#include "routing/resource_ids.hpp"
#include "wire/mac_address.hpp"

namespace vpclab::routing::ovn {

namespace {

// ACL priorities (ovn-nb(5), "ACL": 0 to 32767, the highest match decides). Security groups allow above
// their default drop, so an ENI in several groups gets their union (EC2: groups only allow). Network ACLs sit
// on the subnet's router port, which no security group ACL matches, at 32767 - rule number (VPC User Guide,
// "Network ACL rules": the lowest number first), the final "*" deny at 0.
constexpr int group_allow_priority = 1001, group_drop_priority = 1000;
int network_acl_priority(int rule_number) { return 32767 - rule_number; }

[[noreturn]] void unsupported(const std::string& feature, const std::string& id) {
    throw ApiError("UnsupportedOperation", "The OVN backend does not compile " + feature + " yet (" + id +
                                               "): run this lab on the userspace backend (vpclab up without --backend ovn)");
}

class Builder {
public:
    Builder(const VpcModel& m, const Plan& p) : m_(m), plan_(p) {}
    Northbound build();

private:
    void add(std::string table, std::string name, std::vector<std::pair<std::string, std::string>> columns) {
        std::sort(columns.begin(), columns.end());
        out_.rows.push_back({std::move(table), std::move(name), std::move(columns)});
    }
    void refuse_unsupported() const;
    void vpc(const Vpc& v, std::uint32_t index);
    void subnet(const Subnet& s);
    void instances();
    void route_tables();
    void security_groups();
    void network_acls();
    void public_addresses();
    std::string group_rule_match(const SecurityGroup& g, const SecurityGroupRule& r, bool ingress);
    std::string edge_port(const std::string& vpc_id) const { return "lrp-edge-" + vpc_id; }
    bool has_edge(const Vpc& v) const;

    const VpcModel& m_;
    const Plan& plan_;
    Northbound out_;
    std::map<std::string, std::uint32_t> edge_address_;  // each VPC's address on the edge link
};

void Builder::refuse_unsupported() const {
    if (!m_.nat_gateways().empty()) unsupported("NAT gateways", m_.nat_gateways().front().id);
    if (!m_.vpc_peering_connections().empty()) unsupported("VPC peering connections", m_.vpc_peering_connections().front().id);
    if (!m_.transit_gateways().empty()) unsupported("transit gateways", m_.transit_gateways().front().id);
    if (!m_.load_balancers().empty()) unsupported("load balancers", m_.load_balancers().front().name);
    if (!m_.endpoint_services().empty()) unsupported("endpoint services (PrivateLink)", m_.endpoint_services().front().id);
    for (const auto& e : m_.vpc_endpoints())
        if (e.endpoint_type != "Gateway") unsupported("interface endpoints", e.id);
    if (!m_.traffic_mirror_sessions().empty()) unsupported("traffic mirror sessions", m_.traffic_mirror_sessions().front().id);
    if (!m_.flow_logs().empty()) unsupported("flow logs", m_.flow_logs().front().id);
}

// A VPC has an edge towards the region (a router port on the edge switch) when an internet gateway is attached
// or a gateway endpoint sends to the region.
bool Builder::has_edge(const Vpc& v) const {
    for (const auto& g : m_.internet_gateways())
        if (g.attached_vpc_id == v.id) return true;
    for (const auto& e : m_.vpc_endpoints())
        if (e.vpc_id == v.id && e.endpoint_type == "Gateway") return true;
    return false;
}

void Builder::vpc(const Vpc& v, std::uint32_t index) {
    add("Logical_Router", v.id, {{"external_ids:vpclab-id", v.id}, {"external_ids:cidr", v.cidr.to_string()}});
    if (!has_edge(v)) return;
    // Its edge: a distributed gateway port on the edge switch, the NAT of public addresses on the gateway chassis
    // (the one the region's port is on: docs/ovn-backend.md §2, "Internet gateway").
    const std::string port = edge_port(v.id);
    const std::uint32_t address = plan_.edge_link.network + 16 + index;
    edge_address_[v.id] = address;
    for (const auto& e : m_.vpc_endpoints())
        if (e.vpc_id == v.id && e.endpoint_type == "Gateway") {
            out_.region_routes.push_back({v.cidr, address});
            break;
        }
    add("Logical_Router_Port", port,
        {{"router", v.id},
         {"mac", wire::MacAddress::locally_administered(stable_hash(v.id + "/edge")).to_string()},
         {"networks", format_ipv4(address) + "/" + std::to_string(plan_.edge_link.prefix_length)},
         {"gateway_chassis", chassis_name(1)}});
    add("Logical_Switch_Port", "rp-" + port,
        {{"switch", "ls-edge"}, {"type", "router"}, {"addresses", "router"}, {"options:router-port", port}});
}

void Builder::subnet(const Subnet& s) {
    const std::string router_port = "lrp-" + s.id;
    add("Logical_Switch", s.id, {{"external_ids:vpclab-id", s.id}, {"external_ids:vpc", s.vpc_id}, {"other_config:subnet", s.cidr.to_string()}});
    // The subnet's router port answers at base+1 with the MAC the userspace router gives it; its route table is
    // its explicit association, else the VPC's main table (OVN applies a port's named table, and routes of no
    // table only to ports without one: docs/ovn-backend.md §3.1, so every port names its table).
    add("Logical_Router_Port", router_port,
        {{"router", s.vpc_id},
         {"mac", subnet_router_mac(s.id).to_string()},
         {"networks", format_ipv4(s.router_address()) + "/" + std::to_string(s.cidr.prefix_length)},
         {"options:route_table", m_.effective_route_table(s).id}});
    add("Logical_Switch_Port", "rp-" + s.id, {{"switch", s.id}, {"type", "router"}, {"addresses", "router"}, {"options:router-port", router_port}});
    // The VPC resolver at base+2 (VPC User Guide, "Amazon DNS server"): a port on the subnet that holds the
    // address, where vpclab's own resolver is plugged (OVN's DNS table is not used: 23.03 leaves queries with
    // EDNS unanswered, and answers a name it holds whatever address the query was sent to).
    const Vpc& vpc = m_.vpc(s.vpc_id);
    if (resolver_subnet(m_, vpc) == &s)
        add("Logical_Switch_Port", resolver_port_name(s.id),
            {{"switch", s.id}, {"addresses", resolver_mac(vpc.id).to_string() + " " + format_ipv4(vpc.cidr.network + 2)}});
}

// Instances' ENIs. No requested-chassis: a port is bound where its interface is plugged (the lab places an
// instance's namespace on a chassis when it makes it), as ovn-architecture(7) describes VIF binding.
void Builder::instances() {
    for (const auto& inst : m_.instances()) {
        if (!inst.forwards()) continue;
        for (const auto& eni_id : inst.network_interface_ids) {
            const NetworkInterface& e = m_.network_interface(eni_id);
            const std::string mac_ip = e.mac.to_string() + " " + format_ipv4(e.private_ip);
            // The source/destination check is port security on the address (off: the MAC alone).
            add("Logical_Switch_Port", e.id,
                {{"switch", e.subnet_id},
                 {"addresses", mac_ip},
                 {"port_security", e.source_dest_check ? mac_ip : e.mac.to_string()},
                 {"external_ids:vpclab-instance", inst.id}});
        }
    }
}

void Builder::route_tables() {
    for (const auto& t : m_.route_tables()) {
        const Vpc& v = m_.vpc(t.vpc_id);
        for (const auto& r : t.routes) {
            std::vector<Cidr> destinations;
            if (r.to_prefix_list())
                for (const auto& entry : m_.prefix_list(r.destination_prefix_list_id).entries) destinations.push_back(entry.cidr);
            else
                destinations.push_back(r.destination);
            std::string nexthop, output_port;
            switch (r.target_kind) {
                case RouteTargetKind::local: continue;  // OVN's connected routes of the router's ports
                case RouteTargetKind::internet_gateway:
                    // A route to a detached gateway is a blackhole (VPC User Guide, "Route tables").
                    if (m_.route_is_blackhole(t, r)) {
                        nexthop = "discard";
                        break;
                    }
                    [[fallthrough]];
                case RouteTargetKind::gateway_endpoint:
                    nexthop = format_ipv4(plan_.region_address);
                    output_port = edge_port(v.id);
                    break;
                case RouteTargetKind::network_interface: nexthop = format_ipv4(m_.network_interface(r.target_id).private_ip); break;
                case RouteTargetKind::nat_gateway: unsupported("routes to NAT gateways", r.target_id);
                case RouteTargetKind::vpc_peering: unsupported("routes to VPC peering connections", r.target_id);
                case RouteTargetKind::transit_gateway: unsupported("routes to transit gateways", r.target_id);
            }
            for (const Cidr& d : destinations) {
                std::vector<std::pair<std::string, std::string>> columns = {
                    {"router", v.id}, {"route_table", t.id}, {"ip_prefix", d.to_string()}, {"nexthop", nexthop}, {"external_ids:vpclab-route", r.destination_text()}};
                if (!output_port.empty()) columns.emplace_back("output_port", output_port);
                add("Logical_Router_Static_Route", v.id + "|" + t.id + "|" + d.to_string(), std::move(columns));
            }
        }
        // The resolver's link-local address and the instance metadata service's (EC2 User Guide, "Instance
        // metadata"), reached from every subnet: to the resolver's port, which serves both.
        if (resolver_subnet(m_, v))
            for (const char* link_local : {"169.254.169.253/32", "169.254.169.254/32"})
                add("Logical_Router_Static_Route", v.id + "|" + t.id + "|" + link_local,
                    {{"router", v.id}, {"route_table", t.id}, {"ip_prefix", link_local}, {"nexthop", format_ipv4(v.cidr.network + 2)},
                     {"external_ids:vpclab-route", "resolver"}});
    }
}

// A security group rule as an ACL match (ovn-logical-flows field names): the ENI's side by its port group,
// the peer by CIDR, another group's addresses ($pg_ip4, made by northd) or a prefix list's address set.
std::string Builder::group_rule_match(const SecurityGroup& g, const SecurityGroupRule& r, bool ingress) {
    const std::string own = ovn_identifier(g.id);
    std::string match = (ingress ? "outport == @" : "inport == @") + own + " && ip4";
    const std::string peer_field = ingress ? "ip4.src" : "ip4.dst";
    if (r.cidr && r.cidr->prefix_length != 0) match += " && " + peer_field + " == " + r.cidr->to_string();
    if (!r.source_group_id.empty()) match += " && " + peer_field + " == $" + ovn_identifier(r.source_group_id) + "_ip4";
    if (!r.prefix_list_id.empty()) match += " && " + peer_field + " == $" + ovn_identifier(r.prefix_list_id);
    if (r.ip_protocol == "tcp" || r.ip_protocol == "udp") {
        match += " && " + r.ip_protocol;
        if (!(r.from_port <= 0 && r.to_port >= 65535)) {
            match += r.from_port == r.to_port ? " && " + r.ip_protocol + ".dst == " + std::to_string(r.from_port)
                                              : " && " + r.ip_protocol + ".dst >= " + std::to_string(r.from_port) + " && " + r.ip_protocol +
                                                    ".dst <= " + std::to_string(r.to_port);
        }
    } else if (r.ip_protocol == "icmp") {
        match += " && icmp4";
        if (r.from_port >= 0) match += " && icmp4.type == " + std::to_string(r.from_port);
        if (r.to_port >= 0) match += " && icmp4.code == " + std::to_string(r.to_port);
    } else if (r.ip_protocol != "-1") {
        match += " && ip.proto == " + r.ip_protocol;
    }
    return match;
}

void Builder::security_groups() {
    for (const auto& g : m_.security_groups()) {
        std::string ports;
        for (const auto& e : m_.network_interfaces())
            // The ports instances() made: an ENI of a stopped instance has none (and a port group's ports are
            // weak references: the group must name it again when it comes back).
            if (std::find(e.security_group_ids.begin(), e.security_group_ids.end(), g.id) != e.security_group_ids.end() && !e.instance_id.empty() &&
                m_.instance(e.instance_id).forwards())
                ports += (ports.empty() ? "" : " ") + e.id;
        const std::string name = ovn_identifier(g.id);
        add("Port_Group", name, {{"ports", ports}, {"external_ids:vpclab-id", g.id}});
        for (bool ingress : {true, false}) {
            const char* direction = ingress ? "to-lport" : "from-lport";
            for (const auto& r : ingress ? g.ingress : g.egress) {
                if (!r.prefix_list_id.empty()) {
                    std::string addresses;
                    for (const auto& entry : m_.prefix_list(r.prefix_list_id).entries) addresses += (addresses.empty() ? "" : " ") + entry.cidr.to_string();
                    add("Address_Set", ovn_identifier(r.prefix_list_id), {{"addresses", addresses}});
                }
                const std::string match = group_rule_match(g, r, ingress);
                add("ACL", name + "|" + direction + "|" + std::to_string(group_allow_priority) + "|" + match,
                    {{"port_group", name}, {"direction", direction}, {"priority", std::to_string(group_allow_priority)}, {"match", match},
                     {"action", "allow-related"}, {"external_ids:vpclab-rule", r.rule_id}});
            }
            const std::string drop = (ingress ? "outport == @" : "inport == @") + name + " && ip4";
            add("ACL", name + "|" + direction + "|" + std::to_string(group_drop_priority) + "|" + drop,
                {{"port_group", name}, {"direction", direction}, {"priority", std::to_string(group_drop_priority)}, {"match", drop}, {"action", "drop"}});
        }
    }
    // Prefix lists named by several rules make one address set: keep the first.
    auto& rows = out_.rows;
    std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return std::tie(a.table, a.name) < std::tie(b.table, b.name); });
    rows.erase(std::unique(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.table == b.table && a.name == b.name; }), rows.end());
}

void Builder::network_acls() {
    for (const auto& acl : m_.network_acls())
        for (const auto& assoc : acl.associations) {
            const Subnet& s = m_.subnet(assoc.subnet_id);
            const std::string router_side = ovsdb_string("rp-" + s.id);
            auto rule = [&](bool egress, int priority, const std::string& condition, bool allow) {
                // Leaving the subnet: towards its router port (to-lport); entering: from it (from-lport). Router
                // ports skip connection tracking, so these are stateless, as network ACLs are.
                const std::string direction = egress ? "to-lport" : "from-lport";
                const std::string match = (egress ? "outport == " : "inport == ") + router_side + " && ip4" + condition;
                add("ACL", s.id + "|" + direction + "|" + std::to_string(priority) + "|" + match,
                    {{"switch", s.id}, {"direction", direction}, {"priority", std::to_string(priority)}, {"match", match},
                     {"action", allow ? "allow-stateless" : "drop"}, {"external_ids:vpclab-id", acl.id}});
            };
            for (const auto& e : acl.entries) {
                const std::string peer = e.egress ? "ip4.dst" : "ip4.src";
                std::string condition = e.cidr.prefix_length ? " && " + peer + " == " + e.cidr.to_string() : "";
                if (e.protocol == "6" || e.protocol == "17") {
                    const std::string l4 = e.protocol == "6" ? "tcp" : "udp";
                    condition += " && " + l4;
                    if (e.port_range && !(e.port_range->from <= 0 && e.port_range->to >= 65535))
                        condition += e.port_range->from == e.port_range->to
                                         ? " && " + l4 + ".dst == " + std::to_string(e.port_range->from)
                                         : " && " + l4 + ".dst >= " + std::to_string(e.port_range->from) + " && " + l4 + ".dst <= " + std::to_string(e.port_range->to);
                } else if (e.protocol == "1") {
                    condition += " && icmp4";
                    if (e.icmp && e.icmp->type >= 0) condition += " && icmp4.type == " + std::to_string(e.icmp->type);
                    if (e.icmp && e.icmp->code >= 0) condition += " && icmp4.code == " + std::to_string(e.icmp->code);
                } else if (e.protocol != "-1") {
                    condition += " && ip.proto == " + e.protocol;
                }
                rule(e.egress, network_acl_priority(e.rule_number), condition, e.allow);
            }
            rule(true, 0, "", false);  // the final "*" rule denies
            rule(false, 0, "", false);
        }
}

// Public addresses: one-to-one NAT on the VPC's edge while its internet gateway is attached (VPC User Guide,
// "Internet gateways": the ENI's public IPv4 address, auto-assigned or Elastic).
void Builder::public_addresses() {
    for (const auto& e : m_.network_interfaces()) {
        if (!e.public_ip || e.instance_id.empty()) continue;
        bool attached = false;
        for (const auto& g : m_.internet_gateways()) attached = attached || g.attached_vpc_id == e.vpc_id;
        if (!attached) continue;
        add("NAT", e.vpc_id + "|dnat_and_snat|" + format_ipv4(*e.public_ip),
            {{"router", e.vpc_id}, {"type", "dnat_and_snat"}, {"external_ip", format_ipv4(*e.public_ip)}, {"logical_ip", format_ipv4(e.private_ip)},
             {"external_ids:vpclab-eni", e.id}});
        out_.region_routes.push_back({{*e.public_ip, 32}, edge_address_.at(e.vpc_id)});
    }
}

Northbound Builder::build() {
    refuse_unsupported();
    std::uint32_t index = 0;
    bool any_edge = false;
    for (const auto& v : m_.vpcs()) {
        vpc(v, index++);
        any_edge = any_edge || has_edge(v);
    }
    if (any_edge) {
        // The edge switch: where the VPCs' routers meet vpclab's region namespace (the internet and AWS's
        // public services), whose port is on the gateway chassis.
        add("Logical_Switch", "ls-edge", {{"other_config:subnet", plan_.edge_link.to_string()}});
        add("Logical_Switch_Port", "region", {{"switch", "ls-edge"}, {"addresses", "unknown"}});
    }
    for (const auto& s : m_.subnets()) subnet(s);
    instances();
    route_tables();
    security_groups();
    network_acls();
    public_addresses();
    std::sort(out_.region_routes.begin(), out_.region_routes.end());
    auto& rows = out_.rows;
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return std::tie(a.table, a.name) < std::tie(b.table, b.name); });
    return std::move(out_);
}

}  // namespace

std::string resolver_port_name(const std::string& subnet_id) { return "resolver-" + subnet_id; }
wire::MacAddress resolver_mac(const std::string& vpc_id) { return wire::MacAddress::locally_administered(stable_hash(vpc_id + "/resolver")); }
const Subnet* resolver_subnet(const VpcModel& model, const Vpc& vpc) {
    for (const auto& s : model.subnets())
        if (s.vpc_id == vpc.id && s.cidr.contains(vpc.cidr.network + 2)) return &s;
    return nullptr;
}

wire::MacAddress subnet_router_mac(const std::string& subnet_id) { return wire::MacAddress::locally_administered(stable_hash(subnet_id + "/router")); }

std::string chassis_name(int n) { return "vpclab-chassis-" + std::to_string(n); }

std::string ovsdb_string(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string ovn_identifier(const std::string& aws_id) {
    std::string out = aws_id;
    for (char& c : out)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.')) c = '_';
    if (!out.empty() && std::isdigit(static_cast<unsigned char>(out[0]))) out.insert(out.begin(), '_');
    return out;
}

std::string Northbound::text() const {
    std::string out;
    for (const auto& r : rows) {
        out += r.table + " " + r.name;
        for (const auto& [k, v] : r.columns) out += " " + k + "=" + (v.find_first_of(" \"") != std::string::npos || v.empty() ? ovsdb_string(v) : v);
        out += "\n";
    }
    return out;
}

const Row* Northbound::find(const std::string& table, const std::string& name) const {
    for (const auto& r : rows)
        if (r.table == table && r.name == name) return &r;
    return nullptr;
}

Northbound compile_northbound(const VpcModel& model, const Plan& plan) { return Builder(model, plan).build(); }

}  // namespace vpclab::routing::ovn
