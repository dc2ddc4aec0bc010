// The template loader: both seed labs verbatim, intrinsics in both forms, and one case per validation rule,
// each checking that the error names the file, line, resource and property.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "router/lab/lab_network.hpp"
#include "router/lab/stack_state.hpp"
#include "router/template/intrinsics.hpp"
#include "router/template/template_error.hpp"
#include "instance/base64.hpp"
#include "router/template/template_loader.hpp"
#include "tests/unit/source_file.hpp"
#include "tests/unit/two_subnet_lab.hpp"
#include <nlohmann/json.hpp>

using namespace vpclab;
using cfn::LoadOptions;

namespace {
using test::read_source;
std::string read_lab(const char* name) { return read_source(std::string("labs/") + name); }

LoadOptions options(const char* file = "lab.yaml", bool strict = false) {
    LoadOptions o;
    o.file_name = file;
    o.stack_name = "unit";
    o.strict = strict;
    return o;
}

// Replaces `from` (which must occur exactly once) in the lab template `name`.
std::string lab_with_text(std::string text, const std::string& from, const std::string& to);
std::string lab_with(const char* name, const std::string& from, const std::string& to) { return lab_with_text(read_lab(name), from, to); }
// Replaces `from` (which must occur exactly once) in `text`.
std::string lab_with_text(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE_MESSAGE(at != std::string::npos, from);
    REQUIRE_MESSAGE(text.find(from, at + 1) == std::string::npos, from);
    return text.replace(at, from.size(), to);
}
// …in the first seed template.
std::string seed_with(const std::string& from, const std::string& to) { return lab_with("endpoints-lab.yaml", from, to); }

int line_of(const std::string& text, const std::string& needle) {
    const auto at = text.find(needle);
    REQUIRE(at != std::string::npos);
    return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
}

std::string error_of(const std::string& text, const LoadOptions& o = options()) {
    try {
        cfn::load_template(text, o);
    } catch (const cfn::TemplateError& e) {
        return e.what();
    }
    return "no error";
}

const routing::Instance& instance_named(const routing::VpcModel& m, const std::string& name) {
    for (const auto& i : m.instances())
        if (i.display_name() == name) return i;
    FAIL("no instance " << name);
    throw 0;
}
}  // namespace

TEST_CASE("the first seed lab loads verbatim with nothing unsupported") {
    auto lab = cfn::load_template(read_lab("endpoints-lab.yaml"), options("endpoints-lab.yaml", true));
    const auto& m = *lab.model;
    CHECK(lab.unsupported.empty());
    REQUIRE(lab.skipped.size() == 1);  // the private instance's UserData, not run
    CHECK(lab.skipped[0].find("jhPrivateEC2") != std::string::npos);
    REQUIRE(m.vpcs().size() == 1);
    CHECK(m.vpcs()[0].display_name() == "jh-test-VPC");
    CHECK(m.subnets().size() == 2);
    CHECK(m.subnets()[0].availability_zone == "ap-northeast-2a");  // !Select [0, !GetAZs '']
    CHECK(m.subnets()[1].availability_zone == "ap-northeast-2c");  // !Select [2, !GetAZs '']
    CHECK(m.route_tables().size() == 3);                           // main + public + private
    const auto& pub = instance_named(m, "jh-test-Public-EC2");
    const auto& priv = instance_named(m, "jh-test-Private-EC2");
    CHECK(routing::format_ipv4(m.network_interface(pub.network_interface_ids[0]).private_ip) == "10.10.0.4");
    CHECK(routing::format_ipv4(m.network_interface(priv.network_interface_ids[0]).private_ip) == "10.10.1.4");
    CHECK(m.network_interface(pub.network_interface_ids[0]).public_ip.has_value());
    CHECK(!m.network_interface(priv.network_interface_ids[0]).public_ip.has_value());
    CHECK(pub.key_name == "vpclab-KeyName");
    CHECK(pub.image_id.rfind("ami-", 0) == 0);
    // The public table routes 0.0.0.0/0 to the IGW; the private one holds only the local route.
    for (const auto& t : m.route_tables()) {
        if (t.display_name() == "jh-test-Public-RT") CHECK(t.routes.size() == 2);
        if (t.display_name() == "jh-test-Private-RT") CHECK(t.routes.size() == 1);
    }
    CHECK(m.security_groups().size() == 2);  // the VPC's default group + jhSecurityGroup
}

TEST_CASE("IDs are the same for the same template and stack name, different for another stack") {
    const auto text = read_lab("endpoints-lab.yaml");
    auto a = cfn::load_template(text, options());
    auto b = cfn::load_template(text, options());
    auto other = options();
    other.stack_name = "other";
    auto c = cfn::load_template(text, other);
    CHECK(a.model->vpcs()[0].id == b.model->vpcs()[0].id);
    CHECK(a.model->instances()[1].id == b.model->instances()[1].id);
    CHECK(a.model->vpcs()[0].id != c.model->vpcs()[0].id);
}

TEST_CASE("the second seed lab loads whole: its network load balancer, target group and listener") {
    const auto text = read_lab("privatelink-lab.yaml");
    auto lab = cfn::load_template(text, options("privatelink-lab.yaml"));
    CHECK(lab.model->vpcs().size() == 2);
    CHECK(lab.model->instances().size() == 3);
    CHECK(lab.unsupported.empty());
    CHECK(lab.skipped.size() == 2);
    REQUIRE(lab.model->load_balancers().size() == 1);
    const auto& lb = lab.model->load_balancers()[0];
    // No Name in the template: CloudFormation's generated one, from the stack name and the logical ID.
    CHECK(lb.name == routing::generated_elb_name(lab.model->stack_name(), "jhCustomNLB"));
    CHECK(lb.scheme == "internet-facing");
    CHECK(lb.subnet_ids == std::vector<std::string>{lab.model->subnets()[1].id});
    REQUIRE(lab.model->target_groups().size() == 1);
    const auto& tg = lab.model->target_groups()[0];
    CHECK(tg.name == "jh-Custom-NLB-TG");
    REQUIRE(tg.targets.size() == 2);
    CHECK(tg.targets[0].id == lab.model->instances()[1].id);  // jh-Custom-WEB-1
    CHECK(tg.targets[1].port == 80);
    REQUIRE(lab.model->listeners().size() == 1);
    CHECK(lab.model->listeners()[0].load_balancer_arn == lb.id);
    CHECK(lab.model->listeners()[0].target_group_arn == tg.id);
    CHECK(lab.model->listeners()[0].port == 80);
    // The web servers keep the addresses they had before the load balancer was modelled; the node comes after.
    CHECK(routing::format_ipv4(lab.model->network_interface(lab.model->instances()[1].network_interface_ids[0]).private_ip) == "20.20.0.4");
    CHECK(routing::format_ipv4(lab.model->network_interface(lb.network_interface_ids[0]).private_ip) == "20.20.0.6");
}

// …in the PrivateLink lab's template.
std::string privatelink_with(const std::string& from, const std::string& to) { return lab_with("privatelink-lab.yaml", from, to); }

TEST_CASE("load balancer resources: Ref and Fn::GetAtt as CloudFormation gives them, and errors at their lines") {
    // A VPC whose tags carry the attributes, to read them back.
    const std::string text = read_lab("privatelink-lab.yaml") + R"(
  Probe:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 30.30.0.0/16
      Tags:
        - Key: Dns
          Value: !GetAtt jhCustomNLB.DNSName
        - Key: FullName
          Value: !GetAtt jhCustomNLB.LoadBalancerFullName
        - Key: Tg
          Value: !GetAtt jhCustomNLBTG.TargetGroupFullName
        - Key: Listener
          Value: !Ref jhNLBListener
        - Key: Arn
          Value: !Ref jhCustomNLB
)";
    auto lab = cfn::load_template(text, options("privatelink-lab.yaml"));
    const auto& lb = lab.model->load_balancers()[0];
    std::map<std::string, std::string> tags;
    for (const auto& t : lab.model->vpcs().back().tags) tags[t.key] = t.value;
    CHECK(tags["Dns"] == lb.dns_name);
    CHECK(tags["FullName"] == "net/" + lb.name + "/" + lb.hex);
    CHECK(tags["Tg"] == lab.model->target_groups()[0].full_name());
    CHECK(tags["Listener"] == lab.model->listeners()[0].id);
    CHECK(tags["Arn"] == lb.id);
    // A listener on a protocol its target group does not speak; a target that is not an instance.
    const auto udp = error_of(privatelink_with("      LoadBalancerArn: !Ref jhCustomNLB\n      Port: 80\n      Protocol: TCP", "      LoadBalancerArn: !Ref jhCustomNLB\n      Port: 80\n      Protocol: UDP"), options("privatelink-lab.yaml"));
    CHECK(udp.find("jhNLBListener") != std::string::npos);
    CHECK(udp.find("does not match") != std::string::npos);
    const auto bad_target = error_of(privatelink_with("        - Id: !Ref jhCustomWeb2EC2", "        - Id: i-0123456789abcdef0"), options("privatelink-lab.yaml"));
    CHECK(bad_target.find("jhCustomNLBTG") != std::string::npos);
    CHECK(bad_target.find("Targets") != std::string::npos);
    // An application load balancer is left out with a warning (vpclab serves network load balancers), and
    // so the listener that names it cannot be made: an error at the listener.
    const auto alb = error_of(privatelink_with("      Type: network\n", "      Type: application\n"), options("privatelink-lab.yaml"));
    CHECK(alb.find("jhNLBListener") != std::string::npos);
}

TEST_CASE("validation errors name file, line, resource and property") {
    struct Case {
        const char* name;
        std::string from, to;
        std::string expected_line_text;  // the error's line holds this
        std::string resource, property, message;
    };
    const std::vector<Case> cases = {
        {"CIDR that does not parse", "CidrBlock: 10.10.1.0/24", "CidrBlock: 10.10.1.0/33", "CidrBlock: 10.10.1.0/33",
         "jhPrivateSN (AWS::EC2::Subnet)", "CidrBlock", "prefix length must be a number from 0 to 32"},
        {"subnet outside the VPC", "CidrBlock: 10.10.1.0/24", "CidrBlock: 10.11.1.0/24", "CidrBlock: 10.11.1.0/24",
         "jhPrivateSN (AWS::EC2::Subnet)", "CidrBlock", "not inside the VPC CIDR 10.10.0.0/16"},
        {"overlapping subnets", "CidrBlock: 10.10.1.0/24", "CidrBlock: 10.10.0.0/25", "CidrBlock: 10.10.0.0/25",
         "jhPrivateSN (AWS::EC2::Subnet)", "CidrBlock", "conflicts with another subnet: jh-test-Public-SN"},
        {"subnet smaller than /28", "CidrBlock: 10.10.1.0/24", "CidrBlock: 10.10.1.0/29", "CidrBlock: 10.10.1.0/29",
         "jhPrivateSN (AWS::EC2::Subnet)", "CidrBlock", "between /16 and /28"},
        {"VPC larger than /16", "CidrBlock: 10.10.0.0/16", "CidrBlock: 10.0.0.0/8", "CidrBlock: 10.0.0.0/8",
         "jhVPC (AWS::EC2::VPC)", "CidrBlock", "between /16 and /28"},
        {"reserved instance address", "          AssociatePublicIpAddress: true", "          AssociatePublicIpAddress: true\n          PrivateIpAddress: 10.10.0.1",
         "PrivateIpAddress: 10.10.0.1", "jhPublicEC2 (AWS::EC2::Instance)", "NetworkInterfaces.PrivateIpAddress", "reserved"},
        {"route to a gateway that does not exist", "      GatewayId: !Ref jhIGW", "      GatewayId: !Ref jhNoSuchIGW", "GatewayId: !Ref jhNoSuchIGW",
         "DefaultPublicRoute (AWS::EC2::Route)", "", "'jhNoSuchIGW', which is not a parameter, resource or pseudo parameter"},
        {"route to a gateway ID that does not exist", "      GatewayId: !Ref jhIGW", "      GatewayId: igw-00000000000000000",
         "GatewayId: igw-00000000000000000", "DefaultPublicRoute (AWS::EC2::Route)", "GatewayId", "does not exist"},
        {"missing required property", "      CidrBlock: 10.10.0.0/16\n", "", "  jhVPC:", "jhVPC (AWS::EC2::VPC)", "CidrBlock", "is required"},
        {"unsupported intrinsic", "!Select [0, !GetAZs '']", "!If [IsProd, a, b]", "!If [IsProd, a, b]",
         "jhPublicSN (AWS::EC2::Subnet)", "AvailabilityZone", "Fn::If is not supported"},
        {"Select out of range", "!Select [2, !GetAZs '']", "!Select [7, !GetAZs '']", "!Select [7, !GetAZs '']",
         "jhPrivateSN (AWS::EC2::Subnet)", "AvailabilityZone", "index 7 is out of range"},
        {"DependsOn on nothing", "DependsOn: jhIGWAttachment", "DependsOn: jhNothing", "DependsOn: jhNothing",
         "DefaultPublicRoute (AWS::EC2::Route)", "DependsOn", "'jhNothing' is not a resource"},
        {"not a boolean", "AssociatePublicIpAddress: true", "AssociatePublicIpAddress: maybe", "AssociatePublicIpAddress: maybe",
         "jhPublicEC2 (AWS::EC2::Instance)", "NetworkInterfaces.AssociatePublicIpAddress", "expected true or false"},
        {"security group port range", "          FromPort: '80'", "          FromPort: '90'", "- IpProtocol: tcp",
         "", "SecurityGroupIngress", "from port 90 is greater than to port 80"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        const std::string text = seed_with(c.from, c.to);
        const std::string error = error_of(text);
        CHECK_MESSAGE(error.rfind("lab.yaml:" + std::to_string(line_of(text, c.expected_line_text)) + ":", 0) == 0, error);
        if (!c.resource.empty()) CHECK_MESSAGE(error.find("resource " + c.resource) != std::string::npos, error);
        if (!c.property.empty()) CHECK_MESSAGE(error.find("property " + c.property + ":") != std::string::npos, error);
        CHECK_MESSAGE(error.find(c.message) != std::string::npos, error);
    }
}

TEST_CASE("an address already taken") {
    std::string text = seed_with("          AssociatePublicIpAddress: true", "          AssociatePublicIpAddress: true\n          PrivateIpAddress: 10.10.0.20");
    const auto at = text.find("          SubnetId: !Ref jhPrivateSN");
    text.replace(at, std::string("          SubnetId: !Ref jhPrivateSN").size(), "          SubnetId: !Ref jhPublicSN\n          PrivateIpAddress: 10.10.0.20");
    const auto error = error_of(text);
    CHECK(error.find("jhPrivateEC2") != std::string::npos);
    CHECK(error.find("10.10.0.20 is in use") != std::string::npos);
}

TEST_CASE("circular dependencies, unknown sections and parameters without values") {
    CHECK(error_of("Resources:\n  A:\n    Type: AWS::EC2::VPC\n    DependsOn: B\n    Properties: {CidrBlock: 10.0.0.0/16}\n"
                   "  B:\n    Type: AWS::EC2::VPC\n    DependsOn: A\n    Properties: {CidrBlock: 10.1.0.0/16}\n")
              .find("circular dependency") != std::string::npos);
    CHECK(error_of("Resourcez: {}\n").find("unknown top-level section 'Resourcez'") != std::string::npos);
    const auto e = error_of("Parameters:\n  Cidr:\n    Type: String\nResources:\n  V:\n    Type: AWS::EC2::VPC\n    Properties: {CidrBlock: !Ref Cidr}\n");
    CHECK(e.find("lab.yaml:2:") == 0);
    CHECK(e.find("pass --parameter Cidr=VALUE") != std::string::npos);
    CHECK(error_of("Resources: [unclosed\n").find("not valid YAML") != std::string::npos);
    CHECK(error_of("Resources:\n  V:\n    Type: AWS::EC2::VPC\n    Properties: {CidrBlock: 10.0.0.0/16}\n    Bogus: 1\n").find("unknown resource attribute 'Bogus'") != std::string::npos);
}

TEST_CASE("parameters: overrides, AllowedValues, and an unknown --parameter") {
    const std::string text =
        "Parameters:\n  Cidr:\n    Type: String\n    Default: 10.0.0.0/16\n    AllowedValues: [10.0.0.0/16, 10.5.0.0/16]\n"
        "Resources:\n  V:\n    Type: AWS::EC2::VPC\n    Properties: {CidrBlock: !Ref Cidr}\n";
    CHECK(cfn::load_template(text, options()).model->vpcs()[0].cidr.to_string() == "10.0.0.0/16");
    auto o = options();
    o.parameters["Cidr"] = "10.5.0.0/16";
    CHECK(cfn::load_template(text, o).model->vpcs()[0].cidr.to_string() == "10.5.0.0/16");
    o.parameters["Cidr"] = "10.6.0.0/16";
    CHECK(error_of(text, o).find("not one of its AllowedValues") != std::string::npos);
    o.parameters = {{"Nope", "1"}};
    CHECK(error_of(text, o).find("--parameter Nope") != std::string::npos);
}

TEST_CASE("intrinsics in long and short form, and a JSON template") {
    const std::string json = R"({
  "Parameters": {"Env": {"Type": "String", "Default": "dev"}},
  "Resources": {
    "V": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.1.0.0/16",
          "Tags": [{"Key": "Name", "Value": {"Fn::Join": ["-", [{"Ref": "Env"}, "vpc", {"Ref": "AWS::Region"}]]}}]}},
    "S": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "V"}, "CidrBlock": "10.1.2.0/24",
          "AvailabilityZone": {"Fn::Select": ["1", {"Fn::GetAZs": ""}]},
          "Tags": [{"Key": "Name", "Value": {"Fn::Sub": ["${Env}-${Zone}-${AWS::StackName}", {"Zone": {"Fn::GetAtt": ["V", "CidrBlock"]}}]}}]}},
    "I": {"Type": "AWS::EC2::Instance", "Properties": {"SubnetId": {"Ref": "S"}, "PrivateIpAddress": "10.1.2.50",
          "UserData": {"Fn::Base64": {"Fn::Sub": "echo ${S.AvailabilityZone}"}},
          "Tags": [{"Key": "Name", "Value": {"Fn::Sub": "web-${!Literal}"}}]}}
  }
})";
    std::string error;
    try {
        auto lab = cfn::load_template(json, options("lab.json"));
        CHECK(lab.model->vpcs()[0].display_name() == "dev-vpc-ap-northeast-2");
        CHECK(lab.model->subnets()[0].availability_zone == "ap-northeast-2b");
        CHECK(lab.model->subnets()[0].display_name() == "dev-10.1.0.0/16-unit");
        CHECK(routing::format_ipv4(lab.model->network_interfaces()[0].private_ip) == "10.1.2.50");
        CHECK(lab.model->instances()[0].display_name() == "web-${Literal}");
    } catch (const cfn::TemplateError& e) {
        error = e.what();
    }
    CHECK(error == "");

    const std::string yaml =
        "Resources:\n  V:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.2.0.0/16\n"
        "  S:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !GetAtt V.VpcId\n"
        "      CidrBlock: !Join ['', ['10.2.', '3.0/24']]\n      Tags: [{Key: Name, Value: !Sub '${V}-x'}]\n";
    auto lab = cfn::load_template(yaml, options());
    CHECK(lab.model->subnets()[0].cidr.to_string() == "10.2.3.0/24");
    CHECK(lab.model->subnets()[0].display_name() == lab.model->vpcs()[0].id + "-x");
}

TEST_CASE("unsupported properties are listed with their lines; --strict refuses them") {
    const std::string text = seed_with("      CidrBlock: 10.10.0.0/16\n", "      CidrBlock: 10.10.0.0/16\n      Ipv4IpamPoolId: ipam-pool-1\n");
    auto lab = cfn::load_template(text, options());
    REQUIRE(lab.unsupported.size() == 1);
    CHECK(lab.unsupported[0] == "lab.yaml:" + std::to_string(line_of(text, "Ipv4IpamPoolId")) +
                                    ": jhVPC (AWS::EC2::VPC): property Ipv4IpamPoolId is not supported and was ignored");
    CHECK(error_of(text, options("lab.yaml", true)).find("Ipv4IpamPoolId") != std::string::npos);
}

// ---- Hardening regressions (issue 7): the shape of a template is bounded as it is read. ----

namespace {
std::string read_regression(const char* name) { return read_source(std::string("tests/fuzz/regressions/template/") + name); }
}  // namespace

TEST_CASE("regression: YAML aliases are refused where they appear, as CloudFormation refuses them") {
    // shared/repro: 446 bytes of nested aliases used to grow to gigabytes; `a: &a [*a]` overflowed the stack.
    const std::string bomb = read_regression("template-alias-bomb.yaml");
    CHECK(error_of(bomb) == "lab.yaml:" + std::to_string(line_of(bomb, "*a0")) +
                                ": YAML aliases (*name) are not allowed in CloudFormation templates; write the value out");
    CHECK(error_of(read_regression("template-self-alias.yaml")).rfind("lab.yaml:1: YAML aliases", 0) == 0);
    // An anchor alone is harmless and accepted (CloudFormation only refuses aliases).
    CHECK(error_of(seed_with("Description: (DO NOT CHANGE)", "Description: &d (DO NOT CHANGE)")) == "no error");
}

TEST_CASE("nesting deeper than 64 lists and maps, and text over 1 MiB, are refused with the line") {
    const std::string deep = seed_with("\nResources:\n", "\nMetadata:\n  Deep: " + std::string(100, '[') + std::string(100, ']') + "\nResources:\n");
    const std::string error = error_of(deep);
    CHECK(error.rfind("lab.yaml:" + std::to_string(line_of(deep, "  Deep:")) + ": nested deeper than 64", 0) == 0);
    // Within the bound, the same shape loads (Metadata is free-form).
    CHECK(error_of(seed_with("\nResources:\n", "\nMetadata:\n  Deep: " + std::string(40, '[') + std::string(40, ']') + "\nResources:\n")) ==
          "no error");
    CHECK(error_of(read_lab("endpoints-lab.yaml") + "\n# " + std::string(cfn::max_template_bytes, 'x') + "\n")
              .find("CloudFormation takes at most 1 MB") != std::string::npos);
}

TEST_CASE("regression: names that cannot become namespace or file names are refused with line and property") {
    // shared/repro: a 300-character instance Name failed `up` with a raw "File name too long".
    const std::string long_name = read_regression("template-300-char-instance-name.yaml");
    const std::string error = error_of(long_name);
    CHECK_MESSAGE(error.rfind("lab.yaml:" + std::to_string(line_of(long_name, "Value: " + std::string(300, 'x'))) +
                                  ": resource jhPublicEC2 (AWS::EC2::Instance): property Tags: the value of tag Name is 300 characters; at most 256",
                              0) == 0, error);

    // 250 characters is a valid EC2 tag, but "<stack>-<name>" is then over NAME_MAX (255) for a 64-character stack.
    const std::string name250 = "jh-" + std::string(247, 'n');
    const std::string text = seed_with("Value: jh-test-Public-EC2", "Value: " + name250);
    auto o = options();
    o.stack_name = std::string(64, 's');
    const std::string too_long = error_of(text, o);
    CHECK_MESSAGE(too_long.find("resource jhPublicEC2 (AWS::EC2::Instance): property Tags: the instance's namespace would be named") != std::string::npos, too_long);
    CHECK(too_long.find("at most 255 bytes") != std::string::npos);
    CHECK(error_of(text) == "no error");  // with a short stack name it fits

    CHECK(error_of(seed_with("Value: jh-test-Public-EC2", "Value: x\n        - Key: aws:reserved\n          Value: y")).find("reserved for AWS") != std::string::npos);

    // Two instances with one Name: the second falls back to its logical ID, which must fit too.
    std::string twins = seed_with("Value: jh-test-Private-EC2", "Value: jh-test-Public-EC2");
    twins.replace(twins.find("  jhPrivateEC2:"), 15, "  jhPrivateEC2" + std::string(200, 'x') + ":");
    const std::string twin_error = error_of(twins, o);
    CHECK_MESSAGE(twin_error.find("resource jhPrivateEC2" + std::string(200, 'x') + " (AWS::EC2::Instance): property Tags: the instance's namespace would be named") !=
                      std::string::npos, twin_error);
    CHECK(error_of(twins) == "no error");

    // An empty Name names nothing: the namespace takes the logical ID (never "<stack>-", which `down` would not own).
    auto unnamed = cfn::load_template(seed_with("Value: jh-test-Public-EC2", "Value: ''"), options());
    const auto plan = router::LabPlan::of(*unnamed.model);
    CHECK(plan.instances.front().netns == "unit-jhPublicEC2");
    CHECK(router::is_stack_namespace("unit", plan.instances.front().netns));
    CHECK(error_of(seed_with("  jhVPC:\n", "  jh_VPC:\n")).find("a logical ID must be 1 to 255 letters and digits") != std::string::npos);
}

TEST_CASE("a reference to a resource vpclab does not create names that as the cause, not a missing ID") {
    const std::string text = R"(Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16
  Gateway:
    Type: AWS::EC2::VPNGateway
  Table:
    Type: AWS::EC2::RouteTable
    Properties:
      VpcId: !Ref Gateway
)";
    CHECK(error_of(text) == "lab.yaml:11: resource Table (AWS::EC2::RouteTable): property VpcId: refers to Gateway, whose type "
                            "AWS::EC2::VPNGateway vpclab does not support, so it was not created");
}

TEST_CASE("a misspelt resource type is an error naming the line and the type meant; a real type vpclab lacks is a warning") {
    const auto with_type = [](const std::string& type) {
        return "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.0.0.0/16\n  Thing:\n    Type: " + type +
               "\n    Properties:\n      VpcId: !Ref Vpc\n      CidrBlock: 10.0.1.0/24\n";
    };
    CHECK(error_of(with_type("AWS::EC2::Subnett")) ==
          "lab.yaml:7: resource Thing: property Type: unknown resource type 'AWS::EC2::Subnett': did you mean AWS::EC2::Subnet?");
    CHECK(error_of(with_type("AWS::EC2::subnet")).find("did you mean AWS::EC2::Subnet?") != std::string::npos);
    CHECK(error_of(with_type("AWS::EC2::NatGatway")).find("did you mean AWS::EC2::NatGateway?") != std::string::npos);
    CHECK(error_of(with_type("EC2::Subnet")).find("is not a resource type") != std::string::npos);
    // Real types vpclab does not model, listed or not, load with a warning.
    for (const char* real : {"AWS::EC2::TransitGatewayConnect", "AWS::EC2::IPAM", "AWS::Lambda::Function"}) {
        CAPTURE(real);
        const auto lab = load_template(with_type(real), options());
        REQUIRE(lab.unsupported.size() == 1);
        CHECK(lab.unsupported[0].find(std::string("type ") + real + " is not supported") != std::string::npos);
    }
    CHECK(load_template(with_type("AWS::EC2::Subnet"), options()).model->subnets().size() == 1);
}

TEST_CASE("UserData is kept base64 as CloudFormation passes it, and reported as what vpclab does with it, never run") {
    const auto lab = load_template(read_lab("endpoints-lab.yaml"), options());
    const auto& inst = instance_named(*lab.model, "jh-test-Private-EC2");
    const auto script = instance::base64_decode(inst.user_data);
    REQUIRE(script);
    CHECK(script->rfind("#!/bin/bash\n(\necho \"qwe123\"", 0) == 0);
    REQUIRE(lab.skipped.size() == 1);
    CHECK(lab.skipped[0].find("UserData of jhPrivateEC2 is never run as a script") == 0);
    CHECK(lab.skipped[0].find("line 2: set root's password") != std::string::npos);
    CHECK(lab.skipped[0].find("line 8: sshd restarted: it reads the sshd_config as it is after the script") != std::string::npos);
    CHECK(lab.skipped[0].find("failed") == std::string::npos);
}

TEST_CASE("gateway endpoints and prefix lists from a template: routes to the service's list, policy kept, routes to a customer list") {
    LoadOptions o = options();
    o.services = test::test_services();
    const std::string text = read_lab("endpoints-lab.yaml") + R"(  S3Endpoint:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      VpcId: !Ref jhVPC
      ServiceName: !Sub com.amazonaws.${AWS::Region}.s3
      RouteTableIds: [!Ref jhPublicRT, !Ref jhPrivateRT]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: ["s3:GetObject"]
            Resource: ["arn:aws:s3:::lab-bucket/*"]
  Office:
    Type: AWS::EC2::PrefixList
    Properties:
      PrefixListName: office
      AddressFamily: IPv4
      MaxEntries: 5
      Entries:
        - Cidr: 203.0.113.0/24
          Description: HQ
  OfficeRoute:
    Type: AWS::EC2::Route
    Properties:
      RouteTableId: !Ref jhPublicRT
      DestinationPrefixListId: !GetAtt Office.PrefixListId
      GatewayId: !Ref jhIGW
)";
    const auto lab = cfn::load_template(text, o);
    CHECK(lab.unsupported.empty());
    const auto& m = *lab.model;
    REQUIRE(m.vpc_endpoints().size() == 1);
    const auto& e = m.vpc_endpoints()[0];
    CHECK(e.service_name == "com.amazonaws.ap-northeast-2.s3");
    CHECK(e.route_table_ids.size() == 2);
    CHECK(nlohmann::json::parse(e.policy_document)["Statement"][0]["Resource"][0] == "arn:aws:s3:::lab-bucket/*");
    for (const auto& id : e.route_table_ids) {
        const auto& routes = m.route_table(id).routes;
        CHECK(std::count_if(routes.begin(), routes.end(), [&](const routing::Route& r) {
                  return r.destination_prefix_list_id == "pl-78a54011" && r.target_id == e.id;
              }) == 1);
    }
    bool office_route = false;
    for (const auto& t : m.route_tables())
        for (const auto& r : t.routes) office_route = office_route || (r.to_prefix_list() && r.target_kind == routing::RouteTargetKind::internet_gateway);
    CHECK(office_route);
    // Interface endpoints: one ENI per subnet with the template's groups; CloudFormation's PrivateDnsEnabled
    // defaults to false, and true needs the VPC's DNS hostnames (off in the seed). A bad service is an error.
    const std::string cfn_endpoint = "  Cfn:\n    Type: AWS::EC2::VPCEndpoint\n    Properties:\n      VpcId: !Ref jhVPC\n"
                                     "      VpcEndpointType: Interface\n      ServiceName: com.amazonaws.ap-northeast-2.cloudformation\n";
    const auto interface = cfn::load_template(read_lab("endpoints-lab.yaml") + cfn_endpoint +
                                                  "      SubnetIds: [!Ref jhPublicSN, !Ref jhPrivateSN]\n      SecurityGroupIds: [!Ref jhSecurityGroup]\n"
                                                  "Outputs:\n  Dns:\n    Value: !Select [0, !GetAtt Cfn.DnsEntries]\n",
                                              o);
    REQUIRE(interface.model->vpc_endpoints().size() == 1);
    const auto& ie = interface.model->vpc_endpoints()[0];
    CHECK(ie.interface());
    CHECK(!ie.private_dns_enabled);
    CHECK(ie.network_interface_ids.size() == 2);
    CHECK(interface.model->network_interface(ie.network_interface_ids[0]).security_group_ids == ie.security_group_ids);
    CHECK(interface.model->security_group(ie.security_group_ids.at(0)).group_name.find("jhSecurityGroup") != std::string::npos);
    CHECK(error_of(read_lab("endpoints-lab.yaml") + cfn_endpoint, o).find("at least one subnet") != std::string::npos);
    CHECK(error_of(read_lab("endpoints-lab.yaml") + cfn_endpoint + "      SubnetIds: [!Ref jhPrivateSN]\n      PrivateDnsEnabled: true\n", o)
              .find("enableDnsHostnames") != std::string::npos);
    const std::string bad = error_of(read_lab("endpoints-lab.yaml") + ("  S3:\n    Type: AWS::EC2::VPCEndpoint\n    Properties:\n      VpcId: !Ref jhVPC\n"
                                                           "      ServiceName: com.amazonaws.ap-northeast-2.s4\n      RouteTableIds: [!Ref jhPublicRT]\n"),
                                     o);
    CHECK(bad.find("InvalidServiceName") != std::string::npos);
    const std::string bad_policy = error_of(read_lab("endpoints-lab.yaml") + ("  S3:\n    Type: AWS::EC2::VPCEndpoint\n    Properties:\n      VpcId: !Ref jhVPC\n"
                                                                           "      ServiceName: com.amazonaws.ap-northeast-2.s3\n      PolicyDocument: '{not json'\n"),
                                            o);
    CHECK(bad_policy.find("property PolicyDocument") != std::string::npos);
    CHECK(bad_policy.find("not a JSON object") != std::string::npos);
    CHECK(bad.find("com.amazonaws.ap-northeast-2.s4") != std::string::npos);
}

TEST_CASE("security group rule resources, prefix-list peers, network ACLs, entries and associations") {
    const std::string text = R"(Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  Sn:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.1.0/24}
  Office:
    Type: AWS::EC2::PrefixList
    Properties: {PrefixListName: office, AddressFamily: IPv4, MaxEntries: 5, Entries: [{Cidr: 203.0.113.0/24}]}
  App:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupName: app
      GroupDescription: app servers
      VpcId: !Ref Vpc
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, SourcePrefixListId: !Ref Office}
      SecurityGroupEgress:
        - {IpProtocol: '-1', CidrIp: 10.0.0.0/16}
  Db:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: db, VpcId: !Ref Vpc}
  DbFromApp:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: {GroupId: !Ref Db, IpProtocol: tcp, FromPort: 5432, ToPort: 5432, SourceSecurityGroupId: !Ref App}
  AppToDb:
    Type: AWS::EC2::SecurityGroupEgress
    Properties: {GroupId: !Ref App, IpProtocol: tcp, FromPort: 5432, ToPort: 5432, DestinationSecurityGroupId: !Ref Db}
  Acl:
    Type: AWS::EC2::NetworkAcl
    Properties: {VpcId: !Ref Vpc, Tags: [{Key: Name, Value: strict}]}
  Http:
    Type: AWS::EC2::NetworkAclEntry
    Properties: {NetworkAclId: !Ref Acl, RuleNumber: 100, Protocol: 6, RuleAction: allow, CidrBlock: 0.0.0.0/0, PortRange: {From: 80, To: 80}}
  Ping:
    Type: AWS::EC2::NetworkAclEntry
    Properties: {NetworkAclId: !Ref Acl, RuleNumber: 110, Protocol: 1, RuleAction: deny, Egress: true, CidrBlock: 10.0.0.0/8, Icmp: {Type: 8, Code: -1}}
  Assoc:
    Type: AWS::EC2::SubnetNetworkAclAssociation
    Properties: {SubnetId: !Ref Sn, NetworkAclId: !Ref Acl}
  Web:
    Type: AWS::EC2::Instance
    Properties: {SubnetId: !Ref Sn, SecurityGroupIds: [!Ref App, !Ref Db]}
)";
    auto lab = cfn::load_template(text, options("lab.yaml", true));
    REQUIRE(lab.unsupported.empty());
    const auto& m = *lab.model;
    const auto& app = m.security_group_by_name("app");
    REQUIRE(app.ingress.size() == 1);
    CHECK(app.ingress[0].prefix_list_id == m.prefix_lists().back().id);
    REQUIRE(app.egress.size() == 2);  // its inline rule and the AppToDb resource (no default all-outbound: egress was given)
    CHECK(app.egress[1].source_group_id == m.security_group(app.egress[1].source_group_id).id);
    const auto& acl = m.network_acl_of(m.subnets()[0].id);
    CHECK_FALSE(acl.is_default);
    REQUIRE(acl.entries.size() == 2);
    CHECK(acl.entries[0].protocol == "6");
    CHECK(acl.entries[1].egress);
    CHECK(acl.entries[1].icmp->type == 8);
    const auto& eni = m.network_interface(m.instances()[0].network_interface_ids[0]);
    CHECK(eni.security_group_ids.size() == 2);
    // A NetworkAclEntry on TCP without PortRange is refused where it is written.
    std::string bad = text;
    bad.replace(bad.find(", PortRange: {From: 80, To: 80}"), std::string(", PortRange: {From: 80, To: 80}").size(), "");
    CHECK(error_of(bad).find("PortRange") != std::string::npos);
}

TEST_CASE("endpoint service resources: the service, its permissions, notifications and interface endpoints naming it") {
    std::string text = read_source("tests/netns/privatelink-overlap-lab.yaml");
    text += "  Notification:\n    Type: AWS::EC2::VPCEndpointConnectionNotification\n    Properties:\n      ServiceId: !Ref Service\n"
            "      ConnectionNotificationArn: arn:aws:sns:ap-northeast-2:123456789012:events\n      ConnectionEvents: [Connect, Accept]\n";
    auto lab = cfn::load_template(text, options("privatelink-overlap-lab.yaml"));
    const auto& m = *lab.model;
    CHECK(lab.unsupported.empty());
    REQUIRE(m.endpoint_services().size() == 1);
    const auto& s = m.endpoint_services()[0];
    CHECK(s.service_name == "com.amazonaws.vpce.ap-northeast-2." + s.id);
    CHECK(s.network_load_balancer_arns == std::vector<std::string>{m.load_balancers()[0].id});
    CHECK(!s.acceptance_required);
    REQUIRE(s.allowed_principals.size() == 1);
    CHECK(s.allowed_principals[0].principal == "*");
    REQUIRE(m.connection_notifications().size() == 1);
    CHECK(m.connection_notifications()[0].service_id == s.id);
    CHECK(m.target_groups()[0].proxy_protocol_v2);
    // Three VPCs of one CIDR; an endpoint in each consumer VPC, available at once (no acceptance required).
    CHECK(m.vpcs().size() == 3);
    for (const auto& v : m.vpcs()) CHECK(v.cidr.to_string() == "10.10.0.0/16");
    REQUIRE(m.vpc_endpoints().size() == 2);
    for (const auto& e : m.vpc_endpoints()) {
        CHECK(e.service_name == s.service_name);
        CHECK(e.state == "available");
        CHECK(!e.private_dns_enabled);
    }
    // With acceptance required, the template's endpoints wait for the provider.
    const auto waiting = cfn::load_template(lab_with_text(text, "AcceptanceRequired: false", "AcceptanceRequired: true"), options());
    CHECK(waiting.model->vpc_endpoints()[0].state == "pendingAcceptance");
    // Errors at the resource: a principal that is no ARN, a load balancer that is none, an unknown service.
    CHECK_MESSAGE(error_of(lab_with_text(text, "AllowedPrincipals: ['*']", "AllowedPrincipals: [someone]")).find("ServicePermissions") != std::string::npos,
                  "the permissions resource is named");
    CHECK(error_of(lab_with_text(text, "AllowedPrincipals: ['*']", "AllowedPrincipals: [someone]")).find("someone") != std::string::npos);
    CHECK(error_of(lab_with_text(text, "NetworkLoadBalancerArns: [!Ref Nlb]", "NetworkLoadBalancerArns: []")).find("Service") != std::string::npos);
    CHECK(error_of(lab_with_text(text, "${AWS::Region}.${Service}'\n      SubnetIds: [!Ref ConsumerSN1]",
                                 "${AWS::Region}.vpce-svc-00000000000000000'\n      SubnetIds: [!Ref ConsumerSN1]"))
              .find("Endpoint1") != std::string::npos);
}

TEST_CASE("AWS::EC2::FlowLog: the VPC's traffic to a log group, Ref its ID; a wrong property is named at its line") {
    const std::string flow_log = "Resources:\n  jhFlowLog:\n    Type: AWS::EC2::FlowLog\n    Properties:\n      ResourceId: !Ref jhVPC\n      ResourceType: VPC\n"
                                 "      TrafficType: REJECT\n      LogGroupName: jh-flows\n      MaxAggregationInterval: 60\n"
                                 "      LogFormat: '${version} ${interface-id} ${srcaddr} ${dstaddr} ${dstport} ${action}'\n"
                                 "      Tags:\n        - Key: Name\n          Value: jh-flows\n";
    auto lab = cfn::load_template(seed_with("Resources:\n", flow_log), options("lab.yaml", true));
    REQUIRE(lab.model->flow_logs().size() == 1);
    const routing::FlowLog& f = lab.model->flow_logs()[0];
    CHECK(f.resource_id == lab.model->vpcs()[0].id);
    CHECK(f.traffic_type == "REJECT");
    CHECK(f.log_group_name == "jh-flows");
    CHECK(f.max_aggregation_interval == 60);
    CHECK(f.fields.size() == 6);
    CHECK(f.logical_id == "jhFlowLog");
    CHECK(f.id.rfind("fl-", 0) == 0);
    const std::string bad = seed_with("Resources:\n", lab_with_text(flow_log, "      ResourceType: VPC\n", "      ResourceType: Vpc\n"));
    const std::string error = error_of(bad);
    CHECK(error.find("jhFlowLog (AWS::EC2::FlowLog)") != std::string::npos);
    CHECK(error.find("ResourceType") != std::string::npos);
    const std::string format_error = error_of(seed_with("Resources:\n", lab_with_text(flow_log, "${action}", "${nosuch}")));
    CHECK(format_error.find("${nosuch}") != std::string::npos);
}
