// What every resource of the model shares: its ID, the template's logical ID, its tags.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vpclab::routing {

struct Tag {
    std::string key, value;
};

// Fields every resource shares: its ID, the template's logical ID (empty if made at runtime), its tags.
struct ResourceBase {
    std::string id;
    std::string logical_id;
    // The CloudFormation stack of the lab that made it, when that is not the template `vpclab up` ran (a
    // stack created later, over the API): its ID (arn:aws:cloudformation:…:stack/<name>/<uuid>). Empty otherwise.
    std::string cloudformation_stack_id;
    std::vector<Tag> tags;
    // The Name tag (if not empty), else the logical ID, else the ID: what vpclab shows people.
    std::string display_name() const;
};

// The resource of `items` (any list of ResourceBase-derived resources) with ID `id`, or nullptr.
template <class Items>
auto find_resource(const Items& items, std::string_view id) -> decltype(&items.front()) {
    for (const auto& item : items)
        if (item.id == id) return &item;
    return nullptr;
}

}  // namespace vpclab::routing
