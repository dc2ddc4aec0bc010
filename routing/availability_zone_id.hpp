// Availability Zone IDs (apne2-az1, use1-az4…): the zone's name as AWS identifies it across accounts (AWS RAM
// User Guide, "Availability Zone IDs for your AWS resources"), shown by describe-subnets and
// describe-network-interfaces as AvailabilityZoneId. The lab's account maps letters in order: a is az1.
#pragma once

#include <string>
#include <string_view>

namespace vpclab::routing {

// "ap-northeast-2a" → "apne2-az1"; "" when `zone` is not <area>-<direction>-<number><letter>.
inline std::string availability_zone_id(std::string_view zone) {
    const auto first = zone.find('-'), second = zone.rfind('-');
    if (zone.size() < 6 || first == std::string_view::npos || second == first) return "";
    const char letter = zone.back();
    if (letter < 'a' || letter > 'z') return "";
    const std::string_view area = zone.substr(0, first), direction = zone.substr(first + 1, second - first - 1),
                           number = zone.substr(second + 1, zone.size() - second - 2);
    std::string short_direction;  // northeast → ne, central → c: the first letter of each compass word
    std::string_view rest = direction;
    while (!rest.empty()) {
        bool matched = false;
        for (std::string_view word : {"north", "south", "east", "west", "central"})
            if (rest.substr(0, word.size()) == word) {
                short_direction += word.front();
                rest.remove_prefix(word.size());
                matched = true;
                break;
            }
        if (!matched) return "";
    }
    return std::string(area) + short_direction + std::string(number) + "-az" + std::to_string(letter - 'a' + 1);
}

}  // namespace vpclab::routing
