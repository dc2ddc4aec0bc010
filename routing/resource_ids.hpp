// Deterministic AWS-style resource IDs (vpc-, subnet-, rtb-, … + 17 hex digits) for a stack and logical ID.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace vpclab::routing {

// FNV-1a, 64 bit: stable across runs and machines, so a handout and a test can name an ID.
std::uint64_t stable_hash(std::string_view text, std::uint64_t seed = 0xcbf29ce484222325ULL);

class ResourceIds {
public:
    explicit ResourceIds(std::string stack_name) : stack_(std::move(stack_name)) {}
    // `prefix` is "vpc", "subnet", …; the same (stack, prefix, key) always gives the same ID.
    std::string make(std::string_view prefix, std::string_view key) const;
    // For resources created at runtime: numbered in creation order per prefix, so replaying the same calls
    // repeats IDs, and a new kind of ID (rtbassoc-, eni-attach-) never shifts the others.
    std::string next(std::string_view prefix) {
        auto it = counters_.find(prefix);
        if (it == counters_.end()) it = counters_.emplace(std::string(prefix), 0).first;
        return make(prefix, "#runtime-" + std::to_string(++it->second));
    }
    const std::string& stack_name() const { return stack_; }

private:
    std::string stack_;
    std::map<std::string, std::uint64_t, std::less<>> counters_;
};

}  // namespace vpclab::routing
