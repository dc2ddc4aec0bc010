// Flow log record fields by name, and the parser of `${field}` formats.
#include "routing/flow_log_format.hpp"

#include <algorithm>

namespace vpclab::routing {

namespace {
struct FieldInfo {
    const char* name;
    int version;
};
constexpr FieldInfo fields[] = {
#define VPCLAB_FIELD_INFO(name, text, version) {text, version},
    VPCLAB_FLOW_LOG_FIELDS(VPCLAB_FIELD_INFO)
#undef VPCLAB_FIELD_INFO
};
}  // namespace

const char* name_of(FlowLogField f) { return f < FlowLogField::count ? fields[static_cast<std::size_t>(f)].name : "?"; }
int version_of(FlowLogField f) { return f < FlowLogField::count ? fields[static_cast<std::size_t>(f)].version : 2; }

std::optional<FlowLogField> flow_log_field(std::string_view name) {
    for (std::size_t i = 0; i < static_cast<std::size_t>(FlowLogField::count); ++i)
        if (name == fields[i].name) return static_cast<FlowLogField>(i);
    return std::nullopt;
}

const std::string& default_flow_log_format() {
    static const std::string format = [] {
        std::string out;
        for (std::size_t i = 0; i < static_cast<std::size_t>(FlowLogField::count); ++i)
            if (fields[i].version == 2) out += (out.empty() ? "${" : " ${") + std::string(fields[i].name) + "}";
        return out;
    }();
    return format;
}

std::vector<FlowLogField> parse_flow_log_format(const std::string& format, std::string* why) {
    std::vector<FlowLogField> out;
    auto fail = [&](const std::string& message) {
        if (why) *why = message;
        return std::vector<FlowLogField>{};
    };
    if (format.size() > 4096) return fail("the log format is longer than 4096 characters");
    std::size_t at = 0;
    while (at < format.size()) {
        if (format[at] == ' ') {
            ++at;
            continue;
        }
        if (format.compare(at, 2, "${") != 0) return fail("expected ${field} at character " + std::to_string(at + 1) + " of the log format");
        const std::size_t close = format.find('}', at);
        if (close == std::string::npos) return fail("an unclosed ${ at character " + std::to_string(at + 1) + " of the log format");
        const std::string name = format.substr(at + 2, close - at - 2);
        const auto field = flow_log_field(name);
        if (!field) return fail("unknown field ${" + name + "} in the log format (see the VPC User Guide, \"Flow log records\")");
        if (std::find(out.begin(), out.end(), *field) != out.end()) return fail("${" + name + "} appears twice in the log format");
        out.push_back(*field);
        at = close + 1;
        if (at < format.size() && format[at] != ' ') return fail("fields of the log format are separated by spaces (after ${" + name + "})");
    }
    if (out.empty()) return fail("the log format names no field");
    return out;
}

}  // namespace vpclab::routing
