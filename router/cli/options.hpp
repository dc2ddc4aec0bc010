// Boost.Program_options wrapper: parse a subcommand's arguments, turning errors into UsageError.
#pragma once

#include <boost/program_options.hpp>

#include "router/cli/commands.hpp"
#include "router/cli/stack_client.hpp"

namespace vpclab::router {

namespace po = boost::program_options;

inline po::variables_map parse_options(const Args& args, const po::options_description& options,
                                       const po::positional_options_description& positional = {}) {
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw UsageError(e.what());
    }
    return vm;
}

inline std::optional<std::string> optional_string(const po::variables_map& vm, const char* name) {
    if (vm.count(name)) return vm[name].as<std::string>();
    return std::nullopt;
}

}  // namespace vpclab::router
