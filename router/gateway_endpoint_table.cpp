// Writing and reading the table of gateway endpoints the region's web server consults.
#include "router/gateway_endpoint_table.hpp"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace vpclab::router {

std::string gateway_endpoint_table(const routing::VpcModel& model) {
    std::string out;
    for (const auto& e : model.vpc_endpoints()) {
        const auto policy = nlohmann::json::parse(e.policy_document, nullptr, false);
        out += std::to_string(e.slot) + "\t" + e.id + "\t" + e.vpc_id + "\t" + e.service_name + "\t" + e.endpoint_type + "\t" +
               (policy.is_discarded() ? std::string("{}") : policy.dump()) + "\n";
    }
    return out;
}

std::optional<PublishedEndpoint> find_published_endpoint(const std::string& table_text, std::uint32_t slot) {
    std::istringstream in(table_text);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        PublishedEndpoint e;
        std::string slot_text;
        if (!std::getline(fields, slot_text, '\t') || !std::getline(fields, e.endpoint_id, '\t') || !std::getline(fields, e.vpc_id, '\t') ||
            !std::getline(fields, e.service_name, '\t') || !std::getline(fields, e.endpoint_type, '\t') ||
            !std::getline(fields, e.policy_document))
            continue;
        if (slot_text.empty() || slot_text.size() > 9 || slot_text.find_first_not_of("0123456789") != std::string::npos) continue;
        e.slot = static_cast<std::uint32_t>(std::stoul(slot_text));
        if (e.slot == slot) return e;
    }
    return std::nullopt;
}

bool publish_gateway_endpoints(const std::filesystem::path& file, const routing::VpcModel& model, std::string& published) noexcept {
    try {
        std::string text = gateway_endpoint_table(model);
        // Most commits (an instance marked running, say) change no endpoint: compared in memory, no file
        // is opened (reading the file back cost a quarter of such a commit in a 400-instance lab).
        if (text == published && std::filesystem::exists(file)) return true;
        const std::filesystem::path next = file.string() + ".new";
        {
            std::ofstream out(next, std::ios::trunc);
            out << text;
            if (!out.flush()) return false;
        }
        std::filesystem::rename(next, file);
        published = std::move(text);
        return true;
    } catch (...) {
        return false;
    }
}

}  // namespace vpclab::router
