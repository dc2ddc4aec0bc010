// The lab's CloudFormation stacks as the CloudFormation API shows them: a lab is an account and a region,
// and the template `vpclab up` ran is its first stack (its parameters, the resources it made with their
// physical IDs, its events). Control plane only; the data path never reads them.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace vpclab::router {

struct StackParameter {
    std::string key;
    std::string value;           // as given (a list joined by commas; an SSM parameter's path)
    std::string resolved_value;  // an SSM parameter's value (the AMI ID the path stands for); else ""
    std::string default_value;  // the template's Default, if any
    bool has_default = false, no_echo = false;
    std::string description;
};

struct StackResource {
    std::string logical_id, type;
    std::string physical_id;  // what Ref gives: vpc-…, a load balancer's ARN, …
    std::string status = "CREATE_COMPLETE";
    std::string timestamp;  // ISO 8601, of its last status
};

struct StackEvent {
    std::string event_id, logical_id, physical_id, type, status, reason, timestamp;
};

struct CloudFormationStack {
    std::string name, id;  // id: arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>
    std::string description;
    std::string template_body;
    std::vector<StackParameter> parameters;
    std::vector<StackResource> resources;  // in creation order
    std::vector<StackEvent> events;        // oldest first (DescribeStackEvents answers newest first)
    std::string status = "CREATE_COMPLETE", status_reason;
    std::string creation_time;  // ISO 8601
};

// A template checked as CloudFormation's ValidateTemplate checks it, by the template loader (a layer
// above the control API, which the router process plugs in): {"Parameters": […], "Description": …}, or
// throws routing::ApiError ValidationError naming what is wrong. Nothing is created.
using TemplateValidator = std::function<nlohmann::ordered_json(const std::string& template_body)>;

// The stack as `vpclab up` made it: its events (stack and each resource, in progress then complete) at `time`.
CloudFormationStack stack_made_at_up(std::string name, std::string id, std::string description, std::string template_body,
                                     std::vector<StackParameter> parameters, std::vector<StackResource> resources, const std::string& time);

}  // namespace vpclab::router
