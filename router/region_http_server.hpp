// The region's web server: every service address and internet host answers HTTP on port 80 with who
// answered and which source address it saw (the teaching device of DESIGN.md §2: the IGW path shows the
// public IP, a gateway endpoint the private one). Runs as `vpclab __region-http` inside the region namespace.
#pragma once

#include <string>

#include "endpoints/region_catalog.hpp"
#include "router/gateway_endpoint_table.hpp"

namespace vpclab::router {

// The response for one request: method, path, the address that was asked and the client's address.
// GET /bytes/N answers with N bytes (at most 100 MB) for path-MTU tests; POST reports the body size.
struct HttpAnswer {
    int status = 200;
    std::string head_text;          // the explanatory text (body, or the body's start)
    std::size_t filler_bytes = 0;   // further body bytes ('.' characters and newlines)
};
// A request that arrived at a gateway endpoint's address (ServicePorts::endpoint_address) names the service
// address it stands for and the endpoint (`via`; nullptr if the table has no entry for it).
HttpAnswer answer_http(const std::string& method, const std::string& path, std::size_t body_received,
                       std::uint32_t local_address, std::uint32_t peer_address, const endpoints::RegionCatalog& catalog,
                       const PublishedEndpoint* via = nullptr);

// Serves until killed (the router stops it, and it dies with the router: PR_SET_PDEATHSIG). Requests at a
// gateway endpoint's address are looked up in `endpoints_table` (written by the router).
int run_region_http_server(const std::string& netns, const endpoints::RegionCatalog& catalog, const std::string& endpoints_table);

}  // namespace vpclab::router
