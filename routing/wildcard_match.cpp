// Matching one value against a pattern with * and ? wildcards, in one pass per pattern character.
#include "routing/wildcard_match.hpp"

#include <algorithm>
#include <vector>

namespace vpclab::routing {

bool wildcard_match(std::string_view pattern, std::string_view value) {
    // reachable[j]: the pattern so far can match value[0, j). One pass per pattern token.
    std::vector<char> reachable(value.size() + 1, 0), next(value.size() + 1, 0);
    reachable[0] = 1;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        char c = pattern[i];
        const bool escaped = c == '\\' && i + 1 < pattern.size() && (pattern[i + 1] == '*' || pattern[i + 1] == '?' || pattern[i + 1] == '\\');
        if (escaped) c = pattern[++i];
        std::fill(next.begin(), next.end(), 0);
        for (std::size_t j = 0; j <= value.size(); ++j) {
            if (!reachable[j]) continue;
            if (!escaped && c == '*') {
                for (std::size_t k = j; k <= value.size(); ++k) next[k] = 1;
                break;
            }
            if (j < value.size() && (c == value[j] || (!escaped && c == '?'))) next[j + 1] = 1;
        }
        reachable.swap(next);
        if (std::find(reachable.begin(), reachable.end(), 1) == reachable.end()) return false;  // nothing left can match
    }
    return reachable[value.size()] != 0;
}

}  // namespace vpclab::routing
