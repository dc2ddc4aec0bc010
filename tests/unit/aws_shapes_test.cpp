// Every answer of the action registry, as the AWS endpoint writes it, conforms to botocore's output shape:
// on both seed labs (and a lab with the rest of the resource kinds), every describe call's result and the
// results of the calls that build a lab are walked by the model, and no member may be one the shape lacks
// (botocore would silently drop it, so the aws CLI would not show it) or of another type than the shape's.
#include <doctest/doctest.h>

#include <set>

#include "router/aws_api/service_model.hpp"
#include "router/aws_api/xml_response.hpp"
#include "router/control/control_api.hpp"
#include "router/control/ec2_actions.hpp"
#include "router/template/template_loader.hpp"
#include "tests/unit/seed_lab_state.hpp"
#include "routing/availability_zone_id.hpp"
#include "routing/aws_account.hpp"

using namespace vpclab;
using namespace vpclab::router;

namespace {

struct SeedLab {
    RouterState state;
    explicit SeedLab(const char* file) { test::load_seed_lab(state, file, "shapes"); }
};

// Runs an action and returns what its reply carries that botocore's output shape does not. A refused call
// fails the test unless `may_refuse` (a describe call that needs one of two optional parameters).
std::vector<std::string> nonconforming(RouterState& state, const std::string& action, const nlohmann::json& params,
                                       nlohmann::ordered_json* result = nullptr, bool may_refuse = false) {
    const ActionSpec* spec = find_action(action);
    REQUIRE(spec != nullptr);
    const aws_api::ServiceModel& model = *aws_api::service_model(spec->service);
    nlohmann::ordered_json reply = handle_control_request({{"Action", action}, {"Params", params}}, state);
    INFO(action << " " << params.dump() << ": " << reply.dump());
    if (may_refuse && !reply.value("ok", false)) return {};
    REQUIRE(reply.value("ok", false));
    if (result) *result = reply["result"];
    std::vector<std::string> out;
    aws_api::encode_xml_response(model, *model.operation(action), reply["result"], "r", &out);
    for (auto& o : out) o = action + " " + o;
    return out;
}

// Runs an action, collecting what its answer carries beyond the shape into `problems`; returns the result.
auto collecting(RouterState& state, std::vector<std::string>& problems) {
    return [&state, &problems](const std::string& action, const nlohmann::json& params) {
        nlohmann::ordered_json result;
        for (auto& p : nonconforming(state, action, params, &result)) problems.push_back(std::move(p));
        return result;
    };
}

void describe_everything(RouterState& state, std::vector<std::string>& problems, std::size_t& calls) {
    for (const auto& spec : ec2_actions()) {
        const std::string_view action = spec.action;
        if (action.substr(0, 8) != "Describe" || std::string_view(spec.service) == "logs") continue;
        bool needs_input = false;
        for (const auto& p : spec.params) needs_input |= p.required;
        if (needs_input) continue;
        for (auto& p : nonconforming(state, spec.action, nlohmann::json::object(), nullptr, true)) problems.push_back(std::move(p));
        ++calls;
    }
}

// Members AWS added after botocore 1.29's model (Debian 12's): current AWS answers them and newer clients
// show them; the CLI this lab is tested with drops them, as it would from AWS itself.
bool newer_than_the_model(const std::string& problem) {
    const auto ends_with = [&problem](std::string_view member) {
        return problem.size() > member.size() && problem.compare(problem.size() - member.size(), member.size(), member) == 0 &&
               (problem[problem.size() - member.size() - 1] == '.' || problem[problem.size() - member.size() - 1] == ' ');
    };
    return ends_with("SecurityGroupArn") || ends_with("SecurityGroupRuleArn");
}

std::string listed(const std::vector<std::string>& problems) {
    std::set<std::string> unique;
    for (const auto& p : problems)
        if (!newer_than_the_model(p)) unique.insert(p);
    std::string text;
    for (const auto& p : unique) text += "\n  " + p;
    return text;
}

}  // namespace

TEST_CASE("every describe call's answer on both seed labs is botocore's output shape, member for member") {
    std::vector<std::string> problems;
    std::size_t calls = 0;
    for (const char* file : {"endpoints-lab.yaml", "privatelink-lab.yaml"}) {
        SeedLab lab(file);
        describe_everything(lab.state, problems, calls);
        // The describe calls that need an ID.
        const auto& m = *lab.state.model;
        for (const char* attribute : {"enableDnsSupport", "enableDnsHostnames"})
            for (auto& p : nonconforming(lab.state, "DescribeVpcAttribute", {{"VpcId", m.vpcs().front().id}, {"Attribute", attribute}})) problems.push_back(p);
        for (const char* attribute : {"sourceDestCheck", "groupSet", "instanceType"})
            for (auto& p : nonconforming(lab.state, "DescribeInstanceAttribute", {{"InstanceId", m.instances().front().id}, {"Attribute", attribute}}))
                problems.push_back(p);
        // CloudFormation's views of the lab's first stack.
        const auto& stack = lab.state.cloudformation_stacks.front();
        for (const char* action : {"ListStackResources", "GetTemplate", "DescribeStackResources"})
            for (auto& p : nonconforming(lab.state, action, {{"StackName", "shapes"}})) problems.push_back(p);
        for (auto& p : nonconforming(lab.state, "ListStacks", nlohmann::json::object())) problems.push_back(p);
        for (auto& p : nonconforming(lab.state, "DescribeStackResource", {{"StackName", stack.id}, {"LogicalResourceId", stack.resources.back().logical_id}}))
            problems.push_back(p);
        for (auto& p : nonconforming(lab.state, "ValidateTemplate", {{"TemplateBody", stack.template_body}})) problems.push_back(p);
        nlohmann::ordered_json groups;
        for (auto& p : nonconforming(lab.state, "DescribeTargetGroups", nlohmann::json::object(), &groups)) problems.push_back(p);
        for (const auto& g : groups["TargetGroups"])
            for (auto& p : nonconforming(lab.state, "DescribeTargetHealth", {{"TargetGroupArn", g["TargetGroupArn"]}})) problems.push_back(p);
        nlohmann::ordered_json balancers;
        for (auto& p : nonconforming(lab.state, "DescribeLoadBalancers", nlohmann::json::object(), &balancers)) problems.push_back(p);
        for (const auto& b : balancers["LoadBalancers"]) {
            for (auto& p : nonconforming(lab.state, "DescribeListeners", {{"LoadBalancerArn", b["LoadBalancerArn"]}})) problems.push_back(p);
            for (auto& p : nonconforming(lab.state, "DescribeLoadBalancerAttributes", {{"LoadBalancerArn", b["LoadBalancerArn"]}})) problems.push_back(p);
        }
    }
    CHECK(calls >= 30);
    CHECK_MESSAGE(listed(problems).empty(), listed(problems));
}

TEST_CASE("the answers of the calls that build a lab are botocore's output shapes, member for member") {
    SeedLab lab("endpoints-lab.yaml");
    std::vector<std::string> problems;
    const auto run = collecting(lab.state, problems);
    const auto tags = [](const char* type) { return nlohmann::json::array({{{"ResourceType", type}, {"Tags", {{{"Key", "Name"}, {"Value", "x"}}}}}}); };
    const std::string vpc = run("CreateVpc", {{"CidrBlock", "10.50.0.0/16"}, {"TagSpecifications", tags("vpc")}})["Vpc"]["VpcId"];
    const std::string subnet = run("CreateSubnet", {{"VpcId", vpc}, {"CidrBlock", "10.50.1.0/24"}, {"AvailabilityZone", "ap-northeast-2a"}})["Subnet"]["SubnetId"];
    const std::string other = run("CreateSubnet", {{"VpcId", vpc}, {"CidrBlock", "10.50.2.0/24"}, {"AvailabilityZone", "ap-northeast-2c"}})["Subnet"]["SubnetId"];
    run("ModifySubnetAttribute", {{"SubnetId", subnet}, {"MapPublicIpOnLaunch", {{"Value", true}}}});
    const std::string rt = run("CreateRouteTable", {{"VpcId", vpc}})["RouteTable"]["RouteTableId"];
    run("AssociateRouteTable", {{"RouteTableId", rt}, {"SubnetId", subnet}});
    const std::string igw = run("CreateInternetGateway", nlohmann::json::object())["InternetGateway"]["InternetGatewayId"];
    run("AttachInternetGateway", {{"InternetGatewayId", igw}, {"VpcId", vpc}});
    run("CreateRoute", {{"RouteTableId", rt}, {"DestinationCidrBlock", "0.0.0.0/0"}, {"GatewayId", igw}});
    const std::string sg = run("CreateSecurityGroup", {{"GroupName", "web"}, {"Description", "web"}, {"VpcId", vpc}})["GroupId"];
    run("AuthorizeSecurityGroupIngress",
        {{"GroupId", sg}, {"IpPermissions", {{{"IpProtocol", "tcp"}, {"FromPort", "80"}, {"ToPort", "80"}, {"IpRanges", {{{"CidrIp", "0.0.0.0/0"}}}}}}}});
    run("AuthorizeSecurityGroupEgress",
        {{"GroupId", sg}, {"IpPermissions", {{{"IpProtocol", "udp"}, {"FromPort", "53"}, {"ToPort", "53"}, {"IpRanges", {{{"CidrIp", "10.0.0.0/8"}}}}}}}});
    const std::string acl = run("CreateNetworkAcl", {{"VpcId", vpc}})["NetworkAcl"]["NetworkAclId"];
    run("CreateNetworkAclEntry", {{"NetworkAclId", acl}, {"RuleNumber", "100"}, {"Protocol", "-1"}, {"RuleAction", "allow"}, {"Egress", false},
                                   {"CidrBlock", "0.0.0.0/0"}});
    run("CreateKeyPair", {{"KeyName", "shapes-key"}});
    const std::string allocation = run("AllocateAddress", {{"Domain", "vpc"}})["AllocationId"];
    const auto launched = run("RunInstances", {{"ImageId", "ami-0c9c942bd7bf113a2"}, {"SubnetId", subnet}, {"MinCount", "2"}, {"MaxCount", "2"},
                                               {"SecurityGroupIds", {sg}}, {"TagSpecifications", tags("instance")}});
    const std::string instance = launched["Instances"][0]["InstanceId"];
    run("AssociateAddress", {{"AllocationId", allocation}, {"InstanceId", instance}});
    const std::string eni = run("CreateNetworkInterface", {{"SubnetId", other}, {"Groups", {sg}}})["NetworkInterface"]["NetworkInterfaceId"];
    run("ModifyNetworkInterfaceAttribute", {{"NetworkInterfaceId", eni}, {"SourceDestCheck", {{"Value", false}}}});
    run("CreateVpcEndpoint", {{"VpcId", vpc}, {"ServiceName", "com.amazonaws.ap-northeast-2.s3"}, {"RouteTableIds", {rt}}});
    run("ModifyVpcAttribute", {{"VpcId", vpc}, {"EnableDnsHostnames", {{"Value", true}}}});
    run("CreateVpcEndpoint", {{"VpcId", vpc}, {"ServiceName", "com.amazonaws.ap-northeast-2.ec2"}, {"VpcEndpointType", "Interface"}, {"SubnetIds", {subnet}}});
    run("CreateManagedPrefixList", {{"PrefixListName", "office"}, {"AddressFamily", "IPv4"}, {"MaxEntries", "5"}, {"Entries", {{{"Cidr", "192.0.2.0/24"}}}}});
    run("CreateFlowLogs", {{"ResourceType", "VPC"}, {"ResourceIds", {vpc}}, {"TrafficType", "ALL"}, {"LogGroupName", "shapes"}});
    const std::string path = run("CreateNetworkInsightsPath", {{"Source", instance}, {"Destination", launched["Instances"][1]["InstanceId"]}, {"Protocol", "tcp"},
                                                               {"DestinationPort", "80"}})["NetworkInsightsPath"]["NetworkInsightsPathId"];
    run("StartNetworkInsightsAnalysis", {{"NetworkInsightsPathId", path}});
    run("DescribeNetworkInsightsAnalyses", nlohmann::json::object());
    run("CreateTags", {{"Resources", {vpc}}, {"Tags", {{{"Key", "env"}, {"Value", "lab"}}}}});
    const std::string tg = run("CreateTargetGroup", {{"Name", "shapes-tg"}, {"Protocol", "TCP"}, {"Port", "80"}, {"VpcId", vpc}})["TargetGroups"][0]["TargetGroupArn"];
    run("RegisterTargets", {{"TargetGroupArn", tg}, {"Targets", {{{"Id", instance}}}}});
    const std::string lb = run("CreateLoadBalancer", {{"Name", "shapes-nlb"}, {"Type", "network"}, {"Subnets", {subnet}}})["LoadBalancers"][0]["LoadBalancerArn"];
    run("CreateListener", {{"LoadBalancerArn", lb}, {"Protocol", "TCP"}, {"Port", "80"}, {"DefaultActions", {{{"Type", "forward"}, {"TargetGroupArn", tg}}}}});
    run("CreateVpcEndpointServiceConfiguration", {{"NetworkLoadBalancerArns", {lb}}, {"AcceptanceRequired", false}});
    // Traffic Mirroring between the seed's two instances: a target, a filter with a rule, a session, each modified.
    const std::string source_eni = lab.state.model->instances()[0].network_interface_ids.front();
    const std::string target_eni = lab.state.model->instances()[1].network_interface_ids.front();
    const std::string tmt = run("CreateTrafficMirrorTarget", {{"NetworkInterfaceId", target_eni}, {"Description", "monitor"}, {"ClientToken", "t1"},
                                                              {"TagSpecifications", tags("traffic-mirror-target")}})["TrafficMirrorTarget"]["TrafficMirrorTargetId"];
    const std::string tmf = run("CreateTrafficMirrorFilter", {{"Description", "web"}, {"ClientToken", "t2"}})["TrafficMirrorFilter"]["TrafficMirrorFilterId"];
    const std::string tmfr = run("CreateTrafficMirrorFilterRule", {{"TrafficMirrorFilterId", tmf}, {"TrafficDirection", "ingress"}, {"RuleNumber", "10"},
                                                                   {"RuleAction", "accept"}, {"Protocol", "6"}, {"DestinationPortRange", {{{"FromPort", "80"}, {"ToPort", "80"}}}},
                                                                   {"DestinationCidrBlock", "0.0.0.0/0"}, {"SourceCidrBlock", "0.0.0.0/0"}, {"ClientToken", "t3"}})
                                 ["TrafficMirrorFilterRule"]["TrafficMirrorFilterRuleId"];
    run("ModifyTrafficMirrorFilterRule", {{"TrafficMirrorFilterRuleId", tmfr}, {"RemoveFields", {"destination-port-range"}}, {"Protocol", "17"}});
    run("ModifyTrafficMirrorFilterNetworkServices", {{"TrafficMirrorFilterId", tmf}, {"AddNetworkServices", {"amazon-dns"}}});
    const std::string tms = run("CreateTrafficMirrorSession", {{"NetworkInterfaceId", source_eni}, {"TrafficMirrorTargetId", tmt}, {"TrafficMirrorFilterId", tmf},
                                                               {"SessionNumber", "1"}, {"PacketLength", "100"}, {"ClientToken", "t4"}})["TrafficMirrorSession"]["TrafficMirrorSessionId"];
    run("ModifyTrafficMirrorSession", {{"TrafficMirrorSessionId", tms}, {"VirtualNetworkId", "42"}, {"Description", "web"}});
    run("TerminateInstances", {{"InstanceIds", {launched["Instances"][1]["InstanceId"]}}});
    std::size_t calls = 0;
    describe_everything(lab.state, problems, calls);
    CHECK(calls >= 20);  // every describe call without a required parameter (26 today) walked over the built lab
    CHECK_MESSAGE(listed(problems).empty(), listed(problems));
}

TEST_CASE("the CloudFormation calls that make and remove stacks answer botocore's output shapes") {
    SeedLab lab("endpoints-lab.yaml");
    std::vector<std::string> problems;
    const auto run = collecting(lab.state, problems);
    const std::string body = test::seed_template("privatelink-lab.yaml");
    const nlohmann::json key = nlohmann::json::array({{{"ParameterKey", "KeyName"}, {"ParameterValue", "k"}}});
    const std::string change_set = run("CreateChangeSet", {{"StackName", "two"}, {"ChangeSetName", "c1"}, {"TemplateBody", body}, {"ChangeSetType", "CREATE"},
                                                           {"Parameters", key}, {"Capabilities", {"CAPABILITY_IAM"}}, {"Description", "d"}})["Id"];
    run("DescribeChangeSet", {{"ChangeSetName", change_set}});
    run("ListChangeSets", {{"StackName", "two"}});
    run("GetTemplateSummary", {{"TemplateBody", body}});
    run("ExecuteChangeSet", {{"ChangeSetName", change_set}});
    run("GetTemplateSummary", {{"StackName", "two"}});
    run("DescribeStacks", {{"StackName", "two"}});
    run("DescribeStackEvents", {{"StackName", "two"}});
    run("CreateChangeSet", {{"StackName", "two"}, {"ChangeSetName", "same"}, {"TemplateBody", body}, {"Parameters", key}});
    run("DescribeChangeSet", {{"ChangeSetName", "same"}, {"StackName", "two"}});
    run("DeleteChangeSet", {{"ChangeSetName", "same"}, {"StackName", "two"}});
    run("CreateStack", {{"StackName", "three"}, {"TemplateBody", "Resources:\n  V:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.9.0.0/8\n"},
                        {"Tags", {{{"Key", "a"}, {"Value", "b"}}}}});
    run("DescribeStacks", {{"StackName", "three"}});
    run("DeleteStack", {{"StackName", "two"}});
    run("DeleteStack", {{"StackName", "three"}});
    run("ListStacks", nlohmann::json::object());
    CHECK_MESSAGE(listed(problems).empty(), listed(problems));
}

TEST_CASE("the members the real clients look for: launch times, private address lists, zone IDs, Elastic IP owners") {
    SeedLab lab("endpoints-lab.yaml");
    const auto result = [&](const std::string& action, const nlohmann::json& params = nlohmann::json::object()) {
        nlohmann::ordered_json out;
        const auto problems = nonconforming(lab.state, action, params, &out);
        CHECK_MESSAGE(problems.empty(), (problems.empty() ? std::string() : problems.front()));
        return out;
    };
    const auto reservations = result("DescribeInstances")["Reservations"];
    REQUIRE(!reservations.empty());
    std::string public_eni;
    for (const auto& r : reservations)
        for (const auto& i : r["Instances"]) {
            CHECK_MESSAGE(i.contains("LaunchTime"), "a template's instance has its LaunchTime");
            CHECK(i["Architecture"] == "x86_64");
            CHECK(i["RootDeviceType"] == "ebs");
            CHECK(i["VirtualizationType"] == "hvm");
            CHECK(i["PlatformDetails"] == "Linux/UNIX");
            CHECK(i["Monitoring"]["State"] == "disabled");
            const auto& eni = i["NetworkInterfaces"][0];
            CHECK(eni["PrivateIpAddresses"][0]["PrivateIpAddress"] == eni["PrivateIpAddress"]);
            CHECK(eni["PrivateIpAddresses"][0]["Primary"] == true);
            CHECK(eni["Attachment"]["AttachTime"] == i["LaunchTime"]);
            if (i.contains("PublicIpAddress")) {
                public_eni = eni["NetworkInterfaceId"];
                CHECK(eni["Association"]["PublicIp"] == i["PublicIpAddress"]);
                CHECK(eni["Association"]["PublicDnsName"] == i["PublicDnsName"]);
                CHECK(eni["Association"]["IpOwnerId"] == "amazon");  // auto-assigned
            }
        }
    REQUIRE(!public_eni.empty());
    const auto subnets = result("DescribeSubnets")["Subnets"];  // named: a loop over a temporary's member dangles
    for (const auto& s : subnets) {
        const std::string zone = s["AvailabilityZone"];
        CHECK(s["AvailabilityZoneId"] == "apne2-az" + std::to_string(zone.back() - 'a' + 1));
        CHECK(s["Ipv6CidrBlockAssociationSet"].empty());
        CHECK(s["PrivateDnsNameOptionsOnLaunch"]["HostnameType"] == "ip-name");
    }
    // An Elastic IP moved onto the public instance: the account owns it, and its IDs show on the ENI.
    const std::string allocation = result("AllocateAddress")["AllocationId"];
    const std::string association = result("AssociateAddress", {{"AllocationId", allocation}, {"NetworkInterfaceId", public_eni}})["AssociationId"];
    const auto enis = result("DescribeNetworkInterfaces", {{"NetworkInterfaceIds", {public_eni}}})["NetworkInterfaces"];
    REQUIRE(enis.size() == 1);
    CHECK(enis[0]["Association"]["IpOwnerId"] == routing::lab_account_id);
    CHECK(enis[0]["Association"]["AllocationId"] == allocation);
    CHECK(enis[0]["Association"]["AssociationId"] == association);
    CHECK(enis[0]["PrivateIpAddresses"][0]["Association"]["AllocationId"] == allocation);
    CHECK(enis[0]["Attachment"].contains("AttachTime"));
    // Elastic IPs carry tags: given at allocation (elastic-ip) or added by CreateTags, and filtered on.
    const std::string tagged = result("AllocateAddress", {{"TagSpecifications", {{{"ResourceType", "elastic-ip"}, {"Tags", {{{"Key", "Name"}, {"Value", "web-ip"}}}}}}}})["AllocationId"];
    result("CreateTags", {{"Resources", {allocation}}, {"Tags", {{{"Key", "env"}, {"Value", "lab"}}}}});
    const auto addresses = result("DescribeAddresses", {{"Filters", {{{"Name", "tag:Name"}, {"Values", {"web-ip"}}}}}})["Addresses"];
    REQUIRE(addresses.size() == 1);
    CHECK(addresses[0]["AllocationId"] == tagged);
    CHECK(addresses[0]["Tags"][0]["Value"] == "web-ip");
    const auto associated = result("DescribeAddresses", {{"AllocationIds", {allocation}}})["Addresses"];
    REQUIRE(associated.size() == 1);
    CHECK(associated[0]["Tags"][0]["Key"] == "env");
    CHECK(associated[0]["InstanceId"].get<std::string>().rfind("i-", 0) == 0);
}

TEST_CASE("Availability Zone IDs by AWS's naming: area, compass initials, number, az and the zone's letter") {
    CHECK(routing::availability_zone_id("ap-northeast-2a") == "apne2-az1");
    CHECK(routing::availability_zone_id("ap-northeast-2c") == "apne2-az3");
    CHECK(routing::availability_zone_id("us-east-1d") == "use1-az4");
    CHECK(routing::availability_zone_id("eu-central-1b") == "euc1-az2");
    CHECK(routing::availability_zone_id("us-west-2a") == "usw2-az1");
    CHECK(routing::availability_zone_id("ap-southeast-1a") == "apse1-az1");
    CHECK(routing::availability_zone_id("ap-northeast-2") == "");
    CHECK(routing::availability_zone_id("mars-up-1a") == "");
    CHECK(routing::availability_zone_id("") == "");
}
