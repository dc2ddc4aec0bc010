// Walking an output shape over a JSON result into the EC2 and Query protocols' XML.
#include "router/aws_api/xml_response.hpp"

#include "router/aws_api/query_request.hpp"

namespace vpclab::aws_api {

namespace {

bool scalar_fits(ShapeType type, const nlohmann::ordered_json& value) {
    switch (type) {
        case ShapeType::boolean: return value.is_boolean();
        case ShapeType::integer:
        case ShapeType::long_integer: return value.is_number_integer();
        case ShapeType::float_number:
        case ShapeType::double_number: return value.is_number();
        default: return value.is_string();  // strings, timestamps (ISO 8601), blobs (base64)
    }
}

const char* type_name(ShapeType type) {
    switch (type) {
        case ShapeType::boolean: return "boolean";
        case ShapeType::integer: return "integer";
        case ShapeType::long_integer: return "long";
        case ShapeType::float_number: return "float";
        case ShapeType::double_number: return "double";
        case ShapeType::timestamp: return "timestamp";
        case ShapeType::blob: return "blob";
        default: return "string";
    }
}

class XmlWriter {
public:
    XmlWriter(const ServiceModel& model, std::string& out, std::vector<std::string>* unmapped) : model_(model), out_(out), unmapped_(unmapped) {}

    // The members of a structure, without an element of its own.
    void members(const Shape& shape, const nlohmann::ordered_json& value, const std::string& path) {
        for (const auto& [key, member_value] : value.items()) {
            const Member* member = shape.member(key);
            if (!member) {
                miss(path + key);
                continue;
            }
            const Shape& target = model_.shape(member->ref.shape);
            if (target.type == ShapeType::list && effectively_flattened(model_, member->ref)) {
                // botocore (_member_key_name): a flattened list's items are named by the item's locationName.
                const std::string& item_name = effective_location_name(model_, target.item);
                const std::string name = !item_name.empty() ? item_name : element_name(*member);
                if (!member_value.is_array()) {
                    miss(path + key);
                    continue;
                }
                for (const auto& item : member_value) element(target.item, name, item, path + key + "[].");
                continue;
            }
            element(member->ref, element_name(*member), member_value, path + key + ".");
        }
    }

private:
    std::string element_name(const Member& member) const {
        const std::string& name = effective_location_name(model_, member.ref);
        return name.empty() ? member.name : name;
    }

    void miss(std::string path) {
        if (unmapped_) unmapped_->push_back(std::move(path));
    }

    void open(const std::string& name) { out_ += '<' + name + '>'; }
    void close(const std::string& name) { out_ += "</" + name + '>'; }

    void element(const ShapeRef& ref, const std::string& name, const nlohmann::ordered_json& value, const std::string& path) {
        if (value.is_null()) return;
        const Shape& shape = model_.shape(ref.shape);
        switch (shape.type) {
            case ShapeType::structure:
                if (!value.is_object()) return miss(path);
                open(name);
                members(shape, value, path);
                return close(name);
            case ShapeType::list: {
                if (!value.is_array()) return miss(path);
                const std::string& item_name = effective_location_name(model_, shape.item);
                open(name);
                for (const auto& item : value) element(shape.item, item_name.empty() ? "member" : item_name, item, path);
                return close(name);
            }
            case ShapeType::map: {
                if (!value.is_object()) return miss(path);
                const std::string& key_name = effective_location_name(model_, shape.key);
                const std::string& value_name = effective_location_name(model_, shape.item);
                const bool flat = effectively_flattened(model_, ref);
                if (!flat) open(name);
                for (const auto& [k, v] : value.items()) {
                    open(flat ? name : std::string("entry"));
                    element(shape.key, key_name.empty() ? "key" : key_name, k, path);
                    element(shape.item, value_name.empty() ? "value" : value_name, v, path);
                    close(flat ? name : std::string("entry"));
                }
                if (!flat) close(name);
                return;
            }
            default:
                if (value.is_object() || value.is_array()) return miss(path);
                // Written as it is (botocore reads text), but a value of another JSON type than the shape's
                // is named too: the aws CLI's JSON output would show it as a string where AWS has a number.
                if (!scalar_fits(shape.type, value)) miss(path + " (" + value.type_name() + " for a " + type_name(shape.type) + ")");
                open(name);
                if (value.is_string()) append_xml_text(out_, value.get_ref<const std::string&>());
                else if (value.is_boolean()) out_ += value.get<bool>() ? "true" : "false";
                else out_ += value.dump();
                return close(name);
        }
    }

    const ServiceModel& model_;
    std::string& out_;
    std::vector<std::string>* unmapped_;
};

constexpr std::string_view xml_declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

}  // namespace

void append_xml_text(std::string& out, std::string_view text) {
    if (!valid_utf8(text)) {
        // An error message may quote the request's own bytes: what is not UTF-8 becomes U+FFFD, byte by byte,
        // so that the reply stays XML the client can parse.
        std::string clean;
        for (std::size_t i = 0; i < text.size();) {
            std::size_t length = 1;
            while (length <= 4 && i + length <= text.size() && !valid_utf8(text.substr(i, length))) ++length;
            if (length <= 4 && i + length <= text.size()) {
                clean.append(text.substr(i, length));
                i += length;
            } else {
                clean += "\xEF\xBF\xBD";
                ++i;
            }
        }
        return append_xml_text(out, clean);
    }
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        switch (ch) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default:
                if (c < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') out += "\xEF\xBF\xBD";  // XML 1.0 §2.2
                else if (ch == '\r') out += "&#13;";  // kept: an XML parser turns a bare CR into LF (§2.11)
                else out += ch;
        }
    }
}

std::string encode_xml_response(const ServiceModel& model, const Operation& op, const nlohmann::ordered_json& result,
                                std::string_view request_id, std::vector<std::string>* unmapped) {
    std::string out(xml_declaration);
    const std::string root = op.name + "Response";
    out += '<' + root + " xmlns=\"" + model.xml_namespace() + "\">";
    XmlWriter writer(model, out, unmapped);
    if (model.protocol() == "ec2") {
        out += "<requestId>";
        append_xml_text(out, request_id);
        out += "</requestId>";
        if (op.has_output) writer.members(model.shape(op.output), result, "");
        else out += "<return>true</return>";  // what EC2 answers to an action with no output (DeleteVpc…)
    } else {
        if (op.has_output) {
            const std::string wrapper = op.result_wrapper.empty() ? op.name + "Result" : op.result_wrapper;
            out += '<' + wrapper + '>';
            writer.members(model.shape(op.output), result, "");
            out += "</" + wrapper + '>';
        }
        out += "<ResponseMetadata><RequestId>";
        append_xml_text(out, request_id);
        out += "</RequestId></ResponseMetadata>";
    }
    out += "</" + root + ">\n";
    return out;
}

std::string encode_xml_error(const ServiceModel& model, std::string_view code, std::string_view message, std::string_view request_id,
                             bool server_fault) {
    std::string out(xml_declaration);
    const auto field = [&out](const char* name, std::string_view text) {
        out += std::string("<") + name + '>';
        append_xml_text(out, text);
        out += std::string("</") + name + '>';
    };
    if (model.protocol() == "ec2") {
        out += "<Response><Errors><Error>";
        field("Code", code);
        field("Message", message);
        out += "</Error></Errors>";
        field("RequestID", request_id);
        out += "</Response>\n";
        return out;
    }
    out += "<ErrorResponse xmlns=\"" + model.xml_namespace() + "\"><Error>";
    field("Type", server_fault ? "Receiver" : "Sender");
    field("Code", code);
    field("Message", message);
    out += "</Error>";
    field("RequestId", request_id);
    out += "</ErrorResponse>\n";
    return out;
}

}  // namespace vpclab::aws_api
