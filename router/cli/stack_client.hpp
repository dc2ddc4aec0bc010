// CLI helpers for commands that act on running stacks: choosing the stack, calling its router.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace vpclab::router {

// A usage or lookup error the CLI reports as "vpclab: error: …" (exit status 252, like the aws CLI).
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// `--help`, `-h` or (the aws CLI's form) a lone `help` was asked for: main prints the text and exits 0.
struct HelpRequested : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Whether `args` ask for help: `--help` or `-h` anywhere before a `--`, or `help` as the only argument.
bool asks_for_help(const std::vector<std::string>& args);

// `name` if it is a valid stack name (the rules `up` applies), else UsageError saying why. Every command
// that takes --stack-name passes it through here before any path is built from it.
std::string checked_stack_name(const std::string& name);
// Stacks whose router is alive.
std::vector<std::string> running_stacks();
// The stack a command means: the one named, else the only running one; UsageError otherwise.
std::string resolve_stack(const std::optional<std::string>& stack_name);
// Sends {"Action": action, "Params": params} to the stack's router and returns the reply.
nlohmann::ordered_json call_stack(const std::string& stack, const std::string& action, const nlohmann::json& params = nlohmann::json::object());
// A reply's result, or its error's message thrown (std::runtime_error).
nlohmann::ordered_json ok_result(const nlohmann::ordered_json& reply);

struct InstanceLocation {
    std::string stack;
    nlohmann::json instance;  // an entry of Vpclab.ListLab's "Instances"
};
// Finds an instance by Name tag, instance ID or namespace, in the named stack or across all running stacks
// (then it must be unique).
InstanceLocation find_instance(const std::optional<std::string>& stack_name, const std::string& which);

}  // namespace vpclab::router
