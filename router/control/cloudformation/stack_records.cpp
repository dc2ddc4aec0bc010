// Finding, naming and recording CloudFormation stacks: the helpers the family's files share.
#include "router/control/cloudformation/stack_records.hpp"

#include <cctype>

#include "router/random_uuid.hpp"
#include "routing/api_error.hpp"
#include "routing/aws_account.hpp"

namespace vpclab::router::cloudformation {

using routing::ApiError;

void no_such_stack(const std::string& which) { throw ApiError("ValidationError", "Stack with id " + which + " does not exist", "StackName"); }

CloudFormationStack* find_stack(RouterState& state, const std::string& which) {
    for (auto& s : state.cloudformation_stacks)
        if ((s.name == which && !s.deleted()) || s.id == which) return &s;
    return nullptr;
}

CloudFormationStack& stack_named(RouterState& state, const std::string& which) {
    if (CloudFormationStack* s = find_stack(state, which)) return *s;
    no_such_stack(which);
}

std::string new_arn(const RouterState& state, const char* kind, const std::string& name) {
    return "arn:aws:cloudformation:" + state.model->region() + ":" + routing::lab_account_id + ":" + kind + "/" + name + "/" + random_uuid();
}

void check_name(const std::string& name, const char* member) {
    const bool ok = !name.empty() && name.size() <= 128 && std::isalpha(static_cast<unsigned char>(name[0])) &&
                    std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; });
    if (!ok) {
        std::string field = member;
        field[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(field[0])));
        throw ApiError("ValidationError", "1 validation error detected: Value '" + name + "' at '" + field +
                                              "' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]* and have length less than or equal to 128",
                       member);
    }
}

void forget_old_deleted_stacks(RouterState& state) {
    auto& stacks = state.cloudformation_stacks;
    while (true) {
        std::size_t deleted = 0;
        auto oldest = stacks.end();
        for (auto it = stacks.begin(); it != stacks.end(); ++it)
            if (it->deleted()) {
                ++deleted;
                if (oldest == stacks.end() || it->deletion_time < oldest->deletion_time) oldest = it;  // ISO 8601 sorts as text
            }
        if (deleted <= max_deleted_stacks) return;
        stacks.erase(oldest);
    }
}

namespace {
void add_event(CloudFormationStack& s, StackEvent e) {
    if (s.events.size() >= max_events_per_stack) s.events.erase(s.events.begin(), s.events.begin() + static_cast<std::ptrdiff_t>(s.events.size() / 4));
    s.events.push_back(std::move(e));
}
}  // namespace

void record_stack_event(CloudFormationStack& s, const std::string& status, const std::string& reason, const std::string& time) {
    add_event(s, {random_uuid(), s.name, s.id, "AWS::CloudFormation::Stack", status, reason, time});
}

void record_resource_event(CloudFormationStack& s, const StackResource& r, const std::string& status, const std::string& reason,
                           const std::string& time) {
    // CloudFormation's resource event IDs: <logical ID>-<status>-<timestamp>, made unique here by the stack's
    // count of events (a resource may reach one status twice at one time).
    const std::string id = r.logical_id + "-" + status + "-" + time + "-" + std::to_string(++s.events_recorded);
    add_event(s, {id, r.logical_id, r.physical_id, r.type, status, reason, time});
}

void record_resource_creation(CloudFormationStack& s, const std::string& time) {
    for (auto& r : s.resources) {
        r.timestamp = time;
        r.status = "CREATE_COMPLETE";
        StackResource before_id = r;
        before_id.physical_id.clear();
        record_resource_event(s, before_id, "CREATE_IN_PROGRESS", "", time);
        record_resource_event(s, r, "CREATE_IN_PROGRESS", "Resource creation Initiated", time);
        record_resource_event(s, r, "CREATE_COMPLETE", "", time);
    }
}

}  // namespace vpclab::router::cloudformation
