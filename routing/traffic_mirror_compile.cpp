// Traffic Mirroring in the snapshot: each source port's sessions with their filters' rules, compiled from the
// model, and where a session's copy goes (the route, network ACLs and security groups it passes).
#include <algorithm>

#include "routing/forwarding_snapshot.hpp"

namespace vpclab::routing {

namespace {

CompiledMirrorRule compile_rule(const TrafficMirrorFilterRule& r) {
    CompiledMirrorRule c;
    c.source_network = r.source.network;
    c.source_mask = r.source.mask();
    c.destination_network = r.destination.network;
    c.destination_mask = r.destination.mask();
    c.protocol = r.protocol ? static_cast<std::int16_t>(*r.protocol) : std::int16_t{-1};
    c.ports = r.source_ports || r.destination_ports;
    if (r.source_ports) {
        c.source_from = r.source_ports->from;
        c.source_to = r.source_ports->to;
    }
    if (r.destination_ports) {
        c.destination_from = r.destination_ports->from;
        c.destination_to = r.destination_ports->to;
    }
    c.accept = r.accept;
    return c;
}

}  // namespace

void ForwardingSnapshot::compile_traffic_mirroring(const VpcModel& model) {
    const auto& sessions = model.traffic_mirror_sessions();
    if (sessions.empty()) return;
    std::vector<std::pair<PortIndex, std::uint32_t>> by_port;  // (source port, session index)
    for (std::uint32_t i = 0; i < sessions.size(); ++i) {
        const NetworkInterface* source = find_resource(model.network_interfaces(), sessions[i].network_interface_id);
        if (source && is_eni(source->port)) by_port.emplace_back(source->port, i);
    }
    // Each port's sessions in ascending session number: the first whose filter accepts a packet mirrors it.
    std::sort(by_port.begin(), by_port.end(), [&](const auto& a, const auto& b) {
        return a.first != b.first ? a.first < b.first : sessions[a.second].session_number < sessions[b.second].session_number;
    });
    mirror_ports_.assign(ports_.size(), {});
    mirror_session_ids_.resize(sessions.size());
    for (const auto& [port, index] : by_port) {
        const TrafficMirrorSession& s = sessions[index];
        const TrafficMirrorFilter& filter = model.traffic_mirror_filter(s.filter_id);
        const TrafficMirrorTarget& target = model.traffic_mirror_target(s.target_id);
        CompiledMirrorSession c;
        c.session = index;
        c.amazon_dns = filter.amazon_dns;
        c.virtual_network_id = s.virtual_network_id;
        c.packet_length = s.packet_length ? static_cast<std::uint32_t>(*s.packet_length) : 0;
        // Rules are kept by direction, each by ascending number (VpcModel sorts a filter's rules so).
        c.first_ingress = static_cast<std::uint32_t>(mirror_rules_.size());
        for (const auto& r : filter.rules)
            if (r.ingress) mirror_rules_.push_back(compile_rule(r));
        c.ingress_count = static_cast<std::uint32_t>(mirror_rules_.size()) - c.first_ingress;
        c.first_egress = static_cast<std::uint32_t>(mirror_rules_.size());
        for (const auto& r : filter.rules)
            if (!r.ingress) mirror_rules_.push_back(compile_rule(r));
        c.egress_count = static_cast<std::uint32_t>(mirror_rules_.size()) - c.first_egress;
        // The target's port: its ENI's, or the load balancer's node in the source's zone (else its first).
        if (!target.network_interface_id.empty()) {
            if (const NetworkInterface* e = find_resource(model.network_interfaces(), target.network_interface_id)) c.target_port = e->port;
        } else if (const LoadBalancer* lb = find_resource(model.load_balancers(), target.network_load_balancer_arn)) {
            c.via_load_balancer = true;
            const std::uint32_t zone = subnets_[ports_[port].subnet].zone;
            for (const auto& node_id : lb->network_interface_ids) {
                const NetworkInterface* node = find_resource(model.network_interfaces(), node_id);
                if (!node || !is_eni(node->port)) continue;
                if (c.target_port == no_port || subnets_[ports_[node->port].subnet].zone == zone) c.target_port = node->port;
                if (subnets_[ports_[node->port].subnet].zone == zone) break;
            }
        }
        PortMirrorSessions& range = mirror_ports_[port];
        if (range.count == 0) range.first = static_cast<std::uint32_t>(mirror_sessions_.size());
        ++range.count;
        mirror_sessions_.push_back(c);
        mirror_session_ids_[index] = s.id;
    }
}

std::span<const CompiledMirrorSession> ForwardingSnapshot::mirror_sessions(PortIndex p) const {
    if (p >= mirror_ports_.size()) return {};
    const PortMirrorSessions& r = mirror_ports_[p];
    return {mirror_sessions_.data() + r.first, r.count};
}

MirrorRoute ForwardingSnapshot::mirror_route(PortIndex source, const CompiledMirrorSession& s, std::uint32_t flow_hash) const {
    using Kind = MirrorRoute::Kind;
    MirrorRoute out;
    if (!is_eni(source) || !is_eni(s.target_port)) {
        out.kind = Kind::target_not_running;
        return out;
    }
    const PortInfo& from = ports_[source];
    const PortInfo& first_hop = ports_[s.target_port];
    // Traffic Mirroring Guide, "Traffic mirror target concepts": "Encapsulated mirror traffic is routed by
    // using the VPC route table" of the source's subnet.
    const Decision d = decide(source, from.ip, first_hop.ip, 17, vxlan_port);
    if ((d.outcome != Outcome::deliver && d.outcome != Outcome::vpc_peering) || d.port != s.target_port) {
        out.kind = Kind::no_route;
        return out;
    }
    PortIndex to = s.target_port;
    std::uint32_t outer_source = from.ip, destination_port = vxlan_port;
    if (s.via_load_balancer) {
        // The load balancer's UDP 4789 listener forwards the copy to one of its targets, by the flow's hash.
        const LoadBalancerListener* l = load_balancer_listener(first_hop.load_balancer_node, 17, vxlan_port);
        if (!l) {
            out.kind = Kind::no_listener;
            return out;
        }
        if (l->target_count == 0) {
            out.kind = Kind::no_target;
            return out;
        }
        const LoadBalancerTarget& t = load_balancer_targets(*l)[flow_hash % l->target_count];
        if (!is_eni(t.port)) {
            out.kind = Kind::no_target;
            return out;
        }
        to = t.port;
        destination_port = t.tcp_port;
        if (!l->preserve_client_ip) outer_source = first_hop.ip;
    }
    const PortInfo& target = ports_[to];
    // What a routed packet meets (VPC User Guide, "Network ACLs": at the subnets' edges; the Traffic
    // Mirroring Guide: "Security group rules and network ACL rules on the traffic mirror target cannot drop the
    // mirrored traffic"). The source's security groups are not asked: "Mirrored outbound traffic from a source
    // instance is not subject to security group evaluation."
    if (from.subnet != target.subnet) {
        const RuleProbe out_probe{target.ip, 17, static_cast<std::uint16_t>(destination_port), 0, 0, true};
        if (!network_acl_verdict(network_acl(from.subnet).outbound, out_probe).allow) {
            out.kind = Kind::network_acl_outbound;
            return out;
        }
        const RuleProbe in_probe{outer_source, 17, static_cast<std::uint16_t>(destination_port), 0, 0, true};
        if (!network_acl_verdict(network_acl(target.subnet).inbound, in_probe).allow) {
            out.kind = Kind::network_acl_inbound;
            return out;
        }
    }
    if (target.has_security_groups()) {
        const RuleProbe probe{outer_source, 17, static_cast<std::uint16_t>(destination_port), 0, 0, true};
        if (!security_groups_allow(security_groups_of(to).ingress, probe)) {
            out.kind = Kind::security_group;
            return out;
        }
    }
    out.kind = Kind::deliver;
    out.port = to;
    out.source = outer_source;
    out.destination = target.ip;
    out.destination_port = static_cast<std::uint16_t>(destination_port);
    out.destination_mac = target.mac;
    // As any routed frame: within one subnet it keeps the sender's MAC, across subnets it comes from the
    // destination subnet's router.
    out.source_mac = from.subnet == target.subnet && !s.via_load_balancer ? from.mac : subnets_[target.subnet].router_mac;
    return out;
}

std::string_view ForwardingSnapshot::traffic_mirror_session_id(std::uint32_t s) const {
    return s < mirror_session_ids_.size() ? std::string_view(mirror_session_ids_[s]) : std::string_view();
}

}  // namespace vpclab::routing
