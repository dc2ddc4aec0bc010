// yaml-cpp to cfn::Node conversion, including CloudFormation's short-form intrinsic tags.
#include "router/template/template_node.hpp"

#include <yaml-cpp/yaml.h>

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

Node convert(const YAML::Node& y, const std::string& file) {
    Node n;
    n.line = y.Mark().line >= 0 ? y.Mark().line + 1 : 0;
    switch (y.Type()) {
        case YAML::NodeType::Null:
        case YAML::NodeType::Undefined: n.kind = Node::Kind::null; break;
        case YAML::NodeType::Scalar:
            n.kind = Node::Kind::scalar;
            n.scalar = y.Scalar();
            n.quoted = y.Tag() == "!";
            break;
        case YAML::NodeType::Sequence:
            n.kind = Node::Kind::list;
            for (const auto& item : y) n.items.push_back(convert(item, file));
            break;
        case YAML::NodeType::Map:
            n.kind = Node::Kind::map;
            for (const auto& kv : y) {
                if (!kv.first.IsScalar())
                    throw TemplateError(file, kv.first.Mark().line + 1, "", "", "map keys must be plain strings");
                Node value = convert(kv.second, file);
                value.key_line = kv.first.Mark().line + 1;
                n.entries.emplace_back(kv.first.Scalar(), std::move(value));
            }
            break;
    }
    // Short forms (CloudFormation User Guide, "Intrinsic function reference"): !Ref X is {Ref: X},
    // !GetAtt A.B is {Fn::GetAtt: [A, B]}, any other !Name is {Fn::Name: …}.
    const std::string& tag = y.Tag();
    if (tag.size() > 1 && tag[0] == '!') {
        const std::string name = tag.substr(1);
        Node inner = n;
        if (name != "Ref" && name != "Condition" && name.find("::") == std::string::npos) {
            Node call;
            call.kind = Node::Kind::map;
            call.line = n.line;
            call.entries.emplace_back("Fn::" + name, std::move(inner));
            return call;
        }
        Node call;
        call.kind = Node::Kind::map;
        call.line = n.line;
        call.entries.emplace_back(name, std::move(inner));
        return call;
    }
    return n;
}

}  // namespace

Node parse_template_text(const std::string& text, const std::string& file_name) {
    try {
        return convert(YAML::Load(text), file_name);
    } catch (const YAML::Exception& e) {
        throw TemplateError(file_name, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", "", "not valid YAML or JSON: " + e.msg);
    }
}

}  // namespace vpclab::cfn
