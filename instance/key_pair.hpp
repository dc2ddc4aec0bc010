// Key pairs as EC2 makes and describes them: the private key (CreateKeyPair's KeyMaterial: PEM for RSA,
// OpenSSH's format for ED25519), the OpenSSH public key line instances get in authorized_keys, and EC2's
// fingerprints (EC2 API reference, "KeyPairInfo": keyFingerprint). Keys are made by ssh-keygen.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vpclab::instance {

struct KeyMaterial {
    std::string private_key;  // what CreateKeyPair returns once as KeyMaterial
    std::string public_key;   // "ssh-rsa AAAA…" (no comment)
    std::string fingerprint;  // as EC2 gives it for a key it created
};

// A new key: "rsa" (2048 bits, "-----BEGIN RSA PRIVATE KEY-----") or "ed25519". Runs ssh-keygen (openssh-
// client) in a private (0700) temporary directory made in `work_dir`, removed before returning. Throws
// std::runtime_error if it cannot.
KeyMaterial make_key_material(const std::string& key_type, const std::string& work_dir = "/run/vpclab");

// An OpenSSH public key line, read: its type as EC2 names it ("rsa", "ed25519") and the decoded key blob.
struct PublicKey {
    std::string key_type;
    std::string blob;
    std::string line;  // "<algorithm> <base64>", without the comment
};
// nullopt unless the text is one OpenSSH public key line of type ssh-rsa or ssh-ed25519 whose blob names
// that same algorithm (RFC 4253 §6.6).
std::optional<PublicKey> parse_public_key(std::string_view text);

// For a key EC2 created: RSA, the SHA-1 digest of the private key in PKCS#8 DER; ED25519, the base64 SHA-256
// of the public key blob (OpenSSH's own fingerprint, with base64's padding).
std::string created_key_fingerprint(const std::string& key_type, const std::string& private_key_pem, const PublicKey& public_key);
// For an imported key: RSA, the MD5 of the DER public key (as EC2 shows it); ED25519 as above.
std::string imported_key_fingerprint(const PublicKey& public_key);

}  // namespace vpclab::instance
