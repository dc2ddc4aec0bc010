// Decoding and encoding application/x-www-form-urlencoded bodies (WHATWG URL, "application/x-www-form-urlencoded").
#include "router/aws_api/form_fields.hpp"

#include "router/aws_api/percent_encoding.hpp"

namespace vpclab::aws_api {

namespace {

bool decode_component(std::string_view in, std::string& out, std::string& error) {
    out.clear();
    std::size_t bad_at = 0;
    if (percent_decode(in, true, out, bad_at)) return true;
    error = "malformed percent-encoding at '" + std::string(in.substr(bad_at, 3)) + "'";
    return false;
}

}  // namespace

bool decode_form(std::string_view body, std::vector<FormField>& out, std::string& error) {
    out.clear();
    while (!body.empty()) {
        const std::size_t amp = body.find('&');
        const std::string_view pair = body.substr(0, amp);
        body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
        if (pair.empty()) continue;  // "a=1&&b=2": browsers and botocore never send it; nothing to decode
        if (out.size() == max_form_fields) {
            error = "more than " + std::to_string(max_form_fields) + " form fields";
            return false;
        }
        const std::size_t eq = pair.find('=');
        FormField field;
        if (!decode_component(pair.substr(0, eq), field.name, error)) return false;
        if (field.name.empty()) {
            error = "a form field with no name ('" + std::string(pair.substr(0, 40)) + "')";
            return false;
        }
        if (eq != std::string_view::npos && !decode_component(pair.substr(eq + 1), field.value, error)) return false;
        out.push_back(std::move(field));
    }
    return true;
}

std::string encode_form(const std::vector<FormField>& fields) {
    std::string out;
    for (const auto& field : fields) {
        if (!out.empty()) out += '&';
        percent_encode(field.name, out, false, true);
        out += '=';
        percent_encode(field.value, out, false, true);
    }
    return out;
}

}  // namespace vpclab::aws_api
