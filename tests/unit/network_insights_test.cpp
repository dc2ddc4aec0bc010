// Reachability Analyzer (CreateNetworkInsightsPath, StartNetworkInsightsAnalysis, …) against answers derived
// by hand from the pipeline lab: the components each direction crosses, the explanation codes and the
// components they name when a path is blocked, and refusals that change nothing.
#include <doctest/doctest.h>

#include "router/control/control_api.hpp"
#include "tests/unit/control_lab.hpp"

using namespace vpclab;
using namespace vpclab::router;
using nlohmann::json;

namespace {

// The pipeline lab as the router holds it. With endpoints: an S3 gateway endpoint on the private table, a
// CloudFormation interface endpoint, an internet-facing NLB (listener 80 to the private instances) and
// PrivateLink to it from the public subnet.
struct AnalyzerLab : test::ControlLab {
    explicit AnalyzerLab(bool with_endpoints = false) : ControlLab(with_endpoints) {}
    // Creates the path, analyses it, and returns the analysis as DescribeNetworkInsightsAnalyses shows it.
    json analyse(json path) {
        path["Protocol"] = path.value("Protocol", "tcp");
        const std::string id = ok("CreateNetworkInsightsPath", path)["NetworkInsightsPath"]["NetworkInsightsPathId"];
        const json started = ok("StartNetworkInsightsAnalysis", {{"NetworkInsightsPathId", id}})["NetworkInsightsAnalysis"];
        CHECK(started["Status"] == "running");
        CHECK(!started.contains("NetworkPathFound"));
        const json all = ok("DescribeNetworkInsightsAnalyses", {{"NetworkInsightsAnalysisIds", {started["NetworkInsightsAnalysisId"]}}});
        REQUIRE(all["NetworkInsightsAnalyses"].size() == 1);
        const json a = all["NetworkInsightsAnalyses"][0];
        CHECK(a["Status"] == "succeeded");
        CHECK(a["NetworkInsightsPathId"] == id);
        return a;
    }
};

// The components' IDs, each cut to its prefix ("i", "eni", "sg", …; a load balancer ARN: "arn").
std::vector<std::string> kinds(const json& components) {
    std::vector<std::string> out;
    for (const auto& c : components) {
        const std::string id = c["Component"]["Id"];
        out.push_back(id.substr(0, id.find_first_of("-:")));
    }
    return out;
}

}  // namespace

TEST_CASE("Reachability Analyzer: instance to instance, each component with its rule, and the reply") {
    AnalyzerLab s;
    const json a = s.analyse({{"Source", s.pub_instance}, {"Destination", s.priv_instance}, {"DestinationPort", "22"}});
    REQUIRE(a["NetworkPathFound"] == true);
    CHECK(!a.contains("Explanations"));
    const json& fwd = a["ForwardPathComponents"];
    // Out of the public instance: its ENI, its group's outbound rule, its subnet's ACL, the route table's
    // local route; into the private subnet: its ACL, the group's inbound rule, the ENI, the instance.
    CHECK(kinds(fwd) == std::vector<std::string>{"i", "eni", "rtb", "acl", "sg", "acl", "sg", "eni", "i"});
    for (std::size_t i = 0; i < fwd.size(); ++i) CHECK(fwd[i]["SequenceNumber"] == i + 1);
    CHECK(fwd[0]["Component"]["Id"] == s.pub_instance);
    CHECK(fwd[0]["OutboundHeader"]["DestinationAddresses"][0] == "10.10.1.4/32");
    CHECK(fwd[0]["OutboundHeader"]["DestinationPortRanges"][0]["From"] == 22);
    CHECK(fwd[0]["OutboundHeader"]["Protocol"] == "6");
    CHECK(fwd[2]["Component"]["Id"] == s.lab.pub_rt);
    CHECK(fwd[2]["RouteTableRoute"]["DestinationCidr"] == "10.10.0.0/16");
    CHECK(fwd[2]["RouteTableRoute"]["GatewayId"] == "local");
    CHECK(fwd[2]["RouteTableRoute"]["State"] == "active");
    CHECK(fwd[3]["AclRule"]["RuleNumber"] == 100);
    CHECK(fwd[3]["AclRule"]["Egress"] == true);
    CHECK(fwd[3]["AclRule"]["RuleAction"] == "allow");
    CHECK(fwd[5]["AclRule"]["Egress"] == false);
    CHECK(fwd[6]["SecurityGroupRule"]["Direction"] == "ingress");
    // The default group lets its members in (its first inbound rule names itself), before the rule for everyone.
    CHECK(fwd[6]["SecurityGroupRule"]["SecurityGroupId"] == s.state.model->vpc(s.lab.vpc).default_security_group_id);
    CHECK(fwd[4]["SecurityGroupRule"]["Cidr"] == "0.0.0.0/0");
    CHECK(fwd[8]["Component"]["Id"] == s.priv_instance);
    CHECK(fwd[8]["InboundHeader"]["SourceAddresses"][0] == "10.10.0.4/32");
    CHECK(fwd[7]["Subnet"]["Id"] == s.lab.priv);
    CHECK(fwd[7]["Vpc"]["Id"] == s.lab.vpc);
    CHECK(fwd[0]["Component"]["Arn"].get<std::string>().rfind("arn:aws:ec2:ap-northeast-2:", 0) == 0);
    // The reply comes back the other way, from the private instance.
    const json& back = a["ReturnPathComponents"];
    REQUIRE(back.size() >= 4);
    CHECK(back[0]["Component"]["Id"] == s.priv_instance);
    CHECK(back[0]["OutboundHeader"]["SourcePortRanges"][0]["From"] == 22);
    CHECK(back.back()["Component"]["Id"] == s.pub_instance);
}

TEST_CASE("Reachability Analyzer: the blocking component, with the code the explanation-codes page gives it") {
    AnalyzerLab s;
    SUBCASE("no route: the private instance to S3 without a gateway endpoint") {
        const json a = s.analyse({{"Source", s.priv_instance}, {"DestinationIp", "198.18.10.10"}, {"DestinationPort", "443"}});
        CHECK(a["NetworkPathFound"] == false);
        REQUIRE(a["Explanations"].size() == 1);
        const json& x = a["Explanations"][0];
        CHECK(x["ExplanationCode"] == "NO_ROUTE_TO_DESTINATION");
        CHECK(x["RouteTable"]["Id"] == s.lab.priv_rt());
        CHECK(x["Subnet"]["Id"] == s.lab.priv);
        CHECK(x["Address"] == "198.18.10.10");
        CHECK(kinds(a["ForwardPathComponents"]) == std::vector<std::string>{"i", "eni"});
        CHECK(a["ReturnPathComponents"].empty());
    }
    SUBCASE("a network ACL rule denies ssh into the private subnet") {
        routing::NetworkAclEntry deny;
        deny.rule_number = 50;
        deny.protocol = "6";
        deny.cidr = routing::Cidr{0, 0};
        deny.port_range = routing::NetworkAclEntry::PortRange{22, 22};
        const std::string acl = s.state.commit([&](routing::VpcModel& m) {
            test::PipelineLab& lab = s.lab;
            const std::string id = m.create_network_acl("", lab.vpc, {}).id;
            m.create_network_acl_entry(id, deny);
            return id;
        });
        std::string association;
        for (const auto& a : s.state.model->network_acl_of(s.lab.priv).associations)
            if (a.subnet_id == s.lab.priv) association = a.association_id;
        s.ok("ReplaceNetworkAclAssociation", {{"AssociationId", association}, {"NetworkAclId", acl}});
        const json a = s.analyse({{"Source", s.pub_instance}, {"Destination", s.priv_instance}, {"DestinationPort", "22"}});
        CHECK(a["NetworkPathFound"] == false);
        const json& x = a["Explanations"][0];
        CHECK(x["ExplanationCode"] == "SUBNET_ACL_RESTRICTION");
        CHECK(x["Acl"]["Id"] == acl);
        CHECK(x["AclRule"]["RuleNumber"] == 50);
        CHECK(x["AclRule"]["RuleAction"] == "deny");
        CHECK(x["Direction"] == "ingress");
        CHECK(x["Subnet"]["Id"] == s.lab.priv);
    }
    SUBCASE("no inbound rule of the private instance's groups allows ssh") {
        const std::string group = s.ok("CreateSecurityGroup", {{"GroupName", "closed"}, {"Description", "d"}, {"VpcId", s.lab.vpc}})["GroupId"];
        const std::string eni = s.state.model->interface_on_port(s.lab.priv_host)->id;
        s.ok("ModifyNetworkInterfaceAttribute", {{"NetworkInterfaceId", eni}, {"Groups", {group}}});
        const json a = s.analyse({{"Source", s.pub_instance}, {"Destination", s.priv_instance}, {"DestinationPort", "22"}});
        const json& x = a["Explanations"][0];
        CHECK(x["ExplanationCode"] == "SG_HAS_NO_RULES");  // the new group has no inbound rule at all
        CHECK(x["NetworkInterface"]["Id"] == eni);
        CHECK(x["SecurityGroups"][0]["Id"] == group);
        CHECK(x["Direction"] == "ingress");
        s.ok("AuthorizeSecurityGroupIngress", {{"GroupId", group}, {"IpProtocol", "tcp"}, {"Port", "80"}, {"CidrIp", "0.0.0.0/0"}});
        const json b = s.analyse({{"Source", s.pub_instance}, {"Destination", s.priv_instance}, {"DestinationPort", "22"}});
        CHECK(b["Explanations"][0]["ExplanationCode"] == "ENI_SG_RULES_MISMATCH");
        CHECK(s.analyse({{"Source", s.pub_instance}, {"Destination", s.priv_instance}, {"DestinationPort", "80"}})["NetworkPathFound"] == true);
    }
    SUBCASE("from the internet gateway: an instance with a public IP, and one without") {
        const json a = s.analyse({{"Source", s.lab.igw}, {"Destination", s.pub_instance}, {"DestinationPort", "80"}});
        CHECK(a["NetworkPathFound"] == true);
        const json& fwd = a["ForwardPathComponents"];
        REQUIRE(!fwd.empty());
        CHECK(fwd[0]["Component"]["Id"] == s.lab.igw);
        CHECK(fwd[0]["InboundHeader"]["DestinationAddresses"][0] == "198.19.0.10/32");
        CHECK(fwd[0]["OutboundHeader"]["DestinationAddresses"][0] == "10.10.0.4/32");
        CHECK(fwd.back()["Component"]["Id"] == s.pub_instance);
        CHECK(a["ReturnPathComponents"].back()["Component"]["Id"] == s.lab.igw);
        const json b = s.analyse({{"Source", s.lab.igw}, {"Destination", s.priv_instance}, {"DestinationPort", "80"}});
        CHECK(b["NetworkPathFound"] == false);
        CHECK(b["Explanations"][0]["ExplanationCode"] == "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS");
    }
    SUBCASE("to the internet from an instance without a public IP") {
        s.ok("CreateRoute", {{"RouteTableId", s.lab.priv_rt()}, {"DestinationCidrBlock", "0.0.0.0/0"}, {"GatewayId", s.lab.igw}});
        const json a = s.analyse({{"Source", s.priv_instance}, {"Destination", s.lab.igw}, {"DestinationIp", "198.18.10.10"}, {"DestinationPort", "443"}});
        CHECK(a["Explanations"][0]["ExplanationCode"] == "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS");
        CHECK(a["Explanations"][0]["InternetGateway"]["Id"] == s.lab.igw);
        const json b = s.analyse({{"Source", s.pub_instance}, {"Destination", s.lab.igw}, {"DestinationIp", "198.18.10.10"}, {"DestinationPort", "443"}});
        CHECK(b["NetworkPathFound"] == true);
        CHECK(kinds(b["ForwardPathComponents"]).back() == "igw");
    }
    SUBCASE("to a public IP of the lab: out by the internet gateway, through the region, and in again") {
        const json a = s.analyse({{"Source", s.pub_instance}, {"DestinationIp", "198.19.0.10"}, {"DestinationPort", "80"}});
        CHECK(a["NetworkPathFound"] == true);
        const auto k = kinds(a["ForwardPathComponents"]);
        CHECK(std::count(k.begin(), k.end(), "igw") == 2);  // translated on the way out, and on the way in
        CHECK(a["ForwardPathComponents"].back()["InboundHeader"]["SourceAddresses"][0] == "198.19.0.10/32");
    }
    SUBCASE("a stopped instance is not in a functional state") {
        s.ok("StopInstances", {{"InstanceIds", {s.priv_instance}}});
        const json a = s.analyse({{"Source", s.pub_instance}, {"Destination", s.priv_instance}, {"DestinationPort", "22"}});
        CHECK(a["NetworkPathFound"] == false);
        CHECK(a["Explanations"][0]["ExplanationCode"] == "BAD_STATE");
        CHECK(a["Explanations"][0]["Component"]["Id"] == s.priv_instance);
    }
}

TEST_CASE("Reachability Analyzer: gateway endpoint, interface endpoint, load balancer and PrivateLink") {
    AnalyzerLab s(true);
    SUBCASE("the private instance reaches S3 through its gateway endpoint") {
        const json a = s.analyse({{"Source", s.priv_instance}, {"DestinationIp", "198.18.10.10"}, {"DestinationPort", "443"}});
        CHECK(a["NetworkPathFound"] == true);
        const json& fwd = a["ForwardPathComponents"];
        const auto k = kinds(fwd);
        CHECK(std::find(k.begin(), k.end(), "vpce") != k.end());
        bool prefix_list_route = false;
        for (const auto& c : fwd)
            if (c.contains("RouteTableRoute")) prefix_list_route = c["RouteTableRoute"].value("GatewayId", "") == s.lab.s3_endpoint &&
                                                                  c["RouteTableRoute"].contains("DestinationPrefixListId");
        CHECK(prefix_list_route);
        // Named by the endpoint, the same answer.
        CHECK(s.analyse({{"Source", s.priv_instance}, {"Destination", s.lab.s3_endpoint}, {"DestinationPort", "443"}})["NetworkPathFound"] == true);
    }
    SUBCASE("an interface endpoint, by its ID (port 443 unless given)") {
        const json a = s.analyse({{"Source", s.priv_instance}, {"Destination", s.lab.cf_endpoint}});
        CHECK(a["NetworkPathFound"] == true);
        const auto k = kinds(a["ForwardPathComponents"]);
        CHECK(std::count(k.begin(), k.end(), "vpce") == 1);
        const json b = s.analyse({{"Source", s.priv_instance}, {"Destination", s.lab.cf_endpoint}, {"DestinationPort", "22"}});
        CHECK(b["Explanations"][0]["ExplanationCode"] == "PROTOCOL_RESTRICTION");
    }
    SUBCASE("the load balancer, by its ARN: its targets out of the node's zone, then one in it; a port with no listener") {
        const std::string arn = s.state.model->load_balancers().front().id;
        // The node is in the public subnet's zone; the group's targets (the private instances) are not.
        const json a = s.analyse({{"Source", s.priv_instance}, {"Destination", arn}});
        CHECK(a["NetworkPathFound"] == false);
        CHECK(a["Explanations"][0]["ExplanationCode"] == "ELBV2_NO_TARGETS_IN_AZ");
        CHECK(a["Explanations"][0]["LoadBalancerListenerPort"] == 80);
        s.ok("RegisterTargets", {{"TargetGroupArn", s.state.model->target_groups().front().id}, {"Targets", {{{"Id", s.pub_instance}}}}});
        const json b = s.analyse({{"Source", s.priv_instance}, {"Destination", arn}});
        CHECK(b["NetworkPathFound"] == true);
        bool listener = false;
        for (const auto& c : b["ForwardPathComponents"])
            if (c["Component"]["Id"] == arn) listener = c.contains("ElasticLoadBalancerListener");
        CHECK(listener);
        CHECK(b["ForwardPathComponents"].back()["Component"]["Id"] == s.pub_instance);
        const json c = s.analyse({{"Source", s.priv_instance}, {"Destination", arn}, {"DestinationPort", "81"}});
        CHECK(c["Explanations"][0]["ExplanationCode"] == "ELBV2_LISTENERS_MISMATCH");
        CHECK(c["Explanations"][0]["LoadBalancerArn"] == arn);
    }
    SUBCASE("PrivateLink: pending acceptance, then accepted") {
        const routing::EndpointService svc = s.state.model->endpoint_services().front();  // a copy: each commit replaces the model
        // A target in the load balancer's zone; an endpoint (in that zone too) the provider must accept.
        s.ok("RegisterTargets", {{"TargetGroupArn", s.state.model->target_groups().front().id}, {"Targets", {{{"Id", s.pub_instance}}}}});
        s.ok("ModifyVpcEndpointServiceConfiguration", {{"ServiceId", svc.id}, {"AcceptanceRequired", true}});
        const json created = s.ok("CreateVpcEndpoint", {{"VpcId", s.lab.vpc}, {"ServiceName", svc.service_name}, {"VpcEndpointType", "Interface"},
                                                        {"SubnetIds", {s.lab.pub}}});
        const std::string endpoint = created["VpcEndpoint"]["VpcEndpointId"];
        REQUIRE(created["VpcEndpoint"]["State"] == "pendingAcceptance");
        const json a = s.analyse({{"Source", s.priv_instance}, {"Destination", endpoint}, {"DestinationPort", "80"}});
        CHECK(a["NetworkPathFound"] == false);
        CHECK(a["Explanations"][0]["ExplanationCode"] == "BAD_STATE");
        CHECK(a["Explanations"][0]["VpcEndpoint"]["Id"] == endpoint);
        CHECK(a["Explanations"][0]["State"] == "pendingAcceptance");
        s.ok("AcceptVpcEndpointConnections", {{"ServiceId", svc.id}, {"VpcEndpointIds", {endpoint}}});
        const json b = s.analyse({{"Source", s.priv_instance}, {"Destination", endpoint}, {"DestinationPort", "80"}});
        CHECK(b["NetworkPathFound"] == true);
        const auto k = kinds(b["ForwardPathComponents"]);
        CHECK(std::find(k.begin(), k.end(), "vpce") != k.end());
        CHECK(std::find(k.begin(), k.end(), "arn") != k.end());  // the provider's load balancer
        CHECK(b["ForwardPathComponents"].back()["Component"]["Id"] == s.pub_instance);
    }
}

TEST_CASE("Reachability Analyzer: describe, filters, tags, delete; refusals name what is wrong and change nothing") {
    AnalyzerLab s;
    const json path = s.ok("CreateNetworkInsightsPath", {{"Source", s.pub_instance}, {"Destination", s.priv_instance}, {"Protocol", "TCP"}, {"DestinationPort", "22"},
                                                         {"TagSpecifications", {{{"ResourceType", "network-insights-path"}, {"Tags", {{{"Key", "Name"}, {"Value", "ssh"}}}}}}}})["NetworkInsightsPath"];
    const std::string id = path["NetworkInsightsPathId"];
    CHECK(id.rfind("nip-", 0) == 0);
    CHECK(path["Protocol"] == "tcp");
    CHECK(path["DestinationPort"] == 22);
    CHECK(path["SourceArn"] == "arn:aws:ec2:ap-northeast-2:" + std::string(routing::lab_account_id) + ":instance/" + s.pub_instance);
    CHECK(path["Tags"][0]["Value"] == "ssh");
    const json before = s.ok("DescribeNetworkInsightsPaths", json::object());
    REQUIRE(before["NetworkInsightsPaths"].size() == 1);

    // Refused, and no path made.
    CHECK(s.refused("CreateNetworkInsightsPath", {{"Source", s.pub_instance}, {"Destination", s.priv_instance}, {"Protocol", "icmp"}}) == "InvalidParameterValue");
    CHECK(s.refused("CreateNetworkInsightsPath", {{"Source", "i-0000000000000dead"}, {"Destination", s.priv_instance}, {"Protocol", "tcp"}, {"DestinationPort", "22"}}) ==
          "InvalidParameterValue");
    CHECK(s.refused("CreateNetworkInsightsPath", {{"Source", s.pub_instance}, {"Destination", s.priv_instance}, {"Protocol", "tcp"}}) == "MissingParameter");
    CHECK(s.refused("CreateNetworkInsightsPath", {{"Source", s.pub_instance}, {"Protocol", "tcp"}, {"DestinationPort", "22"}}) == "MissingParameter");
    CHECK(s.refused("CreateNetworkInsightsPath", {{"Source", s.pub_instance}, {"Destination", s.priv_instance}, {"Protocol", "tcp"},
                                                  {"FilterAtSource", {{{"DestinationPortRange", {{"FromPort", 1}, {"ToPort", 1024}}}}}}}) == "InvalidParameterValue");
    CHECK(s.refused("CreateNetworkInsightsPath", {{"Source", s.pub_instance}, {"Destination", s.priv_instance}, {"Protocol", "tcp"}, {"DestinationPort", "22"},
                                                  {"SourceIp", "10.10.0.9"}}) == "InvalidParameterValue");
    CHECK(s.ok("DescribeNetworkInsightsPaths", json::object()) == before);
    CHECK(s.refused("DescribeNetworkInsightsPaths", {{"NetworkInsightsPathIds", {"nip-00000000000000000"}}}) == "InvalidNetworkInsightsPathId.NotFound");
    CHECK(s.refused("StartNetworkInsightsAnalysis", {{"NetworkInsightsPathId", "nip-00000000000000000"}}) == "InvalidNetworkInsightsPathId.NotFound");
    CHECK(s.refused("StartNetworkInsightsAnalysis", {{"NetworkInsightsPathId", id}, {"FilterInArns", {"arn:aws:ec2:x"}}}) == "InvalidParameterValue");
    CHECK(s.ok("DescribeNetworkInsightsAnalyses", json::object())["NetworkInsightsAnalyses"].empty());

    // The filter-at-source form of the port, and the filters of the describe calls.
    const std::string by_filter = s.ok("CreateNetworkInsightsPath", {{"Source", s.pub_instance}, {"Destination", s.priv_instance}, {"Protocol", "tcp"},
                                                                     {"FilterAtSource", {{{"DestinationPortRange", {{"FromPort", 22}, {"ToPort", 22}}}}}}})["NetworkInsightsPath"]["NetworkInsightsPathId"];
    CHECK(s.ok("DescribeNetworkInsightsPaths", {{"Filters", {{{"Name", "tag:Name"}, {"Values", {"ssh"}}}}}})["NetworkInsightsPaths"].size() == 1);
    const std::string analysis = s.ok("StartNetworkInsightsAnalysis", {{"NetworkInsightsPathId", by_filter}})["NetworkInsightsAnalysis"]["NetworkInsightsAnalysisId"];
    CHECK(analysis.rfind("nia-", 0) == 0);
    CHECK(s.ok("DescribeNetworkInsightsAnalyses", {{"Filters", {{{"Name", "path-found"}, {"Values", {"true"}}}}}})["NetworkInsightsAnalyses"].size() == 1);
    CHECK(s.ok("DescribeNetworkInsightsAnalyses", {{"Filters", {{{"Name", "path-found"}, {"Values", {"false"}}}}}})["NetworkInsightsAnalyses"].empty());
    CHECK(s.ok("DescribeNetworkInsightsAnalyses", {{"NetworkInsightsPathId", id}})["NetworkInsightsAnalyses"].empty());
    s.ok("CreateTags", {{"Resources", {analysis}}, {"Tags", {{{"Key", "k"}, {"Value", "v"}}}}});
    CHECK(s.ok("DescribeNetworkInsightsAnalyses", {{"Filters", {{{"Name", "tag:k"}, {"Values", {"v"}}}}}})["NetworkInsightsAnalyses"].size() == 1);

    // Deleting: the analysis, then a path with its analyses; unknown IDs are refused.
    CHECK(s.ok("DeleteNetworkInsightsAnalysis", {{"NetworkInsightsAnalysisId", analysis}})["NetworkInsightsAnalysisId"] == analysis);
    CHECK(s.refused("DeleteNetworkInsightsAnalysis", {{"NetworkInsightsAnalysisId", analysis}}) == "InvalidNetworkInsightsAnalysisId.NotFound");
    s.ok("StartNetworkInsightsAnalysis", {{"NetworkInsightsPathId", by_filter}});
    CHECK(s.ok("DeleteNetworkInsightsPath", {{"NetworkInsightsPathId", by_filter}})["NetworkInsightsPathId"] == by_filter);
    CHECK(s.ok("DescribeNetworkInsightsAnalyses", json::object())["NetworkInsightsAnalyses"].empty());
    CHECK(s.refused("DeleteNetworkInsightsPath", {{"NetworkInsightsPathId", by_filter}}) == "InvalidNetworkInsightsPathId.NotFound");
    CHECK(s.ok("DescribeNetworkInsightsPaths", json::object()) == before);
}
