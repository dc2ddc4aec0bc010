// CloudFormation's views of a lab (router/control/cloudformation/stacks.cpp): the template `vpclab up` ran is
// the lab's first stack, with its parameters (an SSM parameter's path and what it resolved to), every
// resource it made with the physical ID the EC2 API shows, its events in CloudFormation's order and its
// template; ValidateTemplate checks a template with the loader and creates nothing; unknown stacks are
// CloudFormation's ValidationError.
#include <doctest/doctest.h>

#include <set>

#include "router/control/control_api.hpp"
#include "router/template/template_loader.hpp"
#include "tests/unit/seed_lab_state.hpp"

using namespace vpclab;
using namespace vpclab::router;
using nlohmann::json;

namespace {

struct StackLab {
    RouterState state;
    StackLab() { test::load_seed_lab(state, "endpoints-lab.yaml", "lab1"); }
    json call(const std::string& action, const json& params = json::object()) {
        const json reply = handle_control_request({{"Action", action}, {"Params", params}}, state);
        return reply;
    }
    json ok(const std::string& action, const json& params = json::object()) {
        const json reply = call(action, params);
        INFO(action << ": " << reply.dump());
        REQUIRE(reply.value("ok", false));
        return reply["result"];
    }
};

}  // namespace

TEST_CASE("the template up ran is the lab's first stack: status, parameters, resources by their physical IDs") {
    StackLab lab;
    const json stacks = lab.ok("DescribeStacks")["Stacks"];
    REQUIRE(stacks.size() == 1);
    CHECK(stacks[0]["StackName"] == "lab1");
    CHECK(stacks[0]["StackId"] == lab.state.model->stack_id());
    CHECK(stacks[0]["StackStatus"] == "CREATE_COMPLETE");
    CHECK(lab.ok("DescribeStacks", {{"StackName", lab.state.model->stack_id()}})["Stacks"][0]["StackName"] == "lab1");
    bool ssm = false;
    for (const auto& p : stacks[0]["Parameters"])
        if (p["ParameterKey"] == "LatestAmiId") {
            ssm = true;
            CHECK(p["ParameterValue"] == "/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2");
            CHECK(p["ResolvedValue"].get<std::string>().rfind("ami-", 0) == 0);
        }
    CHECK(ssm);

    // Every VPC, subnet and instance of the lab is a resource of the stack, under the ID EC2 shows.
    std::set<std::string> physical;
    const json summaries = lab.ok("ListStackResources", {{"StackName", "lab1"}})["StackResourceSummaries"];
    REQUIRE(summaries.size() == lab.state.cloudformation_stacks[0].resources.size());
    for (const auto& r : summaries) {
        CHECK(r["ResourceStatus"] == "CREATE_COMPLETE");
        physical.insert(r["PhysicalResourceId"].get<std::string>());
    }
    for (const auto& v : lab.state.model->vpcs()) CHECK(physical.count(v.id) == 1);
    for (const auto& s : lab.state.model->subnets()) CHECK(physical.count(s.id) == 1);
    for (const auto& i : lab.state.model->instances()) CHECK(physical.count(i.id) == 1);
    const std::string vpc = lab.state.model->vpcs().front().id;
    const json by_physical = lab.ok("DescribeStackResources", {{"PhysicalResourceId", vpc}})["StackResources"];
    CHECK(by_physical.size() == physical.size());  // the whole stack the resource belongs to
    const json one = lab.ok("DescribeStackResources", {{"StackName", "lab1"}, {"LogicalResourceId", "jhVPC"}})["StackResources"];
    REQUIRE(one.size() == 1);
    CHECK(one[0]["PhysicalResourceId"] == vpc);
    CHECK(lab.ok("DescribeStackResource", {{"StackName", "lab1"}, {"LogicalResourceId", "jhVPC"}})["StackResourceDetail"]["PhysicalResourceId"] == vpc);
    CHECK(lab.ok("GetTemplate", {{"StackName", "lab1"}})["TemplateBody"] == lab.state.cloudformation_stacks[0].template_body);
}

TEST_CASE("stack events: newest first, the stack's CREATE_COMPLETE last made, each resource in progress then complete") {
    StackLab lab;
    const json events = lab.ok("DescribeStackEvents", {{"StackName", "lab1"}})["StackEvents"];
    const std::size_t resources = lab.state.cloudformation_stacks[0].resources.size();
    REQUIRE(events.size() == 3 * resources + 2);
    CHECK(events.front()["ResourceType"] == "AWS::CloudFormation::Stack");
    CHECK(events.front()["ResourceStatus"] == "CREATE_COMPLETE");
    CHECK(events.back()["ResourceStatus"] == "CREATE_IN_PROGRESS");
    CHECK(events.back()["ResourceStatusReason"] == "User Initiated");
    CHECK(events[1]["ResourceStatus"] == "CREATE_COMPLETE");
    CHECK(events[2]["ResourceStatusReason"] == "Resource creation Initiated");
    std::set<std::string> ids;
    for (const auto& e : events) ids.insert(e["EventId"].get<std::string>());
    CHECK(ids.size() == events.size());
}

TEST_CASE("ValidateTemplate checks with the loader, names what is wrong, and creates nothing") {
    StackLab lab;
    const std::size_t vpcs = lab.state.model->vpcs().size();
    const json valid = lab.ok("ValidateTemplate", {{"TemplateBody", lab.state.cloudformation_stacks[0].template_body}});
    REQUIRE(valid["Parameters"].size() == 2);
    CHECK(valid["Parameters"][0]["ParameterKey"] == "KeyName");
    CHECK_FALSE(valid["Parameters"][0].contains("DefaultValue"));  // KeyName has none: validated without a value
    const json refused = lab.call("ValidateTemplate", {{"TemplateBody", "Resources:\n  V:\n    Type: AWS::EC2::VPCC\n"}});
    CHECK(refused["error"]["Code"] == "ValidationError");
    CHECK(refused["error"]["Message"].get<std::string>().find("did you mean AWS::EC2::VPC?") != std::string::npos);
    CHECK(lab.call("ValidateTemplate", {{"TemplateBody", std::string(51201, ' ')}})["error"]["Code"] == "ValidationError");
    // Typed parameters are validated without values, as CloudFormation does: a subnet in a VpcId parameter's
    // VPC is a valid template, though no VPC stands in for it.
    const json typed = lab.ok("ValidateTemplate", {{"TemplateBody", "Parameters:\n  Vpc:\n    Type: AWS::EC2::VPC::Id\nResources:\n  S:\n"
                                                                    "    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref Vpc\n      CidrBlock: 10.0.1.0/24\n"}});
    CHECK(typed["Parameters"][0]["ParameterKey"] == "Vpc");
    // … but a reference to nothing is still an error.
    CHECK(lab.call("ValidateTemplate", {{"TemplateBody", "Resources:\n  S:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref Nope\n"}})["error"]["Code"] ==
          "ValidationError");
    CHECK(lab.state.model->vpcs().size() == vpcs);
    CHECK(lab.state.cloudformation_stacks.size() == 1);
}

TEST_CASE("a stack the lab does not have is CloudFormation's ValidationError") {
    StackLab lab;
    for (const char* action : {"DescribeStacks", "ListStackResources", "GetTemplate", "DescribeStackEvents"}) {
        const json reply = lab.call(action, {{"StackName", "nope"}});
        CHECK(reply["error"]["Code"] == "ValidationError");
        CHECK(reply["error"]["Message"] == "Stack with id nope does not exist");
    }
    CHECK(lab.call("DescribeStackResources", json::object())["error"]["Code"] == "ValidationError");
    CHECK(lab.call("DescribeStackResource", {{"StackName", "lab1"}, {"LogicalResourceId", "Nope"}})["error"]["Code"] == "ValidationError");
}
