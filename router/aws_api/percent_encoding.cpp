// Percent-encoding and decoding for SigV4 and form bodies.
#include "router/aws_api/percent_encoding.hpp"

namespace vpclab::aws_api {

namespace {
int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool unreserved(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
}
}  // namespace

bool percent_decode(std::string_view in, bool plus_is_space, std::string& out, std::size_t& bad_at) {
    for (std::size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '%') {
            const int high = i + 1 < in.size() ? hex_value(in[i + 1]) : -1, low = i + 2 < in.size() ? hex_value(in[i + 2]) : -1;
            if (high < 0 || low < 0) {
                bad_at = i;
                return false;
            }
            out += static_cast<char>(high * 16 + low);
            i += 2;
        } else {
            out += plus_is_space && c == '+' ? ' ' : c;
        }
    }
    return true;
}

void percent_encode(std::string_view in, std::string& out, bool keep_slash, bool space_as_plus) {
    static const char digits[] = "0123456789ABCDEF";
    for (const char c : in) {
        const auto b = static_cast<unsigned char>(c);
        if (unreserved(c) || (keep_slash && c == '/')) {
            out += c;
        } else if (space_as_plus && c == ' ') {
            out += '+';
        } else {
            out += '%';
            out += digits[b >> 4];
            out += digits[b & 0x0f];
        }
    }
}

}  // namespace vpclab::aws_api
