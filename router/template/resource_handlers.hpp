// The template loader's resource handlers, one file per resource family (router/template/resources/), each
// turning a resource's Properties into the same model calls the EC2 API's handlers make.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "router/template/properties.hpp"
#include "router/template/template_loader.hpp"

namespace vpclab::cfn {

// Where an instance was declared, for errors found after all resources exist (namespace names).
struct InstanceSite {
    int line;           // of its Tags, else of the resource
    std::string label;  // "LogicalId (AWS::EC2::Instance)"
    bool tags;
};

// What a handler works with: the resource, its Properties, the model, and the loader's reports.
struct ResourceContext {
    ResourceEntry& resource;
    Properties& props;
    routing::VpcModel& model;
    LoadedLab& lab;
    const LoadOptions& options;
    std::map<std::string, InstanceSite>& instance_sites;  // by instance ID

    std::string label() const { return resource.logical_id + " (" + resource.type + ")"; }
    int line() const { return resource.line; }
    void set_ref(const std::string& value) { resource.attributes["Ref"] = Node::make_scalar(value, resource.line); }
    void set_att(const std::string& name, const std::string& value) { resource.attributes[name] = Node::make_scalar(value, resource.line); }
    // What DeleteStack needs to undo this resource besides its physical ID (StackResource::deletion_keys).
    void keep_for_deletion(const std::string& key, const std::string& value) { resource.deletion_keys[key] = value; }
    void unsupported(int at, const std::string& what) const {
        lab.unsupported.push_back(options.file_name + ":" + std::to_string(at) + ": " + what);
    }
    [[noreturn]] void fail(int at, const std::string& property, const std::string& message) const {
        throw TemplateError(options.file_name, at, label(), property, message);
    }
    // A resource vpclab leaves out (a route to a NAT gateway, …): references to it stay resolvable.
    void leave_out(int at, const std::string& why) {
        unsupported(at, label() + ": " + why);
        set_ref("unsupported-" + resource.logical_id);
    }
};

using ResourceHandler = void (*)(ResourceContext&);

struct ResourceType {
    const char* type;  // e.g. "AWS::EC2::Subnet"
    ResourceHandler handler;
    // Properties accepted without effect in the lab (not reported as unsupported).
    std::set<std::string> no_effect = {};
};

// Each family's types (router/template/resources/<family>.cpp).
std::vector<ResourceType> vpc_resource_types();
std::vector<ResourceType> subnet_resource_types();
std::vector<ResourceType> route_table_resource_types();
std::vector<ResourceType> internet_gateway_resource_types();
std::vector<ResourceType> address_resource_types();
std::vector<ResourceType> nat_gateway_resource_types();
std::vector<ResourceType> vpc_peering_resource_types();
std::vector<ResourceType> transit_gateway_resource_types();
std::vector<ResourceType> security_group_resource_types();
std::vector<ResourceType> network_acl_resource_types();
std::vector<ResourceType> flow_log_resource_types();
std::vector<ResourceType> traffic_mirroring_resource_types();
std::vector<ResourceType> instance_resource_types();
std::vector<ResourceType> vpc_endpoint_resource_types();
std::vector<ResourceType> load_balancer_resource_types();
std::vector<ResourceType> endpoint_service_resource_types();

// The registry: the handler of a type vpclab creates, or nullptr.
const ResourceType* find_resource_type(std::string_view type);
// A type AWS has that vpclab leaves out (with a warning).
bool is_known_unmodelled_type(std::string_view type);
// For a type that is neither: the known type it is at most two edits from (AWS::EC2::Subnett →
// AWS::EC2::Subnet), i.e. what was surely meant; nullopt if none is that close.
std::optional<std::string> likely_typo_of(std::string_view type);

}  // namespace vpclab::cfn
