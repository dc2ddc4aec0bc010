// The managed prefix list family of the EC2 API: the region's AWS-managed lists (S3, DynamoDB) and
// customer-managed lists (EC2 API reference, "CreateManagedPrefixList", "ModifyManagedPrefixList",
// "DescribeManagedPrefixLists", "GetManagedPrefixListEntries", "DeleteManagedPrefixList").
#include "router/control/ec2/family.hpp"

namespace vpclab::router::ec2 {

json managed_prefix_list_json(const routing::VpcModel& m, const routing::ManagedPrefixList& l) {
    const std::string owner = l.aws_managed ? "AWS" : owner_id;
    json j = {{"PrefixListId", l.id}, {"AddressFamily", "IPv4"}, {"State", l.version > 1 ? "modify-complete" : "create-complete"},
              {"PrefixListArn", "arn:aws:ec2:" + m.region() + ":" + (l.aws_managed ? std::string("aws") : owner) + ":prefix-list/" + l.id},
              {"PrefixListName", l.name}};
    if (!l.aws_managed) j["MaxEntries"] = l.max_entries;
    j["Version"] = l.version;
    j["Tags"] = tags_json(m, l);
    j["OwnerId"] = owner;
    return j;
}

namespace {

// --entries / --add-entries: [{"Cidr": …, "Description": …}]; --remove-entries: [{"Cidr": …}].
std::vector<routing::PrefixListEntry> entries_param(const Request& params, const char* name) {
    std::vector<routing::PrefixListEntry> out;
    if (const Request* list = structures_param(params, name))
        for (const auto& e : *list) {
            const std::string cidr = string_param(e, "Cidr");
            if (cidr.empty()) throw ApiError("MissingParameter", std::string(name) + ": each entry needs Cidr", name);
            out.push_back({cidr_param(cidr, name), string_param(e, "Description")});
        }
    return out;
}

json describe_managed_prefix_lists(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    return {{"PrefixLists", describe(m.prefix_lists(), params, "PrefixListIds", "InvalidPrefixListID.NotFound", "prefix list",
                                     [&](const auto& l) { return managed_prefix_list_json(m, l); })}};
}

json get_managed_prefix_list_entries(const Request& params, RouterState& state) {
    const auto& l = state.model->prefix_list(string_param(params, "PrefixListId"));
    const auto* entries = &l.entries;
    if (const auto version = int_param(params, "TargetVersion")) {
        if (*version < 1 || *version > l.version)
            throw ApiError("InvalidParameterValue", "The prefix list " + l.id + " has versions 1 to " + std::to_string(l.version), "TargetVersion");
        if (*version < l.version) entries = &l.earlier_versions[static_cast<std::size_t>(*version - 1)];
    }
    json out = json::array();
    for (const auto& e : *entries) {
        json j = {{"Cidr", e.cidr.to_string()}};
        if (!e.description.empty()) j["Description"] = e.description;
        out.push_back(j);
    }
    return {{"Entries", out}};
}

json create_managed_prefix_list(const Request& params, RouterState& state) {
    const std::string family = string_param(params, "AddressFamily");
    if (family != "IPv4")
        throw ApiError("InvalidParameterValue", "Value (" + family + ") for parameter AddressFamily is invalid: the lab is IPv4 only", "AddressFamily");
    const auto tags = tags_for(params, "prefix-list");
    const auto entries = entries_param(params, "Entries");
    const int max_entries = int_param(params, "MaxEntries").value_or(0);
    return state.commit([&](routing::VpcModel& next) {
        const auto& l = next.create_managed_prefix_list("", string_param(params, "PrefixListName"), max_entries, entries, tags);
        return json{{"PrefixList", managed_prefix_list_json(next, l)}};
    });
}

json modify_managed_prefix_list(const Request& params, RouterState& state) {
    const auto add = entries_param(params, "AddEntries");
    std::vector<routing::Cidr> remove;
    for (const auto& e : entries_param(params, "RemoveEntries")) remove.push_back(e.cidr);
    std::optional<std::string> name;
    if (params.contains("PrefixListName")) name = string_param(params, "PrefixListName");
    const auto version = int_param(params, "CurrentVersion");
    const auto max_entries = int_param(params, "MaxEntries");
    return state.commit([&](routing::VpcModel& next) {
        const auto& l = next.modify_managed_prefix_list(string_param(params, "PrefixListId"), version, add, remove, name, max_entries);
        return json{{"PrefixList", managed_prefix_list_json(next, l)}};
    });
}

json delete_managed_prefix_list(const Request& params, RouterState& state) {
    return state.commit([&](routing::VpcModel& next) {
        json j = managed_prefix_list_json(next, next.prefix_list(string_param(params, "PrefixListId")));
        j["State"] = "delete-complete";
        next.delete_managed_prefix_list(string_param(params, "PrefixListId"));
        return json{{"PrefixList", j}};
    });
}

}  // namespace
}  // namespace vpclab::router::ec2

namespace vpclab::router {

std::vector<ActionSpec> prefix_list_actions() {
    using namespace ec2;
    return {
        {"describe-managed-prefix-lists", "DescribeManagedPrefixLists", "list prefix lists: the region's AWS-managed ones and yours",
         {{"--prefix-list-ids", "PrefixListIds", K::list, false}, {"--filters", "Filters", K::filters, false}},
         describe_managed_prefix_lists, {"prefix-list-id", "prefix-list-name", "owner-id", "tag-key"}},
        {"get-managed-prefix-list-entries", "GetManagedPrefixListEntries", "list the CIDRs of a prefix list (now, or at --target-version)",
         {{"--prefix-list-id", "PrefixListId", K::string, true}, {"--target-version", "TargetVersion", K::string, false}},
         get_managed_prefix_list_entries},
        {"create-managed-prefix-list", "CreateManagedPrefixList", "create a customer-managed prefix list (a route destination)",
         {{"--prefix-list-name", "PrefixListName", K::string, true},
          {"--max-entries", "MaxEntries", K::string, true},
          {"--address-family", "AddressFamily", K::string, true},
          {"--entries", "Entries", K::structures, false},
          {"--tag-specifications", "TagSpecifications", K::structures, false},
          {"--client-token", "ClientToken", K::string, false}},
         create_managed_prefix_list},
        {"modify-managed-prefix-list", "ModifyManagedPrefixList",
         "add or remove entries (a new version; routes to the list change at once), rename, or resize",
         {{"--prefix-list-id", "PrefixListId", K::string, true},
          {"--current-version", "CurrentVersion", K::string, false},
          {"--prefix-list-name", "PrefixListName", K::string, false},
          {"--add-entries", "AddEntries", K::structures, false},
          {"--remove-entries", "RemoveEntries", K::structures, false},
          {"--max-entries", "MaxEntries", K::string, false}},
         modify_managed_prefix_list},
        {"delete-managed-prefix-list", "DeleteManagedPrefixList", "delete a customer-managed prefix list no route uses",
         {{"--prefix-list-id", "PrefixListId", K::string, true}}, delete_managed_prefix_list},
    };
}

}  // namespace vpclab::router
