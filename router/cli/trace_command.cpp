// `vpclab trace`: why a packet is delivered or dropped, stage by stage (a dry run, or --live on real frames).
#include <chrono>
#include <iostream>
#include <thread>

#include "router/cli/commands.hpp"
#include "router/cli/options.hpp"
#include "router/cli/stack_client.hpp"

namespace vpclab::router {

namespace {

using json = nlohmann::ordered_json;  // the router's member order (Stage, Verdict, Port, …)

// Each step as a line; with `fixes`, a drop's fix under it (a dry run prints its fix once, on its last line).
void print_steps(const json& steps, bool fixes) {
    int n = 0;
    for (const auto& s : steps) {
        char number[16];
        std::snprintf(number, sizeof number, "%3d. ", ++n);
        std::string line = std::string(s["Stage"].get<std::string>());
        line.resize(19, ' ');
        std::string verdict = s["Verdict"].get<std::string>();
        verdict.resize(8, ' ');
        std::cout << number << line << ' ' << verdict << ' ' << s["Detail"].get<std::string>() << '\n';
        if (fixes && s.contains("Fix")) std::cout << std::string(34, ' ') << "fix: " << s["Fix"].get<std::string>() << '\n';
    }
}

void print_leg(const char* title, const json& leg) {
    std::cout << title << ": " << leg["Packet"].get<std::string>() << '\n';
    print_steps(leg["Steps"], false);
}

const char* const usage =
    "vpclab trace SOURCE DESTINATION [--protocol icmp|tcp|udp] [--port N] [--source-port N] [--source-ip A]\n"
    "                    [--stack-name S] [--output text|json]\n"
    "       vpclab trace --live SOURCE [--protocol P] [--port N] [--count N] [--timeout SECONDS] [--stack-name S]\n\n"
    "  SOURCE: an instance's Name tag or ID, an ENI ID, or \"region\" (the internet)\n"
    "  DESTINATION: an IPv4 address, an instance or ENI, or a DNS name the source's VPC resolver answers\n"
    "  A dry run: the router's own pipeline decides a synthetic packet and the reply its far end would send,\n"
    "  reading its connection tables (nothing is sent, nothing changes). --live instead shows the steps of\n"
    "  the next real frames from or to SOURCE (run ping or curl on the instance meanwhile).";

int live_trace(const po::variables_map& vm, const std::string& stack) {
    json params{{"Source", vm["source"].as<std::string>()}, {"Count", vm["count"].as<int>()}};
    if (vm.count("protocol")) params["Protocol"] = vm["protocol"].as<std::string>();
    if (vm.count("port")) params["Port"] = vm["port"].as<int>();
    const json started = ok_result(call_stack(stack, "Vpclab.TraceLiveStart", params));
    const std::uint64_t id = started["TraceId"];
    std::cout << "tracing the next " << vm["count"].as<int>() << " frame(s) from or to " << started["Source"].get<std::string>()
              << (params.contains("Protocol") ? " (" + params["Protocol"].get<std::string>() + ")" : std::string()) << "; waiting up to "
              << vm["timeout"].as<int>() << " s\n" << std::flush;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(vm["timeout"].as<int>());
    int shown = 0;
    bool done = false;
    while (!done) {
        const json polled = ok_result(call_stack(stack, "Vpclab.TraceLivePoll", json{{"TraceId", id}}));
        for (const auto& frame : polled["Frames"]) {
            std::cout << "\nframe " << ++shown << ": " << frame["Packet"].get<std::string>() << '\n';
            print_steps(frame["Steps"], true);
            std::cout << "  → " << frame["Result"].get<std::string>() << '\n' << std::flush;
        }
        done = polled["Done"].get<bool>();
        if (!done && std::chrono::steady_clock::now() >= deadline) {
            call_stack(stack, "Vpclab.TraceLiveStop", json{{"TraceId", id}});
            std::cout << "\n" << shown << " frame(s) seen in " << vm["timeout"].as<int>() << " s\n";
            return shown ? 0 : 1;
        }
        if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(100));  // a person's pace: the next poll
    }
    return 0;
}

}  // namespace

int command_trace(const Args& args) {
    po::options_description options("vpclab trace options");
    options.add_options()("source", po::value<std::string>(), "instance Name or ID, ENI ID, or region")(
        "destination", po::value<std::string>(), "address, instance, ENI or DNS name")(
        "protocol", po::value<std::string>(), "icmp (default), tcp (default with --port) or udp")(
        "port", po::value<int>(), "destination port (TCP, UDP)")("source-port", po::value<int>(), "source port (default 40000)")(
        "source-ip", po::value<std::string>(), "from the region: the internet address it comes from")(
        "live", po::bool_switch(), "show the steps of real frames from or to SOURCE instead")(
        "count", po::value<int>()->default_value(5), "--live: how many frames")(
        "timeout", po::value<int>()->default_value(60), "--live: give up after this many seconds")(
        "stack-name", po::value<std::string>(), "stack")("output", po::value<std::string>()->default_value("text"), "text or json");
    po::positional_options_description positional;
    positional.add("source", 1).add("destination", 1);
    const auto vm = parse_options(args, options, positional, usage);
    if (!vm.count("source")) throw UsageError(std::string("a trace needs a SOURCE\nusage: ") + usage);
    const std::string output = vm["output"].as<std::string>();
    if (output != "text" && output != "json") throw UsageError("--output must be text or json");
    const std::string stack = resolve_stack(optional_string(vm, "stack-name"));
    if (vm["live"].as<bool>()) {
        if (vm.count("destination")) throw UsageError("--live takes only SOURCE: the frames from or to it are shown");
        const int count = vm["count"].as<int>(), timeout = vm["timeout"].as<int>();
        if (count < 1 || count > 100) throw UsageError("--count must be from 1 to 100");
        if (timeout < 1 || timeout > 3600) throw UsageError("--timeout must be from 1 to 3600 seconds");
        return live_trace(vm, stack);
    }
    if (!vm.count("destination")) throw UsageError(std::string("a trace needs a DESTINATION\nusage: ") + usage);
    json params{{"Source", vm["source"].as<std::string>()}, {"Destination", vm["destination"].as<std::string>()}};
    if (vm.count("protocol")) params["Protocol"] = vm["protocol"].as<std::string>();
    if (vm.count("port")) params["Port"] = vm["port"].as<int>();
    if (vm.count("source-port")) params["SourcePort"] = vm["source-port"].as<int>();
    if (vm.count("source-ip")) params["SourceIp"] = vm["source-ip"].as<std::string>();
    const json trace = ok_result(call_stack(stack, "Vpclab.Trace", params));
    if (output == "json") {
        std::cout << trace.dump(4) << '\n';
        return 0;
    }
    std::cout << "trace from " << trace["Source"].get<std::string>() << " to " << trace["Destination"].get<std::string>() << "\n\n";
    print_leg("forward", trace["Forward"]);
    if (trace.contains("Return")) {
        std::cout << '\n';
        print_leg("return", trace["Return"]);
    }
    std::cout << "\n" << (trace["Delivered"].get<bool>() ? "reachable: " : "not reachable: ") << trace["Summary"].get<std::string>() << '\n';
    for (const char* leg : {"Forward", "Return"})
        if (trace.contains(leg) && trace[leg].contains("Fix")) std::cout << "fix: " << trace[leg]["Fix"].get<std::string>() << '\n';
    // On the OVN backend: what OVN's own tracer says of the same packet, next to the model's expectation above.
    if (trace.contains("OvnTrace")) std::cout << "\nOVN, the same packet (ovn-trace on the southbound database):\n" << trace["OvnTrace"].get<std::string>();
    return 0;
}

}  // namespace vpclab::router
