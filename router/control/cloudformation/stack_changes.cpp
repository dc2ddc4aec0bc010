// The CloudFormation calls that make and remove stacks in the running lab: CreateStack, the change sets
// `aws cloudformation deploy` makes and executes (CreateChangeSet, DescribeChangeSet, ListChangeSets,
// ExecuteChangeSet, DeleteChangeSet), UpdateStack where nothing changes, GetTemplateSummary and DeleteStack.
// A template's resources are made in one commit, as the API makes them (CloudFormation User Guide, "How
// CloudFormation works"), so a stack is CREATE_COMPLETE, or ROLLBACK_COMPLETE with nothing left, as soon as
// the call that creates it answers; its instances then go from pending to running as any others do.
#include <algorithm>

#include "router/control/cloudformation/cloudformation_stack.hpp"
#include "router/control/cloudformation/stack_records.hpp"
#include "router/control/ec2/family.hpp"
#include "tap/network_namespace.hpp"

namespace vpclab::router {

namespace {

using json = nlohmann::ordered_json;
using Request = nlohmann::json;
using routing::ApiError;
using K = ParamSpec::Kind;
using ec2::string_param;
using namespace cloudformation;

// How many stacks a lab keeps, live and deleted (a deleted one stays listed, as ListStacks shows them, until
// newer deletions push it out), and change sets per stack: bounds on what requests can make the router keep.
// CloudFormation's own quotas are higher (User Guide, "CloudFormation quotas": 2,000 stacks).
constexpr std::size_t max_live_stacks = 200, max_change_sets_per_stack = 20, max_change_sets = 100;
// What one request may give (CloudFormation User Guide, "CloudFormation quotas": 200 parameters, a value of
// at most 4,096 bytes; API reference: 50 tags of 128/256 characters, a description of 1,024).
constexpr std::size_t max_parameters = 200, max_parameter_value_bytes = 4096, max_tags = 50, max_description_bytes = 1024;
// The body of a template given in a request (User Guide, "CloudFormation quotas").
constexpr std::size_t max_template_body_bytes = 51200;

std::string template_body_param(const Request& params) {
    if (!string_param(params, "TemplateURL").empty())
        throw ApiError("ValidationError", "TemplateURL is not supported in this lab (there is no S3): give the template in TemplateBody", "TemplateURL");
    const std::string body = string_param(params, "TemplateBody");
    if (body.empty()) throw ApiError("ValidationError", "Either Template URL or Template Body must be specified.", "TemplateBody");
    if (body.size() > max_template_body_bytes)
        throw ApiError("ValidationError", "1 validation error detected: Value at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to 51200", "TemplateBody");
    return body;
}

// Parameters: [{ParameterKey, ParameterValue | UsePreviousValue}], with the stack's previous values where
// UsePreviousValue asks for them.
KeyValues parameters_param(const Request& params, const CloudFormationStack* previous) {
    KeyValues out;
    const Request* list = ec2::structures_param(params, "Parameters");
    if (!list) return out;
    for (const auto& p : *list) {
        const std::string key = p.value("ParameterKey", std::string());
        if (key.empty()) throw ApiError("ValidationError", "A Parameter needs a ParameterKey", "Parameters");
        const bool use_previous = p.contains("UsePreviousValue") && (p["UsePreviousValue"] == true || p["UsePreviousValue"] == "true");
        std::string value = p.contains("ParameterValue") && p["ParameterValue"].is_string() ? p["ParameterValue"].get<std::string>() : "";
        if (use_previous) {
            const StackParameter* was = nullptr;
            if (previous)
                for (const auto& q : previous->parameters) was = q.key == key ? &q : was;
            if (!was) throw ApiError("ValidationError", "Invalid input for parameter key " + key + ". Cannot specify usePreviousValue as true for a parameter key not in the previous template", "Parameters");
            value = was->value;
        }
        for (const auto& [k, v] : out)
            if (k == key) throw ApiError("ValidationError", "Parameter " + key + " is given twice", "Parameters");
        if (key.size() > 255 || value.size() > max_parameter_value_bytes)
            throw ApiError("ValidationError", "Parameter " + key.substr(0, 64) + ": a key is at most 255 characters and a value at most 4096 bytes", "Parameters");
        if (out.size() == max_parameters) throw ApiError("ValidationError", "A template takes at most 200 parameters", "Parameters");
        out.emplace_back(key, value);
    }
    return out;
}

KeyValues tags_param(const Request& params) {
    KeyValues out;
    if (const Request* list = ec2::structures_param(params, "Tags"))
        for (const auto& t : *list) {
            std::string key = t.value("Key", std::string()), value = t.value("Value", std::string());
            if (key.empty() || key.size() > 128 || value.size() > 256)
                throw ApiError("ValidationError", "A tag's key is 1 to 128 characters and its value at most 256", "Tags");
            if (out.size() == max_tags) throw ApiError("ValidationError", "A stack has at most 50 tags", "Tags");
            out.emplace_back(std::move(key), std::move(value));
        }
    return out;
}

std::vector<std::string> capabilities_param(const Request& params) {
    std::vector<std::string> out;
    for (auto& c : ec2::list_param(params, "Capabilities")) {
        // API reference, CreateStack "Capabilities".
        if (c != "CAPABILITY_IAM" && c != "CAPABILITY_NAMED_IAM" && c != "CAPABILITY_AUTO_EXPAND")
            throw ApiError("ValidationError", "1 validation error detected: Value '" + c.substr(0, 64) +
                                                  "' at 'capabilities' failed to satisfy constraint: Member must satisfy enum value set: [CAPABILITY_AUTO_EXPAND, CAPABILITY_NAMED_IAM, CAPABILITY_IAM]",
                           "Capabilities");
        if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(std::move(c));
    }
    return out;
}

void check_room_for_a_stack(const RouterState& state) {
    std::size_t live = 0;
    for (const auto& s : state.cloudformation_stacks) live += !s.deleted();
    if (live >= max_live_stacks)
        throw ApiError("LimitExceededException", "This lab keeps at most " + std::to_string(max_live_stacks) + " stacks; delete one first");
}

void check_new_stack_name(RouterState& state, const std::string& name) {
    check_name(name, "StackName");
    if (find_stack(state, name)) throw ApiError("AlreadyExistsException", "Stack [" + name + "] already exists", "StackName");
}

// A dry run of the template against a copy of the lab: the ValidationError CloudFormation answers the
// request with, or what the stack would add (the resources made before a failing one, and that one).
std::vector<StackResource> dry_run(RouterState& state, const std::string& body, const KeyValues& parameters, const std::string& name,
                                   const std::string& id) {
    if (!state.load_stack_template) throw ApiError("InternalFailure", "no template loader is plugged into this router");
    routing::VpcModel scratch(*state.model);
    try {
        return state.load_stack_template(body, parameters, name, id, scratch).resources;
    } catch (const StackResourceFailure& f) {
        std::vector<StackResource> changes = f.created_before;
        changes.push_back({f.logical_id, f.type, ""});
        return changes;
    }
}

// The template's resources made in the lab as stack `s`, in one commit: CREATE_COMPLETE, or (a resource
// refused) CREATE_FAILED and ROLLBACK_COMPLETE with nothing left, as CloudFormation rolls a failed creation
// back (User Guide, "Choose how to handle failures when provisioning resources").
void create_stack_resources(RouterState& state, CloudFormationStack& s, const std::string& body, const KeyValues& parameters) {
    const std::string time = ec2::now_iso8601();
    s.status = "CREATE_IN_PROGRESS";
    record_stack_event(s, "CREATE_IN_PROGRESS", "User Initiated", time);
    LabPlan plan = state.plan;
    std::vector<std::string> launched;
    StackTemplateLoad loaded;
    try {
        try {
            state.commit([&](routing::VpcModel& next) {
                loaded = state.load_stack_template(body, parameters, s.name, s.id, next);
                for (const auto& r : loaded.resources) {
                    if (r.type != "AWS::EC2::Instance") continue;
                    const auto& planned = plan.add_instance(next, next.instance(r.physical_id));
                    if (!tap::valid_netns_name(planned.netns))
                        throw StackResourceFailure(r.logical_id, r.type, "the instance's namespace would be named '" + planned.netns.substr(0, 40) +
                                                                             "…', longer than a namespace name may be: shorten its Name tag", {});
                    if (state.runtime && state.runtime->namespace_exists(planned.netns))
                        throw StackResourceFailure(r.logical_id, r.type, "A network namespace named '" + planned.netns + "' already exists on this machine; give the instance another Name tag", {});
                    // Pending until the launcher has built its namespace and TAPs, as run-instances launches.
                    next.set_instance_state(r.physical_id, routing::InstanceState::pending);
                    launched.push_back(r.physical_id);
                }
                return 0;
            });
        } catch (const ApiError& e) {
            // The lab changed since the change set was made (its key pair deleted, …): the stack fails as a whole.
            throw StackResourceFailure(s.name, "AWS::CloudFormation::Stack", std::string(e.what()) + " (" + e.code() + ")", {});
        } catch (const StackResourceFailure&) {
            throw;
        } catch (const std::exception& e) {
            throw StackResourceFailure(s.name, "AWS::CloudFormation::Stack", std::string("Internal failure: ") + e.what(), {});
        }
    } catch (const StackResourceFailure& f) {
        // Rolled back: the commit never happened. The events show what CloudFormation would have done.
        s.resources = f.created_before;
        record_resource_creation(s, time);
        const StackResource failed{f.logical_id, f.type, ""};
        if (f.type != "AWS::CloudFormation::Stack") {
            record_resource_event(s, failed, "CREATE_IN_PROGRESS", "", time);
            record_resource_event(s, failed, "CREATE_FAILED", f.reason, time);
        }
        const std::string why = "The following resource(s) failed to create: [" + f.logical_id + "]. Rollback requested by user.";
        record_stack_event(s, "ROLLBACK_IN_PROGRESS", why, time);
        for (auto r = s.resources.rbegin(); r != s.resources.rend(); ++r) {
            record_resource_event(s, *r, "DELETE_IN_PROGRESS", "", time);
            record_resource_event(s, *r, "DELETE_COMPLETE", "", time);
        }
        s.resources.clear();
        s.status = "ROLLBACK_COMPLETE";
        s.status_reason = why;
        record_stack_event(s, "ROLLBACK_COMPLETE", "", time);
        s.template_body = body;
        return;
    }
    state.plan = std::move(plan);
    s.template_body = body;
    s.description = loaded.description;
    s.parameters = loaded.parameters;
    s.resources = loaded.resources;
    record_resource_creation(s, time);
    s.status = "CREATE_COMPLETE";
    s.status_reason.clear();
    record_stack_event(s, "CREATE_COMPLETE", "", time);
    if (state.runtime)
        for (const auto& id : launched) state.runtime->launch(instance_setup(*state.model, *state.plan.find(id)));
}

CloudFormationStack& add_stack(RouterState& state, const std::string& name, const Request& params) {
    CloudFormationStack s;
    s.name = name;
    s.id = new_arn(state, "stack", name);
    s.creation_time = ec2::now_iso8601();
    s.capabilities = capabilities_param(params);
    s.tags = tags_param(params);
    s.description.clear();
    state.cloudformation_stacks.push_back(std::move(s));
    return state.cloudformation_stacks.back();
}

json create_stack(const Request& params, RouterState& state) {
    const std::string name = string_param(params, "StackName");
    check_new_stack_name(state, name);
    check_room_for_a_stack(state);
    const std::string body = template_body_param(params);
    const KeyValues parameters = parameters_param(params, nullptr);
    // CloudFormation refuses a template it cannot read before making the stack: a dry run finds that.
    dry_run(state, body, parameters, name, "arn:aws:cloudformation:dry-run");
    CloudFormationStack& s = add_stack(state, name, params);
    create_stack_resources(state, s, body, parameters);
    return {{"StackId", s.id}};
}

ChangeSet* find_change_set(CloudFormationStack& s, const std::string& which) {
    for (auto& c : s.change_sets)
        if (c.name == which || c.id == which) return &c;
    return nullptr;
}

// ChangeSetName and StackName as DescribeChangeSet and the others read them: a change set's ARN alone, or its
// name with its stack's name or ID.
std::pair<CloudFormationStack*, ChangeSet*> change_set_named(RouterState& state, const Request& params) {
    const std::string which = string_param(params, "ChangeSetName"), stack = string_param(params, "StackName");
    const auto not_found = [&]() -> ApiError { return ApiError("ChangeSetNotFound", "ChangeSet [" + which + "] does not exist", "ChangeSetName"); };
    if (which.rfind("arn:", 0) == 0) {
        for (auto& s : state.cloudformation_stacks)
            if (ChangeSet* c = find_change_set(s, which)) return {&s, c};
        throw not_found();
    }
    if (stack.empty())
        throw ApiError("ValidationError", "StackName must be specified if ChangeSetName is not specified as an ARN.", "StackName");
    CloudFormationStack* s = find_stack(state, stack);
    if (!s) throw not_found();
    ChangeSet* c = find_change_set(*s, which);
    if (!c) throw not_found();
    return {s, c};
}

bool same_parameters(const CloudFormationStack& s, const KeyValues& given) {
    for (const auto& p : s.parameters) {
        std::string value = p.has_default ? p.default_value : "";
        for (const auto& [k, v] : given)
            if (k == p.key) value = v;
        if (value != p.value) return false;
    }
    return given.size() <= s.parameters.size();
}

json create_change_set(const Request& params, RouterState& state) {
    const std::string stack_name = string_param(params, "StackName"), name = string_param(params, "ChangeSetName");
    check_name(name, "ChangeSetName");
    std::string type = string_param(params, "ChangeSetType");
    if (type.empty()) type = "UPDATE";
    if (type == "IMPORT") throw ApiError("ValidationError", "Resource import is not supported in this lab", "ChangeSetType");
    if (type != "CREATE" && type != "UPDATE")
        throw ApiError("ValidationError", "1 validation error detected: Value '" + type + "' at 'changeSetType' failed to satisfy constraint: Member must satisfy enum value set: [IMPORT, UPDATE, CREATE]", "ChangeSetType");
    CloudFormationStack* s = find_stack(state, stack_name);
    ChangeSet c;
    c.name = name;
    c.type = type;
    c.description = string_param(params, "Description");
    if (c.description.size() > max_description_bytes)
        throw ApiError("ValidationError", "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 1024", "Description");
    capabilities_param(params);  // checked now; kept by the stack
    tags_param(params);
    std::size_t change_sets = 0;
    for (const auto& stack : state.cloudformation_stacks) change_sets += stack.change_sets.size();
    if (change_sets >= max_change_sets)
        throw ApiError("LimitExceededException", "This lab keeps at most " + std::to_string(max_change_sets) + " change sets; delete some first", "ChangeSetName");
    c.creation_time = ec2::now_iso8601();
    if (type == "CREATE") {
        // A CREATE change set makes its stack at once, in REVIEW_IN_PROGRESS (User Guide, "Create a change
        // set"); a stack that exists in that state takes another.
        if (s && s->status != "REVIEW_IN_PROGRESS")
            throw ApiError("ValidationError", "Stack [" + stack_name + "] already exists and cannot be created again with the changeSet [" + name + "].", "StackName");
        if (!s) check_name(stack_name, "StackName");
        const std::string body = template_body_param(params);
        c.parameters = parameters_param(params, nullptr);
        c.template_body = body;
        if (!s) check_room_for_a_stack(state);
        c.changes = dry_run(state, body, c.parameters, stack_name, "arn:aws:cloudformation:dry-run");
        if (!s) {
            s = &add_stack(state, stack_name, params);
            s->status = "REVIEW_IN_PROGRESS";
            record_stack_event(*s, "REVIEW_IN_PROGRESS", "User Initiated", c.creation_time);
        }
    } else {
        if (!s) no_such_stack(stack_name);
        if (s->status != "CREATE_COMPLETE" && s->status != "UPDATE_COMPLETE")
            throw ApiError("ValidationError", "Stack:" + s->id + " is in " + s->status + " state and can not be updated.", "StackName");
        const bool previous_template = params.contains("UsePreviousTemplate") && params["UsePreviousTemplate"] == true;
        c.template_body = previous_template ? s->template_body : template_body_param(params);
        c.parameters = parameters_param(params, s);
        // What vpclab can update: nothing yet but "no change". A changed template is refused at once, saying so.
        c.status = "FAILED";
        c.execution_status = "UNAVAILABLE";
        if (c.template_body == s->template_body && same_parameters(*s, c.parameters))
            c.status_reason = "The submitted information didn't contain changes. Submit different information to create a change set.";
        else
            c.status_reason = "vpclab cannot update a stack's resources yet: delete the stack (aws cloudformation delete-stack) and create it again";
    }
    if (find_change_set(*s, name)) throw ApiError("AlreadyExistsException", "ChangeSet " + name + " already exists", "ChangeSetName");
    if (s->change_sets.size() >= max_change_sets_per_stack)
        throw ApiError("LimitExceededException", "Stack " + s->name + " has " + std::to_string(max_change_sets_per_stack) + " change sets; delete one first", "ChangeSetName");
    c.id = new_arn(state, "changeSet", name);
    s->change_sets.push_back(std::move(c));
    return {{"Id", s->change_sets.back().id}, {"StackId", s->id}};
}

json change_set_parameters(const ChangeSet& c) {
    json out = json::array();
    for (const auto& [k, v] : c.parameters) out.push_back({{"ParameterKey", k}, {"ParameterValue", v}});
    return out;
}

json describe_change_set(const Request& params, RouterState& state) {
    auto [s, c] = change_set_named(state, params);
    json changes = json::array();
    for (const auto& r : c->changes)
        changes.push_back({{"Type", "Resource"},
                           {"ResourceChange", {{"Action", "Add"}, {"LogicalResourceId", r.logical_id}, {"ResourceType", r.type},
                                               {"Scope", json::array()}, {"Details", json::array()}}}});
    json out = {{"ChangeSetName", c->name}, {"ChangeSetId", c->id}, {"StackId", s->id}, {"StackName", s->name}};
    if (!c->description.empty()) out["Description"] = c->description;
    out.update(json{{"Parameters", change_set_parameters(*c)},
                    {"CreationTime", c->creation_time},
                    {"ExecutionStatus", c->execution_status},
                    {"Status", c->status}});
    if (!c->status_reason.empty()) out["StatusReason"] = c->status_reason;
    out.update(json{{"NotificationARNs", json::array()}, {"RollbackConfiguration", json::object()}});
    if (!s->capabilities.empty()) out["Capabilities"] = s->capabilities;
    out.update(json{{"Changes", changes}, {"IncludeNestedStacks", false}});
    return out;
}

json list_change_sets(const Request& params, RouterState& state) {
    CloudFormationStack& s = stack_named(state, string_param(params, "StackName"));
    json summaries = json::array();
    for (const auto& c : s.change_sets) {
        json one = {{"StackId", s.id},       {"StackName", s.name}, {"ChangeSetId", c.id}, {"ChangeSetName", c.name},
                    {"ExecutionStatus", c.execution_status}, {"Status", c.status}};
        if (!c.status_reason.empty()) one["StatusReason"] = c.status_reason;
        one["CreationTime"] = c.creation_time;
        if (!c.description.empty()) one["Description"] = c.description;
        one["IncludeNestedStacks"] = false;
        summaries.push_back(std::move(one));
    }
    return {{"Summaries", summaries}};
}

json execute_change_set(const Request& params, RouterState& state) {
    auto [s, c] = change_set_named(state, params);
    if (c->execution_status != "AVAILABLE")
        throw ApiError("InvalidChangeSetStatus", "ChangeSet [" + c->id + "] cannot be executed in its current execution status of [" + c->execution_status + "]", "ChangeSetName");
    if (!state.load_stack_template) throw ApiError("InternalFailure", "no template loader is plugged into this router");
    // Executing one change set makes the stack's others obsolete (User Guide, "Execute a change set").
    const std::string body = c->template_body;
    const KeyValues parameters = c->parameters;
    for (auto& other : s->change_sets) other.execution_status = "OBSOLETE";
    c->execution_status = "EXECUTE_COMPLETE";
    create_stack_resources(state, *s, body, parameters);
    return json::object();
}

json delete_change_set(const Request& params, RouterState& state) {
    auto [s, c] = change_set_named(state, params);
    const std::string id = c->id;
    std::erase_if(s->change_sets, [&](const ChangeSet& x) { return x.id == id; });
    return json::object();
}

json update_stack(const Request& params, RouterState& state) {
    CloudFormationStack& s = stack_named(state, string_param(params, "StackName"));
    if (s.status != "CREATE_COMPLETE" && s.status != "UPDATE_COMPLETE")
        throw ApiError("ValidationError", "Stack:" + s.id + " is in " + s.status + " state and can not be updated.", "StackName");
    const bool previous_template = params.contains("UsePreviousTemplate") && params["UsePreviousTemplate"] == true;
    const std::string body = previous_template ? s.template_body : template_body_param(params);
    if (body == s.template_body && same_parameters(s, parameters_param(params, &s)))
        throw ApiError("ValidationError", "No updates are to be performed.");
    throw ApiError("ValidationError", "vpclab cannot update a stack's resources yet: delete the stack (aws cloudformation delete-stack) and create it again");
}

json get_template_summary(const Request& params, RouterState& state) {
    const std::string stack = string_param(params, "StackName");
    json parameters = json::array();
    std::vector<std::string> types;
    std::string description;
    if (!stack.empty()) {
        const CloudFormationStack& s = stack_named(state, stack);
        description = s.description;
        for (const auto& p : s.parameters) {
            json one = {{"ParameterKey", p.key}};
            if (p.has_default) one["DefaultValue"] = p.default_value;
            one.update(json{{"ParameterType", p.type}, {"NoEcho", p.no_echo}});
            if (!p.description.empty()) one["Description"] = p.description;
            one["ParameterConstraints"] = json::object();
            parameters.push_back(std::move(one));
        }
        for (const auto& r : s.resources)
            if (std::find(types.begin(), types.end(), r.type) == types.end()) types.push_back(r.type);
    } else {
        if (!state.validate_template) throw ApiError("InternalFailure", "no template loader is plugged into this router");
        const json checked = state.validate_template(template_body_param(params));
        parameters = checked.value("Parameters", json::array());
        description = checked.value("Description", std::string());
    }
    json out = {{"Parameters", parameters}};
    if (!description.empty()) out["Description"] = description;
    out.update(json{{"ResourceTypes", types}, {"Version", "2010-09-09"}, {"DeclaredTransforms", json::array()}});
    return out;
}

json delete_stack(const Request& params, RouterState& state) {
    // Deleting a stack that does not exist succeeds (API reference, DeleteStack), and so does deleting one
    // already on its way.
    CloudFormationStack* s = find_stack(state, string_param(params, "StackName"));
    if (!s || s->deleted() || s->status == "DELETE_IN_PROGRESS") return json::object();
    const auto retain = ec2::list_param(params, "RetainResources");
    if (!retain.empty() && s->status != "DELETE_FAILED")
        throw ApiError("ValidationError", "Invalid operation on stack [" + s->id + "]: RetainResources can only be specified when stack is in DELETE_FAILED state", "RetainResources");
    for (const auto& logical : retain) {
        auto it = std::find_if(s->resources.begin(), s->resources.end(), [&](const StackResource& r) { return r.logical_id == logical; });
        if (it == s->resources.end())
            throw ApiError("ValidationError", "The specified resources to retain must be in a valid state. Resource " + logical + " is not", "RetainResources");
    }
    const std::string time = ec2::now_iso8601();
    s->status = "DELETE_IN_PROGRESS";
    s->status_reason = "User Initiated";
    s->change_sets.clear();
    record_stack_event(*s, "DELETE_IN_PROGRESS", "User Initiated", time);
    for (auto& r : s->resources)
        if (std::find(retain.begin(), retain.end(), r.logical_id) != retain.end()) {
            r.status = "DELETE_SKIPPED";
            record_resource_event(*s, r, "DELETE_SKIPPED", "", time);
        }
    advance_stack_deletions(state);
    return json::object();
}

}  // namespace

std::vector<ActionSpec> cloudformation_change_actions() {
    constexpr const char* service = "cloudformation";
    const ParamSpec stack_name{"--stack-name", "StackName", K::string, true};
    const ParamSpec template_body{"--template-body", "TemplateBody", K::string, false};
    const ParamSpec template_url{"--template-url", "TemplateURL", K::string, false};
    const ParamSpec parameters{"--parameters", "Parameters", K::structures, false};
    const ParamSpec capabilities{"--capabilities", "Capabilities", K::list, false};
    const ParamSpec tags{"--tags", "Tags", K::structures, false};
    const ParamSpec change_set_name{"--change-set-name", "ChangeSetName", K::string, true};
    const ParamSpec optional_stack{"--stack-name", "StackName", K::string, false};
    return {
        {"create-stack", "CreateStack", "make a template's resources in the lab as a new stack",
         {stack_name, template_body, template_url, parameters, capabilities, tags}, create_stack, {}, service},
        {"create-change-set", "CreateChangeSet", "what a template would add (CREATE: a new stack, in REVIEW_IN_PROGRESS)",
         {stack_name, change_set_name, template_body, template_url, {"--use-previous-template", "UsePreviousTemplate", K::boolean, false},
          parameters, capabilities, tags, {"--description", "Description", K::string, false}, {"--change-set-type", "ChangeSetType", K::string, false}},
         create_change_set, {}, service},
        {"describe-change-set", "DescribeChangeSet", "a change set: its status and the resources it adds",
         {change_set_name, optional_stack, {"--next-token", "NextToken", K::string, false}}, describe_change_set, {}, service},
        {"list-change-sets", "ListChangeSets", "a stack's change sets", {stack_name, {"--next-token", "NextToken", K::string, false}}, list_change_sets,
         {}, service},
        {"execute-change-set", "ExecuteChangeSet", "make the change set's resources",
         {change_set_name, optional_stack, {"--disable-rollback", "DisableRollback", K::boolean, false}}, execute_change_set, {}, service},
        {"delete-change-set", "DeleteChangeSet", "forget a change set", {change_set_name, optional_stack}, delete_change_set, {}, service},
        {"update-stack", "UpdateStack", "update a stack (vpclab: only when nothing changes)",
         {stack_name, template_body, template_url, {"--use-previous-template", "UsePreviousTemplate", K::boolean, false}, parameters, capabilities, tags},
         update_stack, {}, service},
        {"get-template-summary", "GetTemplateSummary", "a template's or stack's parameters and resource types",
         {template_body, template_url, optional_stack}, get_template_summary, {}, service},
        {"delete-stack", "DeleteStack", "delete a stack's resources, newest first",
         {stack_name, {"--retain-resources", "RetainResources", K::list, false}}, delete_stack, {}, service},
    };
}

}  // namespace vpclab::router
