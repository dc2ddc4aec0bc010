// CloudWatch Logs filter patterns (CloudWatch Logs User Guide, "Filter pattern syntax for metric filters,
// subscription filters, and filter log events"), the two forms the flow log pages use:
//   terms:           REJECT   "exact phrase"   ?ACCEPT ?REJECT (any of)   -NODATA (none of)
//   space-delimited: [version, account, eni, source, destination, srcport, destport="22", protocol="6",
//                     packets, bytes, windowstart, windowend, action="REJECT", flowlogstatus]
// In the bracket form each name binds the event's field at its position (fields are separated by spaces;
// "…" and […] keep their spaces), "..." binds any number of fields, and a condition compares a field with
// = != (strings, * a wildcard) or < <= > >= (numbers); conditions join with && and ||.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vpclab::router {

class FilterPattern {
public:
    // The pattern, or nullptr and `why` (a message naming what is wrong). An empty pattern matches all.
    static std::unique_ptr<FilterPattern> parse(const std::string& text, std::string* why);
    bool matches(std::string_view message) const;

    struct Condition {
        std::string field, op, value;
        std::size_t slot = 0;  // the slot that names `field`
    };
    // One field's slot: a name, and conditions as alternatives (||) of conjunctions (&&); none: any value.
    struct Slot {
        std::string name;
        std::vector<std::vector<Condition>> any_of;
    };

private:
    bool bracket_ = false;
    // Terms.
    std::vector<std::string> all_of_, any_of_, none_of_;
    // Space-delimited: the slots in order ("..." for any run of fields).
    std::vector<Slot> slots_;
    bool matches_terms(std::string_view message) const;
    bool matches_fields(std::string_view message) const;
};

// The event's fields as the bracket form splits them (views into `message`).
std::vector<std::string_view> space_delimited_fields(std::string_view message);

}  // namespace vpclab::router
