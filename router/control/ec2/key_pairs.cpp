// The key pair family of the EC2 API: create (the private key returned once, never kept), import, describe,
// delete (EC2 API reference, "CreateKeyPair", "ImportKeyPair", "DescribeKeyPairs", "DeleteKeyPair").
#include "instance/base64.hpp"
#include "instance/key_pair.hpp"
#include "router/control/ec2/family.hpp"

namespace vpclab::router::ec2 {

namespace {

json key_pair_json(const routing::VpcModel& m, const routing::KeyPair& k, bool include_public_key) {
    json j{{"KeyPairId", k.id}, {"KeyFingerprint", k.fingerprint}, {"KeyName", k.key_name}, {"KeyType", k.key_type}, {"Tags", tags_json(m, k)}};
    if (include_public_key) j["PublicKey"] = k.public_key;
    j["CreateTime"] = k.create_time;
    return j;
}

// CreateKeyPair and ImportKeyPair answer with the tags only when some were given.
void add_tags(json& reply, const routing::VpcModel& m, const routing::KeyPair& k) {
    if (!k.tags.empty()) reply["Tags"] = tags_json(m, k);
}

json describe_key_pairs(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    const auto names = list_param(params, "KeyNames");
    for (const auto& name : names)
        if (!m.find_key_pair(name)) throw ApiError("InvalidKeyPair.NotFound", "The key pair '" + name + "' does not exist", "KeyNames");
    const bool include_public_key = bool_param(params, "IncludePublicKey").value_or(false);
    json found = describe(m.key_pairs(), params, "KeyPairIds", "InvalidKeyPair.NotFound", "key pair",
                          [&](const auto& k) { return key_pair_json(m, k, include_public_key); });
    if (names.empty()) return {{"KeyPairs", found}};
    json named = json::array();
    for (auto& k : found)
        if (std::find(names.begin(), names.end(), k["KeyName"].get<std::string>()) != names.end()) named.push_back(std::move(k));
    return {{"KeyPairs", named}};
}

json create_key_pair(const Request& params, RouterState& state) {
    routing::KeyPair key;
    key.key_name = string_param(params, "KeyName");
    key.key_type = params.contains("KeyType") ? string_param(params, "KeyType") : "rsa";  // EC2's default
    if (params.contains("KeyFormat") && string_param(params, "KeyFormat") != "pem")
        throw ApiError("InvalidParameterValue", "Value (" + string_param(params, "KeyFormat") +
                       ") for parameter KeyFormat is invalid: vpclab gives keys as pem only (ppk is PuTTY's format)", "KeyFormat");
    key.tags = tags_for(params, "key-pair");
    // Name and type checked before a key is made (making one takes a moment); the commit checks them again.
    state.model->check_new_key_pair(key);
    const instance::KeyMaterial material = state.runtime ? state.runtime->key_material(key.key_type) : instance::make_key_material(key.key_type);
    key.fingerprint = material.fingerprint;
    key.public_key = material.public_key + " " + key.key_name;
    key.create_time = now_iso8601();
    return state.commit([&](routing::VpcModel& next) {
        const auto& made = next.create_key_pair("", key);
        json reply{{"KeyFingerprint", made.fingerprint}, {"KeyMaterial", material.private_key}, {"KeyName", made.key_name}, {"KeyPairId", made.id}};
        add_tags(reply, next, made);
        return reply;
    });
}

json import_key_pair(const Request& params, RouterState& state) {
    // The API takes the public key file base64-encoded (the aws CLI encodes fileb:// contents); the key line
    // as it is is taken too.
    const std::string given = string_param(params, "PublicKeyMaterial");
    auto key_text = instance::base64_decode(given);
    auto parsed = key_text ? instance::parse_public_key(*key_text) : std::nullopt;
    if (!parsed) parsed = instance::parse_public_key(given);
    if (!parsed) throw ApiError("InvalidKey.Format", "Key is not in valid OpenSSH public key format (ssh-rsa or ssh-ed25519)", "PublicKeyMaterial");
    routing::KeyPair key;
    key.key_name = string_param(params, "KeyName");
    key.key_type = parsed->key_type;
    key.fingerprint = instance::imported_key_fingerprint(*parsed);
    key.public_key = parsed->line;
    key.create_time = now_iso8601();
    key.tags = tags_for(params, "key-pair");
    return state.commit([&](routing::VpcModel& next) {
        const auto& made = next.create_key_pair("", key);
        json reply{{"KeyFingerprint", made.fingerprint}, {"KeyName", made.key_name}, {"KeyPairId", made.id}};
        add_tags(reply, next, made);
        return reply;
    });
}

json delete_key_pair(const Request& params, RouterState& state) {
    const std::string name = string_param(params, "KeyName"), id = string_param(params, "KeyPairId");
    if (name.empty() && id.empty()) throw ApiError("MissingParameter", "The request must contain the parameter KeyName or KeyPairId", "KeyName");
    return state.commit([&](routing::VpcModel& next) {
        std::string target = id;
        if (target.empty()) {
            // EC2 answers a name it does not know with success: deleting is idempotent.
            const routing::KeyPair* k = next.find_key_pair(name);
            if (!k) return json{{"Return", true}};
            target = k->id;
        }
        next.delete_key_pair(target);
        return json{{"Return", true}, {"KeyPairId", target}};
    });
}

}  // namespace
}  // namespace vpclab::router::ec2

namespace vpclab::router {

std::vector<ActionSpec> key_pair_actions() {
    using namespace ec2;
    const ParamSpec tags{"--tag-specifications", "TagSpecifications", K::structures, false};
    return {
        {"describe-key-pairs", "DescribeKeyPairs", "list key pairs (--include-public-key: with their public keys)",
         {{"--key-names", "KeyNames", K::list, false}, {"--key-pair-ids", "KeyPairIds", K::list, false},
          {"--include-public-key", "IncludePublicKey", K::flag, false}, {"--filters", "Filters", K::filters, false}},
         describe_key_pairs, {"key-pair-id", "key-name", "fingerprint", "key-type", "tag-key"}},
        {"create-key-pair", "CreateKeyPair", "make a key pair; its private key is printed this once (--query KeyMaterial --output text > k.pem)",
         {{"--key-name", "KeyName", K::string, true}, {"--key-type", "KeyType", K::string, false},
          {"--key-format", "KeyFormat", K::string, false}, tags},
         create_key_pair},
        {"import-key-pair", "ImportKeyPair", "import your own public key (--public-key-material fileb://~/.ssh/id_ed25519.pub)",
         {{"--key-name", "KeyName", K::string, true}, {"--public-key-material", "PublicKeyMaterial", K::string, true}, tags},
         import_key_pair},
        {"delete-key-pair", "DeleteKeyPair", "delete a key pair (instances keep the key they were launched with)",
         {{"--key-name", "KeyName", K::string, false}, {"--key-pair-id", "KeyPairId", K::string, false}}, delete_key_pair},
    };
}

}  // namespace vpclab::router
