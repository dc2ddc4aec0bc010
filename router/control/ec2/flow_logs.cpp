// The flow log family of the EC2 API: create, describe, delete (EC2 API reference, "CreateFlowLogs",
// "DescribeFlowLogs", "DeleteFlowLogs"). A flow log to CloudWatch Logs creates its log group in the lab's
// store if it does not exist (VPC User Guide: LogGroupName names "a new or existing" log group).
#include <ctime>

#include "router/control/ec2/family.hpp"

namespace vpclab::router::ec2 {

json flow_log_json(const routing::VpcModel& m, const routing::FlowLog& f) {
    json j{{"CreationTime", f.creation_time}};
    if (!f.deliver_logs_permission_arn.empty()) j["DeliverLogsPermissionArn"] = f.deliver_logs_permission_arn;
    j["DeliverLogsStatus"] = "SUCCESS";
    j["FlowLogId"] = f.id;
    j["FlowLogStatus"] = "ACTIVE";
    if (!f.log_group_name.empty()) j["LogGroupName"] = f.log_group_name;
    j["ResourceId"] = f.resource_id;
    j["TrafficType"] = f.traffic_type;
    j["LogDestinationType"] = f.log_destination_type;
    j["LogDestination"] = f.log_destination;
    j["LogFormat"] = f.log_format;
    j["Tags"] = tags_json(m, f);
    j["MaxAggregationInterval"] = f.max_aggregation_interval;
    if (f.log_destination_type == "s3") j["DestinationOptions"] = {{"FileFormat", "plain-text"}, {"HiveCompatiblePartitions", false}, {"PerHourPartition", false}};
    return j;
}

namespace {

std::int64_t now_ms() {
    timespec t{};
    ::clock_gettime(CLOCK_REALTIME, &t);
    return std::int64_t{t.tv_sec} * 1000 + t.tv_nsec / 1'000'000;
}

json unsuccessful_json(const std::vector<routing::VpcModel::FlowLogFailure>& failures) {
    json out = json::array();
    for (const auto& f : failures) out.push_back({{"Error", {{"Code", f.code}, {"Message", f.message}}}, {"ResourceId", f.resource_id}});
    return out;
}

json create_flow_logs(const Request& params, RouterState& state) {
    routing::FlowLogSpec spec;
    spec.resource_type = string_param(params, "ResourceType");
    if (params.contains("TrafficType")) spec.traffic_type = string_param(params, "TrafficType");
    if (params.contains("LogDestinationType")) spec.log_destination_type = string_param(params, "LogDestinationType");
    spec.log_group_name = string_param(params, "LogGroupName");
    spec.log_destination = string_param(params, "LogDestination");
    spec.log_format = string_param(params, "LogFormat");
    spec.deliver_logs_permission_arn = string_param(params, "DeliverLogsPermissionArn");
    if (const auto interval = int_param(params, "MaxAggregationInterval")) spec.max_aggregation_interval = *interval;
    if (params.contains("DestinationOptions")) {
        const Request& o = single_structure(params["DestinationOptions"]);
        const std::string format = string_param(o, "FileFormat");
        if (!format.empty() && format != "plain-text")
            throw ApiError("InvalidParameter", "DestinationOptions.FileFormat: vpclab writes plain-text (gzip) objects, not " + format, "DestinationOptions");
        if (bool_param(o, "HiveCompatiblePartitions").value_or(false) || bool_param(o, "PerHourPartition").value_or(false))
            throw ApiError("InvalidParameter", "DestinationOptions: vpclab writes the default key layout (no Hive or hourly partitions)", "DestinationOptions");
    }
    spec.tags = tags_for(params, "vpc-flow-log");
    spec.creation_time = utc_now("%Y-%m-%dT%H:%M:%S.000Z");
    // The log group must fit in the lab's store before anything is made.
    if (spec.log_destination_type == "cloud-watch-logs" && !spec.log_group_name.empty() && !state.logs.group(spec.log_group_name) &&
        state.logs.groups().size() >= LogStore::max_groups)
        throw ApiError("FlowLogsLimitExceeded", "The lab keeps at most " + std::to_string(LogStore::max_groups) + " log groups; delete one (vpclab logs delete-log-group) or log to an existing group",
                       "LogGroupName");
    std::vector<routing::VpcModel::FlowLogFailure> unsuccessful;
    const auto ids = state.commit([&](routing::VpcModel& next) { return next.create_flow_logs("", spec, list_param(params, "ResourceIds"), unsuccessful); });
    for (const auto& f : state.model->flow_logs())
        if (!f.log_group_name.empty() && std::find(ids.begin(), ids.end(), f.id) != ids.end()) state.logs.ensure_group(f.log_group_name, now_ms());
    json out = json::object();
    if (params.contains("ClientToken")) out["ClientToken"] = string_param(params, "ClientToken");
    out["FlowLogIds"] = ids;
    out["Unsuccessful"] = unsuccessful_json(unsuccessful);
    return out;
}

json describe_flow_logs(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    // DescribeFlowLogs names its filters Filter, not Filters (the one EC2 call that does).
    Request p = params;
    if (p.contains("Filter")) p["Filters"] = p["Filter"];
    return {{"FlowLogs", describe(m.flow_logs(), p, "FlowLogIds", "InvalidFlowLogId.NotFound", "flow log", [&](const auto& f) { return flow_log_json(m, f); })}};
}

json delete_flow_logs(const Request& params, RouterState& state) {
    const auto ids = list_param(params, "FlowLogIds");
    std::vector<routing::VpcModel::FlowLogFailure> unsuccessful;
    state.commit([&](routing::VpcModel& next) {
        unsuccessful = next.delete_flow_logs(ids);
        return 0;
    });
    return {{"Unsuccessful", unsuccessful_json(unsuccessful)}};
}

}  // namespace
}  // namespace vpclab::router::ec2

namespace vpclab::router {

std::vector<ActionSpec> flow_log_actions() {
    using namespace ec2;
    return {
        {"create-flow-logs", "CreateFlowLogs",
         "log the IP traffic of a VPC's, a subnet's or an ENI's interfaces to a log group of the lab (vpclab logs …) or to S3",
         {{"--resource-type", "ResourceType", K::string, true},
          {"--resource-ids", "ResourceIds", K::list, true},
          {"--traffic-type", "TrafficType", K::string, false},
          {"--log-destination-type", "LogDestinationType", K::string, false},
          {"--log-group-name", "LogGroupName", K::string, false},
          {"--log-destination", "LogDestination", K::string, false},
          {"--log-format", "LogFormat", K::string, false},
          {"--max-aggregation-interval", "MaxAggregationInterval", K::string, false},
          {"--deliver-logs-permission-arn", "DeliverLogsPermissionArn", K::string, false},
          {"--destination-options", "DestinationOptions", K::structures, false},
          {"--client-token", "ClientToken", K::string, false},
          {"--tag-specifications", "TagSpecifications", K::structures, false}},
         create_flow_logs},
        {"describe-flow-logs", "DescribeFlowLogs", "list flow logs",
         {{"--flow-log-ids", "FlowLogIds", K::list, false}, {"--filter", "Filter", K::filters, false}}, describe_flow_logs,
         {"deliver-log-status", "log-destination-type", "flow-log-id", "log-group-name", "resource-id", "traffic-type", "tag-key"}},
        {"delete-flow-logs", "DeleteFlowLogs", "delete flow logs (the records already published stay)",
         {{"--flow-log-ids", "FlowLogIds", K::list, true}}, delete_flow_logs},
    };
}

}  // namespace vpclab::router
