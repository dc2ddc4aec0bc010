// The key pair family of the model: create (or import), delete, find by name (EC2 API reference,
// "CreateKeyPair", "ImportKeyPair", "DeleteKeyPair").
#include "routing/vpc_model.hpp"

#include <algorithm>

#include "routing/model/model_rules.hpp"

namespace vpclab::routing {

void VpcModel::check_new_key_pair(const KeyPair& key) const {
    // "Constraints: Up to 255 ASCII characters" (CreateKeyPair, KeyName).
    if (key.key_name.empty() || key.key_name.size() > 255 ||
        !std::all_of(key.key_name.begin(), key.key_name.end(), [](char c) { return c >= 0x20 && c < 0x7f; }))
        throw ApiError("InvalidParameterValue", "Value for parameter KeyName is invalid: key names are 1 to 255 printable ASCII characters",
                       "KeyName");
    if (key.key_type != "rsa" && key.key_type != "ed25519")
        throw ApiError("InvalidParameterValue", "Value (" + key.key_type + ") for parameter KeyType is invalid: rsa or ed25519", "KeyType");
    if (find_key_pair(key.key_name)) throw ApiError("InvalidKeyPair.Duplicate", "The keypair '" + key.key_name + "' already exists.", "KeyName");
}

void VpcModel::delete_key_pair(const std::string& key_pair_id) {
    key_pair_mut(key_pair_id);
    std::erase_if(key_pairs_, [&](const KeyPair& k) { return k.id == key_pair_id; });
}

KeyPair& VpcModel::create_key_pair(const std::string& logical_id, KeyPair key) {
    check_new_key_pair(key);
    key.logical_id = logical_id;
    key.cloudformation_stack_id = logical_id.empty() ? std::string() : creating_stack_id_;
    key.id = new_id("key", logical_id);
    key_pairs_.push_back(std::move(key));
    return key_pairs_.back();
}

const KeyPair* VpcModel::find_key_pair(const std::string& key_name) const {
    for (const auto& k : key_pairs_)
        if (k.key_name == key_name) return &k;
    return nullptr;
}

void VpcModel::complete_key_pair(const std::string& key_pair_id, const std::string& fingerprint, const std::string& public_key,
                                 const std::string& create_time) {
    KeyPair& k = key_pair_mut(key_pair_id);
    k.fingerprint = fingerprint;
    k.public_key = public_key;
    k.create_time = create_time;
    for (auto& inst : instances_)
        if (inst.key_name == k.key_name && inst.public_key.empty()) inst.public_key = public_key;
}

KeyPair& VpcModel::key_pair_mut(const std::string& key_pair_id) {
    for (auto& k : key_pairs_)
        if (k.id == key_pair_id) return k;
    throw ApiError("InvalidKeyPair.NotFound", "The key pair '" + key_pair_id + "' does not exist", "KeyPairId");
}

}  // namespace vpclab::routing
