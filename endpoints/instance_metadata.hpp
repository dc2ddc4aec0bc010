// The instance metadata service at 169.254.169.254 (EC2 User Guide, "Access instance metadata for an EC2
// instance"; "Use the Instance Metadata Service to access instance metadata"): an instance's facts as the
// metadata tree, IMDSv2's session tokens, and the answer to one HTTP request. Pure: no sockets, no clock.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "routing/vpc_model.hpp"

namespace vpclab::endpoints {

struct HttpRequest {
    std::string method, path;
    std::map<std::string, std::string> headers;  // names in lower case
};
// The request head (request line and headers, up to and without the blank line); nullopt unless it is
// HTTP/1.0 or 1.1 with a path starting with '/'.
std::optional<HttpRequest> parse_http_request(std::string_view head);

struct HttpResponse {
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // beyond Content-Type, Content-Length, Server
    std::string content_type = "text/plain";
    int ip_ttl = 0;  // the reply's IP TTL (the token's hop limit); 0: the system's
};
// The response as bytes, as the EC2 metadata service sends it ("Server: EC2ws"; the connection closes).
std::string render_http(const HttpResponse& response);

// What the metadata tree tells about an instance, read from the model.
struct InterfaceFacts {
    std::string mac, interface_id, subnet_id, vpc_id, subnet_cidr, vpc_cidr, local_hostname, local_ipv4, public_ipv4, public_hostname;
    int device_number = 0;
    std::vector<std::string> security_group_ids, security_group_names;
};
struct InstanceFacts {
    std::string instance_id, instance_type, ami_id, region, availability_zone, launch_time;
    std::optional<std::string> user_data;  // decoded; nullopt: the instance has none
    std::string key_name, public_key;      // its key pair's, as launched (empty: none)
    bool tokens_required = false;          // MetadataOptions.HttpTokens = required: IMDSv2 only
    int hop_limit = 1;                     // MetadataOptions.HttpPutResponseHopLimit
    std::vector<InterfaceFacts> interfaces;  // eth0 first: the instance's own answers are eth0's
};
InstanceFacts instance_facts(const routing::VpcModel& model, const routing::Instance& instance);

// The metadata tree of an instance: every leaf by its path under /latest/ ("meta-data/instance-id").
std::map<std::string, std::string> metadata_tree(const InstanceFacts& facts);

// IMDSv2's session tokens: issued to one instance for 1 to 21600 s; at most `per_instance` live for one
// instance and `capacity` in all, the oldest going first (an instance asking for thousands of tokens
// evicts only its own).
class MetadataTokens {
public:
    static constexpr std::size_t capacity = 4096, per_instance = 64;
    void issue(const std::string& token, const std::string& instance_id, std::int64_t expires_at);
    bool valid(const std::string& token, const std::string& instance_id, std::int64_t now) const;
    std::size_t size() const { return entries_.size(); }

private:
    struct Entry {
        std::string token, instance_id;
        std::int64_t expires_at;
    };
    std::vector<Entry> entries_;  // oldest first
};

// The answer to one request from the instance `facts` describes, at time `now` (seconds). `new_token`
// makes a fresh random token.
HttpResponse answer_metadata(const HttpRequest& request, const InstanceFacts& facts, MetadataTokens& tokens, std::int64_t now,
                             const std::function<std::string()>& new_token);

}  // namespace vpclab::endpoints
