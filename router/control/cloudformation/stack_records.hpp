// What the CloudFormation family's files share: finding a stack as StackName names it, naming new stacks and
// change sets, and recording events as CloudFormation lists them.
#pragma once

#include <string>

#include "router/control/cloudformation/cloudformation_stack.hpp"
#include "router/router_state.hpp"

namespace vpclab::router::cloudformation {

// CloudFormation's answer to a name or ID it has no stack for (ValidationError, status 400).
[[noreturn]] void no_such_stack(const std::string& which);
// StackName as CloudFormation reads it: a live stack by name, any stack (a deleted one too) by its ID.
CloudFormationStack* find_stack(RouterState& state, const std::string& which);
CloudFormationStack& stack_named(RouterState& state, const std::string& which);

// A new stack's or change set's ARN: arn:aws:cloudformation:<region>:<account>:<kind>/<name>/<uuid>.
std::string new_arn(const RouterState& state, const char* kind, const std::string& name);
// A stack or change set name as CloudFormation checks it: a letter, then letters, digits and hyphens, at
// most 128 characters (API reference, CreateStack "StackName"); else ValidationError naming `member`.
void check_name(const std::string& name, const char* member);

// How many deleted stacks a lab keeps listed (ListStacks, DescribeStacks by ID): the most recently deleted.
inline constexpr std::size_t max_deleted_stacks = 100;
void forget_old_deleted_stacks(RouterState& state);
// A stack keeps its newest events, at most this many (each deletion attempt adds some).
inline constexpr std::size_t max_events_per_stack = 2000;

void record_stack_event(CloudFormationStack& s, const std::string& status, const std::string& reason, const std::string& time);
void record_resource_event(CloudFormationStack& s, const StackResource& r, const std::string& status, const std::string& reason,
                           const std::string& time);
// Each resource's CREATE_IN_PROGRESS (twice: before and after it has a physical ID) and CREATE_COMPLETE,
// at `time` (vpclab creates a template at once).
void record_resource_creation(CloudFormationStack& s, const std::string& time);

}  // namespace vpclab::router::cloudformation
