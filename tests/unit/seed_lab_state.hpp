// A RouterState over a seed lab (labs/<file>) as `vpclab up` builds it for the control plane: the template
// loaded, the lab's first CloudFormation stack, ValidateTemplate and CreateStack's loader plugged in, its
// instances planned. No namespaces, no fds.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include "router/router_state.hpp"
#include "router/template/template_loader.hpp"

namespace vpclab::test {

inline void load_seed_lab(router::RouterState& state, const char* file, const std::string& stack_name) {
    std::ifstream in(std::string(VPCLAB_SOURCE_DIR) + "/labs/" + file);
    std::stringstream text;
    text << in.rdbuf();
    state.catalog = std::make_unique<endpoints::RegionCatalog>("ap-northeast-2", endpoints::PublicAddressPlan{});
    cfn::LoadOptions options;
    options.stack_name = stack_name;
    options.public_ips.pool = endpoints::PublicAddressPlan{}.instance_pool();
    options.services = state.catalog->service_offers();
    options.parameters["KeyName"] = "k";
    cfn::LoadedLab loaded = cfn::load_template(text.str(), options);
    state.model = std::move(loaded.model);
    state.cloudformation_stacks.push_back(router::stack_made_at_up(stack_name, state.model->stack_id(), loaded.description, loaded.template_body,
                                                                   loaded.parameters, loaded.resources, "2026-12-05T12:00:00+00:00"));
    state.validate_template = [&catalog = *state.catalog](const std::string& body) {
        cfn::LoadOptions o;
        o.services = catalog.service_offers();
        return cfn::validate_template(body, o);
    };
    cfn::LoadOptions stack_options;
    stack_options.public_ips = options.public_ips;
    stack_options.services = options.services;
    state.load_stack_template = cfn::stack_template_loader(stack_options);
    state.plan = router::LabPlan::of(*state.model);
    state.recompile();
}

// A template of labs/, as text (a CreateStack's TemplateBody).
inline std::string seed_template(const char* file) {
    std::ifstream in(std::string(VPCLAB_SOURCE_DIR) + "/labs/" + file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace vpclab::test
