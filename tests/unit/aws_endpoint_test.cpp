// The lab's AWS endpoint (router/aws_api/aws_endpoint.hpp) over a RouterState: the one action registry is
// botocore's (every action and parameter of `vpclab ec2`/`elbv2`/`logs` is a member of the model), signed
// requests are served from it in each protocol's XML, and each refused request (signature, clock,
// parameters, dry run) gets AWS's code and status and changes nothing.
#include <doctest/doctest.h>

#include <ctime>
#include <string>

#include "router/aws_api/aws_endpoint.hpp"
#include "router/aws_api/form_fields.hpp"
#include "router/aws_api/service_model.hpp"
#include "router/aws_api/sigv4.hpp"
#include "router/control/ec2_actions.hpp"
#include "tests/unit/pipeline_lab.hpp"

using namespace vpclab;
using namespace vpclab::router;

namespace {

constexpr const char* key_id = "AKIAVPCLABTESTKEY234";
constexpr const char* secret = "testsecret/testsecret+testsecret/testsec";
constexpr std::time_t now = 1796472000;  // 2026-12-04T12:00:00Z

struct Lab {
    RouterState state;
    Lab() {
        test::PipelineLab lab;
        state.model = std::make_unique<routing::VpcModel>(std::move(lab.m));
        state.catalog = std::make_unique<endpoints::RegionCatalog>("ap-northeast-2", endpoints::PublicAddressPlan{});
        state.model->offer_services(state.catalog->service_offers());
        state.service_ports = lab.sp;
        state.aws_access_key_id = key_id;
        state.aws_secret_access_key = secret;
        state.recompile();
    }
};

struct Signing {
    std::string key = key_id, secret_key = secret, region = "ap-northeast-2", service = "ec2";
    std::time_t at = now;
    bool sign = true;
    std::string target;  // JSON protocol: X-Amz-Target
};

// An HTTP request as botocore sends it: form body, Host, X-Amz-Date, SigV4 over host;x-amz-date.
std::string http_request(const std::string& body, const Signing& s = {}) {
    const std::string date = aws_api::amz_date_of(s.at);
    const std::string host = "127.0.0.1:4566";
    std::string head = "POST / HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: " +
                       (s.target.empty() ? "application/x-www-form-urlencoded; charset=utf-8" : "application/x-amz-json-1.1") +
                       "\r\nX-Amz-Date: " + date + "\r\n";
    if (!s.target.empty()) head += "X-Amz-Target: " + s.target + "\r\n";
    if (s.sign) {
        aws_api::SignedRequest r{"POST", "/", "", {{"host", host}, {"x-amz-date", date}}, body};
        const std::string scope = date.substr(0, 8) + "/" + s.region + "/" + s.service + "/aws4_request";
        const std::string to_sign = aws_api::string_to_sign(date, scope, aws_api::canonical_request(r, {"host", "x-amz-date"}));
        const std::string signature = aws_api::signature_of(s.secret_key, date.substr(0, 8), s.region, s.service, to_sign);
        head += "Authorization: AWS4-HMAC-SHA256 Credential=" + s.key + "/" + scope + ", SignedHeaders=host;x-amz-date, Signature=" + signature + "\r\n";
    }
    return head + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

struct Reply {
    int status = 0;
    std::string body;
};

Reply serve(Lab& lab, const std::string& body, const Signing& s = {}) {
    const std::string text = aws_api::serve_aws_http_request(http_request(body, s), lab.state, now);
    Reply r;
    REQUIRE(text.rfind("HTTP/1.1 ", 0) == 0);
    r.status = std::stoi(text.substr(9, 3));
    const auto blank = text.find("\r\n\r\n");
    REQUIRE(blank != std::string::npos);
    r.body = text.substr(blank + 4);
    return r;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("one registry: every action vpclab serves is botocore's, and so is each of its parameters") {
    std::vector<std::string> not_botocore;
    for (const auto& spec : ec2_actions()) {
        const aws_api::ServiceModel* model = aws_api::service_model(spec.service);
        REQUIRE(model != nullptr);
        const aws_api::Operation* op = model->operation(spec.action);
        if (!op) {
            not_botocore.push_back(std::string(spec.service) + " " + spec.action);
            continue;
        }
        for (const auto& p : spec.params)
            if (!p.not_in_model && (!op->has_input || !model->shape(op->input).member(p.name)))
                not_botocore.push_back(std::string(spec.action) + "." + p.name);
    }
    std::string listed;
    for (const auto& n : not_botocore) listed += n + " ";
    CHECK_MESSAGE(not_botocore.empty(), listed);
}

TEST_CASE("each registry parameter's kind fits its model member's type, so what the wire decodes is what the handler reads") {
    using K = ParamSpec::Kind;
    using T = aws_api::ShapeType;
    std::vector<std::string> mismatched;
    for (const auto& spec : ec2_actions()) {
        const aws_api::ServiceModel& model = *aws_api::service_model(spec.service);
        const aws_api::Operation* op = model.operation(spec.action);
        if (!op || !op->has_input) continue;
        for (const auto& p : spec.params) {
            const aws_api::Member* m = p.not_in_model ? nullptr : model.shape(op->input).member(p.name);
            if (!m) continue;
            const aws_api::Shape& shape = model.shape(m->ref.shape);
            const auto item_type = [&] { return model.shape(shape.item.shape).type; };
            bool fits = false;
            switch (p.kind) {
                case K::string: fits = shape.type != T::list && shape.type != T::structure && shape.type != T::map && shape.type != T::boolean; break;
                case K::list: fits = shape.type == T::list && item_type() != T::structure; break;
                case K::filters: fits = shape.type == T::list && item_type() == T::structure; break;
                case K::flag:
                case K::boolean: fits = shape.type == T::boolean; break;
                case K::attribute_boolean: fits = shape.type == T::structure && shape.member("Value") != nullptr; break;
                case K::structures: fits = shape.type == T::structure || (shape.type == T::list && item_type() == T::structure); break;
            }
            if (!fits) mismatched.push_back(std::string(spec.action) + "." + p.name + " (" + shape.name + ")");
        }
    }
    std::string listed;
    for (const auto& n : mismatched) listed += n + " ";
    CHECK_MESSAGE(mismatched.empty(), listed);
}

TEST_CASE("a signed EC2 request is served from the registry and answered in EC2's XML") {
    Lab lab;
    const std::size_t vpcs = lab.state.model->vpcs().size();
    Reply r = serve(lab, "Action=DescribeVpcs&Version=2016-11-15");
    CHECK(r.status == 200);
    CHECK(has(r.body, "<DescribeVpcsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>"));
    CHECK(has(r.body, "<vpcId>" + lab.state.model->vpcs().front().id + "</vpcId>"));

    r = serve(lab, "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.9.0.0%2F16&TagSpecification.1.ResourceType=vpc&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=wire");
    CHECK(r.status == 200);
    CHECK(has(r.body, "<CreateVpcResponse"));
    CHECK(has(r.body, "<cidrBlock>10.9.0.0/16</cidrBlock>"));
    CHECK(lab.state.model->vpcs().size() == vpcs + 1);

    // The model's error code, in EC2's envelope, 400.
    r = serve(lab, "Action=DescribeVpcs&Version=2016-11-15&VpcId.1=vpc-00000000000000000");
    CHECK(r.status == 400);
    CHECK(has(r.body, "<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code>"));
    CHECK(has(r.body, "</Errors><RequestID>"));
}

TEST_CASE("a member the model has as one structure (PortRange) reaches an action the registry gives a list of them") {
    Lab lab;
    const std::string acl = lab.state.model->network_acls().front().id;
    // As botocore sends `aws ec2 create-network-acl-entry … --ingress --port-range From=80,To=81`.
    const Reply r = serve(lab, "Action=CreateNetworkAclEntry&Version=2016-11-15&NetworkAclId=" + acl +
                                   "&RuleNumber=77&Protocol=6&RuleAction=allow&Egress=false&CidrBlock=10.0.0.0%2F8&PortRange.From=80&PortRange.To=81");
    CHECK_MESSAGE(r.status == 200, r.body);
    bool found = false;
    for (const auto& e : lab.state.model->network_acls().front().entries)
        if (e.rule_number == 77) {
            found = true;
            CHECK_FALSE(e.egress);
            REQUIRE(e.port_range.has_value());
            CHECK(e.port_range->from == 80);
            CHECK(e.port_range->to == 81);
        }
    CHECK(found);
}

TEST_CASE("a Query request (ELBv2) is answered in the Query protocol's XML, and its errors in ErrorResponse") {
    Lab lab;
    Signing elb;
    elb.service = "elasticloadbalancing";
    Reply r = serve(lab, "Action=DescribeLoadBalancers&Version=2015-12-01", elb);
    CHECK(r.status == 200);
    CHECK(has(r.body, "<DescribeLoadBalancersResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\"><DescribeLoadBalancersResult>"));
    CHECK(has(r.body, "<ResponseMetadata><RequestId>"));
    r = serve(lab, "Action=DescribeLoadBalancers&Version=2015-12-01&Names.member.1=nope", elb);
    CHECK(r.status == 400);
    CHECK(has(r.body, "<ErrorResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\"><Error><Type>Sender</Type><Code>LoadBalancerNotFound</Code>"));
    // An EC2 action signed for ELB is not ELB's.
    r = serve(lab, "Action=DescribeVpcs&Version=2016-11-15", elb);
    CHECK(r.status == 400);
    CHECK(has(r.body, "<Code>NoSuchVersion</Code>"));
}

TEST_CASE("refused requests get AWS's code and status, and change nothing") {
    Lab lab;
    const std::string create = "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.9.0.0%2F16";
    const std::size_t vpcs = lab.state.model->vpcs().size();
    const auto refused = [&](const std::string& body, const Signing& s, int status, const std::string& code) {
        const Reply r = serve(lab, body, s);
        CHECK(r.status == status);
        CHECK_MESSAGE(has(r.body, "<Code>" + code + "</Code>"), r.body);
        CHECK(lab.state.model->vpcs().size() == vpcs);
    };
    Signing s;
    s.secret_key = "another-stacks-secret-another-stacks-sec";
    refused(create, s, 401, "AuthFailure");
    s = {};
    s.key = "AKIAANOTHERSTACKKEY2";
    refused(create, s, 401, "AuthFailure");
    s = {};
    s.sign = false;
    refused(create, s, 400, "MissingAuthenticationToken");
    s = {};
    s.at = now - 16 * 60;  // replayed a quarter of an hour later
    refused(create, s, 400, "RequestExpired");
    s = {};
    s.at = now + 16 * 60;
    refused(create, s, 400, "RequestExpired");
    s = {};
    s.region = "us-east-1";
    refused(create, s, 401, "AuthFailure");
    refused(create + "&DryRun=true", {}, 412, "DryRunOperation");
    refused(create + "&Bogus=1", {}, 400, "UnknownParameter");
    refused(create + "&TagSpecification.1.Tag.1.Key=%FF", {}, 400, "InvalidParameterValue");
    refused("Action=CreateVpc&Version=2016-11-15&CidrBlock=10.9.0.0%2", {}, 400, "MalformedQueryString");
    refused("Action=CreateDhcpOptions&Version=2016-11-15", {}, 400, "UnsupportedOperation");
    refused(create + "&Ipv6CidrBlock=2001%3Adb8%3A%3A%2F56", {}, 400, "UnsupportedOperation");  // AWS's member, not vpclab's
    Signing elb;
    elb.service = "elasticloadbalancing";
    elb.secret_key = "another-stacks-secret-another-stacks-sec";
    refused("Action=DescribeLoadBalancers&Version=2015-12-01", elb, 403, "SignatureDoesNotMatch");
    elb.key = "AKIAANOTHERSTACKKEY2";
    refused("Action=DescribeLoadBalancers&Version=2015-12-01", elb, 403, "InvalidClientTokenId");
    // Not HTTP at all, and a body over the limit (refused before it is read).
    CHECK(aws_api::serve_aws_http_request("hello\r\n\r\n", lab.state, now).rfind("HTTP/1.1 400 ", 0) == 0);
    CHECK(aws_api::refuse_aws_http_request(413, "too large").rfind("HTTP/1.1 413 ", 0) == 0);
}

TEST_CASE("MaxResults and NextToken page a describe call that does not page itself") {
    Lab lab;
    for (int i = 0; i < 3; ++i) serve(lab, "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.9" + std::to_string(i) + ".0.0%2F16");
    const std::size_t total = lab.state.model->vpcs().size();
    REQUIRE(total >= 4);
    std::size_t seen = 0;
    std::string token;
    for (int page = 0; page < 10; ++page) {
        const Reply r = serve(lab, "Action=DescribeVpcs&Version=2016-11-15&MaxResults=2" + (token.empty() ? std::string() : "&NextToken=" + token));
        REQUIRE(r.status == 200);
        for (std::size_t at = r.body.find("<vpcId>"); at != std::string::npos; at = r.body.find("<vpcId>", at + 1)) ++seen;
        const auto t = r.body.find("<nextToken>");
        if (t == std::string::npos) {
            token.clear();
            break;
        }
        token = r.body.substr(t + 11, r.body.find("</nextToken>") - t - 11);
    }
    CHECK(token.empty());
    CHECK(seen == total);
    CHECK(serve(lab, "Action=DescribeVpcs&Version=2016-11-15&MaxResults=two").status == 400);
}

TEST_CASE("CloudWatch Logs speaks JSON 1.1: X-Amz-Target, JSON in and out, errors as __type") {
    Lab lab;
    Signing logs;
    logs.service = "logs";
    logs.target = "Logs_20140328.DescribeLogGroups";
    Reply r = serve(lab, "{\"limit\":5}", logs);
    CHECK(r.status == 200);
    CHECK(nlohmann::json::parse(r.body).contains("logGroups"));
    logs.target = "Logs_20140328.DescribeLogStreams";
    r = serve(lab, "{\"logGroupName\":\"nope\"}", logs);
    CHECK(r.status == 400);
    CHECK(nlohmann::json::parse(r.body) == nlohmann::json{{"__type", "ResourceNotFoundException"}, {"message", "The specified log group does not exist."}});
    const auto code_of = [&](const std::string& body, const Signing& s) {
        const Reply reply = serve(lab, body, s);
        CHECK(reply.status == 400);
        return nlohmann::json::parse(reply.body).value("__type", "");
    };
    logs.target = "Logs_20140328.DescribeLogGroups";
    CHECK(code_of("{\"limit\":\"5\"}", logs) == "InvalidParameterException");  // the model says integer
    CHECK(code_of("{\"bogus\":1}", logs) == "InvalidParameterException");
    CHECK(code_of("[1]", logs) == "SerializationException");
    CHECK(code_of("{\"limit\":", logs) == "SerializationException");
    CHECK(code_of("{\"limit\":" + std::string(100, '[') + std::string(100, ']') + "}", logs) == "SerializationException");
    Signing wrong = logs;
    wrong.target = "Logs_20140328.PutRetentionPolicy";
    CHECK(code_of("{\"logGroupName\":\"x\",\"retentionInDays\":1}", wrong) == "UnsupportedOperation");
    wrong.target = "DynamoDB_20120810.ListTables";
    CHECK(code_of("{}", wrong) == "UnknownOperationException");
    wrong = logs;
    wrong.secret_key = "another-stacks-secret-another-stacks-sec";
    CHECK(code_of("{}", wrong) == "InvalidSignatureException");
    wrong.key = "AKIAANOTHERSTACKKEY2";
    CHECK(code_of("{}", wrong) == "UnrecognizedClientException");
}
