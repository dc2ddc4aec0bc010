// Formatting drops for the log, and the log's rate limit.
#include "router/data_path/drop_log.hpp"

#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"
#include "wire/l4.hpp"
#include "wire/vnet_header.hpp"

namespace vpclab::router {

namespace {

// "ICMP 10.10.1.4 → 198.18.10.10", "TCP 10.10.0.4:40000 → 10.10.1.4:22", or what the frame is instead.
std::string what_frame(wire::ConstBytes frame, std::uint32_t* destination) {
    constexpr std::size_t eth = wire::VnetHeader::length, ip_at = eth + 14;
    if (frame.size() < ip_at) return "a frame of " + std::to_string(frame.size()) + " bytes";
    const std::uint16_t type = wire::load_be16(frame.data() + eth + 12);
    if (type == static_cast<std::uint16_t>(wire::EtherType::arp)) return "ARP";
    if (type == static_cast<std::uint16_t>(wire::EtherType::ipv6)) return "IPv6";
    if (type != static_cast<std::uint16_t>(wire::EtherType::ipv4)) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%04x", type);
        return std::string("ethertype ") + hex;
    }
    if (frame.size() < ip_at + 20) return "a truncated IPv4 packet";
    const std::uint8_t* ip = frame.data() + ip_at;
    const std::size_t ihl = static_cast<std::size_t>(ip[0] & 0x0f) * 4;
    const std::uint32_t src = wire::load_be32(ip + 12), dst = wire::load_be32(ip + 16);
    *destination = dst;
    std::string from = routing::format_ipv4(src), to = routing::format_ipv4(dst);
    const bool first_fragment = (wire::load_be16(ip + 6) & 0x1fff) == 0;
    if (ihl >= 20 && frame.size() >= ip_at + ihl) {
        const auto l4 = wire::TransportRepr::parse(ip[9], first_fragment, frame.subspan(ip_at + ihl));
        if (l4.ports) {
            from += ":" + std::to_string(l4.source_port);
            to += ":" + std::to_string(l4.destination_port);
        }
    }
    return protocol_name(ip[9]) + " " + from + " → " + to;
}

}  // namespace

std::string protocol_name(std::uint8_t p) {
    switch (p) {
        case 1: return "ICMP";
        case 6: return "TCP";
        case 17: return "UDP";
        default: return "protocol " + std::to_string(p);
    }
}

std::string describe_drop(const routing::VpcModel& model, const routing::ForwardingSnapshot& snapshot, routing::PortIndex ingress,
                          wire::ConstBytes frame, DropReason reason) {
    std::string where;
    if (const routing::NetworkInterface* eni = model.interface_on_port(ingress)) {
        where = eni->id + " (" + (eni->instance_id.empty() ? std::string("not attached") : model.instance(eni->instance_id).display_name()) +
                ", " + routing::format_ipv4(eni->private_ip) + ")";
    } else if (ingress == snapshot.service_ports().region || ingress == snapshot.service_ports().resolver) {
        where = ingress == snapshot.service_ports().region ? "the region port" : "the VPC resolver's port";
    } else {
        where = "port " + std::to_string(ingress);
    }
    std::uint32_t destination = 0;
    const bool at_receiver = reason == DropReason::network_acl_inbound || reason == DropReason::security_group_ingress;
    std::string line = std::string(at_receiver ? "dropped on the way in to " : "dropped on ") + where + ": " + what_frame(frame, &destination) + ": " + name_of(reason);
    const routing::RouteTable* table = snapshot.is_eni(ingress) ? model.find_route_table(snapshot.route_table_id(ingress)) : nullptr;
    if (reason == DropReason::no_route && table) {
        line += ": route table " + table->id + " (" + table->display_name() + ") has no route for " + routing::format_ipv4(destination);
    } else {
        line += std::string(": ") + description_of(reason);
    }
    return line;
}

std::string acl_rule_name(const routing::NetworkAcl& acl, std::uint16_t rule_number) {
    const std::string number = rule_number == routing::network_acl_final_rule ? "*" : std::to_string(rule_number);
    return "rule " + number + " of network ACL " + acl.id + (acl.display_name() == acl.id ? "" : " (" + acl.display_name() + ")");
}

bool LogBudget::take(Clock::time_point now, std::uint64_t& suppressed) {
    if (now - window_ >= std::chrono::seconds(1)) {
        window_ = now;
        used_ = 0;
    }
    if (used_ >= per_second_) {
        ++refused_;
        return false;
    }
    ++used_;
    suppressed = refused_;
    refused_ = 0;
    return true;
}

}  // namespace vpclab::router
