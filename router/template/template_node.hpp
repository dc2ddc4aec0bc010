// A CloudFormation template as a tree of scalars, lists and maps that remembers each node's line, so that
// every error can point at the line to fix. Short-form intrinsics (!Ref x) are normalised to long form.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace vpclab::cfn {

struct Node {
    enum class Kind { null, scalar, list, map };
    Kind kind = Kind::null;
    std::string scalar;
    std::vector<Node> items;                             // list
    std::vector<std::pair<std::string, Node>> entries;   // map, in template order
    int line = 0;                                        // 1-based; 0 when unknown
    int key_line = 0;                                    // for a map value: the line of its key
    bool quoted = false;                                 // a quoted scalar is never a YAML boolean/number

    // The line a person would look at: the key's line for a map value ("CidrBlock: …"), else the node's.
    int where() const { return key_line ? key_line : line; }
    bool is_null() const { return kind == Kind::null; }
    bool is_scalar() const { return kind == Kind::scalar; }
    bool is_list() const { return kind == Kind::list; }
    bool is_map() const { return kind == Kind::map; }
    const Node* find(const std::string& key) const;
    // A map with exactly one key that is "Ref" or starts with "Fn::": an intrinsic function call.
    const std::pair<std::string, Node>* intrinsic() const;

    // Declared here, defaulted below once Node is complete: `entries` holds pairs of Node, which clang 14
    // with libstdc++ 12 refuses to instantiate for an incomplete type inside the class.
    Node();
    Node(const Node&);
    Node(Node&&) noexcept;
    Node& operator=(const Node&);
    Node& operator=(Node&&) noexcept;
    ~Node();
    static Node make_scalar(std::string s, int line) {
        Node n;
        n.kind = Kind::scalar;
        n.scalar = std::move(s);
        n.line = line;
        return n;
    }
};

inline Node::Node() = default;
inline Node::Node(const Node&) = default;
inline Node::Node(Node&&) noexcept = default;
inline Node& Node::operator=(const Node&) = default;
inline Node& Node::operator=(Node&&) noexcept = default;
inline Node::~Node() = default;

// Bounds on what a template may be (CloudFormation's own quota for a template body is 1 MB). Depth counts
// nested lists and maps; the deepest real template nests about 15.
constexpr std::size_t max_template_bytes = 1 << 20;
constexpr std::size_t max_template_depth = 64;

// Parses YAML or JSON text. Throws TemplateError (file and line) on syntax errors, on YAML aliases (which
// CloudFormation does not allow either), on nesting deeper than max_template_depth and on text larger
// than max_template_bytes.
Node parse_template_text(const std::string& text, const std::string& file_name);

}  // namespace vpclab::cfn
