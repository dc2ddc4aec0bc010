// The region's HTTPS front for the AWS APIs: in the region namespace, port 443 of every region address
// answers TLS with the lab CA's certificate for <service>.<region>.amazonaws.com and relays each request,
// decrypted, to the router's AWS endpoint through a Unix socket in the stack's directory (the router serves
// it as it serves 127.0.0.1). Runs as `vpclab __region-https`, started by the router, dying with it.
#pragma once

#include <string>

namespace vpclab::router {

struct RegionHttpsOptions {
    std::string netns;                          // the region's namespace
    std::string certificate_file, key_file;     // the lab CA's server certificate and its key
    std::string api_socket;                     // the router's AWS endpoint, as a Unix socket
};

// At most this many connections are served at once (each by a process of its own, for at most
// `connection_seconds`); more wait in the listen queue.
inline constexpr int region_https_max_connections = 16;
inline constexpr unsigned region_https_connection_seconds = 20;

// Serves until killed.
int run_region_https_server(const RegionHttpsOptions& options);

}  // namespace vpclab::router
