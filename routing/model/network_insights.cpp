// Reachability Analyzer's resources in the model: paths and their analyses (EC2 API reference,
// "CreateNetworkInsightsPath", "StartNetworkInsightsAnalysis", and their Delete calls).
#include "routing/vpc_model.hpp"

#include <algorithm>

#include "routing/model/model_rules.hpp"

namespace vpclab::routing {

namespace {
// The EC2 API's quotas (Reachability Analyzer Guide, "Quotas": paths and analyses per Region); a lab's
// model stays bounded whatever a script asks.
constexpr std::size_t max_paths = 1000, max_analyses = 1000;
}  // namespace

NetworkInsightsPath& VpcModel::create_network_insights_path(NetworkInsightsPath path) {
    if (network_insights_paths_.size() >= max_paths)
        throw ApiError("NetworkInsightsPathLimitExceeded", "This lab has " + std::to_string(max_paths) + " network insights paths; delete some first");
    path.id = new_id("nip", path.logical_id);
    network_insights_paths_.push_back(std::move(path));
    return network_insights_paths_.back();
}

const NetworkInsightsPath& VpcModel::network_insights_path(const std::string& path_id) const {
    if (const auto* p = find_by_id(network_insights_paths_, path_id)) return *p;
    throw ApiError("InvalidNetworkInsightsPathId.NotFound", "The networkInsightsPath ID '" + path_id + "' does not exist", "NetworkInsightsPathId");
}

void VpcModel::delete_network_insights_path(const std::string& path_id) {
    network_insights_path(path_id);
    std::erase_if(network_insights_analyses_, [&](const NetworkInsightsAnalysis& a) { return a.path_id == path_id; });
    std::erase_if(network_insights_paths_, [&](const NetworkInsightsPath& p) { return p.id == path_id; });
}

NetworkInsightsAnalysis& VpcModel::create_network_insights_analysis(NetworkInsightsAnalysis analysis) {
    network_insights_path(analysis.path_id);
    if (network_insights_analyses_.size() >= max_analyses)
        throw ApiError("NetworkInsightsAnalysisLimitExceeded", "This lab has " + std::to_string(max_analyses) + " network insights analyses; delete some first");
    analysis.id = new_id("nia", analysis.logical_id);
    network_insights_analyses_.push_back(std::move(analysis));
    return network_insights_analyses_.back();
}

void VpcModel::delete_network_insights_analysis(const std::string& analysis_id) {
    if (!find_by_id(network_insights_analyses_, analysis_id))
        throw ApiError("InvalidNetworkInsightsAnalysisId.NotFound", "The networkInsightsAnalysis ID '" + analysis_id + "' does not exist",
                       "NetworkInsightsAnalysisId");
    std::erase_if(network_insights_analyses_, [&](const NetworkInsightsAnalysis& a) { return a.id == analysis_id; });
}

}  // namespace vpclab::routing
