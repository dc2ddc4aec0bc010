// The registry of resource types the template loader creates: every family's entries.
#include "router/template/resource_handlers.hpp"

namespace vpclab::cfn {

const ResourceType* find_resource_type(std::string_view type) {
    static const std::vector<ResourceType> all = [] {
        std::vector<ResourceType> out;
        for (auto family : {vpc_resource_types, subnet_resource_types, route_table_resource_types, internet_gateway_resource_types,
                            security_group_resource_types, instance_resource_types})
            for (auto& t : family()) out.push_back(std::move(t));
        return out;
    }();
    for (const auto& t : all)
        if (type == t.type) return &t;
    return nullptr;
}

}  // namespace vpclab::cfn
