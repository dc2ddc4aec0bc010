// A left-to-right evaluator of JMESPath paths with index, projection ([*]) and flatten ([]).
#include "router/cli/query.hpp"

#include <cctype>
#include <vector>

#include "router/cli/options.hpp"

namespace vpclab::router {

namespace {

using json = nlohmann::ordered_json;

struct Step {
    enum class Kind { field, index, project, flatten } kind;
    std::string name;
    long index = 0;
};

[[noreturn]] void unsupported(const std::string& expression, const std::string& why) {
    throw UsageError("--query '" + expression + "': " + why +
                     ". vpclab's --query takes paths such as Vpc.VpcId, Subnets[0].SubnetId or "
                     "Reservations[].Instances[].InstanceId; for more, use --output json with jq");
}

std::vector<Step> parse(const std::string& e) {
    std::vector<Step> steps;
    std::size_t i = 0;
    bool need_field = true;  // at the start and after '.'
    while (i < e.size()) {
        const char c = e[i];
        if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
            if (!need_field) unsupported(e, "expected '.' or '[' at character " + std::to_string(i + 1));
            std::size_t j = i;
            while (j < e.size() && (std::isalnum(static_cast<unsigned char>(e[j])) || e[j] == '_')) ++j;
            steps.push_back({Step::Kind::field, e.substr(i, j - i)});
            i = j;
            need_field = false;
        } else if (c == '.' && !need_field) {
            ++i;
            need_field = true;
        } else if (c == '[') {
            const auto close = e.find(']', i);
            if (close == std::string::npos) unsupported(e, "'[' without ']'");
            const std::string inside = e.substr(i + 1, close - i - 1);
            if (inside.empty()) steps.push_back({Step::Kind::flatten, ""});
            else if (inside == "*") steps.push_back({Step::Kind::project, ""});
            else {
                std::size_t k = inside[0] == '-' ? 1 : 0;
                if (k == inside.size()) unsupported(e, "'[" + inside + "]' is not an index");
                for (; k < inside.size(); ++k)
                    if (!std::isdigit(static_cast<unsigned char>(inside[k])))
                        unsupported(e, "'[" + inside + "]' (filters and multi-select) is not supported");
                if (inside.size() > 9) unsupported(e, "'[" + inside + "]' is not an index vpclab takes");
                steps.push_back({Step::Kind::index, "", std::stol(inside)});
            }
            i = close + 1;
            need_field = false;
        } else {
            unsupported(e, std::string("'") + c + "' at character " + std::to_string(i + 1) + " is not supported");
        }
    }
    if (steps.empty() || need_field) unsupported(e, "the path is empty or ends with '.'");
    return steps;
}

json apply_step(const Step& s, const json& v) {
    switch (s.kind) {
        case Step::Kind::field: {
            if (!v.is_object()) return nullptr;
            auto it = v.find(s.name);
            return it == v.end() ? json(nullptr) : *it;
        }
        case Step::Kind::index: {
            if (!v.is_array()) return nullptr;
            const long n = static_cast<long>(v.size());
            const long at = s.index < 0 ? n + s.index : s.index;
            return at >= 0 && at < n ? v[static_cast<std::size_t>(at)] : json(nullptr);
        }
        default: return v;
    }
}

}  // namespace

namespace {

// Steps [from, to) on `value`. A projection ([*] or []) applies the steps after it to each element, up to
// the next flatten, which then flattens the projected results (JMESPath: a[].b[].c is one flat list,
// a[*].b[*].c a list of lists); elements that give null are left out.
json evaluate(const std::vector<Step>& steps, std::size_t from, std::size_t to, json value) {
    for (std::size_t i = from; i < to; ++i) {
        const Step& s = steps[i];
        if (s.kind == Step::Kind::field || s.kind == Step::Kind::index) {
            value = apply_step(s, value);
            if (value.is_null()) return value;
            continue;
        }
        if (!value.is_array()) return nullptr;
        json elements = json::array();
        if (s.kind == Step::Kind::flatten) {
            for (auto& item : value) {
                if (item.is_array())
                    for (auto& inner : item) elements.push_back(std::move(inner));
                else if (!item.is_null())
                    elements.push_back(std::move(item));
            }
        } else {
            elements = std::move(value);
        }
        std::size_t end = i + 1;
        while (end < to && steps[end].kind != Step::Kind::flatten) ++end;
        json projected = json::array();
        for (auto& e : elements) {
            json r = evaluate(steps, i + 1, end, std::move(e));
            if (!r.is_null()) projected.push_back(std::move(r));
        }
        value = std::move(projected);
        i = end - 1;  // the loop's ++i lands on the next flatten, if any
    }
    return value;
}

}  // namespace

json apply_query(const json& document, const std::string& expression) {
    const std::vector<Step> steps = parse(expression);
    return evaluate(steps, 0, steps.size(), document);
}

namespace {
std::string scalar_text(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_null()) return "None";
    if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
    return v.dump();
}
bool is_scalar(const json& v) { return !v.is_array() && !v.is_object(); }
}  // namespace

namespace {
// The aws CLI's text layout: each object is a line of its scalar members, headed by the name it has in
// its parent in capitals (ROUTETABLES, ASSOCIATIONS, …); lists of scalars are one tab-separated line.
std::string text_of(const json& value, const std::string& label) {
    auto headed = [&](const std::string& line) { return (label.empty() ? line : label + (line.empty() ? "" : "\t" + line)) + "\n"; };
    if (is_scalar(value)) return headed(scalar_text(value));
    std::string out, line;
    if (value.is_array()) {
        bool all_scalars = true;
        for (const auto& v : value) all_scalars = all_scalars && is_scalar(v);
        if (all_scalars) {
            for (const auto& v : value) line += (line.empty() ? "" : "\t") + scalar_text(v);
            return value.empty() ? "" : headed(line);
        }
        for (const auto& v : value) out += text_of(v, label);
        return out;
    }
    for (const auto& v : value)
        if (is_scalar(v)) line += (line.empty() ? "" : "\t") + scalar_text(v);
    if (!line.empty() || !label.empty()) out += headed(line);
    for (auto it = value.begin(); it != value.end(); ++it) {
        if (is_scalar(it.value())) continue;
        std::string name = it.key();
        for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        out += text_of(it.value(), name);
    }
    return out;
}
}  // namespace

std::string text_output(const json& value) { return text_of(value, ""); }

}  // namespace vpclab::router
