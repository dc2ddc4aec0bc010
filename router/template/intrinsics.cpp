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

// Fn::Sub's template: ${Name} and ${Resource.Attribute} are replaced, ${!Literal} writes ${Literal}.
std::string substitute(const Node& text_node, const Node* variables, const EvalContext& ctx, const std::string& property) {
    const std::string text = as_string(text_node, ctx, property, "Fn::Sub's template");
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        if (text.compare(i, 2, "${") != 0) {
            out += text[i++];
            continue;
        }
        const std::size_t close = text.find('}', i);
        if (close == std::string::npos) fail(ctx, text_node.line, property, "Fn::Sub: unterminated ${ in '" + text + "'");
        const std::string name = text.substr(i + 2, close - i - 2);
        i = close + 1;
        if (!name.empty() && name[0] == '!') {
            out += "${" + name.substr(1) + "}";
            continue;
        }
        if (variables) {
            if (const Node* v = variables->find(name)) {
                out += as_string(evaluate(*v, ctx, property), ctx, property, "an Fn::Sub variable");
                continue;
            }
        }
        const auto dot = name.find('.');
        if (dot != std::string::npos && name.rfind("AWS::", 0) != 0) {
            out += as_string(ctx.get_att(name.substr(0, dot), name.substr(dot + 1), text_node.line), ctx, property, "Fn::Sub's ${Resource.Attribute}");
            continue;
        }
        auto value = ctx.ref(name);
        if (!value) fail(ctx, text_node.line, property, "Fn::Sub refers to '" + name + "', which is not a parameter, resource or pseudo parameter");
        if (value->is_list()) fail(ctx, text_node.line, property, "Fn::Sub variable '" + name + "' is a list");
        out += value->scalar;
    }
    return out;
}

Node call(const std::string& fn, const Node& arg, int line, const EvalContext& ctx, const std::string& property) {
    if (fn == "Ref") {
        const std::string name = as_string(arg, ctx, property, "Ref's argument");
        auto value = ctx.ref(name);
        if (!value) fail(ctx, line, property, "Ref to '" + name + "', which is not a parameter, resource or pseudo parameter");
        value->line = line;
        return *value;
    }
    if (fn == "Fn::GetAtt") {
        std::string resource, attribute;
        if (arg.is_scalar()) {
            const auto dot = arg.scalar.find('.');
            if (dot == std::string::npos) fail(ctx, line, property, "Fn::GetAtt needs Resource.Attribute, got '" + arg.scalar + "'");
            resource = arg.scalar.substr(0, dot);
            attribute = arg.scalar.substr(dot + 1);
        } else if (arg.is_list() && arg.items.size() == 2) {
            resource = as_string(evaluate(arg.items[0], ctx, property), ctx, property, "Fn::GetAtt's resource");
            attribute = as_string(evaluate(arg.items[1], ctx, property), ctx, property, "Fn::GetAtt's attribute");
        } else {
            fail(ctx, line, property, "Fn::GetAtt takes [Resource, Attribute]");
        }
        Node v = ctx.get_att(resource, attribute, line);
        v.line = line;
        return v;
    }
    if (fn == "Fn::Select") {
        if (!arg.is_list() || arg.items.size() != 2) fail(ctx, line, property, "Fn::Select takes [index, list]");
        const Node index = evaluate(arg.items[0], ctx, property);
        const Node list = evaluate(arg.items[1], ctx, property);
        std::size_t i = 0;
        try {
            std::size_t used = 0;
            i = std::stoul(as_string(index, ctx, property, "Fn::Select's index"), &used);
            if (used != index.scalar.size()) throw std::invalid_argument("");
        } catch (const std::logic_error&) {
            fail(ctx, line, property, "Fn::Select's index '" + index.scalar + "' is not a non-negative number");
        }
        if (!list.is_list()) fail(ctx, line, property, "Fn::Select's second argument must be a list");
        if (i >= list.items.size())
            fail(ctx, line, property, "Fn::Select index " + std::to_string(i) + " is out of range for a list of " + std::to_string(list.items.size()));
        Node v = list.items[i];
        v.line = line;
        return v;
    }
    if (fn == "Fn::GetAZs") {
        const Node region_arg = evaluate(arg, ctx, property);
        std::string region = region_arg.is_null() ? "" : as_string(region_arg, ctx, property, "Fn::GetAZs's region");
        if (region.empty()) region = ctx.region;
        if (region != ctx.region) fail(ctx, line, property, "Fn::GetAZs: the lab's region is " + ctx.region + ", not " + region);
        Node list;
        list.kind = Node::Kind::list;
        list.line = line;
        for (const auto& az : availability_zones(region)) list.items.push_back(Node::make_scalar(az, line));
        return list;
    }
    if (fn == "Fn::Sub") {
        if (arg.is_list()) {
            if (arg.items.size() != 2 || !arg.items[1].is_map()) fail(ctx, line, property, "Fn::Sub takes a string or [string, {variables}]");
            return Node::make_scalar(substitute(arg.items[0], &arg.items[1], ctx, property), line);
        }
        return Node::make_scalar(substitute(arg, nullptr, ctx, property), line);
    }
    if (fn == "Fn::Join") {
        if (!arg.is_list() || arg.items.size() != 2) fail(ctx, line, property, "Fn::Join takes [delimiter, list]");
        const std::string delimiter = as_string(arg.items[0], ctx, property, "Fn::Join's delimiter");
        const Node list = evaluate(arg.items[1], ctx, property);
        if (!list.is_list()) fail(ctx, line, property, "Fn::Join's second argument must be a list");
        std::string out;
        for (std::size_t i = 0; i < list.items.size(); ++i) {
            if (i) out += delimiter;
            out += as_string(list.items[i], ctx, property, "each item joined by Fn::Join");
        }
        return Node::make_scalar(out, line);
    }
    if (fn == "Fn::Base64") {
        return Node::make_scalar(instance::base64_encode(as_string(evaluate(arg, ctx, property), ctx, property, "Fn::Base64's argument")), line);
    }
    fail(ctx, line, property, fn + " is not supported by vpclab (supported: Ref, Fn::GetAtt, Fn::Select, Fn::GetAZs, Fn::Sub, Fn::Join, Fn::Base64)");
}

}  // namespace

Node evaluate(const Node& node, const EvalContext& ctx, const std::string& property) {
    if (const auto* fn = node.intrinsic()) return call(fn->first, fn->second, node.line, ctx, property);
    Node out = node;
    if (node.is_list()) {
        out.items.clear();
        for (const auto& item : node.items) {
            Node v = evaluate(item, ctx, property);
            if (!is_no_value(v)) out.items.push_back(std::move(v));
        }
    } else if (node.is_map()) {
        out.entries.clear();
        for (const auto& [key, value] : node.entries) {
            Node v = evaluate(value, ctx, property.empty() ? key : property + "." + key);
            if (!is_no_value(v)) out.entries.emplace_back(key, std::move(v));
        }
    }
    return out;
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
