// Rendering steps with the AWS resources behind them, and the fix a drop asks for.
#include "router/trace/step_text.hpp"

#include "router/data_path/drop_log.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"
#include "wire/l4.hpp"
#include "wire/vnet_header.hpp"

namespace vpclab::router {

using json = nlohmann::ordered_json;
using routing::format_ipv4;

void read_facts(PacketFacts& p, std::uint32_t source, std::uint32_t destination, const wire::TransportRepr& l4) noexcept {
    p.ipv4 = true;
    p.protocol = l4.protocol;
    p.source = source;
    p.destination = destination;
    p.source_port = l4.port(false);
    p.destination_port = l4.port(true);
    p.tcp_flags = l4.tcp_flags;
    p.icmp_type = l4.icmp_type_known ? l4.icmp_type : 0;
    p.icmp_code = l4.icmp_type_known ? l4.icmp_code : 0;
}

PacketFacts facts_of(std::uint32_t source, std::uint32_t destination, const wire::TransportRepr& l4) {
    PacketFacts p;
    read_facts(p, source, destination, l4);
    return p;
}

PacketFacts facts_of(const EdgePacket& e) { return e.ipv4 ? facts_of(e.source, e.destination, e.l4) : PacketFacts{}; }

PacketFacts packet_facts(wire::ConstBytes frame) {
    constexpr std::size_t ip_at = wire::VnetHeader::length + wire::EthernetView::header_length;
    if (frame.size() < ip_at + 20 || wire::load_be16(frame.data() + ip_at - 2) != static_cast<std::uint16_t>(wire::EtherType::ipv4)) return {};
    const std::uint8_t* ip = frame.data() + ip_at;
    const std::size_t ihl = static_cast<std::size_t>(ip[0] & 0x0f) * 4;
    if ((ip[0] >> 4) != 4 || ihl < 20 || frame.size() < ip_at + ihl) return {};
    // What follows the header, to the frame's end (these frames come from the router: their lengths agree).
    const wire::ConstBytes l4(ip + ihl, frame.size() - ip_at - ihl);
    const bool first_fragment = (wire::load_be16(ip + 6) & 0x1fff) == 0;
    return facts_of(wire::load_be32(ip + 12), wire::load_be32(ip + 16), wire::TransportRepr::parse(ip[9], first_fragment, l4));
}

namespace {

std::string tcp_flags_text(std::uint8_t f) {
    std::string out;
    using namespace wire::tcp_flags;
    const std::pair<std::uint8_t, const char*> names[] = {{syn, "SYN"}, {ack, "ACK"}, {fin, "FIN"}, {rst, "RST"}, {psh, "PSH"}};
    for (const auto& [bit, name] : names)
        if (f & bit) out += (out.empty() ? "" : ",") + std::string(name);
    return out;
}

std::string icmp_text(std::uint8_t type) {
    switch (type) {
        case 0: return "echo-reply";
        case 3: return "destination-unreachable";
        case 8: return "echo-request";
        case 11: return "time-exceeded";
        default: return "type " + std::to_string(type);
    }
}

// "jh-EC2" when the resource has a Name tag other than its ID.
std::string named(const routing::ResourceBase& r) { return r.display_name() == r.id ? r.id : r.id + " (" + r.display_name() + ")"; }

const routing::NetworkInterface* eni_on(const routing::VpcModel& m, const routing::ForwardingSnapshot& snap, routing::PortIndex port) {
    return snap.is_eni(port) ? m.interface_on_port(port) : nullptr;
}

// "a rule for tcp 22 from 10.0.0.4/32": what the packet needs, as the console's rule editor asks it.
std::string rule_needed(const PacketFacts& p, bool inbound) {
    const std::uint32_t peer = inbound ? p.source : p.destination;
    std::string what = p.protocol == 6 || p.protocol == 17 ? (p.protocol == 6 ? "tcp " : "udp ") + std::to_string(p.destination_port)
                       : p.protocol == 1                   ? "icmp " + icmp_text(p.icmp_type)
                                                           : "protocol " + std::to_string(p.protocol);
    return what + (inbound ? " from " : " to ") + format_ipv4(peer) + "/32";
}

std::string groups_of(const routing::VpcModel& m, const routing::NetworkInterface& eni) {
    std::string out;
    for (const auto& id : eni.security_group_ids) {
        const routing::SecurityGroup* g = m.find_security_group(id);
        out += (out.empty() ? "" : ", ") + (g ? named(*g) : id);
    }
    return out.empty() ? "no security groups" : out;
}

// The transit gateway route table a transit_gateway step names (by its snapshot index), and the route in it.
const routing::TransitGatewayRouteTable* tgw_table_of(const routing::VpcModel& m, const routing::ForwardingSnapshot& snap, std::uint32_t table) {
    const std::string_view id = snap.transit_gateway_route_table_id(table);
    for (const auto& t : m.transit_gateway_route_tables())
        if (!id.empty() && t.id == id) return &t;
    return nullptr;
}

// The attachment whose ENI is on `port` (an attachment's ENI), or nullptr.
const routing::TransitGatewayVpcAttachment* attachment_on(const routing::VpcModel& m, const routing::ForwardingSnapshot& snap, routing::PortIndex port) {
    const routing::NetworkInterface* eni = eni_on(m, snap, port);
    if (eni && eni->interface_type == "transit_gateway")
        for (const auto& a : m.transit_gateway_attachments())
            for (const auto& id : a.network_interface_ids)
                if (id == eni->id) return &a;
    return nullptr;
}

// What a person changes so that the packet passes where it was dropped.
std::string fix_for(const routing::VpcModel& m, const routing::ForwardingSnapshot& snap, const Step& s, const PacketFacts& p) {
    const routing::NetworkInterface* eni = eni_on(m, snap, s.port);
    switch (s.reason) {
        case DropReason::no_route: {
            const routing::RouteTable* table = snap.is_eni(s.port) ? m.find_route_table(snap.route_table_id(s.port)) : nullptr;
            if (!table) break;
            // An AWS service with gateway endpoints (S3, DynamoDB): through the VPC's endpoint, or a new one
            // (VPC User Guide, "Gateway endpoints"); anything else through the internet gateway, which needs a
            // public IP on the sender (VPC User Guide, "Enable internet access").
            for (const auto& offer : m.services()) {
                if (!offer.gateway || !offer.block.contains(p.destination)) continue;
                for (const auto& e : m.vpc_endpoints())
                    if (e.vpc_id == table->vpc_id && !e.interface() && e.service_name == offer.service_name)
                        return "add a route to " + e.prefix_list_id + " via " + e.id + " in route table " + named(*table) +
                               " (modify-vpc-endpoint --vpc-endpoint-id " + e.id + " --add-route-table-ids " + table->id + ")";
                return "create a gateway endpoint for " + offer.service_name + " with route table " + named(*table) +
                       " (create-vpc-endpoint --vpc-id " + table->vpc_id + " --service-name " + offer.service_name + " --route-table-ids " +
                       table->id + "), or route through an internet gateway from an instance with a public IP";
            }
            // VPC User Guide, "NAT gateways": an instance without a public IP reaches the internet through one.
            for (const auto& g : m.nat_gateways())
                if (g.vpc_id == table->vpc_id && g.available() && eni && !eni->public_ip && eni->subnet_id != g.subnet_id)
                    return "add a route to 0.0.0.0/0 via " + named(g) + " in route table " + named(*table) + " (create-route --route-table-id " + table->id +
                           " --destination-cidr-block 0.0.0.0/0 --nat-gateway-id " + g.id + ")";
            for (const auto& g : m.internet_gateways())
                if (g.attached_vpc_id == table->vpc_id)
                    return "add a route to 0.0.0.0/0 via " + named(g) + " in route table " + named(*table) +
                           (eni && !eni->public_ip ? " (and give " + eni->id + " a public IP: it has none)" : std::string());
            return "add a route for " + format_ipv4(p.destination) + " in route table " + named(*table) + " (the VPC has no internet gateway attached)";
        }
        case DropReason::security_group_ingress:
        case DropReason::security_group_egress: {
            if (!eni) break;
            const bool inbound = s.reason == DropReason::security_group_ingress;
            const std::string group = eni->security_group_ids.empty() ? std::string("a security group of ") + eni->id
                                      : [&] {
                                            const routing::SecurityGroup* g = m.find_security_group(eni->security_group_ids.front());
                                            return g ? named(*g) : eni->security_group_ids.front();
                                        }();
            return "allow " + rule_needed(p, inbound) + " in " + group + (inbound ? " inbound" : " outbound");
        }
        case DropReason::network_acl_inbound:
        case DropReason::network_acl_outbound: {
            const routing::NetworkAcl* acl = routing::network_acl_by_key(m, s.table);
            if (!acl) break;
            const bool inbound = s.reason == DropReason::network_acl_inbound;
            const std::string number = s.entry == routing::network_acl_final_rule ? "*" : std::to_string(s.entry);
            return "add an " + std::string(inbound ? "inbound" : "outbound") + " rule allowing " + rule_needed(p, inbound) +
                   " numbered below " + number + " in network ACL " + named(*acl) +
                   (inbound ? "" : " (and let the replies in: ephemeral ports 1024-65535 inbound)");
        }
        case DropReason::peering_not_transitive: {
            // VPC Peering Guide, "Unsupported VPC peering configurations".
            const std::string pcx(snap.vpc_peering_id(s.table));
            for (const auto& v : m.vpcs())
                if (v.cidr.contains(p.destination) && (!eni || v.id != eni->vpc_id))
                    return "peering is not transitive: peer " + (eni ? eni->vpc_id : std::string("this VPC")) + " with " + named(v) +
                           " directly (create-vpc-peering-connection), and route " + v.cidr.to_string() + " to that connection";
            return "a peering connection" + (pcx.empty() ? std::string() : " (" + pcx + ")") +
                   " reaches the peer VPC's own addresses only: not its internet gateway, NAT gateway or gateway endpoint";
        }
        case DropReason::transit_gateway_no_route:
        case DropReason::transit_gateway_blackhole:
        case DropReason::transit_gateway_not_associated: {
            const routing::TransitGatewayVpcAttachment* in = attachment_on(m, snap, s.port);
            const routing::TransitGatewayRouteTable* table = tgw_table_of(m, snap, s.table);
            if (s.reason == DropReason::transit_gateway_not_associated)
                return in ? "associate " + named(*in) + " with a transit gateway route table (associate-transit-gateway-route-table --transit-gateway-attachment-id " +
                                in->id + " --transit-gateway-route-table-id …)"
                          : std::string("associate the attachment with a transit gateway route table");
            if (!table) break;
            // The attachment of the VPC holding the destination, if the transit gateway has one.
            std::string to;
            for (const auto& a : m.transit_gateway_attachments())
                if (a.transit_gateway_id == table->transit_gateway_id)
                    for (const auto& v : m.vpcs())
                        if (v.id == a.vpc_id && v.cidr.contains(p.destination)) to = a.id;
            const std::string how = to.empty() ? "to the attachment that leads to " + format_ipv4(p.destination)
                                               : "to " + to + " (enable-transit-gateway-route-table-propagation --transit-gateway-route-table-id " + table->id +
                                                     " --transit-gateway-attachment-id " + to + ", or create-transit-gateway-route)";
            if (s.reason == DropReason::transit_gateway_blackhole)
                return "the matching route of transit gateway route table " + named(*table) + " is a blackhole" +
                       (to.empty() ? std::string() : ": if this traffic should pass, replace-transit-gateway-route --transit-gateway-route-table-id " +
                                                         table->id + " --destination-cidr-block … --transit-gateway-attachment-id " + to) +
                       " (a static route beats a propagated one; a blackhole refuses as designed)";
            return "add a route for " + format_ipv4(p.destination) + " in transit gateway route table " + named(*table) + " " + how +
                   " (an isolated attachment's table holds only the routes it may use)";
        }
        case DropReason::transit_gateway_no_subnet_in_zone: {
            const routing::Subnet* sender = eni ? &m.subnet(eni->subnet_id) : nullptr;
            const std::string attachment(snap.transit_gateway_attachment_id(s.table));
            return "add a subnet in " + (sender ? sender->availability_zone : std::string("the sender's zone")) + " to " + attachment +
                   " (modify-transit-gateway-vpc-attachment --transit-gateway-attachment-id " + attachment + " --add-subnet-ids …)";
        }
        case DropReason::transit_gateway_mtu:
            return "send at most 8500 bytes per packet across a transit gateway (ip link set dev eth0 mtu 8500, or let path MTU discovery lower it)";
        case DropReason::nat_gateway_unsolicited:
            return "a NAT gateway takes no connection from outside (VPC User Guide, \"NAT gateways\"): serve from a public subnet with a public IP, or "
                   "behind an internet-facing load balancer";
        case DropReason::nat_gateway_idle_reset:
            return "keep the connection alive (TCP keepalive under 350 s), or open a new one";
        case DropReason::nat_gateway_reset_discarded:
            return "nothing to mend: the connection this RST ends had already ended at the NAT gateway";
        case DropReason::nat_gateway_fragment:
            return "send TCP and ICMP through a NAT gateway unfragmented (it forwards fragments of UDP only)";
        case DropReason::no_public_ip:
            if (eni && eni->interface_type == "nat_gateway")
                return "a private NAT gateway has no Elastic IP: the internet gateway drops its traffic (use a public NAT gateway for the internet)";
            if (eni && eni->interface_type == "transit_gateway")
                return "what a transit gateway brings from another VPC has no public IP: route 0.0.0.0/0 from the attachment's subnet to a public NAT "
                       "gateway in this VPC (centralized egress), not straight to the internet gateway";
            if (eni) return "associate an Elastic IP with " + eni->id + " (or launch into a subnet that maps public IPs on launch)";
            break;
        case DropReason::internet_gateway_detached:
            if (eni) return "attach an internet gateway to " + eni->vpc_id + ", or point the route at one that is attached";
            break;
        case DropReason::no_internet_host:
            return "nothing answers at " + format_ipv4(p.destination) + " beyond the internet gateway: the lab has no real internet (see `vpclab exec region ip -4 addr`)";
        case DropReason::privatelink_not_accepted:
            return "the endpoint service's owner accepts the endpoint connection (accept-vpc-endpoint-connections)";
        case DropReason::load_balancer_no_target:
            return "register a running target in the listener's target group, in the node's Availability Zone or with cross-zone load balancing on";
        case DropReason::load_balancer_no_listener:
            return "add a listener for " + protocol_name(p.protocol) + " " + std::to_string(p.destination_port) + " to the load balancer";
        case DropReason::dns_disabled:
            return "turn enableDnsSupport on for the VPC (modify-vpc-attribute --enable-dns-support)";
        default: break;
    }
    return description_of(s.reason);
}

}  // namespace

std::string describe(const PacketFacts& p) {
    if (!p.ipv4) return "not IPv4";
    std::string from = format_ipv4(p.source), to = format_ipv4(p.destination);
    if (p.protocol == 6 || p.protocol == 17) {
        from += ":" + std::to_string(p.source_port);
        to += ":" + std::to_string(p.destination_port);
    }
    std::string out = protocol_name(p.protocol) + (p.protocol == 1 ? " " + icmp_text(p.icmp_type) : "") + " " + from + " → " + to;
    if (p.protocol == 6 && p.tcp_flags) out += " [" + tcp_flags_text(p.tcp_flags) + "]";
    return out;
}

std::string port_name(const routing::VpcModel& m, const routing::ForwardingSnapshot& snap, routing::PortIndex port) {
    if (port == snap.service_ports().region) return "the region";
    if (port == snap.service_ports().resolver) return "the VPC resolver";
    const routing::NetworkInterface* eni = eni_on(m, snap, port);
    if (!eni) return "port " + std::to_string(port);
    std::string owner;
    if (!eni->instance_id.empty()) owner = m.instance(eni->instance_id).display_name();
    else if (eni->interface_type == "vpc_endpoint") owner = "endpoint ENI";
    else if (eni->interface_type == "network_load_balancer") owner = "load balancer node";
    else if (eni->interface_type == "nat_gateway")
        for (const auto& g : m.nat_gateways())
            if (g.network_interface_id == eni->id) owner = "NAT gateway " + named(g);
    if (const routing::TransitGatewayVpcAttachment* a = attachment_on(m, snap, port))
        owner = "transit gateway attachment " + named(*a) + " in " + m.subnet(eni->subnet_id).availability_zone;
    return eni->id + " (" + (owner.empty() ? "not attached" : owner) + ", " + format_ipv4(eni->private_ip) + ")";
}

json step_json(const routing::VpcModel& m, const routing::ForwardingSnapshot& snap, const Step& s, PacketFacts& packet) {
    json j{{"Stage", name_of(s.stage)}, {"Verdict", name_of(s.verdict)}, {"Port", port_name(m, snap, s.port)}};
    std::string detail;
    switch (s.stage) {
        case Stage::edge: detail = describe(packet) + " from " + port_name(m, snap, s.port); break;
        case Stage::arp: detail = s.verdict == Verdict::answer ? "ARP request answered by the VPC router" : "ARP"; break;
        case Stage::route:
        case Stage::source_dest_check: {
            const routing::RouteTable* table = snap.is_eni(s.port) ? m.find_route_table(snap.route_table_id(s.port)) : nullptr;
            if (s.outcome == routing::Outcome::to_resolver) {
                detail = "to the Amazon-provided DNS server or instance metadata, whatever the routes say";
                break;
            }
            if (s.stage == Stage::source_dest_check) {
                detail = s.reason == DropReason::source_dest_check_source
                             ? "source " + format_ipv4(packet.source) + " is not the ENI's address and its source/destination check is on"
                             : "routed to an ENI that is not " + format_ipv4(packet.destination) + " and checks its destination";
                break;
            }
            if (!table) break;
            j["RouteTableId"] = table->id;
            detail = "route table " + named(*table);
            if (s.entry != Step::none && s.entry < table->routes.size()) {
                const routing::Route& r = table->routes[s.entry];
                json route{{r.to_prefix_list() ? "DestinationPrefixListId" : "DestinationCidrBlock", r.destination_text()}};
                route[r.target_kind == routing::RouteTargetKind::network_interface ? "NetworkInterfaceId"
                      : r.target_kind == routing::RouteTargetKind::nat_gateway     ? "NatGatewayId"
                      : r.target_kind == routing::RouteTargetKind::vpc_peering     ? "VpcPeeringConnectionId"
                      : r.target_kind == routing::RouteTargetKind::transit_gateway ? "TransitGatewayId"
                                                                                   : "GatewayId"] = r.target_id;
                route["State"] = m.route_is_blackhole(*table, r) ? "blackhole" : "active";
                j["Route"] = route;
                detail += ": route " + r.destination_text() + " → " + r.target_id;
            } else if (s.reason == DropReason::no_route) {
                detail += ": no route for " + format_ipv4(packet.destination);
            }
            if (s.verdict == Verdict::pass && s.next != routing::no_port) detail += ", to " + port_name(m, snap, s.next);
            if (s.verdict == Verdict::drop && s.reason != DropReason::no_route) detail += ": " + std::string(description_of(s.reason));
            break;
        }
        case Stage::acl_in:
        case Stage::acl_out: {
            const routing::NetworkAcl* acl = routing::network_acl_by_key(m, s.table);
            if (!acl) break;
            j["NetworkAclId"] = acl->id;
            j["RuleNumber"] = s.entry == routing::network_acl_final_rule ? json("*") : json(s.entry);
            j["RuleAction"] = s.verdict == Verdict::pass ? "allow" : "deny";
            detail = acl_rule_name(*acl, static_cast<std::uint16_t>(s.entry)) + (s.verdict == Verdict::pass ? " allows it" : " denies it");
            break;
        }
        case Stage::sg_ingress:
        case Stage::sg_egress: {
            const routing::NetworkInterface* eni = eni_on(m, snap, s.port);
            const bool inbound = s.stage == Stage::sg_ingress;
            if (eni) j["SecurityGroupIds"] = eni->security_group_ids;
            const auto* origins = snap.is_eni(s.port) ? &snap.security_groups_of(s.port).origins : nullptr;
            if (origins && s.entry != Step::none && s.entry < origins->size()) {
                const auto& o = (*origins)[s.entry];
                j["SecurityGroupId"] = o.group_id;
                j["SecurityGroupRuleId"] = o.rule_id;
                const routing::SecurityGroup* g = m.find_security_group(o.group_id);
                std::string rule_text;
                if (g)
                    for (const auto& r : inbound ? g->ingress : g->egress)
                        if (r.rule_id == o.rule_id) rule_text = " (" + r.describe() + ")";
                detail = "allowed by " + o.rule_id + rule_text + " of " + (g ? named(*g) : o.group_id);
                if (s.group == GroupDecision::untracked) detail += ", untracked (all traffic allowed both ways)";
                if (s.group == GroupDecision::table_full) detail += ", but the ENI's share of the connection tracking table is full";
            } else if (s.group == GroupDecision::tracked) {
                detail = "part of a tracked connection: allowed whatever the rules say now";
            } else {
                detail = std::string("no ") + (inbound ? "inbound" : "outbound") + " rule of " + (eni ? groups_of(m, *eni) : std::string("its groups")) +
                         " allows it, and it answers no tracked connection";
            }
            j["How"] = s.group == GroupDecision::tracked ? "tracked connection" : s.group == GroupDecision::denied ? "no rule" : "rule";
            break;
        }
        case Stage::deliver: detail = "to " + port_name(m, snap, s.port); break;
        case Stage::transit_gateway: {
            if (s.verdict == Verdict::answer) {
                detail = "ICMP fragmentation needed sent back (a transit gateway's MTU is 8500)";
                break;
            }
            const routing::TransitGatewayVpcAttachment* in = attachment_on(m, snap, s.port);
            if (!in) break;
            j["TransitGatewayId"] = in->transit_gateway_id;
            j["TransitGatewayAttachmentId"] = in->id;
            detail = "transit gateway " + in->transit_gateway_id + ", entered by " + named(*in);
            const routing::TransitGatewayRouteTable* table = tgw_table_of(m, snap, s.table);
            if (!table) break;  // not associated: its drop says so
            j["TransitGatewayRouteTableId"] = table->id;
            detail += ": route table " + named(*table);
            const auto routes = m.transit_gateway_routes(*table);
            if (s.entry != Step::none && s.entry < routes.size()) {
                const routing::TransitGatewayRoute& r = routes[s.entry];
                json route{{"DestinationCidrBlock", r.destination.to_string()}, {"Type", r.propagated ? "propagated" : "static"},
                           {"State", m.transit_gateway_route_state(r)}};
                if (!r.attachment_id.empty()) route["TransitGatewayAttachmentId"] = r.attachment_id;
                j["TransitGatewayRoute"] = route;
                detail += ", route " + r.destination.to_string() + " → " + (r.blackhole ? std::string("blackhole") : r.attachment_id) + " (" +
                          (r.propagated ? "propagated" : "static") + ")";
            } else if (s.reason == DropReason::transit_gateway_no_route) {
                detail += ": no route for " + format_ipv4(packet.destination);
            }
            if (s.verdict == Verdict::pass && s.next != routing::no_port) detail += ", leaves by " + port_name(m, snap, s.next);
            break;
        }
        default: {
            if (s.verdict == Verdict::rewrite) {
                std::string who;
                if (s.stage == Stage::igw_nat && !snap.internet_gateway_id(s.table).empty()) who = std::string(snap.internet_gateway_id(s.table));
                if (s.stage == Stage::nat_gateway) who = std::string(snap.nat_gateway_id(s.table));
                if ((s.stage == Stage::gateway_endpoint || s.stage == Stage::interface_endpoint) && s.table != Step::none)
                    who = std::string(snap.endpoint_id(s.table));
                if (!who.empty()) j["ComponentId"] = who;
                const std::string side = s.destination_side ? "destination" : "source";
                // Ports only where the translation changed one (the internet gateway keeps them).
                const bool ported = s.from_port != s.to_port;
                auto end = [ported](std::uint32_t a, std::uint16_t port) { return format_ipv4(a) + (ported ? ":" + std::to_string(port) : ""); };
                j["Translation"] = {{"Field", side}, {"From", end(s.from_address, s.from_port)}, {"To", end(s.to_address, s.to_port)}};
                detail = side + " " + end(s.from_address, s.from_port) + " → " + end(s.to_address, s.to_port) + (who.empty() ? "" : " (" + who + ")");
                if ((s.stage == Stage::load_balancer || s.stage == Stage::privatelink) && s.destination_side && s.table != Step::none)
                    detail += ", target " + port_name(m, snap, s.table);
            } else if (s.stage == Stage::vpc_peering && s.verdict == Verdict::pass) {
                j["ComponentId"] = std::string(snap.vpc_peering_id(s.table));
                detail = "across VPC peering connection " + std::string(snap.vpc_peering_id(s.table)) + " to " + port_name(m, snap, s.next);
            } else if (s.stage == Stage::nat_gateway && s.verdict != Verdict::drop) {
                j["ComponentId"] = std::string(snap.nat_gateway_id(s.table));
                detail = s.verdict == Verdict::answer ? "RST sent back: the connection's translation timed out after 350 s idle, or never was (a NAT gateway sends no FIN)"
                                                      : "NAT gateway " + std::string(snap.nat_gateway_id(s.table)) + " (no security groups: its subnet's network ACL applies)";
            } else if (s.stage == Stage::privatelink && s.verdict == Verdict::pass) {
                detail = "endpoint " + std::string(snap.endpoint_id(s.table)) + " carries it to the service's load balancer, " + port_name(m, snap, s.next);
            } else if (s.verdict == Verdict::answer) {
                detail = s.stage == Stage::igw_nat ? "ICMP fragmentation needed sent back (the internet's MTU is 1500)" : "taken by the router (a health check's answer)";
            } else if (s.verdict != Verdict::drop) {
                detail = description_of(s.stage);
            }
        }
    }
    if (s.verdict == Verdict::rewrite) {
        std::uint32_t& address = s.destination_side ? packet.destination : packet.source;
        std::uint16_t& port = s.destination_side ? packet.destination_port : packet.source_port;
        address = s.to_address;
        if (s.to_port) port = s.to_port;
    }
    if (s.verdict == Verdict::drop) {
        j["DropReason"] = name_of(s.reason);
        if (detail.empty()) detail = description_of(s.reason);
        j["Fix"] = fix_for(m, snap, s, packet);
    }
    j["Detail"] = detail;
    j["Packet"] = describe(packet);
    return j;
}

}  // namespace vpclab::router
