// vpclab console (the web console's address) and vpclab diagram (the resource map without a browser).
#include <fstream>
#include <iostream>

#include "router/cli/commands.hpp"
#include "router/cli/options.hpp"
#include "router/cli/stack_client.hpp"

namespace vpclab::router {

int command_console(const Args& args) {
    po::options_description options("vpclab console options");
    options.add_options()("stack-name", po::value<std::string>(), "stack");
    const auto vm = parse_options(args, options, {}, "vpclab console [--stack-name N]");
    const std::string stack = resolve_stack(optional_string(vm, "stack-name"));
    const auto result = ok_result(call_stack(stack, "Vpclab.Console"));
    // The address alone on stdout (url=$(vpclab console)); how to use it on stderr.
    std::cout << result["Url"].get<std::string>() << '\n';
    std::cerr << "vpclab: the console of stack " << stack
              << " listens on 127.0.0.1 only, for the lab's life; open the address above in a browser on this machine\n"
                 "        (from another machine: ssh -L PORT:127.0.0.1:PORT this-host, then the same address there)\n";
    return 0;
}

int command_diagram(const Args& args) {
    po::options_description options("vpclab diagram options");
    options.add_options()("format", po::value<std::string>()->default_value("text"), "text (a terminal), dot (Graphviz) or svg (a handout)")(
        "stack-name", po::value<std::string>(), "stack")("output-file,o", po::value<std::string>(), "write to this file instead of stdout");
    const auto vm = parse_options(args, options, {}, "vpclab diagram [--format text|dot|svg] [--stack-name N] [-o FILE]");
    const std::string format = vm["format"].as<std::string>();
    if (format != "text" && format != "dot" && format != "svg") throw UsageError("--format must be text, dot or svg, not '" + format + "'");
    const std::string stack = resolve_stack(optional_string(vm, "stack-name"));
    const std::string diagram = ok_result(call_stack(stack, "Vpclab.Diagram", {{"Format", format}}))["Diagram"];
    if (const auto file = optional_string(vm, "output-file")) {
        std::ofstream out(*file, std::ios::binary | std::ios::trunc);
        if (!(out << diagram) || !out.flush()) throw std::runtime_error("cannot write " + *file);
        return 0;
    }
    std::cout << diagram;
    return 0;
}

}  // namespace vpclab::router
