// The Traffic Mirroring calls of the EC2 API (router/control/ec2/traffic_mirroring.cpp) and its CloudFormation
// types (router/template/resources/traffic_mirroring.cpp): each resource described back with exactly the
// members botocore's shapes name (unset ones left out), modifications and RemoveFields, filters by name,
// refusals (in use, not found, what vpclab does not do) changing nothing, and a stack of all four types made
// and deleted.
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "router/control/control_api.hpp"
#include "routing/aws_account.hpp"
#include "tests/unit/control_lab.hpp"
#include "tests/unit/seed_lab_state.hpp"

using namespace vpclab;
using namespace vpclab::router;
using nlohmann::json;
using ojson = nlohmann::ordered_json;  // replies, in the order of their members

namespace {

// A reply object's member names, in order.
std::vector<std::string> keys(const ojson& object) {
    std::vector<std::string> out;
    for (auto it = object.begin(); it != object.end(); ++it) out.push_back(it.key());
    return out;
}

json name_tag(const char* type, const char* name) { return json::array({{{"ResourceType", type}, {"Tags", {{{"Key", "Name"}, {"Value", name}}}}}}); }

struct MirrorLab : test::ControlLab {
    std::string source_eni, target_eni;
    MirrorLab() {
        source_eni = state.model->interface_on_port(lab.pub_host)->id;
        target_eni = state.model->interface_on_port(lab.priv_host)->id;
    }
    // A call that must succeed: its result with its members in the order the handler gave them.
    ojson ok(const std::string& action, const json& params) {
        const ojson r = handle_control_request(json{{"Action", action}, {"Params", params}}, state);
        INFO(action << " " << params.dump() << ": " << r.dump(-1, ' ', false, json::error_handler_t::replace));
        REQUIRE(r["ok"] == true);
        return r["result"];
    }
    // What the three describe calls show: what a refusal must leave as it was.
    std::string everything() {
        return ok("DescribeTrafficMirrorTargets", json::object()).dump() + ok("DescribeTrafficMirrorFilters", json::object()).dump() +
               ok("DescribeTrafficMirrorSessions", json::object()).dump();
    }
    std::string message(const std::string& action, const json& params) {
        const json r = call(action, params);
        return r["ok"] == true ? "no error" : r["error"]["Message"].get<std::string>();
    }
};

// A target (the private ENI), a filter with an ingress and an egress rule, and a session of the public ENI.
struct Mirrored {
    std::string target, filter, ingress_rule, egress_rule, session;
};
Mirrored mirror(MirrorLab& s) {
    Mirrored m;
    m.target = s.ok("CreateTrafficMirrorTarget", {{"NetworkInterfaceId", s.target_eni}})["TrafficMirrorTarget"]["TrafficMirrorTargetId"].get<std::string>();
    m.filter = s.ok("CreateTrafficMirrorFilter", {{"Description", "web"}})["TrafficMirrorFilter"]["TrafficMirrorFilterId"].get<std::string>();
    m.ingress_rule = s.ok("CreateTrafficMirrorFilterRule", {{"TrafficMirrorFilterId", m.filter}, {"TrafficDirection", "ingress"}, {"RuleNumber", "100"},
                                                            {"RuleAction", "accept"}, {"Protocol", "6"}, {"DestinationPortRange", {{{"FromPort", 80}, {"ToPort", 80}}}},
                                                            {"DestinationCidrBlock", "10.10.0.0/16"}, {"SourceCidrBlock", "0.0.0.0/0"}, {"Description", "http in"}})
                         ["TrafficMirrorFilterRule"]["TrafficMirrorFilterRuleId"]
                             .get<std::string>();
    m.egress_rule = s.ok("CreateTrafficMirrorFilterRule", {{"TrafficMirrorFilterId", m.filter}, {"TrafficDirection", "egress"}, {"RuleNumber", "200"},
                                                           {"RuleAction", "reject"}, {"DestinationCidrBlock", "0.0.0.0/0"}, {"SourceCidrBlock", "10.10.0.0/16"}})
                        ["TrafficMirrorFilterRule"]["TrafficMirrorFilterRuleId"]
                            .get<std::string>();
    m.session = s.ok("CreateTrafficMirrorSession", {{"NetworkInterfaceId", s.source_eni}, {"TrafficMirrorTargetId", m.target},
                                                    {"TrafficMirrorFilterId", m.filter}, {"SessionNumber", "1"}})["TrafficMirrorSession"]["TrafficMirrorSessionId"]
                    .get<std::string>();
    return m;
}

}  // namespace

TEST_CASE("traffic mirror targets, filters, rules and sessions: created and described back with botocore's members, unset ones left out") {
    MirrorLab s;
    // A target: ClientToken echoed after it (CreateTrafficMirrorTargetResult), no NetworkLoadBalancerArn.
    const ojson made = s.ok("CreateTrafficMirrorTarget", {{"NetworkInterfaceId", s.target_eni}, {"Description", "monitor"},
                                                        {"TagSpecifications", name_tag("traffic-mirror-target", "monitor")}, {"ClientToken", "token-1"}});
    CHECK(keys(made) == std::vector<std::string>{"TrafficMirrorTarget", "ClientToken"});
    CHECK(made["ClientToken"] == "token-1");
    const ojson target = made["TrafficMirrorTarget"];
    CHECK(keys(target) == std::vector<std::string>{"TrafficMirrorTargetId", "NetworkInterfaceId", "Type", "Description", "OwnerId", "Tags"});
    const std::string target_id = target["TrafficMirrorTargetId"];
    CHECK(target_id.rfind("tmt-", 0) == 0);
    CHECK(target["NetworkInterfaceId"] == s.target_eni);
    CHECK(target["Type"] == "network-interface");
    CHECK(target["OwnerId"] == routing::lab_account_id);
    CHECK(target["Tags"].dump() == R"([{"Key":"Name","Value":"monitor"}])");
    const ojson targets = s.ok("DescribeTrafficMirrorTargets", {{"TrafficMirrorTargetIds", {target_id}}})["TrafficMirrorTargets"];
    REQUIRE(targets.size() == 1);
    CHECK(targets[0] == target);

    // A filter with neither description nor rules: no Description, empty rule and service lists, no ClientToken.
    const ojson filter_made = s.ok("CreateTrafficMirrorFilter", json::object());
    CHECK(keys(filter_made) == std::vector<std::string>{"TrafficMirrorFilter"});
    const std::string filter_id = filter_made["TrafficMirrorFilter"]["TrafficMirrorFilterId"];
    CHECK(filter_id.rfind("tmf-", 0) == 0);
    CHECK(keys(filter_made["TrafficMirrorFilter"]) ==
          std::vector<std::string>{"TrafficMirrorFilterId", "IngressFilterRules", "EgressFilterRules", "NetworkServices", "Tags"});
    CHECK(filter_made["TrafficMirrorFilter"]["IngressFilterRules"].empty());
    CHECK(filter_made["TrafficMirrorFilter"]["NetworkServices"].empty());

    // Rules: every member given, then none of the optional ones.
    const ojson full = s.ok("CreateTrafficMirrorFilterRule", {{"TrafficMirrorFilterId", filter_id}, {"TrafficDirection", "ingress"}, {"RuleNumber", "100"},
                                                            {"RuleAction", "accept"}, {"Protocol", "6"}, {"DestinationPortRange", {{{"FromPort", 80}, {"ToPort", 80}}}},
                                                            {"SourcePortRange", {{{"FromPort", "1024"}, {"ToPort", "65535"}}}},
                                                            {"DestinationCidrBlock", "10.10.0.0/16"}, {"SourceCidrBlock", "0.0.0.0/0"}, {"Description", "http in"},
                                                            {"ClientToken", "token-2"}});
    CHECK(full["ClientToken"] == "token-2");
    const ojson rule = full["TrafficMirrorFilterRule"];
    CHECK(keys(rule) == std::vector<std::string>{"TrafficMirrorFilterRuleId", "TrafficMirrorFilterId", "TrafficDirection", "RuleNumber", "RuleAction", "Protocol",
                                                 "DestinationPortRange", "SourcePortRange", "DestinationCidrBlock", "SourceCidrBlock", "Description"});
    const std::string rule_id = rule["TrafficMirrorFilterRuleId"];
    CHECK(rule_id.rfind("tmfr-", 0) == 0);
    CHECK(rule["TrafficMirrorFilterId"] == filter_id);
    CHECK(rule["TrafficDirection"] == "ingress");
    CHECK(rule["RuleNumber"] == 100);
    CHECK(rule["RuleAction"] == "accept");
    CHECK(rule["Protocol"] == 6);
    CHECK(rule["DestinationPortRange"].dump() == R"({"FromPort":80,"ToPort":80})");
    CHECK(rule["SourcePortRange"].dump() == R"({"FromPort":1024,"ToPort":65535})");
    CHECK(rule["DestinationCidrBlock"] == "10.10.0.0/16");
    CHECK(rule["SourceCidrBlock"] == "0.0.0.0/0");
    CHECK(rule["Description"] == "http in");
    const ojson bare = s.ok("CreateTrafficMirrorFilterRule", {{"TrafficMirrorFilterId", filter_id}, {"TrafficDirection", "egress"}, {"RuleNumber", "200"},
                                                            {"RuleAction", "reject"}, {"DestinationCidrBlock", "0.0.0.0/0"}, {"SourceCidrBlock", "10.10.0.0/16"}})
                           ["TrafficMirrorFilterRule"];
    CHECK(keys(bare) == std::vector<std::string>{"TrafficMirrorFilterRuleId", "TrafficMirrorFilterId", "TrafficDirection", "RuleNumber", "RuleAction",
                                                 "DestinationCidrBlock", "SourceCidrBlock"});
    CHECK(bare["RuleAction"] == "reject");
    // The filter lists each rule under its direction.
    const ojson filter = s.ok("DescribeTrafficMirrorFilters", {{"TrafficMirrorFilterIds", {filter_id}}})["TrafficMirrorFilters"][0];
    REQUIRE(filter["IngressFilterRules"].size() == 1);
    CHECK(filter["IngressFilterRules"][0] == rule);
    REQUIRE(filter["EgressFilterRules"].size() == 1);
    CHECK(filter["EgressFilterRules"][0] == bare);

    // A session with only what it needs: no PacketLength (the whole packet), no Description; a VNI all the same.
    const ojson session = s.ok("CreateTrafficMirrorSession", {{"NetworkInterfaceId", s.source_eni}, {"TrafficMirrorTargetId", target_id},
                                                            {"TrafficMirrorFilterId", filter_id}, {"SessionNumber", "1"},
                                                            {"TagSpecifications", name_tag("traffic-mirror-session", "web")}})["TrafficMirrorSession"];
    CHECK(keys(session) == std::vector<std::string>{"TrafficMirrorSessionId", "TrafficMirrorTargetId", "TrafficMirrorFilterId", "NetworkInterfaceId", "OwnerId",
                                                    "SessionNumber", "VirtualNetworkId", "Tags"});
    CHECK(session["TrafficMirrorSessionId"].get<std::string>().rfind("tms-", 0) == 0);
    CHECK(session["TrafficMirrorTargetId"] == target_id);
    CHECK(session["TrafficMirrorFilterId"] == filter_id);
    CHECK(session["NetworkInterfaceId"] == s.source_eni);
    CHECK(session["SessionNumber"] == 1);
    CHECK(session["VirtualNetworkId"].is_number_integer());
    const ojson sessions = s.ok("DescribeTrafficMirrorSessions", json::object())["TrafficMirrorSessions"];
    REQUIRE(sessions.size() == 1);
    CHECK(sessions[0] == session);
}

TEST_CASE("ModifyTrafficMirrorFilterRule and ModifyTrafficMirrorSession: values changed, RemoveFields reset; an unknown field refused, naming it") {
    MirrorLab s;
    const Mirrored m = mirror(s);
    const ojson rule = s.ok("ModifyTrafficMirrorFilterRule", {{"TrafficMirrorFilterRuleId", m.ingress_rule}, {"RuleNumber", "150"},
                                                            {"RemoveFields", {"destination-port-range", "protocol", "description"}}})["TrafficMirrorFilterRule"];
    CHECK(keys(rule) == std::vector<std::string>{"TrafficMirrorFilterRuleId", "TrafficMirrorFilterId", "TrafficDirection", "RuleNumber", "RuleAction",
                                                 "DestinationCidrBlock", "SourceCidrBlock"});
    CHECK(rule["RuleNumber"] == 150);
    CHECK(s.ok("DescribeTrafficMirrorFilters", {{"TrafficMirrorFilterIds", {m.filter}}})["TrafficMirrorFilters"][0]["IngressFilterRules"][0] == rule);
    const ojson ported = s.ok("ModifyTrafficMirrorFilterRule", {{"TrafficMirrorFilterRuleId", m.ingress_rule}, {"SourcePortRange", {{{"FromPort", 53}, {"ToPort", 53}}}},
                                                              {"Protocol", "17"}})["TrafficMirrorFilterRule"];
    CHECK(ported["Protocol"] == 17);
    CHECK(ported["SourcePortRange"].dump() == R"({"FromPort":53,"ToPort":53})");

    const std::string before = s.everything();
    CHECK(s.refused("ModifyTrafficMirrorFilterRule", {{"TrafficMirrorFilterRuleId", m.ingress_rule}, {"RemoveFields", {"rule-number"}}}) == "InvalidParameterValue");
    CHECK(s.message("ModifyTrafficMirrorFilterRule", {{"TrafficMirrorFilterRuleId", m.ingress_rule}, {"RemoveFields", {"rule-number"}}}).find("rule-number") !=
          std::string::npos);
    CHECK(s.refused("ModifyTrafficMirrorSession", {{"TrafficMirrorSessionId", m.session}, {"RemoveFields", {"session-number"}}}) == "InvalidParameterValue");
    CHECK(s.message("ModifyTrafficMirrorSession", {{"TrafficMirrorSessionId", m.session}, {"RemoveFields", {"session-number"}}}).find("session-number") !=
          std::string::npos);
    CHECK(s.everything() == before);

    const ojson session = s.ok("ModifyTrafficMirrorSession", {{"TrafficMirrorSessionId", m.session}, {"PacketLength", "100"}, {"VirtualNetworkId", "42"},
                                                            {"SessionNumber", "2"}, {"Description", "first 100 bytes"}})["TrafficMirrorSession"];
    CHECK(keys(session) == std::vector<std::string>{"TrafficMirrorSessionId", "TrafficMirrorTargetId", "TrafficMirrorFilterId", "NetworkInterfaceId", "OwnerId",
                                                    "PacketLength", "SessionNumber", "VirtualNetworkId", "Description", "Tags"});
    CHECK(session["PacketLength"] == 100);
    CHECK(session["SessionNumber"] == 2);
    CHECK(session["VirtualNetworkId"] == 42);
    CHECK(session["Description"] == "first 100 bytes");
    CHECK(s.ok("DescribeTrafficMirrorSessions", {{"TrafficMirrorSessionIds", {m.session}}})["TrafficMirrorSessions"][0] == session);
    const ojson reset = s.ok("ModifyTrafficMirrorSession", {{"TrafficMirrorSessionId", m.session}, {"RemoveFields", {"packet-length", "description"}}})["TrafficMirrorSession"];
    CHECK_FALSE(reset.contains("PacketLength"));
    CHECK_FALSE(reset.contains("Description"));
    CHECK(reset["VirtualNetworkId"] == 42);
}

TEST_CASE("ModifyTrafficMirrorFilterNetworkServices adds and removes amazon-dns; describe calls by ID and by filter name") {
    MirrorLab s;
    const Mirrored m = mirror(s);
    const ojson added = s.ok("ModifyTrafficMirrorFilterNetworkServices", {{"TrafficMirrorFilterId", m.filter}, {"AddNetworkServices", {"amazon-dns"}}})["TrafficMirrorFilter"];
    CHECK(added["NetworkServices"].dump() == R"(["amazon-dns"])");
    CHECK(s.ok("DescribeTrafficMirrorFilters", {{"TrafficMirrorFilterIds", {m.filter}}})["TrafficMirrorFilters"][0]["NetworkServices"].dump() == R"(["amazon-dns"])");
    const ojson removed =
        s.ok("ModifyTrafficMirrorFilterNetworkServices", {{"TrafficMirrorFilterId", m.filter}, {"RemoveNetworkServices", {"amazon-dns"}}})["TrafficMirrorFilter"];
    CHECK(removed["NetworkServices"].empty());

    // A second filter and target to tell apart.
    const std::string dns = s.ok("CreateTrafficMirrorFilter", {{"Description", "dns only"}, {"TagSpecifications", name_tag("traffic-mirror-filter", "dns")}})
                                ["TrafficMirrorFilter"]["TrafficMirrorFilterId"];
    auto filters = [](const char* name, const std::string& value) { return json{{"Filters", {{{"Name", name}, {"Values", {value}}}}}}; };
    const ojson by_description = s.ok("DescribeTrafficMirrorFilters", filters("description", "dns*"))["TrafficMirrorFilters"];
    REQUIRE(by_description.size() == 1);
    CHECK(by_description[0]["TrafficMirrorFilterId"] == dns);
    CHECK(s.ok("DescribeTrafficMirrorFilters", filters("traffic-mirror-filter-id", m.filter))["TrafficMirrorFilters"].size() == 1);
    CHECK(s.ok("DescribeTrafficMirrorFilters", filters("tag:Name", "dns"))["TrafficMirrorFilters"].size() == 1);
    CHECK(s.ok("DescribeTrafficMirrorFilters", json::object())["TrafficMirrorFilters"].size() == 2);
    CHECK(s.ok("DescribeTrafficMirrorTargets", filters("network-interface-id", s.target_eni))["TrafficMirrorTargets"].size() == 1);
    CHECK(s.ok("DescribeTrafficMirrorTargets", filters("network-interface-id", s.source_eni))["TrafficMirrorTargets"].empty());
    CHECK(s.ok("DescribeTrafficMirrorSessions", filters("session-number", "1"))["TrafficMirrorSessions"].size() == 1);
    CHECK(s.ok("DescribeTrafficMirrorSessions", filters("traffic-mirror-target-id", m.target))["TrafficMirrorSessions"].size() == 1);
    CHECK(s.ok("DescribeTrafficMirrorSessions", filters("network-interface-id", s.target_eni))["TrafficMirrorSessions"].empty());
    CHECK(s.refused("DescribeTrafficMirrorSessions", filters("vpc-id", "x")) == "InvalidParameterValue");
}

TEST_CASE("traffic mirroring refusals: in use, not found, what vpclab does not do, bad ports; each changes nothing") {
    MirrorLab s;
    const Mirrored m = mirror(s);
    const std::string before = s.everything();
    // In use by the session (Traffic Mirroring Guide; EC2 API reference, "Error codes").
    CHECK(s.refused("DeleteTrafficMirrorTarget", {{"TrafficMirrorTargetId", m.target}}) == "TrafficMirrorTargetInUseException");
    CHECK(s.refused("DeleteTrafficMirrorFilter", {{"TrafficMirrorFilterId", m.filter}}) == "TrafficMirrorFilterInUse");
    // Unknown IDs.
    CHECK(s.refused("DescribeTrafficMirrorTargets", {{"TrafficMirrorTargetIds", {"tmt-00000000000000000"}}}) == "InvalidTrafficMirrorTargetId.NotFound");
    CHECK(s.refused("DescribeTrafficMirrorFilters", {{"TrafficMirrorFilterIds", {"tmf-00000000000000000"}}}) == "InvalidTrafficMirrorFilterId.NotFound");
    CHECK(s.refused("DescribeTrafficMirrorSessions", {{"TrafficMirrorSessionIds", {"tms-00000000000000000"}}}) == "InvalidTrafficMirrorSessionId.NotFound");
    CHECK(s.refused("DeleteTrafficMirrorTarget", {{"TrafficMirrorTargetId", "tmt-00000000000000000"}}) == "InvalidTrafficMirrorTargetId.NotFound");
    CHECK(s.refused("DeleteTrafficMirrorFilterRule", {{"TrafficMirrorFilterRuleId", "tmfr-00000000000000000"}}) == "InvalidTrafficMirrorFilterRuleId.NotFound");
    CHECK(s.refused("ModifyTrafficMirrorSession", {{"TrafficMirrorSessionId", "tms-00000000000000000"}, {"SessionNumber", "3"}}) ==
          "InvalidTrafficMirrorSessionId.NotFound");
    CHECK(s.refused("CreateTrafficMirrorFilterRule", {{"TrafficMirrorFilterId", "tmf-00000000000000000"}, {"TrafficDirection", "ingress"}, {"RuleNumber", "1"},
                                                      {"RuleAction", "accept"}, {"DestinationCidrBlock", "0.0.0.0/0"}, {"SourceCidrBlock", "0.0.0.0/0"}}) ==
          "InvalidTrafficMirrorFilterId.NotFound");
    // A Gateway Load Balancer endpoint target, a tag specification for another type.
    CHECK(s.refused("CreateTrafficMirrorTarget", {{"GatewayLoadBalancerEndpointId", "vpce-00000000000000000"}}) == "UnsupportedOperation");
    CHECK(s.message("CreateTrafficMirrorTarget", {{"GatewayLoadBalancerEndpointId", "vpce-00000000000000000"}}).find("GatewayLoadBalancerEndpointId") !=
          std::string::npos);
    CHECK(s.refused("CreateTrafficMirrorTarget", {{"NetworkInterfaceId", s.target_eni}, {"TagSpecifications", name_tag("vpc", "x")}}) == "InvalidParameterValue");
    // Port ranges: both members, each a port; no other member.
    const json rule = {{"TrafficMirrorFilterId", m.filter}, {"TrafficDirection", "ingress"}, {"RuleNumber", "300"}, {"RuleAction", "accept"}, {"Protocol", "6"},
                       {"DestinationCidrBlock", "0.0.0.0/0"}, {"SourceCidrBlock", "0.0.0.0/0"}};
    auto with_range = [&](const json& range) {
        json r = rule;
        r["DestinationPortRange"] = json::array({range});
        return r;
    };
    CHECK(s.refused("CreateTrafficMirrorFilterRule", with_range({{"FromPort", 80}})) == "MissingParameter");
    CHECK(s.refused("CreateTrafficMirrorFilterRule", with_range({{"FromPort", 80}, {"ToPort", 70000}})) == "InvalidParameterValue");
    CHECK(s.refused("CreateTrafficMirrorFilterRule", with_range({{"FromPort", 80}, {"ToPort", 80}, {"Port", 80}})) == "InvalidParameterValue");
    CHECK(s.refused("CreateTrafficMirrorFilterRule", with_range({{"FromPort", "eighty"}, {"ToPort", 80}})) == "InvalidParameterValue");
    // The model's own range check passes through (SessionNumber is 1-32766).
    CHECK(s.refused("CreateTrafficMirrorSession", {{"NetworkInterfaceId", s.source_eni}, {"TrafficMirrorTargetId", m.target},
                                                   {"TrafficMirrorFilterId", m.filter}, {"SessionNumber", "0"}}) != "no error");
    CHECK(s.everything() == before);

    // Once the session is gone, the target and the filter (with its rules) go.
    CHECK(s.ok("DeleteTrafficMirrorSession", {{"TrafficMirrorSessionId", m.session}}).dump() == R"({"TrafficMirrorSessionId":")" + m.session + "\"}");
    CHECK(s.ok("DeleteTrafficMirrorFilterRule", {{"TrafficMirrorFilterRuleId", m.egress_rule}})["TrafficMirrorFilterRuleId"] == m.egress_rule);
    CHECK(s.ok("DeleteTrafficMirrorTarget", {{"TrafficMirrorTargetId", m.target}})["TrafficMirrorTargetId"] == m.target);
    CHECK(s.ok("DeleteTrafficMirrorFilter", {{"TrafficMirrorFilterId", m.filter}})["TrafficMirrorFilterId"] == m.filter);
    CHECK(s.ok("DescribeTrafficMirrorTargets", json::object())["TrafficMirrorTargets"].empty());
    CHECK(s.ok("DescribeTrafficMirrorFilters", json::object())["TrafficMirrorFilters"].empty());
    CHECK(s.ok("DescribeTrafficMirrorSessions", json::object())["TrafficMirrorSessions"].empty());
}

namespace {

// All four types, the session naming the target and the filter by GetAtt and carrying the rule's GetAtt in
// its Description; the ENIs are parameters (AWS::EC2::NetworkInterface is not a type vpclab makes).
const std::string mirror_template = R"(Parameters:
  SourceEni:
    Type: String
  TargetEni:
    Type: String
Resources:
  Target:
    Type: AWS::EC2::TrafficMirrorTarget
    Properties:
      NetworkInterfaceId: !Ref TargetEni
      Description: monitor
      Tags:
        - Key: Name
          Value: monitor
  Filter:
    Type: AWS::EC2::TrafficMirrorFilter
    Properties:
      Description: web
      NetworkServices: [amazon-dns]
  Rule:
    Type: AWS::EC2::TrafficMirrorFilterRule
    Properties:
      TrafficMirrorFilterId: !Ref Filter
      TrafficDirection: ingress
      RuleNumber: 10
      RuleAction: accept
      Protocol: 6
      DestinationPortRange:
        FromPort: 80
        ToPort: 80
      SourceCidrBlock: 0.0.0.0/0
      DestinationCidrBlock: 10.10.0.0/16
  Session:
    Type: AWS::EC2::TrafficMirrorSession
    Properties:
      NetworkInterfaceId: !Ref SourceEni
      TrafficMirrorTargetId: !GetAtt Target.Id
      TrafficMirrorFilterId: !GetAtt Filter.Id
      SessionNumber: 1
      PacketLength: 100
      VirtualNetworkId: 42
      Description: !GetAtt Rule.TrafficMirrorFilterRuleId
)";

struct MirrorStackLab {
    RouterState state;
    std::string source_eni, target_eni;
    MirrorStackLab() {
        test::load_seed_lab(state, "endpoints-lab.yaml", "lab1");
        source_eni = state.model->instances()[0].network_interface_ids.front();
        target_eni = state.model->instances()[1].network_interface_ids.front();
    }
    json call(const std::string& action, const json& params = json::object()) { return handle_control_request({{"Action", action}, {"Params", params}}, state); }
    json ok(const std::string& action, const json& params = json::object()) {
        const json reply = call(action, params);
        INFO(action << ": " << reply.dump());
        REQUIRE(reply.value("ok", false));
        return reply["result"];
    }
    json parameters() const {
        return json::array({{{"ParameterKey", "SourceEni"}, {"ParameterValue", source_eni}}, {{"ParameterKey", "TargetEni"}, {"ParameterValue", target_eni}}});
    }
    std::string everything() {
        return ok("DescribeTrafficMirrorTargets").dump() + ok("DescribeTrafficMirrorFilters").dump() + ok("DescribeTrafficMirrorSessions").dump();
    }
    // The reasons of the stack's CREATE_FAILED events.
    std::string failures(const std::string& stack) {
        std::string out;
        const json events = ok("DescribeStackEvents", {{"StackName", stack}})["StackEvents"];
        for (const auto& e : events)
            if (e["ResourceStatus"] == "CREATE_FAILED") out += e.value("ResourceStatusReason", "") + "\n";
        return out;
    }
};

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE_MESSAGE(at != std::string::npos, from);
    return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("a stack of all four Traffic Mirroring types: Ref and GetAtt resolve, and DeleteStack removes them in dependency order") {
    MirrorStackLab lab;
    lab.ok("CreateStack", {{"StackName", "mirror"}, {"TemplateBody", mirror_template}, {"Parameters", lab.parameters()}});
    CHECK(lab.ok("DescribeStacks", {{"StackName", "mirror"}})["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE");
    const json targets = lab.ok("DescribeTrafficMirrorTargets")["TrafficMirrorTargets"];
    const json filters = lab.ok("DescribeTrafficMirrorFilters")["TrafficMirrorFilters"];
    const json sessions = lab.ok("DescribeTrafficMirrorSessions")["TrafficMirrorSessions"];
    REQUIRE(targets.size() == 1);
    REQUIRE(filters.size() == 1);
    REQUIRE(sessions.size() == 1);
    CHECK(targets[0]["NetworkInterfaceId"] == lab.target_eni);
    CHECK(targets[0]["Description"] == "monitor");
    bool logical = false;
    for (const auto& t : targets[0]["Tags"]) logical |= t["Key"] == "aws:cloudformation:logical-id" && t["Value"] == "Target";
    CHECK(logical);
    CHECK(filters[0]["NetworkServices"].dump() == R"(["amazon-dns"])");
    REQUIRE(filters[0]["IngressFilterRules"].size() == 1);
    const json rule = filters[0]["IngressFilterRules"][0];
    CHECK(rule["RuleNumber"] == 10);
    CHECK(rule["Protocol"] == 6);
    CHECK(rule["DestinationPortRange"].dump() == R"({"FromPort":80,"ToPort":80})");
    CHECK(sessions[0]["NetworkInterfaceId"] == lab.source_eni);
    CHECK(sessions[0]["TrafficMirrorTargetId"] == targets[0]["TrafficMirrorTargetId"]);
    CHECK(sessions[0]["TrafficMirrorFilterId"] == filters[0]["TrafficMirrorFilterId"]);
    CHECK(sessions[0]["Description"] == rule["TrafficMirrorFilterRuleId"]);
    CHECK(sessions[0]["PacketLength"] == 100);
    CHECK(sessions[0]["VirtualNetworkId"] == 42);
    // The stack's physical IDs are the API's.
    std::vector<std::string> physical;
    const json resources = lab.ok("DescribeStackResources", {{"StackName", "mirror"}})["StackResources"];
    for (const auto& r : resources) physical.push_back(r["PhysicalResourceId"]);
    for (const json& id : {targets[0]["TrafficMirrorTargetId"], filters[0]["TrafficMirrorFilterId"], rule["TrafficMirrorFilterRuleId"], sessions[0]["TrafficMirrorSessionId"]})
        CHECK(std::find(physical.begin(), physical.end(), id.get<std::string>()) != physical.end());

    lab.ok("DeleteStack", {{"StackName", "mirror"}});
    advance_stack_deletions(lab.state);
    CHECK(lab.call("DescribeStacks", {{"StackName", "mirror"}})["error"]["Code"] == "ValidationError");
    CHECK(lab.ok("DescribeTrafficMirrorTargets")["TrafficMirrorTargets"].empty());
    CHECK(lab.ok("DescribeTrafficMirrorFilters")["TrafficMirrorFilters"].empty());
    CHECK(lab.ok("DescribeTrafficMirrorSessions")["TrafficMirrorSessions"].empty());
}

TEST_CASE("a Traffic Mirroring template the lab refuses rolls back, naming what is wrong, and changes nothing") {
    MirrorStackLab lab;
    const std::string before = lab.everything();
    struct Bad {
        const char* stack;
        std::string body;
        const char* named;  // what the CREATE_FAILED reason must name
    };
    const Bad bad[] = {
        {"gwlb", replaced(mirror_template, "      Description: monitor\n", "      Description: monitor\n      GatewayLoadBalancerEndpointId: vpce-00000000000000000\n"),
         "GatewayLoadBalancerEndpointId"},
        {"toport", replaced(mirror_template, "        ToPort: 80\n", ""), "DestinationPortRange.ToPort"},
        {"session0", replaced(mirror_template, "SessionNumber: 1", "SessionNumber: 0"), "Session"},
    };
    for (const auto& b : bad) {
        CAPTURE(b.stack);
        lab.ok("CreateStack", {{"StackName", b.stack}, {"TemplateBody", b.body}, {"Parameters", lab.parameters()}});
        CHECK(lab.ok("DescribeStacks", {{"StackName", b.stack}})["Stacks"][0]["StackStatus"] == "ROLLBACK_COMPLETE");
        CHECK(lab.ok("DescribeStacks", {{"StackName", b.stack}})["Stacks"][0]["StackStatusReason"].get<std::string>().find("[") != std::string::npos);
        if (std::string(b.named) != "Session") CHECK(lab.failures(b.stack).find(b.named) != std::string::npos);
        else CHECK(lab.ok("DescribeStacks", {{"StackName", b.stack}})["Stacks"][0]["StackStatusReason"].get<std::string>().find("[Session]") != std::string::npos);
        CHECK(lab.everything() == before);
    }
}
