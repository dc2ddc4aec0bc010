// YAML (and JSON, a subset of it) to cfn::Node, built from yaml-cpp's parser events, including
// CloudFormation's short-form intrinsic tags.
//
// Events rather than YAML::Load so that the tree's shape is bounded as it is read: an alias is refused the
// moment it appears (CloudFormation refuses them too, so nothing can expand: no alias bomb, no cycle),
// nesting stops at max_template_depth, and the text at max_template_bytes. Nodes are built with an
// explicit stack, never by recursion.
#include "router/template/template_node.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <optional>
#include <sstream>

#include "router/template/template_error.hpp"

namespace vpclab::cfn {

const Node* Node::find(const std::string& key) const {
    for (const auto& [k, v] : entries)
        if (k == key) return &v;
    return nullptr;
}

const std::pair<std::string, Node>* Node::intrinsic() const {
    if (kind != Kind::map || entries.size() != 1) return nullptr;
    const std::string& k = entries.front().first;
    return (k == "Ref" || k == "Condition" || k.rfind("Fn::", 0) == 0) ? &entries.front() : nullptr;
}

namespace {

int line_of(const YAML::Mark& mark) { return mark.line >= 0 ? mark.line + 1 : 0; }

// Short forms (CloudFormation User Guide, "Intrinsic function reference"): !Ref X is {Ref: X},
// !GetAtt A.B is {Fn::GetAtt: [A, B]}, any other !Name is {Fn::Name: …}. "!" alone marks a quoted scalar.
Node apply_short_form(Node n, const std::string& tag) {
    if (tag.size() <= 1 || tag[0] != '!') return n;
    const std::string name = tag.substr(1);
    const bool plain_name = name == "Ref" || name == "Condition" || name.find("::") != std::string::npos;
    Node call;
    call.kind = Node::Kind::map;
    call.line = n.line;
    call.entries.emplace_back(plain_name ? name : "Fn::" + name, std::move(n));
    return call;
}

class TreeBuilder final : public YAML::EventHandler {
public:
    explicit TreeBuilder(const std::string& file) : file_(file) {}

    std::optional<Node> take_root() { return std::move(root_); }

    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& mark, YAML::anchor_t) override {
        Node n;
        n.line = line_of(mark);
        add(std::move(n), "", mark);
    }
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
        // As CloudFormation answers: "YAML aliases are not allowed in CloudFormation templates".
        fail(mark, "YAML aliases (*name) are not allowed in CloudFormation templates; write the value out");
    }
    void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t, const std::string& value) override {
        Node n = Node::make_scalar(value, line_of(mark));
        n.quoted = tag == "!";
        add(std::move(n), tag, mark);
    }
    void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t, YAML::EmitterStyle::value) override {
        open(Node::Kind::list, tag, mark);
    }
    void OnSequenceEnd() override { close(); }
    void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t, YAML::EmitterStyle::value) override {
        open(Node::Kind::map, tag, mark);
    }
    void OnMapEnd() override { close(); }

private:
    struct Open {
        Node node;
        std::string tag;
        YAML::Mark mark;
        std::optional<std::pair<std::string, int>> key;  // a map's key awaiting its value, with its line
    };

    [[noreturn]] void fail(const YAML::Mark& mark, const std::string& message) const {
        throw TemplateError(file_, line_of(mark), "", "", message);
    }

    void open(Node::Kind kind, const std::string& tag, const YAML::Mark& mark) {
        if (open_.size() >= max_template_depth)
            fail(mark, "nested deeper than " + std::to_string(max_template_depth) + " levels of lists and maps");
        Open o;
        o.node.kind = kind;
        o.node.line = line_of(mark);
        o.tag = tag;
        o.mark = mark;
        open_.push_back(std::move(o));
    }

    void close() {
        Open done = std::move(open_.back());
        open_.pop_back();
        add(std::move(done.node), done.tag, done.mark);
    }

    void add(Node n, const std::string& tag, const YAML::Mark& mark) {
        if (open_.empty()) {
            if (!root_) root_ = apply_short_form(std::move(n), tag);
            return;
        }
        Open& parent = open_.back();
        if (parent.node.is_list()) {
            parent.node.items.push_back(apply_short_form(std::move(n), tag));
        } else if (!parent.key) {
            if (!n.is_scalar()) fail(mark, "map keys must be plain strings");
            parent.key.emplace(std::move(n.scalar), n.line);
        } else {
            Node value = apply_short_form(std::move(n), tag);
            value.key_line = parent.key->second;
            parent.node.entries.emplace_back(std::move(parent.key->first), std::move(value));
            parent.key.reset();
        }
    }

    const std::string& file_;
    std::vector<Open> open_;
    std::optional<Node> root_;
};

}  // namespace

Node parse_template_text(const std::string& text, const std::string& file_name) {
    if (text.size() > max_template_bytes)
        throw TemplateError(file_name, 0, "", "", "the template is " + std::to_string(text.size()) + " bytes; CloudFormation takes at most 1 MB (" +
                                                      std::to_string(max_template_bytes) + " bytes)");
    try {
        std::istringstream in(text);
        YAML::Parser parser(in);
        TreeBuilder builder(file_name);
        parser.HandleNextDocument(builder);  // the first document, as YAML::Load reads it
        if (auto root = builder.take_root()) return std::move(*root);
        return Node{};
    } catch (const YAML::Exception& e) {
        throw TemplateError(file_name, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", "", "not valid YAML or JSON: " + e.msg);
    }
}

}  // namespace vpclab::cfn
