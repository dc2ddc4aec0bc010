// The instance metadata service's answers: the tree of one instance, IMDSv2 tokens (issue, use, expiry,
// another instance's), IMDSv1 allowed or refused, HTTP parsing and errors as the EC2 service gives them.
#include <doctest/doctest.h>

#include "endpoints/instance_metadata.hpp"
#include "instance/base64.hpp"
#include "two_subnet_lab.hpp"

using namespace vpclab;
using namespace vpclab::endpoints;

namespace {

struct Metadata {
    test::TwoSubnetLab lab;
    std::string pub, priv;
    MetadataTokens tokens;
    int made = 0;
    Metadata() {
        pub = lab.launch(lab.pub, {}, true);
        routing::InstanceLaunch l;
        l.interfaces.push_back({0, lab.priv, {}, {}, {}, true});
        l.user_data = instance::base64_encode("#!/bin/bash\necho hi\n");
        l.instance_type = "t3.micro";
        l.image_id = "ami-0abc";
        priv = lab.m.run_instance(l).id;
    }
    HttpResponse ask(const std::string& instance, const std::string& method, const std::string& path,
                     std::map<std::string, std::string> headers = {}, std::int64_t now = 1000) {
        return answer_metadata({method, path, std::move(headers)}, instance_facts(lab.m, lab.m.instance(instance)), tokens, now,
                               [&] { return "token-" + std::to_string(++made); });
    }
    std::string get(const std::string& instance, const std::string& path) {
        const HttpResponse r = ask(instance, "GET", path);
        REQUIRE(r.status == 200);
        return r.body;
    }
};

}  // namespace

TEST_CASE("metadata: each instance's own answers, as the EC2 metadata tree gives them") {
    Metadata md;
    const auto& priv = md.lab.m.instance(md.priv);
    const auto& eni = md.lab.m.network_interface(priv.network_interface_ids.front());
    CHECK(md.get(md.priv, "/latest/meta-data/instance-id") == md.priv);
    CHECK(md.get(md.pub, "/latest/meta-data/instance-id") == md.pub);
    CHECK(md.get(md.priv, "/latest/meta-data/local-ipv4") == "10.10.1.4");
    CHECK(md.get(md.priv, "/latest/meta-data/instance-type") == "t3.micro");
    CHECK(md.get(md.priv, "/latest/meta-data/ami-id") == "ami-0abc");
    CHECK(md.get(md.priv, "/latest/meta-data/mac") == eni.mac.to_string());
    CHECK(md.get(md.priv, "/latest/meta-data/hostname") == "ip-10-10-1-4.ap-northeast-2.compute.internal");
    CHECK(md.get(md.priv, "/latest/meta-data/local-hostname") == "ip-10-10-1-4.ap-northeast-2.compute.internal");
    CHECK(md.get(md.priv, "/latest/meta-data/placement/availability-zone") == "ap-northeast-2c");
    CHECK(md.get(md.priv, "/latest/meta-data/security-groups") == "default");
    CHECK(md.get(md.pub, "/latest/meta-data/public-ipv4") == routing::format_ipv4(*md.lab.m.network_interface(
                                                                  md.lab.m.instance(md.pub).network_interface_ids.front()).public_ip));
    CHECK(md.ask(md.priv, "GET", "/latest/meta-data/public-ipv4").status == 404);  // no public IP: no such entry
    CHECK(md.get(md.priv, "/latest/user-data") == "#!/bin/bash\necho hi\n");
    CHECK(md.ask(md.pub, "GET", "/latest/user-data").status == 404);
    // Listings: a directory's entries, subdirectories with '/'.
    const std::string top = md.get(md.priv, "/latest/meta-data/");
    CHECK(top.find("instance-id\n") != std::string::npos);
    CHECK(top.find("network/\n") != std::string::npos);
    CHECK(top.find("placement/\n") != std::string::npos);
    CHECK(md.get(md.priv, "/latest/meta-data/network/interfaces/macs/") == eni.mac.to_string() + "/");
    const std::string at = "/latest/meta-data/network/interfaces/macs/" + eni.mac.to_string() + "/";
    CHECK(md.get(md.priv, at + "interface-id") == eni.id);
    CHECK(md.get(md.priv, at + "subnet-ipv4-cidr-block") == "10.10.1.0/24");
    CHECK(md.get(md.priv, at + "vpc-id") == md.lab.vpc);
    CHECK(md.get(md.priv, at + "device-number") == "0");
    CHECK(md.get(md.priv, "/latest/dynamic/instance-identity/document").find("\"instanceId\": \"" + md.priv + "\"") != std::string::npos);
    CHECK(md.ask(md.priv, "GET", "/latest/meta-data/public-keys/").status == 404);  // launched without a key
    CHECK(md.ask(md.priv, "GET", "/latest/meta-data/nosuch").status == 404);
    CHECK(md.ask(md.priv, "GET", "/nosuch").status == 404);
    CHECK(md.ask(md.priv, "POST", "/latest/meta-data/").status == 405);
}

TEST_CASE("metadata: IMDSv2 tokens: issued for a TTL to one instance, with the hop limit as IP TTL") {
    Metadata md;
    CHECK(md.ask(md.priv, "PUT", "/latest/api/token").status == 400);  // no TTL header
    CHECK(md.ask(md.priv, "PUT", "/latest/api/token", {{"x-aws-ec2-metadata-token-ttl-seconds", "0"}}).status == 400);
    CHECK(md.ask(md.priv, "PUT", "/latest/api/token", {{"x-aws-ec2-metadata-token-ttl-seconds", "21601"}}).status == 400);
    CHECK(md.ask(md.priv, "PUT", "/latest/api/token", {{"x-aws-ec2-metadata-token-ttl-seconds", "60"}, {"x-forwarded-for", "1.2.3.4"}}).status == 403);
    CHECK(md.tokens.size() == 0);
    const HttpResponse t = md.ask(md.priv, "PUT", "/latest/api/token", {{"x-aws-ec2-metadata-token-ttl-seconds", "60"}}, 1000);
    REQUIRE(t.status == 200);
    CHECK(t.ip_ttl == 1);
    const std::string token = t.body;
    CHECK(md.ask(md.priv, "GET", "/latest/meta-data/instance-id", {{"x-aws-ec2-metadata-token", token}}, 1059).body == md.priv);
    CHECK(md.ask(md.priv, "GET", "/latest/meta-data/instance-id", {{"x-aws-ec2-metadata-token", token}}, 1060).status == 401);  // expired
    CHECK(md.ask(md.pub, "GET", "/latest/meta-data/instance-id", {{"x-aws-ec2-metadata-token", token}}, 1001).status == 401);   // not its token
    CHECK(md.ask(md.priv, "GET", "/latest/meta-data/instance-id", {{"x-aws-ec2-metadata-token", "forged"}}).status == 401);
    const HttpResponse unauthorized = md.ask(md.priv, "GET", "/latest/meta-data/", {{"x-aws-ec2-metadata-token", "forged"}});
    CHECK(unauthorized.content_type == "text/html");
    CHECK(unauthorized.body.find("<title>401 - Unauthorized</title>") != std::string::npos);

    // HttpTokens required: IMDSv1 (no token) is refused, v2 still answers; the hop limit follows the option.
    md.lab.m.modify_metadata_options(md.priv, std::string("required"), 2);
    CHECK(md.ask(md.priv, "GET", "/latest/meta-data/instance-id").status == 401);
    CHECK(md.ask(md.pub, "GET", "/latest/meta-data/instance-id").status == 200);
    const HttpResponse t2 = md.ask(md.priv, "PUT", "/latest/api/token", {{"x-aws-ec2-metadata-token-ttl-seconds", "21600"}});
    CHECK(t2.ip_ttl == 2);
    CHECK(md.ask(md.priv, "GET", "/latest/meta-data/instance-id", {{"x-aws-ec2-metadata-token", t2.body}}).body == md.priv);
    CHECK_THROWS_AS(md.lab.m.modify_metadata_options(md.priv, std::string("sometimes"), {}), routing::ApiError);
    CHECK_THROWS_AS(md.lab.m.modify_metadata_options(md.priv, {}, 65), routing::ApiError);
    CHECK(md.lab.m.instance(md.priv).metadata_hop_limit == 2);  // a refused change changed nothing
}

TEST_CASE("metadata: the token table is bounded, per instance and in all, the oldest going first") {
    MetadataTokens tokens;
    tokens.issue("other", "i-2", 100);
    for (std::size_t i = 0; i <= MetadataTokens::per_instance; ++i) tokens.issue("t" + std::to_string(i), "i-1", 100);
    CHECK(tokens.size() == MetadataTokens::per_instance + 1);
    CHECK_FALSE(tokens.valid("t0", "i-1", 1));  // i-1's oldest made room for its newest
    CHECK(tokens.valid("t1", "i-1", 1));
    CHECK(tokens.valid("other", "i-2", 1));    // another instance's token survives a flood
    for (std::size_t i = 0; tokens.size() < MetadataTokens::capacity; ++i) tokens.issue("x" + std::to_string(i), "i-" + std::to_string(10 + i), 100);
    tokens.issue("last", "i-9999", 100);
    CHECK(tokens.size() == MetadataTokens::capacity);
    CHECK_FALSE(tokens.valid("other", "i-2", 1));  // full: the oldest of all went
    CHECK(tokens.valid("last", "i-9999", 1));
}

TEST_CASE("metadata: HTTP requests parsed as curl sends them; responses as the EC2 service sends them") {
    const auto r = parse_http_request("GET /latest/meta-data/?x=1 HTTP/1.1\r\nHost: 169.254.169.254\r\nX-aws-ec2-metadata-token: abc \r\n");
    REQUIRE(r);
    CHECK(r->method == "GET");
    CHECK(r->path == "/latest/meta-data/");
    CHECK(r->headers.at("x-aws-ec2-metadata-token") == "abc");
    CHECK_FALSE(parse_http_request("GET /x SPDY/3\r\n"));
    CHECK_FALSE(parse_http_request("GET x HTTP/1.1\r\n"));
    CHECK_FALSE(parse_http_request("GET / HTTP/1.1\r\nno colon here\r\n"));
    CHECK_FALSE(parse_http_request(""));
    HttpResponse ok;
    ok.body = "i-1";
    CHECK(render_http(ok) == "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\nServer: EC2ws\r\n\r\ni-1");
}

TEST_CASE("metadata: an instance launched with a key pair lists it under public-keys, as EC2 does") {
    Metadata md;
    routing::KeyPair key;
    key.key_name = "sandbox-jh";
    key.public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBSIFJqju2RnlkS70sErstHXQWP43Eer1v6fP1xt90N3 sandbox-jh";
    md.lab.m.create_key_pair("", key);
    routing::InstanceLaunch l;
    l.interfaces.push_back({0, md.lab.pub, {}, {}, {}, true});
    l.key_name = "sandbox-jh";
    const std::string id = md.lab.m.run_instance(l).id;
    CHECK(md.get(id, "/latest/meta-data/public-keys/") == "0=sandbox-jh");
    CHECK(md.get(id, "/latest/meta-data/public-keys/0/") == "openssh-key");
    CHECK(md.get(id, "/latest/meta-data/public-keys/0/openssh-key") == key.public_key);
    CHECK(md.get(id, "/latest/meta-data/").find("public-keys/") != std::string::npos);
}
