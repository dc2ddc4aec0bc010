// The EC2 families through the control API, without root: each action changes the model and the snapshot
// as EC2 would, every refusal leaves model, snapshot, zones and plan as they were, and the runtime work an
// action asks for (namespaces, TAPs) is recorded by a fake lab runtime instead of done.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "instance/base64.hpp"
#include "instance/key_pair.hpp"
#include "router/control/control_api.hpp"
#include "router/control/control_request.hpp"
#include "router/control/ec2_actions.hpp"
#include "router/lab/launcher_results.hpp"
#include "endpoints/proxy_protocol.hpp"
#include "router/load_balancing/health_checker.hpp"
#include "router/template/template_loader.hpp"
#include "tests/unit/packet_builder.hpp"
#include "tests/unit/pipeline_lab.hpp"

using namespace vpclab;
using namespace vpclab::router;
using json = nlohmann::ordered_json;
using routing::InstanceState;

namespace {

struct FakeRuntime final : LabRuntime {
    std::vector<InstanceSetup> launched;
    struct Attached {
        std::string instance_id, attachment_id, netns;
        InterfaceSetup interface;
    };
    std::vector<Attached> attached;
    struct Released {
        std::string instance_id, netns;
        std::vector<routing::PortId> ports;
    };
    std::vector<Released> released;
    std::set<std::string> host_namespaces;  // what "already exists" on the host

    void launch(const InstanceSetup& setup) override { launched.push_back(setup); }
    void attach(const std::string& instance_id, const std::string& attachment_id, const std::string& netns,
                const InterfaceSetup& interface) override {
        attached.push_back({instance_id, attachment_id, netns, interface});
    }
    void release(const std::string& instance_id, const std::string& netns, const std::vector<routing::PortId>& ports) override {
        released.push_back({instance_id, netns, ports});
    }
    bool namespace_exists(const std::string& netns) const override { return host_namespaces.count(netns) != 0; }
    std::vector<std::pair<std::vector<routing::PortId>, bool>> forwarding;
    void set_forwarding(const std::vector<routing::PortId>& ports, bool on) override { forwarding.emplace_back(ports, on); }
    std::vector<std::string> keys_made;  // key types, in order
    instance::KeyMaterial key_material(const std::string& key_type) override {
        keys_made.push_back(key_type);
        static const std::string rsa_line = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC4cDZHmPLFr/0bzAvGqbRv6ITzOgJbrkvuSPq0DC2FH+mFlsUbAAJbROTlwHKyrxPSrdR+"
                                            "LhV4ReJ64bRd2HUPzeNGi3sI7B9Z2nw9zI1exw4DibNctM8LFMdJEAkRaYEmcm0VTDP3KOUKMRTl5xZVS0k5Jj/S6WPT6sa6uDZYNw==";
        static const std::string ed25519_line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBSIFJqju2RnlkS70sErstHXQWP43Eer1v6fP1xt90N3";
        return {"-----BEGIN FAKE " + key_type + " KEY " + std::to_string(keys_made.size()) + "-----",
                key_type == "rsa" ? rsa_line : ed25519_line, "fp-" + std::to_string(keys_made.size())};
    }
};

// TAPs the results hand over: recorded (no fds in these tests).
struct RecordingTaps final : TapSink {
    std::vector<routing::PortId> installed;
    std::size_t discarded = 0;
    void install(routing::PortId port, tap::TapDevice) override { installed.push_back(port); }
    void discard(std::vector<PortTap> taps) override { discarded += taps.size(); }
};

// An empty stack, as `vpclab up --empty` starts one.
struct Lab {
    RouterState state;
    FakeRuntime runtime;
    explicit Lab(const std::string& stack = "fam") {
        state.model = std::make_unique<routing::VpcModel>(stack, "ap-northeast-2");
        state.catalog = std::make_unique<endpoints::RegionCatalog>("ap-northeast-2", endpoints::PublicAddressPlan{});
        state.model->offer_services(state.catalog->service_offers());
        state.service_ports = plan_service_ports(*state.model, *state.catalog);
        state.plan = LabPlan::of(*state.model);
        state.runtime = &runtime;
        state.recompile();
    }
    // Through the router's front door, as the CLI's requests arrive.
    json call(const std::string& action, const nlohmann::json& params = nlohmann::json::object()) {
        const nlohmann::json request = {{"Action", action}, {"Params", params}};
        return json::parse(serve_control_line(request.dump(), state));
    }
    // The result of an action that must succeed.
    json ok(const std::string& action, const nlohmann::json& params = nlohmann::json::object()) {
        const json reply = call(action, params);
        INFO(action << " " << params.dump() << " → " << reply.dump());
        REQUIRE(reply["ok"] == true);
        return reply["result"];
    }
    std::string error_of(const std::string& action, const nlohmann::json& params) {
        const json reply = call(action, params);
        INFO(action << " " << params.dump() << " → " << reply.dump());
        REQUIRE(reply["ok"] == false);
        return reply["error"]["Code"].get<std::string>();
    }
    const routing::Instance& instance(const std::string& id) const { return state.model->instance(id); }
    routing::PortId port_of(const std::string& instance_id) const {
        return state.model->network_interface(instance(instance_id).network_interface_ids.front()).port;
    }
};

nlohmann::json name_tag(const char* type, const char* name) {
    return nlohmann::json::array({{{"ResourceType", type}, {"Tags", nlohmann::json::array({{{"Key", "Name"}, {"Value", name}}})}}});
}

// Everything a refusal must leave alone.
struct Observed {
    json described;
    const void* snapshot;
    std::size_t zones;
    std::vector<std::string> namespaces;
    std::size_t launches, attaches, releases;
    bool operator==(const Observed&) const = default;
};
Observed observe(Lab& lab) {
    json d = json::object();
    for (const auto& spec : ec2_actions())
        if (!spec.filters.empty()) d[spec.action] = lab.call(spec.action);
    return {d, lab.state.snapshot.get(), lab.state.dns_zones.size(), lab.state.plan.all_namespaces(),
            lab.runtime.launched.size(), lab.runtime.attached.size(), lab.runtime.released.size()};
}

// The seed's shape built by calls: a VPC, a subnet in each of two AZs, the public one with its own table
// routing 0.0.0.0/0 to an attached internet gateway.
struct Built {
    std::string vpc, pub, priv, pub_rt, igw, association;
};
Built build_vpc(Lab& lab) {
    Built b;
    b.vpc = lab.ok("CreateVpc", {{"CidrBlock", "10.0.0.0/16"}, {"TagSpecifications", name_tag("vpc", "endpoint-vpc")}})["Vpc"]["VpcId"];
    b.priv = lab.ok("CreateSubnet", {{"VpcId", b.vpc}, {"CidrBlock", "10.0.1.0/24"}, {"AvailabilityZone", "ap-northeast-2a"}})["Subnet"]["SubnetId"];
    b.pub = lab.ok("CreateSubnet", {{"VpcId", b.vpc}, {"CidrBlock", "10.0.0.0/24"}, {"AvailabilityZone", "ap-northeast-2c"}})["Subnet"]["SubnetId"];
    b.pub_rt = lab.ok("CreateRouteTable", {{"VpcId", b.vpc}})["RouteTable"]["RouteTableId"];
    b.association = lab.ok("AssociateRouteTable", {{"RouteTableId", b.pub_rt}, {"SubnetId", b.pub}})["AssociationId"];
    b.igw = lab.ok("CreateInternetGateway")["InternetGateway"]["InternetGatewayId"];
    lab.ok("AttachInternetGateway", {{"InternetGatewayId", b.igw}, {"VpcId", b.vpc}});
    lab.ok("CreateRoute", {{"RouteTableId", b.pub_rt}, {"DestinationCidrBlock", "0.0.0.0/0"}, {"GatewayId", b.igw}});
    return b;
}

std::string run_one(Lab& lab, const std::string& subnet, const nlohmann::json& extra = nlohmann::json::object()) {
    nlohmann::json params = {{"SubnetId", subnet}};
    params.update(extra);
    return lab.ok("RunInstances", params)["Instances"][0]["InstanceId"];
}

// Applies a launcher result as the event loop does, marking at once what it made ready.
void apply_result(RouterState& state, LauncherResult& r, TapSink& taps) {
    std::vector<std::string> ready;
    apply_launcher_result(state, r, taps, ready);
    mark_running(state, ready);
}

// The launcher's answer for the most recent launch of `instance_id`.
LauncherResult launch_result(Lab& lab, const std::string& instance_id) {
    LauncherResult r;
    r.kind = LauncherJob::Kind::launch;
    r.instance_id = instance_id;
    for (const auto& s : lab.runtime.launched)
        if (s.view.instance_id == instance_id)
            for (const auto& i : s.interfaces) r.taps.emplace_back(i.port, tap::TapDevice{});
    return r;
}

void launched_ok(Lab& lab, const std::string& instance_id, RecordingTaps& taps) {
    LauncherResult r = launch_result(lab, instance_id);
    apply_result(lab.state, r, taps);
}

}  // namespace

TEST_CASE("the action table is the registry: every action has a handler, names and commands are unique") {
    std::set<std::string> actions, commands;
    for (const auto& spec : ec2_actions()) {
        CAPTURE(spec.action);
        CHECK(static_cast<bool>(spec.handler));
        CHECK(actions.insert(spec.action).second);
        CHECK(commands.insert(spec.command).second);
        CHECK(find_action(spec.action) == &spec);
        CHECK(find_action_by_command(spec.command, spec.service) == &spec);
        const bool takes_filters = std::any_of(spec.params.begin(), spec.params.end(), [](const ParamSpec& p) { return p.kind == ParamSpec::Kind::filters; });
        CHECK(takes_filters == !spec.filters.empty());  // a describe call lists its filter names
    }
    for (const char* a : {"CreateVpc", "DeleteVpc", "CreateSubnet", "DeleteSubnet", "ModifySubnetAttribute", "CreateRouteTable",
                          "DeleteRouteTable", "AssociateRouteTable", "DisassociateRouteTable", "ReplaceRouteTableAssociation",
                          "DeleteInternetGateway", "CreateTags", "DeleteTags", "RunInstances", "TerminateInstances",
                          "CreateNetworkInterface", "AttachNetworkInterface", "DetachNetworkInterface", "DeleteNetworkInterface",
                          "DescribeNetworkInterfaces", "ModifyNetworkInterfaceAttribute", "StopInstances", "StartInstances", "DescribeInstanceAttribute"})
        CHECK(actions.count(a) == 1);
}

TEST_CASE("VPCs: created with a main route table and a default security group, tagged; deleted with them") {
    Lab lab;
    const void* empty_snapshot = lab.state.snapshot.get();
    const auto vpc = lab.ok("CreateVpc", {{"CidrBlock", "10.0.0.0/16"}, {"TagSpecifications", name_tag("vpc", "lab-vpc")}})["Vpc"];
    CHECK(vpc["CidrBlock"] == "10.0.0.0/16");
    CHECK(vpc["Tags"].dump() == R"([{"Key":"Name","Value":"lab-vpc"}])");
    CHECK(lab.state.snapshot.get() != empty_snapshot);
    CHECK(lab.state.dns_zones.size() == 1);
    const std::string id = vpc["VpcId"];
    CHECK(lab.ok("DescribeRouteTables", {{"Filters", {{{"Name", "vpc-id"}, {"Values", {id}}}}}})["RouteTables"].size() == 1);
    CHECK(lab.ok("DescribeSecurityGroups", {{"Filters", {{{"Name", "group-name"}, {"Values", {"default"}}}}}})["SecurityGroups"].size() == 1);
    CHECK(lab.error_of("CreateVpc", {{"CidrBlock", "10.0.0.0/8"}}) == "InvalidVpc.Range");
    CHECK(lab.error_of("CreateVpc", {{"CidrBlock", "10.1.0.0/16"}, {"TagSpecifications", name_tag("subnet", "x")}}) == "InvalidParameterValue");
    lab.ok("DeleteVpc", {{"VpcId", id}});
    CHECK(lab.ok("DescribeVpcs")["Vpcs"].empty());
    CHECK(lab.ok("DescribeRouteTables")["RouteTables"].empty());
    CHECK(lab.ok("DescribeSecurityGroups")["SecurityGroups"].empty());
    CHECK(lab.state.dns_zones.empty());
}

TEST_CASE("subnets: MapPublicIpOnLaunch decides an instance's public IP; a subnet in use cannot be deleted") {
    Lab lab;
    const Built b = build_vpc(lab);
    CHECK(lab.ok("DescribeSubnets", {{"SubnetIds", {b.pub}}})["Subnets"][0]["MapPublicIpOnLaunch"] == false);
    lab.ok("ModifySubnetAttribute", {{"SubnetId", b.pub}, {"MapPublicIpOnLaunch", {{"Value", true}}}});
    CHECK(lab.ok("DescribeSubnets", {{"SubnetIds", {b.pub}}})["Subnets"][0]["MapPublicIpOnLaunch"] == true);
    const std::string a = run_one(lab, b.pub);
    CHECK(lab.state.model->network_interface(lab.instance(a).network_interface_ids.front()).public_ip.has_value());
    const std::string p = run_one(lab, b.priv);
    CHECK(!lab.state.model->network_interface(lab.instance(p).network_interface_ids.front()).public_ip.has_value());
    // An explicit flag beats the subnet's default (the aws CLI's --[no-]associate-public-ip-address).
    const std::string q = run_one(lab, b.pub, {{"AssociatePublicIpAddress", false}});
    CHECK(!lab.state.model->network_interface(lab.instance(q).network_interface_ids.front()).public_ip.has_value());

    CHECK(lab.error_of("DeleteSubnet", {{"SubnetId", b.priv}}) == "DependencyViolation");
    CHECK(lab.error_of("DeleteVpc", {{"VpcId", b.vpc}}) == "DependencyViolation");
    lab.ok("TerminateInstances", {{"InstanceIds", {p}}});
    // Shutting down, it still holds its interface (and address): AWS frees them once it is terminated.
    CHECK(lab.error_of("DeleteSubnet", {{"SubnetId", b.priv}}) == "DependencyViolation");
    LauncherResult gone;
    gone.kind = LauncherJob::Kind::teardown;
    gone.instance_id = p;
    RecordingTaps taps;
    apply_result(lab.state, gone, taps);
    lab.ok("DeleteSubnet", {{"SubnetId", b.priv}});
    CHECK(lab.ok("DescribeSubnets")["Subnets"].size() == 1);
}

TEST_CASE("route tables: an association decides a subnet's routes; the main association moves; in-use tables stay") {
    Lab lab;
    const Built b = build_vpc(lab);
    const std::string a = run_one(lab, b.pub);
    const auto decide = [&] { return lab.state.snapshot->decide(lab.port_of(a), 0x0a000004, 0x08080808, 1).outcome; };
    CHECK(decide() == routing::Outcome::internet_gateway);
    lab.ok("DisassociateRouteTable", {{"AssociationId", b.association}});
    CHECK(decide() == routing::Outcome::drop_no_route);  // back on the main table: local only

    const auto tables = lab.ok("DescribeRouteTables", {{"Filters", {{{"Name", "association.main"}, {"Values", {"true"}}}}}})["RouteTables"];
    REQUIRE(tables.size() == 1);
    const std::string main_association = tables[0]["Associations"][0]["RouteTableAssociationId"];
    CHECK(lab.error_of("DisassociateRouteTable", {{"AssociationId", main_association}}) == "InvalidParameterValue");
    const std::string moved = lab.ok("ReplaceRouteTableAssociation", {{"AssociationId", main_association}, {"RouteTableId", b.pub_rt}})["NewAssociationId"];
    CHECK(!moved.empty());
    CHECK(decide() == routing::Outcome::internet_gateway);  // the public table is now main
    CHECK(lab.ok("DescribeRouteTables", {{"RouteTableIds", {b.pub_rt}}})["RouteTables"][0]["Associations"][0]["Main"] == true);
    CHECK(lab.error_of("DeleteRouteTable", {{"RouteTableId", b.pub_rt}}) == "DependencyViolation");  // main
    const std::string old_main = tables[0]["RouteTableId"];
    lab.ok("DeleteRouteTable", {{"RouteTableId", old_main}});
    CHECK(lab.error_of("DescribeRouteTables", {{"RouteTableIds", {old_main}}}) == "InvalidRouteTableID.NotFound");

    // The route.* and association.* filters.
    CHECK(lab.ok("DescribeRouteTables", {{"Filters", {{{"Name", "route.gateway-id"}, {"Values", {b.igw}}}}}})["RouteTables"].size() == 1);
    CHECK(lab.ok("DescribeRouteTables", {{"Filters", {{{"Name", "route.destination-cidr-block"}, {"Values", {"0.0.0.0/?"}}}}}})["RouteTables"].size() == 1);
    CHECK(lab.ok("DescribeRouteTables", {{"Filters", {{{"Name", "association.route-table-association-id"}, {"Values", {moved}}}}}})["RouteTables"].size() == 1);
}

TEST_CASE("internet gateways: deleted only once detached") {
    Lab lab;
    const Built b = build_vpc(lab);
    CHECK(lab.error_of("DeleteInternetGateway", {{"InternetGatewayId", b.igw}}) == "DependencyViolation");
    lab.ok("DetachInternetGateway", {{"InternetGatewayId", b.igw}, {"VpcId", b.vpc}});
    // The route to it is now a blackhole, and shown as one.
    CHECK(lab.ok("DescribeRouteTables", {{"Filters", {{{"Name", "route.state"}, {"Values", {"blackhole"}}}}}})["RouteTables"].size() == 1);
    lab.ok("DeleteInternetGateway", {{"InternetGatewayId", b.igw}});
    CHECK(lab.ok("DescribeInternetGateways")["InternetGateways"].empty());
}

TEST_CASE("tags: created, overwritten, deleted by key or by key and value; aws: keys and unknown IDs refused") {
    Lab lab;
    const Built b = build_vpc(lab);
    const auto tags = [&](const std::string& vpc) { return lab.ok("DescribeVpcs", {{"VpcIds", {vpc}}})["Vpcs"][0]["Tags"].dump(); };
    lab.ok("CreateTags", {{"Resources", {b.vpc, b.pub}}, {"Tags", {{{"Key", "env"}, {"Value", "lab"}}, {{"Key", "Name"}, {"Value", "renamed"}}}}});
    CHECK(tags(b.vpc) == R"([{"Key":"Name","Value":"renamed"},{"Key":"env","Value":"lab"}])");
    CHECK(lab.ok("DescribeSubnets", {{"Filters", {{{"Name", "tag:env"}, {"Values", {"l?b"}}}}}})["Subnets"].size() == 1);
    lab.ok("DeleteTags", {{"Resources", {b.vpc}}, {"Tags", {{{"Key", "env"}, {"Value", "other"}}}}});
    CHECK(tags(b.vpc).find("env") != std::string::npos);  // the value did not match: kept
    lab.ok("DeleteTags", {{"Resources", {b.vpc}}, {"Tags", {{{"Key", "env"}}}}});
    CHECK(tags(b.vpc) == R"([{"Key":"Name","Value":"renamed"}])");
    const Observed before = observe(lab);
    CHECK(lab.error_of("CreateTags", {{"Resources", {b.vpc}}, {"Tags", {{{"Key", "aws:x"}, {"Value", "y"}}}}}) == "InvalidParameterValue");
    CHECK(lab.error_of("CreateTags", {{"Resources", {b.vpc, "vpc-00000000000000000"}}, {"Tags", {{{"Key", "k"}, {"Value", "v"}}}}}) == "InvalidID");
    CHECK(observe(lab) == before);  // all or nothing: the known VPC was not tagged either
}

TEST_CASE("instances: pending at once, a namespace asked of the runtime, running when it is built; ports never renumber") {
    Lab lab;
    const Built b = build_vpc(lab);
    lab.ok("CreateKeyPair", {{"KeyName", "k"}});
    const auto reply = lab.ok("RunInstances", {{"SubnetId", b.priv}, {"Count", "3"}, {"ImageId", "ami-1"}, {"KeyName", "k"},
                                               {"TagSpecifications", name_tag("instance", "web")}});
    REQUIRE(reply["Instances"].size() == 3);
    std::vector<std::string> ids;
    for (const auto& i : reply["Instances"]) {
        CHECK(i["State"]["Name"] == "pending");
        ids.push_back(i["InstanceId"]);
    }
    CHECK(reply["Instances"][2]["AmiLaunchIndex"] == 2);
    REQUIRE(lab.runtime.launched.size() == 3);
    // The first takes its Name; the others, with the same Name, fall back to their instance IDs.
    CHECK(lab.runtime.launched[0].view.netns == "fam-web");
    CHECK(lab.runtime.launched[1].view.netns == "fam-" + ids[1]);
    std::set<routing::PortId> ports;
    for (const auto& id : ids) {
        CHECK(lab.state.snapshot->is_eni(lab.port_of(id)));  // pending instances forward (their TAP comes)
        ports.insert(lab.port_of(id));
    }
    CHECK(ports.size() == 3);
    CHECK(*ports.begin() == routing::first_eni_port);

    RecordingTaps taps;
    launched_ok(lab, ids[0], taps);
    CHECK(lab.instance(ids[0]).state == InstanceState::running);
    CHECK(taps.installed == std::vector<routing::PortId>{lab.port_of(ids[0])});

    // Terminating the first: its port leaves the snapshot, the others keep theirs.
    const routing::PortId first = lab.port_of(ids[0]), second = lab.port_of(ids[1]), third = lab.port_of(ids[2]);
    const auto t = lab.ok("TerminateInstances", {{"InstanceIds", {ids[0]}}})["TerminatingInstances"][0];
    CHECK(t["PreviousState"]["Name"] == "running");
    CHECK(t["CurrentState"]["Name"] == "shutting-down");
    REQUIRE(lab.runtime.released.size() == 1);
    CHECK(lab.runtime.released[0].netns == "fam-web");
    CHECK(lab.runtime.released[0].ports == std::vector<routing::PortId>{first});
    CHECK(!lab.state.snapshot->is_eni(first));
    CHECK(lab.port_of(ids[1]) == second);
    CHECK(lab.port_of(ids[2]) == third);
    CHECK(lab.state.snapshot->is_eni(second));
    // Until its namespace is gone, its name, address and port stay taken (as AWS frees them at terminated).
    CHECK(lab.state.plan.find(ids[0]) != nullptr);
    const std::string meanwhile = run_one(lab, b.priv, {{"TagSpecifications", name_tag("instance", "web")}});
    CHECK(lab.state.plan.find(meanwhile)->netns == "fam-" + meanwhile);  // "fam-web" is still being removed
    CHECK(lab.port_of(meanwhile) != first);

    LauncherResult done;
    done.kind = LauncherJob::Kind::teardown;
    done.instance_id = ids[0];
    apply_result(lab.state, done, taps);
    CHECK(lab.state.plan.find(ids[0]) == nullptr);
    // The next instance reuses the freed port without touching the others.
    const std::string next = run_one(lab, b.priv);
    CHECK(lab.port_of(next) == first);
    const auto described = lab.ok("DescribeInstances", {{"InstanceIds", {ids[0]}}})["Reservations"][0]["Instances"][0];
    CHECK(described["State"]["Name"] == "terminated");
    CHECK(described["StateTransitionReason"].get<std::string>().rfind("User initiated", 0) == 0);
    CHECK(described["NetworkInterfaces"].empty());
    CHECK(lab.ok("DescribeInstances", {{"Filters", {{{"Name", "instance-state-name"}, {"Values", {"terminated"}}}}}})["Reservations"].size() == 1);

    // An instance terminated while its launch was under way: its TAPs are discarded when they arrive.
    lab.ok("TerminateInstances", {{"InstanceIds", {ids[1]}}});
    launched_ok(lab, ids[1], taps);
    CHECK(taps.discarded == 1);
    CHECK(lab.instance(ids[1]).state == InstanceState::shutting_down);
}

TEST_CASE("launches that finish together turn running in one commit; one terminated meanwhile stays terminated") {
    Lab lab;
    const Built b = build_vpc(lab);
    const auto ids = lab.ok("RunInstances", {{"SubnetId", b.priv}, {"Count", "4"}})["Instances"];
    RecordingTaps taps;
    std::vector<std::string> ready;
    for (const auto& i : ids) {
        LauncherResult r = launch_result(lab, i["InstanceId"]);
        apply_launcher_result(lab.state, r, taps, ready);
    }
    // Their TAPs forward at once; the model is not touched until mark_running.
    CHECK(taps.installed.size() == 4);
    CHECK(ready.size() == 4);
    for (const auto& i : ids) CHECK(lab.instance(i["InstanceId"]).state == InstanceState::pending);
    const std::string gone = ids[3]["InstanceId"];
    lab.ok("TerminateInstances", {{"InstanceIds", {gone}}});
    const auto* before = lab.state.snapshot.get();
    mark_running(lab.state, ready);
    CHECK(lab.state.snapshot.get() != before);  // one commit for all of them
    CHECK(ready.empty());
    for (int i = 0; i < 3; ++i) CHECK(lab.instance(ids[i]["InstanceId"]).state == InstanceState::running);
    CHECK(lab.instance(gone).state == InstanceState::shutting_down);
    // Nothing ready: no commit.
    const auto* after = lab.state.snapshot.get();
    mark_running(lab.state, ready);
    CHECK(lab.state.snapshot.get() == after);
}

TEST_CASE("a launch the runtime could not build ends terminated with Server.InternalError, its address free again") {
    Lab lab;
    const Built b = build_vpc(lab);
    const std::string id = run_one(lab, b.priv);
    const auto address = lab.state.model->network_interface(lab.instance(id).network_interface_ids.front()).private_ip;
    LauncherResult failed;
    failed.kind = LauncherJob::Kind::launch;
    failed.instance_id = id;
    failed.error = "netlink: no such device";
    RecordingTaps taps;
    apply_result(lab.state, failed, taps);
    CHECK(lab.instance(id).state == InstanceState::terminated);
    CHECK(lab.instance(id).state_transition_reason == "Server.InternalError: netlink: no such device");
    CHECK(lab.state.plan.find(id) == nullptr);
    CHECK(lab.ok("DescribeNetworkInterfaces")["NetworkInterfaces"].empty());
    const std::string again = run_one(lab, b.priv);
    CHECK(lab.state.model->network_interface(lab.instance(again).network_interface_ids.front()).private_ip == address);
}

TEST_CASE("network interfaces: created available, attached as eth1 in the same AZ, detached, deleted") {
    Lab lab;
    const Built b = build_vpc(lab);
    const std::string a = run_one(lab, b.priv);
    RecordingTaps taps;
    launched_ok(lab, a, taps);
    const auto eni = lab.ok("CreateNetworkInterface", {{"SubnetId", b.priv}, {"Description", "second leg"}, {"PrivateIpAddress", "10.0.1.50"}})["NetworkInterface"];
    CHECK(eni["Status"] == "available");
    CHECK(eni["PrivateIpAddress"] == "10.0.1.50");
    CHECK(eni["InterfaceType"] == "interface");
    const std::string eni_id = eni["NetworkInterfaceId"];
    const routing::PortId port = lab.state.model->network_interface(eni_id).port;
    CHECK(!lab.state.snapshot->is_eni(port));  // not attached: carries nothing

    const std::string other_az = lab.ok("CreateNetworkInterface", {{"SubnetId", b.pub}})["NetworkInterface"]["NetworkInterfaceId"];
    const Observed before = observe(lab);
    CHECK(lab.error_of("AttachNetworkInterface", {{"NetworkInterfaceId", other_az}, {"InstanceId", a}, {"DeviceIndex", "1"}}) == "InvalidParameterCombination");
    CHECK(lab.error_of("AttachNetworkInterface", {{"NetworkInterfaceId", eni_id}, {"InstanceId", a}, {"DeviceIndex", "0"}}) == "InvalidParameterValue");
    CHECK(observe(lab) == before);

    const std::string attachment = lab.ok("AttachNetworkInterface", {{"NetworkInterfaceId", eni_id}, {"InstanceId", a}, {"DeviceIndex", "1"}})["AttachmentId"];
    REQUIRE(lab.runtime.attached.size() == 1);
    CHECK(lab.runtime.attached[0].interface.spec.name == "eth1");
    CHECK(lab.runtime.attached[0].interface.spec.routes.empty());  // the default route stays on eth0
    CHECK(lab.runtime.attached[0].netns == lab.state.plan.find(a)->netns);
    CHECK(lab.runtime.attached[0].attachment_id == attachment);
    CHECK(lab.state.snapshot->is_eni(port));
    const auto described = lab.ok("DescribeNetworkInterfaces", {{"Filters", {{{"Name", "attachment.instance-id"}, {"Values", {a}}}}}})["NetworkInterfaces"];
    CHECK(described.size() == 2);  // eth0 and eth1
    CHECK(lab.error_of("DeleteNetworkInterface", {{"NetworkInterfaceId", eni_id}}) == "InvalidNetworkInterface.InUse");
    const std::string primary_attachment = lab.state.model->network_interface(lab.instance(a).network_interface_ids.front()).attachment_id;
    CHECK(lab.error_of("DetachNetworkInterface", {{"AttachmentId", primary_attachment}}) == "OperationNotPermitted");

    lab.ok("DetachNetworkInterface", {{"AttachmentId", attachment}});
    REQUIRE(lab.runtime.released.size() == 1);
    CHECK(lab.runtime.released[0].ports == std::vector<routing::PortId>{port});
    CHECK(lab.runtime.released[0].netns.empty());  // the instance's namespace stays
    CHECK(!lab.state.snapshot->is_eni(port));
    lab.ok("DeleteNetworkInterface", {{"NetworkInterfaceId", eni_id}});
    CHECK(lab.error_of("DescribeNetworkInterfaces", {{"NetworkInterfaceIds", {eni_id}}}) == "InvalidNetworkInterfaceID.NotFound");
}

TEST_CASE("the source/destination check, switched off, lets an instance forward others' traffic (a NAT instance)") {
    Lab lab;
    const Built b = build_vpc(lab);
    const std::string nat = run_one(lab, b.pub), inner = run_one(lab, b.priv);
    const std::string nat_eni = lab.instance(nat).network_interface_ids.front();
    const auto main_rt = lab.state.model->vpc(b.vpc).main_route_table_id;
    lab.ok("CreateRoute", {{"RouteTableId", main_rt}, {"DestinationCidrBlock", "0.0.0.0/0"}, {"InstanceId", nat}});
    // The inner instance's packet to the internet goes to the NAT instance, which checks: dropped.
    CHECK(lab.state.snapshot->decide(lab.port_of(inner), 0x0a000104, 0x08080808, 1).outcome == routing::Outcome::drop_destination_check);
    // The NAT instance forwarding it out (its source not its own): dropped too.
    CHECK(lab.state.snapshot->decide(lab.port_of(nat), 0x0a000104, 0x08080808, 1).outcome == routing::Outcome::drop_source_check);
    lab.ok("ModifyNetworkInterfaceAttribute", {{"NetworkInterfaceId", nat_eni}, {"SourceDestCheck", {{"Value", false}}}});
    CHECK(lab.state.snapshot->decide(lab.port_of(inner), 0x0a000104, 0x08080808, 1).outcome == routing::Outcome::deliver);
    CHECK(lab.state.snapshot->decide(lab.port_of(nat), 0x0a000104, 0x08080808, 1).outcome == routing::Outcome::internet_gateway);
    CHECK(lab.ok("DescribeNetworkInterfaces", {{"NetworkInterfaceIds", {nat_eni}}})["NetworkInterfaces"][0]["SourceDestCheck"] == false);
    // Terminated, the NAT instance leaves a blackhole route behind (as AWS shows it).
    lab.ok("TerminateInstances", {{"InstanceIds", {nat}}});
    CHECK(lab.ok("DescribeRouteTables", {{"RouteTableIds", {main_rt}}})["RouteTables"][0]["Routes"][1]["State"] == "blackhole");
    CHECK(lab.state.snapshot->decide(lab.port_of(inner), 0x0a000104, 0x08080808, 1).outcome == routing::Outcome::drop_no_route);
}

TEST_CASE("every refusal leaves model, snapshot, zones, plan and runtime as they were") {
    Lab lab;
    const Built b = build_vpc(lab);
    const std::string a = run_one(lab, b.priv, {{"TagSpecifications", name_tag("instance", "a")}});
    lab.runtime.host_namespaces.insert("fam-taken");
    const Observed before = observe(lab);
    const std::vector<std::pair<std::string, nlohmann::json>> refused = {
        {"CreateVpc", {{"CidrBlock", "10.0.0.0/33"}}},
        {"DeleteVpc", {{"VpcId", b.vpc}}},
        {"CreateSubnet", {{"VpcId", b.vpc}, {"CidrBlock", "10.0.1.128/25"}}},
        {"CreateSubnet", {{"VpcId", b.vpc}, {"CidrBlock", "10.0.9.0/24"}, {"AvailabilityZone", "us-east-1a"}}},
        {"DeleteSubnet", {{"SubnetId", b.priv}}},
        {"ModifySubnetAttribute", {{"SubnetId", "subnet-00000000000000000"}, {"MapPublicIpOnLaunch", {{"Value", true}}}}},
        {"DeleteRouteTable", {{"RouteTableId", b.pub_rt}}},
        {"AssociateRouteTable", {{"RouteTableId", b.pub_rt}, {"SubnetId", b.pub}}},
        {"ReplaceRouteTableAssociation", {{"AssociationId", "rtbassoc-00000000000000000"}, {"RouteTableId", b.pub_rt}}},
        {"DeleteInternetGateway", {{"InternetGatewayId", b.igw}}},
        {"RunInstances", {{"SubnetId", "subnet-00000000000000000"}}},
        {"RunInstances", {{"SubnetId", b.priv}, {"TagSpecifications", name_tag("instance", "taken")}}},
        {"RunInstances", {{"SubnetId", b.priv}, {"PrivateIpAddress", "10.0.1.4"}}},
        {"RunInstances", {{"SubnetId", b.priv}, {"Count", "2"}, {"PrivateIpAddress", "10.0.1.9"}}},
        {"RunInstances", {{"SubnetId", b.priv}, {"Count", "257"}}},
        {"RunInstances", {{"SubnetId", b.priv}, {"NetworkInterfaces", {{{"DeviceIndex", "0"}, {"SubnetId", b.priv}}}}}},
        {"TerminateInstances", {{"InstanceIds", {a, "i-00000000000000000"}}}},
        {"CreateNetworkInterface", {{"SubnetId", b.priv}, {"PrivateIpAddress", "10.0.1.3"}}},
        {"DetachNetworkInterface", {{"AttachmentId", "eni-attach-00000000000000000"}}},
        {"ModifyNetworkInterfaceAttribute", {{"NetworkInterfaceId", "eni-00000000000000000"}, {"SourceDestCheck", {{"Value", false}}}}},
        {"DeleteTags", {{"Resources", {"igw-00000000000000000"}}}},
        {"CreateVpcEndpoint", {{"VpcId", b.vpc}, {"ServiceName", "com.amazonaws.ap-northeast-2.s3x"}, {"RouteTableIds", {b.pub_rt}}}},
        {"CreateVpcEndpoint", {{"VpcId", b.vpc}, {"ServiceName", "com.amazonaws.ap-northeast-2.cloudformation"}, {"RouteTableIds", {b.pub_rt}}}},
        {"CreateVpcEndpoint", {{"VpcId", b.vpc}, {"ServiceName", "com.amazonaws.ap-northeast-2.s3"}, {"RouteTableIds", {"rtb-00000000000000000"}}}},
        {"CreateVpcEndpoint", {{"VpcId", b.vpc}, {"ServiceName", "com.amazonaws.ap-northeast-2.s3"}, {"VpcEndpointType", "Interface"}}},
        // Private DNS (on by default) without enableDnsHostnames; two subnets of one AZ; route tables.
        {"CreateVpcEndpoint", {{"VpcId", b.vpc}, {"ServiceName", "com.amazonaws.ap-northeast-2.cloudformation"}, {"VpcEndpointType", "Interface"},
                               {"SubnetIds", {b.priv}}}},
        {"CreateVpcEndpoint", {{"VpcId", b.vpc}, {"ServiceName", "com.amazonaws.ap-northeast-2.cloudformation"}, {"VpcEndpointType", "Interface"},
                               {"SubnetIds", {b.priv, b.priv}}, {"PrivateDnsEnabled", false}}},
        {"CreateVpcEndpoint", {{"VpcId", b.vpc}, {"ServiceName", "com.amazonaws.ap-northeast-2.cloudformation"}, {"VpcEndpointType", "Interface"},
                               {"SubnetIds", {b.priv}}, {"PrivateDnsEnabled", false}, {"RouteTableIds", {b.pub_rt}}}},
        {"CreateManagedPrefixList", {{"PrefixListName", "x"}, {"MaxEntries", "0"}, {"AddressFamily", "IPv4"}}},
        {"CreateManagedPrefixList", {{"PrefixListName", "x"}, {"MaxEntries", "5"}, {"AddressFamily", "IPv6"}}},
        {"CreateRoute", {{"RouteTableId", b.pub_rt}, {"DestinationPrefixListId", "pl-00000000000000000"}, {"GatewayId", b.igw}}},
    };
    for (const auto& entry : refused) {
        const std::string& action = entry.first;
        const nlohmann::json& params = entry.second;
        CAPTURE(action);
        CAPTURE(params.dump());
        CHECK(lab.call(action, params)["ok"] == false);
        CHECK(observe(lab) == before);
    }
}

TEST_CASE("a compile or swap failure in a runtime action changes nothing and asks nothing of the runtime") {
    Lab lab;
    const Built b = build_vpc(lab);
    const Observed before = observe(lab);
    lab.state.fault_before_swap = [] { throw std::runtime_error("injected failure after compile"); };
    CHECK(lab.call("RunInstances", {{"SubnetId", b.priv}, {"Count", "2"}})["error"]["Code"] == "InternalError");
    CHECK(lab.call("CreateSubnet", {{"VpcId", b.vpc}, {"CidrBlock", "10.0.7.0/24"}})["error"]["Code"] == "InternalError");
    CHECK(observe(lab) == before);
    lab.state.fault_before_swap = nullptr;
    CHECK(lab.call("RunInstances", {{"SubnetId", b.priv}, {"Count", "2"}})["ok"] == true);
    CHECK(lab.runtime.launched.size() == 2);
}

TEST_CASE("a VPC made by a template and the same VPC made by calls are described alike") {
    const std::string text = R"(
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16, Tags: [{Key: Name, Value: endpoint-vpc}]}
  Private:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.1.0/24, AvailabilityZone: ap-northeast-2a}
  Public:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.0.0/24, AvailabilityZone: ap-northeast-2c}
  PublicRT:
    Type: AWS::EC2::RouteTable
    Properties: {VpcId: !Ref Vpc}
  PublicAssoc:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: {RouteTableId: !Ref PublicRT, SubnetId: !Ref Public}
  Igw:
    Type: AWS::EC2::InternetGateway
  Attach:
    Type: AWS::EC2::VPCGatewayAttachment
    Properties: {VpcId: !Ref Vpc, InternetGatewayId: !Ref Igw}
  Default:
    Type: AWS::EC2::Route
    DependsOn: Attach
    Properties: {RouteTableId: !Ref PublicRT, DestinationCidrBlock: 0.0.0.0/0, GatewayId: !Ref Igw}
)";
    cfn::LoadOptions options;
    options.stack_name = "fam";
    cfn::LoadedLab loaded = cfn::load_template(text, options);
    Lab from_template;
    from_template.state.model = std::move(loaded.model);
    from_template.state.recompile();
    Lab by_calls;
    build_vpc(by_calls);

    // IDs differ (a template names resources by logical ID, calls by creation order) and CloudFormation
    // adds its aws:cloudformation:* tags: replace each ID by its kind and order of first appearance, drop
    // those tags, and the two must read the same.
    const auto normalized = [](Lab& lab) {
        std::string all;
        for (const char* action : {"DescribeVpcs", "DescribeSubnets", "DescribeRouteTables", "DescribeInternetGateways", "DescribeSecurityGroups"})
            all += lab.ok(action).dump() + "\n";
        all = std::regex_replace(all, std::regex(R"(,?\{"Key":"aws:cloudformation:[a-z-]+","Value":"[^"]*"\})"), "");
        all = std::regex_replace(all, std::regex(R"(\[,)"), "[");
        std::map<std::string, std::string> names;
        std::string out;
        const std::regex id(R"(\b(vpc-cidr-assoc|rtbassoc|vpc|subnet|rtb|igw|sg)-[0-9a-f]{17}\b)");
        auto it = std::sregex_iterator(all.begin(), all.end(), id);
        std::size_t at = 0;
        for (; it != std::sregex_iterator(); ++it) {
            const std::string found = it->str();
            if (!names.count(found)) names[found] = (*it)[1].str() + "#" + std::to_string(names.size());
            out += all.substr(at, static_cast<std::size_t>(it->position()) - at) + names[found];
            at = static_cast<std::size_t>(it->position() + it->length());
        }
        out += all.substr(at);
        // The subnets' ARNs name the subnet by ID too.
        return out;
    };
    const std::string a = normalized(from_template), b = normalized(by_calls);
    CHECK(a == b);
    CHECK(a.find("endpoint-vpc") != std::string::npos);
}

TEST_CASE("review fixes: terminated instances, stale attachments, interfaces that outlive their instance, fresh association IDs") {
    Lab lab;
    const Built b = build_vpc(lab);
    RecordingTaps taps;
    const auto finish = [&](const std::string& id) {
        LauncherResult gone;
        gone.kind = LauncherJob::Kind::teardown;
        gone.instance_id = id;
        apply_result(lab.state, gone, taps);
    };

    // An Elastic IP cannot go to a terminated instance (it has no interface): refused, no crash.
    const std::string t = run_one(lab, b.pub);
    lab.ok("TerminateInstances", {{"InstanceIds", {t}}});
    finish(t);
    const std::string eip = lab.ok("AllocateAddress")["AllocationId"];
    CHECK(lab.error_of("AssociateAddress", {{"AllocationId", eip}, {"InstanceId", t}}) == "IncorrectInstanceState");
    CHECK(lab.error_of("CreateRoute", {{"RouteTableId", b.pub_rt}, {"DestinationCidrBlock", "10.9.0.0/16"}, {"InstanceId", t}}) == "IncorrectInstanceState");

    // A second interface of a pending instance cannot be detached before the instance runs.
    const auto two = lab.ok("RunInstances", {{"NetworkInterfaces", {{{"DeviceIndex", "0"}, {"SubnetId", b.priv}},
                                                                     {{"DeviceIndex", "1"}, {"SubnetId", b.priv}, {"DeleteOnTermination", "false"}, {"Description", "kept"}}}}})["Instances"][0];
    const std::string two_id = two["InstanceId"];
    CHECK(two["NetworkInterfaces"].size() == 2);
    CHECK(!two.contains("PublicIpAddress"));
    const std::string second_attachment = two["NetworkInterfaces"][1]["Attachment"]["AttachmentId"];
    CHECK(lab.error_of("DetachNetworkInterface", {{"AttachmentId", second_attachment}}) == "IncorrectInstanceState");
    launched_ok(lab, two_id, taps);
    // Its second interface (DeleteOnTermination false) outlives it, with its Elastic IP.
    const std::string kept = two["NetworkInterfaces"][1]["NetworkInterfaceId"];
    lab.ok("AssociateAddress", {{"AllocationId", eip}, {"NetworkInterfaceId", kept}});
    lab.ok("TerminateInstances", {{"InstanceIds", {two_id}}});
    finish(two_id);
    const auto survivor = lab.ok("DescribeNetworkInterfaces", {{"NetworkInterfaceIds", {kept}}})["NetworkInterfaces"][0];
    CHECK(survivor["Status"] == "available");
    CHECK(survivor["Description"] == "kept");
    CHECK(survivor.contains("Association"));
    CHECK(lab.ok("DescribeNetworkInterfaces")["NetworkInterfaces"].size() == 1);

    // An attach result for an attachment that was undone and made again is not installed.
    const std::string a = run_one(lab, b.priv);
    launched_ok(lab, a, taps);
    const std::string first = lab.ok("AttachNetworkInterface", {{"NetworkInterfaceId", kept}, {"InstanceId", a}, {"DeviceIndex", "1"}})["AttachmentId"];
    lab.ok("DetachNetworkInterface", {{"AttachmentId", first}});
    const std::string again = lab.ok("AttachNetworkInterface", {{"NetworkInterfaceId", kept}, {"InstanceId", a}, {"DeviceIndex", "1"}})["AttachmentId"];
    CHECK(again != first);
    const routing::PortId port = lab.state.model->network_interface(kept).port;
    LauncherResult stale;
    stale.kind = LauncherJob::Kind::attach;
    stale.instance_id = a;
    stale.eni_id = kept;
    stale.attachment_id = first;
    stale.taps.emplace_back(port, tap::TapDevice{});
    const std::size_t installed = taps.installed.size(), discarded = taps.discarded;
    apply_result(lab.state, stale, taps);
    CHECK(taps.installed.size() == installed);
    CHECK(taps.discarded == discarded + 1);
    LauncherResult current = std::move(stale);
    current.attachment_id = again;
    current.taps.emplace_back(port, tap::TapDevice{});
    apply_result(lab.state, current, taps);
    CHECK(taps.installed.back() == port);

    // Association IDs are never reused: one from before a disassociation names nothing afterwards.
    const std::string assoc2 = lab.ok("AssociateRouteTable", {{"RouteTableId", b.pub_rt}, {"SubnetId", b.priv}})["AssociationId"];
    lab.ok("DisassociateRouteTable", {{"AssociationId", assoc2}});
    const std::string assoc3 = lab.ok("AssociateRouteTable", {{"RouteTableId", b.pub_rt}, {"SubnetId", b.priv}})["AssociationId"];
    CHECK(assoc3 != assoc2);
    CHECK(lab.error_of("DisassociateRouteTable", {{"AssociationId", assoc2}}) == "InvalidAssociationID.NotFound");

    // Inside a structure, a lone value is a one-item list (the shorthand's Groups=sg-1).
    const std::string sg = lab.state.model->vpc(b.vpc).default_security_group_id;
    const auto one_group = lab.ok("RunInstances", {{"NetworkInterfaces", {{{"DeviceIndex", "0"}, {"SubnetId", b.priv}, {"Groups", sg}}}}})["Instances"][0];
    CHECK(one_group["SecurityGroups"][0]["GroupId"] == sg);
}

TEST_CASE("stop and start: links off the data path and back, addresses kept, an auto-assigned public IP renewed") {
    Lab lab;
    const Built b = build_vpc(lab);
    RecordingTaps taps;
    const std::string a = run_one(lab, b.pub, {{"AssociatePublicIpAddress", true}});
    const std::string e = run_one(lab, b.pub);
    CHECK(lab.error_of("StopInstances", {{"InstanceIds", {a}}}) == "IncorrectInstanceState");  // still pending
    launched_ok(lab, a, taps);
    launched_ok(lab, e, taps);
    const std::string eip = lab.ok("AllocateAddress")["AllocationId"];
    lab.ok("AssociateAddress", {{"AllocationId", eip}, {"InstanceId", e}});
    const auto describe = [&](const std::string& id) { return lab.ok("DescribeInstances", {{"InstanceIds", {id}}})["Reservations"][0]["Instances"][0]; };
    const std::string private_ip = describe(a)["PrivateIpAddress"], public_ip = describe(a)["PublicIpAddress"], elastic = describe(e)["PublicIpAddress"];

    const auto stopped = lab.ok("StopInstances", {{"InstanceIds", {a, e}}})["StoppingInstances"];
    CHECK(stopped[0]["PreviousState"]["Name"] == "running");
    CHECK(stopped[0]["CurrentState"]["Name"] == "stopping");
    CHECK(describe(a)["State"]["Name"] == "stopped");
    CHECK(!describe(a).contains("PublicIpAddress"));   // released
    CHECK(describe(e)["PublicIpAddress"] == elastic);  // an Elastic IP stays
    CHECK(describe(a)["PrivateIpAddress"] == private_ip);
    CHECK(!lab.state.snapshot->is_eni(lab.port_of(a)));
    REQUIRE(lab.runtime.forwarding.size() == 1);
    CHECK(lab.runtime.forwarding[0] == std::pair{std::vector<routing::PortId>{lab.port_of(a), lab.port_of(e)}, false});
    CHECK(lab.ok("StopInstances", {{"InstanceIds", {a}}})["StoppingInstances"][0]["PreviousState"]["Name"] == "stopped");  // no change
    CHECK(lab.error_of("AttachNetworkInterface", {{"NetworkInterfaceId", lab.ok("CreateNetworkInterface", {{"SubnetId", b.pub}})["NetworkInterface"]["NetworkInterfaceId"]},
                                                  {"InstanceId", a}, {"DeviceIndex", "1"}}) == "IncorrectInstanceState");

    const auto started = lab.ok("StartInstances", {{"InstanceIds", {a}}})["StartingInstances"];
    CHECK(started[0]["PreviousState"]["Name"] == "stopped");
    CHECK(started[0]["CurrentState"]["Name"] == "pending");
    CHECK(describe(a)["State"]["Name"] == "running");
    CHECK(describe(a).contains("PublicIpAddress"));
    CHECK(describe(a)["PublicIpAddress"] != public_ip);  // a new one, as on AWS
    CHECK(lab.state.snapshot->is_eni(lab.port_of(a)));
    CHECK(lab.runtime.forwarding.back() == std::pair{std::vector<routing::PortId>{lab.port_of(a)}, true});
    CHECK(lab.ok("StartInstances", {{"InstanceIds", {a}}})["StartingInstances"][0]["PreviousState"]["Name"] == "running");
    // A stopped instance can be terminated.
    lab.ok("TerminateInstances", {{"InstanceIds", {e}}});
    CHECK(describe(e)["State"]["Name"] == "shutting-down");
}

TEST_CASE("UserData: run-instances keeps it base64 as EC2 does; describe-instance-attribute returns it") {
    Lab lab;
    const Built b = build_vpc(lab);
    const std::string script = "#!/bin/bash\necho hi > /var/www/html/index.html\n";
    const std::string a = run_one(lab, b.priv, {{"UserData", script}});
    const auto attribute = lab.ok("DescribeInstanceAttribute", {{"InstanceId", a}, {"Attribute", "userData"}});
    CHECK(attribute["InstanceId"] == a);
    CHECK(attribute["UserData"]["Value"] == "IyEvYmluL2Jhc2gKZWNobyBoaSA+IC92YXIvd3d3L2h0bWwvaW5kZXguaHRtbAo=");
    const std::string none = run_one(lab, b.priv);
    CHECK(lab.ok("DescribeInstanceAttribute", {{"InstanceId", none}, {"Attribute", "userData"}})["UserData"].empty());
    CHECK(lab.ok("DescribeInstanceAttribute", {{"InstanceId", none}, {"Attribute", "instanceType"}})["InstanceType"]["Value"] == "t2.micro");
    CHECK(lab.error_of("DescribeInstanceAttribute", {{"InstanceId", none}, {"Attribute", "kernel"}}) == "InvalidParameterValue");
    CHECK(lab.error_of("RunInstances", {{"SubnetId", b.priv}, {"UserData", std::string(16385, 'x')}}) == "InvalidParameterValue");
}

TEST_CASE("an attachment the runtime could not make is undone: the interface is available again") {
    Lab lab;
    const Built b = build_vpc(lab);
    RecordingTaps taps;
    const std::string a = run_one(lab, b.priv);
    launched_ok(lab, a, taps);
    const std::string eni = lab.ok("CreateNetworkInterface", {{"SubnetId", b.priv}})["NetworkInterface"]["NetworkInterfaceId"];
    const std::string attachment = lab.ok("AttachNetworkInterface", {{"NetworkInterfaceId", eni}, {"InstanceId", a}, {"DeviceIndex", "1"}})["AttachmentId"];
    CHECK(lab.state.snapshot->is_eni(lab.state.model->network_interface(eni).port));
    LauncherResult failed;
    failed.kind = LauncherJob::Kind::attach;
    failed.instance_id = a;
    failed.eni_id = eni;
    failed.attachment_id = attachment;
    failed.error = "netlink: file exists";
    apply_result(lab.state, failed, taps);
    CHECK(lab.ok("DescribeNetworkInterfaces", {{"NetworkInterfaceIds", {eni}}})["NetworkInterfaces"][0]["Status"] == "available");
    CHECK(lab.instance(a).network_interface_ids.size() == 1);
    CHECK(!lab.state.snapshot->is_eni(lab.state.model->network_interface(eni).port));
}

TEST_CASE("key pairs: made on the runtime, the private key returned once, imported, described, deleted; instances get the public key") {
    Lab lab;
    const Built b = build_vpc(lab);
    const auto made = lab.ok("CreateKeyPair", {{"KeyName", "sandbox-jh"}, {"TagSpecifications", name_tag("key-pair", "lab key")}});
    CHECK(made["KeyMaterial"] == "-----BEGIN FAKE rsa KEY 1-----");  // RSA unless asked: EC2's default
    CHECK(made["KeyFingerprint"] == "fp-1");
    CHECK(made["KeyName"] == "sandbox-jh");
    CHECK(made["KeyPairId"].get<std::string>().rfind("key-", 0) == 0);
    CHECK(made["Tags"][0]["Value"] == "lab key");
    CHECK(lab.runtime.keys_made == std::vector<std::string>{"rsa"});

    // Refusals change nothing, and make no key.
    const Observed before = observe(lab);
    CHECK(lab.error_of("CreateKeyPair", {{"KeyName", "sandbox-jh"}}) == "InvalidKeyPair.Duplicate");
    CHECK(lab.error_of("CreateKeyPair", {{"KeyName", "x"}, {"KeyType", "dsa"}}) == "InvalidParameterValue");
    CHECK(lab.error_of("CreateKeyPair", {{"KeyName", "x"}, {"KeyFormat", "ppk"}}) == "InvalidParameterValue");
    CHECK(lab.error_of("CreateKeyPair", {{"KeyName", std::string(256, 'k')}}) == "InvalidParameterValue");
    CHECK(lab.error_of("ImportKeyPair", {{"KeyName", "mine"}, {"PublicKeyMaterial", "ssh-rsa not-a-key"}}) == "InvalidKey.Format");
    CHECK(lab.error_of("RunInstances", {{"SubnetId", b.priv}, {"KeyName", "nosuch"}}) == "InvalidKeyPair.NotFound");
    CHECK(lab.error_of("DeleteKeyPair", {{"KeyPairId", "key-00000000000000000"}}) == "InvalidKeyPair.NotFound");
    CHECK(lab.error_of("DeleteKeyPair", nlohmann::json::object()) == "MissingParameter");
    CHECK(observe(lab) == before);
    CHECK(lab.runtime.keys_made.size() == 1);

    // Imported: the key line base64-encoded (as the API takes it) or as it is; EC2's fingerprint of an import.
    const std::string line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBSIFJqju2RnlkS70sErstHXQWP43Eer1v6fP1xt90N3";
    const auto imported = lab.ok("ImportKeyPair", {{"KeyName", "mine"}, {"PublicKeyMaterial", instance::base64_encode(line + " me@laptop\n")}});
    CHECK(imported["KeyFingerprint"] == instance::imported_key_fingerprint(*instance::parse_public_key(line)));
    CHECK_FALSE(imported.contains("KeyMaterial"));
    CHECK_FALSE(imported.contains("Tags"));
    CHECK(lab.ok("ImportKeyPair", {{"KeyName", "mine2"}, {"PublicKeyMaterial", line}})["KeyName"] == "mine2");

    const auto all = lab.ok("DescribeKeyPairs");
    REQUIRE(all["KeyPairs"].size() == 3);
    CHECK_FALSE(all["KeyPairs"][0].contains("PublicKey"));
    const auto one = lab.ok("DescribeKeyPairs", {{"KeyNames", {"sandbox-jh"}}, {"IncludePublicKey", true}});
    REQUIRE(one["KeyPairs"].size() == 1);
    CHECK(one["KeyPairs"][0]["PublicKey"].get<std::string>().rfind("ssh-rsa AAAAB3", 0) == 0);
    CHECK(one["KeyPairs"][0]["PublicKey"].get<std::string>().size() > 20);
    const std::string sandbox_key = one["KeyPairs"][0]["PublicKey"];
    CHECK(sandbox_key.substr(sandbox_key.size() - 11) == " sandbox-jh");
    CHECK(one["KeyPairs"][0]["KeyType"] == "rsa");
    CHECK(lab.ok("DescribeKeyPairs", {{"Filters", {{{"Name", "key-type"}, {"Values", {"ed25519"}}}}}})["KeyPairs"].size() == 2);
    CHECK(lab.ok("DescribeKeyPairs", {{"Filters", {{{"Name", "fingerprint"}, {"Values", {"fp-1"}}}}}})["KeyPairs"].size() == 1);
    CHECK(lab.ok("DescribeKeyPairs", {{"Filters", {{{"Name", "tag:Name"}, {"Values", {"lab*"}}}}}})["KeyPairs"].size() == 1);
    CHECK(lab.error_of("DescribeKeyPairs", {{"KeyNames", {"nosuch"}}}) == "InvalidKeyPair.NotFound");

    // An instance launched with the key gets its public half; deleting the pair later leaves the instance's.
    const auto run = lab.ok("RunInstances", {{"SubnetId", b.priv}, {"KeyName", "sandbox-jh"}});
    REQUIRE(lab.runtime.launched.size() == 1);
    CHECK(lab.runtime.launched[0].view.authorized_key == sandbox_key);
    const auto deleted = lab.ok("DeleteKeyPair", {{"KeyName", "sandbox-jh"}});
    CHECK(deleted["Return"] == true);
    CHECK(deleted["KeyPairId"] == made["KeyPairId"]);
    CHECK(lab.ok("DeleteKeyPair", {{"KeyName", "sandbox-jh"}}) == json{{"Return", true}});  // EC2: deleting again succeeds
    const auto described = lab.ok("DescribeInstances", {{"InstanceIds", {run["Instances"][0]["InstanceId"]}}});
    CHECK(described["Reservations"][0]["Instances"][0]["KeyName"] == "sandbox-jh");
    // A new pair under the old name does not change the key the instance was launched with.
    lab.ok("ImportKeyPair", {{"KeyName", "sandbox-jh"}, {"PublicKeyMaterial", line}});
    CHECK(lab.state.model->instance(run["Instances"][0]["InstanceId"]).public_key == sandbox_key);
}

TEST_CASE("gateway endpoints by calls: the pl-… → vpce-… route as describe-route-tables shows it, tables added and removed, deleted") {
    Lab lab;
    const Built b = build_vpc(lab);
    const std::string main_rt = lab.state.model->vpc(b.vpc).main_route_table_id;
    const json services = lab.ok("DescribeVpcEndpointServices", {{"Filters", {{{"Name", "service-type"}, {"Values", {"Gateway"}}}}}});
    CHECK(services["ServiceNames"] == json::array({"com.amazonaws.ap-northeast-2.s3", "com.amazonaws.ap-northeast-2.dynamodb"}));
    // Route tables named by their Name tag, a vpclab convenience beside the IDs the aws CLI takes.
    lab.ok("CreateTags", {{"Resources", {b.pub_rt}}, {"Tags", {{{"Key", "Name"}, {"Value", "Endpoint-public-RT"}}}}});
    const json e = lab.ok("CreateVpcEndpoint", {{"VpcId", "endpoint-vpc"}, {"ServiceName", "com.amazonaws.ap-northeast-2.s3"},
                                                {"RouteTableIds", {"Endpoint-public-RT", main_rt}}})["VpcEndpoint"];
    const std::string id = e["VpcEndpointId"];
    CHECK(e["VpcEndpointType"] == "Gateway");
    CHECK(e["VpcId"] == b.vpc);
    CHECK(e["State"] == "available");
    CHECK(e["RouteTableIds"] == json::array({b.pub_rt, main_rt}));
    CHECK(json::parse(e["PolicyDocument"].get<std::string>())["Statement"][0]["Effect"] == "Allow");
    const std::string pl = lab.ok("DescribeManagedPrefixLists", {{"Filters", {{{"Name", "prefix-list-name"}, {"Values", {"com.amazonaws.ap-northeast-2.s3"}}}}}})
                               ["PrefixLists"][0]["PrefixListId"];
    const json route = lab.ok("DescribeRouteTables", {{"RouteTableIds", {b.pub_rt}}})["RouteTables"][0]["Routes"].back();
    CHECK(route == json{{"DestinationPrefixListId", pl}, {"GatewayId", id}, {"Origin", "CreateRoute"}, {"State", "active"}});
    CHECK(lab.ok("DescribeRouteTables", {{"Filters", {{{"Name", "route.destination-prefix-list-id"}, {"Values", {pl}}}}}})["RouteTables"].size() == 2);
    CHECK(lab.error_of("DeleteRoute", {{"RouteTableId", b.pub_rt}, {"DestinationPrefixListId", pl}}) == "InvalidParameterValue");
    // A second endpoint for the same service in a table that has one: refused.
    CHECK(lab.error_of("CreateVpcEndpoint", {{"VpcId", b.vpc}, {"ServiceName", "com.amazonaws.ap-northeast-2.s3"}, {"RouteTableIds", {b.pub_rt}}}) ==
          "RouteAlreadyExists");
    lab.ok("ModifyVpcEndpoint", {{"VpcEndpointId", id}, {"RemoveRouteTableIds", {main_rt}},
                                 {"PolicyDocument", R"({"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"*"}]})"}});
    CHECK(lab.state.model->route_table(main_rt).routes.size() == 1);
    const json after = lab.ok("DescribeVpcEndpoints", {{"VpcEndpointIds", {id}}})["VpcEndpoints"][0];
    CHECK(after["RouteTableIds"] == json::array({b.pub_rt}));
    CHECK(after["PolicyDocument"].get<std::string>().find("Deny") != std::string::npos);
    const json deleted = lab.ok("DeleteVpcEndpoints", {{"VpcEndpointIds", {id, "vpce-00000000000000000"}}});
    CHECK(deleted["Unsuccessful"].size() == 1);
    CHECK(deleted["Unsuccessful"][0]["ResourceId"] == "vpce-00000000000000000");
    CHECK(deleted["Unsuccessful"][0]["Error"]["Code"] == "InvalidVpcEndpointId.NotFound");
    CHECK(lab.ok("DescribeVpcEndpoints")["VpcEndpoints"].empty());
    CHECK(lab.state.model->route_table(b.pub_rt).routes.size() == 2);  // local and 0.0.0.0/0
}

TEST_CASE("customer-managed prefix lists by calls: versions, entries at a version, routes to them") {
    Lab lab;
    const Built b = build_vpc(lab);
    const json l = lab.ok("CreateManagedPrefixList", {{"PrefixListName", "office"}, {"MaxEntries", "10"}, {"AddressFamily", "IPv4"},
                                                      {"Entries", {{{"Cidr", "203.0.113.0/24"}, {"Description", "HQ"}}}}})["PrefixList"];
    const std::string id = l["PrefixListId"];
    CHECK(id.size() == 3 + 17);
    CHECK(l["Version"] == 1);
    CHECK(l["OwnerId"] == "123456789012");
    lab.ok("CreateRoute", {{"RouteTableId", b.pub_rt}, {"DestinationPrefixListId", id}, {"GatewayId", b.igw}});
    CHECK(lab.error_of("ModifyManagedPrefixList", {{"PrefixListId", id}, {"CurrentVersion", "3"}, {"AddEntries", {{{"Cidr", "198.51.100.0/24"}}}}}) ==
          "PrefixListVersionMismatch");
    const json v2 = lab.ok("ModifyManagedPrefixList", {{"PrefixListId", id}, {"CurrentVersion", "1"}, {"AddEntries", {{{"Cidr", "198.51.100.0/24"}}}}});
    CHECK(v2["PrefixList"]["Version"] == 2);
    CHECK(lab.ok("GetManagedPrefixListEntries", {{"PrefixListId", id}})["Entries"].size() == 2);
    CHECK(lab.ok("GetManagedPrefixListEntries", {{"PrefixListId", id}, {"TargetVersion", "1"}})["Entries"] ==
          json::array({{{"Cidr", "203.0.113.0/24"}, {"Description", "HQ"}}}));
    const json route = lab.ok("DescribeRouteTables", {{"RouteTableIds", {b.pub_rt}}})["RouteTables"][0]["Routes"].back();
    CHECK(route == json{{"DestinationPrefixListId", id}, {"GatewayId", b.igw}, {"Origin", "CreateRoute"}, {"State", "active"}});
    CHECK(lab.error_of("DeleteManagedPrefixList", {{"PrefixListId", id}}) == "DependencyViolation");
    lab.ok("DeleteRoute", {{"RouteTableId", b.pub_rt}, {"DestinationPrefixListId", id}});
    CHECK(lab.ok("DeleteManagedPrefixList", {{"PrefixListId", id}})["PrefixList"]["State"] == "delete-complete");
    // AWS-managed lists stay: S3's and DynamoDB's.
    CHECK(lab.ok("DescribeManagedPrefixLists")["PrefixLists"].size() == 2);
}

TEST_CASE("security groups and network ACLs by calls: shorthand and --ip-permissions rules, ENI attributes, ACL entries; refusals change nothing") {
    Lab lab;
    const Built b = build_vpc(lab);
    const std::string sg = lab.ok("CreateSecurityGroup", {{"GroupName", "web"}, {"Description", "web"}, {"VpcId", b.vpc}})["GroupId"];
    const json added = lab.ok("AuthorizeSecurityGroupIngress", {{"GroupId", sg}, {"IpProtocol", "tcp"}, {"Port", "80"}, {"CidrIp", "0.0.0.0/0"}});
    CHECK(added["Return"] == true);
    CHECK(added["SecurityGroupRules"][0]["FromPort"] == 80);
    lab.ok("AuthorizeSecurityGroupIngress", {{"GroupId", sg}, {"IpPermissions", {{{"IpProtocol", "tcp"}, {"FromPort", "443"}, {"ToPort", "443"},
                                                                                 {"IpRanges", {{{"CidrIp", "10.0.0.0/16"}}, {{"CidrIp", "10.1.0.0/16"}}}}}}}});
    const json group = lab.ok("DescribeSecurityGroups", {{"GroupIds", {sg}}})["SecurityGroups"][0];
    CHECK(group["IpPermissions"].size() == 2);                   // one per port range…
    CHECK(group["IpPermissions"][1]["IpRanges"].size() == 2);    // …its peers listed in it
    CHECK(lab.ok("DescribeSecurityGroupRules", {{"Filters", {{{"Name", "group-id"}, {"Values", {sg}}}}}})["SecurityGroupRules"].size() == 4);  // 3 in, 1 out
    CHECK(lab.error_of("AuthorizeSecurityGroupIngress", {{"GroupId", sg}, {"IpProtocol", "tcp"}, {"Port", "80"}, {"CidrIp", "0.0.0.0/0"}}) ==
          "InvalidPermission.Duplicate");
    CHECK(lab.ok("DescribeSecurityGroups", {{"GroupIds", {sg}}})["SecurityGroups"][0] == group);

    const std::string eni = lab.ok("CreateNetworkInterface", {{"SubnetId", b.priv}})["NetworkInterface"]["NetworkInterfaceId"];
    lab.ok("ModifyNetworkInterfaceAttribute", {{"NetworkInterfaceId", eni}, {"Groups", {sg}}});
    lab.ok("ModifyNetworkInterfaceAttribute", {{"NetworkInterfaceId", eni}, {"ConnectionTrackingSpecification", {{{"UdpTimeout", "45"}}}}});
    const json described = lab.ok("DescribeNetworkInterfaces", {{"NetworkInterfaceIds", {eni}}})["NetworkInterfaces"][0];
    CHECK(described["Groups"][0]["GroupId"] == sg);
    CHECK(described["ConnectionTrackingConfiguration"]["UdpTimeout"] == 45);
    CHECK(described["ConnectionTrackingConfiguration"]["TcpEstablishedTimeout"] == 432000);
    CHECK(lab.error_of("ModifyNetworkInterfaceAttribute", {{"NetworkInterfaceId", eni}, {"ConnectionTrackingSpecification", {{{"UdpTimeout", "5"}}}}}) ==
          "InvalidParameterValue");
    CHECK(lab.error_of("ModifyNetworkInterfaceAttribute", {{"NetworkInterfaceId", eni}, {"Groups", {sg}}, {"ConnectionTrackingSpecification", {{{"UdpTimeout", "40"}}}}}) ==
          "InvalidParameterCombination");
    CHECK(lab.ok("DescribeNetworkInterfaces", {{"NetworkInterfaceIds", {eni}}})["NetworkInterfaces"][0] == described);
    CHECK(lab.error_of("DeleteSecurityGroup", {{"GroupId", sg}}) == "DependencyViolation");

    const std::string acl = lab.ok("CreateNetworkAcl", {{"VpcId", b.vpc}})["NetworkAcl"]["NetworkAclId"];
    lab.ok("CreateNetworkAclEntry", {{"NetworkAclId", acl}, {"RuleNumber", "100"}, {"Protocol", "tcp"}, {"RuleAction", "allow"}, {"Ingress", true},
                                     {"CidrBlock", "0.0.0.0/0"}, {"PortRange", {{{"From", "80"}, {"To", "80"}}}}});
    CHECK(lab.error_of("CreateNetworkAclEntry", {{"NetworkAclId", acl}, {"RuleNumber", "100"}, {"Protocol", "-1"}, {"RuleAction", "deny"},
                                                  {"Ingress", true}, {"CidrBlock", "0.0.0.0/0"}}) == "NetworkAclEntryAlreadyExists");
    const json entries = lab.ok("DescribeNetworkAcls", {{"NetworkAclIds", {acl}}})["NetworkAcls"][0]["Entries"];
    REQUIRE(entries.size() == 3);  // the final * of each direction, and rule 100
    CHECK(entries[1] == json{{"CidrBlock", "0.0.0.0/0"}, {"Egress", false}, {"PortRange", {{"From", 80}, {"To", 80}}}, {"Protocol", "6"},
                             {"RuleAction", "allow"}, {"RuleNumber", 100}});
    CHECK(entries[2]["RuleNumber"] == 32767);
    const std::string assoc = lab.ok("DescribeNetworkAcls", {{"Filters", {{{"Name", "association.subnet-id"}, {"Values", {b.priv}}}}}})["NetworkAcls"][0]
                                  ["Associations"][0]["NetworkAclAssociationId"];
    const std::string moved = lab.ok("ReplaceNetworkAclAssociation", {{"AssociationId", assoc}, {"NetworkAclId", acl}})["NewAssociationId"];
    CHECK(moved != assoc);
    CHECK(lab.error_of("DeleteNetworkAcl", {{"NetworkAclId", acl}}) == "DependencyViolation");
}

TEST_CASE("interface endpoints through the API: describe shapes, the ENIs, modify and delete") {
    Lab lab;
    const Built b = build_vpc(lab);
    const std::string cf = "com.amazonaws.ap-northeast-2.cloudformation";
    lab.ok("ModifyVpcAttribute", {{"VpcId", b.vpc}, {"EnableDnsHostnames", {{"Value", true}}}});
    const json created = lab.ok("CreateVpcEndpoint", {{"VpcId", b.vpc}, {"ServiceName", cf}, {"VpcEndpointType", "Interface"}, {"SubnetIds", {b.priv}}});
    const json e = created["VpcEndpoint"];
    const std::string id = e["VpcEndpointId"];
    CHECK(e["VpcEndpointType"] == "Interface");
    CHECK(e["State"] == "available");
    CHECK(e["PrivateDnsEnabled"] == true);
    CHECK(e["SubnetIds"] == json::array({b.priv}));
    CHECK(e["RouteTableIds"] == json::array());
    REQUIRE(e["NetworkInterfaceIds"].size() == 1);
    CHECK(e["Groups"][0]["GroupName"] == "default");
    // DnsEntries: regional, zonal (ap-northeast-2a), then the service's own name.
    REQUIRE(e["DnsEntries"].size() == 3);
    const std::string regional = e["DnsEntries"][0]["DnsName"];
    CHECK(regional.rfind(id + "-", 0) == 0);
    CHECK(regional.find(".cloudformation.ap-northeast-2.vpce.amazonaws.com") != std::string::npos);
    CHECK(e["DnsEntries"][1]["DnsName"].get<std::string>().find("-ap-northeast-2a.cloudformation.") != std::string::npos);
    CHECK(e["DnsEntries"][2]["DnsName"] == "cloudformation.ap-northeast-2.amazonaws.com");
    const std::string eni = e["NetworkInterfaceIds"][0];
    const json described = lab.ok("DescribeNetworkInterfaces", {{"NetworkInterfaceIds", {eni}}})["NetworkInterfaces"][0];
    CHECK(described["InterfaceType"] == "vpc_endpoint");
    CHECK(described["RequesterManaged"] == true);
    CHECK(described["Status"] == "in-use");
    CHECK(described["Description"] == "VPC Endpoint Interface " + id);
    CHECK(described["SubnetId"] == b.priv);
    CHECK(lab.state.snapshot->port(lab.state.model->network_interface(eni).port).served_by_router());
    CHECK(lab.error_of("DeleteNetworkInterface", {{"NetworkInterfaceId", eni}}) == "OperationNotPermitted");
    CHECK(lab.error_of("ModifyVpcEndpoint", {{"VpcEndpointId", id}, {"AddRouteTableIds", {b.pub_rt}}}) == "InvalidParameter");
    // Both subnets, then private DNS off: the service's entry leaves DnsEntries.
    lab.ok("ModifyVpcEndpoint", {{"VpcEndpointId", id}, {"AddSubnetIds", {b.pub}}, {"PrivateDnsEnabled", false}});
    const json both = lab.ok("DescribeVpcEndpoints", {{"VpcEndpointIds", {id}}})["VpcEndpoints"][0];
    CHECK(both["SubnetIds"] == json::array({b.priv, b.pub}));
    CHECK(both["NetworkInterfaceIds"].size() == 2);
    CHECK(both["DnsEntries"].size() == 3);  // regional and two zonal
    CHECK(both["PrivateDnsEnabled"] == false);
    // S3 takes both endpoint types, as on AWS today; CloudFormation Interface only.
    const json services = lab.ok("DescribeVpcEndpointServices", {{"ServiceNames", {"com.amazonaws.ap-northeast-2.s3", cf}}})["ServiceDetails"];
    CHECK(services[0]["ServiceType"] == json::array({{{"ServiceType", "Gateway"}}, {{"ServiceType", "Interface"}}}));
    CHECK(services[1]["ServiceType"] == json::array({{{"ServiceType", "Interface"}}}));
    const auto filtered = lab.ok("DescribeVpcEndpoints", {{"Filters", {{{"Name", "vpc-endpoint-type"}, {"Values", {"Interface"}}}}}})["VpcEndpoints"];
    CHECK(filtered.size() == 1);
    // Deleting the endpoint takes its ENIs; the subnets can go then.
    CHECK(lab.error_of("DeleteSubnet", {{"SubnetId", b.priv}}) == "DependencyViolation");
    CHECK(lab.ok("DeleteVpcEndpoints", {{"VpcEndpointIds", {id}}})["Unsuccessful"].empty());
    CHECK(lab.error_of("DescribeNetworkInterfaces", {{"NetworkInterfaceIds", {eni}}}) == "InvalidNetworkInterfaceID.NotFound");
    lab.ok("DeleteSubnet", {{"SubnetId", b.priv}});
}


TEST_CASE("elbv2: a network load balancer built by calls, its targets' health, attributes, and refusals that change nothing") {
    Lab lab;
    const Built b = build_vpc(lab);
    const std::string web1 = run_one(lab, b.pub), web2 = run_one(lab, b.pub);
    const auto tg = lab.ok("CreateTargetGroup", {{"Name", "web-tg"}, {"Protocol", "TCP"}, {"Port", "80"}, {"VpcId", b.vpc}})["TargetGroups"][0];
    CHECK(tg["HealthCheckProtocol"] == "TCP");
    CHECK(tg["HealthCheckIntervalSeconds"] == 30);
    CHECK(tg["HealthyThresholdCount"] == 5);
    CHECK(tg["TargetType"] == "instance");
    const std::string tg_arn = tg["TargetGroupArn"];
    const auto lb = lab.ok("CreateLoadBalancer", {{"Name", "web"}, {"Type", "network"}, {"Subnets", {b.pub}}})["LoadBalancers"][0];
    const std::string lb_arn = lb["LoadBalancerArn"];
    CHECK(lb["Scheme"] == "internet-facing");
    CHECK(lb["State"]["Code"] == "active");
    CHECK(lb["DNSName"].get<std::string>().rfind("web-", 0) == 0);
    CHECK(lb["AvailabilityZones"][0]["SubnetId"] == b.pub);
    CHECK(lb["AvailabilityZones"][0]["LoadBalancerAddresses"][0].contains("IpAddress"));
    // The node is an ENI of the subnet, AWS's to manage.
    const auto nodes = lab.ok("DescribeNetworkInterfaces", {{"Filters", {{{"Name", "subnet-id"}, {"Values", {b.pub}}}}}})["NetworkInterfaces"];
    const auto node = std::find_if(nodes.begin(), nodes.end(), [](const json& e) { return e["InterfaceType"] == "network_load_balancer"; });
    REQUIRE(node != nodes.end());
    CHECK((*node)["RequesterId"] == "amazon-elb");
    CHECK((*node)["Description"] == "ELB net/web/" + lb_arn.substr(lb_arn.rfind('/') + 1));

    // Refusals: each names its code, and the load balancer's world is as it was.
    const auto before = std::make_tuple(lab.ok("DescribeLoadBalancers").dump(), lab.ok("DescribeTargetGroups").dump(), lab.state.snapshot.get());
    auto unchanged = [&] { return before == std::make_tuple(lab.ok("DescribeLoadBalancers").dump(), lab.ok("DescribeTargetGroups").dump(), lab.state.snapshot.get()); };
    CHECK(lab.error_of("CreateLoadBalancer", {{"Name", "web"}, {"Type", "network"}, {"Subnets", {b.priv}}}) == "DuplicateLoadBalancerName");
    CHECK(lab.error_of("CreateLoadBalancer", {{"Name", "alb"}, {"Subnets", {b.priv}}}) == "ValidationError");  // application, the default
    CHECK(lab.error_of("CreateListener", {{"LoadBalancerArn", lb_arn}, {"Protocol", "UDP"}, {"Port", "80"},
                                          {"DefaultActions", {{{"Type", "forward"}, {"TargetGroupArn", tg_arn}}}}}) == "IncompatibleProtocols");
    CHECK(lab.error_of("RegisterTargets", {{"TargetGroupArn", tg_arn}, {"Targets", {{{"Id", "10.0.0.9"}}}}}) == "InvalidTarget");
    CHECK(lab.error_of("DescribeTargetHealth", {{"TargetGroupArn", tg_arn + "0"}}) == "TargetGroupNotFound");
    CHECK(lab.error_of("ModifyTargetGroupAttributes", {{"TargetGroupArn", tg_arn}, {"Attributes", {{{"Key", "proxy_protocol_v2.enabled"}, {"Value", "yes"}}}}}) ==
          "ValidationError");
    CHECK(unchanged());

    const auto listener = lab.ok("CreateListener", {{"LoadBalancerArn", lb_arn}, {"Protocol", "TCP"}, {"Port", "80"},
                                                    {"DefaultActions", {{{"Type", "forward"}, {"TargetGroupArn", tg_arn}}}}})["Listeners"][0];
    CHECK(listener["DefaultActions"][0]["TargetGroupArn"] == tg_arn);
    CHECK(lab.ok("DescribeListeners", {{"LoadBalancerArn", lb_arn}})["Listeners"].size() == 1);
    CHECK(lab.ok("DescribeTargetGroups", {{"LoadBalancerArn", lb_arn}})["TargetGroups"][0]["LoadBalancerArns"][0] == lb_arn);
    lab.ok("RegisterTargets", {{"TargetGroupArn", tg_arn}, {"Targets", {{{"Id", web1}}, {{"Id", web2}, {"Port", "80"}}}}});
    const auto health = lab.ok("DescribeTargetHealth", {{"TargetGroupArn", tg_arn}})["TargetHealthDescriptions"];
    REQUIRE(health.size() == 2);
    CHECK(health[0]["Target"]["Id"] == web1);
    CHECK(health[0]["Target"]["Port"] == 80);
    CHECK(health[0]["HealthCheckPort"] == "80");
    CHECK(health[0]["TargetHealth"]["State"] == "initial");
    CHECK(health[0]["TargetHealth"]["Reason"] == "Elb.RegistrationInProgress");
    const auto asked = lab.ok("DescribeTargetHealth", {{"TargetGroupArn", tg_arn}, {"Targets", {{{"Id", "i-0123456789abcdef0"}}}}})["TargetHealthDescriptions"];
    CHECK(asked[0]["TargetHealth"]["Reason"] == "Target.NotRegistered");
    const auto attributes = lab.ok("ModifyTargetGroupAttributes", {{"TargetGroupArn", tg_arn},
                                                                   {"Attributes", {{{"Key", "deregistration_delay.timeout_seconds"}, {"Value", "10"}}}}})["Attributes"];
    CHECK(attributes[0] == json{{"Key", "deregistration_delay.timeout_seconds"}, {"Value", "10"}});
    CHECK(lab.ok("DescribeTargetGroupAttributes", {{"TargetGroupArn", tg_arn}})["Attributes"][2] == json{{"Key", "preserve_client_ip.enabled"}, {"Value", "true"}});
    lab.ok("DeregisterTargets", {{"TargetGroupArn", tg_arn}, {"Targets", {{{"Id", web2}}}}});
    CHECK(lab.ok("DescribeTargetHealth", {{"TargetGroupArn", tg_arn}})["TargetHealthDescriptions"][1]["TargetHealth"]["State"] == "draining");
    CHECK(lab.error_of("DeleteTargetGroup", {{"TargetGroupArn", tg_arn}}) == "ResourceInUse");
    lab.ok("DeleteLoadBalancer", {{"LoadBalancerArn", lb_arn}});
    CHECK(lab.ok("DescribeLoadBalancers")["LoadBalancers"].empty());
    CHECK(lab.error_of("DescribeListeners", {{"LoadBalancerArn", lb_arn}}) == "LoadBalancerNotFound");
    const auto left = lab.ok("DescribeNetworkInterfaces")["NetworkInterfaces"];
    CHECK(std::none_of(left.begin(), left.end(), [](const json& e) { return e["InterfaceType"] == "network_load_balancer"; }));
    lab.ok("DeleteTargetGroup", {{"TargetGroupArn", tg_arn}});
    CHECK(lab.ok("DescribeTargetGroups")["TargetGroups"].empty());
}

namespace {
struct ProbeSink final : FrameSink {
    std::vector<routing::PortIndex> sent;
    void transmit(routing::PortIndex port, wire::ConstBytes) noexcept override { sent.push_back(port); }
    void drop(routing::PortIndex, wire::ConstBytes, DropReason) noexcept override {}
};

// Two instances running in `subnet`: a load balancer's targets.
std::pair<std::string, std::string> two_running(Lab& lab, const std::string& subnet, RecordingTaps& taps) {
    const std::string first = run_one(lab, subnet), second = run_one(lab, subnet);
    launched_ok(lab, first, taps);
    launched_ok(lab, second, taps);
    return {first, second};
}
}  // namespace

TEST_CASE("health checks: probes from the node to each target, thresholds into states, a stopped instance unused, drains finished") {
    Lab lab;
    const Built b = build_vpc(lab);
    RecordingTaps taps;
    const auto webs = two_running(lab, b.pub, taps);  // (not a structured binding: lambdas below name them)
    const std::string &web1 = webs.first, &web2 = webs.second;
    // The targets' group lets the node's checks in (the default group alone lets only its members in).
    const std::string sg = lab.ok("DescribeSecurityGroups")["SecurityGroups"][0]["GroupId"];
    lab.ok("AuthorizeSecurityGroupIngress", {{"GroupId", sg},
                                             {"IpPermissions", {{{"IpProtocol", "tcp"}, {"FromPort", 80}, {"ToPort", 80}, {"IpRanges", {{{"CidrIp", "0.0.0.0/0"}}}}}}}});
    const std::string tg = lab.ok("CreateTargetGroup", {{"Name", "tg"}, {"Protocol", "TCP"}, {"Port", "80"}, {"VpcId", b.vpc},
                                                        {"HealthCheckIntervalSeconds", "10"}, {"HealthyThresholdCount", "2"}})["TargetGroups"][0]["TargetGroupArn"];
    const std::string lb = lab.ok("CreateLoadBalancer", {{"Name", "web"}, {"Type", "network"}, {"Subnets", {b.pub}}})["LoadBalancers"][0]["LoadBalancerArn"];
    lab.ok("CreateListener", {{"LoadBalancerArn", lb}, {"Protocol", "TCP"}, {"Port", "80"}, {"DefaultActions", {{{"Type", "forward"}, {"TargetGroupArn", tg}}}}});
    lab.ok("RegisterTargets", {{"TargetGroupArn", tg}, {"Targets", {{{"Id", web1}}, {{"Id", web2}}}}});
    auto state_of = [&](const std::string& id) {
        const auto d = lab.ok("DescribeTargetHealth", {{"TargetGroupArn", tg}, {"Targets", {{{"Id", id}}}}})["TargetHealthDescriptions"][0]["TargetHealth"];
        return d["State"].get<std::string>() + (d.contains("Reason") ? " " + d["Reason"].get<std::string>() : "");
    };
    HealthChecker checker;
    FlowState flows(256, 1024);
    std::vector<std::uint8_t> scratch(pipeline_scratch_size);
    ProbeSink sink;
    const std::int64_t wall = 1'000'000;
    // The probe in flight towards `id`'s ENI: its slot, or -1.
    auto probe_of = [&](const std::string& id) {
        for (std::size_t i = 0; i < HealthProbes::slots; ++i)
            if (flows.health_probes[i].phase == HealthProbe::Phase::syn_sent && flows.health_probes[i].target_port == lab.port_of(id)) return static_cast<int>(i);
        return -1;
    };
    auto pass = [&](const std::string& id) {
        const int slot = probe_of(id);
        REQUIRE(slot >= 0);
        flows.health_probes[static_cast<std::size_t>(slot)].phase = HealthProbe::Phase::passed;
    };
    auto tick = [&](std::uint64_t ms) { checker.tick(lab.state, flows, scratch, sink, ms, wall + static_cast<std::int64_t>(ms / 1000)); };

    tick(0);  // one SYN to each target, from the node
    CHECK(sink.sent.size() == 2);
    CHECK(std::count(sink.sent.begin(), sink.sent.end(), lab.port_of(web1)) == 1);
    CHECK(state_of(web1) == "initial Elb.InitialHealthChecking");
    pass(web1);
    pass(web2);
    tick(100);
    CHECK(state_of(web1) == "initial Elb.InitialHealthChecking");  // one pass of the two needed
    CHECK(sink.sent.size() == 2);                                   // and nothing new before the interval
    tick(10'000);
    CHECK(sink.sent.size() == 4);
    pass(web1);
    pass(web2);
    const void* before = lab.state.snapshot.get();
    tick(10'100);
    CHECK(state_of(web1) == "healthy");
    CHECK(state_of(web2) == "healthy");
    CHECK(lab.state.snapshot.get() != before);  // the data path now sends new flows by it
    // web1 stops answering: its probes time out (10 s, TCP's default), two in a row make it unhealthy.
    for (std::uint64_t t = 20'000; t <= 40'000; t += 10'000) {
        tick(t);  // the previous probes time out now, and new ones start
        pass(web2);
    }
    tick(50'000);
    CHECK(state_of(web1) == "unhealthy Target.FailedHealthChecks");
    CHECK(state_of(web2) == "healthy");
    // A stopped instance is unused, and checked afresh once it runs again.
    lab.ok("StopInstances", {{"InstanceIds", {web2}}});
    tick(50'100);
    CHECK(state_of(web2) == "unused Target.InvalidState");
    // Deregistered with a 5 s delay: draining, then gone.
    lab.ok("ModifyTargetGroupAttributes", {{"TargetGroupArn", tg}, {"Attributes", {{{"Key", "deregistration_delay.timeout_seconds"}, {"Value", "5"}}}}});
    lab.state.commit([&](routing::VpcModel& m) {
        m.deregister_targets(tg, {{web1, 0}}, wall + 50);
        return 0;
    });
    CHECK(state_of(web1) == "draining Target.DeregistrationInProgress");
    tick(54'000);
    CHECK(lab.state.model->target_group(tg).targets.size() == 2);
    tick(55'000);
    CHECK(lab.state.model->target_group(tg).targets.size() == 1);
    CHECK(state_of(web1) == "unused Target.NotRegistered");
}

TEST_CASE("endpoint services by calls: the configuration's shape, the consumer's view, accept and reject; refusals change nothing") {
    Lab lab;
    const Built b = build_vpc(lab);
    const std::string lb = lab.ok("CreateLoadBalancer", {{"Name", "svc"}, {"Type", "network"}, {"Scheme", "internal"}, {"Subnets", {b.priv}}})
                               ["LoadBalancers"][0]["LoadBalancerArn"];
    const json config = lab.ok("CreateVpcEndpointServiceConfiguration", {{"NetworkLoadBalancerArns", {lb}}, {"AcceptanceRequired", true},
                                                                          {"PrivateDnsName", "svc.example.com"}})["ServiceConfiguration"];
    const std::string id = config["ServiceId"], name = config["ServiceName"];
    CHECK(name == "com.amazonaws.vpce.ap-northeast-2." + id);
    CHECK(config["ServiceType"][0]["ServiceType"] == "Interface");
    CHECK(config["ServiceState"] == "Available");
    CHECK(config["AvailabilityZones"] == json::array({"ap-northeast-2a"}));
    CHECK(config["AcceptanceRequired"] == true);
    CHECK(config["NetworkLoadBalancerArns"] == json::array({lb}));
    CHECK(config["BaseEndpointDnsNames"] == json::array({id + ".ap-northeast-2.vpce.amazonaws.com"}));
    CHECK(config["PrivateDnsNameConfiguration"]["State"] == "verified");
    // The consumer's view: listed with the region's services, owned by the account.
    const json detail = lab.ok("DescribeVpcEndpointServices", {{"ServiceNames", {name}}})["ServiceDetails"];
    REQUIRE(detail.size() == 1);
    CHECK(detail[0]["Owner"] == "123456789012");
    CHECK(detail[0]["VpcEndpointPolicySupported"] == false);
    CHECK(detail[0]["PrivateDnsName"] == "svc.example.com");
    CHECK(lab.ok("DescribeVpcEndpointServices")["ServiceNames"].size() > 1);
    const json added = lab.ok("ModifyVpcEndpointServicePermissions", {{"ServiceId", id}, {"AddAllowedPrincipals", {"arn:aws:iam::123456789012:root"}}});
    CHECK(added["AddedPrincipals"][0]["PrincipalType"] == "Account");
    CHECK(added["ReturnValue"] == true);
    CHECK(lab.ok("DescribeVpcEndpointServicePermissions", {{"ServiceId", id}})["AllowedPrincipals"].size() == 1);
    lab.ok("ModifyVpcAttribute", {{"VpcId", b.vpc}, {"EnableDnsHostnames", {{"Value", true}}}});
    const json endpoint = lab.ok("CreateVpcEndpoint", {{"VpcId", b.vpc}, {"VpcEndpointType", "Interface"}, {"ServiceName", name}, {"SubnetIds", {b.priv}}})["VpcEndpoint"];
    const std::string e = endpoint["VpcEndpointId"];
    CHECK(endpoint["State"] == "pendingAcceptance");
    CHECK(endpoint["PrivateDnsEnabled"] == true);
    CHECK(endpoint["DnsEntries"].back()["DnsName"] == "svc.example.com");
    const json connection = lab.ok("DescribeVpcEndpointConnections", {{"Filters", {{{"Name", "vpc-endpoint-state"}, {"Values", {"pendingAcceptance"}}}}}})
                                ["VpcEndpointConnections"];
    REQUIRE(connection.size() == 1);
    CHECK(connection[0]["VpcEndpointId"] == e);
    CHECK(connection[0]["ServiceId"] == id);
    // Per-endpoint answers: what cannot be done is Unsuccessful, with its code, and changes nothing.
    Observed before = observe(lab);
    CHECK(lab.ok("DeleteVpcEndpointServiceConfigurations", {{"ServiceIds", {id}}})["Unsuccessful"][0]["Error"]["Code"] == "ExistingVpcEndpointConnections");
    CHECK(lab.ok("AcceptVpcEndpointConnections", {{"ServiceId", id}, {"VpcEndpointIds", {"vpce-00000000000000000"}}})["Unsuccessful"][0]["Error"]["Code"] ==
          "InvalidVpcEndpointId.NotFound");
    const std::vector<std::pair<std::string, nlohmann::json>> refused = {
        {"CreateVpcEndpointServiceConfiguration", {{"NetworkLoadBalancerArns", {lb}}}},  // already the service's
        {"CreateVpcEndpointServiceConfiguration", {{"NetworkLoadBalancerArns", json::array()}}},
        {"CreateVpcEndpointServiceConfiguration", {{"NetworkLoadBalancerArns", {lb}}, {"GatewayLoadBalancerArns", {lb}}}},
        {"ModifyVpcEndpointServiceConfiguration", {{"ServiceId", id}, {"RemoveNetworkLoadBalancerArns", {lb}}}},
        {"ModifyVpcEndpointServicePermissions", {{"ServiceId", id}, {"AddAllowedPrincipals", {"arn:aws:iam::123456789012:user/a/b"}}}},
        {"DescribeVpcEndpointServicePermissions", {{"ServiceId", "vpce-svc-00000000000000000"}}},
        {"CreateVpcEndpoint", {{"VpcId", b.vpc}, {"VpcEndpointType", "Interface"}, {"ServiceName", name}, {"SubnetIds", {b.pub}}, {"PrivateDnsEnabled", false}}},
        {"RejectVpcEndpointConnections", {{"ServiceId", "vpce-svc-00000000000000000"}, {"VpcEndpointIds", {e}}}},
        {"DeleteLoadBalancer", {{"LoadBalancerArn", lb}}},
    };
    for (const auto& entry : refused) {
        const std::string& action = entry.first;  // not a structured binding: clang's lambdas (CAPTURE) cannot capture one
        const nlohmann::json& params = entry.second;
        CAPTURE(action);
        CAPTURE(params.dump());
        CHECK(lab.call(action, params)["ok"] == false);
        CHECK(observe(lab) == before);
    }
    CHECK(lab.ok("AcceptVpcEndpointConnections", {{"ServiceId", id}, {"VpcEndpointIds", {e}}})["Unsuccessful"].empty());
    CHECK(lab.ok("DescribeVpcEndpoints", {{"VpcEndpointIds", {e}}})["VpcEndpoints"][0]["State"] == "available");
    CHECK(lab.ok("RejectVpcEndpointConnections", {{"ServiceId", id}, {"VpcEndpointIds", {e}}})["Unsuccessful"].empty());
    CHECK(lab.ok("DescribeVpcEndpoints", {{"VpcEndpointIds", {e}}})["VpcEndpoints"][0]["State"] == "rejected");
    CHECK(lab.ok("DeleteVpcEndpointServiceConfigurations", {{"ServiceIds", {id}}})["Unsuccessful"].empty());
    CHECK(lab.ok("DescribeVpcEndpointServiceConfigurations")["ServiceConfigurations"].empty());
}

TEST_CASE("health checks with proxy protocol v2: an HTTP check's request starts with a LOCAL header") {
    Lab lab;
    const Built b = build_vpc(lab);
    RecordingTaps taps;
    const std::string web = run_one(lab, b.pub);
    launched_ok(lab, web, taps);
    const std::string tg = lab.ok("CreateTargetGroup", {{"Name", "tg"}, {"Protocol", "TCP"}, {"Port", "80"}, {"VpcId", b.vpc},
                                                        {"HealthCheckProtocol", "HTTP"}, {"HealthCheckPath", "/health"}})["TargetGroups"][0]["TargetGroupArn"];
    const std::string lb = lab.ok("CreateLoadBalancer", {{"Name", "web"}, {"Type", "network"}, {"Subnets", {b.pub}}})["LoadBalancers"][0]["LoadBalancerArn"];
    lab.ok("CreateListener", {{"LoadBalancerArn", lb}, {"Protocol", "TCP"}, {"Port", "80"}, {"DefaultActions", {{{"Type", "forward"}, {"TargetGroupArn", tg}}}}});
    lab.ok("RegisterTargets", {{"TargetGroupArn", tg}, {"Targets", {{{"Id", web}}}}});
    HealthChecker checker;
    FlowState flows(256, 1024);
    std::vector<std::uint8_t> scratch(pipeline_scratch_size);
    ProbeSink sink;
    auto request_after_tick = [&](std::uint64_t ms) {
        checker.tick(lab.state, flows, scratch, sink, ms, 1'000'000 + static_cast<std::int64_t>(ms / 1000));
        for (std::size_t i = 0; i < HealthProbes::slots; ++i)
            if (flows.health_probes[i].phase == HealthProbe::Phase::syn_sent) return std::string(flows.health_probes[i].request);
        return std::string("no probe");
    };
    CHECK(request_after_tick(0).rfind("GET /health HTTP/1.1\r\n", 0) == 0);  // without proxy protocol: the request alone
    lab.ok("ModifyTargetGroupAttributes", {{"TargetGroupArn", tg}, {"Attributes", {{{"Key", "proxy_protocol_v2.enabled"}, {"Value", "true"}}}}});
    const std::string with_header = request_after_tick(60'000);
    REQUIRE(with_header.size() > 16);
    CHECK(with_header.substr(0, 16) == std::string(endpoints::proxy_v2_local_header()));
    CHECK(with_header.rfind("GET /health HTTP/1.1\r\n", 16) == 16);
}

namespace {
// Load balancer nodes' probes meet the targets' instances: the pipeline carries each probe to its target,
// whose kernel answers a SYN on port 80 with a SYN-ACK (carried back through the pipeline to the probe).
struct TargetsAnswering final : FrameSink {
    const RouterState* state = nullptr;
    FlowState* flows = nullptr;
    std::vector<std::pair<routing::PortIndex, std::uint16_t>> syns;  // target port, the node's source port
    std::vector<std::pair<routing::PortIndex, DropReason>> drops;
    std::vector<std::uint8_t> scratch = std::vector<std::uint8_t>(pipeline_scratch_size);
    void transmit(routing::PortIndex port, wire::ConstBytes frame) noexcept override {
        const std::vector<std::uint8_t> packet(frame.begin() + 24, frame.end());
        if (packet.size() < 40 || packet[9] != 6 || packet[20 + 13] != 0x02) return;  // only SYNs get an answer
        const auto t = test::tuple_of(packet);
        syns.emplace_back(port, t.source_port);
        if (t.destination_port != 80) return;
        auto answer = test::build_tcp_segment(t.destination, t.source, 80, t.source_port, 0x12, 0);
        wire::store_be32(answer.data() + 20 + 8, wire::load_be32(packet.data() + 20 + 4) + 1);
        wire::store_be16(answer.data() + 20 + 16, 0);
        wire::store_be16(answer.data() + 20 + 16, test::l4_checksum_of(answer));
        auto f = test::frame_of(state->snapshot->port(port).mac, answer);
        std::vector<std::uint8_t> own_scratch(pipeline_scratch_size);  // the caller's scratch may hold the SYN
        process_frame(*state->snapshot, port, f, own_scratch, *this, *flows);
    }
    void drop(routing::PortIndex port, wire::ConstBytes, DropReason reason) noexcept override { drops.emplace_back(port, reason); }
};
}  // namespace

TEST_CASE("health checks: each probe a new connection from a new port, judged by the target's groups as they are then") {
    // shared/repro: probes reused one port per target, so once a check passed its tracked connection let every
    // later probe in, and a target moved to a group without port 80 stayed healthy.
    Lab lab;
    const Built b = build_vpc(lab);
    RecordingTaps taps;
    const auto webs = two_running(lab, b.pub, taps);  // (not a structured binding: lambdas below name them)
    const std::string &web1 = webs.first, &web2 = webs.second;
    auto group_open_on = [&](const char* name, const char* port) {
        const std::string id = lab.ok("CreateSecurityGroup", {{"GroupName", name}, {"Description", name}, {"VpcId", b.vpc}})["GroupId"];
        lab.ok("AuthorizeSecurityGroupIngress", {{"GroupId", id}, {"IpProtocol", "tcp"}, {"Port", port}, {"CidrIp", "0.0.0.0/0"}});
        return id;
    };
    const std::string open80 = group_open_on("web", "80"), ssh_only = group_open_on("ssh", "22");
    for (const auto& id : {web1, web2}) lab.ok("ModifyInstanceAttribute", {{"InstanceId", id}, {"Groups", {open80}}});
    const std::string tg = lab.ok("CreateTargetGroup", {{"Name", "tg"}, {"Protocol", "TCP"}, {"Port", "80"}, {"VpcId", b.vpc},
                                                        {"HealthCheckIntervalSeconds", "10"}, {"HealthCheckTimeoutSeconds", "5"},
                                                        {"HealthyThresholdCount", "2"}, {"UnhealthyThresholdCount", "2"}})["TargetGroups"][0]["TargetGroupArn"];
    const std::string lb = lab.ok("CreateLoadBalancer", {{"Name", "web"}, {"Type", "network"}, {"Subnets", {b.pub}}})["LoadBalancers"][0]["LoadBalancerArn"];
    lab.ok("CreateListener", {{"LoadBalancerArn", lb}, {"Protocol", "TCP"}, {"Port", "80"}, {"DefaultActions", {{{"Type", "forward"}, {"TargetGroupArn", tg}}}}});
    lab.ok("RegisterTargets", {{"TargetGroupArn", tg}, {"Targets", {{{"Id", web1}}, {{"Id", web2}}}}});
    auto state_of = [&](const std::string& id) {
        return lab.ok("DescribeTargetHealth", {{"TargetGroupArn", tg}, {"Targets", {{{"Id", id}}}}})["TargetHealthDescriptions"][0]["TargetHealth"]["State"].get<std::string>();
    };
    // The targets new flows go to: the snapshot's listener on the node.
    auto balanced_to = [&] {
        const auto& snap = *lab.state.snapshot;
        std::set<routing::PortIndex> out;
        for (routing::PortIndex p = 0; p < snap.port_limit(); ++p) {
            if (!snap.is_eni(p) || snap.port(p).load_balancer_node == routing::no_port) continue;
            const auto* listener = snap.load_balancer_listener(snap.port(p).load_balancer_node, 6, 80);
            REQUIRE(listener);
            for (std::uint32_t i = 0; i < listener->target_count; ++i) out.insert(snap.load_balancer_targets(*listener)[i].port);
        }
        return out;
    };
    HealthChecker checker;
    FlowState flows(256, 1024);
    std::vector<std::uint8_t> scratch(pipeline_scratch_size);
    TargetsAnswering targets;
    targets.state = &lab.state;
    targets.flows = &flows;
    auto tick = [&](std::uint64_t ms) {
        flows.now = static_cast<std::uint32_t>(1000 + ms / 1000);
        checker.tick(lab.state, flows, scratch, targets, ms, 1'000'000 + static_cast<std::int64_t>(ms / 1000));
    };
    const routing::PortIndex p1 = lab.port_of(web1), p2 = lab.port_of(web2);
    std::set<std::uint16_t> ports_of_web1;
    std::uint64_t t = 0;
    for (; state_of(web1) != "healthy" && t < 60'000; t += 10'000) {
        tick(t);
        tick(t + 100);  // the answers are in: results taken, the probes' connections forgotten
    }
    CHECK(state_of(web1) == "healthy");
    CHECK(state_of(web2) == "healthy");
    CHECK(balanced_to() == std::set<routing::PortIndex>{p1, p2});
    for (const auto& syn : targets.syns)
        if (syn.first == p1) CHECK(ports_of_web1.insert(syn.second).second);  // every probe from a port of its own
    CHECK(ports_of_web1.size() >= 2);
    CHECK(flows.connections.table.size() == 0);  // nothing a probe opened outlives it
    CHECK(targets.drops.empty());

    // web1 moves to a group without port 80: its next probes are refused by it, and two failures make it unhealthy.
    lab.ok("ModifyInstanceAttribute", {{"InstanceId", web1}, {"Groups", {ssh_only}}});
    const std::uint64_t moved = t;
    for (; state_of(web1) == "healthy" && t < moved + 60'000; t += 10'000) {
        tick(t);
        tick(t + 6'000);  // past the 5 s timeout: a refused probe has failed
    }
    CHECK(state_of(web1) == "unhealthy");
    CHECK(t - moved <= 2 * 10'000);  // within the unhealthy threshold: two intervals
    CHECK(std::count(targets.drops.begin(), targets.drops.end(), std::pair{p1, DropReason::security_group_ingress}) >= 2);
    CHECK(state_of(web2) == "healthy");
    CHECK(balanced_to() == std::set<routing::PortIndex>{p2});  // every new connection goes to web 2

    // Moved back: healthy again, and balanced to once more.
    lab.ok("ModifyInstanceAttribute", {{"InstanceId", web1}, {"Groups", {open80}}});
    const std::uint64_t back = t;
    for (; state_of(web1) != "healthy" && t < back + 60'000; t += 10'000) {
        tick(t);
        tick(t + 100);
    }
    CHECK(state_of(web1) == "healthy");
    CHECK(balanced_to() == std::set<routing::PortIndex>{p1, p2});
}
