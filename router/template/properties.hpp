// A template resource's evaluated Properties, read with type checks whose errors name the file, line and
// property, with bookkeeping of which keys a handler used (the rest are reported as unsupported).
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "router/template/template_error.hpp"
#include "router/template/template_node.hpp"
#include "routing/vpc_model.hpp"

namespace vpclab::cfn {

// Characters (code points) of UTF-8 text, as AWS counts lengths of tags and names.
inline std::size_t utf8_length(const std::string& s) {
    std::size_t n = 0;
    for (const unsigned char c : s) n += (c & 0xc0) != 0x80;
    return n;
}

// A resource's evaluated Properties, with bookkeeping of which keys a handler used.
class Properties {
public:
    Properties(Node resolved, std::string file, std::string label, int resource_line)
        : node_(std::move(resolved)), file_(std::move(file)), label_(std::move(label)), resource_line_(resource_line) {}

    const Node* get(const std::string& key) {
        used_.insert(key);
        return node_.is_map() ? node_.find(key) : nullptr;
    }

    [[noreturn]] void fail(const std::string& property, const std::string& message) const {
        const Located at = locate(property);
        throw TemplateError(file_, at.line, label_, at.path, message);
    }
    [[noreturn]] void fail_at(const Node& n, const std::string& property, const std::string& message) const {
        throw TemplateError(file_, n.where(), label_, property, message);
    }
    int line_of(const std::string& property) const { return locate(property).line; }

    // Where a property is: a top-level key, else the first nested key of that name (e.g. PrivateIpAddress
    // inside NetworkInterfaces), with its dotted path; else the resource itself.
    struct Located {
        int line;
        std::string path;
    };
    Located locate(const std::string& property) const {
        if (const Node* n = node_.is_map() ? node_.find(property) : nullptr) return {n->where(), property};
        Located found{resource_line_, property};
        std::function<bool(const Node&, const std::string&)> search = [&](const Node& n, const std::string& prefix) {
            for (const auto& [k, v] : n.entries) {
                const std::string path = prefix.empty() ? k : prefix + "." + k;
                if (k == property) {
                    found = {v.where(), path};
                    return true;
                }
                if (search(v, path)) return true;
            }
            for (const auto& item : n.items)
                if (search(item, prefix)) return true;
            return false;
        };
        search(node_, "");
        return found;
    }
    std::string string_of(const Node& n, const std::string& property) const {
        if (!n.is_scalar()) fail_at(n, property, "expected a string");
        return n.scalar;
    }
    std::string string(const std::string& key, bool required) {
        const Node* n = get(key);
        if (!n || n->is_null()) {
            if (required) fail(key, "is required");
            return {};
        }
        return string_of(*n, key);
    }
    bool boolean_of(const Node& n, const std::string& property) const {
        std::string s = string_of(n, property);
        std::transform(s.begin(), s.end(), s.begin(), ::tolower);
        if (s == "true") return true;
        if (s == "false") return false;
        fail_at(n, property, "expected true or false, got '" + n.scalar + "'");
    }
    std::optional<bool> boolean(const std::string& key) {
        const Node* n = get(key);
        if (!n || n->is_null()) return std::nullopt;
        return boolean_of(*n, key);
    }
    int integer_of(const Node& n, const std::string& property) const {
        const std::string s = string_of(n, property);
        try {
            std::size_t used = 0;
            const int v = std::stoi(s, &used);
            if (used == s.size()) return v;
        } catch (const std::logic_error&) {
        }
        fail_at(n, property, "expected a whole number, got '" + s + "'");
    }
    std::vector<std::string> strings(const std::string& key) {
        const Node* n = get(key);
        if (!n || n->is_null()) return {};
        if (!n->is_list()) fail(key, "expected a list");
        std::vector<std::string> out;
        for (const auto& item : n->items) out.push_back(string_of(item, key));
        return out;
    }
    std::vector<routing::Tag> tags() {
        const Node* n = get("Tags");
        std::vector<routing::Tag> out;
        if (!n || n->is_null()) return out;
        if (!n->is_list()) fail("Tags", "expected a list of {Key, Value}");
        for (const auto& t : n->items) {
            const Node* k = t.is_map() ? t.find("Key") : nullptr;
            const Node* v = t.is_map() ? t.find("Value") : nullptr;
            if (!k || !v) fail("Tags", "each tag needs Key and Value");
            routing::Tag tag{string_of(*k, "Tags"), string_of(*v, "Tags")};
            // EC2 User Guide, "Tag restrictions": keys of 1 to 128 characters not starting with "aws:",
            // values of at most 256 characters.
            if (tag.key.empty() || utf8_length(tag.key) > 128)
                fail_at(*k, "Tags", "a tag key must be 1 to 128 characters (InvalidParameterValue)");
            if (tag.key.rfind("aws:", 0) == 0) fail_at(*k, "Tags", "tag keys starting with 'aws:' are reserved for AWS (InvalidParameterValue)");
            if (utf8_length(tag.value) > 256)
                fail_at(*v, "Tags", "the value of tag " + tag.key + " is " + std::to_string(utf8_length(tag.value)) +
                                        " characters; at most 256 are allowed (InvalidParameterValue)");
            out.push_back(std::move(tag));
        }
        return out;
    }
    std::vector<std::string> unused_keys() const {
        std::vector<std::string> out;
        if (node_.is_map())
            for (const auto& [k, v] : node_.entries)
                if (!used_.count(k)) out.push_back(k);
        return out;
    }
    const Node& node() const { return node_; }

private:
    Node node_;
    std::string file_, label_;
    int resource_line_;
    std::set<std::string> used_;
};

// A resource as the template declares it, and what Ref / Fn::GetAtt on it give once it is created.
struct ResourceEntry {
    std::string logical_id, type;
    const Node* definition = nullptr;
    int line = 0;
    std::map<std::string, Node> attributes;  // "Ref" and Fn::GetAtt values, set once created
    // What deleting it needs besides its physical ID (a route's table and destination), as StackResource keeps it.
    std::map<std::string, std::string> deletion_keys;
    bool created = false;
};

}  // namespace vpclab::cfn
