// A left-to-right evaluator of JMESPath paths with index, projection ([*]) and flatten ([]).
#include "router/cli/query.hpp"

#include <cctype>
#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "router/cli/options.hpp"

namespace vpclab::router {

namespace {

using json = nlohmann::ordered_json;

struct Step {
    enum class Kind { field, index, project, flatten, select_list, select_hash } kind;
    std::string name;
    long index = 0;
    // Multi-select: [a, b.c] gives a list, {A: a, B: b.c} an object (names empty for a list).
    std::vector<std::pair<std::string, std::vector<Step>>> selections = {};
};

[[noreturn]] void unsupported(const std::string& expression, const std::string& why) {
    throw UsageError("--query '" + expression + "': " + why +
                     ". vpclab's --query takes paths such as Vpc.VpcId, Subnets[0].SubnetId, "
                     "Reservations[].Instances[].InstanceId and multi-selects such as Instances[].[InstanceId,State.Name] "
                     "or Instances[].{Id:InstanceId}; for filters and functions, use --output json with jq");
}

std::string trimmed(const std::string& s) {
    const auto a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
    return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

// The index of the bracket closing the one at `open`, or npos.
std::size_t closing(const std::string& e, std::size_t open) {
    int depth = 0;
    for (std::size_t i = open; i < e.size(); ++i) {
        if (e[i] == '[' || e[i] == '{') ++depth;
        if ((e[i] == ']' || e[i] == '}') && --depth == 0) return i;
    }
    return std::string::npos;
}

// The parts of a multi-select's inside, split at commas outside nested brackets.
std::vector<std::string> split_top(const std::string& inside) {
    std::vector<std::string> parts(1);
    int depth = 0;
    for (char c : inside) {
        if (c == '[' || c == '{') ++depth;
        if (c == ']' || c == '}') --depth;
        if (c == ',' && depth == 0) parts.emplace_back();
        else parts.back() += c;
    }
    return parts;
}

std::vector<Step> parse(const std::string& e);

Step multi_select(const std::string& e, const std::string& inside, bool hash) {
    Step s{hash ? Step::Kind::select_hash : Step::Kind::select_list, "", 0};
    for (const std::string& raw : split_top(inside)) {
        std::string part = trimmed(raw), name;
        if (hash) {
            const auto colon = part.find(':');
            if (colon == std::string::npos) unsupported(e, "'{" + inside + "}': each member is Name: path");
            name = trimmed(part.substr(0, colon));
            part = trimmed(part.substr(colon + 1));
            if (name.empty()) unsupported(e, "'{" + inside + "}': a member without a name");
        }
        s.selections.emplace_back(name, parse(part));
    }
    return s;
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
        } else if (c == '{' && need_field) {
            const auto close = closing(e, i);
            if (close == std::string::npos) unsupported(e, "'{' without '}'");
            steps.push_back(multi_select(e, e.substr(i + 1, close - i - 1), true));
            i = close + 1;
            need_field = false;
        } else if (c == '[') {
            const auto close = closing(e, i);
            if (close == std::string::npos) unsupported(e, "'[' without ']'");
            const std::string inside = e.substr(i + 1, close - i - 1);
            const bool select = !inside.empty() && (std::isalpha(static_cast<unsigned char>(trimmed(inside)[0])) ||
                                                    trimmed(inside)[0] == '_' || trimmed(inside)[0] == '{');
            // After a '.', only a multi-select: a.[0] and a.[*] are not JMESPath.
            if (need_field && !steps.empty() && !select) unsupported(e, "'.[" + inside + "]': after '.' comes a name or a multi-select");
            if (inside.empty()) steps.push_back({Step::Kind::flatten, ""});
            else if (inside == "*") steps.push_back({Step::Kind::project, ""});
            else if (inside[0] == '?') unsupported(e, "'[" + inside + "]' (a filter expression) is not supported");
            else if (std::isalpha(static_cast<unsigned char>(trimmed(inside)[0])) || trimmed(inside)[0] == '_' || trimmed(inside)[0] == '{')
                steps.push_back(multi_select(e, inside, false));
            else {
                std::size_t k = inside[0] == '-' ? 1 : 0;
                if (k == inside.size()) unsupported(e, "'[" + inside + "]' is not an index");
                for (; k < inside.size(); ++k)
                    if (!std::isdigit(static_cast<unsigned char>(inside[k])))
                        unsupported(e, "'[" + inside + "]' is not an index");
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
        if (s.kind == Step::Kind::select_list || s.kind == Step::Kind::select_hash) {
            if (value.is_null()) return value;
            json out = s.kind == Step::Kind::select_list ? json::array() : json::object();
            for (const auto& [name, sub] : s.selections) {
                json picked = evaluate(sub, 0, sub.size(), value);
                if (s.kind == Step::Kind::select_list) out.push_back(std::move(picked));
                else out[name] = std::move(picked);
            }
            value = std::move(out);
            continue;
        }
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
// The aws CLI's text layout (awscli's text formatter): an object is one line of its scalar members in key
// order, headed by its name in its parent in capitals (ROUTETABLES, ASSOCIATIONS, …), then its lists and
// objects in key order; objects of one list share the union of their scalar keys (a missing one prints
// empty); a list of scalars is one tab-separated line, or one headed line per item inside an object.
void text_of(const json& value, const std::string& label, const std::vector<std::string>* scalar_keys, std::string& out);

std::string joined(const std::vector<std::string>& parts) {
    std::string line;
    for (std::size_t i = 0; i < parts.size(); ++i) line += (i ? "\t" : "") + parts[i];
    return line;
}

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

void scalar_list(const std::vector<const json*>& items, const std::string& label, std::string& out) {
    if (!label.empty()) {
        for (const json* v : items) out += upper(label) + "\t" + scalar_text(*v) + "\n";
        return;
    }
    std::vector<std::string> parts;
    for (const json* v : items) parts.push_back(scalar_text(*v));
    out += joined(parts) + "\n";
}

void text_of(const json& value, const std::string& label, const std::vector<std::string>* scalar_keys, std::string& out) {
    if (is_scalar(value)) {
        out += scalar_text(value) + "\n";
        return;
    }
    if (value.is_array()) {
        if (value.empty()) return;
        bool any_object = false, any_list = false;
        for (const auto& v : value) any_object = any_object || v.is_object(), any_list = any_list || v.is_array();
        if (any_object) {
            std::set<std::string> keys;
            for (const auto& v : value)
                if (v.is_object())
                    for (auto it = v.begin(); it != v.end(); ++it)
                        if (is_scalar(it.value())) keys.insert(it.key());
            const std::vector<std::string> all(keys.begin(), keys.end());
            for (const auto& v : value) text_of(v, label, &all, out);
        } else {
            std::vector<const json*> scalars;
            for (const auto& v : value)
                if (is_scalar(v)) scalars.push_back(&v);
            if (!any_list || !scalars.empty()) scalar_list(scalars, label, out);
            for (const auto& v : value)
                if (!is_scalar(v)) text_of(v, label, nullptr, out);
        }
        return;
    }
    std::vector<std::string> fields;
    std::map<std::string, const json*> nested;  // sorted by key
    if (scalar_keys) {
        for (const auto& k : *scalar_keys) {
            auto it = value.find(k);
            fields.push_back(it == value.end() ? std::string() : scalar_text(*it));
        }
        for (auto it = value.begin(); it != value.end(); ++it)
            if (std::find(scalar_keys->begin(), scalar_keys->end(), it.key()) == scalar_keys->end()) nested[it.key()] = &it.value();
    } else {
        std::map<std::string, const json*> sorted;
        for (auto it = value.begin(); it != value.end(); ++it) sorted[it.key()] = &it.value();
        for (const auto& [k, v] : sorted) {
            if (is_scalar(*v)) fields.push_back(scalar_text(*v));
            else nested[k] = v;
        }
    }
    if (!fields.empty()) {
        if (!label.empty()) fields.insert(fields.begin(), upper(label));
        out += joined(fields) + "\n";
    }
    for (const auto& [k, v] : nested) text_of(*v, k, nullptr, out);
}
}  // namespace

std::string text_output(const json& value) {
    std::string out;
    text_of(value, "", nullptr, out);
    return out;
}


}  // namespace vpclab::router
