// Tags on any resource of the model (EC2 API reference, "CreateTags", "DeleteTags"; EC2 User Guide,
// "Tag restrictions").
#include "routing/vpc_model.hpp"

#include <algorithm>

#include "routing/model/model_rules.hpp"

namespace vpclab::routing {

namespace {
constexpr std::size_t max_tags_per_resource = 50;

void check_tag(const Tag& t) {
    if (t.key.empty() || t.key.size() > 128)
        throw ApiError("InvalidParameterValue", "Tag keys must be 1 to 128 characters (got '" + t.key + "')", "Tag.Key");
    if (t.value.size() > 256) throw ApiError("InvalidParameterValue", "Tag values are at most 256 characters", "Tag.Value");
    if (t.key.rfind("aws:", 0) == 0)
        throw ApiError("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for AWS use", "Tag.Key");
}
}  // namespace

void VpcModel::create_tags(const std::vector<std::string>& resource_ids, const std::vector<Tag>& tags) {
    if (resource_ids.empty()) throw ApiError("MissingParameter", "The request must contain the parameter ResourceId", "Resources");
    for (const auto& t : tags) check_tag(t);
    for (const auto& id : resource_ids) {
        ResourceBase* r = taggable(id);
        if (!r) throw ApiError("InvalidID", "The ID '" + id + "' is not valid", "Resources");
        std::size_t count = r->tags.size();
        for (const auto& t : tags)
            count += std::none_of(r->tags.begin(), r->tags.end(), [&](const Tag& have) { return have.key == t.key; });
        if (count > max_tags_per_resource)
            throw ApiError("TagLimitExceeded", "The maximum number of tags per resource (50) would be exceeded for " + id, "Tags");
    }
    for (const auto& id : resource_ids) {
        ResourceBase* r = taggable(id);
        for (const auto& t : tags) {
            auto have = std::find_if(r->tags.begin(), r->tags.end(), [&](const Tag& x) { return x.key == t.key; });
            if (have != r->tags.end()) have->value = t.value;  // an existing key is overwritten
            else r->tags.push_back(t);
        }
    }
}

void VpcModel::delete_tags(const std::vector<std::string>& resource_ids, const std::vector<TagToDelete>& tags) {
    if (resource_ids.empty()) throw ApiError("MissingParameter", "The request must contain the parameter ResourceId", "Resources");
    for (const auto& id : resource_ids)
        if (!taggable(id)) throw ApiError("InvalidID", "The ID '" + id + "' is not valid", "Resources");
    for (const auto& id : resource_ids) {
        ResourceBase* r = taggable(id);
        // No tags named: every tag goes (the aws CLI's documented behaviour for an empty --tags).
        std::erase_if(r->tags, [&](const Tag& have) {
            if (tags.empty()) return have.key.rfind("aws:", 0) != 0;
            for (const auto& t : tags)
                if (t.key == have.key && (!t.value || *t.value == have.value)) return true;
            return false;
        });
    }
}

}  // namespace vpclab::routing
