// The managed prefix list family of the EC2 API: the region's AWS-managed lists (S3, DynamoDB).
#include "router/control/ec2/family.hpp"

namespace vpclab::router::ec2 {

json managed_prefix_list_json(const std::string& region, const endpoints::RegionService& svc) {
    return {{"PrefixListId", svc.prefix_list_id}, {"AddressFamily", "IPv4"}, {"State", "create-complete"},
            {"PrefixListArn", "arn:aws:ec2:" + region + ":aws:prefix-list/" + svc.prefix_list_id},
            {"PrefixListName", svc.service_name}, {"Tags", json::array()}, {"OwnerId", "AWS"}, {"Version", 1}};
}

namespace {

json describe_managed_prefix_lists(const Request& params, RouterState& state) {
    std::vector<endpoints::RegionService> lists;
    for (const auto& svc : state.catalog->services())
        if (!svc.prefix_list_id.empty()) lists.push_back(svc);
    return {{"PrefixLists", describe_by(lists, params, "PrefixListIds", "InvalidPrefixListID.NotFound", "prefix list",
                                        [](const auto& svc) { return svc.prefix_list_id; },
                                        [&](const auto& svc) { return managed_prefix_list_json(state.model->region(), svc); })}};
}

json get_managed_prefix_list_entries(const Request& params, RouterState& state) {
    const auto* svc = state.catalog->find_by_prefix_list(string_param(params, "PrefixListId"));
    if (!svc) throw ApiError("InvalidPrefixListID.NotFound", "The prefix list ID '" + string_param(params, "PrefixListId") + "' does not exist", "PrefixListId");
    return {{"Entries", json::array({{{"Cidr", svc->block.to_string()}}})}};
}

}  // namespace
}  // namespace vpclab::router::ec2

namespace vpclab::router {

std::vector<ActionSpec> prefix_list_actions() {
    using namespace ec2;
    return {
        {"describe-managed-prefix-lists", "DescribeManagedPrefixLists", "list the region's AWS-managed prefix lists",
         {{"--prefix-list-ids", "PrefixListIds", K::list, false}, {"--filters", "Filters", K::filters, false}},
         describe_managed_prefix_lists, {"prefix-list-id", "prefix-list-name", "owner-id"}},
        {"get-managed-prefix-list-entries", "GetManagedPrefixListEntries", "list the CIDRs of a managed prefix list",
         {{"--prefix-list-id", "PrefixListId", K::string, true}}, get_managed_prefix_list_entries},
    };
}

}  // namespace vpclab::router
