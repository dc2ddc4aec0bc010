// Decoding and encoding application/x-www-form-urlencoded bodies (WHATWG URL, "application/x-www-form-urlencoded").
#include "router/aws_api/form_fields.hpp"

#include <cctype>

namespace vpclab::aws_api {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool decode_component(std::string_view in, std::string& out, std::string& error) {
    out.clear();
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%') {
            const int high = i + 1 < in.size() ? hex_value(in[i + 1]) : -1, low = i + 2 < in.size() ? hex_value(in[i + 2]) : -1;
            if (high < 0 || low < 0) {
                error = "malformed percent-encoding at '" + std::string(in.substr(i, 3)) + "'";
                return false;
            }
            out += static_cast<char>(high * 16 + low);
            i += 2;
        } else {
            out += c;
        }
    }
    return true;
}

void encode_component(std::string_view in, std::string& out) {
    static const char digits[] = "0123456789ABCDEF";
    for (const char c : in) {
        const auto b = static_cast<unsigned char>(c);
        if (std::isalnum(b) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += c;
        } else if (c == ' ') {
            out += '+';
        } else {
            out += '%';
            out += digits[b >> 4];
            out += digits[b & 0x0f];
        }
    }
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
        encode_component(field.name, out);
        out += '=';
        encode_component(field.value, out);
    }
    return out;
}

}  // namespace vpclab::aws_api
