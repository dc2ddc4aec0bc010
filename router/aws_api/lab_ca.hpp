// The lab's own certificate authority: one per stack, made at `up`, so that instances reach the region's
// AWS API names (ec2.<region>.amazonaws.com, …) over HTTPS and trust them, in their own /etc only.
#pragma once

#include <filesystem>
#include <string>

namespace vpclab::aws_api {

struct LabCertificates {
    std::string ca_certificate;      // PEM: what instances trust
    std::string server_certificate;  // PEM: <region>.amazonaws.com and *.<region>.amazonaws.com, signed by the CA
    std::string server_key;          // PEM (PKCS#8): the server certificate's key
};

// A new CA (its key is used once, to sign the server certificate, and never kept) and the server
// certificate for `region`'s service names, valid from an hour ago for a year. Throws std::runtime_error
// if OpenSSL fails.
LabCertificates make_lab_certificates(const std::string& stack, const std::string& region);

// Where a stack keeps them: <stack dir>/lab-ca/.
struct LabCaPaths {
    std::filesystem::path dir;
    std::filesystem::path ca_certificate() const { return dir / "ca.crt"; }
    std::filesystem::path server_certificate() const { return dir / "server.crt"; }
    std::filesystem::path server_key() const { return dir / "server.key"; }
    // The host's trust bundle with the lab CA appended: bound read-only over each instance's
    // /etc/ssl/certs/ca-certificates.crt and /etc/pki/tls/certs/ca-bundle.crt (router/lab/instance_init.cpp).
    std::filesystem::path trusted_bundle() const { return dir / "trusted-bundle.crt"; }
    static LabCaPaths of_stack_dir(const std::filesystem::path& stack_dir) { return {stack_dir / "lab-ca"}; }
};

// The host's trust bundle (Debian's, which curl, Python and the aws CLI read).
inline constexpr const char* host_trust_bundle = "/etc/ssl/certs/ca-certificates.crt";

// Writes them (the key 0600, in a 0700 directory), and the trusted bundle: `host_bundle`'s text (read, never
// changed; none if it does not exist) followed by the CA.
void write_lab_certificates(const LabCaPaths& paths, const LabCertificates& certificates, const std::filesystem::path& host_bundle);

}  // namespace vpclab::aws_api
