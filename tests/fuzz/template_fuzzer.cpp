// Fuzzes the template loader (YAML and JSON): only TemplateError may come out, and a loaded lab must compile and plan as `vpclab up` does.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "endpoints/dns_zone.hpp"
#include "endpoints/region_catalog.hpp"
#include "router/lab/lab_network.hpp"
#include "router/template/template_error.hpp"
#include "router/template/template_loader.hpp"
#include "routing/forwarding_snapshot.hpp"

using namespace vpclab;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const endpoints::RegionCatalog catalog("ap-northeast-2", endpoints::PublicAddressPlan{});
    cfn::LoadOptions options;
    options.file_name = "fuzz.yaml";
    options.stack_name = "fuzz";
    options.public_ips.pool = catalog.plan().instance_pool();
    cfn::LoadedLab lab;
    try {
        lab = cfn::load_template(std::string(reinterpret_cast<const char*>(data), size), options);
    } catch (const cfn::TemplateError&) {
        return 0;  // the expected refusal; anything else escapes and is a finding
    }
    // What `vpclab up` does next with a template it accepted: plan the namespaces, compile the forwarding
    // snapshot and the resolver's zones.
    const router::LabPlan plan = router::LabPlan::of(*lab.model);
    for (const auto& ns : plan.all_namespaces())
        // A namespace is a file under /run/netns and a directory under /etc/netns: the loader must refuse
        // names that cannot be one (NAME_MAX is 255 bytes).
        if (ns.empty() || ns.size() > 255 || ns == "." || ns == ".." || ns.find('/') != std::string::npos) {
            std::fprintf(stderr, "accepted template plans an impossible namespace name (%zu bytes): %.80s\n", ns.size(), ns.c_str());
            std::abort();
        }
    const auto snapshot = routing::ForwardingSnapshot::compile(*lab.model, router::plan_service_ports(*lab.model, catalog));
    for (std::size_t i = 0; i < lab.model->vpcs().size(); ++i) endpoints::build_zone(*lab.model, catalog, i);
    return 0;
}
