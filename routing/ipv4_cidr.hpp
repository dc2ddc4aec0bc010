// IPv4 addresses and CIDR blocks as values: parsing with precise errors, formatting, containment.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vpclab::routing {

std::optional<std::uint32_t> parse_ipv4(std::string_view text);
std::string format_ipv4(std::uint32_t address);

struct Cidr {
    std::uint32_t network = 0;
    std::uint8_t prefix_length = 0;

    // Parses "a.b.c.d/n". Host bits must be zero, as AWS requires of VPC, subnet and route CIDRs;
    // on failure `error` (if given) says what is wrong in words a template author can act on.
    static std::optional<Cidr> parse(std::string_view text, std::string* error = nullptr);

    static constexpr std::uint32_t mask_of(std::uint8_t len) { return len == 0 ? 0 : ~std::uint32_t{0} << (32 - len); }
    std::uint32_t mask() const { return mask_of(prefix_length); }
    std::uint32_t first() const { return network; }
    std::uint32_t last() const { return network | ~mask(); }
    std::uint64_t size() const { return std::uint64_t{1} << (32 - prefix_length); }
    bool contains(std::uint32_t address) const { return (address & mask()) == network; }
    bool contains(const Cidr& other) const { return other.prefix_length >= prefix_length && contains(other.network); }
    bool overlaps(const Cidr& other) const { return contains(other.network) || other.contains(network); }
    std::string to_string() const;
    friend bool operator==(const Cidr&, const Cidr&) = default;
};

}  // namespace vpclab::routing
