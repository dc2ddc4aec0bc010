// Boost.Program_options wrapper: parse a subcommand's arguments, turning errors into UsageError.
#pragma once

#include <boost/program_options.hpp>
#include <sstream>

#include "router/cli/commands.hpp"
#include "router/cli/stack_client.hpp"

namespace vpclab::router {

namespace po = boost::program_options;

// `usage` is the command's synopsis line, printed with the options for --help.
inline po::variables_map parse_options(const Args& args, const po::options_description& options,
                                       const po::positional_options_description& positional = {}, const std::string& usage = {}) {
    if (asks_for_help(args)) {
        std::ostringstream text;
        if (!usage.empty()) text << "usage: " << usage << "\n\n";
        text << options;
        throw HelpRequested(text.str());
    }
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
        po::notify(vm);
    } catch (const po::too_many_positional_options_error&) {
        // Usually an option whose value went missing (`--vpc-id $vpc` with $vpc empty): say which word is extra.
        std::string stray;
        for (std::size_t i = 0; i < args.size(); ++i)
            if (args[i].rfind("--", 0) != 0 && (i == 0 || args[i - 1].rfind("--", 0) != 0)) stray = args[i];
        throw UsageError("unexpected argument" + (stray.empty() ? std::string() : " '" + stray + "'") +
                         ": every value follows its option (--name VALUE); is a variable in the command empty?");
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
