// vpclab's entry point: global flags, then dispatch to a subcommand.
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <iostream>

#include "router/cli/commands.hpp"
#include "router/cli/stack_client.hpp"
#include "router/template/template_error.hpp"

using namespace vpclab::router;

namespace {
const char* const usage = R"(vpclab: an AWS VPC on one Linux machine (network namespaces as instances, one userspace router)

usage: vpclab [-v|-vv] COMMAND [options]

  up [TEMPLATE] [--stack-name N] [--region R] [--parameter K=V]… [--strict] [--foreground]
     [--public-cidr 198.18.0.0/15] [--backend userspace|ovn [--chassis N]]
                         create the lab a CloudFormation template describes (none: the built-in seed lab)
  down [--stack-name N | --all]
                         remove a stack: router, namespaces, /etc/netns entries, sockets (also after kill -9)
  ls [--stack-name N]    instances: name, ID, subnet, private and public IP, namespace
  exec [--stack-name N] INSTANCE -- COMMAND…
                         run a command on an instance (its namespace, hostname and resolv.conf);
                         INSTANCE "region" is the simulated internet and AWS public services
  shell [--stack-name N] INSTANCE
                         an interactive shell on an instance
  stats [INSTANCE] [--stack-name N] [--output json]
                         frames and bytes per ENI, and drops by reason
  trace SOURCE DESTINATION [--protocol icmp|tcp|udp] [--port N] [--stack-name N] [--output json]
                         why a packet is delivered or dropped: every stage it meets, and its reply
                         (a dry run: nothing is sent); `trace --live SOURCE` follows real frames
  console [--stack-name N]
                         the lab's web console: prints its address (127.0.0.1, with a token) to open
                         in a browser: the resource map, the console's tables, live counters, traces
  diagram [--format text|dot|svg] [--stack-name N] [-o FILE]
                         the resource map without a browser: a tree for the terminal, Graphviz dot, or SVG
  capture INSTANCE|ENI|region [-w FILE] [-c COUNT] [-s SNAPLEN] [--stack-name N] [FILTER…]
                         what the router sees on that port, as pcapng (| tcpdump -n -r -, | wireshark -k -i -):
                         what it sends before and after the router's decision, and what it receives
  ec2 COMMAND [options]  EC2 API actions with aws CLI names: `vpclab ec2 help` lists them
  elbv2 COMMAND [options]  Elastic Load Balancing (network load balancers): `vpclab elbv2 help` lists them
  logs COMMAND [options]   CloudWatch Logs (flow logs' log groups): `vpclab logs help` lists them;
                         `vpclab logs tail GROUP [--follow]` prints a group's events as they come
  endpoint [--stack-name N]
                         the lab's AWS API endpoint (http://127.0.0.1:PORT) for the real aws CLI and SDKs
  aws [--stack-name N] SERVICE COMMAND [options]
                         runs the installed aws CLI with the lab's endpoint and credentials
  aws-env [--stack-name N]
                         `export` lines (credentials and config files, profile vpclab, region) for a shell

Commands act on the only running stack unless --stack-name says which. All need root.
`vpclab COMMAND --help` (and, as with the aws CLI, `vpclab ec2 COMMAND help`) shows a command's options.
)";
}  // namespace

int main(int argc, char** argv) {
    Args args(argv + 1, argv + argc);
    int verbosity = 0;
    while (!args.empty() && (args.front() == "-v" || args.front() == "-vv" || args.front() == "--verbose")) {
        verbosity += args.front() == "-vv" ? 2 : 1;
        args.erase(args.begin());
    }
    spdlog::set_level(verbosity >= 2 ? spdlog::level::trace : verbosity == 1 ? spdlog::level::debug : spdlog::level::info);
    if (args.empty() || args.front() == "help" || args.front() == "--help" || args.front() == "-h") {
        std::cout << usage;
        return args.empty() ? exit_usage : 0;
    }
    const std::string command = args.front();
    args.erase(args.begin());
    try {
        // Help needs no root; it is asked for before any operand (so `vpclab exec X ping -h` is the command's).
        const bool help_first = !args.empty() && (args[0] == "help" || args[0] == "--help" || args[0] == "-h");
        const bool ec2_help = (command == "ec2" || command == "elbv2" || command == "logs") && args.size() >= 2 && (args[1] == "help" || args[1] == "--help" || args[1] == "-h");
        const bool option_help = (command == "up" || command == "down" || command == "ls" || command == "stats" || command == "trace" ||
                                  command == "console" || command == "diagram" || command == "capture") && asks_for_help(args);
        if (::geteuid() != 0 && !help_first && !ec2_help && !option_help)
            throw UsageError("vpclab needs root (network namespaces, TAP devices): run it with sudo");
        if (command == "up") return command_up(args);
        if (command == "down") return command_down(args);
        if (command == "ls") return command_ls(args);
        if (command == "stats") return command_stats(args);
        if (command == "trace") return command_trace(args);
        if (command == "console") return command_console(args);
        if (command == "diagram") return command_diagram(args);
        if (command == "capture") return command_capture(args);
        if (command == "exec") return command_exec(args);
        if (command == "shell") return command_shell(args);
        if (command == "ec2") return command_ec2(args);
        if (command == "cloudformation")
            throw UsageError("CloudFormation is served to the real aws CLI: vpclab aws [--stack-name LAB] cloudformation describe-stacks … "
                             "(vpclab's --stack-name names the lab; the aws CLI's names a CloudFormation stack inside it)");
        if (command == "endpoint") return command_endpoint(args);
        if (command == "aws-env") return command_aws_env(args);
        if (command == "aws") return command_aws(args);
        if (command == "elbv2") return command_api("elbv2", args);
        if (command == "logs" && !args.empty() && args.front() == "tail") return command_logs_tail(Args(args.begin() + 1, args.end()));
        if (command == "logs") return command_api("logs", args);
        if (command == "__region-http") return command_region_http(args);
        if (command == "__region-https") return command_region_https(args);
        if (command == "__instance-init") return command_instance_init(args);
        throw UsageError("unknown command '" + command + "' (see `vpclab --help`)");
    } catch (const HelpRequested& help) {
        std::cout << help.what();
        return 0;
    } catch (const UsageError& e) {
        std::cerr << "vpclab: error: " << e.what() << '\n';
        return exit_usage;
    } catch (const vpclab::cfn::TemplateError& e) {
        std::cerr << "vpclab: error: " << e.what() << "\nNothing was created.\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "vpclab: error: " << e.what() << '\n';
        return 1;
    }
}
