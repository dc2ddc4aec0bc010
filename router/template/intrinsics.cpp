// The intrinsic function evaluator (CloudFormation User Guide, "Intrinsic function reference").
#include "router/template/intrinsics.hpp"

#include "instance/base64.hpp"

#include "router/template/template_error.hpp"

namespace vpclab::cfn {

namespace {

constexpr const char* no_value_marker = "AWS::NoValue";
bool is_no_value(const Node& n) { return n.is_null() && n.scalar == no_value_marker; }

[[noreturn]] void fail(const EvalContext& ctx, int line, const std::string& property, const std::string& message) {
    throw TemplateError(ctx.file, line, ctx.resource, property, message);
}

std::string as_string(const Node& n, const EvalContext& ctx, const std::string& property, const char* what) {
    if (!n.is_scalar()) fail(ctx, n.line, property, std::string(what) + " must be a string");
    return n.scalar;
}

constexpr std::size_t base64_length(std::size_t raw) { return (raw + 2) / 3 * 4; }

// The longest string an intrinsic may build at a point of the template, and why.
struct Bound {
    std::size_t bytes;
    const char* why;
};
constexpr Bound template_bound{max_built_string_bytes, "a string is at most 1 MiB (the template's own size limit)"};
constexpr Bound user_data_bound{base64_length(max_user_data_raw_bytes), "UserData is at most 16 KiB before base64 (EC2's limit)"};
constexpr Bound user_data_raw_bound{max_user_data_raw_bytes, user_data_bound.why};
constexpr Bound base64_argument_bound{max_built_string_bytes / 4 * 3, "Fn::Base64 encodes at most 786432 bytes (1 MiB once encoded, the template's own size limit)"};

// The bound of a property (a dotted path, e.g. "UserData" or "LaunchTemplateData.UserData").
Bound bound_of(const std::string& property) {
    const auto dot = property.rfind('.');
    const std::string_view last = dot == std::string::npos ? std::string_view(property) : std::string_view(property).substr(dot + 1);
    return last == "UserData" ? user_data_bound : template_bound;
}
// What Fn::Base64 may encode where its result is bounded by `outer`.
Bound argument_of_base64(const Bound& outer) { return outer.bytes == user_data_bound.bytes ? user_data_raw_bound : base64_argument_bound; }

// One evaluation: the template's budget and, at each point, the longest string that may be built there.
class Evaluator {
public:
    Evaluator(const EvalContext& ctx, std::size_t& budget) : ctx_(ctx), budget_(budget) {}

    Node evaluate(const Node& node, const std::string& property, const Bound& limit) {
        if (const auto* fn = node.intrinsic()) return call(fn->first, fn->second, node.line, property, limit);
        // Copy the node itself, not its children (each is evaluated below): the template's own text is
        // copied once, whatever its depth.
        Node out;
        out.kind = node.kind;
        out.scalar = node.scalar;
        out.line = node.line;
        out.key_line = node.key_line;
        out.quoted = node.quoted;
        if (node.is_list()) {
            out.items.reserve(node.items.size());
            for (const auto& item : node.items) {
                Node v = evaluate(item, property, limit);
                if (!is_no_value(v)) out.items.push_back(std::move(v));
            }
        } else if (node.is_map()) {
            out.entries.reserve(node.entries.size());
            for (const auto& [key, value] : node.entries) {
                const std::string inner = property.empty() ? key : property + "." + key;
                Node v = evaluate(value, inner, bound_of(inner));
                if (!is_no_value(v)) out.entries.emplace_back(key, std::move(v));
            }
        }
        return out;
    }

private:
    // Takes `bytes` from the template's budget before they are built, or refuses.
    void spend(std::size_t bytes, int line, const std::string& property, const std::string& fn) {
        if (bytes > budget_)
            fail(ctx_, line, property,
                 fn + " would take what the template's intrinsic functions build past " + std::to_string(max_built_template_bytes >> 20) + " MiB" +
                     " in all: the template builds too much from too little (vpclab bounds what a template may make)");
        budget_ -= bytes;
    }
    // A string of `bytes` about to be built by `fn`, where strings may be `limit` long: refused before it is.
    void check_length(std::size_t bytes, const Bound& limit, int line, const std::string& property, const std::string& fn) {
        if (bytes > limit.bytes) fail(ctx_, line, property, fn + " would build a string of " + std::to_string(bytes) + " bytes; " + limit.why);
    }
    // A copy of an existing value (Ref, Fn::GetAtt, Fn::Select), paid for. (The value itself was bounded when
    // it was made: a parameter, an attribute, a list already evaluated.)
    Node copy_of(Node value, int line, const std::string& property, const std::string& fn) {
        spend(node_bytes(value), line, property, fn);
        value.line = line;
        return value;
    }

    // Fn::Sub's template: ${Name} and ${Resource.Attribute} are replaced, ${!Literal} writes ${Literal}. Each
    // variable of the map is evaluated once, however often it is used.
    std::string substitute(const Node& text_node, const Node* variables, const std::string& property, const Bound& limit) {
        const std::string text = as_string(text_node, ctx_, property, "Fn::Sub's template");
        std::map<std::string, std::string> evaluated;
        std::string out;
        auto append = [&](std::string_view piece) {
            check_length(out.size() + piece.size(), limit, text_node.line, property, "Fn::Sub");
            spend(piece.size(), text_node.line, property, "Fn::Sub");
            out += piece;
        };
        for (std::size_t i = 0; i < text.size();) {
            const std::size_t open = text.find("${", i);
            append(std::string_view(text).substr(i, open == std::string::npos ? std::string::npos : open - i));
            if (open == std::string::npos) break;
            const std::size_t close = text.find('}', open);
            if (close == std::string::npos) fail(ctx_, text_node.line, property, "Fn::Sub: unterminated ${ in '" + text.substr(0, 200) + "'");
            const std::string name = text.substr(open + 2, close - open - 2);
            i = close + 1;
            if (!name.empty() && name[0] == '!') {
                append("${" + name.substr(1) + "}");
                continue;
            }
            if (variables) {
                if (const Node* v = variables->find(name)) {
                    auto it = evaluated.find(name);
                    if (it == evaluated.end())
                        it = evaluated.emplace(name, as_string(evaluate(*v, property, limit), ctx_, property, "an Fn::Sub variable")).first;
                    append(it->second);
                    continue;
                }
            }
            const auto dot = name.find('.');
            if (dot != std::string::npos && name.rfind("AWS::", 0) != 0) {
                const Node value = ctx_.get_att(name.substr(0, dot), name.substr(dot + 1), text_node.line);
                append(as_string(value, ctx_, property, "Fn::Sub's ${Resource.Attribute}"));
                continue;
            }
            auto value = ctx_.ref(name);
            if (!value) fail(ctx_, text_node.line, property, "Fn::Sub refers to '" + name + "', which is not a parameter, resource or pseudo parameter");
            if (value->is_list()) fail(ctx_, text_node.line, property, "Fn::Sub variable '" + name + "' is a list");
            append(value->scalar);
        }
        return out;
    }

    Node call(const std::string& fn, const Node& arg, int line, const std::string& property, const Bound& limit) {
        const EvalContext& ctx = ctx_;
        if (fn == "Ref") {
            const std::string name = as_string(arg, ctx, property, "Ref's argument");
            auto value = ctx.ref(name);
            if (!value) fail(ctx, line, property, "Ref to '" + name + "', which is not a parameter, resource or pseudo parameter");
            return copy_of(std::move(*value), line, property, "Ref");
        }
        if (fn == "Fn::GetAtt") {
            std::string resource, attribute;
            if (arg.is_scalar()) {
                const auto dot = arg.scalar.find('.');
                if (dot == std::string::npos) fail(ctx, line, property, "Fn::GetAtt needs Resource.Attribute, got '" + arg.scalar + "'");
                resource = arg.scalar.substr(0, dot);
                attribute = arg.scalar.substr(dot + 1);
            } else if (arg.is_list() && arg.items.size() == 2) {
                resource = as_string(evaluate(arg.items[0], property, limit), ctx, property, "Fn::GetAtt's resource");
                attribute = as_string(evaluate(arg.items[1], property, limit), ctx, property, "Fn::GetAtt's attribute");
            } else {
                fail(ctx, line, property, "Fn::GetAtt takes [Resource, Attribute]");
            }
            return copy_of(ctx.get_att(resource, attribute, line), line, property, "Fn::GetAtt");
        }
        if (fn == "Fn::Select") {
            if (!arg.is_list() || arg.items.size() != 2) fail(ctx, line, property, "Fn::Select takes [index, list]");
            const Node index = evaluate(arg.items[0], property, limit);
            const Node list = evaluate(arg.items[1], property, limit);
            std::size_t i = 0;
            try {
                std::size_t used = 0;
                i = std::stoul(as_string(index, ctx, property, "Fn::Select's index"), &used);
                if (used != index.scalar.size()) throw std::invalid_argument("");
            } catch (const std::logic_error&) {
                fail(ctx, line, property, "Fn::Select's index '" + index.scalar.substr(0, 40) + "' is not a non-negative number");
            }
            if (!list.is_list()) fail(ctx, line, property, "Fn::Select's second argument must be a list");
            if (i >= list.items.size())
                fail(ctx, line, property, "Fn::Select index " + std::to_string(i) + " is out of range for a list of " + std::to_string(list.items.size()));
            return copy_of(list.items[i], line, property, "Fn::Select");
        }
        if (fn == "Fn::GetAZs") {
            const Node region_arg = evaluate(arg, property, limit);
            std::string region = region_arg.is_null() ? "" : as_string(region_arg, ctx, property, "Fn::GetAZs's region");
            if (region.empty()) region = ctx.region;
            if (region != ctx.region) fail(ctx, line, property, "Fn::GetAZs: the lab's region is " + ctx.region + ", not " + region.substr(0, 40));
            Node list;
            list.kind = Node::Kind::list;
            list.line = line;
            for (const auto& az : availability_zones(region)) list.items.push_back(Node::make_scalar(az, line));
            spend(node_bytes(list), line, property, fn);
            return list;
        }
        if (fn == "Fn::Sub") {
            if (arg.is_list()) {
                if (arg.items.size() != 2 || !arg.items[1].is_map()) fail(ctx, line, property, "Fn::Sub takes a string or [string, {variables}]");
                return Node::make_scalar(substitute(arg.items[0], &arg.items[1], property, limit), line);
            }
            return Node::make_scalar(substitute(arg, nullptr, property, limit), line);
        }
        if (fn == "Fn::Join") {
            if (!arg.is_list() || arg.items.size() != 2) fail(ctx, line, property, "Fn::Join takes [delimiter, list]");
            const std::string delimiter = as_string(arg.items[0], ctx, property, "Fn::Join's delimiter");
            const Node list = evaluate(arg.items[1], property, limit);
            if (!list.is_list()) fail(ctx, line, property, "Fn::Join's second argument must be a list");
            // The joined length first, then the string (its items are bounded strings: no overflow).
            std::size_t total = list.items.empty() ? 0 : delimiter.size() * (list.items.size() - 1);
            for (const auto& item : list.items) total += as_string(item, ctx, property, "each item joined by Fn::Join").size();
            check_length(total, limit, line, property, fn);
            spend(total, line, property, fn);
            std::string out;
            out.reserve(total);
            for (std::size_t i = 0; i < list.items.size(); ++i) {
                if (i) out += delimiter;
                out += list.items[i].scalar;
            }
            return Node::make_scalar(std::move(out), line);
        }
        if (fn == "Fn::Base64") {
            const std::string raw = as_string(evaluate(arg, property, argument_of_base64(limit)), ctx, property, "Fn::Base64's argument");
            check_length(base64_length(raw.size()), limit, line, property, fn);
            spend(base64_length(raw.size()), line, property, fn);
            return Node::make_scalar(instance::base64_encode(raw), line);
        }
        fail(ctx, line, property, fn + " is not supported by vpclab (supported: Ref, Fn::GetAtt, Fn::Select, Fn::GetAZs, Fn::Sub, Fn::Join, Fn::Base64)");
    }

    const EvalContext& ctx_;
    std::size_t& budget_;
};

}  // namespace

std::size_t node_bytes(const Node& n) {
    std::size_t bytes = sizeof(Node) + n.scalar.size();
    for (const auto& item : n.items) bytes += node_bytes(item);
    for (const auto& [key, value] : n.entries) bytes += key.size() + node_bytes(value);
    return bytes;
}

Node evaluate(const Node& node, const EvalContext& ctx, const std::string& property) {
    std::size_t own_budget = max_built_template_bytes;
    Evaluator evaluator(ctx, ctx.budget ? *ctx.budget : own_budget);
    return evaluator.evaluate(node, property, bound_of(property));
}

void collect_references(const Node& node, std::map<std::string, int>& names) {
    auto add = [&](const std::string& name) { names.emplace(name, node.line); };
    if (const auto* fn = node.intrinsic()) {
        const Node& arg = fn->second;
        if (fn->first == "Ref" && arg.is_scalar()) add(arg.scalar);
        if (fn->first == "Fn::GetAtt") {
            if (arg.is_scalar()) add(arg.scalar.substr(0, arg.scalar.find('.')));
            if (arg.is_list() && !arg.items.empty() && arg.items[0].is_scalar()) add(arg.items[0].scalar);
        }
        if (fn->first == "Fn::Sub") {
            const Node* text = arg.is_list() && !arg.items.empty() ? &arg.items[0] : &arg;
            const Node* variables = arg.is_list() && arg.items.size() > 1 ? &arg.items[1] : nullptr;
            if (text->is_scalar()) {
                const std::string& s = text->scalar;
                for (std::size_t i = s.find("${"); i != std::string::npos; i = s.find("${", i + 2)) {
                    const std::size_t close = s.find('}', i);
                    if (close == std::string::npos) break;
                    const std::string name = s.substr(i + 2, close - i - 2);
                    // ${!Literal} is text; names defined in Fn::Sub's own variable map are not references.
                    if (name.empty() || name[0] == '!' || (variables && variables->find(name))) continue;
                    add(name.substr(0, name.find('.')));
                }
            }
        }
    }
    for (const auto& item : node.items) collect_references(item, names);
    for (const auto& [key, value] : node.entries) collect_references(value, names);
}

std::vector<std::string> availability_zones(const std::string& region) {
    return {region + "a", region + "b", region + "c", region + "d"};
}

}  // namespace vpclab::cfn
