// A lab's AWS credentials: one access key and secret per stack, made at `up` from the kernel's random
// bytes, kept root-only in <stack dir>/aws/ as the aws CLI's shared credentials and config files (profile
// `vpclab`, the stack's region), which `vpclab aws` and `vpclab aws-env` point the CLI and boto3 at.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace vpclab::aws_api {

struct StackCredentials {
    std::string access_key_id;      // "AKIA" and 16 of [A-Z2-7], as IAM's keys look
    std::string secret_access_key;  // 40 of [A-Za-z0-9+/]
};

constexpr const char* credentials_profile = "vpclab";

StackCredentials make_stack_credentials();
// `count` characters of `alphabet`, each from one random byte of getrandom(2) (rejection sampling keeps them
// uniform): keys, and the console's token.
std::string random_text(std::size_t count, std::string_view alphabet);

struct CredentialFiles {
    std::filesystem::path credentials, config;
};
CredentialFiles credential_files(const std::filesystem::path& stack_dir);

// Writes <stack dir>/aws/credentials and config, mode 0600 in a 0700 directory. Throws naming the file.
void write_credential_files(const std::filesystem::path& stack_dir, const StackCredentials& credentials, const std::string& region);

// Reads the key pair back from the credentials file (the router at start-up, tests). Throws naming the file.
StackCredentials read_stack_credentials(const std::filesystem::path& stack_dir);

}  // namespace vpclab::aws_api
