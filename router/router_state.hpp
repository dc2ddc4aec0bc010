// Everything the running router owns besides file descriptors: the model, its compiled snapshot, the
// namespaces it made, and the counters. The control API changes it; the data path reads `snapshot`.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "router/data_path/counters.hpp"
#include "router/lab/lab_network.hpp"
#include "routing/forwarding_snapshot.hpp"
#include "routing/vpc_model.hpp"

namespace vpclab::router {

struct RouterState {
    std::unique_ptr<routing::VpcModel> model;
    std::shared_ptr<const routing::ForwardingSnapshot> snapshot;
    LabPlan plan;
    Counters counters;
    bool shutdown_requested = false;

    // Compiles the model anew; the data path picks the new snapshot up before its next batch.
    void recompile() { snapshot = routing::ForwardingSnapshot::compile(*model); }
};

}  // namespace vpclab::router
