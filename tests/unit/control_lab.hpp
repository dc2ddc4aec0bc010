// Test helper: the pipeline lab as the router's control API holds it (model, catalog, service ports, the
// data path's tables), and calls to that API: the answer, the result of one that must succeed, or the
// code of one that is refused.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "router/control/control_api.hpp"
#include "tests/unit/pipeline_lab.hpp"

namespace vpclab::test {

struct ControlLab {
    router::RouterState state;
    router::FlowState flows{256, 4096};
    PipelineLab lab;
    std::string pub_instance, priv_instance;
    // `with_endpoints`: PipelineLab's endpoints; `offer_services`: the region's services offered to the
    // model (DNS names such as s3.ap-northeast-2.amazonaws.com resolve).
    explicit ControlLab(bool with_endpoints = false, bool offer_services = false) : lab(with_endpoints) {
        pub_instance = lab.m.interface_on_port(lab.pub_host)->instance_id;
        priv_instance = lab.m.interface_on_port(lab.priv_host)->instance_id;
        state.model = std::make_unique<routing::VpcModel>(lab.m);
        state.catalog = std::make_unique<endpoints::RegionCatalog>("ap-northeast-2", endpoints::PublicAddressPlan{});
        if (offer_services) state.model->offer_services(state.catalog->service_offers());
        state.service_ports = lab.sp;
        state.recompile();
        state.flows = &flows;
    }
    nlohmann::json call(const std::string& action, const nlohmann::json& params) {
        return router::handle_control_request(nlohmann::json{{"Action", action}, {"Params", params}}, state);
    }
    nlohmann::json ok(const std::string& action, const nlohmann::json& params) {
        const nlohmann::json r = call(action, params);
        INFO(action << " " << params.dump() << ": " << r.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        REQUIRE(r["ok"] == true);
        return r["result"];
    }
    std::string refused(const std::string& action, const nlohmann::json& params) {
        const nlohmann::json r = call(action, params);
        return r["ok"] == true ? "no error" : r["error"]["Code"].get<std::string>();
    }
};

}  // namespace vpclab::test
