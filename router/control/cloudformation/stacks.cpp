// The CloudFormation family of the API: the lab's stacks read as CloudFormation shows them (DescribeStacks,
// ListStacks, DescribeStackResources, DescribeStackResource, ListStackResources, DescribeStackEvents,
// GetTemplate) and ValidateTemplate. Served over the wire only (`vpclab aws cloudformation …`): the aws
// CLI's --stack-name names a CloudFormation stack there, where vpclab's own names the lab.
#include "router/control/cloudformation/cloudformation_stack.hpp"
#include "router/control/cloudformation/stack_records.hpp"
#include "router/control/ec2/family.hpp"

namespace vpclab::router {

namespace {

using json = nlohmann::ordered_json;
using Request = nlohmann::json;
using routing::ApiError;
using K = ParamSpec::Kind;
using ec2::string_param;

using cloudformation::find_stack;
using cloudformation::no_such_stack;
using cloudformation::stack_named;

json not_checked(const char* member) { return json{{member, "NOT_CHECKED"}}; }

json stack_json(const CloudFormationStack& s) {
    json parameters = json::array();
    for (const auto& p : s.parameters) {
        json one = {{"ParameterKey", p.key}, {"ParameterValue", p.no_echo ? "****" : p.value}};
        if (!p.resolved_value.empty()) one["ResolvedValue"] = p.resolved_value;
        parameters.push_back(std::move(one));
    }
    json out = {{"StackId", s.id}, {"StackName", s.name}};
    if (!s.description.empty()) out["Description"] = s.description;
    out.update(json{{"Parameters", parameters}, {"CreationTime", s.creation_time}});
    if (!s.deletion_time.empty()) out["DeletionTime"] = s.deletion_time;
    out.update(json{{"RollbackConfiguration", json::object()}, {"StackStatus", s.status}});
    if (!s.status_reason.empty()) out["StackStatusReason"] = s.status_reason;
    out.update(json{{"DisableRollback", false}, {"NotificationARNs", json::array()}});
    if (!s.capabilities.empty()) out["Capabilities"] = s.capabilities;
    json tags = json::array();
    for (const auto& [k, v] : s.tags) tags.push_back({{"Key", k}, {"Value", v}});
    out.update(json{{"Tags", tags}, {"EnableTerminationProtection", false}, {"DriftInformation", not_checked("StackDriftStatus")}});
    return out;
}

json resource_json(const CloudFormationStack& s, const StackResource& r) {
    return {{"StackName", s.name},           {"StackId", s.id},           {"LogicalResourceId", r.logical_id},
            {"PhysicalResourceId", r.physical_id}, {"ResourceType", r.type}, {"Timestamp", r.timestamp},
            {"ResourceStatus", r.status},    {"DriftInformation", not_checked("StackResourceDriftStatus")}};
}

json describe_stacks(const Request& params, RouterState& state) {
    json stacks = json::array();
    const std::string which = string_param(params, "StackName");
    if (!which.empty()) stacks.push_back(stack_json(stack_named(state, which)));
    else  // all but deleted stacks (API reference, DescribeStacks)
        for (const auto& s : state.cloudformation_stacks)
            if (!s.deleted()) stacks.push_back(stack_json(s));
    return {{"Stacks", stacks}};
}

json list_stacks(const Request& params, RouterState& state) {
    const auto wanted = ec2::list_param(params, "StackStatusFilter");
    json summaries = json::array();
    for (const auto& s : state.cloudformation_stacks) {
        if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), s.status) == wanted.end()) continue;
        json summary = {{"StackId", s.id}, {"StackName", s.name}};
        if (!s.description.empty()) summary["TemplateDescription"] = s.description;
        summary["CreationTime"] = s.creation_time;
        if (!s.deletion_time.empty()) summary["DeletionTime"] = s.deletion_time;
        summary["StackStatus"] = s.status;
        if (!s.status_reason.empty()) summary["StackStatusReason"] = s.status_reason;
        summary["DriftInformation"] = not_checked("StackDriftStatus");
        summaries.push_back(std::move(summary));
    }
    return {{"StackSummaries", summaries}};
}

json describe_stack_resources(const Request& params, RouterState& state) {
    const std::string which = string_param(params, "StackName"), logical = string_param(params, "LogicalResourceId"),
                      physical = string_param(params, "PhysicalResourceId");
    if (which.empty() == physical.empty())
        throw ApiError("ValidationError", "Either StackName or PhysicalResourceId must be specified, and not both", "StackName");
    json resources = json::array();
    for (auto& s : state.cloudformation_stacks) {
        if (!which.empty() && &s != find_stack(state, which)) continue;
        if (which.empty() && s.deleted()) continue;
        bool has_physical = physical.empty();
        for (const auto& r : s.resources) has_physical |= r.physical_id == physical;
        if (!has_physical) continue;
        for (const auto& r : s.resources)
            if (logical.empty() || r.logical_id == logical) resources.push_back(resource_json(s, r));
        return {{"StackResources", resources}};
    }
    if (!which.empty()) no_such_stack(which);
    throw ApiError("ValidationError", "Stack for " + physical + " does not exist", "PhysicalResourceId");
}

json describe_stack_resource(const Request& params, RouterState& state) {
    const CloudFormationStack& s = stack_named(state, string_param(params, "StackName"));
    const std::string logical = string_param(params, "LogicalResourceId");
    for (const auto& r : s.resources)
        if (r.logical_id == logical) {
            json detail = resource_json(s, r);
            detail.erase("Timestamp");
            detail["LastUpdatedTimestamp"] = r.timestamp;
            detail["Metadata"] = "{}";
            return {{"StackResourceDetail", detail}};
        }
    throw ApiError("ValidationError", "Resource " + logical + " does not exist for stack " + s.name, "LogicalResourceId");
}

json list_stack_resources(const Request& params, RouterState& state) {
    const CloudFormationStack& s = stack_named(state, string_param(params, "StackName"));
    json summaries = json::array();
    for (const auto& r : s.resources)
        summaries.push_back({{"LogicalResourceId", r.logical_id},
                             {"PhysicalResourceId", r.physical_id},
                             {"ResourceType", r.type},
                             {"LastUpdatedTimestamp", r.timestamp},
                             {"ResourceStatus", r.status},
                             {"DriftInformation", not_checked("StackResourceDriftStatus")}});
    return {{"StackResourceSummaries", summaries}};
}

json describe_stack_events(const Request& params, RouterState& state) {
    json events = json::array();
    for (auto& s : state.cloudformation_stacks) {
        const std::string which = string_param(params, "StackName");
        if (!which.empty() && &s != find_stack(state, which)) continue;
        if (which.empty() && s.deleted()) continue;
        for (auto e = s.events.rbegin(); e != s.events.rend(); ++e) {  // newest first, as CloudFormation lists them
            json event = {{"StackId", s.id},          {"EventId", e->event_id}, {"StackName", s.name},
                          {"LogicalResourceId", e->logical_id}, {"PhysicalResourceId", e->physical_id}, {"ResourceType", e->type},
                          {"Timestamp", e->timestamp}, {"ResourceStatus", e->status}};
            if (!e->reason.empty()) event["ResourceStatusReason"] = e->reason;
            events.push_back(std::move(event));
        }
        if (!which.empty()) return {{"StackEvents", events}};
    }
    if (!string_param(params, "StackName").empty()) no_such_stack(string_param(params, "StackName"));
    return {{"StackEvents", events}};
}

json get_template(const Request& params, RouterState& state) {
    const CloudFormationStack& s = stack_named(state, string_param(params, "StackName"));
    return {{"TemplateBody", s.template_body}, {"StagesAvailable", {"Original", "Processed"}}};
}

json validate_template(const Request& params, RouterState& state) {
    const std::string body = string_param(params, "TemplateBody");
    if (body.empty()) throw ApiError("ValidationError", "Either Template URL or Template Body must be specified.", "TemplateBody");
    // CloudFormation's quota on a template given in the request (User Guide, "CloudFormation quotas").
    if (body.size() > 51200)
        throw ApiError("ValidationError", "1 validation error detected: Value at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to 51200", "TemplateBody");
    if (!state.validate_template) throw ApiError("InternalFailure", "no template loader is plugged into this router");
    return state.validate_template(body);
}

}  // namespace

CloudFormationStack stack_made_at_up(std::string name, std::string id, std::string description, std::string template_body,
                                     std::vector<StackParameter> parameters, std::vector<StackResource> resources, const std::string& time) {
    CloudFormationStack s;
    s.name = std::move(name);
    s.id = std::move(id);
    s.description = std::move(description);
    s.template_body = std::move(template_body);
    s.parameters = std::move(parameters);
    s.resources = std::move(resources);
    s.creation_time = time;
    // The events CloudFormation records for a stack it creates (User Guide, "Viewing stack events"):
    // the stack's CREATE_IN_PROGRESS, each resource's two CREATE_IN_PROGRESS and its CREATE_COMPLETE, then
    // the stack's CREATE_COMPLETE. vpclab creates a template all at once, so all share one time.
    cloudformation::record_stack_event(s, "CREATE_IN_PROGRESS", "User Initiated", time);
    cloudformation::record_resource_creation(s, time);
    cloudformation::record_stack_event(s, "CREATE_COMPLETE", "", time);
    return s;
}

std::vector<ActionSpec> cloudformation_actions() {
    constexpr const char* service = "cloudformation";
    std::vector<ActionSpec> actions = {
        {"describe-stacks", "DescribeStacks", "the lab's CloudFormation stacks (the template `vpclab up` ran is the first)",
         {{"--stack-name", "StackName", K::string, false}, {"--next-token", "NextToken", K::string, false}}, describe_stacks, {}, service},
        {"list-stacks", "ListStacks", "summaries of the lab's stacks", {{"--stack-status-filter", "StackStatusFilter", K::list, false}}, list_stacks, {},
         service},
        {"describe-stack-resources", "DescribeStackResources", "a stack's resources with their physical IDs",
         {{"--stack-name", "StackName", K::string, false},
          {"--logical-resource-id", "LogicalResourceId", K::string, false},
          {"--physical-resource-id", "PhysicalResourceId", K::string, false}},
         describe_stack_resources, {}, service},
        {"describe-stack-resource", "DescribeStackResource", "one resource of a stack",
         {{"--stack-name", "StackName", K::string, true}, {"--logical-resource-id", "LogicalResourceId", K::string, true}}, describe_stack_resource,
         {}, service},
        {"list-stack-resources", "ListStackResources", "summaries of a stack's resources", {{"--stack-name", "StackName", K::string, true}},
         list_stack_resources, {}, service},
        {"describe-stack-events", "DescribeStackEvents", "a stack's events, newest first",
         {{"--stack-name", "StackName", K::string, false}, {"--next-token", "NextToken", K::string, false}}, describe_stack_events, {}, service},
        {"get-template", "GetTemplate", "the template a stack was made from",
         {{"--stack-name", "StackName", K::string, false}, {"--template-stage", "TemplateStage", K::string, false}}, get_template, {}, service},
        {"validate-template", "ValidateTemplate", "check a template as vpclab would load it; creates nothing",
         {{"--template-body", "TemplateBody", K::string, false}}, validate_template, {}, service},
    };
    for (auto& a : cloudformation_change_actions()) actions.push_back(std::move(a));
    return actions;
}

}  // namespace vpclab::router
