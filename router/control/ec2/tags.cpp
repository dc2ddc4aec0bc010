// Tags on any resource: CreateTags and DeleteTags (EC2 API reference).
#include "router/control/ec2/family.hpp"

namespace vpclab::router::ec2 {
namespace {

json create_tags(const Request& params, RouterState& state) {
    const Request* list = structures_param(params, "Tags");
    const auto tags = list ? tags_of(*list, "Tags") : std::vector<routing::Tag>{};
    return state.commit([&](routing::VpcModel& next) {
        next.create_tags(list_param(params, "Resources"), tags);
        return json::object();
    });
}

json delete_tags(const Request& params, RouterState& state) {
    std::vector<routing::VpcModel::TagToDelete> tags;
    if (const Request* list = structures_param(params, "Tags"))
        for (const auto& t : *list) {
            if (!t.contains("Key") || !t["Key"].is_string()) throw ApiError("MissingParameter", "Tags: each tag to delete needs a Key", "Tags");
            routing::VpcModel::TagToDelete d{t["Key"].get<std::string>(), std::nullopt};
            if (t.contains("Value")) d.value = t["Value"].is_string() ? t["Value"].get<std::string>() : std::string();
            tags.push_back(std::move(d));
        }
    return state.commit([&](routing::VpcModel& next) {
        next.delete_tags(list_param(params, "Resources"), tags);
        return json::object();
    });
}

}  // namespace
}  // namespace vpclab::router::ec2

namespace vpclab::router {

std::vector<ActionSpec> tag_actions() {
    using namespace ec2;
    return {
        {"create-tags", "CreateTags", "add or overwrite tags on resources",
         {{"--resources", "Resources", K::list, true}, {"--tags", "Tags", K::structures, true}}, create_tags},
        {"delete-tags", "DeleteTags", "remove tags from resources (a Key alone removes it whatever its value)",
         {{"--resources", "Resources", K::list, true}, {"--tags", "Tags", K::structures, false}}, delete_tags},
    };
}

}  // namespace vpclab::router
