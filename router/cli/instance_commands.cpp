// vpclab exec and vpclab shell.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "router/cli/commands.hpp"
#include "router/cli/instance_exec.hpp"
#include "router/cli/options.hpp"
#include "router/lab/instance_init.hpp"
#include "router/lab/stack_state.hpp"
#include "router/region_http_server.hpp"
#include "router/region_https_server.hpp"

namespace vpclab::router {

namespace {
struct InstanceArgs {
    std::optional<std::string> stack;
    std::string instance;
    Args command;
};

// [--stack-name S] INSTANCE [--stack-name S] [--] COMMAND…: --stack-name may come before or after the
// instance; what follows `--` (or, without one, the first other word after the instance) is the command.
InstanceArgs split_instance_args(const Args& args, bool want_command) {
    const char* usage = want_command ? "usage: vpclab exec [--stack-name S] INSTANCE [--stack-name S] -- COMMAND…\n"
                                       "  INSTANCE: a Name tag, instance ID or namespace (see `vpclab ls`), or \"region\"\n"
                                     : "usage: vpclab shell [--stack-name S] INSTANCE [--stack-name S]\n"
                                       "  INSTANCE: a Name tag, instance ID or namespace (see `vpclab ls`), or \"region\"\n";
    InstanceArgs out;
    auto stack_option = [&](std::size_t& i) {
        if (args[i] == "--stack-name") {
            if (i + 1 >= args.size()) throw UsageError("--stack-name needs a value");
            out.stack = args[++i];
            return true;
        }
        if (args[i].rfind("--stack-name=", 0) == 0) {
            out.stack = args[i].substr(13);
            return true;
        }
        return false;
    };
    std::size_t i = 0;
    for (; i < args.size(); ++i) {
        if (args[i] == "--help" || args[i] == "-h" || (args[i] == "help" && args.size() == 1)) throw HelpRequested(usage);
        if (stack_option(i)) continue;
        if (args[i] == "--") continue;
        if (!args[i].empty() && args[i][0] == '-') throw UsageError("unknown option " + args[i]);
        out.instance = args[i++];
        break;
    }
    while (i < args.size() && stack_option(i)) ++i;
    if (i < args.size() && args[i] == "--") ++i;
    out.command.assign(args.begin() + static_cast<long>(i), args.end());
    if (out.instance.empty()) throw UsageError("which instance? (see `vpclab ls`)");
    if (want_command && out.command.empty()) throw UsageError("usage: vpclab exec [--stack-name S] INSTANCE -- COMMAND…");
    if (!want_command && !out.command.empty()) throw UsageError("vpclab shell takes no command; use vpclab exec");
    return out;
}

// The instance's init (0 for the region, which has none). An instance whose init is gone is refused, never
// entered with the host's files in place of its own.
int init_of(const InstanceLocation& where) {
    const std::string id = where.instance.value("InstanceId", std::string());
    if (id.rfind("i-", 0) != 0) return 0;
    const pid_t pid = live_instance_init(InstanceViewPaths::of(where.stack, id), where.instance["Namespace"]);
    if (pid == 0)
        throw std::runtime_error("instance " + id + " has no running init (process vpclab-instance), so none of its own files: "
                                 "was it killed? `vpclab ec2 terminate-instances` and run it again, or `vpclab down` and `up`");
    return pid;
}

// The region's own /root, made by the router (its known_hosts stays in the lab).
std::string own_root_of(const InstanceLocation& where) {
    if (where.instance.value("InstanceId", std::string()).rfind("i-", 0) == 0) return "";
    const auto dir = StackPaths::of(where.stack).dir / "region-root";
    return std::filesystem::is_directory(dir) ? dir.string() : "";
}

}  // namespace

int command_exec(const Args& args) {
    const InstanceArgs a = split_instance_args(args, true);
    const InstanceLocation where = find_instance(a.stack, a.instance);
    return exec_in_instance({where.instance["Namespace"], where.instance["Hostname"], "", init_of(where), own_root_of(where)}, a.command);
}

int command_shell(const Args& args) {
    const InstanceArgs a = split_instance_args(args, false);
    const InstanceLocation where = find_instance(a.stack, a.instance);
    const std::string name = where.instance["Name"];
    std::cerr << "vpclab: shell on " << name << " (" << where.instance["InstanceId"].get<std::string>() << ", "
              << where.instance["PrivateIpAddress"].get<std::string>() << ") in stack " << where.stack << "; exit to leave\n";
    // The prompt shows the EC2-style hostname, as on the instance, and the instance's name.
    // A login lands in root's home, so the prompt reads [root@ip-10-10-1-4 … ~]# as in the seed's blog.
    const char* home = std::getenv("HOME");
    return exec_in_instance({where.instance["Namespace"], where.instance["Hostname"], home && *home ? home : "/root", init_of(where), own_root_of(where)},
                            {"bash", "--norc", "--noprofile", "-i"},
                            {{"PS1", "[root@\\h " + name + " \\W]\\$ "}, {"VPCLAB_INSTANCE", name}, {"VPCLAB_STACK", where.stack}});
}

}  // namespace vpclab::router

namespace vpclab::router {

int command_region_http(const Args& args) {
    if (args.size() != 4) throw UsageError("__region-http NETNS REGION PUBLIC_CIDR ENDPOINTS_TABLE (started by the router)");
    const endpoints::RegionCatalog catalog(args[1], endpoints::PublicAddressPlan::from(args[2]));
    return run_region_http_server(args[0], catalog, args[3]);
}

int command_region_https(const Args& args) {
    if (args.size() != 4) throw UsageError("__region-https NETNS CERTIFICATE KEY API_SOCKET (started by the router)");
    return run_region_https_server({args[0], args[1], args[2], args[3]});
}

// Started by the router (instance_init.cpp), never by hand; its arguments are checked again here.
int command_instance_init(const Args& args) {
    try {
        return run_instance_init(parse_instance_init_arguments(args));
    } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("__instance-init (started by the router): ") + e.what());
    }
}

}  // namespace vpclab::router
