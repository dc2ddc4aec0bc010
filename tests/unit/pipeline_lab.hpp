// Test fixture: the pipeline's lab as the router lays it out — the two-subnet VPC with three instances (the
// public one first, with a public IP; two private ones), an IGW route, and the region and resolver ports.
// Shared by the pipeline tests and the pipeline fuzz harness, so a saved fuzz input (byte 0 a port slot, then
// a TAP read) replays against the same ports, MACs and addresses.
#pragma once

#include <algorithm>
#include <memory>

#include "router/data_path/flow_state.hpp"
#include "routing/forwarding_snapshot.hpp"
#include "tests/unit/two_subnet_lab.hpp"
#include "wire/ethernet.hpp"

namespace vpclab::test {

// A TAP read carrying `packet`: a zero virtio-net header, then Ethernet from `source` (IPv4). Defined in
// pipeline_frames.cpp (out of line: inlined into every test, GCC 12 warns falsely about its copies).
std::vector<std::uint8_t> frame_of(const wire::MacAddress& source, const std::vector<std::uint8_t>& packet);

struct PipelineLab : TwoSubnetLab {
    static constexpr std::uint32_t pub_ip = 0x0a0a0004, priv_ip = 0x0a0a0104, priv2_ip = 0x0a0a0105;
    static constexpr std::uint32_t public_ip = 0xc613000a;  // 198.19.0.10, the public instance's
    static constexpr std::uint32_t s3 = 0xc6120a0a;         // 198.18.10.10

    routing::ServicePorts sp;
    std::shared_ptr<const routing::ForwardingSnapshot> snap;
    routing::PortIndex pub_host = 0, priv_host = 0, priv2_host = 0, region = routing::region_port, resolver = routing::resolver_port;
    // The data path's connection state (gateway endpoints, security groups), kept across the frames a test sends.
    mutable router::FlowState flows{256, 4096};
    std::string s3_endpoint;  // vpce-…, with gateway_endpoint
    // With gateway_endpoint, also a CloudFormation interface endpoint in the private subnet (private DNS
    // off): its ENI's address, router port, and the service address it connects to in the region.
    std::string cf_endpoint;
    std::uint32_t cf_eni_ip = 0, cf_service = 0;
    routing::PortIndex cf_eni = 0;
    // …and an internet-facing network load balancer: its node in the public subnet (cross-zone on), a TCP
    // listener on 80 forwarding to the two private instances.
    std::uint32_t lb_node_ip = 0, lb_public = 0;
    routing::PortIndex lb_node = 0;
    // …offered as an endpoint service (accepting every endpoint, proxy protocol v2 on its target group) with
    // an interface endpoint to it in the public subnet: PrivateLink within one VPC.
    std::uint32_t pl_eni_ip = 0;
    routing::PortIndex pl_eni = 0;

    // with_gateway_endpoint: an S3 gateway endpoint on the private subnet's table (FuzzPipelineLab builds on it).
    explicit PipelineLab(bool with_gateway_endpoint = false) : TwoSubnetLab("pipe") {
        add_default_route();
        // The default group lets its members in; these tests are about forwarding, so it lets everyone in
        // (TCP and UDP untracked, ICMP tracked). Security group tests change the groups.
        routing::SecurityGroupRule everyone;
        everyone.cidr = routing::Cidr{0, 0};
        m.authorize_security_group(m.vpc(vpc).default_security_group_id, true, {everyone});
        pub_host = port_of(launch(pub, std::nullopt, true));
        priv_host = port_of(launch(priv));
        priv2_host = port_of(launch(priv));
        sp.region = region;
        sp.resolver = resolver;
        sp.region_mac = wire::MacAddress::locally_administered(0x11);
        sp.region_router_mac = wire::MacAddress::locally_administered(0x12);
        sp.resolver_mac = wire::MacAddress::locally_administered(0x21);
        sp.resolver_router_mac = wire::MacAddress::locally_administered(0x22);
        sp.region_link = {0xc6120000, 24};
        sp.region_router_ip = 0xc6120001;
        sp.public_pool = {0xc6130000, 16};
        sp.region_hosts = {s3};  // what the region answers at beyond the IGW
        sp.resolver_link = {0xa9fefe00, 24};
        sp.resolver_router_ip = 0xa9fefe01;
        sp.resolver_base = 0xa9fe0000;
        sp.endpoint_block = {0xc6128000, 17};  // 198.18.128.0/17
        if (with_gateway_endpoint) {
            add_s3_endpoint({priv_rt()});
            cf_endpoint = m.create_interface_endpoint("CfEndpoint", vpc, "com.amazonaws.ap-northeast-2.cloudformation", {priv}, {}, false, "", {},
                                                      "2026-11-24T00:00:00+00:00")
                              .id;
            const auto& eni = m.network_interface(m.vpc_endpoint(cf_endpoint).network_interface_ids.front());
            cf_eni_ip = eni.private_ip;
            cf_eni = eni.port;
            cf_service = sp.endpoint_address(m.vpc_endpoint(cf_endpoint).slot, 0xc6120c0a);
            const std::string lb = m.create_load_balancer("Nlb", "", "network", "internet-facing", {{pub, "", std::nullopt}}, {}, "t").id;
            m.set_load_balancer_attribute(lb, "load_balancing.cross_zone.enabled", "true");
            const std::string tg = m.create_target_group("", {.name = "web", .protocol = "TCP", .vpc_id = vpc, .port = 80}, {}).id;
            m.create_listener("", lb, "TCP", 80, tg, {});
            std::vector<routing::Target> targets;
            for (const auto& i : m.instances())
                if (m.network_interface(i.network_interface_ids[0]).subnet_id == priv) targets.push_back({i.id, 0});
            m.register_targets(tg, targets);
            const auto& node = m.network_interface(m.load_balancer(lb).network_interface_ids[0]);
            lb_node_ip = node.private_ip;
            lb_public = *node.public_ip;
            lb_node = node.port;
            m.set_target_group_attribute(tg, "proxy_protocol_v2.enabled", "true");
            const std::string service = m.create_endpoint_service("Svc", {lb}, false, "", {}, "t").service_name;
            const auto& pl = m.create_interface_endpoint("PlEndpoint", vpc, service, {pub}, {}, std::nullopt, "", {}, "t");
            const auto& pl_interface = m.network_interface(pl.network_interface_ids.front());
            pl_eni_ip = pl_interface.private_ip;
            pl_eni = pl_interface.port;
        }
        recompile();
    }
    void recompile() { snap = routing::ForwardingSnapshot::compile(m, sp); }
    // A NAT gateway in `subnet`, public (with a new Elastic IP) or private.
    const routing::NatGateway& add_nat_gateway(const std::string& subnet, bool public_gateway = true) {
        routing::VpcModel::NatGatewaySpec spec;
        spec.subnet_id = subnet;
        spec.connectivity_type = public_gateway ? "public" : "private";
        if (public_gateway) spec.allocation_id = m.allocate_address().allocation_id;
        return m.create_nat_gateway("", spec, 1000);
    }
    // A second VPC 10.20.0.0/16 with a subnet 10.20.1.0/24 whose default group lets everyone in, one instance
    // there (peer_ip), peered with this VPC (accepted) and routed both ways: the private subnet's table and the
    // peer's main table.
    static constexpr std::uint32_t peer_ip = 0x0a140104;  // 10.20.1.4
    std::string peer_vpc, peer_subnet, pcx;
    routing::PortIndex peer_host = 0;
    void add_peered_vpc() {
        peer_vpc = m.create_vpc("Peer", "10.20.0.0/16", {}).id;
        peer_subnet = m.create_subnet("PeerSubnet", peer_vpc, "10.20.1.0/24", "ap-northeast-2a", false, {}).id;
        routing::SecurityGroupRule everyone;
        everyone.cidr = routing::Cidr{0, 0};
        m.authorize_security_group(m.vpc(peer_vpc).default_security_group_id, true, {everyone});
        peer_host = port_of(launch(peer_subnet));
        pcx = m.create_vpc_peering_connection("", vpc, peer_vpc, {}, 1000).id;
        m.accept_vpc_peering_connection(pcx, 1000);
        m.create_route(priv_rt(), "10.20.0.0/16", {"", "", "", "", pcx});
        m.create_route(m.vpc(peer_vpc).main_route_table_id, "10.10.0.0/16", {"", "", "", "", pcx});
    }
    // A third VPC 10.40.0.0/16 with a subnet 10.40.1.0/24 in zone c whose default group lets everyone in and one
    // instance there (spoke_ip), and a transit gateway with its default table: both VPCs attached, each by its
    // own /28 in zone c, and routed to each other through it (the private subnet's table, the spoke's main
    // table); a static blackhole for 10.40.9.0/24.
    static constexpr std::uint32_t spoke_ip = 0x0a280104;  // 10.40.1.4
    std::string spoke_vpc, spoke_subnet, tgw;
    routing::PortIndex spoke_host = 0;
    void add_transit_gateway_spoke() {
        spoke_vpc = m.create_vpc("Spoke", "10.40.0.0/16", {}).id;
        spoke_subnet = m.create_subnet("SpokeSubnet", spoke_vpc, "10.40.1.0/24", "ap-northeast-2c", false, {}).id;
        routing::SecurityGroupRule everyone;
        everyone.cidr = routing::Cidr{0, 0};
        m.authorize_security_group(m.vpc(spoke_vpc).default_security_group_id, true, {everyone});
        spoke_host = port_of(launch(spoke_subnet));
        const std::string own_tgw_subnet = m.create_subnet("TgwSubnet", vpc, "10.10.2.0/28", "ap-northeast-2c", false, {}).id;
        const std::string spoke_tgw_subnet = m.create_subnet("SpokeTgwSubnet", spoke_vpc, "10.40.0.0/28", "ap-northeast-2c", false, {}).id;
        tgw = m.create_transit_gateway("Tgw", {}, 1000).id;
        m.create_transit_gateway_vpc_attachment("", tgw, vpc, {own_tgw_subnet}, false, true, {}, 1000);
        m.create_transit_gateway_vpc_attachment("", tgw, spoke_vpc, {spoke_tgw_subnet}, false, true, {}, 1000);
        m.create_route(priv_rt(), "10.40.0.0/16", {"", "", "", "", "", tgw});
        m.create_route(m.vpc(spoke_vpc).main_route_table_id, "10.10.0.0/16", {"", "", "", "", "", tgw});
        m.create_transit_gateway_route(m.transit_gateway(tgw).default_route_table_id, "10.40.9.0/24", "", true);
    }
    // A new network ACL with `first` entries, then rule 100 allowing everything in and out.
    std::string acl_allowing_all(const std::vector<routing::NetworkAclEntry>& first = {}) {
        const std::string acl = m.create_network_acl("", vpc, {}).id;
        for (const auto& e : first) m.create_network_acl_entry(acl, e);
        routing::NetworkAclEntry all;
        all.rule_number = 100;
        all.allow = true;
        all.cidr = routing::Cidr{0, 0};
        m.create_network_acl_entry(acl, all);
        all.egress = true;
        m.create_network_acl_entry(acl, all);
        return acl;
    }
    void add_s3_endpoint(const std::vector<std::string>& tables) {
        s3_endpoint = m.create_gateway_endpoint("S3Endpoint", vpc, "com.amazonaws.ap-northeast-2.s3", tables, "", {}, "2026-11-24T00:00:00+00:00").id;
    }
    const wire::MacAddress& mac(routing::PortIndex p) const {
        return p == region ? sp.region_mac : p == resolver ? sp.resolver_mac : snap->port(p).mac;
    }
    // The fuzz input's byte 0 names a slot: 0-2 the instances, 3 the region, 4 the resolver (the order the
    // saved corpus was made in), 5 the peered VPC's instance when there is one, 6 the transit gateway spoke's.
    std::size_t slot_count() const { return spoke_host ? 7 : peer_host ? 6 : 5; }
    routing::PortIndex port_of_slot(std::uint8_t b) const {
        const routing::PortIndex slots[] = {pub_host, priv_host, priv2_host, region, resolver, peer_host, spoke_host};
        return slots[b % slot_count()];
    }
    std::uint8_t slot_of(routing::PortIndex p) const {
        for (std::uint8_t b = 0; b < slot_count(); ++b)
            if (port_of_slot(b) == p) return b;
        return 0;
    }
    // One past the highest port in use (the region's and the resolver's come first), as compiled.
    routing::PortIndex port_limit() const { return static_cast<routing::PortIndex>(snap->port_limit()); }
};

// The pipeline fuzz harness's lab: PipelineLab(true), with a public NAT gateway in the public subnet for the
// private subnet's traffic to the internet's hosts (198.18.100.0/24, so the endpoints' paths stay as they
// were), a peered VPC with one instance (slot 5), and a transit gateway to a spoke VPC with one instance
// (slot 6). Added after the rest, so the saved corpus's ports, MACs and addresses are unchanged. The peer
// routes 0.0.0.0/0 across the peering.
struct FuzzPipelineLab : PipelineLab {
    static constexpr std::uint32_t internet_host = 0xc612640a;  // 198.18.100.10
    std::uint32_t nat_eip = 0, nat_ip = 0;
    FuzzPipelineLab() : PipelineLab(true) {
        const routing::NatGateway& nat = add_nat_gateway(pub);
        nat_eip = nat.public_ip;
        nat_ip = nat.private_ip;
        m.create_route(priv_rt(), "198.18.100.0/24", {"", "", "", nat.id});
        sp.region_hosts.push_back(internet_host);
        add_peered_vpc();
        // The peer sends everything across the peering: what is beyond this VPC is refused (not transitive).
        m.create_route(m.vpc(peer_vpc).main_route_table_id, "0.0.0.0/0", {"", "", "", "", pcx});
        add_transit_gateway_spoke();
        recompile();
    }
};

}  // namespace vpclab::test
