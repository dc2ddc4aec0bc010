// Endpoint services in the model and the resolver: names and zones, permissions, a consumer's interface
// endpoint waiting for acceptance, accept and reject, deletion refused while connected, private DNS names,
// and refusals that name what is wrong and change nothing.
#include <doctest/doctest.h>

#include <regex>

#include "endpoints/dns_zone.hpp"
#include "tests/unit/api_refusal.hpp"

using namespace vpclab;
using test::refusal;

namespace {

// The second seed lab's shape: a provider VPC (20.20.0.0/16, subnets in 2a and 2c) with a network load
// balancer in 2a, and a consumer VPC (10.10.0.0/16, subnets in 2a and 2c).
struct Lab {
    endpoints::RegionCatalog catalog{"ap-northeast-2", {}};
    routing::VpcModel m{"svc", "ap-northeast-2"};
    std::string provider, provider_a, provider_c, consumer, consumer_a, consumer_c, lb, other_lb;
    Lab() {
        m.offer_services(catalog.service_offers());
        provider = m.create_vpc("P", "20.20.0.0/16", {}).id;
        provider_a = m.create_subnet("Pa", provider, "20.20.0.0/24", "ap-northeast-2a", false, {}).id;
        provider_c = m.create_subnet("Pc", provider, "20.20.1.0/24", "ap-northeast-2c", false, {}).id;
        consumer = m.create_vpc("C", "10.10.0.0/16", {}).id;
        consumer_a = m.create_subnet("Ca", consumer, "10.10.0.0/24", "ap-northeast-2a", false, {}).id;
        consumer_c = m.create_subnet("Cc", consumer, "10.10.1.0/24", "ap-northeast-2c", false, {}).id;
        m.modify_vpc_attribute(consumer, std::nullopt, true);
        lb = m.create_load_balancer("", "svc", "network", "internal", {{provider_a, "", std::nullopt}}, {}, "t").id;
        other_lb = m.create_load_balancer("", "other", "network", "internal", {{provider_c, "", std::nullopt}}, {}, "t").id;
    }
    std::vector<std::uint32_t> answer(std::size_t vpc_index, const std::string& name) const {
        const auto zone = endpoints::build_zone(m, catalog, vpc_index);
        const auto it = zone.a_records.find(name);
        return it == zone.a_records.end() ? std::vector<std::uint32_t>{} : it->second;
    }
    const routing::VpcEndpoint& connect(const std::string& service_name, std::optional<bool> private_dns = std::nullopt) {
        return m.create_interface_endpoint("", consumer, service_name, {consumer_a}, {}, private_dns, "", {}, "t");
    }
};

}  // namespace

TEST_CASE("an endpoint service: its name, zones and load balancers; refusals change nothing") {
    Lab lab;
    auto& m = lab.m;
    const auto& s = m.create_endpoint_service("", {lab.lb}, true, "", {}, "t");
    CHECK(std::regex_match(s.id, std::regex("vpce-svc-[0-9a-f]{17}")));
    CHECK(s.service_name == "com.amazonaws.vpce.ap-northeast-2." + s.id);
    CHECK(m.endpoint_service_zones(s) == std::vector<std::string>{"ap-northeast-2a"});
    CHECK(m.endpoint_service_of(lab.lb) == &m.endpoint_services().front());
    const std::string id = s.id;
    CHECK(refusal([&] { m.create_endpoint_service("", {}, true, "", {}, "t"); }) == "InvalidParameter");
    CHECK(refusal([&] { m.create_endpoint_service("", {lab.lb}, true, "", {}, "t"); }) == "InvalidParameter");  // already a service's
    CHECK(refusal([&] { m.create_endpoint_service("", {lab.other_lb, lab.other_lb}, true, "", {}, "t"); }) == "InvalidParameter");
    CHECK(refusal([&] { m.create_endpoint_service("", {m.elb_arn("loadbalancer/net/none/0123456789abcdef")}, true, "", {}, "t"); }) ==
          "LoadBalancerNotFound");
    for (const char* bad : {"nodot", "-a.example.com", "a..example.com", "sp ace.example.com"})
        CHECK(refusal([&] { m.create_endpoint_service("", {lab.other_lb}, true, bad, {}, "t"); }) == "InvalidParameter");
    CHECK(m.endpoint_services().size() == 1);
    // Its load balancer cannot go while it fronts the service.
    CHECK(refusal([&] { m.delete_load_balancer(lab.lb); }) == "ResourceInUse");
    CHECK(m.load_balancers().size() == 2);
    // Modify: another load balancer (a second zone), acceptance, a private DNS name; refusals change nothing.
    routing::VpcModel::EndpointServiceChange change;
    change.add_load_balancers = {lab.other_lb};
    change.acceptance_required = false;
    change.private_dns_name = "svc.example.com";
    m.modify_endpoint_service(id, change);
    CHECK(m.endpoint_service_zones(m.endpoint_service(id)) == std::vector<std::string>{"ap-northeast-2a", "ap-northeast-2c"});
    CHECK(!m.endpoint_service(id).acceptance_required);
    CHECK(m.endpoint_service(id).private_dns_name == "svc.example.com");
    routing::VpcModel::EndpointServiceChange bad;
    bad.remove_load_balancers = {lab.lb, lab.other_lb};
    CHECK(refusal([&] { m.modify_endpoint_service(id, bad); }) == "InvalidParameter");  // none left
    bad = {};
    bad.private_dns_name = "x.example.com";
    bad.remove_private_dns_name = true;
    CHECK(refusal([&] { m.modify_endpoint_service(id, bad); }) == "InvalidParameterCombination");
    CHECK(m.endpoint_service(id).network_load_balancer_arns.size() == 2);
    CHECK(m.endpoint_service(id).private_dns_name == "svc.example.com");
    CHECK(refusal([&] { m.endpoint_service("vpce-svc-00000000000000000"); }) == "InvalidVpcEndpointServiceId.NotFound");
    CHECK(refusal([&] { m.endpoint_service("svc-1"); }) == "InvalidVpcEndpointServiceId.Malformed");
}

TEST_CASE("endpoint service permissions: '*' and IAM ARNs without paths, each once") {
    Lab lab;
    auto& m = lab.m;
    const std::string id = m.create_endpoint_service("", {lab.lb}, true, "", {}, "t").id;
    m.modify_endpoint_service_permissions(id, {"*", "arn:aws:iam::123456789012:root", "arn:aws:iam::210987654321:role/consumer"}, {});
    m.modify_endpoint_service_permissions(id, {"*"}, {});  // again: kept once
    const auto& allowed = m.endpoint_service(id).allowed_principals;
    REQUIRE(allowed.size() == 3);
    CHECK(allowed[0].principal == "*");
    CHECK(allowed[0].permission_id.rfind("vpce-svc-perm-", 0) == 0);
    for (const char* bad : {"someone", "arn:aws:iam::12345:root", "arn:aws:iam::123456789012:user/path/name", "arn:aws:iam::123456789012:group/x"})
        CHECK(refusal([&] { m.modify_endpoint_service_permissions(id, {"*", bad}, {}); }) == "InvalidPrincipal");
    CHECK(refusal([&] { m.modify_endpoint_service_permissions(id, {}, {"arn:aws:iam::111111111111:root"}); }) == "InvalidPrincipal");
    CHECK(m.endpoint_service(id).allowed_principals.size() == 3);
    m.modify_endpoint_service_permissions(id, {}, {"*"});
    CHECK(m.endpoint_service(id).allowed_principals.size() == 2);
}

TEST_CASE("a consumer's endpoint waits for acceptance; accept, reject, and deletion refused while connected") {
    Lab lab;
    auto& m = lab.m;
    const auto service = m.create_endpoint_service("", {lab.lb}, true, "", {}, "t");
    const auto& e = lab.connect(service.service_name);
    const std::string endpoint = e.id;
    CHECK(e.state == "pendingAcceptance");
    CHECK(!e.private_dns_enabled);  // the service has no private DNS name
    const std::string regional = routing::endpoint_regional_dns_name(e, m.region());
    CHECK(std::regex_match(regional, std::regex("vpce-[0-9a-f]{17}-[a-z0-9]{8}\\." + service.id + "\\.ap-northeast-2\\.vpce\\.amazonaws\\.com")));
    // The names answer the ENI's private address in every VPC.
    const std::uint32_t eni_ip = m.network_interface(e.network_interface_ids[0]).private_ip;
    CHECK(lab.answer(0, regional) == std::vector<std::uint32_t>{eni_ip});
    CHECK(lab.answer(1, regional) == std::vector<std::uint32_t>{eni_ip});
    // Refused, changing nothing: a subnet where the service has no node, a policy, private DNS without a name.
    const auto endpoints_before = m.vpc_endpoints().size(), interfaces_before = m.network_interfaces().size();
    CHECK(refusal([&] { m.create_interface_endpoint("", lab.consumer, service.service_name, {lab.consumer_c}, {}, std::nullopt, "", {}, "t"); }) ==
          "InvalidParameter");
    CHECK(refusal([&] { m.create_interface_endpoint("", lab.consumer, service.service_name, {lab.consumer_a}, {}, std::nullopt,
                                                    routing::default_endpoint_policy, {}, "t"); }) == "InvalidParameter");
    CHECK(refusal([&] { lab.connect(service.service_name, true); }) == "InvalidParameter");
    CHECK(refusal([&] { lab.connect("com.amazonaws.vpce.ap-northeast-2.vpce-svc-00000000000000000"); }) == "InvalidServiceName");
    CHECK(m.vpc_endpoints().size() == endpoints_before);
    CHECK(m.network_interfaces().size() == interfaces_before);
    // Accept: available. Accepting again, or an endpoint of another service, is refused.
    CHECK(refusal([&] { m.delete_endpoint_service(service.id); }) == "ExistingVpcEndpointConnections");
    m.accept_endpoint_connection(service.id, endpoint);
    CHECK(m.vpc_endpoint(endpoint).state == "available");
    CHECK(refusal([&] { m.accept_endpoint_connection(service.id, endpoint); }) == "InvalidState");
    const auto& cf = m.create_interface_endpoint("", lab.consumer, "com.amazonaws.ap-northeast-2.cloudformation", {lab.consumer_c}, {}, false, "", {}, "t");
    CHECK(refusal([&] { m.accept_endpoint_connection(service.id, cf.id); }) == "InvalidVpcEndpointId.NotFound");
    CHECK(refusal([&] { m.delete_endpoint_service(service.id); }) == "ExistingVpcEndpointConnections");
    CHECK(m.endpoint_services().size() == 1);
    // Reject: rejected, and then the service may go; the endpoint stays, rejected, until its owner deletes it.
    m.reject_endpoint_connection(service.id, endpoint);
    CHECK(m.vpc_endpoint(endpoint).state == "rejected");
    CHECK(refusal([&] { m.reject_endpoint_connection(service.id, endpoint); }) == "InvalidState");
    m.delete_endpoint_service(service.id);
    CHECK(m.endpoint_services().empty());
    CHECK(m.vpc_endpoint(endpoint).state == "rejected");
    m.delete_load_balancer(lab.lb);  // no longer a service's
    CHECK(m.load_balancers().size() == 1);
}

TEST_CASE("a service that accepts every endpoint, and its private DNS name answered in the consumer's VPC only") {
    Lab lab;
    auto& m = lab.m;
    const auto service = m.create_endpoint_service("", {lab.lb}, false, "svc.example.com", {}, "t");
    const auto& e = lab.connect(service.service_name);
    CHECK(e.state == "available");
    CHECK(e.private_dns_enabled);  // the service has a private DNS name: the API's default is on
    CHECK(m.private_dns_name_of(e) == "svc.example.com");
    const std::uint32_t eni_ip = m.network_interface(e.network_interface_ids[0]).private_ip;
    CHECK(lab.answer(1, "svc.example.com") == std::vector<std::uint32_t>{eni_ip});
    CHECK(lab.answer(0, "svc.example.com").empty());  // the provider's VPC has no private hosted zone for it
    // A second endpoint with private DNS in the same VPC: a conflicting domain.
    CHECK(refusal([&] { lab.connect(service.service_name, true); }) == "InvalidParameter");
    // Deleting the endpoint deletes the connection: the service may go.
    m.delete_vpc_endpoint(e.id);
    m.delete_endpoint_service(service.id);
    CHECK(m.endpoint_services().empty());
}

TEST_CASE("review fixes: private DNS names lower-cased, wildcards and AWS's domain refused, conflicts, zones kept, Gateway type") {
    Lab lab;
    auto& m = lab.m;
    const auto& s = m.create_endpoint_service("", {lab.lb}, false, "Api.Example.COM", {}, "t");
    const std::string id = s.id, name = s.service_name;
    CHECK(s.private_dns_name == "api.example.com");
    for (const char* bad : {"*.example.com", "s3.ap-northeast-2.amazonaws.com", "amazonaws.com"})
        CHECK(refusal([&] { m.create_endpoint_service("", {lab.other_lb}, false, bad, {}, "t"); }) == "InvalidParameter");
    // A second service with the same private DNS name: its endpoint in the same VPC conflicts.
    const std::string other = m.create_endpoint_service("", {lab.other_lb}, false, "api.example.com", {}, "t").service_name;
    const routing::VpcEndpoint e = lab.connect(name);  // a copy: the endpoints below move the model's
    CHECK(lab.answer(1, "api.example.com") == std::vector<std::uint32_t>{m.network_interface(e.network_interface_ids[0]).private_ip});
    CHECK(refusal([&] { m.create_interface_endpoint("", lab.consumer, other, {lab.consumer_c}, {}, true, "", {}, "t"); }) == "InvalidParameter");
    CHECK(m.create_interface_endpoint("", lab.consumer, other, {lab.consumer_c}, {}, false, "", {}, "t").state == "available");
    // The load balancer of a zone with a connected endpoint cannot leave the service.
    routing::VpcModel::EndpointServiceChange change;
    change.add_load_balancers = {};
    change.remove_load_balancers = {lab.lb};
    const std::string third = m.create_load_balancer("", "third", "network", "internal", {{lab.provider_c, "", std::nullopt}}, {}, "t").id;
    change.add_load_balancers = {third};
    CHECK(refusal([&] { m.modify_endpoint_service(id, change); }) == "InvalidParameter");
    CHECK(m.endpoint_service(id).network_load_balancer_arns == std::vector<std::string>{lab.lb});
    // A Gateway endpoint to an endpoint service: the type does not match (not "does not exist").
    CHECK(refusal([&] { m.create_gateway_endpoint("", lab.consumer, name, {}, "", {}, "t"); }) == "InvalidParameter");
    // A notification on an endpoint goes with it.
    m.create_connection_notification("", e.id, "arn:aws:sns:ap-northeast-2:123456789012:events", {"Accept"});
    CHECK(m.connection_notifications().size() == 1);
    m.delete_vpc_endpoint(e.id);
    CHECK(m.connection_notifications().empty());
}
