// Finding stacks and instances, and calling a stack's router.
#include "router/cli/stack_client.hpp"

#include "router/control/control_socket.hpp"
#include "router/lab/stack_state.hpp"

namespace vpclab::router {

std::vector<std::string> running_stacks() {
    std::vector<std::string> out;
    for (const auto& s : known_stacks())
        if (live_router_pid(s)) out.push_back(s);
    return out;
}

bool asks_for_help(const std::vector<std::string>& args) {
    if (args.size() == 1 && args.front() == "help") return true;
    for (const auto& a : args) {
        if (a == "--") return false;
        if (a == "--help" || a == "-h") return true;
    }
    return false;
}

std::string checked_stack_name(const std::string& name) {
    std::string why;
    if (!valid_stack_name(name, &why)) throw UsageError(why);
    return name;
}

std::string resolve_stack(const std::optional<std::string>& name) {
    if (name) {
        checked_stack_name(*name);
        if (!live_router_pid(*name)) {
            if (stack_exists(*name))
                throw UsageError("stack '" + *name + "' is not running (its router died); `vpclab down --stack-name " + *name + "` removes what is left");
            throw UsageError("no stack named '" + *name + "' is running");
        }
        return *name;
    }
    const auto stacks = running_stacks();
    if (stacks.size() == 1) return stacks.front();
    if (stacks.empty()) throw UsageError("no stack is running (start one with `vpclab up`)");
    std::string list;
    for (const auto& s : stacks) list += " " + s;
    throw UsageError("several stacks are running (" + list.substr(1) + "); choose one with --stack-name");
}

nlohmann::ordered_json call_stack(const std::string& stack, const std::string& action, const nlohmann::json& params) {
    return call_router(StackPaths::of(stack).control_socket, {{"Action", action}, {"Params", params}});
}

InstanceLocation find_instance(const std::optional<std::string>& stack_name, const std::string& which) {
    std::vector<std::string> stacks = stack_name ? std::vector<std::string>{resolve_stack(stack_name)} : running_stacks();
    if (stacks.empty()) throw UsageError("no stack is running (start one with `vpclab up`)");
    std::vector<InstanceLocation> found;
    std::string terminated;  // a terminated instance of that name or ID, for the message when nothing runs
    for (const auto& stack : stacks) {
        nlohmann::json reply;
        try {
            reply = call_stack(stack, "Vpclab.ListLab");
        } catch (const std::exception&) {
            if (stack_name) throw;
            continue;  // a router dying right now: it cannot run commands anyway
        }
        for (const auto& inst : reply["result"]["Instances"])
            if (inst["Name"] == which || inst["InstanceId"] == which || inst["Namespace"] == which) found.push_back({stack, inst});
        for (const auto& inst : reply["result"].value("Terminated", nlohmann::json::array()))
            if (inst["Name"] == which || inst["InstanceId"] == which)
                terminated = inst["InstanceId"].get<std::string>() + " in stack " + stack;
        // "region" is the simulated internet itself: tcpdump there shows what leaves through the IGW.
        const std::string region_ns = reply["result"].value("RegionNamespace", "");
        if (which == "region" || which == region_ns)
            found.push_back({stack, {{"Name", "region"}, {"InstanceId", "-"}, {"PrivateIpAddress", "-"}, {"Namespace", region_ns}, {"Hostname", "region"}}});
    }
    if (found.size() == 1) {
        // A pending instance's namespace is still being made.
        if (found.front().instance.value("State", std::string()) == "pending")
            throw UsageError("instance '" + which + "' is pending (its namespace is being made); `vpclab ec2 wait instance-running --instance-ids " +
                             found.front().instance.value("InstanceId", std::string()) + "` waits for it");
        return found.front();
    }
    if (found.empty() && !terminated.empty())
        throw UsageError("instance '" + which + "' (" + terminated + ") is terminated: its namespace and files are gone (EC2 lists it for an hour)");
    if (found.empty()) throw UsageError("no instance named '" + which + "' in " + (stack_name ? "stack " + *stack_name : std::string("any running stack")) + " (see `vpclab ls`)");
    std::string where, ids;
    bool one_stack = true;
    for (const auto& f : found) {
        where += " " + f.stack;
        ids += " " + f.instance.value("InstanceId", std::string()) + " (" + f.instance.value("Namespace", std::string()) + ")";
        one_stack = one_stack && f.stack == found.front().stack;
    }
    if (one_stack)
        throw UsageError("several instances are named '" + which + "' in stack " + found.front().stack + ":" + ids + "; name one by its instance ID or namespace");
    throw UsageError("instance '" + which + "' exists in several stacks (" + where.substr(1) + "); choose one with --stack-name");
}

nlohmann::ordered_json ok_result(const nlohmann::ordered_json& reply) {
    if (!reply.value("ok", false)) throw std::runtime_error(reply["error"]["Message"].get<std::string>());
    return reply["result"];
}

}  // namespace vpclab::router
