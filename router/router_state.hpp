// Everything the running router owns besides file descriptors: the model, the region's catalog, the
// compiled snapshot and DNS zones, the namespaces it made, and the counters. The control API changes the
// model and recompiles; the data path reads `snapshot`, the resolver reads `dns_zones`.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "endpoints/dns_zone.hpp"
#include "endpoints/region_catalog.hpp"
#include "router/data_path/counters.hpp"
#include "router/lab/lab_network.hpp"
#include "routing/forwarding_snapshot.hpp"
#include "routing/vpc_model.hpp"

namespace vpclab::router {

struct RouterState {
    std::unique_ptr<routing::VpcModel> model;
    std::unique_ptr<endpoints::RegionCatalog> catalog;
    routing::ServicePorts service_ports;
    std::shared_ptr<const routing::ForwardingSnapshot> snapshot;
    std::vector<endpoints::DnsZone> dns_zones;  // per VPC, in model order
    LabPlan plan;
    Counters counters;  // per port: the ENIs, then the region, then the resolver
    std::uint64_t dns_queries_answered = 0;
    bool shutdown_requested = false;

    // Compiles the model anew; the data path picks the new snapshot up before its next batch.
    void recompile() {
        snapshot = routing::ForwardingSnapshot::compile(*model, service_ports);
        dns_zones.resize(model->vpcs().size());
        for (std::size_t i = 0; i < dns_zones.size(); ++i) dns_zones[i] = endpoints::build_zone(*model, *catalog, i);
    }
};

}  // namespace vpclab::router
