// The managed prefix list family of the model (VPC User Guide, "Managed prefix lists"; EC2 API reference,
// "CreateManagedPrefixList", "ModifyManagedPrefixList", "DeleteManagedPrefixList"), and the region's services.
#include "routing/vpc_model.hpp"

#include <algorithm>

#include "routing/model/model_rules.hpp"

namespace vpclab::routing {

namespace {
constexpr int max_prefix_list_entries = 1000;  // the quota of a customer-managed list's MaxEntries
constexpr std::size_t max_entries_per_call = 100;  // AddEntry.N / RemoveEntry.N: at most 100 items

void check_entries_fit(const std::vector<PrefixListEntry>& entries, int max_entries, const std::string& what) {
    if (static_cast<int>(entries.size()) > max_entries)
        throw ApiError("PrefixListMaxEntriesExceeded", "The prefix list " + what + " would hold " + std::to_string(entries.size()) +
                                                           " entries; its maximum is " + std::to_string(max_entries), "MaxEntries");
    for (std::size_t i = 0; i < entries.size(); ++i)
        for (std::size_t j = i + 1; j < entries.size(); ++j)
            if (entries[i].cidr == entries[j].cidr)
                throw ApiError("InvalidParameterValue", "The CIDR " + entries[i].cidr.to_string() + " is in the prefix list " + what + " twice", "Entries");
}
}  // namespace

void VpcModel::offer_services(const std::vector<ServiceOffer>& services) {
    services_ = services;
    std::erase_if(prefix_lists_, [](const ManagedPrefixList& l) { return l.aws_managed; });
    std::vector<ManagedPrefixList> aws;
    for (const auto& s : services_) {
        if (s.prefix_list_id.empty()) continue;
        ManagedPrefixList l;
        l.id = s.prefix_list_id;
        l.name = s.service_name;
        l.aws_managed = true;
        l.entries = {PrefixListEntry{s.block, ""}};
        l.max_entries = static_cast<int>(l.entries.size());
        aws.push_back(std::move(l));
    }
    prefix_lists_.insert(prefix_lists_.begin(), aws.begin(), aws.end());
}

const ServiceOffer* VpcModel::find_service(const std::string& service_name) const {
    for (const auto& s : services_)
        if (s.service_name == service_name) return &s;
    return nullptr;
}

ManagedPrefixList& VpcModel::create_managed_prefix_list(const std::string& logical_id, const std::string& name, int max_entries,
                                                        std::vector<PrefixListEntry> entries, std::vector<Tag> tags) {
    // "Constraints: Up to 255 characters in length. The name cannot start with com.amazonaws." (CreateManagedPrefixList)
    if (name.empty() || name.size() > 255)
        throw ApiError("InvalidParameterValue", "Value for parameter PrefixListName is invalid: 1 to 255 characters", "PrefixListName");
    if (name.rfind("com.amazonaws", 0) == 0)
        throw ApiError("InvalidParameterValue", "The prefix list name cannot start with com.amazonaws (AWS-managed lists use it)", "PrefixListName");
    if (max_entries < 1 || max_entries > max_prefix_list_entries)
        throw ApiError("InvalidParameterValue", "Value (" + std::to_string(max_entries) + ") for parameter MaxEntries is invalid: 1 to " +
                                                    std::to_string(max_prefix_list_entries), "MaxEntries");
    if (entries.size() > max_entries_per_call)
        throw ApiError("InvalidParameterValue", "At most 100 entries can be given in one call", "Entries");
    check_entries_fit(entries, max_entries, name);
    ManagedPrefixList l;
    l.logical_id = logical_id;
    l.cloudformation_stack_id = logical_id.empty() ? std::string() : creating_stack_id_;
    l.id = new_id("pl", logical_id);
    l.tags = std::move(tags);
    l.name = name;
    l.max_entries = max_entries;
    l.entries = std::move(entries);
    prefix_lists_.push_back(std::move(l));
    return prefix_lists_.back();
}

const ManagedPrefixList& VpcModel::modify_managed_prefix_list(const std::string& prefix_list_id, std::optional<int> current_version,
                                                              const std::vector<PrefixListEntry>& add, const std::vector<Cidr>& remove,
                                                              const std::optional<std::string>& name, std::optional<int> max_entries) {
    const ManagedPrefixList& l = prefix_list(prefix_list_id);
    if (l.aws_managed)
        throw ApiError("InvalidPrefixListModification", "The prefix list " + l.id + " is AWS-managed and cannot be modified", "PrefixListId");
    if (current_version && *current_version != l.version)
        throw ApiError("PrefixListVersionMismatch", "The prefix list " + l.id + " is at version " + std::to_string(l.version) +
                                                        ", not " + std::to_string(*current_version), "CurrentVersion");
    const bool changes_entries = !add.empty() || !remove.empty();
    // "You cannot modify the entries of a prefix list and modify the size of a prefix list at the same time."
    if (changes_entries && max_entries)
        throw ApiError("InvalidParameterCombination", "Change the entries or MaxEntries of a prefix list, not both in one call", "MaxEntries");
    if (add.size() > max_entries_per_call || remove.size() > max_entries_per_call)
        throw ApiError("InvalidParameterValue", "At most 100 entries can be added or removed in one call", "AddEntries");
    if (name && (name->empty() || name->size() > 255 || name->rfind("com.amazonaws", 0) == 0))
        throw ApiError("InvalidParameterValue", "Value for parameter PrefixListName is invalid: 1 to 255 characters, not starting with com.amazonaws", "PrefixListName");
    if (max_entries && (*max_entries < static_cast<int>(l.entries.size()) || *max_entries > max_prefix_list_entries))
        throw ApiError("InvalidParameterValue", "Value (" + std::to_string(*max_entries) + ") for parameter MaxEntries is invalid: from the " +
                                                    std::to_string(l.entries.size()) + " entries it holds to " + std::to_string(max_prefix_list_entries), "MaxEntries");
    std::vector<PrefixListEntry> entries = l.entries;
    for (const Cidr& c : remove) {
        auto it = std::find_if(entries.begin(), entries.end(), [&](const PrefixListEntry& e) { return e.cidr == c; });
        if (it == entries.end())
            throw ApiError("InvalidPrefixListModification", "The CIDR " + c.to_string() + " is not an entry of " + l.id, "RemoveEntries");
        entries.erase(it);
    }
    for (const auto& e : add) {
        auto it = std::find_if(entries.begin(), entries.end(), [&](const PrefixListEntry& x) { return x.cidr == e.cidr; });
        if (it != entries.end())
            throw ApiError("InvalidPrefixListModification", "The CIDR " + e.cidr.to_string() + " is already an entry of " + l.id, "AddEntries");
        entries.push_back(e);
    }
    check_entries_fit(entries, max_entries.value_or(l.max_entries), l.id);
    ManagedPrefixList& m = prefix_list_mut(prefix_list_id);
    if (changes_entries) {
        m.earlier_versions.push_back(m.entries);
        m.entries = std::move(entries);
        ++m.version;
    }
    if (name) m.name = *name;
    if (max_entries) m.max_entries = *max_entries;
    return m;
}

void VpcModel::delete_managed_prefix_list(const std::string& prefix_list_id) {
    const ManagedPrefixList& l = prefix_list(prefix_list_id);
    if (l.aws_managed)
        throw ApiError("InvalidPrefixListModification", "The prefix list " + l.id + " is AWS-managed and cannot be deleted", "PrefixListId");
    for (const auto& t : route_tables_)
        for (const auto& r : t.routes)
            if (r.destination_prefix_list_id == l.id)
                dependency_violation("prefix list", l.id, "route table " + t.id + " has a route to it");
    for (const auto& g : security_groups_)
        for (const auto* rules : {&g.ingress, &g.egress})
            for (const auto& r : *rules)
                if (r.prefix_list_id == l.id)
                    dependency_violation("prefix list", l.id, "security group " + g.id + " has a rule that names it (" + r.rule_id + ")");
    const std::string id = l.id;
    std::erase_if(prefix_lists_, [&](const ManagedPrefixList& x) { return x.id == id; });
}

}  // namespace vpclab::routing
