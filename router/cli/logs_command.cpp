// `vpclab logs tail GROUP`: the aws CLI v2's `aws logs tail` over the lab's log groups (the events of the
// last --since, then with --follow each new one as it is published), the rest of `vpclab logs` being the
// API's commands (router/control/logs/log_groups.cpp).
#include <chrono>
#include <csignal>
#include <ctime>
#include <algorithm>
#include <iostream>
#include <set>
#include <thread>

#include "router/cli/commands.hpp"
#include "router/cli/options.hpp"
#include "router/cli/stack_client.hpp"

namespace vpclab::router {

namespace {

using json = nlohmann::ordered_json;

const char* const usage =
    "vpclab logs tail GROUP [--since 10m] [--follow] [--format detailed|short] [--filter-pattern P]\n"
    "                       [--log-stream-names NAME …] [--stack-name S]\n\n"
    "  The events of log group GROUP from --since ago (Ns, Nm, Nh, Nd, Nw; default 10m), one per line:\n"
    "  detailed \"2026-12-05T06:00:00.000000+00:00 eni-…-all 2 123456789012 eni-… …\", short without the stream.\n"
    "  --follow keeps printing new events until interrupted (Ctrl-C).";

volatile std::sig_atomic_t interrupted = 0;

// "10m" → milliseconds; one unit only, as the aws CLI takes it.
std::int64_t since_ms(const std::string& text) {
    if (text.size() < 2 || text.size() > 10 || text.find_first_not_of("0123456789") != text.size() - 1)
        throw UsageError("--since takes a number and one unit of s, m, h, d or w (e.g. 10m), not '" + text + "'");
    const std::int64_t n = std::stoll(text.substr(0, text.size() - 1));
    switch (text.back()) {
        case 's': return n * 1000;
        case 'm': return n * 60'000;
        case 'h': return n * 3'600'000;
        case 'd': return n * 86'400'000;
        case 'w': return n * 604'800'000;
        default: throw UsageError("--since's unit is s, m, h, d or w, not '" + std::string(1, text.back()) + "'");
    }
}

std::int64_t now_ms() {
    timespec t{};
    ::clock_gettime(CLOCK_REALTIME, &t);
    return std::int64_t{t.tv_sec} * 1000 + t.tv_nsec / 1'000'000;
}

// The aws CLI's detailed timestamp: ISO 8601 in UTC with microseconds.
std::string iso_timestamp(std::int64_t ms, bool micro) {
    const std::time_t seconds = ms / 1000;
    std::tm tm{};
    ::gmtime_r(&seconds, &tm);
    char text[40];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!micro) return text;
    char frac[24];
    std::snprintf(frac, sizeof frac, ".%06lld+00:00", static_cast<long long>(ms % 1000) * 1000);
    return std::string(text) + frac;
}

}  // namespace

int command_logs_tail(const Args& args) {
    po::options_description options("vpclab logs tail options");
    options.add_options()("group", po::value<std::string>(), "log group")("since", po::value<std::string>()->default_value("10m"), "how far back")(
        "follow", po::bool_switch(), "keep printing new events")("format", po::value<std::string>()->default_value("detailed"), "detailed or short")(
        "filter-pattern", po::value<std::string>(), "only events that match")(
        "log-stream-names", po::value<std::vector<std::string>>()->multitoken(), "only these streams")("stack-name", po::value<std::string>(), "stack");
    po::positional_options_description positional;
    positional.add("group", 1);
    const auto vm = parse_options(args, options, positional, usage);
    if (!vm.count("group")) throw UsageError(std::string("logs tail needs a log group\nusage: ") + usage);
    const std::string format = vm["format"].as<std::string>();
    if (format != "detailed" && format != "short") throw UsageError("--format must be detailed or short");
    const std::string stack = resolve_stack(optional_string(vm, "stack-name"));
    json params{{"logGroupName", vm["group"].as<std::string>()}, {"startTime", std::to_string(now_ms() - since_ms(vm["since"].as<std::string>()))}};
    if (vm.count("filter-pattern")) params["filterPattern"] = vm["filter-pattern"].as<std::string>();
    if (vm.count("log-stream-names")) params["logStreamNames"] = vm["log-stream-names"].as<std::vector<std::string>>();
    const bool follow = vm["follow"].as<bool>();
    if (follow) std::signal(SIGINT, [](int) { interrupted = 1; });
    // The events printed, by timestamp: each poll asks from the last timestamp seen (so it scans only what
    // is new), and what is older than that is forgotten.
    std::set<std::pair<std::int64_t, std::string>> shown;
    std::int64_t newest = 0;
    while (!interrupted) {
        std::string token;
        do {
            json page_params = params;
            if (!token.empty()) page_params["nextToken"] = token;
            const json page = ok_result(call_stack(stack, "FilterLogEvents", page_params));
            for (const auto& e : page["events"]) {
                const std::int64_t ts = e["timestamp"].get<std::int64_t>();
                if (!shown.insert({ts, e["eventId"].get<std::string>()}).second) continue;
                newest = std::max(newest, ts);
                if (format == "detailed")
                    std::cout << iso_timestamp(ts, true) << ' ' << e["logStreamName"].get<std::string>() << ' ' << e["message"].get<std::string>() << '\n';
                else
                    std::cout << iso_timestamp(ts, false) << ' ' << e["message"].get<std::string>() << '\n';
            }
            token = page.contains("nextToken") ? page["nextToken"].get<std::string>() : std::string();
        } while (!token.empty());
        std::cout << std::flush;
        if (!follow) break;
        if (newest > 0) {
            params["startTime"] = std::to_string(newest);
            shown.erase(shown.begin(), shown.lower_bound({newest, std::string()}));
        }
        for (int i = 0; i < 10 && !interrupted; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));  // a poll a second
    }
    return 0;
}

}  // namespace vpclab::router
