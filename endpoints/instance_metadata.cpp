// The instance metadata service's answers: the tree, IMDSv2 tokens, and HTTP as the EC2 service speaks it.
#include "endpoints/instance_metadata.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

#include "endpoints/dns_zone.hpp"
#include "endpoints/http_reason_phrase.hpp"
#include "instance/base64.hpp"
#include "routing/aws_account.hpp"
#include "routing/ipv4_cidr.hpp"

namespace vpclab::endpoints {

namespace {

constexpr const char* owner_id = routing::lab_account_id;

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return std::string(s);
}

// The error page the EC2 metadata service sends (an XHTML document naming the status).
HttpResponse error_page(int status) {
    HttpResponse r;
    r.status = status;
    r.content_type = "text/html";
    const std::string title = std::to_string(status) + " - " + http_reason_phrase(status);
    r.body = "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n"
             "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"\n"
             "\t\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n"
             "<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n"
             " <head>\n  <title>" + title + "</title>\n </head>\n <body>\n  <h1>" + title + "</h1>\n </body>\n</html>\n";
    return r;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : "\n") + i;
    return out;
}

// A directory's listing: the next path segment of every leaf below it, with "/" after the ones that are
// directories themselves (as IMDS lists "network/").
std::optional<std::string> listing(const std::map<std::string, std::string>& tree, const std::string& dir) {
    const std::string prefix = dir.empty() ? "" : dir + "/";
    std::vector<std::string> names;
    std::set<std::string> seen;
    for (auto it = tree.lower_bound(prefix); it != tree.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
        const std::string rest = it->first.substr(prefix.size());
        const auto slash = rest.find('/');
        const std::string name = slash == std::string::npos ? rest : rest.substr(0, slash + 1);
        if (seen.insert(name).second) names.push_back(name);
    }
    if (names.empty()) return std::nullopt;
    return join(names);
}

std::optional<long> ttl_seconds(const std::string& text) {
    if (text.empty() || text.size() > 6 || !std::all_of(text.begin(), text.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
        return std::nullopt;
    const long n = std::stol(text);
    if (n < 1 || n > 21600) return std::nullopt;  // "between 1 second and 21,600 seconds (six hours)"
    return n;
}

}  // namespace

std::optional<HttpRequest> parse_http_request(std::string_view head) {
    HttpRequest r;
    const auto line_end = head.find("\r\n");
    const std::string_view line = head.substr(0, line_end);
    const auto sp1 = line.find(' ');
    const auto sp2 = line.rfind(' ');
    if (sp1 == std::string_view::npos || sp2 == sp1) return std::nullopt;
    r.method = std::string(line.substr(0, sp1));
    r.path = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
    const std::string_view version = line.substr(sp2 + 1);
    if ((version != "HTTP/1.1" && version != "HTTP/1.0") || r.path.empty() || r.path[0] != '/') return std::nullopt;
    if (const auto q = r.path.find('?'); q != std::string::npos) r.path.resize(q);
    std::size_t at = line_end == std::string_view::npos ? head.size() : line_end + 2;
    while (at < head.size()) {
        auto end = head.find("\r\n", at);
        if (end == std::string_view::npos) end = head.size();
        const std::string_view header = head.substr(at, end - at);
        at = end + 2;
        if (header.empty()) break;
        const auto colon = header.find(':');
        if (colon == std::string_view::npos || colon == 0) return std::nullopt;
        r.headers[lower(std::string(header.substr(0, colon)))] = trim(header.substr(colon + 1));
    }
    return r;
}

std::string render_http(const HttpResponse& response) {
    std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " + http_reason_phrase(response.status) + "\r\n";
    out += "Content-Type: " + response.content_type + "\r\n";
    out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
    for (const auto& [k, v] : response.headers) out += k + ": " + v + "\r\n";
    out += "Connection: close\r\nServer: EC2ws\r\n\r\n";
    return out + response.body;
}

InstanceFacts instance_facts(const routing::VpcModel& model, const routing::Instance& instance) {
    InstanceFacts f;
    f.instance_id = instance.id;
    f.instance_type = instance.instance_type;
    f.ami_id = instance.image_id;
    f.region = model.region();
    f.availability_zone = instance.availability_zone;
    f.launch_time = instance.launch_time;
    if (!instance.user_data.empty()) f.user_data = instance::base64_decode(instance.user_data);
    f.tokens_required = instance.metadata_http_tokens == "required";
    f.key_name = instance.key_name;
    f.public_key = instance.public_key;
    f.hop_limit = instance.metadata_hop_limit;
    for (const auto& eni_id : instance.network_interface_ids) {
        const auto& eni = model.network_interface(eni_id);
        const auto& subnet = model.subnet(eni.subnet_id);
        const auto& vpc = model.vpc(eni.vpc_id);
        InterfaceFacts i;
        i.mac = eni.mac.to_string();
        i.interface_id = eni.id;
        i.device_number = eni.device_index;
        i.subnet_id = subnet.id;
        i.vpc_id = vpc.id;
        i.subnet_cidr = subnet.cidr.to_string();
        i.vpc_cidr = vpc.cidr.to_string();
        i.local_ipv4 = routing::format_ipv4(eni.private_ip);
        i.local_hostname = private_dns_name(eni.private_ip, model.region());
        if (eni.public_ip) {
            i.public_ipv4 = routing::format_ipv4(*eni.public_ip);
            // A public DNS name only with enableDnsHostnames (VPC User Guide, "DNS attributes for your VPC").
            if (vpc.enable_dns_hostnames) i.public_hostname = public_dns_name(*eni.public_ip, model.region());
        }
        for (const auto& sg : eni.security_group_ids) {
            i.security_group_ids.push_back(sg);
            i.security_group_names.push_back(model.security_group(sg).group_name);
        }
        f.interfaces.push_back(std::move(i));
    }
    std::sort(f.interfaces.begin(), f.interfaces.end(), [](const auto& a, const auto& b) { return a.device_number < b.device_number; });
    return f;
}

std::map<std::string, std::string> metadata_tree(const InstanceFacts& f) {
    std::map<std::string, std::string> t;
    const std::string md = "meta-data/";
    t[md + "ami-id"] = f.ami_id;
    t[md + "instance-id"] = f.instance_id;
    t[md + "instance-type"] = f.instance_type;
    t[md + "placement/availability-zone"] = f.availability_zone;
    t[md + "placement/region"] = f.region;
    if (!f.public_key.empty()) t[md + "public-keys/0/openssh-key"] = f.public_key;
    t[md + "services/domain"] = "amazonaws.com";
    t[md + "services/partition"] = "aws";
    if (!f.interfaces.empty()) {
        // The instance's own answers are its primary interface's (eth0).
        const InterfaceFacts& eth0 = f.interfaces.front();
        t[md + "mac"] = eth0.mac;
        t[md + "local-ipv4"] = eth0.local_ipv4;
        t[md + "hostname"] = eth0.local_hostname;
        t[md + "local-hostname"] = eth0.local_hostname;
        if (!eth0.public_ipv4.empty()) t[md + "public-ipv4"] = eth0.public_ipv4;
        if (!eth0.public_hostname.empty()) t[md + "public-hostname"] = eth0.public_hostname;
        t[md + "security-groups"] = join(eth0.security_group_names);
    }
    for (const auto& i : f.interfaces) {
        const std::string at = md + "network/interfaces/macs/" + i.mac + "/";
        t[at + "device-number"] = std::to_string(i.device_number);
        t[at + "interface-id"] = i.interface_id;
        t[at + "local-hostname"] = i.local_hostname;
        t[at + "local-ipv4s"] = i.local_ipv4;
        t[at + "mac"] = i.mac;
        t[at + "owner-id"] = owner_id;
        if (!i.public_ipv4.empty()) t[at + "public-ipv4s"] = i.public_ipv4;
        if (!i.public_hostname.empty()) t[at + "public-hostname"] = i.public_hostname;
        t[at + "security-group-ids"] = join(i.security_group_ids);
        t[at + "security-groups"] = join(i.security_group_names);
        t[at + "subnet-id"] = i.subnet_id;
        t[at + "subnet-ipv4-cidr-block"] = i.subnet_cidr;
        t[at + "vpc-id"] = i.vpc_id;
        t[at + "vpc-ipv4-cidr-block"] = i.vpc_cidr;
        t[at + "vpc-ipv4-cidr-blocks"] = i.vpc_cidr;
    }
    nlohmann::ordered_json document{{"accountId", owner_id}, {"architecture", "x86_64"}, {"availabilityZone", f.availability_zone},
                                    {"imageId", f.ami_id}, {"instanceId", f.instance_id}, {"instanceType", f.instance_type}};
    if (!f.launch_time.empty()) document["pendingTime"] = f.launch_time;
    document["privateIp"] = f.interfaces.empty() ? "" : f.interfaces.front().local_ipv4;
    document["region"] = f.region;
    document["version"] = "2017-09-30";
    t["dynamic/instance-identity/document"] = document.dump(2);
    if (f.user_data) t["user-data"] = *f.user_data;
    return t;
}

void MetadataTokens::issue(const std::string& token, const std::string& instance_id, std::int64_t expires_at) {
    const auto own = std::count_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.instance_id == instance_id; });
    if (static_cast<std::size_t>(own) >= per_instance)
        entries_.erase(std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.instance_id == instance_id; }));
    else if (entries_.size() >= capacity)
        entries_.erase(entries_.begin());
    entries_.push_back({token, instance_id, expires_at});
}

bool MetadataTokens::valid(const std::string& token, const std::string& instance_id, std::int64_t now) const {
    for (const auto& e : entries_)
        if (e.token == token) return e.instance_id == instance_id && now < e.expires_at;
    return false;
}

HttpResponse answer_metadata(const HttpRequest& request, const InstanceFacts& facts, MetadataTokens& tokens, std::int64_t now,
                             const std::function<std::string()>& new_token) {
    auto header = [&](const char* name) -> const std::string* {
        auto it = request.headers.find(name);
        return it == request.headers.end() ? nullptr : &it->second;
    };
    if (request.method == "PUT") {
        if (request.path != "/latest/api/token") return error_page(405);
        // A PUT that went through a proxy is refused (User Guide, "How Instance Metadata Service Version 2 works").
        if (header("x-forwarded-for")) return error_page(403);
        const std::string* ttl_text = header("x-aws-ec2-metadata-token-ttl-seconds");
        const auto ttl = ttl_text ? ttl_seconds(*ttl_text) : std::nullopt;
        if (!ttl) return error_page(400);
        HttpResponse r;
        r.body = new_token();
        tokens.issue(r.body, facts.instance_id, now + *ttl);
        r.headers.emplace_back("X-Aws-Ec2-Metadata-Token-Ttl-Seconds", std::to_string(*ttl));
        // The token's reply carries the hop limit as its IP TTL: a container one hop further gets none.
        r.ip_ttl = facts.hop_limit;
        return r;
    }
    if (request.method != "GET" && request.method != "HEAD") return error_page(405);
    if (const std::string* token = header("x-aws-ec2-metadata-token")) {
        if (!tokens.valid(*token, facts.instance_id, now)) return error_page(401);
    } else if (facts.tokens_required) {
        return error_page(401);  // HttpTokens required: IMDSv1 is off
    }
    const auto tree = metadata_tree(facts);
    std::string path = request.path;
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    HttpResponse r;
    if (path == "/") {
        r.body = "latest";
    } else if (path.rfind("/latest", 0) == 0 && (path.size() == 7 || path[7] == '/')) {
        const std::string inner = path.size() > 8 ? path.substr(8) : "";
        // public-keys/ lists "0=<key name>" (its entry is 0/): EC2's own form for this one directory.
        if (inner == "meta-data/public-keys" && !facts.public_key.empty()) r.body = "0=" + facts.key_name;
        else if (auto leaf = tree.find(inner); leaf != tree.end()) r.body = leaf->second;
        else if (auto dir = listing(tree, inner)) r.body = *dir;
        else return error_page(404);
    } else {
        return error_page(404);
    }
    if (request.method == "HEAD") r.body.clear();
    return r;
}

}  // namespace vpclab::endpoints
