// vpclab up, down, ls and stats.
#include <signal.h>

#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

#include "endpoints/region_catalog.hpp"
#include "router/cli/commands.hpp"
#include "router/cli/options.hpp"
#include "router/lab/stack_state.hpp"
#include "router/router_process.hpp"
#include "router/template/template_loader.hpp"

namespace vpclab::router {

namespace {

// A plain text table with columns sized to their contents.
void print_table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths;
    for (const auto& row : rows)
        for (std::size_t i = 0; i < row.size(); ++i) {
            if (widths.size() <= i) widths.push_back(0);
            widths[i] = std::max(widths[i], row[i].size());
        }
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
        }
        std::cout << line << '\n';
    }
}

void print_instances(const std::vector<std::pair<std::string, nlohmann::json>>& listings) {
    std::vector<std::vector<std::string>> rows{{"STACK", "NAME", "INSTANCE ID", "SUBNET", "PRIVATE IP", "PUBLIC IP", "NAMESPACE", "STATE"}};
    for (const auto& [stack, listing] : listings)
        for (const auto& i : listing["Instances"]) {
            const std::string pub = i["PublicIpAddress"];
            const std::string subnet_name = i["SubnetName"], subnet_id = i["SubnetId"];
            rows.push_back({stack, i["Name"], i["InstanceId"], (subnet_name == subnet_id ? std::string("-") : subnet_name) + " (" + subnet_id + ")",
                            i["PrivateIpAddress"], pub.empty() ? "-" : pub, i["Namespace"], i.value("State", std::string("running"))});
        }
    print_table(rows);
    for (const auto& [stack, listing] : listings)
        if (const std::string url = listing.value("AwsEndpoint", std::string()); !url.empty())
            std::cout << "AWS API of " << stack << ": " << url << "   (vpclab aws --stack-name " << stack << " ec2 describe-vpcs)\n";
}

std::string stack_name_from_file(const std::string& path) {
    std::string stem = std::filesystem::path(path).stem().string();
    std::string name;
    for (char c : stem) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
    if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0]))) name = "lab-" + name;
    return name.substr(0, 64);
}


}  // namespace

int command_up(const Args& args) {
    po::options_description options("vpclab up options");
    options.add_options()("template", po::value<std::string>(), "CloudFormation template (YAML or JSON)")(
        "stack-name", po::value<std::string>(), "the lab's name (default: the template's file name); the template becomes the lab's first CloudFormation stack, of the same name")(
        "region", po::value<std::string>()->default_value("ap-northeast-2"), "AWS region the lab imitates")(
        "parameter", po::value<std::vector<std::string>>()->composing(), "template parameter KEY=VALUE (repeatable)")(
        "strict", po::bool_switch(), "unsupported resource types or properties are an error")(
        "public-cidr", po::value<std::string>()->default_value("198.18.0.0/15"), "the simulated public range (a /15)")(
        "foreground", po::bool_switch(), "keep the router attached to this terminal")(
        "max-tracked-connections", po::value<std::size_t>()->default_value(131072),
        "security group connection tracking table: flows (32 bytes × 2 each; default 8 MiB)")(
        "health-check-speedup", po::value<int>()->default_value(1),
        "run load balancers' health checks N times faster than their interval and timeout say (1 to 30; 1: as AWS)")(
        "flow-log-speedup", po::value<int>()->default_value(1),
        "close flow logs' aggregation windows N times sooner than their MaxAggregationInterval says (1 to 600; 60: a 60 s window lasts 1 s)")(
        "nat-idle-timeout", po::value<int>()->default_value(350),
        "NAT gateways' idle timeout in seconds (10 to 350; 350: as AWS), shorter to see the RST they send in class")(
        "workers", po::value<int>()->default_value(1),
        "forwarding threads: 1 (the event loop alone) or 2 (a second thread takes half the ports; README, Performance)")(
        "tap-writes", po::value<std::string>()->default_value("io_uring"),
        "how a batch's frames are written to the TAPs: io_uring (together, one system call) or write (one call each)")(
        "empty", po::bool_switch(), "no template: only the region and the resolver, to build a VPC with `vpclab ec2` commands")(
        "backend", po::value<std::string>()->default_value("userspace"),
        "userspace (vpclab's own router) or ovn (OVN and Open vSwitch on this machine's chassis: docs/ovn-backend.md)")(
        "chassis", po::value<int>(), "--backend ovn: how many chassis the instances are spread over (1 to 8; default 2)");
    po::positional_options_description positional;
    positional.add("template", 1);
    const auto vm = parse_options(args, options, positional,
                                  "vpclab up [TEMPLATE | --empty] [--stack-name N] [--region R] [--parameter K=V]… [--strict] [--public-cidr C] [--max-tracked-connections N] [--health-check-speedup N] [--flow-log-speedup N] [--nat-idle-timeout S] [--workers 1|2] [--tap-writes io_uring|write] [--backend userspace|ovn [--chassis N]] [--foreground]");
    const bool empty = vm["empty"].as<bool>();
    if (empty && (vm.count("template") || vm.count("parameter") || vm["strict"].as<bool>()))
        throw UsageError("--empty starts a lab with no template: it takes no TEMPLATE, --parameter or --strict");

    cfn::LoadOptions load;
    std::string text;
    if (vm.count("template")) {
        const std::string path = vm["template"].as<std::string>();
        std::ifstream in(path);
        if (!in) throw UsageError("cannot read template '" + path + "'");
        std::stringstream ss;
        ss << in.rdbuf();
        text = ss.str();
        load.file_name = path;
        load.stack_name = stack_name_from_file(path);
    } else if (empty) {
        load.file_name = "(empty lab)";
        load.stack_name = "lab";
    } else {
        text = cfn::default_template_text;
        load.file_name = std::string("(built-in) ") + cfn::default_template_name;
        load.stack_name = stack_name_from_file(cfn::default_template_name);
    }
    if (auto name = optional_string(vm, "stack-name")) load.stack_name = *name;
    checked_stack_name(load.stack_name);
    load.region = vm["region"].as<std::string>();
    endpoints::PublicAddressPlan public_addresses;
    try {
        public_addresses = endpoints::PublicAddressPlan::from(vm["public-cidr"].as<std::string>());
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    load.public_ips.pool = public_addresses.instance_pool();
    load.services = endpoints::RegionCatalog(load.region, public_addresses).service_offers();
    load.strict = vm["strict"].as<bool>();
    if (vm.count("parameter"))
        for (const auto& kv : vm["parameter"].as<std::vector<std::string>>()) {
            const auto eq = kv.find('=');
            if (eq == std::string::npos || eq == 0) throw UsageError("--parameter takes KEY=VALUE, got '" + kv + "'");
            load.parameters[kv.substr(0, eq)] = kv.substr(eq + 1);
        }

    cfn::LoadedLab lab;
    if (empty) {
        lab.model = std::make_unique<routing::VpcModel>(load.stack_name, load.region, load.public_ips);
        lab.model->offer_services(load.services);
    }
    else lab = cfn::load_template(text, load);
    if (!lab.unsupported.empty()) {
        std::cerr << "vpclab: warning: " << lab.unsupported.size() << " part(s) of " << load.file_name
                  << " are not supported and were left out (--strict makes this an error):\n";
        for (const auto& u : lab.unsupported) std::cerr << "  - " << u << '\n';
    }
    for (const auto& s : lab.skipped) std::cerr << "vpclab: note: " << s << '\n';

    const std::string stack = load.stack_name;
    const bool foreground = vm["foreground"].as<bool>();
    if (foreground) std::cerr << "vpclab: stack " << stack << " starting in the foreground (Ctrl-C stops it and removes the lab)\n";
    const std::size_t max_tracked = vm["max-tracked-connections"].as<std::size_t>();
    if (max_tracked < 1 || max_tracked > (std::size_t{1} << 24))
        throw UsageError("--max-tracked-connections must be between 1 and 16777216, got " + std::to_string(max_tracked));
    const int speedup = vm["health-check-speedup"].as<int>();
    if (speedup < 1 || speedup > 30) throw UsageError("--health-check-speedup must be between 1 and 30, got " + std::to_string(speedup));
    const int flow_log_speedup = vm["flow-log-speedup"].as<int>();
    if (flow_log_speedup < 1 || flow_log_speedup > 600) throw UsageError("--flow-log-speedup must be between 1 and 600, got " + std::to_string(flow_log_speedup));
    const int nat_idle = vm["nat-idle-timeout"].as<int>();
    if (nat_idle < 10 || nat_idle > 350) throw UsageError("--nat-idle-timeout must be between 10 and 350 seconds, got " + std::to_string(nat_idle));
    const int workers = vm["workers"].as<int>();
    if (workers < 1 || workers > 2) throw UsageError("--workers must be 1 or 2, got " + std::to_string(workers));
    const std::string tap_writes = vm["tap-writes"].as<std::string>();
    if (tap_writes != "io_uring" && tap_writes != "write") throw UsageError("--tap-writes must be io_uring or write, got '" + tap_writes + "'");
    const std::string backend = vm["backend"].as<std::string>();
    if (backend != "userspace" && backend != "ovn") throw UsageError("--backend must be userspace or ovn, got '" + backend + "'");
    if (vm.count("chassis") && backend != "ovn") throw UsageError("--chassis is for --backend ovn");
    const int chassis = backend == "ovn" ? (vm.count("chassis") ? vm["chassis"].as<int>() : 2) : 0;
    if (backend == "ovn" && (chassis < 1 || chassis > 8)) throw UsageError("--chassis must be between 1 and 8, got " + std::to_string(chassis));
    UpOptions up{foreground, public_addresses, max_tracked, speedup, flow_log_speedup, workers, tap_writes == "io_uring", nat_idle};
    up.ovn_chassis = chassis;
    const int rc = bring_up(std::move(lab), up);
    if (rc != 0 || foreground) return rc;
    if (empty) {
        std::cout << "stack " << stack << " is up with no VPC. Build one: vpclab ec2 create-vpc --cidr-block 10.0.0.0/16 --stack-name " << stack
                  << "   ·   vpclab ec2 help   ·   vpclab down --stack-name " << stack << '\n';
        return 0;
    }
    print_instances({{stack, ok_result(call_stack(stack, "Vpclab.ListLab"))}});
    std::cout << "\nstack " << stack << " is up. Try: vpclab shell <NAME>   ·   vpclab ec2 describe-route-tables   ·   vpclab down --stack-name " << stack << '\n';
    return 0;
}

int command_down(const Args& args) {
    po::options_description options("vpclab down options");
    options.add_options()("stack-name", po::value<std::string>(), "stack to remove")("all", po::bool_switch(), "remove every stack");
    const auto vm = parse_options(args, options, {}, "vpclab down [--stack-name N | --all]");
    std::vector<std::string> stacks;
    if (vm["all"].as<bool>()) {
        stacks = known_stacks();
    } else if (auto name = optional_string(vm, "stack-name")) {
        if (!stack_exists(checked_stack_name(*name))) throw UsageError("no stack named '" + *name + "' (nothing to remove)");
        stacks = {*name};
    } else {
        stacks = known_stacks();
        if (stacks.size() > 1) throw UsageError("several stacks exist; choose one with --stack-name, or use --all");
        if (stacks.empty()) throw UsageError("no stack to remove");
    }
    for (const auto& stack : stacks) {
        std::vector<std::string> namespaces;
        for (const auto& netns : Ledger(StackPaths::of(stack).ledger).namespaces())
            if (is_stack_namespace(stack, netns)) namespaces.push_back(netns);
        if (const int pid = live_router_pid(stack)) {
            try {
                call_stack(stack, "Vpclab.Shutdown");
            } catch (const std::exception&) {
                ::kill(pid, SIGTERM);
            }
            // The router removes its namespaces itself; give it a moment, then stop it hard.
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
            while (::kill(pid, 0) == 0 && live_router_pid(stack) && std::chrono::steady_clock::now() < deadline)
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            if (live_router_pid(stack)) ::kill(pid, SIGKILL);
        }
        remove_stack_leftovers(stack);
        std::cout << "stack " << stack << " removed";
        if (!namespaces.empty()) {
            std::cout << " (namespaces:";
            for (const auto& n : namespaces) std::cout << ' ' << n;
            std::cout << ')';
        }
        std::cout << '\n';
    }
    return 0;
}

int command_ls(const Args& args) {
    po::options_description options("vpclab ls options");
    options.add_options()("stack-name", po::value<std::string>(), "only this stack");
    const auto vm = parse_options(args, options, {}, "vpclab ls [--stack-name N]");
    std::vector<std::string> stacks;
    if (auto name = optional_string(vm, "stack-name")) stacks = {resolve_stack(name)};
    else stacks = running_stacks();
    std::vector<std::pair<std::string, nlohmann::json>> listings;
    std::vector<std::string> unreachable;
    for (const auto& s : stacks) {
        try {
            listings.emplace_back(s, ok_result(call_stack(s, "Vpclab.ListLab")));
        } catch (const std::exception& e) {
            unreachable.push_back(s + ": " + e.what());
        }
    }
    print_instances(listings);
    for (const auto& u : unreachable) std::cerr << "vpclab: stack " << u << '\n';
    for (const auto& s : known_stacks())
        if (!live_router_pid(s)) std::cerr << "vpclab: stack " << s << " has leftovers of a dead router: `vpclab down --stack-name " << s << "`\n";
    return 0;
}

int command_stats(const Args& args) {
    po::options_description options("vpclab stats options");
    options.add_options()("instance", po::value<std::string>(), "only this instance (Name, instance ID or ENI ID; \"region\")")(
        "stack-name", po::value<std::string>(), "stack")("output", po::value<std::string>()->default_value("text"), "text or json");
    po::positional_options_description positional;
    positional.add("instance", 1);
    const auto vm = parse_options(args, options, positional, "vpclab stats [INSTANCE] [--stack-name N] [--output text|json]");
    const std::string stack = resolve_stack(optional_string(vm, "stack-name"));
    nlohmann::json stats = ok_result(call_stack(stack, "Vpclab.Stats"));  // sorted, as `stats --output json` prints it
    if (const auto which = optional_string(vm, "instance")) {
        // One instance's ENIs, and drops by reason summed over those alone.
        nlohmann::json kept = nlohmann::json::array(), totals = nlohmann::json::object();
        for (const auto& p : stats["Interfaces"]) {
            const std::string name = p["InstanceName"], eni = p["NetworkInterfaceId"], id = p.value("InstanceId", "");
            const bool region = *which == "region" && eni == "(region)";
            if (name != *which && eni != *which && id != *which && !region) continue;
            for (const auto& [reason, n] : p["Drops"].items()) totals[reason] = totals.value(reason, std::uint64_t{0}) + n.get<std::uint64_t>();
            kept.push_back(p);
        }
        if (kept.empty()) throw UsageError("no instance or ENI named '" + *which + "' in stack " + stack + " (see `vpclab ls`)");
        stats["Interfaces"] = std::move(kept);
        stats["DropsByReason"] = std::move(totals);
    }
    if (vm["output"].as<std::string>() == "json") {
        std::cout << stats.dump(4) << '\n';
        return 0;
    }
    if (vm["output"].as<std::string>() != "text") throw UsageError("--output must be text or json");
    std::vector<std::vector<std::string>> rows{{"INSTANCE", "ENI", "PRIVATE IP", "RX FRAMES", "RX BYTES", "TX FRAMES", "TX BYTES", "DROPPED", "TRACKED"}};
    for (const auto& p : stats["Interfaces"]) {
        std::uint64_t dropped = 0;
        for (const auto& [k, v] : p["Drops"].items()) dropped += v.get<std::uint64_t>();
        rows.push_back({p["InstanceName"], p["NetworkInterfaceId"], p["PrivateIpAddress"], std::to_string(p["RxFrames"].get<std::uint64_t>()),
                        std::to_string(p["RxBytes"].get<std::uint64_t>()), std::to_string(p["TxFrames"].get<std::uint64_t>()),
                        std::to_string(p["TxBytes"].get<std::uint64_t>()), std::to_string(dropped),
                        // tracked connections of the most it may hold (its share of the table)
                        p.contains("TrackedConnections") ? std::to_string(p["TrackedConnections"].get<std::uint64_t>()) + " of " +
                                                               std::to_string(p["TrackedConnectionsAllowance"].get<std::uint64_t>())
                                                         : "-"});
    }
    print_table(rows);
    std::cout << "\ndrops by reason:\n";
    if (stats["DropsByReason"].empty()) std::cout << "  (none)\n";
    std::vector<std::vector<std::string>> reasons;
    for (const auto& [k, v] : stats["DropsByReason"].items())
        reasons.push_back({"  " + k, std::to_string(v.get<std::uint64_t>()), stats["DropReasons"][k].get<std::string>()});
    print_table(reasons);
    std::vector<std::vector<std::string>> acl_rows;
    for (const auto& p : stats["Interfaces"])
        for (const auto& a : p.value("NetworkAclDenials", nlohmann::json::array()))
            acl_rows.push_back({"  " + p["InstanceName"].get<std::string>(), p["NetworkInterfaceId"].get<std::string>(),
                                a["Egress"].get<bool>() ? "outbound" : "inbound",
                                "rule " + (a["RuleNumber"].is_string() ? a["RuleNumber"].get<std::string>() : std::to_string(a["RuleNumber"].get<int>())),
                                a["NetworkAclId"].get<std::string>(), std::to_string(a["Frames"].get<std::uint64_t>())});
    if (!acl_rows.empty()) {
        std::cout << "\nnetwork ACL denials (instance, ENI, direction, rule, ACL, frames):\n";
        print_table(acl_rows);
    }
    if (stats.contains("Forwarding")) {
        const auto& f = stats["Forwarding"];
        const int workers = f["Workers"].get<int>();
        std::cout << "\nforwarding: " << workers << (workers == 1 ? " worker" : " workers") << ", TAP writes "
                  << (f["TapWrites"].get<std::string>() == "io_uring" ? "batched through io_uring" : "one write() each");
    }
    if (stats.contains("OvnBackend")) {
        const auto& ovn = stats["OvnBackend"];
        std::cout << "\nOVN backend: " << (ovn["InSync"].get<bool>() ? "OVN has the model (the instances' frames are OVN's: the counters above are the router's alone)"
                                                                      : "the last change did not reach OVN (retried at the next): " + ovn["LastError"].get<std::string>())
                  << '\n';
    }
    if (stats.contains("ConnectionTracking")) {
        const auto& ct = stats["ConnectionTracking"];
        std::cout << "\nconnection tracking: " << ct["TrackedFlows"].get<std::uint64_t>() << " of " << ct["MaxFlows"].get<std::uint64_t>()
                  << " flows (" << ct["MemoryBytes"].get<std::uint64_t>() / (1024 * 1024) << " MiB), " << ct["Refused"].get<std::uint64_t>()
                  << " new flows refused (the table, or an ENI's share of it, full)\n";
    }
    if (stats.contains("InterfaceEndpointConnections")) {
        const auto& ie = stats["InterfaceEndpointConnections"];
        std::cout << "interface endpoint connections: " << ie["Connections"].get<std::uint64_t>() << " of " << ie["MaxConnections"].get<std::uint64_t>()
                  << ", " << ie["Refused"].get<std::uint64_t>() << " refused (the table, or a client's share of it, full)\n";
    }
    if (stats.contains("LoadBalancerConnections")) {
        const auto& lb = stats["LoadBalancerConnections"];
        std::cout << "load balancer connections: " << lb["Connections"].get<std::uint64_t>() << " of " << lb["MaxConnections"].get<std::uint64_t>()
                  << ", " << lb["Refused"].get<std::uint64_t>() << " refused (the table, or a client's share of it, full)\n";
    }
    if (stats.contains("NatGatewayTranslations")) {
        const auto& nat = stats["NatGatewayTranslations"];
        std::cout << "NAT gateway translations: " << nat["ActiveConnectionCount"].get<std::uint64_t>() << " of "
                  << nat["MaxTranslations"].get<std::uint64_t>() << " (" << nat["MemoryBytes"].get<std::uint64_t>() / (1024 * 1024) << " MiB), "
                  << nat["ErrorPortAllocation"].get<std::uint64_t>() << " ErrorPortAllocation (no port free towards a destination: "
                  << nat["ConnectionsPerDestination"].get<std::uint64_t>() << " there already), " << nat["RefusedTableFull"].get<std::uint64_t>()
                  << " refused (the table, or an inside host's share of it, full); idle timeout " << nat["IdleTimeoutSeconds"].get<std::uint64_t>()
                  << " s\n";
    }
    return 0;
}

}  // namespace vpclab::router
