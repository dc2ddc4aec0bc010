// Test fixture: the pipeline's lab as the router lays it out — the two-subnet VPC with three instances (the
// public one first, with a public IP; two private ones), an IGW route, and the region (port 3) and resolver
// (port 4) ports after the ENIs. Shared by the pipeline tests and the pipeline fuzz harness, so a saved fuzz
// input (byte 0 the ingress port, then a TAP read) replays against the same ports, MACs and addresses.
#pragma once

#include <memory>

#include "routing/forwarding_snapshot.hpp"
#include "tests/unit/two_subnet_lab.hpp"

namespace vpclab::test {

struct PipelineLab : TwoSubnetLab {
    static constexpr std::uint32_t pub_ip = 0x0a0a0004, priv_ip = 0x0a0a0104, priv2_ip = 0x0a0a0105;
    static constexpr std::uint32_t public_ip = 0xc613000a;  // 198.19.0.10, the public instance's
    static constexpr std::uint32_t s3 = 0xc6120a0a;         // 198.18.10.10

    routing::ServicePorts sp;
    std::shared_ptr<const routing::ForwardingSnapshot> snap;
    routing::PortIndex pub_host = 0, priv_host = 1, priv2_host = 2, region = 3, resolver = 4;

    PipelineLab() : TwoSubnetLab("pipe") {
        add_default_route();
        launch(pub, std::nullopt, true);
        launch(priv);
        launch(priv);
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
        recompile();
    }
    void recompile() { snap = routing::ForwardingSnapshot::compile(m, sp); }
    const wire::MacAddress& mac(routing::PortIndex p) const {
        return p == region ? sp.region_mac : p == resolver ? sp.resolver_mac : snap->port(p).mac;
    }
    routing::PortIndex port_count() const { return resolver + 1; }
};

}  // namespace vpclab::test
