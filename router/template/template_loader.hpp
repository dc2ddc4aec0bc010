// Loads a CloudFormation template into a VpcModel: parameters, resource ordering, one handler per type.
#pragma once

#include <map>

#include <nlohmann/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "router/control/cloudformation/cloudformation_stack.hpp"
#include "router/template/template_error.hpp"
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
    // ValidateTemplate also: a resource its handler refuses (with stand-in parameters, a VpcId of "" is
    // refused) is no error in the template; it is left out, Ref to it still resolving.
    bool validate_only = false;
    // A CloudFormation stack made in a running lab (CreateStack, a change set): the template's resources go
    // into this model (a copy the caller commits or drops), as stack `stack_name` with ARN `stack_id`; its
    // KeyName must name a key pair that exists, as on AWS. Null: a new lab's model (LoadedLab::model).
    routing::VpcModel* into = nullptr;
    std::string stack_id;
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

// A resource the template's handlers refused while creating it (its properties name something that does not
// exist, a CIDR that overlaps, …), where the template itself was well formed: CloudFormation's CREATE_FAILED
// with this reason, then a rollback, rather than a ValidationError for the request.
class ResourceCreationError : public TemplateError {
public:
    ResourceCreationError(const TemplateError& e, std::string logical_id, std::string type, std::string reason,
                          std::vector<StackResource> created_before)
        : TemplateError(e), logical_id(std::move(logical_id)), type(std::move(type)), reason(std::move(reason)),
          created_before(std::move(created_before)) {}
    std::string logical_id, type, reason;
    std::vector<StackResource> created_before;  // what the template had made before it (rolled back with it)
};

// Throws TemplateError (naming file, line, resource, property) on any problem; nothing is created then. A
// resource its handler refused, in a well-formed template, is a ResourceCreationError.
LoadedLab load_template(const std::string& text, const LoadOptions& options);

// CloudFormation's ValidateTemplate: the template loaded as `up` would load it (region, public addresses
// and services from `options`), into nothing, without its parameters' values. Returns {"Parameters": […],
// "Description": …} as the API answers; throws routing::ApiError ValidationError saying what is wrong.
nlohmann::ordered_json validate_template(const std::string& body, LoadOptions options);

// What CreateStack and change sets load a template with in a running lab (RouterState::load_stack_template):
// the template into the model given, with `base`'s region, public addresses and services. Refusals as
// CloudFormation words them: a resource that could not be made is a router::StackResourceFailure, anything
// else routing::ApiError ValidationError (CloudFormation's own words for parameters, the loader's with the
// line for the rest).
router::StackTemplateLoader stack_template_loader(LoadOptions base);

// The first seed lab's template, compiled into the binary: what `vpclab up` runs with no template.
extern const char* const default_template_text;
extern const char* const default_template_name;

}  // namespace vpclab::cfn
