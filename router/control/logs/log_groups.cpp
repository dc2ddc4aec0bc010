// The CloudWatch Logs API over the lab's store (CloudWatch Logs API reference, version 2014-03-28):
// DescribeLogGroups, DescribeLogStreams, GetLogEvents, FilterLogEvents and DeleteLogGroup, with the aws
// CLI's `logs` names, the API's camelCase members and its error codes. Flow logs publish to the store.
#include <algorithm>
#include <limits>

#include "router/control/ec2/family.hpp"
#include "router/flow_logs/filter_pattern.hpp"

namespace vpclab::router::logs {

namespace {

using ec2::json;
using ec2::Request;
using routing::ApiError;
using K = ParamSpec::Kind;

constexpr std::size_t max_page_events = 10'000;  // GetLogEvents' and FilterLogEvents' default and most

std::string arn_of(const RouterState& state, const std::string& group) {
    return "arn:aws:logs:" + state.model->region() + ":" + routing::lab_account_id + ":log-group:" + group;
}

std::int64_t number_param(const Request& params, const char* name, std::int64_t fallback, std::int64_t low, std::int64_t high) {
    const auto it = params.find(name);
    if (it == params.end()) return fallback;
    std::int64_t v = 0;
    if (it->is_number_integer()) {
        v = it->get<std::int64_t>();
    } else {
        const std::string text = it->is_string() ? it->get<std::string>() : "";
        if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos)
            throw ApiError("InvalidParameterException", std::string(name) + " must be a whole number, not '" + text + "'", name);
        v = std::stoll(text);
    }
    if (v < low || v > high)
        throw ApiError("InvalidParameterException", std::string(name) + " must be from " + std::to_string(low) + " to " + std::to_string(high), name);
    return v;
}

const LogGroup& group_named(const RouterState& state, const Request& params) {
    const std::string name = ec2::string_param(params, "logGroupName");
    if (name.empty()) throw ApiError("InvalidParameterException", "logGroupName is required", "logGroupName");
    const LogGroup* g = state.logs.group(name);
    if (!g) throw ApiError("ResourceNotFoundException", "The specified log group does not exist.", "logGroupName");
    return *g;
}

json describe_log_groups(const Request& params, RouterState& state) {
    const std::string prefix = ec2::string_param(params, "logGroupNamePrefix");
    const std::string pattern = ec2::string_param(params, "logGroupNamePattern");
    if (!prefix.empty() && !pattern.empty())
        throw ApiError("InvalidParameterException", "logGroupNamePrefix and logGroupNamePattern are mutually exclusive", "logGroupNamePattern");
    const auto limit = static_cast<std::size_t>(number_param(params, "limit", 50, 1, 50));
    json groups = json::array();
    for (const auto& [name, g] : state.logs.groups()) {  // ASCII order by name, as the API sorts them
        if (!prefix.empty() && name.rfind(prefix, 0) != 0) continue;
        if (!pattern.empty() && name.find(pattern) == std::string::npos) continue;
        if (groups.size() == limit) break;
        groups.push_back({{"logGroupName", name},
                          {"creationTime", g.creation_time},
                          {"metricFilterCount", 0},
                          {"arn", arn_of(state, name) + ":*"},
                          {"storedBytes", g.stored_bytes()},
                          {"logGroupClass", "STANDARD"},
                          {"logGroupArn", arn_of(state, name)}});
    }
    return {{"logGroups", groups}};
}

json describe_log_streams(const Request& params, RouterState& state) {
    const LogGroup& g = group_named(state, params);
    const std::string prefix = ec2::string_param(params, "logStreamNamePrefix");
    const std::string order = params.contains("orderBy") ? ec2::string_param(params, "orderBy") : "LogStreamName";
    if (order != "LogStreamName" && order != "LastEventTime")
        throw ApiError("InvalidParameterException", "orderBy must be LogStreamName or LastEventTime", "orderBy");
    if (order == "LastEventTime" && !prefix.empty())
        throw ApiError("InvalidParameterException", "Cannot order by LastEventTime with a logStreamNamePrefix.", "orderBy");
    const bool descending = ec2::bool_param(params, "descending").value_or(false);
    const auto limit = static_cast<std::size_t>(number_param(params, "limit", 50, 1, 50));
    std::vector<const LogStream*> streams;
    for (const auto& [name, s] : g.streams)
        if (prefix.empty() || name.rfind(prefix, 0) == 0) streams.push_back(&s);
    if (order == "LastEventTime") std::stable_sort(streams.begin(), streams.end(), [](auto* a, auto* b) { return a->last_event < b->last_event; });
    if (descending) std::reverse(streams.begin(), streams.end());
    json out = json::array();
    for (const LogStream* s : streams) {
        if (out.size() == limit) break;
        json j{{"logStreamName", s->name}, {"creationTime", s->creation_time}};
        if (!s->events.empty()) {
            j["firstEventTimestamp"] = s->first_event;
            j["lastEventTimestamp"] = s->last_event;
            j["lastIngestionTime"] = s->last_ingestion;
        }
        j["arn"] = arn_of(state, g.name) + ":log-stream:" + s->name;
        j["storedBytes"] = 0;  // "always reported as zero" (API reference, LogStream)
        out.push_back(std::move(j));
    }
    return {{"logStreams", out}};
}

json event_json(const LogEvent& e) { return {{"timestamp", e.timestamp}, {"message", e.message}, {"ingestionTime", e.ingestion_time}}; }

// GetLogEvents' tokens: "f/<id>" the events after event <id>, "b/<id>" the events before it.
json get_log_events(const Request& params, RouterState& state) {
    const LogGroup& g = group_named(state, params);
    const std::string stream_name = ec2::string_param(params, "logStreamName");
    const auto it = g.streams.find(stream_name);
    if (it == g.streams.end()) throw ApiError("ResourceNotFoundException", "The specified log stream does not exist.", "logStreamName");
    const LogStream& s = it->second;
    const std::int64_t start = number_param(params, "startTime", 0, 0, std::numeric_limits<std::int64_t>::max());
    const std::int64_t end = number_param(params, "endTime", std::numeric_limits<std::int64_t>::max(), 0, std::numeric_limits<std::int64_t>::max());
    const auto limit = static_cast<std::size_t>(number_param(params, "limit", max_page_events, 1, max_page_events));
    const std::string token = ec2::string_param(params, "nextToken");
    bool from_head = ec2::bool_param(params, "startFromHead").value_or(false);
    std::uint64_t after = 0, before = std::numeric_limits<std::uint64_t>::max();
    if (!token.empty()) {
        const bool forward = token.rfind("f/", 0) == 0, backward = token.rfind("b/", 0) == 0;
        if ((!forward && !backward) || token.size() < 3 || token.size() > 20 || token.find_first_not_of("0123456789", 2) != std::string::npos)
            throw ApiError("InvalidParameterException", "The specified nextToken is invalid.", "nextToken");
        (forward ? after : before) = std::stoull(token.substr(2));
        from_head = forward;
    }
    std::vector<const LogEvent*> chosen;
    for (const auto& e : s.events)
        if (e.id > after && e.id < before && e.timestamp >= start && e.timestamp < end) chosen.push_back(&e);
    // From the head: the first `limit`; else the last `limit` (the most recent), in order either way.
    if (chosen.size() > limit) chosen.erase(from_head ? chosen.begin() + static_cast<std::ptrdiff_t>(limit) : chosen.begin(),
                                            from_head ? chosen.end() : chosen.end() - static_cast<std::ptrdiff_t>(limit));
    json events = json::array();
    for (const LogEvent* e : chosen) events.push_back(event_json(*e));
    // At the end of the stream the forward token is the one given (API reference: "returns the same token").
    const std::string forward = chosen.empty() ? (token.rfind("f/", 0) == 0 ? token : "f/" + std::to_string(after)) : "f/" + std::to_string(chosen.back()->id);
    const std::string backward = chosen.empty() ? (token.rfind("b/", 0) == 0 ? token : "b/" + std::to_string(before == std::numeric_limits<std::uint64_t>::max() ? 0 : before))
                                                : "b/" + std::to_string(chosen.front()->id);
    return {{"events", events}, {"nextForwardToken", forward}, {"nextBackwardToken", backward}};
}

json filter_log_events(const Request& params, RouterState& state) {
    const LogGroup& g = group_named(state, params);
    const auto names = ec2::list_param(params, "logStreamNames");
    const std::string prefix = ec2::string_param(params, "logStreamNamePrefix");
    if (!names.empty() && !prefix.empty())
        throw ApiError("InvalidParameterException", "logStreamNames and logStreamNamePrefix are mutually exclusive", "logStreamNamePrefix");
    if (names.size() > 100) throw ApiError("InvalidParameterException", "logStreamNames takes at most 100 names", "logStreamNames");
    for (const auto& n : names)
        if (!g.streams.count(n)) throw ApiError("ResourceNotFoundException", "The specified log stream does not exist.", "logStreamNames");
    std::string why;
    const auto pattern = FilterPattern::parse(ec2::string_param(params, "filterPattern"), &why);
    if (!pattern) throw ApiError("InvalidParameterException", why, "filterPattern");
    const std::int64_t start = number_param(params, "startTime", 0, 0, std::numeric_limits<std::int64_t>::max());
    const std::int64_t end = number_param(params, "endTime", std::numeric_limits<std::int64_t>::max(), 0, std::numeric_limits<std::int64_t>::max());
    const auto limit = static_cast<std::size_t>(number_param(params, "limit", max_page_events, 1, max_page_events));
    const std::string token = ec2::string_param(params, "nextToken");
    std::size_t skip = 0;
    if (!token.empty()) {
        if (token.rfind("o/", 0) != 0 || token.size() < 3 || token.size() > 20 || token.find_first_not_of("0123456789", 2) != std::string::npos)
            throw ApiError("InvalidParameterException", "The specified nextToken is invalid.", "nextToken");
        skip = std::stoull(token.substr(2));
    }
    struct Found {
        const LogStream* stream;
        const LogEvent* event;
    };
    std::vector<Found> found;
    for (const auto& [name, s] : g.streams) {
        if (!names.empty() && std::find(names.begin(), names.end(), name) == names.end()) continue;
        if (!prefix.empty() && name.rfind(prefix, 0) != 0) continue;
        for (const auto& e : s.events)
            if (e.timestamp >= start && e.timestamp < end && pattern->matches(e.message)) found.push_back({&s, &e});
    }
    std::stable_sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
        return a.event->timestamp != b.event->timestamp ? a.event->timestamp < b.event->timestamp : a.event->id < b.event->id;
    });
    json events = json::array();
    for (std::size_t i = skip; i < found.size() && events.size() < limit; ++i)
        events.push_back({{"logStreamName", found[i].stream->name}, {"timestamp", found[i].event->timestamp}, {"message", found[i].event->message},
                          {"ingestionTime", found[i].event->ingestion_time}, {"eventId", std::to_string(found[i].event->id)}});
    // searchedLogStreams: "no longer supported … returns an empty list" (API reference).
    json out{{"events", events}, {"searchedLogStreams", json::array()}};
    if (skip + events.size() < found.size()) out["nextToken"] = "o/" + std::to_string(skip + events.size());
    return out;
}

json delete_log_group(const Request& params, RouterState& state) {
    const LogGroup& g = group_named(state, params);
    state.logs.delete_group(std::string(g.name));
    return json::object();
}

}  // namespace
}  // namespace vpclab::router::logs

namespace vpclab::router {

std::vector<ActionSpec> log_actions() {
    using namespace logs;
    const char* service = "logs";
    return {
        {"describe-log-groups", "DescribeLogGroups", "list the lab's log groups (flow logs create theirs)",
         {{"--log-group-name-prefix", "logGroupNamePrefix", K::string, false},
          {"--log-group-name-pattern", "logGroupNamePattern", K::string, false},
          {"--limit", "limit", K::string, false}},
         describe_log_groups, {}, service},
        {"describe-log-streams", "DescribeLogStreams", "a log group's streams (a flow log's: one per ENI, eni-…-all)",
         {{"--log-group-name", "logGroupName", K::string, true},
          {"--log-stream-name-prefix", "logStreamNamePrefix", K::string, false},
          {"--order-by", "orderBy", K::string, false},
          {"--descending", "descending", K::flag, false},
          {"--limit", "limit", K::string, false}},
         describe_log_streams, {}, service},
        {"get-log-events", "GetLogEvents", "a stream's events (the most recent unless --start-from-head)",
         {{"--log-group-name", "logGroupName", K::string, true},
          {"--log-stream-name", "logStreamName", K::string, true},
          {"--start-time", "startTime", K::string, false},
          {"--end-time", "endTime", K::string, false},
          {"--next-token", "nextToken", K::string, false},
          {"--limit", "limit", K::string, false},
          {"--start-from-head", "startFromHead", K::boolean, false}},
         get_log_events, {}, service},
        {"filter-log-events", "FilterLogEvents",
         "a group's events that match a filter pattern (terms, or [field, field=value, …] for flow log records)",
         {{"--log-group-name", "logGroupName", K::string, true},
          {"--log-stream-names", "logStreamNames", K::list, false},
          {"--log-stream-name-prefix", "logStreamNamePrefix", K::string, false},
          {"--start-time", "startTime", K::string, false},
          {"--end-time", "endTime", K::string, false},
          {"--filter-pattern", "filterPattern", K::string, false},
          {"--next-token", "nextToken", K::string, false},
          {"--limit", "limit", K::string, false},
          {"--interleaved", "interleaved", K::boolean, false}},
         filter_log_events, {}, service},
        {"delete-log-group", "DeleteLogGroup", "delete a log group and its events",
         {{"--log-group-name", "logGroupName", K::string, true}}, delete_log_group, {}, service},
    };
}

}  // namespace vpclab::router
