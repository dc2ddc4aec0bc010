// Parsing and matching CloudWatch Logs filter patterns: terms and the space-delimited bracket form.
#include "router/flow_logs/filter_pattern.hpp"

#include <cctype>
#include <cstdlib>
#include <algorithm>
#include <optional>

#include "routing/wildcard_match.hpp"

namespace vpclab::router {

namespace {

std::string trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return std::string(s);
}

std::string unquote(const std::string& s) {
    return s.size() >= 2 && s.front() == '"' && s.back() == '"' ? s.substr(1, s.size() - 2) : s;
}

bool is_name(const std::string& s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') return false;
    return true;
}

std::optional<double> number(const std::string& s) {
    if (s.empty()) return std::nullopt;
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size()) return std::nullopt;
    return v;
}

// Splits `text` on `separator` outside double quotes.
std::vector<std::string> split_outside_quotes(std::string_view text, std::string_view separator) {
    std::vector<std::string> out;
    bool quoted = false;
    std::size_t from = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '"') quoted = !quoted;
        if (!quoted && text.compare(i, separator.size(), separator) == 0) {
            out.emplace_back(text.substr(from, i - from));
            i += separator.size() - 1;
            from = i + 1;
        }
    }
    out.emplace_back(text.substr(from));
    return out;
}

}  // namespace

std::vector<std::string_view> space_delimited_fields(std::string_view m) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < m.size()) {
        if (m[i] == ' ') {
            ++i;
            continue;
        }
        const char open = m[i];
        const char close = open == '"' ? '"' : open == '[' ? ']' : 0;
        if (close) {
            const std::size_t end = m.find(close, i + 1);
            if (end != std::string_view::npos) {
                out.push_back(m.substr(i + 1, end - i - 1));
                i = end + 1;
                continue;
            }
        }
        const std::size_t end = std::min(m.find(' ', i), m.size());
        out.push_back(m.substr(i, end - i));
        i = end;
    }
    return out;
}

std::unique_ptr<FilterPattern> FilterPattern::parse(const std::string& text, std::string* why) {
    auto fail = [&](const std::string& message) {
        if (why) *why = "Invalid filter pattern: " + message;
        return std::unique_ptr<FilterPattern>();
    };
    if (text.size() > 1024) return fail("longer than 1024 characters");
    auto p = std::make_unique<FilterPattern>();
    const std::string t = trim(text);
    if (!t.empty() && t.front() == '[') {
        if (t.back() != ']') return fail("a '[' without its ']'");
        p->bracket_ = true;
        for (const std::string& slot_text : split_outside_quotes(std::string_view(t).substr(1, t.size() - 2), ",")) {
            const std::string text_of_slot = trim(slot_text);
            if (text_of_slot.empty()) return fail("an empty field between commas");
            Slot slot;
            if (text_of_slot == "...") {
                slot.name = "...";
                p->slots_.push_back(std::move(slot));
                continue;
            }
            if (is_name(text_of_slot)) {
                slot.name = text_of_slot;
                p->slots_.push_back(std::move(slot));
                continue;
            }
            // Conditions: a=b && c>1 || …; the slot is named by its first condition's field.
            for (const std::string& any_text : split_outside_quotes(text_of_slot, "||")) {
                std::vector<Condition> all;
                for (const std::string& all_text : split_outside_quotes(any_text, "&&")) {
                    const std::string c = trim(all_text);
                    const std::size_t at = c.find_first_of("=!<>");
                    if (at == std::string::npos) return fail("'" + c + "' is not a condition (name=value, name>number, …)");
                    Condition cond;
                    cond.field = trim(c.substr(0, at));
                    const bool two = c.compare(at, 2, "!=") == 0 || c.compare(at, 2, "<=") == 0 || c.compare(at, 2, ">=") == 0;
                    cond.op = c.substr(at, two ? 2 : 1);
                    if (cond.op == "!") return fail("'!' is not an operator (=, !=, <, <=, >, >=)");
                    cond.value = unquote(trim(c.substr(at + cond.op.size())));
                    if (!is_name(cond.field)) return fail("'" + cond.field + "' is not a field name");
                    if (cond.value.empty()) return fail("a condition on " + cond.field + " without a value");
                    if (cond.op != "=" && cond.op != "!=" && !number(cond.value)) return fail(cond.op + " compares numbers, not '" + cond.value + "'");
                    if (slot.name.empty()) slot.name = cond.field;
                    all.push_back(std::move(cond));
                }
                slot.any_of.push_back(std::move(all));
            }
            p->slots_.push_back(std::move(slot));
        }
        // Every condition names a field of the pattern: the slot it reads, found once here.
        if (std::count_if(p->slots_.begin(), p->slots_.end(), [](const Slot& s) { return s.name == "..."; }) > 1)
            return fail("more than one ... in the pattern");
        for (auto& slot : p->slots_)
            for (auto& all : slot.any_of)
                for (auto& c : all) {
                    const auto named = std::find_if(p->slots_.begin(), p->slots_.end(), [&](const Slot& s) { return s.name == c.field; });
                    if (named == p->slots_.end() || c.field == "...") return fail("the condition on '" + c.field + "' names no field of the pattern");
                    c.slot = static_cast<std::size_t>(named - p->slots_.begin());
                }
        return p;
    }
    // Terms: words or quoted phrases; ?term any of, -term none of.
    std::size_t i = 0;
    while (i < t.size()) {
        if (std::isspace(static_cast<unsigned char>(t[i]))) {
            ++i;
            continue;
        }
        char prefix = 0;
        if (t[i] == '?' || t[i] == '-') prefix = t[i++];
        std::string term;
        if (i < t.size() && t[i] == '"') {
            const std::size_t end = t.find('"', i + 1);
            if (end == std::string::npos) return fail("an unclosed quote");
            term = t.substr(i + 1, end - i - 1);
            i = end + 1;
        } else {
            const std::size_t end = std::min(t.find(' ', i), t.size());
            term = t.substr(i, end - i);
            i = end;
        }
        if (term.empty()) return fail("an empty term");
        (prefix == '?' ? p->any_of_ : prefix == '-' ? p->none_of_ : p->all_of_).push_back(term);
    }
    return p;
}

bool FilterPattern::matches(std::string_view message) const { return bracket_ ? matches_fields(message) : matches_terms(message); }

bool FilterPattern::matches_terms(std::string_view m) const {
    for (const auto& t : all_of_)
        if (m.find(t) == std::string_view::npos) return false;
    for (const auto& t : none_of_)
        if (m.find(t) != std::string_view::npos) return false;
    if (any_of_.empty()) return true;
    for (const auto& t : any_of_)
        if (m.find(t) != std::string_view::npos) return true;
    return false;
}

bool FilterPattern::matches_fields(std::string_view m) const {
    const std::vector<std::string_view> fields = space_delimited_fields(m);
    // Slots before an ellipsis bind fields from the front, those after it from the back.
    const auto ellipsis = std::find_if(slots_.begin(), slots_.end(), [](const Slot& s) { return s.name == "..."; });
    const std::size_t before = static_cast<std::size_t>(ellipsis - slots_.begin());
    const std::size_t after = ellipsis == slots_.end() ? 0 : static_cast<std::size_t>(slots_.end() - ellipsis - 1);
    if (ellipsis == slots_.end() ? fields.size() != slots_.size() : fields.size() < before + after) return false;
    auto field_of = [&](std::size_t slot) { return slot < before ? fields[slot] : fields[fields.size() - (slots_.size() - slot)]; };
    auto holds = [&](const Condition& c) {
        const std::string_view v = field_of(c.slot);
        const auto a = number(std::string(v)), b = number(c.value);
        if (c.op == "=" || c.op == "!=") {
            const bool equal = a && b ? *a == *b : routing::wildcard_match(c.value, v);
            return c.op == "=" ? equal : !equal;
        }
        if (!a || !b) return false;
        return c.op == "<" ? *a < *b : c.op == "<=" ? *a <= *b : c.op == ">" ? *a > *b : *a >= *b;
    };
    for (const auto& slot : slots_) {
        if (slot.any_of.empty()) continue;
        const bool any = std::any_of(slot.any_of.begin(), slot.any_of.end(),
                                     [&](const std::vector<Condition>& all) { return std::all_of(all.begin(), all.end(), holds); });
        if (!any) return false;
    }
    return true;
}

}  // namespace vpclab::router
