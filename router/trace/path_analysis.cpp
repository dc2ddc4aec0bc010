// Path components and explanation codes from a dry run's steps (Reachability Analyzer's shapes).
#include "router/trace/path_analysis.hpp"

#include <algorithm>

#include "router/data_path/drop_log.hpp"
#include "routing/aws_account.hpp"
#include "routing/security_rules.hpp"

namespace vpclab::router {

using json = nlohmann::ordered_json;
using routing::format_ipv4;

std::string ec2_resource_arn(const routing::VpcModel& m, const std::string& id) {
    if (id.rfind("arn:", 0) == 0) return id;
    static const std::pair<const char*, const char*> types[] = {
        {"i-", "instance"},           {"eni-", "network-interface"},  {"sg-", "security-group"},   {"acl-", "network-acl"},
        {"rtb-", "route-table"},      {"subnet-", "subnet"},          {"vpc-", "vpc"},             {"igw-", "internet-gateway"},
        {"vpce-svc-", "vpc-endpoint-service"}, {"vpce-", "vpc-endpoint"}, {"pl-", "prefix-list"}, {"nip-", "network-insights-path"},
        {"nat-", "natgateway"}, {"pcx-", "vpc-peering-connection"}, {"tgw-attach-", "transit-gateway-attachment"},
        {"tgw-rtb-", "transit-gateway-route-table"}, {"tgw-", "transit-gateway"},
        {"nia-", "network-insights-analysis"}};
    for (const auto& [prefix, type] : types)
        if (id.rfind(prefix, 0) == 0) return "arn:aws:ec2:" + m.region() + ":" + routing::lab_account_id + ":" + type + "/" + id;
    return {};
}

namespace {

// AnalysisComponent: Id, Arn, and Name when the resource has a Name tag.
json component(const routing::VpcModel& m, const std::string& id, const routing::ResourceBase* r = nullptr) {
    json c{{"Id", id}, {"Arn", ec2_resource_arn(m, id)}};
    if (r)
        for (const auto& t : r->tags)
            if (t.key == "Name") c["Name"] = t.value;
    return c;
}

using routing::find_resource;

// AnalysisPacketHeader: the packet as it stands, addresses as /32 CIDRs, ports as one-port ranges.
json header(const PacketFacts& p) {
    json h{{"DestinationAddresses", {format_ipv4(p.destination) + "/32"}}};
    if (p.protocol == 6 || p.protocol == 17) h["DestinationPortRanges"] = {{{"From", p.destination_port}, {"To", p.destination_port}}};
    h["Protocol"] = std::to_string(p.protocol);
    h["SourceAddresses"] = {format_ipv4(p.source) + "/32"};
    if (p.protocol == 6 || p.protocol == 17) h["SourcePortRanges"] = {{{"From", p.source_port}, {"To", p.source_port}}};
    return h;
}

void apply_rewrite(const Step& s, PacketFacts& p) {
    if (s.verdict != Verdict::rewrite) return;
    (s.destination_side ? p.destination : p.source) = s.to_address;
    if (s.to_port) (s.destination_side ? p.destination_port : p.source_port) = s.to_port;
}

const routing::LoadBalancer* load_balancer_of_node(const routing::VpcModel& m, const routing::NetworkInterface* node) {
    if (!node) return nullptr;
    for (const auto& lb : m.load_balancers())
        if (std::find(lb.network_interface_ids.begin(), lb.network_interface_ids.end(), node->id) != lb.network_interface_ids.end()) return &lb;
    return nullptr;
}

// Reads one leg's steps as AWS's path components (and, for a drop, an explanation).
class LegReader {
public:
    LegReader(const routing::VpcModel& m, const routing::ForwardingSnapshot& snap) : m_(m), snap_(snap) {}

    json components = json::array();
    json explanation;  // null unless the leg was dropped

    void read(const TraceLeg& leg) {
        PacketFacts p = packet_facts(trace_frame(snap_, leg.sent));
        start(leg.sent.port, p);
        for (const Step& s : leg.steps) {
            step(s, p);
            apply_rewrite(s, p);
            if (s.verdict == Verdict::drop && explanation.is_null()) explanation = explain(s, p);
        }
    }

private:
    const routing::VpcModel& m_;
    const routing::ForwardingSnapshot& snap_;

    const routing::NetworkInterface* eni_on(routing::PortIndex port) const { return snap_.is_eni(port) ? m_.interface_on_port(port) : nullptr; }

    // The VPC endpoint a step names: by its slot, else the endpoint whose ENI the step was taken on.
    std::string endpoint_at(const Step& s) const {
        if (s.table != Step::none && !snap_.endpoint_id(s.table).empty()) return std::string(snap_.endpoint_id(s.table));
        if (const routing::NetworkInterface* e = eni_on(s.port))
            for (const auto& v : m_.vpc_endpoints())
                if (std::find(v.network_interface_ids.begin(), v.network_interface_ids.end(), e->id) != v.network_interface_ids.end()) return v.id;
        return {};
    }

    json& add(json c) {
        c["SequenceNumber"] = components.size() + 1;
        components.push_back(std::move(c));
        return components.back();
    }
    // Subnet and Vpc of the component's ENI.
    void place(json& c, const routing::NetworkInterface& e) const {
        c["Subnet"] = component(m_, e.subnet_id, find_resource(m_.subnets(), e.subnet_id));
        c["Vpc"] = component(m_, e.vpc_id, find_resource(m_.vpcs(), e.vpc_id));
    }
    json eni_component(const routing::NetworkInterface& e) const { return component(m_, e.id, &e); }
    const routing::InternetGateway* gateway_of(const std::string& vpc_id) const {
        for (const auto& g : m_.internet_gateways())
            if (g.attached_vpc_id == vpc_id) return &g;
        return nullptr;
    }

    void start(routing::PortIndex port, const PacketFacts& p) {
        if (const routing::NetworkInterface* e = eni_on(port)) {
            if (!e->instance_id.empty()) {
                json c{{"Component", component(m_, e->instance_id, find_resource(m_.instances(), e->instance_id))}, {"OutboundHeader", header(p)}};
                place(c, *e);
                add(std::move(c));
            }
            json c{{"Component", eni_component(*e)}};
            if (e->instance_id.empty()) c["OutboundHeader"] = header(p);
            place(c, *e);
            add(std::move(c));
            return;
        }
        // From the region: the internet gateway's or the gateway endpoint's step is the first component.
    }

    void step(const Step& s, const PacketFacts& before) {
        const routing::NetworkInterface* eni = eni_on(s.port);
        switch (s.stage) {
            case Stage::route: {
                if (s.verdict == Verdict::drop || !eni || s.entry == Step::none) return;
                const routing::RouteTable* t = m_.find_route_table(snap_.route_table_id(s.port));
                if (!t || s.entry >= t->routes.size()) return;
                json c{{"Component", component(m_, t->id, t)}, {"RouteTableRoute", route_json(*t, t->routes[s.entry])}};
                c["Vpc"] = component(m_, t->vpc_id, find_resource(m_.vpcs(), t->vpc_id));
                add(std::move(c));
                return;
            }
            case Stage::acl_in:
            case Stage::acl_out: {
                if (s.verdict == Verdict::drop) return;
                const routing::NetworkAcl* acl = routing::network_acl_by_key(m_, s.table);
                if (!acl) return;
                json c{{"AclRule", acl_rule_json(*acl, s)}, {"Component", component(m_, acl->id, acl)}};
                c["Vpc"] = component(m_, acl->vpc_id, find_resource(m_.vpcs(), acl->vpc_id));
                add(std::move(c));
                return;
            }
            case Stage::sg_egress:
            case Stage::sg_ingress: {
                if (s.verdict == Verdict::drop || !eni) return;
                const auto& origins = snap_.security_groups_of(s.port).origins;
                if (s.entry != Step::none && s.entry < origins.size()) {
                    const auto& o = origins[s.entry];
                    const routing::SecurityGroup* g = m_.find_security_group(o.group_id);
                    json c{{"Component", component(m_, o.group_id, g)}};
                    if (g) c["SecurityGroupRule"] = group_rule_json(*g, o.rule_id, s.stage == Stage::sg_ingress);
                    c["Vpc"] = component(m_, eni->vpc_id, find_resource(m_.vpcs(), eni->vpc_id));
                    add(std::move(c));
                } else if (s.group == GroupDecision::tracked && !eni->security_group_ids.empty()) {
                    // A reply the groups let back because they tracked its request: AWS names the group, no rule.
                    const std::string& id = eni->security_group_ids.front();
                    add({{"Component", component(m_, id, m_.find_security_group(id))}, {"Vpc", component(m_, eni->vpc_id, find_resource(m_.vpcs(), eni->vpc_id))}});
                }
                return;
            }
            case Stage::igw_nat: {
                if (s.verdict != Verdict::rewrite) return;
                const std::string id(snap_.internet_gateway_id(s.table));
                PacketFacts after = before;
                apply_rewrite(s, after);
                const routing::ResourceBase* g = find_resource(m_.internet_gateways(), id);
                json c{{"Component", component(m_, id, g)}, {"InboundHeader", header(before)}, {"OutboundHeader", header(after)}};
                if (const auto* igw = static_cast<const routing::InternetGateway*>(g); igw && !igw->attached_vpc_id.empty())
                    c["Vpc"] = component(m_, igw->attached_vpc_id, find_resource(m_.vpcs(), igw->attached_vpc_id));
                add(std::move(c));
                return;
            }
            case Stage::vpc_peering: {
                if (s.verdict != Verdict::pass) return;
                const routing::VpcPeeringConnection* p = find_resource(m_.vpc_peering_connections(), snap_.vpc_peering_id(s.table));
                if (p) add({{"Component", component(m_, p->id, p)}});
                return;
            }
            case Stage::transit_gateway: {
                // The attachment it entered by, the route table and its route, the attachment it leaves by.
                if (s.verdict != Verdict::pass) return;
                const routing::TransitGatewayVpcAttachment* in = attachment_at(s.port);
                const routing::TransitGatewayVpcAttachment* out = attachment_at(s.next);
                const routing::TransitGatewayRouteTable* t = find_resource(m_.transit_gateway_route_tables(), snap_.transit_gateway_route_table_id(s.table));
                if (!in || !out || !t || !eni) return;
                const json gateway = component(m_, in->transit_gateway_id, find_resource(m_.transit_gateways(), in->transit_gateway_id));
                json entered{{"Component", component(m_, in->id, in)}, {"TransitGateway", gateway}};
                place(entered, *eni);
                add(std::move(entered));
                const auto routes = m_.transit_gateway_routes(*t);
                json table{{"Component", component(m_, t->id, t)}, {"TransitGateway", gateway}};
                if (s.entry < routes.size()) table["TransitGatewayRouteTableRoute"] = tgw_route_json(routes[s.entry]);
                add(std::move(table));
                json left{{"Component", component(m_, out->id, out)}, {"TransitGateway", gateway}};
                if (const routing::NetworkInterface* e = eni_on(s.next)) place(left, *e);
                add(std::move(left));
                return;
            }
            case Stage::nat_gateway: {
                // The gateway as a path component, with the header it took in and the one it sent on.
                if (s.verdict != Verdict::rewrite) return;
                const routing::NatGateway* g = nat_gateway_at(s);
                if (!g) return;
                PacketFacts after = before;
                apply_rewrite(s, after);
                json c{{"Component", component(m_, g->id, g)}, {"InboundHeader", header(before)}, {"OutboundHeader", header(after)}};
                c["Subnet"] = component(m_, g->subnet_id, find_resource(m_.subnets(), g->subnet_id));
                c["Vpc"] = component(m_, g->vpc_id, find_resource(m_.vpcs(), g->vpc_id));
                add(std::move(c));
                return;
            }
            case Stage::gateway_endpoint:
            case Stage::interface_endpoint:
            case Stage::privatelink: {
                if (s.verdict == Verdict::drop) return;
                // PrivateLink carries the packet to the provider's load balancer node: its load balancer is next.
                if (s.stage == Stage::privatelink && s.verdict == Verdict::pass && s.next != routing::no_port) {
                    if (const routing::LoadBalancer* lb = load_balancer_of_node(m_, eni_on(s.next)))
                        add({{"Component", {{"Id", lb->id}, {"Arn", lb->id}, {"Name", lb->name}}},
                             {"Vpc", component(m_, lb->vpc_id, find_resource(m_.vpcs(), lb->vpc_id))}});
                    return;
                }
                const std::string id = endpoint_at(s);
                if (id.empty() || (!components.empty() && components.back()["Component"]["Id"] == id)) return;
                const routing::VpcEndpoint* e = nullptr;
                for (const auto& v : m_.vpc_endpoints())
                    if (v.id == id) e = &v;
                json c{{"Component", component(m_, id, e)}};
                if (e) {
                    c["ServiceName"] = e->service_name;
                    c["Vpc"] = component(m_, e->vpc_id, find_resource(m_.vpcs(), e->vpc_id));
                }
                add(std::move(c));
                return;
            }
            case Stage::load_balancer: {
                if (s.verdict != Verdict::rewrite || !s.destination_side) return;
                const routing::LoadBalancer* lb = load_balancer_of_node(m_, eni);
                if (!lb) return;
                json c{{"Component", {{"Id", lb->id}, {"Arn", lb->id}, {"Name", lb->name}}}};
                for (const auto& l : m_.listeners())
                    if (l.load_balancer_arn == lb->id && l.port == before.destination_port)
                        c["ElasticLoadBalancerListener"] = {{"Id", l.id}, {"Arn", l.id}};
                c["Vpc"] = component(m_, lb->vpc_id, find_resource(m_.vpcs(), lb->vpc_id));
                add(std::move(c));
                return;
            }
            case Stage::deliver: {
                const routing::NetworkInterface* to = eni_on(s.port);
                if (!to) return;
                json c{{"Component", eni_component(*to)}};
                place(c, *to);
                if (to->instance_id.empty()) c["InboundHeader"] = header(before);
                add(std::move(c));
                if (!to->instance_id.empty()) {
                    json i{{"Component", component(m_, to->instance_id, find_resource(m_.instances(), to->instance_id))}, {"InboundHeader", header(before)}};
                    place(i, *to);
                    add(std::move(i));
                }
                return;
            }
            default: return;
        }
    }

    // The transit gateway attachment whose ENI is on `port`, or nullptr.
    const routing::TransitGatewayVpcAttachment* attachment_at(routing::PortIndex port) const {
        return snap_.is_eni(port) ? find_resource(m_.transit_gateway_attachments(), snap_.transit_gateway_attachment_id(snap_.port(port).transit_gateway_attachment))
                                  : nullptr;
    }

    // TransitGatewayRouteTableRoute.
    json tgw_route_json(const routing::TransitGatewayRoute& r) const {
        json j{{"DestinationCidr", r.destination.to_string()}, {"State", m_.transit_gateway_route_state(r)}, {"RouteOrigin", r.propagated ? "propagated" : "static"}};
        if (!r.attachment_id.empty()) {
            j["AttachmentId"] = r.attachment_id;
            if (const auto* a = find_resource(m_.transit_gateway_attachments(), r.attachment_id)) j["ResourceId"] = a->vpc_id;
            j["ResourceType"] = "vpc";
        }
        return j;
    }

    // The NAT gateway a step of its stage names (its index), or nullptr.
    const routing::NatGateway* nat_gateway_at(const Step& s) const {
        return find_resource(m_.nat_gateways(), snap_.nat_gateway_id(s.table));
    }

    json route_json(const routing::RouteTable& t, const routing::Route& r) const {
        json j;
        if (r.to_prefix_list()) j["DestinationPrefixListId"] = r.destination_prefix_list_id;
        else j["DestinationCidr"] = r.destination.to_string();
        if (r.target_kind == routing::RouteTargetKind::network_interface) {
            if (!r.instance_id.empty()) j["InstanceId"] = r.instance_id;
            j["NetworkInterfaceId"] = r.target_id;
        } else if (r.target_kind == routing::RouteTargetKind::nat_gateway) {
            j["NatGatewayId"] = r.target_id;
        } else if (r.target_kind == routing::RouteTargetKind::vpc_peering) {
            j["VpcPeeringConnectionId"] = r.target_id;
        } else if (r.target_kind == routing::RouteTargetKind::transit_gateway) {
            j["TransitGatewayId"] = r.target_id;
        } else {
            j["GatewayId"] = r.target_id;
        }
        j["Origin"] = r.origin.empty() ? "CreateRoute" : r.origin;
        j["State"] = m_.route_is_blackhole(t, r) ? "blackhole" : "active";
        return j;
    }

    json acl_rule_json(const routing::NetworkAcl& acl, const Step& s) const {
        const bool egress = s.stage == Stage::acl_out;
        for (const auto& e : acl.entries)
            if (e.egress == egress && static_cast<std::uint32_t>(e.rule_number) == s.entry) {
                json j{{"Cidr", e.cidr.to_string()}, {"Egress", egress}};
                if (e.port_range) j["PortRange"] = {{"From", e.port_range->from}, {"To", e.port_range->to}};
                j["Protocol"] = e.protocol;
                j["RuleAction"] = e.allow ? "allow" : "deny";
                j["RuleNumber"] = e.rule_number;
                return j;
            }
        // The final "*" rule every ACL ends with (VPC User Guide, "Network ACL rules"): denies all.
        return {{"Cidr", "0.0.0.0/0"}, {"Egress", egress}, {"Protocol", "-1"}, {"RuleAction", "deny"}, {"RuleNumber", routing::network_acl_final_rule}};
    }

    json group_rule_json(const routing::SecurityGroup& g, const std::string& rule_id, bool inbound) const {
        for (const auto& r : inbound ? g.ingress : g.egress) {
            if (r.rule_id != rule_id) continue;
            json j;
            if (r.cidr) j["Cidr"] = r.cidr->to_string();
            j["Direction"] = inbound ? "ingress" : "egress";
            if (!r.source_group_id.empty()) j["SecurityGroupId"] = r.source_group_id;
            if (r.ip_protocol == "tcp" || r.ip_protocol == "udp") j["PortRange"] = {{"From", r.from_port}, {"To", r.to_port}};
            if (!r.prefix_list_id.empty()) j["PrefixListId"] = r.prefix_list_id;
            j["Protocol"] = r.ip_protocol;
            return j;
        }
        return {{"Direction", inbound ? "ingress" : "egress"}, {"SecurityGroupId", g.id}};
    }

    // The explanation of a drop, with the code the Reachability Analyzer Guide's "explanation codes" page gives it.
    json explain(const Step& s, const PacketFacts& p) const {
        const routing::NetworkInterface* eni = eni_on(s.port);
        json x;
        auto code = [&x](const char* c) { x["ExplanationCode"] = c; };
        auto located = [&](const routing::NetworkInterface& e) {
            x["Subnet"] = component(m_, e.subnet_id, find_resource(m_.subnets(), e.subnet_id));
            x["Vpc"] = component(m_, e.vpc_id, find_resource(m_.vpcs(), e.vpc_id));
        };
        switch (s.reason) {
            case DropReason::no_route:
            case DropReason::internet_gateway_detached: {
                const routing::RouteTable* t = eni ? m_.find_route_table(snap_.route_table_id(s.port)) : nullptr;
                if (!t) break;
                x["Component"] = component(m_, t->id, t);
                if (s.reason == DropReason::no_route) {
                    code("NO_ROUTE_TO_DESTINATION");  // "The route table does not have an applicable route to the destination resource."
                    x["Address"] = format_ipv4(p.destination);
                } else {
                    code("BAD_STATE_ROUTE");  // "This route is not in a functional state": its gateway is detached (blackhole)
                    if (s.entry != Step::none && s.entry < t->routes.size()) {
                        x["RouteTableRoute"] = route_json(*t, t->routes[s.entry]);
                        x["State"] = "blackhole";
                    }
                }
                x["RouteTable"] = component(m_, t->id, t);
                if (eni) located(*eni);
                return x;
            }
            case DropReason::network_acl_inbound:
            case DropReason::network_acl_outbound: {
                const routing::NetworkAcl* acl = routing::network_acl_by_key(m_, s.table);
                if (!acl) break;
                code("SUBNET_ACL_RESTRICTION");
                x["Acl"] = component(m_, acl->id, acl);
                x["AclRule"] = acl_rule_json(*acl, s);
                x["Component"] = component(m_, acl->id, acl);
                x["Direction"] = s.reason == DropReason::network_acl_inbound ? "ingress" : "egress";
                if (eni) located(*eni);
                return x;
            }
            case DropReason::security_group_egress:
            case DropReason::security_group_ingress: {
                if (!eni) break;
                const bool inbound = s.reason == DropReason::security_group_ingress;
                // SG_HAS_NO_RULES when none of the groups has a rule that way; else no rule that applies.
                bool any_rule = false;
                json groups = json::array();
                for (const auto& id : eni->security_group_ids) {
                    const routing::SecurityGroup* g = m_.find_security_group(id);
                    groups.push_back(component(m_, id, g));
                    any_rule = any_rule || (g && !(inbound ? g->ingress : g->egress).empty());
                }
                code(any_rule ? "ENI_SG_RULES_MISMATCH" : "SG_HAS_NO_RULES");
                x["Component"] = eni_component(*eni);
                x["Direction"] = inbound ? "ingress" : "egress";
                x["NetworkInterface"] = eni_component(*eni);
                x["SecurityGroups"] = groups;
                located(*eni);
                return x;
            }
            case DropReason::source_dest_check_source:
            case DropReason::source_dest_check_destination: {
                if (!eni) break;
                // The source side: "no traffic unless the source matches its private IP"; the destination side:
                // an ENI that checks rejects inbound traffic not addressed to it.
                code(s.reason == DropReason::source_dest_check_source ? "ENI_ADDRESS_RESTRICTION" : "ENI_SOURCE_DEST_CHECK_RESTRICTION");
                const routing::NetworkInterface* checked = s.reason == DropReason::source_dest_check_destination && snap_.is_eni(s.next) ? eni_on(s.next) : eni;
                if (!checked) checked = eni;
                x["Component"] = eni_component(*checked);
                x["NetworkInterface"] = eni_component(*checked);
                located(*checked);
                return x;
            }
            case DropReason::no_public_ip:
            case DropReason::no_such_public_ip: {
                const bool egress = s.reason == DropReason::no_public_ip;
                const routing::InternetGateway* g = nullptr;
                if (eni) g = gateway_of(eni->vpc_id);
                if (!g && s.table != Step::none) {
                    const std::string id(snap_.internet_gateway_id(s.table));
                    for (const auto& i : m_.internet_gateways())
                        if (i.id == id) g = &i;
                }
                code(egress ? "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS" : "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS");
                if (g) {
                    x["Component"] = component(m_, g->id, g);
                    x["InternetGateway"] = component(m_, g->id, g);
                }
                x["Address"] = format_ipv4(egress ? p.source : p.destination);
                if (egress && eni) {
                    x["NetworkInterface"] = eni_component(*eni);
                    located(*eni);
                }
                return x;
            }
            case DropReason::privatelink_not_accepted: {
                const std::string id = endpoint_at(s);
                if (id.empty()) break;
                code("BAD_STATE");  // "This component is not in a functional state"
                x["Component"] = component(m_, id, find_resource(m_.vpc_endpoints(), id));
                x["VpcEndpoint"] = x["Component"];
                for (const auto& e : m_.vpc_endpoints())
                    if (e.id == id) x["State"] = e.state;
                return x;
            }
            case DropReason::load_balancer_no_listener:
            case DropReason::load_balancer_no_target: {
                const routing::LoadBalancer* lb = load_balancer_of_node(m_, eni);
                if (!lb) break;
                const bool no_listener = s.reason == DropReason::load_balancer_no_listener;
                // "This load balancer does not have a listener that accepts the traffic"; "This listener is
                // associated with target groups that have no targets"; the load balancer "does not have
                // targets in the specified Availability Zones" (registered ones, but none the node may use).
                bool registered = false;
                for (const auto& l : m_.listeners())
                    if (l.load_balancer_arn == lb->id && l.port == p.destination_port)
                        for (const auto& g : m_.target_groups())
                            if (g.id == l.target_group_arn) registered = registered || !g.targets.empty();
                code(no_listener ? "ELBV2_LISTENERS_MISMATCH" : registered ? "ELBV2_NO_TARGETS_IN_AZ" : "ELBV2_LISTENER_HAS_NO_TG");
                x["Component"] = {{"Id", lb->id}, {"Arn", lb->id}, {"Name", lb->name}};
                x["LoadBalancerArn"] = lb->id;
                x["LoadBalancerListenerPort"] = p.destination_port;
                return x;
            }
            case DropReason::peering_not_transitive: {
                // The connection reaches the peer VPC's addresses only: nothing there takes the packet.
                const routing::VpcPeeringConnection* pcx = find_resource(m_.vpc_peering_connections(), snap_.vpc_peering_id(s.table));
                if (!pcx) break;
                code("NO_POSSIBLE_DESTINATION");
                x["Component"] = component(m_, pcx->id, pcx);
                x["VpcPeeringConnection"] = x["Component"];
                x["Address"] = format_ipv4(p.destination);
                return x;
            }
            case DropReason::transit_gateway_no_route:
            case DropReason::transit_gateway_blackhole:
            case DropReason::transit_gateway_not_associated: {
                const routing::TransitGatewayVpcAttachment* in = attachment_at(s.port);
                if (!in) break;
                const json gateway = component(m_, in->transit_gateway_id, find_resource(m_.transit_gateways(), in->transit_gateway_id));
                const routing::TransitGatewayRouteTable* t = find_resource(m_.transit_gateway_route_tables(), snap_.transit_gateway_route_table_id(s.table));
                x["TransitGateway"] = gateway;
                x["TransitGatewayAttachment"] = component(m_, in->id, in);
                if (!t) {  // "The attachment between these components is not in a functional state": no route table
                    code("BAD_STATE_ATTACHMENT");
                    x["Component"] = x["TransitGatewayAttachment"];
                    return x;
                }
                x["Component"] = component(m_, t->id, t);
                x["TransitGatewayRouteTable"] = x["Component"];
                if (s.reason == DropReason::transit_gateway_blackhole) {
                    code("BAD_STATE_ROUTE");  // "This route is not in a functional state"
                    const auto routes = m_.transit_gateway_routes(*t);
                    if (s.entry < routes.size()) x["TransitGatewayRouteTableRoute"] = tgw_route_json(routes[s.entry]);
                    x["State"] = "blackhole";
                } else {
                    code("NO_ROUTE_TO_DESTINATION");  // "The route table does not have an applicable route to the destination resource."
                    x["Address"] = format_ipv4(p.destination);
                }
                return x;
            }
            case DropReason::transit_gateway_no_subnet_in_zone: {
                // The VPC's attachment reaches no subnet of the sender's zone: the VPC route has nowhere to go.
                const routing::TransitGatewayVpcAttachment* a =
                    find_resource(m_.transit_gateway_attachments(), snap_.transit_gateway_attachment_id(s.table));
                if (!a || !eni) break;
                code("NO_ROUTE_TO_DESTINATION");
                x["Component"] = component(m_, a->id, a);
                x["TransitGatewayAttachment"] = x["Component"];
                x["AvailabilityZones"] = {m_.subnet(eni->subnet_id).availability_zone};
                located(*eni);
                return x;
            }
            case DropReason::nat_gateway_protocol:
            case DropReason::nat_gateway_fragment:
            case DropReason::nat_gateway_unsolicited:
            case DropReason::nat_gateway_idle_reset:
            case DropReason::nat_gateway_reset_discarded:
            case DropReason::nat_gateway_port_allocation:
            case DropReason::nat_gateway_table_full: {
                const routing::NetworkInterface* at = eni;
                const routing::NatGateway* g = nullptr;
                for (const auto& n : m_.nat_gateways())
                    if (at && n.network_interface_id == at->id) g = &n;
                if (!g) break;
                // "This component only accepts traffic with specific protocols" (TCP, UDP, ICMP); otherwise
                // nothing behind the gateway takes the packet (it takes no connection it did not open from
                // inside), as the default explanation below says of an address nothing holds.
                code(s.reason == DropReason::nat_gateway_protocol ? "PROTOCOL_RESTRICTION" : "NO_POSSIBLE_DESTINATION");
                x["Component"] = component(m_, g->id, g);
                x["NatGateway"] = x["Component"];
                if (s.reason == DropReason::nat_gateway_protocol) x["Protocols"] = {"tcp", "udp", "icmp"};
                located(*at);
                return x;
            }
            case DropReason::interface_endpoint_port_closed:
            case DropReason::privatelink_not_tcp: {
                code("PROTOCOL_RESTRICTION");  // "This component only accepts traffic with specific protocols"
                const std::string id = endpoint_at(s);
                x["Component"] = !id.empty() ? component(m_, id, find_resource(m_.vpc_endpoints(), id)) : (eni ? eni_component(*eni) : json());
                x["Protocols"] = {"tcp"};
                return x;
            }
            default: break;
        }
        // Nothing of the path takes the packet: no ENI holds the address, or it is one AWS reserves.
        code("NO_POSSIBLE_DESTINATION");
        x["Address"] = format_ipv4(p.destination);
        if (eni) {
            x["Component"] = eni_component(*eni);
            located(*eni);
        }
        return x;
    }
};

bool reached(const TraceLeg& leg, const routing::ForwardingSnapshot& snap, const PathDestination& to) {
    if (!leg.delivered) return false;
    auto crossed = [&](Stage stage) {
        return std::any_of(leg.steps.begin(), leg.steps.end(), [&](const Step& s) { return s.stage == stage && s.verdict != Verdict::drop; });
    };
    auto endpoint_crossed = [&] {
        return std::any_of(leg.steps.begin(), leg.steps.end(), [&](const Step& s) {
            return (s.stage == Stage::gateway_endpoint || s.stage == Stage::interface_endpoint || s.stage == Stage::privatelink) &&
                   s.verdict != Verdict::drop && s.table != Step::none && snap.endpoint_id(s.table) == to.id;
        });
    };
    switch (to.kind) {
        case PathDestination::Kind::address: return true;
        case PathDestination::Kind::network_interface: return leg.delivered_to == to.port;
        case PathDestination::Kind::internet_gateway: return leg.delivered_to == snap.service_ports().region && crossed(Stage::igw_nat);
        case PathDestination::Kind::vpc_endpoint: return endpoint_crossed();
        case PathDestination::Kind::load_balancer: return crossed(Stage::load_balancer) || crossed(Stage::privatelink);
    }
    return false;
}

}  // namespace

PathFindings path_findings(const routing::VpcModel& m, const routing::ForwardingSnapshot& snap, const DryRun& run, const PathDestination& to) {
    PathFindings f;
    LegReader forward(m, snap);
    forward.read(run.forward);
    f.forward = std::move(forward.components);
    if (!forward.explanation.is_null()) {
        f.explanations.push_back(std::move(forward.explanation));
        return f;
    }
    // Delivered, but to something other than the path's destination, or where nothing answers (no ENI, the
    // region or the resolver): nothing on the way takes it there.
    if (!reached(run.forward, snap, to) || !run.reply_sent) {
        f.explanations.push_back({{"ExplanationCode", "NO_POSSIBLE_DESTINATION"}, {"Address", format_ipv4(run.forward.arrived.destination)}});
        return f;
    }
    LegReader back(m, snap);
    back.read(run.reply);
    f.back = std::move(back.components);
    if (!back.explanation.is_null()) {
        f.explanations.push_back(std::move(back.explanation));
        return f;
    }
    f.found = run.reply.delivered && run.reply.delivered_to == run.forward.sent.port;
    return f;
}

}  // namespace vpclab::router
