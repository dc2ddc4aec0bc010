// Template loading: parameters, dependency order, and the handlers that turn resources into model calls.
#include "router/template/template_loader.hpp"

#include <algorithm>
#include <functional>
#include <set>

#include <climits>

#include "endpoints/dns_zone.hpp"
#include "router/lab/lab_network.hpp"
#include "tap/network_namespace.hpp"
#include "router/template/intrinsics.hpp"
#include "router/template/template_error.hpp"
#include "router/template/template_node.hpp"

namespace vpclab::cfn {

namespace {

using routing::ApiError;
using routing::VpcModel;

constexpr const char* account_id = "123456789012";

// Characters (code points) of UTF-8 text, as AWS counts lengths of tags and names.
std::size_t utf8_length(const std::string& s) {
    std::size_t n = 0;
    for (const unsigned char c : s) n += (c & 0xc0) != 0x80;
    return n;
}

// A resource's evaluated Properties, with bookkeeping of which keys a handler used.
class Properties {
public:
    Properties(Node resolved, std::string file, std::string label, int resource_line)
        : node_(std::move(resolved)), file_(std::move(file)), label_(std::move(label)), resource_line_(resource_line) {}

    const Node* get(const std::string& key) {
        used_.insert(key);
        return node_.is_map() ? node_.find(key) : nullptr;
    }

    [[noreturn]] void fail(const std::string& property, const std::string& message) const {
        const Located at = locate(property);
        throw TemplateError(file_, at.line, label_, at.path, message);
    }
    [[noreturn]] void fail_at(const Node& n, const std::string& property, const std::string& message) const {
        throw TemplateError(file_, n.where(), label_, property, message);
    }
    int line_of(const std::string& property) const { return locate(property).line; }

    // Where a property is: a top-level key, else the first nested key of that name (e.g. PrivateIpAddress
    // inside NetworkInterfaces), with its dotted path; else the resource itself.
    struct Located {
        int line;
        std::string path;
    };
    Located locate(const std::string& property) const {
        if (const Node* n = node_.is_map() ? node_.find(property) : nullptr) return {n->where(), property};
        Located found{resource_line_, property};
        std::function<bool(const Node&, const std::string&)> search = [&](const Node& n, const std::string& prefix) {
            for (const auto& [k, v] : n.entries) {
                const std::string path = prefix.empty() ? k : prefix + "." + k;
                if (k == property) {
                    found = {v.where(), path};
                    return true;
                }
                if (search(v, path)) return true;
            }
            for (const auto& item : n.items)
                if (search(item, prefix)) return true;
            return false;
        };
        search(node_, "");
        return found;
    }
    std::string string_of(const Node& n, const std::string& property) const {
        if (!n.is_scalar()) fail_at(n, property, "expected a string");
        return n.scalar;
    }
    std::string string(const std::string& key, bool required) {
        const Node* n = get(key);
        if (!n || n->is_null()) {
            if (required) fail(key, "is required");
            return {};
        }
        return string_of(*n, key);
    }
    bool boolean_of(const Node& n, const std::string& property) const {
        std::string s = string_of(n, property);
        std::transform(s.begin(), s.end(), s.begin(), ::tolower);
        if (s == "true") return true;
        if (s == "false") return false;
        fail_at(n, property, "expected true or false, got '" + n.scalar + "'");
    }
    std::optional<bool> boolean(const std::string& key) {
        const Node* n = get(key);
        if (!n || n->is_null()) return std::nullopt;
        return boolean_of(*n, key);
    }
    int integer_of(const Node& n, const std::string& property) const {
        const std::string s = string_of(n, property);
        try {
            std::size_t used = 0;
            const int v = std::stoi(s, &used);
            if (used == s.size()) return v;
        } catch (const std::logic_error&) {
        }
        fail_at(n, property, "expected a whole number, got '" + s + "'");
    }
    std::vector<std::string> strings(const std::string& key) {
        const Node* n = get(key);
        if (!n || n->is_null()) return {};
        if (!n->is_list()) fail(key, "expected a list");
        std::vector<std::string> out;
        for (const auto& item : n->items) out.push_back(string_of(item, key));
        return out;
    }
    std::vector<routing::Tag> tags() {
        const Node* n = get("Tags");
        std::vector<routing::Tag> out;
        if (!n || n->is_null()) return out;
        if (!n->is_list()) fail("Tags", "expected a list of {Key, Value}");
        for (const auto& t : n->items) {
            const Node* k = t.is_map() ? t.find("Key") : nullptr;
            const Node* v = t.is_map() ? t.find("Value") : nullptr;
            if (!k || !v) fail("Tags", "each tag needs Key and Value");
            routing::Tag tag{string_of(*k, "Tags"), string_of(*v, "Tags")};
            // EC2 User Guide, "Tag restrictions": keys of 1 to 128 characters not starting with "aws:",
            // values of at most 256 characters.
            if (tag.key.empty() || utf8_length(tag.key) > 128)
                fail_at(*k, "Tags", "a tag key must be 1 to 128 characters (InvalidParameterValue)");
            if (tag.key.rfind("aws:", 0) == 0) fail_at(*k, "Tags", "tag keys starting with 'aws:' are reserved for AWS (InvalidParameterValue)");
            if (utf8_length(tag.value) > 256)
                fail_at(*v, "Tags", "the value of tag " + tag.key + " is " + std::to_string(utf8_length(tag.value)) +
                                        " characters; at most 256 are allowed (InvalidParameterValue)");
            out.push_back(std::move(tag));
        }
        return out;
    }
    std::vector<std::string> unused_keys() const {
        std::vector<std::string> out;
        if (node_.is_map())
            for (const auto& [k, v] : node_.entries)
                if (!used_.count(k)) out.push_back(k);
        return out;
    }
    const Node& node() const { return node_; }

private:
    Node node_;
    std::string file_, label_;
    int resource_line_;
    std::set<std::string> used_;
};

struct ResourceEntry {
    std::string logical_id, type;
    const Node* definition = nullptr;
    int line = 0;
    std::map<std::string, Node> attributes;  // "Ref" and Fn::GetAtt values, set once created
    bool created = false;
};

class Loader {
public:
    Loader(const std::string& text, const LoadOptions& options)
        : options_(options), root_(parse_template_text(text, options.file_name)) {}

    LoadedLab run() {
        if (!root_.is_map()) fail(root_.line, "", "", "a template must be a map with a Resources section");
        check_sections();
        read_parameters();
        read_resources();
        lab_.model = std::make_unique<VpcModel>(options_.stack_name, options_.region, options_.public_ips);
        for (ResourceEntry* r : creation_order()) create(*r);
        check_namespace_names();
        if (options_.strict && !lab_.unsupported.empty()) {
            std::string all;
            for (const auto& u : lab_.unsupported) all += "\n  - " + u;
            fail(0, "", "", "--strict: the template uses what vpclab does not support:" + all);
        }
        return std::move(lab_);
    }

private:
    [[noreturn]] void fail(int line, const std::string& resource, const std::string& property, const std::string& msg) const {
        throw TemplateError(options_.file_name, line, resource, property, msg);
    }
    static std::string label(const ResourceEntry& r) { return r.logical_id + " (" + r.type + ")"; }
    void unsupported(int line, const std::string& what) {
        lab_.unsupported.push_back(options_.file_name + ":" + std::to_string(line) + ": " + what);
    }

    void check_sections() {
        static const std::set<std::string> known = {"AWSTemplateFormatVersion", "Description", "Metadata",
                                                    "Parameters", "Resources", "Outputs"};
        for (const auto& [key, value] : root_.entries) {
            if (key == "Mappings" || key == "Conditions" || key == "Transform" || key == "Rules")
                unsupported(value.where(), "section " + key + " is not supported and was ignored");
            else if (!known.count(key))
                fail(value.where(), "", "", "unknown top-level section '" + key + "'");
        }
    }

    void read_parameters() {
        for (const auto& [name, value] : options_.parameters)
            if (!root_.find("Parameters") || !root_.find("Parameters")->find(name))
                fail(0, "", "", "--parameter " + name + ": the template declares no such parameter");
        const Node* params = root_.find("Parameters");
        if (!params || params->is_null()) return;
        if (!params->is_map()) fail(params->line, "", "", "Parameters must be a map");
        for (const auto& [name, decl] : params->entries) {
            const Node* type_node = decl.find("Type");
            if (!type_node || !type_node->is_scalar()) fail(decl.where(), "", "", "parameter " + name + " needs a Type");
            const std::string type = type_node->scalar;
            std::optional<std::string> raw;
            if (auto it = options_.parameters.find(name); it != options_.parameters.end()) raw = it->second;
            else if (const Node* d = decl.find("Default"); d && d->is_scalar()) raw = d->scalar;

            if (raw) {
                if (const Node* allowed = decl.find("AllowedValues"); allowed && allowed->is_list()) {
                    bool ok = false;
                    for (const auto& a : allowed->items) ok = ok || (a.is_scalar() && a.scalar == *raw);
                    if (!ok) fail(decl.where(), "", "", "parameter " + name + ": '" + *raw + "' is not one of its AllowedValues");
                }
            }
            Node value;
            if (type.rfind("AWS::SSM::Parameter::Value<", 0) == 0) {
                // An SSM parameter (e.g. the latest AMI): there is no SSM here; stand in a stable value.
                const std::string key = raw.value_or(name);
                value = Node::make_scalar(type.find("Image::Id") != std::string::npos ? routing::ResourceIds("ssm").make("ami", key) : key, decl.line);
            } else if (type == "AWS::EC2::KeyPair::KeyName") {
                // Key pairs do not exist in the lab (`vpclab shell` needs none); any name is accepted.
                value = Node::make_scalar(raw.value_or("vpclab-" + name), decl.line);
            } else if (!raw) {
                fail(decl.where(), "", "", "parameter " + name + " has no Default: pass --parameter " + name + "=VALUE");
            } else if (type.rfind("List<", 0) == 0 || type == "CommaDelimitedList") {
                value.kind = Node::Kind::list;
                value.line = decl.line;
                std::size_t start = 0;
                while (true) {
                    const auto comma = raw->find(',', start);
                    value.items.push_back(Node::make_scalar(raw->substr(start, comma - start), decl.line));
                    if (comma == std::string::npos) break;
                    start = comma + 1;
                }
            } else {
                value = Node::make_scalar(*raw, decl.line);
            }
            parameters_[name] = value;
        }
    }

    void read_resources() {
        const Node* resources = root_.find("Resources");
        if (!resources || !resources->is_map() || resources->entries.empty())
            fail(resources ? resources->line : root_.line, "", "", "the template has no Resources");
        for (const auto& [logical_id, def] : resources->entries) {
            if (parameters_.count(logical_id)) fail(def.line, logical_id, "", "a resource and a parameter share this name");
            // CloudFormation User Guide, "Resources": a logical ID is alphanumeric (A-Za-z0-9).
            if (logical_id.empty() || logical_id.size() > 255 ||
                !std::all_of(logical_id.begin(), logical_id.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); }))
                fail(def.where(), logical_id, "", "a logical ID must be 1 to 255 letters and digits (A-Za-z0-9)");
            if (!def.is_map()) fail(def.line, logical_id, "", "a resource must be a map with Type and Properties");
            const Node* type = def.find("Type");
            if (!type || !type->is_scalar()) fail(def.line, logical_id, "Type", "is required");
            for (const auto& [key, value] : def.entries) {
                static const std::set<std::string> attrs = {"Type", "Properties", "DependsOn", "Metadata", "DeletionPolicy",
                                                            "UpdateReplacePolicy", "CreationPolicy", "UpdatePolicy"};
                if (key == "Condition") unsupported(value.where(), "resource " + logical_id + ": Condition is not supported; the resource is always created");
                else if (!attrs.count(key)) fail(value.where(), logical_id, "", "unknown resource attribute '" + key + "'");
            }
            resources_.push_back(ResourceEntry{logical_id, type->scalar, &def, def.where(), {}, false});
        }
    }

    ResourceEntry* find_resource(const std::string& id) {
        for (auto& r : resources_)
            if (r.logical_id == id) return &r;
        return nullptr;
    }

    // Resources in an order where each comes after what it refers to (Ref, GetAtt, Sub, DependsOn);
    // ties keep template order so that IDs and addresses are stable.
    std::vector<ResourceEntry*> creation_order() {
        std::map<std::string, std::vector<std::string>> deps;
        for (auto& r : resources_) {
            std::map<std::string, int> names;
            if (const Node* props = r.definition->find("Properties")) collect_references(*props, names);
            for (const auto& [n, line] : names) {
                if (find_resource(n)) deps[r.logical_id].push_back(n);
                else if (!parameters_.count(n) && n.rfind("AWS::", 0) != 0)
                    fail(line, label(r), "", "refers to '" + n + "', which is not a parameter, resource or pseudo parameter");
            }
            if (const Node* d = r.definition->find("DependsOn")) {
                std::vector<const Node*> list;
                if (d->is_scalar()) list.push_back(d);
                for (const auto& item : d->items) list.push_back(&item);
                for (const Node* item : list) {
                    if (!item->is_scalar() || !find_resource(item->scalar))
                        fail(item->where(), label(r), "DependsOn", "'" + item->scalar + "' is not a resource of this template");
                    deps[r.logical_id].push_back(item->scalar);
                }
            }
        }
        std::vector<ResourceEntry*> order;
        std::map<std::string, int> state;  // 0 new, 1 visiting, 2 done
        std::function<void(ResourceEntry&)> visit = [&](ResourceEntry& r) {
            if (state[r.logical_id] == 2) return;
            if (state[r.logical_id] == 1) fail(r.line, label(r), "", "circular dependency between resources");
            state[r.logical_id] = 1;
            for (const auto& d : deps[r.logical_id]) visit(*find_resource(d));
            state[r.logical_id] = 2;
            order.push_back(&r);
        };
        for (auto& r : resources_) visit(r);
        return order;
    }

    // Each instance's name becomes a namespace name, a file under /run/netns and /etc/netns, as `vpclab up`
    // will lay them out (duplicate names fall back to the logical ID): refuse what cannot be one.
    void check_namespace_names() const {
        for (const auto& planned : router::LabPlan::of(*lab_.model).instances) {
            if (tap::valid_netns_name(planned.netns)) continue;
            const InstanceSite& at = instance_sites_.at(planned.instance_id);
            fail(at.line, at.label, at.tags ? "Tags" : "",
                 "the instance's namespace would be named '" + planned.netns.substr(0, 40) + "…' (" + std::to_string(planned.netns.size()) +
                     " bytes); a namespace name is at most " + std::to_string(NAME_MAX) + " bytes: shorten the " +
                     (at.tags ? "Name tag" : "logical ID") + " or the stack name");
        }
    }

    EvalContext context_for(const ResourceEntry& r) {
        EvalContext ctx;
        ctx.file = options_.file_name;
        ctx.resource = label(r);
        ctx.region = options_.region;
        ctx.ref = [this](const std::string& name) -> std::optional<Node> {
            if (auto it = parameters_.find(name); it != parameters_.end()) return it->second;
            if (name == "AWS::Region") return Node::make_scalar(options_.region, 0);
            if (name == "AWS::StackName") return Node::make_scalar(options_.stack_name, 0);
            if (name == "AWS::AccountId") return Node::make_scalar(account_id, 0);
            if (name == "AWS::Partition") return Node::make_scalar("aws", 0);
            if (name == "AWS::URLSuffix") return Node::make_scalar("amazonaws.com", 0);
            if (name == "AWS::StackId")
                return Node::make_scalar(lab_.model->stack_id(), 0);
            if (name == "AWS::NoValue") {
                Node n;
                n.scalar = "AWS::NoValue";
                return n;
            }
            if (ResourceEntry* res = find_resource(name)) return res->attributes.at("Ref");
            return std::nullopt;
        };
        ctx.get_att = [this, label = label(r)](const std::string& resource, const std::string& attribute, int line) -> Node {
            ResourceEntry* res = find_resource(resource);
            if (!res) fail(line, label, "", "Fn::GetAtt: no resource named '" + resource + "'");
            auto it = res->attributes.find(attribute);
            if (it == res->attributes.end() || attribute == "Ref") {
                std::string known;
                for (const auto& [k, v] : res->attributes)
                    if (k != "Ref") known += (known.empty() ? "" : ", ") + k;
                fail(line, label, "", "Fn::GetAtt: " + res->logical_id + " (" + res->type + ") has no attribute '" + attribute + "'" + (known.empty() ? "" : " (it has: " + known + ")"));
            }
            return it->second;
        };
        return ctx;
    }

    void create(ResourceEntry& r) {
        const Node* raw_props = r.definition->find("Properties");
        Node resolved = raw_props ? evaluate(*raw_props, context_for(r), "") : Node{};
        if (!resolved.is_null() && !resolved.is_map()) fail(resolved.line, label(r), "Properties", "must be a map");
        Properties props(std::move(resolved), options_.file_name, label(r), r.line);
        auto set_ref = [&](const std::string& v) { r.attributes["Ref"] = Node::make_scalar(v, r.line); };
        auto set_att = [&](const std::string& k, const std::string& v) { r.attributes[k] = Node::make_scalar(v, r.line); };
        VpcModel& m = *lab_.model;
        try {
            if (r.type == "AWS::EC2::VPC") {
                const auto& v = m.create_vpc(r.logical_id, props.string("CidrBlock", true), props.tags());
                m.modify_vpc_attribute(v.id, props.boolean("EnableDnsSupport"), props.boolean("EnableDnsHostnames"));
                if (props.string("InstanceTenancy", false) == "dedicated")
                    unsupported(props.line_of("InstanceTenancy"), label(r) + ": InstanceTenancy dedicated has no effect in the lab");
                set_ref(v.id);
                set_att("VpcId", v.id);
                set_att("CidrBlock", v.cidr.to_string());
                set_att("DefaultSecurityGroup", v.default_security_group_id);
            } else if (r.type == "AWS::EC2::Subnet") {
                const auto& s = m.create_subnet(r.logical_id, props.string("VpcId", true), props.string("CidrBlock", true),
                                                props.string("AvailabilityZone", false),
                                                props.boolean("MapPublicIpOnLaunch").value_or(false), props.tags());
                set_ref(s.id);
                set_att("SubnetId", s.id);
                set_att("VpcId", s.vpc_id);
                set_att("AvailabilityZone", s.availability_zone);
                set_att("CidrBlock", s.cidr.to_string());
            } else if (r.type == "AWS::EC2::RouteTable") {
                const auto& t = m.create_route_table(r.logical_id, props.string("VpcId", true), props.tags());
                set_ref(t.id);
                set_att("RouteTableId", t.id);
            } else if (r.type == "AWS::EC2::SubnetRouteTableAssociation") {
                m.associate_route_table(props.string("RouteTableId", true), props.string("SubnetId", true));
                set_ref(m.ids().make("rtbassoc", r.logical_id));
                set_att("Id", r.attributes["Ref"].scalar);
            } else if (r.type == "AWS::EC2::InternetGateway") {
                const auto& g = m.create_internet_gateway(r.logical_id, props.tags());
                set_ref(g.id);
                set_att("InternetGatewayId", g.id);
            } else if (r.type == "AWS::EC2::VPCGatewayAttachment") {
                if (props.get("VpnGatewayId")) {
                    unsupported(props.line_of("VpnGatewayId"), label(r) + ": VPN gateways are not supported; attachment not made");
                } else {
                    m.attach_internet_gateway(props.string("InternetGatewayId", true), props.string("VpcId", true));
                }
                set_ref(m.ids().make("attach", r.logical_id));
            } else if (r.type == "AWS::EC2::Route") {
                create_route(r, props);
            } else if (r.type == "AWS::EC2::SecurityGroup") {
                create_security_group(r, props);
            } else if (r.type == "AWS::EC2::Instance") {
                create_instance(r, props);
            } else {
                unsupported(r.line, "resource " + r.logical_id + ": type " + r.type + " is not supported; it was not created");
                // Keep Ref/GetAtt on it resolvable so that supported resources referring to it still load.
                set_ref("unsupported-" + r.logical_id);
                return;
            }
        } catch (const ApiError& e) {
            const std::string why = real_cause(e);
            if (e.parameter().empty()) throw TemplateError(options_.file_name, r.line, label(r), "", why);
            props.fail(e.parameter(), why);
        }
        static const std::map<std::string, std::set<std::string>> no_effect = {
            {"AWS::EC2::Instance", {"InstanceType", "ImageId", "KeyName", "Monitoring", "EbsOptimized", "BlockDeviceMappings",
                                    "DisableApiTermination", "CreditSpecification", "IamInstanceProfile", "InstanceInitiatedShutdownBehavior"}},
        };
        for (const auto& key : props.unused_keys()) {
            auto it = no_effect.find(r.type);
            if (it != no_effect.end() && it->second.count(key)) continue;
            unsupported(props.line_of(key), label(r) + ": property " + key + " is not supported and was ignored");
        }
        r.created = true;
    }

    // The message for a refusal. When the value at fault is the stand-in ID of a resource that was not
    // created because vpclab does not support it, that is the cause to name, not a missing ID.
    std::string real_cause(const ApiError& e) {
        const std::string what = e.what();
        const auto at = what.find("unsupported-");
        if (at != std::string::npos) {
            std::size_t end = at + 12;
            while (end < what.size() && std::isalnum(static_cast<unsigned char>(what[end]))) ++end;
            const ResourceEntry* missing = find_resource(what.substr(at + 12, end - at - 12));
            if (missing && !missing->created && missing->attributes.count("Ref") &&
                missing->attributes.at("Ref").scalar == "unsupported-" + missing->logical_id)
                return "refers to " + missing->logical_id + ", whose type " + missing->type +
                       " vpclab does not support, so it was not created";
        }
        return what + " (" + e.code() + ")";
    }

    void create_route(ResourceEntry& r, Properties& props) {
        for (const char* target : {"NatGatewayId", "TransitGatewayId", "VpcPeeringConnectionId", "EgressOnlyInternetGatewayId",
                                   "CarrierGatewayId", "LocalGatewayId", "VpcEndpointId", "CoreNetworkArn"}) {
            if (props.get(target)) {
                unsupported(props.line_of(target), label(r) + ": route target " + target + " is not supported; the route was not created");
                r.attributes["Ref"] = Node::make_scalar("unsupported-" + r.logical_id, r.line);
                return;
            }
        }
        if (props.get("DestinationIpv6CidrBlock") || props.get("DestinationPrefixListId")) {
            unsupported(r.line, label(r) + ": only DestinationCidrBlock routes are supported here; the route was not created");
            r.attributes["Ref"] = Node::make_scalar("unsupported-" + r.logical_id, r.line);
            return;
        }
        VpcModel::RouteTarget target{props.string("GatewayId", false), props.string("InstanceId", false),
                                     props.string("NetworkInterfaceId", false)};
        lab_.model->create_route(props.string("RouteTableId", true), props.string("DestinationCidrBlock", true), target);
        r.attributes["Ref"] = Node::make_scalar(lab_.model->ids().make("r", r.logical_id), r.line);
    }

    std::vector<routing::SecurityGroupRule> rules(const ResourceEntry& r, Properties& props, const std::string& key, bool ingress) {
        std::vector<routing::SecurityGroupRule> out;
        const Node* list = props.get(key);
        if (!list || list->is_null()) return out;
        if (!list->is_list()) props.fail(key, "expected a list of rules");
        for (const auto& item : list->items) {
            if (!item.is_map()) props.fail(key, "each rule must be a map");
            routing::SecurityGroupRule rule;
            for (const auto& [k, v] : item.entries) {
                const std::string where = key;
                if (k == "IpProtocol") {
                    rule.ip_protocol = props.string_of(v, where);
                    if (rule.ip_protocol == "-1" || rule.ip_protocol == "all") rule.ip_protocol = "-1";
                } else if (k == "FromPort") rule.from_port = props.integer_of(v, where);
                else if (k == "ToPort") rule.to_port = props.integer_of(v, where);
                else if (k == "CidrIp") {
                    std::string why;
                    auto c = routing::Cidr::parse(props.string_of(v, where), &why);
                    if (!c) throw TemplateError(options_.file_name, v.where(), label(r), key + ".CidrIp", why);
                    rule.cidr = c;
                } else if (k == (ingress ? "SourceSecurityGroupId" : "DestinationSecurityGroupId")) rule.source_group_id = props.string_of(v, where);
                else if (k == "Description") rule.description = props.string_of(v, where);
                else unsupported(v.where(), "security group rule key " + k + " is not supported and was ignored");
            }
            const std::string p = rule.ip_protocol;
            if (p != "-1" && p != "tcp" && p != "udp" && p != "icmp" && p.find_first_not_of("0123456789") != std::string::npos)
                throw TemplateError(options_.file_name, item.line, label(r), key + ".IpProtocol", "'" + p + "' is not tcp, udp, icmp, -1 or a protocol number");
            if ((p == "tcp" || p == "udp") && (rule.from_port < 0 || rule.to_port > 65535 || rule.from_port > rule.to_port))
                throw TemplateError(options_.file_name, item.line, label(r), key, "port range " + std::to_string(rule.from_port) + "-" + std::to_string(rule.to_port) + " is not valid for " + p);
            out.push_back(std::move(rule));
        }
        return out;
    }

    void create_security_group(ResourceEntry& r, Properties& props) {
        const std::string vpc = props.string("VpcId", false);
        if (vpc.empty()) props.fail("VpcId", "is required: the lab has no default VPC");
        auto ingress = rules(r, props, "SecurityGroupIngress", true);
        std::optional<std::vector<routing::SecurityGroupRule>> egress;
        if (props.get("SecurityGroupEgress")) egress = rules(r, props, "SecurityGroupEgress", false);
        const auto& g = lab_.model->create_security_group(r.logical_id, vpc, props.string("GroupName", false),
                                                          props.string("GroupDescription", true), std::move(ingress),
                                                          std::move(egress), props.tags());
        r.attributes["Ref"] = Node::make_scalar(g.id, r.line);
        r.attributes["GroupId"] = Node::make_scalar(g.id, r.line);
        r.attributes["VpcId"] = Node::make_scalar(g.vpc_id, r.line);
    }

    void create_instance(ResourceEntry& r, Properties& props) {
        routing::InstanceLaunch launch;
        launch.logical_id = r.logical_id;
        launch.tags = props.tags();
        launch.instance_type = props.string("InstanceType", false);
        launch.image_id = props.string("ImageId", false);
        launch.key_name = props.string("KeyName", false);
        if (props.get("UserData")) {
            launch.has_user_data = true;
            lab_.skipped.push_back("UserData of " + r.logical_id + " was not run: vpclab never runs template code on the host");
        }
        const Node* nics = props.get("NetworkInterfaces");
        const std::string subnet = props.string("SubnetId", false);
        if (nics && !subnet.empty())
            props.fail("NetworkInterfaces", "cannot be combined with SubnetId (InvalidParameterCombination)");
        if (nics) {
            if (!nics->is_list() || nics->items.empty()) props.fail("NetworkInterfaces", "expected a non-empty list");
            for (const auto& nic : nics->items) {
                if (!nic.is_map()) props.fail("NetworkInterfaces", "each entry must be a map");
                routing::InstanceLaunch::Interface spec;
                bool has_index = false;
                for (const auto& [k, v] : nic.entries) {
                    const std::string where = "NetworkInterfaces." + k;
                    if (k == "DeviceIndex") {
                        spec.device_index = props.integer_of(v, where);
                        has_index = true;
                    } else if (k == "SubnetId") spec.subnet_id = props.string_of(v, where);
                    else if (k == "GroupSet") {
                        if (!v.is_list()) throw TemplateError(options_.file_name, v.where(), label(r), where, "expected a list");
                        for (const auto& g : v.items) spec.security_group_ids.push_back(props.string_of(g, where));
                    } else if (k == "AssociatePublicIpAddress") spec.associate_public_ip = props.boolean_of(v, where);
                    else if (k == "PrivateIpAddress") spec.private_ip = parse_address(props.string_of(v, where), v.where(), r, where);
                    else if (k == "DeleteOnTermination" || k == "Description") continue;
                    else unsupported(v.where(), label(r) + ": network interface property " + k + " is not supported and was ignored");
                }
                if (!has_index) throw TemplateError(options_.file_name, nic.line, label(r), "NetworkInterfaces.DeviceIndex", "is required");
                if (spec.subnet_id.empty()) throw TemplateError(options_.file_name, nic.line, label(r), "NetworkInterfaces.SubnetId", "is required");
                if (auto b = props.boolean("SourceDestCheck")) spec.source_dest_check = *b;
                launch.interfaces.push_back(std::move(spec));
            }
        } else {
            if (subnet.empty()) props.fail("SubnetId", "is required (the lab has no default VPC): give SubnetId or NetworkInterfaces");
            routing::InstanceLaunch::Interface spec;
            spec.subnet_id = subnet;
            const std::string ip = props.string("PrivateIpAddress", false);
            if (!ip.empty()) spec.private_ip = parse_address(ip, props.line_of("PrivateIpAddress"), r, "PrivateIpAddress");
            spec.security_group_ids = props.strings("SecurityGroupIds");
            if (auto b = props.boolean("SourceDestCheck")) spec.source_dest_check = *b;
            launch.interfaces.push_back(std::move(spec));
        }
        if (props.get("SecurityGroups"))
            props.fail("SecurityGroups", "security group names only work in a default VPC; use SecurityGroupIds");
        const std::string az = props.string("AvailabilityZone", false);
        const auto& inst = lab_.model->run_instance(launch);
        instance_sites_[inst.id] = {props.node().find("Tags") ? props.line_of("Tags") : r.line, label(r), props.node().find("Tags") != nullptr};
        const auto& eni = lab_.model->network_interface(inst.network_interface_ids.front());
        const auto& s = lab_.model->subnet(eni.subnet_id);
        if (!az.empty() && az != s.availability_zone)
            props.fail("AvailabilityZone", az + " is not the zone of subnet " + s.id + " (" + s.availability_zone + ")");
        r.attributes["Ref"] = Node::make_scalar(inst.id, r.line);
        r.attributes["PrivateIp"] = Node::make_scalar(routing::format_ipv4(eni.private_ip), r.line);
        r.attributes["PrivateDnsName"] = Node::make_scalar(endpoints::private_dns_name(eni.private_ip, options_.region), r.line);
        r.attributes["AvailabilityZone"] = Node::make_scalar(s.availability_zone, r.line);
        if (eni.public_ip) {
            r.attributes["PublicIp"] = Node::make_scalar(routing::format_ipv4(*eni.public_ip), r.line);
            r.attributes["PublicDnsName"] = Node::make_scalar(endpoints::public_dns_name(*eni.public_ip, options_.region), r.line);
        }
    }

    std::uint32_t parse_address(const std::string& text, int line, const ResourceEntry& r, const std::string& property) {
        auto a = routing::parse_ipv4(text);
        if (!a) throw TemplateError(options_.file_name, line, label(r), property, "'" + text + "' is not an IPv4 address");
        return *a;
    }

    LoadOptions options_;
    Node root_;
    std::map<std::string, Node> parameters_;
    std::vector<ResourceEntry> resources_;
    LoadedLab lab_;
    struct InstanceSite {
        int line;           // of its Tags, else of the resource
        std::string label;  // "LogicalId (AWS::EC2::Instance)"
        bool tags;
    };
    std::map<std::string, InstanceSite> instance_sites_;  // by instance ID
};

}  // namespace

LoadedLab load_template(const std::string& text, const LoadOptions& options) {
    if (options.stack_name.empty()) throw TemplateError(options.file_name, 0, "", "", "a stack name is required");
    return Loader(text, options).run();
}

}  // namespace vpclab::cfn
