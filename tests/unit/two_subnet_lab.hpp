// Test fixture: the first seed lab's shape built through the model's API — a VPC 10.10.0.0/16 with a
// public subnet 10.10.0.0/24 (its own route table) and a private one 10.10.1.0/24 (the main table), and an
// attached internet gateway. Tests add routes and instances as they need.
#pragma once

#include <optional>
#include <string>

#include "routing/vpc_model.hpp"

namespace vpclab::test {

// The region's services as the router's catalog lays them out (endpoints/region_catalog.cpp), for tests of
// the model and the snapshot that do not link the catalog: S3 and DynamoDB take gateway endpoints (and
// interface ones, as every service does).
inline std::vector<routing::ServiceOffer> test_services() {
    return {{"com.amazonaws.ap-northeast-2.s3", true, "pl-78a54011", {0xc6120a00, 24}, true, "s3.ap-northeast-2.amazonaws.com", 0xc6120a0a},
            {"com.amazonaws.ap-northeast-2.dynamodb", true, "pl-02cd2c6b", {0xc6120b00, 24}, true, "dynamodb.ap-northeast-2.amazonaws.com", 0xc6120b0a},
            {"com.amazonaws.ap-northeast-2.cloudformation", false, "", {0xc6120c00, 24}, true, "cloudformation.ap-northeast-2.amazonaws.com", 0xc6120c0a}};
}

struct TwoSubnetLab {
    routing::VpcModel m;
    std::string vpc, pub, priv, pub_rt, igw;

    explicit TwoSubnetLab(const std::string& stack = "test-stack") : m(stack, "ap-northeast-2") {
        m.offer_services(test_services());
        vpc = m.create_vpc("V", "10.10.0.0/16", {}).id;
        pub = m.create_subnet("Pub", vpc, "10.10.0.0/24", "ap-northeast-2a", false, {}).id;
        priv = m.create_subnet("Priv", vpc, "10.10.1.0/24", "ap-northeast-2c", false, {}).id;
        pub_rt = m.create_route_table("PubRT", vpc, {}).id;
        m.associate_route_table(pub_rt, pub);
        igw = m.create_internet_gateway("IGW", {}).id;
        m.attach_internet_gateway(igw, vpc);
    }
    // The seed's public route: 0.0.0.0/0 to the internet gateway in the public subnet's table.
    void add_default_route() { m.create_route(pub_rt, "0.0.0.0/0", {igw, "", ""}); }
    // Launches an instance with one ENI; returns its instance ID.
    std::string launch(const std::string& subnet, std::optional<std::uint32_t> ip = {}, std::optional<bool> public_ip = {}) {
        routing::InstanceLaunch l;
        l.interfaces.push_back({0, subnet, ip, public_ip, {}, true});
        return m.run_instance(l).id;
    }
    // The private subnet's table (the VPC's main table).
    std::string priv_rt() const { return m.vpc(vpc).main_route_table_id; }
    // The router port of an instance's primary ENI.
    routing::PortId port_of(const std::string& instance_id) const {
        return m.network_interface(m.instance(instance_id).network_interface_ids.front()).port;
    }
};

}  // namespace vpclab::test
