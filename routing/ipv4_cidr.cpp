// Parsing and formatting of IPv4 addresses and CIDR blocks.
#include "routing/ipv4_cidr.hpp"

#include <charconv>

namespace vpclab::routing {

std::optional<std::uint32_t> parse_ipv4(std::string_view text) {
    std::uint32_t address = 0;
    const char* p = text.data();
    const char* end = text.data() + text.size();
    for (int octet = 0; octet < 4; ++octet) {
        if (octet > 0) {
            if (p == end || *p != '.') return std::nullopt;
            ++p;
        }
        if (p == end || *p < '0' || *p > '9') return std::nullopt;
        unsigned value = 0;
        auto [next, ec] = std::from_chars(p, end, value);
        if (ec != std::errc{} || value > 255 || next - p > 3) return std::nullopt;
        // Leading zeros are ambiguous (octal in inet_aton); AWS rejects them too.
        if (next - p > 1 && *p == '0') return std::nullopt;
        p = next;
        address = (address << 8) | value;
    }
    if (p != end) return std::nullopt;
    return address;
}

std::string format_ipv4(std::uint32_t a) {
    return std::to_string(a >> 24) + '.' + std::to_string((a >> 16) & 0xff) + '.' + std::to_string((a >> 8) & 0xff) +
           '.' + std::to_string(a & 0xff);
}

std::optional<Cidr> Cidr::parse(std::string_view text, std::string* error) {
    auto fail = [&](std::string why) -> std::optional<Cidr> {
        if (error) *error = "'" + std::string(text) + "' is not a valid CIDR block: " + why;
        return std::nullopt;
    };
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) return fail("expected address/prefix-length, e.g. 10.0.0.0/16");
    const auto address = parse_ipv4(text.substr(0, slash));
    if (!address) return fail("the address part is not a dotted-quad IPv4 address");
    const auto len_text = text.substr(slash + 1);
    unsigned len = 0;
    auto [next, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
    if (len_text.empty() || ec != std::errc{} || next != len_text.data() + len_text.size() || len > 32)
        return fail("the prefix length must be a number from 0 to 32");
    Cidr c{*address, static_cast<std::uint8_t>(len)};
    if ((c.network & ~c.mask()) != 0) {
        Cidr fixed{c.network & c.mask(), c.prefix_length};
        return fail("host bits are set (did you mean " + fixed.to_string() + "?)");
    }
    return c;
}

std::string Cidr::to_string() const { return format_ipv4(network) + "/" + std::to_string(prefix_length); }

}  // namespace vpclab::routing
