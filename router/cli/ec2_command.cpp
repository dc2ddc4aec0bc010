// vpclab ec2 COMMAND: aws CLI style options in, the EC2 API's JSON out, aws CLI style errors.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "router/cli/commands.hpp"
#include "router/cli/options.hpp"
#include "router/edit_distance.hpp"
#include "router/cli/query.hpp"
#include "router/cli/shorthand.hpp"
#include "router/control/ec2_actions.hpp"

namespace vpclab::router {

namespace {

// RFC 3629 UTF-8: what a JSON string (and so an API parameter) can carry.
bool valid_utf8(const std::string& s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t extra;
        std::uint32_t cp;
        if (c < 0x80) {
            ++i;
            continue;
        }
        if ((c & 0xe0) == 0xc0) extra = 1, cp = c & 0x1fu;
        else if ((c & 0xf0) == 0xe0) extra = 2, cp = c & 0x0fu;
        else if ((c & 0xf8) == 0xf0) extra = 3, cp = c & 0x07u;
        else return false;
        if (i + extra >= s.size()) return false;  // the sequence is cut short
        for (std::size_t k = 1; k <= extra; ++k) {
            const auto d = static_cast<unsigned char>(s[i + k]);
            if ((d & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (d & 0x3f);
        }
        // Overlong forms, UTF-16 surrogates and values past U+10FFFF are not UTF-8.
        static constexpr std::uint32_t smallest[] = {0, 0x80, 0x800, 0x10000};
        if (cp < smallest[extra] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return false;
        i += extra + 1;
    }
    return true;
}

// The aws CLI refuses a value it cannot send with "Parameter validation failed" and exit status 252.
[[noreturn]] void invalid_parameter(const std::string& what) { throw UsageError("Parameter validation failed:\n" + what); }

// The aws CLI reads a value given as file://PATH (text) or fileb://PATH (bytes) from that file
// (--user-data file://setup.sh, --public-key-material fileb://~/.ssh/id_ed25519.pub).
std::string string_value(const char* option, const std::string& text) {
    const bool bytes = text.rfind("fileb://", 0) == 0;
    if (!bytes && text.rfind("file://", 0) != 0) return text;
    const std::string path = text.substr(bytes ? 8 : 7);
    std::ifstream in(path, std::ios::binary);
    if (!in) throw UsageError(std::string(option) + ": cannot read " + path);
    std::ostringstream content;
    content << in.rdbuf();
    if (content.str().size() > 16 * 1024) throw UsageError(std::string(option) + ": " + path + " is larger than 16 KB (EC2's limit for user data)");
    if (!bytes && !valid_utf8(content.str())) invalid_parameter(std::string("the file ") + path + " given to " + option + " is not UTF-8 text (fileb:// sends bytes)");
    return content.str();
}

// The JSON form of --filters, checked for the shape the API takes: [{"Name": "…", "Values": ["…"]}].
nlohmann::json checked_filters(nlohmann::json filters) {
    if (!filters.is_array()) {
        // Moved, never copied: a copy of user JSON recurses as deep as it nests.
        nlohmann::json one = nlohmann::json::array();
        one.push_back(std::move(filters));
        filters = std::move(one);
    }
    for (std::size_t i = 0; i < filters.size(); ++i) {
        const auto& f = filters[i];
        const std::string at = "Filters[" + std::to_string(i) + "]";
        if (!f.is_object()) invalid_parameter("Invalid type for parameter " + at + ": expected an object with Name and Values");
        for (const auto& [k, v] : f.items())
            if (k != "Name" && k != "Values") invalid_parameter("Unknown parameter in " + at + ": \"" + k + "\", must be one of: Name, Values");
        if (!f.contains("Name") || !f["Name"].is_string()) invalid_parameter("Invalid type for parameter " + at + ".Name: expected a string");
        if (!f.contains("Values") || !f["Values"].is_array()) invalid_parameter("Invalid type for parameter " + at + ".Values: expected a list of strings");
        for (std::size_t j = 0; j < f["Values"].size(); ++j)
            if (!f["Values"][j].is_string())
                invalid_parameter("Invalid type for parameter " + at + ".Values[" + std::to_string(j) + "]: expected a string");
    }
    return filters;
}

// The aws CLI's shorthand for a filter, "Name=vpc-id,Values=vpc-1,vpc-2", or its JSON form.
nlohmann::json parse_filter(const std::string& text) {
    if (!text.empty() && (text[0] == '[' || text[0] == '{')) {
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(text);
        } catch (const nlohmann::json::exception&) {
            throw UsageError("--filters: '" + text + "' is not valid JSON");
        }
        return checked_filters(std::move(j));
    }
    // The shorthand, read as every structure option is: a lone value is a one-item list.
    nlohmann::json f;
    try {
        f = parse_shorthand(text);
    } catch (const UsageError&) {
        throw UsageError("--filters takes Name=NAME,Values=V1,V2 (got '" + text + "')");
    }
    if (f.contains("Values") && f["Values"].is_string()) f["Values"] = nlohmann::json::array({f["Values"]});
    return checked_filters(std::move(f));
}

// EC2's AttributeBooleanValue as the aws CLI takes it: '{"Value":true}', 'Value=true', or true/false.
bool parse_attribute_boolean(const char* option, std::string text) {
    std::string compact;
    for (char c : text)
        if (!std::isspace(static_cast<unsigned char>(c))) compact += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (compact == "true" || compact == "value=true" || compact == "{\"value\":true}") return true;
    if (compact == "false" || compact == "value=false" || compact == "{\"value\":false}") return false;
    throw UsageError(std::string(option) + " takes '{\"Value\":true}', 'Value=true' or true/false (got '" + text + "')");
}

// `vpclab ec2 COMMAND help` (the aws CLI's form) or `--help`: the action's synopsis and options.
std::string action_help(const ActionSpec& spec) {
    const bool ec2 = std::string_view(spec.service) == "ec2";
    std::string text = std::string("usage: vpclab ") + spec.service + " " + spec.command + " [options] [--stack-name N]\n\n" + spec.summary +
                       (ec2 ? " (EC2 API action " : " (Elastic Load Balancing API action ") + spec.action + ")\n\noptions:\n";
    for (const auto& p : spec.params) {
        if (!p.option) continue;
        std::string value;
        switch (p.kind) {
            case ParamSpec::Kind::string: value = " VALUE"; break;
            case ParamSpec::Kind::list: value = " VALUE …"; break;
            case ParamSpec::Kind::filters: value = " Name=NAME,Values=V1,V2 …"; break;
            case ParamSpec::Kind::flag: break;
            case ParamSpec::Kind::attribute_boolean:
            case ParamSpec::Kind::boolean: value = " | --no-" + std::string(p.option).substr(2); break;
            case ParamSpec::Kind::structures: value = " Key=value,… | JSON …"; break;
        }
        text += std::string("  ") + p.option + value + (p.required ? "   (required)" : "") + "\n";
    }
    text += "  --stack-name N   the stack (default: the only running one)\n  --output json|text\n"
            "  --query PATH     a JMESPath path: Vpc.VpcId, Subnets[0].SubnetId, Reservations[].Instances[].InstanceId\n"
            "  --region R       must be the stack's region; --profile P and --no-cli-pager are accepted and change nothing\n";
    return text;
}

void print_service_help(const std::string& service) {
    std::cout << "usage: vpclab " << service << " COMMAND [options] [--stack-name N]\n\ncommands:\n";
    if (service == "ec2")
        std::cout << "  wait instance-running|instance-terminated --instance-ids ID …\n"
                     "  wait nat-gateway-available|nat-gateway-deleted --nat-gateway-ids ID …\n      poll until they are in that state\n";
    if (service == "logs") std::cout << "  tail GROUP [--since 10m] [--follow] [--format detailed|short] [--filter-pattern P]\n      a log group's events, and with --follow each new one\n";
    for (const auto& a : ec2_actions()) {
        if (service != a.service) continue;
        std::cout << "  " << a.command << "\n      " << a.summary << "\n     ";
        for (const auto& p : a.params)
            if (p.option) std::cout << ' ' << (p.required ? "" : "[") << p.option << (p.required ? "" : "]");
        std::cout << '\n';
    }
}

}  // namespace

// `vpclab ec2 wait WAITER --<ids> …`: the aws CLI's waiters (botocore's ec2 waiters-2.json), polling a
// describe call until every resource is in the state (at most `wait_seconds`).
namespace {
struct Waiter {
    const char* name;
    const char* action;      // the describe call polled
    const char* ids_option;  // its IDs' option and parameter
    const char* ids_param;
    const char* wanted;      // the state each must reach
    bool instances;          // states at Reservations[].Instances[].State.Name, else NatGateways[].State
};
constexpr Waiter waiters[] = {
    {"instance-running", "DescribeInstances", "instance-ids", "InstanceIds", "running", true},
    {"instance-terminated", "DescribeInstances", "instance-ids", "InstanceIds", "terminated", true},
    {"nat-gateway-available", "DescribeNatGateways", "nat-gateway-ids", "NatGatewayIds", "available", false},
    {"nat-gateway-deleted", "DescribeNatGateways", "nat-gateway-ids", "NatGatewayIds", "deleted", false},
};
constexpr const char* waiter_names = "instance-running, instance-terminated, nat-gateway-available, nat-gateway-deleted";
}  // namespace

int command_ec2_wait(const Args& args) {
    constexpr int wait_seconds = 60;
    if (args.size() < 2 || asks_for_help(Args(args.begin() + 1, args.end())))
        throw HelpRequested("usage: vpclab ec2 wait instance-running|instance-terminated --instance-ids ID … [--stack-name N]\n"
                            "       vpclab ec2 wait nat-gateway-available|nat-gateway-deleted --nat-gateway-ids ID … [--stack-name N]\n\n"
                            "Polls until every resource is in that state (at most " + std::to_string(wait_seconds) + " s), as the aws CLI's waiters do.\n");
    const Waiter* waiter = nullptr;
    for (const auto& w : waiters)
        if (args[1] == w.name) waiter = &w;
    if (!waiter) throw UsageError("ec2 wait: unknown waiter '" + args[1] + "' (" + waiter_names + ")");
    po::options_description options("vpclab ec2 wait options");
    options.add_options()("stack-name", po::value<std::string>(), "stack")(waiter->ids_option, po::value<std::vector<std::string>>()->multitoken()->composing(), "IDs")(
        "region", po::value<std::string>(), "ignored")("profile", po::value<std::string>(), "ignored")("no-cli-pager", po::bool_switch(), "ignored");
    const auto vm = parse_options(Args(args.begin() + 2, args.end()), options);
    if (!vm.count(waiter->ids_option)) throw UsageError(std::string("the following arguments are required: --") + waiter->ids_option);
    const std::string stack = resolve_stack(optional_string(vm, "stack-name"));
    const nlohmann::json params = {{waiter->ids_param, vm[waiter->ids_option].as<std::vector<std::string>>()}};
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_seconds);
    while (true) {
        const auto reply = call_stack(stack, waiter->action, params);
        if (!reply.value("ok", false)) {
            std::cerr << "\nWaiter " << args[1] << " failed: " << reply["error"]["Message"].get<std::string>() << '\n';
            return 255;
        }
        bool all = true;
        if (waiter->instances) {
            for (const auto& r : reply["result"]["Reservations"])
                for (const auto& i : r["Instances"]) all = all && i["State"]["Name"] == waiter->wanted;
        } else {
            for (const auto& g : reply["result"]["NatGateways"]) all = all && g["State"] == waiter->wanted;
        }
        if (all) return 0;
        if (std::chrono::steady_clock::now() > deadline) {
            std::cerr << "\nWaiter " << args[1] << " failed: Max attempts exceeded (" << wait_seconds << " s)\n";
            return 255;
        }
        // The waiter's poll interval (the aws CLI's is 15 s). Each poll is served on the router's one
        // thread (a few ms to describe a hundred instances of a 400-instance lab), so not too often.
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
}

int command_ec2(const Args& args) { return command_api("ec2", args); }

int command_api(const std::string& service, const Args& args) {
    if (args.empty() || args.front() == "help" || args.front() == "--help") {
        print_service_help(service);
        return args.empty() ? exit_usage : 0;
    }
    if (service == "ec2" && args.front() == "wait") return command_ec2_wait(args);
    if (args.front().rfind("-", 0) == 0)
        throw UsageError(service + ": the command comes first: vpclab " + service + " COMMAND [options] (got '" + args.front() + "'; see `vpclab " +
                         service + " help`)");
    const ActionSpec* spec = find_action_by_command(args.front(), service);
    if (!spec) {
        std::vector<std::string> close;
        std::string elsewhere;
        for (const auto& a : ec2_actions()) {
            if (service == a.service && edit_distance(args.front(), a.command) <= 3) close.push_back(a.command);
            if (service != a.service && args.front() == a.command) elsewhere = std::string(" (it is `vpclab ") + a.service + " " + a.command + "`)";
        }
        std::string hint;
        for (const auto& c : close) hint += (hint.empty() ? "; did you mean " : " or ") + c;
        throw UsageError(service + ": unknown command '" + args.front() + "'" + (hint.empty() ? "" : hint + "?") + elsewhere + " (see `vpclab " +
                         service + " help`)");
    }

    if (asks_for_help(Args(args.begin() + 1, args.end()))) throw HelpRequested(action_help(*spec));
    po::options_description options("vpclab " + service + " " + spec->command + " options");
    // The aws CLI's global options: --region must be the stack's; --profile and --no-cli-pager change
    // nothing here (there are no credentials and no pager), so a command copied from a real shell runs.
    options.add_options()("stack-name", po::value<std::string>(), "stack")("output", po::value<std::string>()->default_value("json"), "json or text")(
        "query", po::value<std::string>(), "a JMESPath path, e.g. Vpc.VpcId")(
        "region", po::value<std::string>(), "must be the stack's region")("profile", po::value<std::string>(), "accepted, unused")(
        "no-cli-pager", po::bool_switch(), "accepted (vpclab never pages)");
    for (const auto& p : spec->params) {
        if (!p.option) continue;  // a member only the wire sends (RunInstances' MinCount)
        const std::string flag = std::string(p.option).substr(2);
        if (p.kind == ParamSpec::Kind::string) options.add_options()(flag.c_str(), po::value<std::string>(), p.name);
        else if (p.kind == ParamSpec::Kind::flag) options.add_options()(flag.c_str(), po::bool_switch(), p.name);
        else if (p.kind == ParamSpec::Kind::boolean) {
            options.add_options()(flag.c_str(), po::bool_switch(), p.name);
            options.add_options()(("no-" + flag).c_str(), po::bool_switch(), p.name);
        } else if (p.kind == ParamSpec::Kind::attribute_boolean) {
            options.add_options()(flag.c_str(), po::value<std::string>()->implicit_value("true"), p.name);
            options.add_options()(("no-" + flag).c_str(), po::bool_switch(), p.name);
        } else options.add_options()(flag.c_str(), po::value<std::vector<std::string>>()->multitoken()->composing(), p.name);
    }
    for (std::size_t i = 1; i < args.size(); ++i)
        if (!valid_utf8(args[i])) {
            const std::string option = i > 1 && args[i - 1].rfind("--", 0) == 0 ? args[i - 1] : "argument " + std::to_string(i);
            invalid_parameter("the value of " + option + " is not valid UTF-8 text");
        }
    const auto vm = parse_options(Args(args.begin() + 1, args.end()), options);
    const std::string output = vm["output"].as<std::string>();
    if (output != "json" && output != "text")
        throw UsageError("--output " + output + ": vpclab prints json or text" +
                         (output == "table" ? std::string(" (for tables, the real aws CLI: vpclab aws " + service + " " + spec->command + " … --output table)") : std::string()));
    const auto query = optional_string(vm, "query");
    if (query) apply_query(nlohmann::ordered_json::object(), *query);  // a bad path is refused before anything is sent

    nlohmann::json params = nlohmann::json::object();
    std::vector<std::string> missing;
    for (const auto& p : spec->params) {
        if (!p.option) continue;
        const std::string flag = std::string(p.option).substr(2);
        if (p.kind == ParamSpec::Kind::flag) {
            if (vm[flag].as<bool>()) params[p.name] = true;
            continue;
        }
        if (p.kind == ParamSpec::Kind::boolean) {
            const bool yes = vm[flag].as<bool>(), no = vm["no-" + flag].as<bool>();
            if (yes && no) throw UsageError(std::string(p.option) + " and --no-" + flag + " contradict each other");
            if (yes || no) params[p.name] = yes;
            continue;
        }
        if (p.kind == ParamSpec::Kind::attribute_boolean) {
            if (vm["no-" + flag].as<bool>()) {
                if (vm.count(flag)) throw UsageError(std::string(p.option) + " and --no-" + flag + " contradict each other");
                params[p.name] = {{"Value", false}};
            } else if (vm.count(flag)) {
                params[p.name] = {{"Value", parse_attribute_boolean(p.option, vm[flag].as<std::string>())}};
            }
            continue;
        }
        if (!vm.count(flag)) {
            if (p.required) missing.push_back(p.option);
            continue;
        }
        if (p.kind == ParamSpec::Kind::string) {
            params[p.name] = string_value(p.option, vm[flag].as<std::string>());
        } else if (p.kind == ParamSpec::Kind::structures) {
            params[p.name] = nlohmann::json::array();
            for (const auto& text : vm[flag].as<std::vector<std::string>>())
                for (auto& one : parse_structures(p.option, text)) params[p.name].push_back(std::move(one));
        } else if (p.kind == ParamSpec::Kind::filters) {
            params[p.name] = nlohmann::json::array();
            for (const auto& f : vm[flag].as<std::vector<std::string>>())
                for (const auto& one : parse_filter(f)) params[p.name].push_back(one);
        } else {
            params[p.name] = vm[flag].as<std::vector<std::string>>();
        }
    }
    if (!missing.empty()) {
        std::string list;
        for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
        throw UsageError("the following arguments are required: " + list);
    }

    const std::string stack = resolve_stack(optional_string(vm, "stack-name"));
    if (const auto region = optional_string(vm, "region")) {
        const auto listing = call_stack(stack, "Vpclab.ListLab");
        const std::string stack_region = listing["result"].value("Region", "");
        if (*region != stack_region)
            throw UsageError("--region " + *region + ": stack " + stack + " imitates " + stack_region + " (vpclab up --region chooses it)");
    }
    // Throttled calls are retried, as the aws CLI retries them (its "legacy" retry mode: up to 5 attempts,
    // growing waits). vpclab throttles CreateKeyPair while the next key is still being made.
    auto reply = call_stack(stack, spec->action, params);
    for (int attempt = 1; attempt < 5 && !reply.value("ok", false) && reply["error"].value("Code", "") == "RequestLimitExceeded"; ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200 << (attempt - 1)));
        reply = call_stack(stack, spec->action, params);
    }
    if (!reply.value("ok", false)) {
        std::cerr << "\nAn error occurred (" << reply["error"]["Code"].get<std::string>() << ") when calling the " << spec->action
                  << " operation: " << reply["error"]["Message"].get<std::string>() << '\n';
        return exit_api_error;
    }
    const nlohmann::ordered_json shown = query ? apply_query(reply["result"], *query) : reply["result"];
    if (output == "text") std::cout << text_output(shown);
    else if (query || !shown.empty()) std::cout << shown.dump(4) << '\n';
    return 0;
}

}  // namespace vpclab::router
