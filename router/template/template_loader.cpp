// Template loading: sections, parameters, dependency order; each resource handed to its family's handler
// (router/template/resources/).
#include "router/template/template_loader.hpp"

#include <algorithm>
#include <functional>
#include <regex>
#include <set>

#include <climits>

#include "endpoints/dns_zone.hpp"
#include "routing/aws_account.hpp"
#include "router/lab/lab_network.hpp"
#include "tap/network_namespace.hpp"
#include "router/template/intrinsics.hpp"
#include "router/template/template_error.hpp"
#include "router/template/template_node.hpp"
#include "router/template/resource_handlers.hpp"

namespace vpclab::cfn {

namespace {

using routing::ApiError;
using routing::VpcModel;

constexpr const char* account_id = routing::lab_account_id;

class Loader {
public:
    Loader(const std::string& text, const LoadOptions& options)
        : options_(options), root_(parse_template_text(text, options.file_name)) {}

    LoadedLab run() {
        if (!root_.is_map()) fail(root_.line, "", "", "a template must be a map with a Resources section");
        check_sections();
        read_parameters();
        read_resources();
        if (options_.into) {
            model_ = options_.into;
            model_->begin_stack_template(options_.stack_name, options_.stack_id);
        } else {
            lab_.model = std::make_unique<VpcModel>(options_.stack_name, options_.region, options_.public_ips);
            lab_.model->offer_services(options_.services);
            model_ = lab_.model.get();
        }
        struct EndStackTemplate {
            VpcModel* m;
            ~EndStackTemplate() { m->end_stack_template(); }
        } end_stack_template{model_};
        for (ResourceEntry* r : creation_order()) {
            create(*r);
            if (r->created && r->attributes.count("Ref")) {
                StackResource made{r->logical_id, r->type, r->attributes.at("Ref").scalar};
                made.deletion_keys = r->deletion_keys;
                lab_.resources.push_back(std::move(made));
            }
        }
        if (!options_.into) check_namespace_names();  // a running lab's router names new namespaces as it launches them
        if (const Node* d = root_.find("Description"); d && d->is_scalar()) lab_.description = d->scalar;
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
                fail(0, "", "", options_.into ? "Parameters: [" + name + "] do not exist in the template"
                                              : "--parameter " + name + ": the template declares no such parameter");
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

            if (raw && raw->size() > max_parameter_value_bytes)
                fail(decl.where(), "", "",
                     "parameter " + name + ": its value is " + std::to_string(raw->size()) + " bytes; a parameter value is at most " +
                         std::to_string(max_parameter_value_bytes) + " bytes (CloudFormation's quota)");
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
            } else if (type == "AWS::EC2::KeyPair::KeyName" && options_.into) {
                // In a running lab, as on AWS (CloudFormation User Guide, "Parameters": AWS-specific
                // parameter types are checked against the account's resources).
                if (!raw) fail(decl.where(), "", "", "Parameters: [" + name + "] must have values");
                if (!options_.into->find_key_pair(*raw))
                    fail(decl.where(), "", "", "Parameter validation failed: parameter value " + *raw + " for parameter name " + name + " does not exist");
                value = Node::make_scalar(*raw, decl.line);
            } else if (type == "AWS::EC2::KeyPair::KeyName") {
                // `vpclab up` makes the key pairs its template names (`vpclab shell` needs none); any name is accepted.
                value = Node::make_scalar(raw.value_or("vpclab-" + name), decl.line);
            } else if (!raw && !options_.stand_in_missing_parameters) {
                fail(decl.where(), "", "", options_.into ? "Parameters: [" + name + "] must have values"
                                                         : "parameter " + name + " has no Default: pass --parameter " + name + "=VALUE");
            } else if (!raw) {
                value = Node::make_scalar(type == "Number" ? "0" : "", decl.line);
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
            StackParameter shown;
            shown.key = name;
            shown.type = type;
            shown.value = value.scalar;
            if (type.rfind("AWS::SSM::Parameter::Value<", 0) == 0) {
                shown.value = raw.value_or(name);  // DescribeStacks shows the path, and what it resolved to
                shown.resolved_value = value.scalar;
            }
            if (value.is_list())
                for (const auto& item : value.items) shown.value += (shown.value.empty() ? "" : ",") + item.scalar;
            if (const Node* d = decl.find("Default"); d && d->is_scalar()) {
                shown.default_value = d->scalar;
                shown.has_default = true;
            }
            if (const Node* e = decl.find("NoEcho"); e && e->is_scalar()) shown.no_echo = e->scalar == "true" || e->scalar == "True";
            if (const Node* e = decl.find("Description"); e && e->is_scalar()) shown.description = e->scalar;
            lab_.parameters.push_back(std::move(shown));
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
            // CloudFormation rejects a type it does not know; a near miss of a known one is surely a typo.
            const std::string& t = type->scalar;
            if (t.rfind("AWS::", 0) != 0 && t.rfind("Custom::", 0) != 0 && t.rfind("Alexa::", 0) != 0)
                fail(type->where(), logical_id, "Type", "'" + t + "' is not a resource type (expected AWS::Service::Resource, e.g. AWS::EC2::Subnet)");
            if (const auto meant = likely_typo_of(t))
                fail(type->where(), logical_id, "Type", "unknown resource type '" + t + "': did you mean " + *meant + "?");
            resources_.push_back(ResourceEntry{logical_id, t, &def, def.where(), {}, {}, false});
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
        ctx.budget = &build_budget_;
        ctx.ref = [this](const std::string& name) -> std::optional<Node> {
            if (auto it = parameters_.find(name); it != parameters_.end()) return it->second;
            if (name == "AWS::Region") return Node::make_scalar(options_.region, 0);
            if (name == "AWS::StackName") return Node::make_scalar(options_.stack_name, 0);
            if (name == "AWS::AccountId") return Node::make_scalar(account_id, 0);
            if (name == "AWS::Partition") return Node::make_scalar("aws", 0);
            if (name == "AWS::URLSuffix") return Node::make_scalar("amazonaws.com", 0);
            if (name == "AWS::StackId")
                return Node::make_scalar(options_.into ? options_.stack_id : model_->stack_id(), 0);
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
        const ResourceType* type = find_resource_type(r.type);
        if (!type) {
            unsupported(r.line, "resource " + r.logical_id + ": type " + r.type + " is not supported; it was not created");
            // Keep Ref/GetAtt on it resolvable so that supported resources referring to it still load.
            r.attributes["Ref"] = Node::make_scalar("unsupported-" + r.logical_id, r.line);
            return;
        }
        ResourceContext context{r, props, *model_, lab_, options_, instance_sites_};
        try {
            try {
                type->handler(context);
            } catch (const ApiError& e) {
                const std::string why = real_cause(e);
                if (e.parameter().empty()) throw TemplateError(options_.file_name, r.line, label(r), "", why);
                props.fail(e.parameter(), why);
            }
        } catch (const TemplateError& e) {
            if (options_.validate_only) {
                r.attributes["Ref"] = Node::make_scalar("validate-" + r.logical_id, r.line);
                return;
            }
            // CloudFormation's ResourceStatusReason: the service's message, without the file and line.
            std::string reason = e.what();
            if (const auto at = reason.find("resource " + label(r) + ": "); at != std::string::npos) reason = reason.substr(at + label(r).size() + 11);
            throw ResourceCreationError(e, r.logical_id, r.type, reason, lab_.resources);
        }
        for (const auto& key : props.unused_keys())
            if (!type->no_effect.count(key)) unsupported(props.line_of(key), label(r) + ": property " + key + " is not supported and was ignored");
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

    LoadOptions options_;
    VpcModel* model_ = nullptr;  // the new lab's, or options_.into
    Node root_;
    std::map<std::string, Node> parameters_;
    std::vector<ResourceEntry> resources_;
    LoadedLab lab_;
    std::map<std::string, InstanceSite> instance_sites_;  // by instance ID
    std::size_t build_budget_ = max_built_template_bytes;  // what the template's intrinsics may still build
};

}  // namespace

LoadedLab load_template(const std::string& text, const LoadOptions& options) {
    if (options.stack_name.empty()) throw TemplateError(options.file_name, 0, "", "", "a stack name is required");
    LoadedLab lab = Loader(text, options).run();
    lab.template_body = text;
    return lab;
}

}  // namespace vpclab::cfn

namespace vpclab::cfn {

router::StackTemplateLoader stack_template_loader(LoadOptions base) {
    return [base](const std::string& body, const router::KeyValues& parameters, const std::string& name, const std::string& id,
                  routing::VpcModel& into) {
        LoadOptions options = base;
        options.file_name = "template";
        options.stack_name = name;
        options.stack_id = id;
        options.into = &into;
        options.parameters.clear();
        for (const auto& [k, v] : parameters) options.parameters[k] = v;
        try {
            LoadedLab loaded = load_template(body, options);
            return router::StackTemplateLoad{loaded.description, std::move(loaded.parameters), std::move(loaded.resources)};
        } catch (const ResourceCreationError& e) {
            throw router::StackResourceFailure(e.logical_id, e.type, e.reason, e.created_before);
        } catch (const TemplateError& e) {
            const std::string message = e.what();
            const std::string said = std::regex_replace(message, std::regex("^template(:[0-9]+)?: "), "");
            throw routing::ApiError("ValidationError", said.rfind("Parameter", 0) == 0 ? said : "Template format error: " + message, "TemplateBody");
        }
    };
}

nlohmann::ordered_json validate_template(const std::string& body, LoadOptions options) {
    options.file_name = "template";
    options.stack_name = "validate";
    options.parameters.clear();
    options.stand_in_missing_parameters = true;
    options.validate_only = true;
    LoadedLab loaded;
    try {
        loaded = load_template(body, options);
    } catch (const TemplateError& e) {
        throw routing::ApiError("ValidationError", std::string("Template format error: ") + e.what(), "TemplateBody");
    }
    nlohmann::ordered_json parameters = nlohmann::ordered_json::array();
    for (const auto& p : loaded.parameters) {
        nlohmann::ordered_json one = {{"ParameterKey", p.key}};
        if (p.has_default) one["DefaultValue"] = p.default_value;
        one["NoEcho"] = p.no_echo;
        if (!p.description.empty()) one["Description"] = p.description;
        parameters.push_back(std::move(one));
    }
    nlohmann::ordered_json out = {{"Parameters", parameters}};
    if (!loaded.description.empty()) out["Description"] = loaded.description;
    return out;
}

}  // namespace vpclab::cfn
