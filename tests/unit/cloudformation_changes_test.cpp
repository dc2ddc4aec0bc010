// CloudFormation stacks made and removed in a running lab (router/control/cloudformation/stack_changes.cpp,
// stack_deletion.cpp): the change sets `aws cloudformation deploy` makes, CreateStack, rollback of a refused
// template leaving the lab as it was, UpdateStack and update change sets that change nothing, DeleteStack
// waiting for instances to go and leaving the lab as before, DELETE_FAILED where the user's resources hold on.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "router/control/control_api.hpp"
#include "router/lab/launcher_results.hpp"
#include "router/template/template_loader.hpp"
#include "tests/unit/seed_lab_state.hpp"

using namespace vpclab;
using namespace vpclab::router;
using nlohmann::json;

namespace {

// The runtime's side, recorded: launches and releases (a release completes when the test says so).
struct RecordingRuntime final : LabRuntime {
    std::vector<std::string> launched;
    std::vector<std::string> released;
    void launch(const InstanceSetup& setup) override { launched.push_back(setup.view.instance_id); }
    void attach(const std::string&, const std::string&, const std::string&, const InterfaceSetup&) override {}
    void release(const std::string& instance_id, const std::string&, const std::vector<routing::PortId>&) override { released.push_back(instance_id); }
    void set_forwarding(const std::vector<routing::PortId>&, bool) override {}
    bool namespace_exists(const std::string&) const override { return false; }
    instance::KeyMaterial key_material(const std::string&) override { return {}; }
};

struct NoTaps final : TapSink {
    void install(routing::PortId, tap::TapDevice) override {}
    void discard(std::vector<PortTap>) override {}
};

struct StackLab {
    RouterState state;
    RecordingRuntime runtime;
    explicit StackLab(const char* file = "endpoints-lab.yaml") {
        test::load_seed_lab(state, file, "lab1");
        state.runtime = &runtime;
    }
    json call(const std::string& action, const json& params = json::object()) {
        return handle_control_request({{"Action", action}, {"Params", params}}, state);
    }
    json ok(const std::string& action, const json& params = json::object()) {
        const json reply = call(action, params);
        INFO(action << ": " << reply.dump());
        REQUIRE(reply.value("ok", false));
        return reply["result"];
    }
    std::string refused(const std::string& action, const json& params) {
        const json reply = call(action, params);
        INFO(action << ": " << reply.dump());
        REQUIRE_FALSE(reply.value("ok", true));
        return reply["error"]["Code"].get<std::string>() + ": " + reply["error"]["Message"].get<std::string>();
    }
    // Everything the lab's describe calls show but instances (a terminated one stays listed for an hour).
    std::string fingerprint() {
        std::string all;
        for (const char* action : {"DescribeVpcs", "DescribeSubnets", "DescribeRouteTables", "DescribeSecurityGroups", "DescribeNetworkAcls",
                                   "DescribeInternetGateways", "DescribeNetworkInterfaces", "DescribeVpcEndpoints", "DescribeLoadBalancers",
                                   "DescribeTargetGroups", "DescribeVpcEndpointServiceConfigurations", "DescribeFlowLogs", "DescribeKeyPairs",
                                   "DescribeTransitGateways", "DescribeTransitGatewayAttachments", "DescribeTransitGatewayRouteTables"})
            all += std::string(action) + ok(action).dump() + "\n";
        return all;
    }
    // What the event loop does when the launcher has removed the released instances' namespaces.
    void finish_releases() {
        NoTaps taps;
        std::vector<std::string> ready;
        for (const auto& id : runtime.released) {
            LauncherResult r;
            r.kind = LauncherJob::Kind::teardown;
            r.instance_id = id;
            apply_launcher_result(state, r, taps, ready);
        }
        runtime.released.clear();
        advance_stack_deletions(state);
    }
    json stack(const std::string& name) { return ok("DescribeStacks", {{"StackName", name}})["Stacks"][0]; }
    std::vector<std::string> resource_ids(const std::string& name) {
        std::vector<std::string> out;
        const json resources = ok("DescribeStackResources", {{"StackName", name}})["StackResources"];  // named: a range-for over a temporary's member dangles
        for (const auto& r : resources) out.push_back(r["PhysicalResourceId"]);
        return out;
    }
};

json key_name(const std::string& value) { return json::array({{{"ParameterKey", "KeyName"}, {"ParameterValue", value}}}); }

// `aws cloudformation deploy`'s calls for a new stack: CreateChangeSet (CREATE), DescribeChangeSet, ExecuteChangeSet.
void deploy(StackLab& lab, const std::string& stack, const std::string& body, const json& parameters) {
    const json made = lab.ok("CreateChangeSet", {{"StackName", stack}, {"ChangeSetName", "awscli-cloudformation-package-deploy-1"},
                                                 {"TemplateBody", body}, {"ChangeSetType", "CREATE"}, {"Parameters", parameters}});
    CHECK(lab.ok("DescribeChangeSet", {{"ChangeSetName", made["Id"]}, {"StackName", stack}})["Status"] == "CREATE_COMPLETE");
    lab.ok("ExecuteChangeSet", {{"ChangeSetName", made["Id"]}, {"StackName", stack}});
}

// A template the lab refuses while creating it (its subnet outside its VPC).
const std::string bad_subnet_template = [] {
    std::ifstream in(std::string(VPCLAB_SOURCE_DIR) + "/tests/templates/subnet-outside-its-vpc.yaml");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}();

}  // namespace

TEST_CASE("a CREATE change set: the stack waits in REVIEW_IN_PROGRESS with nothing made, then executing it makes every resource") {
    StackLab lab;
    const std::string before = lab.fingerprint();
    const std::string body = test::seed_template("privatelink-lab.yaml");
    const json made = lab.ok("CreateChangeSet", {{"StackName", "lab2"}, {"ChangeSetName", "first"}, {"TemplateBody", body},
                                                 {"ChangeSetType", "CREATE"}, {"Parameters", key_name("k")}, {"Description", "by a test"}});
    CHECK(made["Id"].get<std::string>().rfind("arn:aws:cloudformation:ap-northeast-2:", 0) == 0);
    CHECK(made["Id"].get<std::string>().find(":changeSet/first/") != std::string::npos);
    CHECK(lab.stack("lab2")["StackStatus"] == "REVIEW_IN_PROGRESS");
    const json described = lab.ok("DescribeChangeSet", {{"ChangeSetName", "first"}, {"StackName", "lab2"}});
    CHECK(described["Status"] == "CREATE_COMPLETE");
    CHECK(described["ExecutionStatus"] == "AVAILABLE");
    CHECK(described["Description"] == "by a test");
    std::set<std::string> added;
    for (const auto& c : described["Changes"]) {
        CHECK(c["ResourceChange"]["Action"] == "Add");
        added.insert(c["ResourceChange"]["LogicalResourceId"]);
    }
    CHECK(added.count("jhCustomNLB"));
    CHECK(added.count("jhCustomWeb1EC2"));
    CHECK(added.size() > 20);
    CHECK(lab.fingerprint() == before);  // a change set makes nothing
    CHECK(lab.ok("ListChangeSets", {{"StackName", "lab2"}})["Summaries"].size() == 1);

    lab.ok("ExecuteChangeSet", {{"ChangeSetName", made["Id"]}});
    const json stack = lab.stack("lab2");
    CHECK(stack["StackStatus"] == "CREATE_COMPLETE");
    CHECK(stack["StackId"] == made["StackId"]);
    // Every resource exists in the lab under its physical ID, with the new stack's aws:cloudformation tags.
    const std::string shown = lab.fingerprint();
    std::size_t instances = 0;
    const json resources = lab.ok("DescribeStackResources", {{"StackName", "lab2"}})["StackResources"];
    for (const auto& r : resources) {
        CHECK(r["ResourceStatus"] == "CREATE_COMPLETE");
        const std::string id = r["PhysicalResourceId"];
        if (r["ResourceType"] == "AWS::EC2::Instance") {
            ++instances;
            CHECK(std::find(lab.runtime.launched.begin(), lab.runtime.launched.end(), id) != lab.runtime.launched.end());
            CHECK(lab.state.plan.find(id) != nullptr);
            CHECK(lab.state.model->instance(id).state == routing::InstanceState::pending);  // running once the launcher is done
        } else if (r["ResourceType"] == "AWS::EC2::VPC" || r["ResourceType"] == "AWS::EC2::Subnet" || r["ResourceType"] == "AWS::EC2::SecurityGroup") {
            CHECK_MESSAGE(shown.find(id) != std::string::npos, id);
        }
    }
    CHECK(instances == 3);
    const json vpcs = lab.ok("DescribeVpcs", {{"Filters", {{{"Name", "tag:aws:cloudformation:stack-name"}, {"Values", {"lab2"}}}}}})["Vpcs"];
    CHECK(vpcs.size() == 2);
    CHECK(lab.ok("DescribeVpcs")["Vpcs"].size() == 3);  // lab1's and lab2's two
    // Executed: the change set cannot run twice.
    CHECK(lab.refused("ExecuteChangeSet", {{"ChangeSetName", made["Id"]}}).rfind("InvalidChangeSetStatus: ", 0) == 0);
}

TEST_CASE("the same template as a second stack: its resources get their own IDs, and a taken stack name is refused") {
    StackLab lab;
    const std::string body = test::seed_template("endpoints-lab.yaml");
    lab.ok("CreateStack", {{"StackName", "again"}, {"TemplateBody", body}, {"Parameters", key_name("k")}, {"Tags", {{{"Key", "course"}, {"Value", "net101"}}}}});
    CHECK(lab.stack("again")["StackStatus"] == "CREATE_COMPLETE");
    CHECK(lab.stack("again")["Tags"][0]["Value"] == "net101");
    const auto first = lab.resource_ids("lab1"), second = lab.resource_ids("again");
    REQUIRE(first.size() == second.size());
    for (const auto& id : second) CHECK(std::find(first.begin(), first.end(), id) == first.end());
    const std::string before = lab.fingerprint();
    CHECK(lab.refused("CreateStack", {{"StackName", "again"}, {"TemplateBody", body}, {"Parameters", key_name("k")}}) ==
          "AlreadyExistsException: Stack [again] already exists");
    CHECK(lab.refused("CreateStack", {{"StackName", "9lives"}, {"TemplateBody", body}}).rfind("ValidationError: 1 validation error detected: Value '9lives' at 'stackName'", 0) == 0);
    CHECK(lab.fingerprint() == before);
}

TEST_CASE("a resource the lab refuses: CREATE_FAILED with the reason, ROLLBACK_COMPLETE, and the lab as it was") {
    StackLab lab;
    const std::string before = lab.fingerprint();
    deploy(lab, "bad", bad_subnet_template, json::array());
    const json stack = lab.stack("bad");
    CHECK(stack["StackStatus"] == "ROLLBACK_COMPLETE");
    CHECK(stack["StackStatusReason"] == "The following resource(s) failed to create: [S]. Rollback requested by user.");
    CHECK(lab.fingerprint() == before);
    CHECK(lab.ok("DescribeStackResources", {{"StackName", "bad"}})["StackResources"].empty());
    std::vector<std::string> seen;  // oldest first
    const json events = lab.ok("DescribeStackEvents", {{"StackName", "bad"}})["StackEvents"];
    for (auto e = events.rbegin(); e != events.rend(); ++e) {
        seen.push_back((*e)["LogicalResourceId"].get<std::string>() + " " + (*e)["ResourceStatus"].get<std::string>());
        if ((*e)["ResourceStatus"] == "CREATE_FAILED") CHECK((*e)["ResourceStatusReason"].get<std::string>().find("InvalidSubnet.Range") != std::string::npos);
    }
    const std::vector<std::string> expected = {"bad REVIEW_IN_PROGRESS", "bad CREATE_IN_PROGRESS", "V CREATE_IN_PROGRESS", "V CREATE_IN_PROGRESS",
                                               "V CREATE_COMPLETE", "S CREATE_IN_PROGRESS", "S CREATE_FAILED", "bad ROLLBACK_IN_PROGRESS",
                                               "V DELETE_IN_PROGRESS", "V DELETE_COMPLETE", "bad ROLLBACK_COMPLETE"};
    CHECK(seen == expected);
    // A rolled-back stack is not updated; deleting it removes it at once.
    CHECK(lab.refused("CreateChangeSet", {{"StackName", "bad"}, {"ChangeSetName", "u"}, {"TemplateBody", bad_subnet_template}})
              .find("is in ROLLBACK_COMPLETE state and can not be updated") != std::string::npos);
    lab.ok("DeleteStack", {{"StackName", "bad"}});
    CHECK(lab.refused("DescribeStacks", {{"StackName", "bad"}}) == "ValidationError: Stack with id bad does not exist");
}

TEST_CASE("a template CloudFormation would refuse outright: ValidationError, and no stack, change set or resource") {
    StackLab lab;
    const std::string before = lab.fingerprint();
    const std::string body = test::seed_template("endpoints-lab.yaml");
    CHECK(lab.refused("CreateStack", {{"StackName", "nokey"}, {"TemplateBody", body}, {"Parameters", key_name("missing")}}) ==
          "ValidationError: Parameter validation failed: parameter value missing for parameter name KeyName does not exist");
    CHECK(lab.refused("CreateChangeSet", {{"StackName", "nokey"}, {"ChangeSetName", "c"}, {"ChangeSetType", "CREATE"}, {"TemplateBody", body}}) ==
          "ValidationError: Parameters: [KeyName] must have values");
    CHECK(lab.refused("CreateStack", {{"StackName", "junk"}, {"TemplateBody", "Resources: [1, 2"}}).rfind("ValidationError: Template format error: ", 0) == 0);
    CHECK(lab.refused("CreateStack", {{"StackName", "url"}, {"TemplateURL", "https://s3.amazonaws.com/b/t.yaml"}}).find("TemplateBody") != std::string::npos);
    CHECK(lab.ok("DescribeStacks")["Stacks"].size() == 1);
    CHECK(lab.fingerprint() == before);
}

TEST_CASE("an update that changes nothing is CloudFormation's no-change answer; one that changes something is refused, saying why") {
    StackLab lab;
    const CloudFormationStack& first = lab.state.cloudformation_stacks.front();
    const std::string body = first.template_body;
    const json same = lab.ok("CreateChangeSet", {{"StackName", "lab1"}, {"ChangeSetName", "same"}, {"TemplateBody", body}, {"Parameters", key_name("k")}});
    const json described = lab.ok("DescribeChangeSet", {{"ChangeSetName", same["Id"]}});
    CHECK(described["Status"] == "FAILED");
    CHECK(described["ExecutionStatus"] == "UNAVAILABLE");
    CHECK(described["StatusReason"].get<std::string>().find("The submitted information didn't contain changes.") == 0);
    const json changed = lab.ok("CreateChangeSet", {{"StackName", "lab1"}, {"ChangeSetName", "changed"}, {"TemplateBody", bad_subnet_template}});
    CHECK(lab.ok("DescribeChangeSet", {{"ChangeSetName", "changed"}, {"StackName", "lab1"}})["StatusReason"].get<std::string>().find("delete the stack") !=
          std::string::npos);
    CHECK(lab.refused("ExecuteChangeSet", {{"ChangeSetName", changed["Id"]}}).rfind("InvalidChangeSetStatus", 0) == 0);
    CHECK(lab.refused("UpdateStack", {{"StackName", "lab1"}, {"UsePreviousTemplate", true}, {"Parameters", json::array({{{"ParameterKey", "KeyName"}, {"UsePreviousValue", true}}})}}) ==
          "ValidationError: No updates are to be performed.");
    lab.ok("DeleteChangeSet", {{"ChangeSetName", "same"}, {"StackName", "lab1"}});
    CHECK(lab.refused("DescribeChangeSet", {{"ChangeSetName", "same"}, {"StackName", "lab1"}}) == "ChangeSetNotFound: ChangeSet [same] does not exist");
    const json summary = lab.ok("GetTemplateSummary", {{"StackName", "lab1"}});
    CHECK(summary["Parameters"][0]["ParameterKey"] == "KeyName");
    CHECK(summary["Parameters"][0]["ParameterType"] == "AWS::EC2::KeyPair::KeyName");
    CHECK(lab.stack("lab1")["StackStatus"] == "CREATE_COMPLETE");
}

TEST_CASE("DeleteStack: instances go first, the rest once their namespaces are gone, and the lab is as before the stack") {
    StackLab lab;
    const std::string before = lab.fingerprint();
    const std::size_t instances_before = lab.state.plan.instances.size();
    deploy(lab, "lab2", test::seed_template("privatelink-lab.yaml"), key_name("k"));
    const std::string id = lab.stack("lab2")["StackId"];
    CHECK(lab.fingerprint() != before);
    lab.ok("DeleteStack", {{"StackName", "lab2"}});
    CHECK(lab.stack("lab2")["StackStatus"] == "DELETE_IN_PROGRESS");  // waiting for the instances' namespaces
    CHECK(lab.runtime.released.size() == 3);
    lab.ok("DeleteStack", {{"StackName", "lab2"}});  // again, while it is on its way: nothing more
    CHECK(lab.runtime.released.size() == 3);
    lab.finish_releases();
    CHECK(lab.refused("DescribeStacks", {{"StackName", "lab2"}}) == "ValidationError: Stack with id lab2 does not exist");
    const json gone = lab.ok("DescribeStacks", {{"StackName", id}})["Stacks"][0];
    CHECK(gone["StackStatus"] == "DELETE_COMPLETE");
    CHECK(gone.contains("DeletionTime"));
    CHECK(lab.fingerprint() == before);
    CHECK(lab.state.plan.instances.size() == instances_before);
    bool listed = false;
    const json summaries = lab.ok("ListStacks")["StackSummaries"];
    for (const auto& s : summaries) listed |= s["StackId"] == id && s["StackStatus"] == "DELETE_COMPLETE";
    CHECK(listed);
    lab.ok("DeleteStack", {{"StackName", "never-was"}});  // as CloudFormation: nothing to do, no error
    // The same name again, while the first stack's terminated instances are still listed: new IDs.
    const std::size_t listed_instances = lab.ok("DescribeInstances")["Reservations"].size();
    deploy(lab, "lab2", test::seed_template("privatelink-lab.yaml"), key_name("k"));
    CHECK(lab.stack("lab2")["StackStatus"] == "CREATE_COMPLETE");
    std::set<std::string> instance_ids;
    const json reservations = lab.ok("DescribeInstances")["Reservations"];
    for (const auto& r : reservations)
        for (const auto& i : r["Instances"]) CHECK_MESSAGE(instance_ids.insert(i["InstanceId"].get<std::string>()).second, i["InstanceId"]);
    CHECK(reservations.size() > listed_instances);
}

TEST_CASE("DeleteStack of NAT gateways, Elastic IPs and a peering: the gateways deleted, the addresses released, the peerings deleted") {
    StackLab lab;
    const std::string before = lab.fingerprint();
    const std::size_t addresses_before = lab.ok("DescribeAddresses")["Addresses"].size();
    deploy(lab, "nat", test::seed_template("nat-gateway-lab.yaml"), key_name("k"));
    deploy(lab, "pcx", test::seed_template("peering-lab.yaml"), key_name("k"));
    CHECK(lab.stack("nat")["StackStatus"] == "CREATE_COMPLETE");
    CHECK(lab.stack("pcx")["StackStatus"] == "CREATE_COMPLETE");
    CHECK(lab.ok("DescribeAddresses")["Addresses"].size() == addresses_before + 2);
    const json peerings = lab.ok("DescribeVpcPeeringConnections")["VpcPeeringConnections"];
    REQUIRE(peerings.size() == 2);
    for (const auto& p : peerings) CHECK(p["Status"]["Code"] == "active");  // CloudFormation accepts them in one account
    for (const char* stack : {"nat", "pcx"}) lab.ok("DeleteStack", {{"StackName", stack}});
    lab.finish_releases();
    const json gateways = lab.ok("DescribeNatGateways")["NatGateways"];
    REQUIRE(gateways.size() == 2);
    for (const auto& g : gateways) CHECK(g["State"] == "deleted");
    const json ended = lab.ok("DescribeVpcPeeringConnections")["VpcPeeringConnections"];
    REQUIRE(ended.size() == 2);  // a deleted peering stays listed for two hours
    for (const auto& p : ended) CHECK(p["Status"]["Code"] == "deleted");
    CHECK(lab.ok("DescribeAddresses")["Addresses"].size() == addresses_before);
    CHECK(lab.fingerprint() == before);
}

TEST_CASE("DeleteStack of a transit gateway lab: its routes, propagations, associations, attachments, tables and gateway go, in dependency order") {
    StackLab lab;
    const std::string before = lab.fingerprint();
    deploy(lab, "tgw", test::seed_template("transit-gateway-lab.yaml"), key_name("k"));
    CHECK(lab.stack("tgw")["StackStatus"] == "CREATE_COMPLETE");
    REQUIRE(lab.ok("DescribeTransitGateways")["TransitGateways"].size() == 1);
    CHECK(lab.ok("DescribeTransitGatewayVpcAttachments")["TransitGatewayVpcAttachments"].size() == 3);
    CHECK(lab.ok("DescribeTransitGatewayRouteTables")["TransitGatewayRouteTables"].size() == 2);  // the template's two: no default table
    lab.ok("DeleteStack", {{"StackName", "tgw"}});
    lab.finish_releases();
    CHECK(lab.refused("DescribeStacks", {{"StackName", "tgw"}}) == "ValidationError: Stack with id tgw does not exist");
    CHECK(lab.ok("DescribeTransitGateways")["TransitGateways"].empty());
    CHECK(lab.ok("DescribeTransitGatewayAttachments")["TransitGatewayAttachments"].empty());
    CHECK(lab.ok("DescribeTransitGatewayRouteTables")["TransitGatewayRouteTables"].empty());
    CHECK(lab.fingerprint() == before);
}

TEST_CASE("the lab's first stack can be deleted too, leaving only what the lab had before any template") {
    StackLab lab;
    lab.ok("DeleteStack", {{"StackName", "lab1"}});
    lab.finish_releases();
    CHECK(lab.ok("DescribeVpcs")["Vpcs"].empty());
    CHECK(lab.ok("DescribeNetworkInterfaces")["NetworkInterfaces"].empty());
    CHECK(lab.ok("DescribeStacks")["Stacks"].empty());
}

TEST_CASE("a resource the user's own resources hold on to: DELETE_FAILED naming it, and deleting again once they are gone completes") {
    StackLab lab;
    deploy(lab, "lab2", test::seed_template("endpoints-lab.yaml"), key_name("k"));
    std::string subnet;
    const json resources = lab.ok("DescribeStackResources", {{"StackName", "lab2"}})["StackResources"];
    for (const auto& r : resources)
        if (r["LogicalResourceId"] == "jhPublicSN") subnet = r["PhysicalResourceId"];
    const json run = lab.ok("RunInstances", {{"ImageId", "ami-1"}, {"SubnetId", subnet}, {"MinCount", "1"}, {"MaxCount", "1"}});
    const std::string mine = run["Instances"][0]["InstanceId"];
    lab.ok("DeleteStack", {{"StackName", "lab2"}});
    lab.finish_releases();
    const json stack = lab.stack("lab2");
    CHECK(stack["StackStatus"] == "DELETE_FAILED");
    CHECK(stack["StackStatusReason"].get<std::string>().find("jhPublicSN") != std::string::npos);
    bool failed_event = false;
    const json events = lab.ok("DescribeStackEvents", {{"StackName", "lab2"}})["StackEvents"];
    for (const auto& e : events)
        failed_event |= e["LogicalResourceId"] == "jhPublicSN" && e["ResourceStatus"] == "DELETE_FAILED" && e.contains("ResourceStatusReason");
    CHECK(failed_event);
    lab.ok("TerminateInstances", {{"InstanceIds", {mine}}});
    lab.finish_releases();
    lab.ok("DeleteStack", {{"StackName", "lab2"}});
    CHECK(lab.refused("DescribeStacks", {{"StackName", "lab2"}}) == "ValidationError: Stack with id lab2 does not exist");
}

TEST_CASE("what requests can make a lab keep is bounded: change sets per stack") {
    StackLab lab;
    const std::string body = lab.state.cloudformation_stacks.front().template_body;
    for (int n = 0; n < 20; ++n)
        lab.ok("CreateChangeSet", {{"StackName", "lab1"}, {"ChangeSetName", "c" + std::to_string(n)}, {"TemplateBody", body}, {"Parameters", key_name("k")}});
    CHECK(lab.refused("CreateChangeSet", {{"StackName", "lab1"}, {"ChangeSetName", "c20"}, {"TemplateBody", body}}).rfind("LimitExceededException", 0) == 0);
    CHECK(lab.ok("ListChangeSets", {{"StackName", "lab1"}})["Summaries"].size() == 20);
}
