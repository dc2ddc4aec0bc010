// The EC2 and Query protocols over botocore's models (router/aws_api/query_request.hpp, xml_response.hpp):
// request bodies as botocore 1.29.27's serializers write them decode into the control API's parameters;
// results encode into the XML its parsers read; what a model does not take is refused by name.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "router/aws_api/form_fields.hpp"
#include "router/aws_api/query_request.hpp"
#include "router/aws_api/service_model.hpp"
#include "router/aws_api/xml_response.hpp"

using namespace vpclab::aws_api;
using nlohmann::json;

namespace {

const ServiceModel& model(const char* service) {
    const ServiceModel* m = service_model(service);
    REQUIRE(m != nullptr);
    return *m;
}

// Decodes a body botocore wrote into `out`; whether the model took it, with `error` when not.
bool attempt(const char* service, const std::string& body, QueryRequest& out, ApiRequestError& error) {
    std::vector<FormField> fields;
    std::string form_error;
    REQUIRE(decode_form(body, fields, form_error));
    INFO(body);
    return decode_query_request(model(service), fields, out, error);
}

// A body the model takes (the test fails, with the error, if it is refused).
QueryRequest decoded(const char* service, const std::string& body) {
    QueryRequest out;
    ApiRequestError error;
    const bool ok = attempt(service, body, out, error);
    INFO(body << " -> " << error.code << ": " << error.message);
    REQUIRE(ok);
    return out;
}

ApiRequestError refused(const char* service, const std::string& body) {
    QueryRequest out;
    ApiRequestError error;
    INFO(body);
    CHECK_FALSE(attempt(service, body, out, error));
    return error;
}

}  // namespace

TEST_CASE("the embedded models are botocore's: protocols, versions, signing names") {
    CHECK(model("ec2").protocol() == "ec2");
    CHECK(model("ec2").api_version() == "2016-11-15");
    CHECK(model("ec2").signing_name() == "ec2");
    CHECK(model("ec2").xml_namespace() == "http://ec2.amazonaws.com/doc/2016-11-15/");
    CHECK(model("elbv2").protocol() == "query");
    CHECK(model("elbv2").signing_name() == "elasticloadbalancing");
    CHECK(model("elbv2").xml_namespace() == "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/");
    CHECK(model("cloudformation").api_version() == "2010-05-15");
    CHECK(model("logs").protocol() == "json");
    CHECK(model("logs").target_prefix() == "Logs_20140328");
    CHECK(service_model("s3") == nullptr);
    const Operation* op = model("ec2").operation("DescribeVpcs");
    REQUIRE(op != nullptr);
    const Member* vpcs = model("ec2").shape(op->output).member("Vpcs");
    REQUIRE(vpcs != nullptr);
    CHECK(vpcs->ref.location_name == "vpcSet");
    CHECK(model("elbv2").operation("DescribeLoadBalancers")->result_wrapper == "DescribeLoadBalancersResult");
}

TEST_CASE("EC2 requests: filters, ID lists, tag specifications, nested lists, booleans") {
    // Bodies from botocore 1.29.27's EC2Serializer.
    auto r = decoded("ec2", "Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=tag%3AName&Filter.1.Value.1=a+b&Filter.1.Value.2=c&VpcId.1=vpc-1&VpcId.2=vpc-2&DryRun=true");
    CHECK(r.action == "DescribeVpcs");
    CHECK(r.params == json{{"Filters", {{{"Name", "tag:Name"}, {"Values", {"a b", "c"}}}}}, {"VpcIds", {"vpc-1", "vpc-2"}}, {"DryRun", true}});

    r = decoded("ec2", "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0%2F16&TagSpecification.1.ResourceType=vpc&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=x%26y");
    CHECK(r.params == json{{"CidrBlock", "10.0.0.0/16"},
                           {"TagSpecifications", {{{"ResourceType", "vpc"}, {"Tags", {{{"Key", "Name"}, {"Value", "x&y"}}}}}}}});

    // UserIdGroupPairs is `groups` on the wire; integers stay the strings they were.
    r = decoded("ec2", "Action=AuthorizeSecurityGroupIngress&Version=2016-11-15&GroupId=sg-1&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=22&IpPermissions.1.ToPort=22&IpPermissions.1.IpRanges.1.CidrIp=0.0.0.0%2F0&IpPermissions.1.IpRanges.1.Description=ssh&IpPermissions.1.Groups.1.GroupId=sg-2");
    CHECK(r.params == json{{"GroupId", "sg-1"},
                           {"IpPermissions",
                            {{{"FromPort", "22"},
                              {"IpProtocol", "tcp"},
                              {"IpRanges", {{{"CidrIp", "0.0.0.0/0"}, {"Description", "ssh"}}}},
                              {"ToPort", "22"},
                              {"UserIdGroupPairs", {{{"GroupId", "sg-2"}}}}}}}});

    r = decoded("ec2", "Action=ModifyVpcAttribute&Version=2016-11-15&VpcId=vpc-1&EnableDnsHostnames.Value=false");
    CHECK(r.params == json{{"VpcId", "vpc-1"}, {"EnableDnsHostnames", {{"Value", false}}}});

    // queryName: NetworkInterfaces is NetworkInterface.N, its Groups SecurityGroupId.N.
    r = decoded("ec2", "Action=RunInstances&Version=2016-11-15&ImageId=ami-1&MinCount=1&MaxCount=2&NetworkInterface.1.DeviceIndex=0&NetworkInterface.1.SubnetId=subnet-1&NetworkInterface.1.AssociatePublicIpAddress=true&NetworkInterface.1.SecurityGroupId.1=sg-1");
    CHECK(r.params["NetworkInterfaces"] ==
          json{{{"AssociatePublicIpAddress", true}, {"DeviceIndex", "0"}, {"Groups", {"sg-1"}}, {"SubnetId", "subnet-1"}}});
    CHECK(r.params["MinCount"] == "1");
}

TEST_CASE("Query requests: member lists, the empty list, structures in lists") {
    // Bodies from botocore 1.29.27's QuerySerializer.
    auto r = decoded("elbv2", "Action=DescribeLoadBalancers&Version=2015-12-01&Names.member.1=a&Names.member.2=b");
    CHECK(r.params == json{{"Names", {"a", "b"}}});
    r = decoded("elbv2", "Action=DescribeLoadBalancers&Version=2015-12-01&Names=");
    CHECK(r.params == json{{"Names", json::array()}});
    r = decoded("elbv2", "Action=RegisterTargets&Version=2015-12-01&TargetGroupArn=arn%3Ax&Targets.member.1.Id=i-1&Targets.member.1.Port=80");
    CHECK(r.params == json{{"TargetGroupArn", "arn:x"}, {"Targets", {{{"Id", "i-1"}, {"Port", "80"}}}}});
    r = decoded("cloudformation", "Action=CreateStack&Version=2010-05-15&StackName=s&TemplateBody=%7B%7D&Parameters.member.1.ParameterKey=K&Parameters.member.1.ParameterValue=V&Capabilities.member.1=CAPABILITY_IAM");
    CHECK(r.params == json{{"StackName", "s"},
                           {"TemplateBody", "{}"},
                           {"Parameters", {{{"ParameterKey", "K"}, {"ParameterValue", "V"}}}},
                           {"Capabilities", {"CAPABILITY_IAM"}}});
}

TEST_CASE("requests the model does not take are refused, naming what is wrong") {
    auto e = refused("ec2", "Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=x&Bogus=1");
    CHECK(e.code == "UnknownParameter");
    CHECK(e.message == "The parameter Bogus is not recognized");
    // A gap in a list's numbers leaves the items after it unread: refused, not silently dropped.
    e = refused("ec2", "Action=DescribeVpcs&Version=2016-11-15&VpcId.1=vpc-1&VpcId.3=vpc-3");
    CHECK(e.code == "UnknownParameter");
    CHECK(e.message == "The parameter VpcId.3 is not recognized");
    // Query lists are wrapped in .member: EC2's form is not theirs.
    e = refused("elbv2", "Action=DescribeLoadBalancers&Version=2015-12-01&Names.1=a");
    CHECK(e.code == "UnknownParameter");
    e = refused("ec2", "Action=ModifyVpcAttribute&Version=2016-11-15&VpcId=vpc-1&EnableDnsHostnames.Value=yes");
    CHECK(e.code == "InvalidParameterValue");
    CHECK(e.message == "Value (yes) for parameter EnableDnsHostnames.Value is invalid. Expected: 'true' or 'false'.");
    CHECK(refused("ec2", "Version=2016-11-15").code == "MissingAction");
    CHECK(refused("ec2", "Action=DescribeVpcs").code == "MissingParameter");
    CHECK(refused("ec2", "Action=DescribeVpcs&Version=2015-12-01").code == "NoSuchVersion");
    CHECK(refused("ec2", "Action=DescribeNothing&Version=2016-11-15").code == "InvalidAction");
    CHECK(refused("ec2", "Action=DescribeVpcs&Version=2016-11-15&VpcId.1=a&VpcId.1=b").code == "InvalidParameterValue");
    e = refused("ec2", "Action=DescribeVpcs&Version=2016-11-15&VpcId.1=%FF");
    CHECK(e.code == "InvalidParameterValue");
    CHECK(e.message == "The parameter VpcId.1 is not valid UTF-8");
}

TEST_CASE("UTF-8 validation: what XML and JSON replies can carry") {
    CHECK(valid_utf8("plain"));
    CHECK(valid_utf8("\xEC\x84\x9C\xEC\x9A\xB8"));  // 서울
    CHECK(valid_utf8("\xF0\x9F\x98\x80"));
    CHECK_FALSE(valid_utf8("\xFF"));
    CHECK_FALSE(valid_utf8("\xC0\xAF"));          // overlong '/'
    CHECK_FALSE(valid_utf8("\xED\xA0\x80"));      // a surrogate
    CHECK_FALSE(valid_utf8("\xEC\x84"));          // cut short
    CHECK_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
}

TEST_CASE("EC2 replies: requestId first, Set/item lists by locationName, members the shape lacks left out and named") {
    const ServiceModel& ec2 = model("ec2");
    const nlohmann::ordered_json result = {
        {"Vpcs",
         {{{"CidrBlock", "10.0.0.0/16"},
           {"VpcId", "vpc-1"},
           {"IsDefault", false},
           {"Tags", {{{"Key", "Name"}, {"Value", "a<b&'c\""}}}},
           {"NotAMember", 1}}}}};
    std::vector<std::string> unmapped;
    const std::string xml = encode_xml_response(ec2, *ec2.operation("DescribeVpcs"), result, "req-1", &unmapped);
    CHECK(xml ==
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<DescribeVpcsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>req-1</requestId>"
          "<vpcSet><item><cidrBlock>10.0.0.0/16</cidrBlock><vpcId>vpc-1</vpcId><isDefault>false</isDefault>"
          "<tagSet><item><key>Name</key><value>a&lt;b&amp;&apos;c&quot;</value></item></tagSet></item></vpcSet>"
          "</DescribeVpcsResponse>\n");
    CHECK(unmapped == std::vector<std::string>{"Vpcs.NotAMember"});
    // An action without an output shape answers <return>true</return>, as EC2 does.
    CHECK(encode_xml_response(ec2, *ec2.operation("DeleteVpc"), nlohmann::ordered_json::object(), "r") ==
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DeleteVpcResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>r</requestId>"
          "<return>true</return></DeleteVpcResponse>\n");
}

TEST_CASE("Query replies: the result wrapper, member lists, ResponseMetadata") {
    const ServiceModel& elb = model("elbv2");
    const nlohmann::ordered_json result = {{"LoadBalancers", {{{"LoadBalancerName", "nlb"}, {"AvailabilityZones", {{{"ZoneName", "ap-northeast-2a"}}}}}}}};
    const std::string xml = encode_xml_response(elb, *elb.operation("DescribeLoadBalancers"), result, "req-2");
    CHECK(xml ==
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<DescribeLoadBalancersResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\"><DescribeLoadBalancersResult>"
          "<LoadBalancers><member><LoadBalancerName>nlb</LoadBalancerName><AvailabilityZones><member><ZoneName>ap-northeast-2a</ZoneName>"
          "</member></AvailabilityZones></member></LoadBalancers></DescribeLoadBalancersResult>"
          "<ResponseMetadata><RequestId>req-2</RequestId></ResponseMetadata></DescribeLoadBalancersResponse>\n");
}

TEST_CASE("error envelopes: EC2's Response/Errors, Query's ErrorResponse with its Type") {
    CHECK(encode_xml_error(model("ec2"), "InvalidVpcID.NotFound", "The vpc ID 'vpc-9' does not exist", "r") ==
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code>"
          "<Message>The vpc ID &apos;vpc-9&apos; does not exist</Message></Error></Errors><RequestID>r</RequestID></Response>\n");
    CHECK(encode_xml_error(model("elbv2"), "LoadBalancerNotFound", "One or more load balancers not found", "r") ==
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\">"
          "<Error><Type>Sender</Type><Code>LoadBalancerNotFound</Code><Message>One or more load balancers not found</Message></Error>"
          "<RequestId>r</RequestId></ErrorResponse>\n");
    std::string text;
    append_xml_text(text, std::string("a\x01\tb\r", 5));
    CHECK(text == "a\xEF\xBF\xBD\tb&#13;");
    // Bytes that are not UTF-8 (an error quoting the request) become U+FFFD; UTF-8 around them stays.
    text.clear();
    append_xml_text(text, "x\xFF\xEC\x84\x9C<\xC0");
    CHECK(text == "x\xEF\xBF\xBD\xEC\x84\x9C&lt;\xEF\xBF\xBD");
}
