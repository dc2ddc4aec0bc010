// Deterministic resource IDs from a stable hash of stack name, resource kind and key.
#include "routing/resource_ids.hpp"

namespace vpclab::routing {

std::uint64_t stable_hash(std::string_view text, std::uint64_t seed) {
    std::uint64_t h = seed;
    for (unsigned char c : text) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return h;
}

std::string ResourceIds::make(std::string_view prefix, std::string_view key) const {
    std::string material = stack_;
    material += '\0';
    material += prefix;
    material += '\0';
    material += key;
    const std::uint64_t a = stable_hash(material);
    const std::uint64_t b = stable_hash(material, a);
    static constexpr char hex[] = "0123456789abcdef";
    std::string id(prefix);
    id += '-';
    // 17 hex digits = 68 bits: 64 from the first hash, 4 from the second (AWS's long ID format).
    id += hex[b & 0xf];
    for (int i = 15; i >= 0; --i) id += hex[(a >> (4 * i)) & 0xf];
    return id;
}

}  // namespace vpclab::routing
