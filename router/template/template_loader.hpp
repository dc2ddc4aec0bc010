// Loads a CloudFormation template into a VpcModel: parameters, resource ordering, one handler per type.
#pragma once

#include <map>

#include <nlohmann/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "router/control/cloudformation/cloudformation_stack.hpp"
#include "routing/vpc_model.hpp"

namespace vpclab::cfn {

struct LoadOptions {
    std::string file_name = "template";      // for error messages
    std::string stack_name;
    std::string region = "ap-northeast-2";
    std::map<std::string, std::string> parameters;  // --parameter Key=Value overrides
    bool strict = false;                     // unsupported types/properties are an error instead of a warning
    routing::PublicIpPool public_ips;        // where AssociatePublicIpAddress draws from
    std::vector<routing::ServiceOffer> services;  // the region's services (VPCEndpoint ServiceName)
    // ValidateTemplate: a parameter with no Default and no value stands in as "" (CloudFormation validates a
    // template without its parameters' values).
    bool stand_in_missing_parameters = false;
};

// What CloudFormation's DescribeStacks, ListStackResources and ValidateTemplate show of a loaded template.
using router::StackParameter;
using router::StackResource;

struct LoadedLab {
    std::unique_ptr<routing::VpcModel> model;
    std::string description;                 // the template's Description
    std::vector<StackParameter> parameters;  // in the template's order
    std::vector<StackResource> resources;    // the resources vpclab made, in creation order
    std::string template_body;               // the text loaded (GetTemplate)
    // One line per unsupported resource type or property; empty when everything was understood.
    std::vector<std::string> unsupported;
    // What was deliberately not done, e.g. UserData scripts that were not run.
    std::vector<std::string> skipped;
};

// Throws TemplateError (naming file, line, resource, property) on any problem; nothing is created then.
LoadedLab load_template(const std::string& text, const LoadOptions& options);

// CloudFormation's ValidateTemplate: the template loaded as `up` would load it (region, public addresses
// and services from `options`), into nothing, without its parameters' values. Returns {"Parameters": […],
// "Description": …} as the API answers; throws routing::ApiError ValidationError saying what is wrong.
nlohmann::ordered_json validate_template(const std::string& body, LoadOptions options);

// The first seed lab's template, compiled into the binary: what `vpclab up` runs with no template.
extern const char* const default_template_text;
extern const char* const default_template_name;

}  // namespace vpclab::cfn
