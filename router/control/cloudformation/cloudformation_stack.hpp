// The lab's CloudFormation stacks as the CloudFormation API shows them: a lab is an account and a region,
// and the template `vpclab up` ran is its first stack (its parameters, the resources it made with their
// physical IDs, its events). Control plane only; the data path never reads them.
#pragma once

#include <functional>
#include <stdexcept>
#include <utility>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "routing/vpc_model.hpp"

namespace vpclab::router {

struct StackParameter {
    std::string key;
    std::string value;           // as given (a list joined by commas; an SSM parameter's path)
    std::string resolved_value;  // an SSM parameter's value (the AMI ID the path stands for); else ""
    std::string type;           // the template's Type (String, AWS::EC2::KeyPair::KeyName, …)
    std::string default_value;  // the template's Default, if any
    bool has_default = false, no_echo = false;
    std::string description;
};

struct StackResource {
    std::string logical_id, type;
    std::string physical_id;  // what Ref gives: vpc-…, a load balancer's ARN, …
    std::string status = "CREATE_COMPLETE";
    std::string timestamp;  // ISO 8601, of its last status
    // What deleting it needs besides its physical ID, set by its handler: a route's RouteTableId and
    // DestinationCidrBlock, an attachment's InternetGatewayId and VpcId, a rule's GroupId, …
    std::map<std::string, std::string> deletion_keys;
};

struct StackEvent {
    std::string event_id, logical_id, physical_id, type, status, reason, timestamp;
};

using KeyValues = std::vector<std::pair<std::string, std::string>>;

// A change set (CreateChangeSet): what executing it would do to its stack. vpclab works it out at once, so
// it is CREATE_COMPLETE (or FAILED, with the reason) when CreateChangeSet answers.
struct ChangeSet {
    std::string name, id;  // id: arn:aws:cloudformation:<region>:<account>:changeSet/<name>/<uuid>
    std::string type;      // CREATE or UPDATE
    std::string status = "CREATE_COMPLETE", status_reason;
    std::string execution_status = "AVAILABLE";  // AVAILABLE, UNAVAILABLE, EXECUTE_COMPLETE, OBSOLETE
    std::string description, creation_time, template_body;
    KeyValues parameters;  // as given
    std::vector<StackResource> changes;  // the resources it adds (logical ID and type)
};

struct CloudFormationStack {
    std::string name, id;  // id: arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>
    std::string description;
    std::string template_body;
    std::vector<StackParameter> parameters;
    std::vector<StackResource> resources;  // in creation order
    std::vector<StackEvent> events;        // oldest first (DescribeStackEvents answers newest first)
    std::size_t events_recorded = 0;       // ever, for unique event IDs
    std::string status = "CREATE_COMPLETE", status_reason;
    std::string creation_time;  // ISO 8601
    std::string deletion_time;  // once DELETE_COMPLETE
    std::vector<std::string> capabilities;
    KeyValues tags;
    std::vector<ChangeSet> change_sets;
    bool deleted() const { return status == "DELETE_COMPLETE"; }
};

// A template loaded into a running lab as a stack (CreateStack, ExecuteChangeSet): what it made.
struct StackTemplateLoad {
    std::string description;
    std::vector<StackParameter> parameters;
    std::vector<StackResource> resources;  // in creation order, with their physical IDs
};

// A resource of a well-formed template that could not be created: CREATE_FAILED with `reason`, and the
// stack rolls back (what was made before it is gone with the dropped model copy).
struct StackResourceFailure : std::runtime_error {
    StackResourceFailure(std::string logical_id, std::string type, std::string reason, std::vector<StackResource> created_before)
        : std::runtime_error(reason), logical_id(std::move(logical_id)), type(std::move(type)), reason(std::move(reason)),
          created_before(std::move(created_before)) {}
    std::string logical_id, type, reason;
    std::vector<StackResource> created_before;
};

// The template loader (a layer above the control API, plugged in by the router process): loads `body` with
// `parameters` into `into` (a model copy the caller commits or drops) as stack `name`/`id`. Throws
// routing::ApiError ValidationError for a template CloudFormation would refuse outright, StackResourceFailure
// for a resource that could not be created.
using StackTemplateLoader = std::function<StackTemplateLoad(const std::string& body, const KeyValues& parameters, const std::string& name,
                                                            const std::string& id, routing::VpcModel& into)>;

// A template checked as CloudFormation's ValidateTemplate checks it, by the template loader (a layer
// above the control API, which the router process plugs in): {"Parameters": […], "Description": …}, or
// throws routing::ApiError ValidationError naming what is wrong. Nothing is created.
using TemplateValidator = std::function<nlohmann::ordered_json(const std::string& template_body)>;

struct RouterState;

// A stack's deletion, resumed: each resource of a DELETE_IN_PROGRESS stack, newest first, is deleted once
// nothing depends on it any more (an instance's namespace takes a moment to go); a stack whose remaining
// resources nothing will free ends DELETE_FAILED. Called after DeleteStack and whenever an instance finishes
// terminating (the event loop).
void advance_stack_deletions(RouterState& state);

// The stack as `vpclab up` made it: its events (stack and each resource, in progress then complete) at `time`.
CloudFormationStack stack_made_at_up(std::string name, std::string id, std::string description, std::string template_body,
                                     std::vector<StackParameter> parameters, std::vector<StackResource> resources, const std::string& time);

}  // namespace vpclab::router
