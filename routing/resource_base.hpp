// What every resource of the model shares: its ID, the template's logical ID, its tags.
#pragma once

#include <string>
#include <vector>

namespace vpclab::routing {

struct Tag {
    std::string key, value;
};

// Fields every resource shares: its ID, the template's logical ID (empty if made at runtime), its tags.
struct ResourceBase {
    std::string id;
    std::string logical_id;
    std::vector<Tag> tags;
    // The Name tag (if not empty), else the logical ID, else the ID: what vpclab shows people.
    std::string display_name() const;
};

}  // namespace vpclab::routing
