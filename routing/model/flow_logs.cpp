// The flow log family of the model: create, delete, and which flow logs cover an ENI (EC2 API reference,
// "CreateFlowLogs", "DeleteFlowLogs"; VPC User Guide, "Work with flow logs").
#include "routing/vpc_model.hpp"

#include <algorithm>

#include "routing/model/model_rules.hpp"

namespace vpclab::routing {

namespace {
// A lab's flow logs stay bounded whatever a script asks (AWS's quota is per resource: "Flow logs per
// single network interface, single subnet, or single VPC in a Region: 2").
constexpr std::size_t max_flow_logs = 100;
constexpr std::size_t max_flow_logs_per_resource = 2;

// A log group's name: 1-512 characters of [.-_/#A-Za-z0-9] (CloudWatch Logs API reference, "CreateLogGroup").
bool valid_log_group_name(const std::string& name) {
    return !name.empty() && name.size() <= 512 && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' || c == '/' || c == '#';
    });
}
// A log group's ARN without its name: arn:aws:logs:<region>:<account>:log-group:
std::string log_group_arn_prefix(const std::string& region) { return "arn:aws:logs:" + region + ":" + lab_account_id + ":log-group:"; }
}  // namespace

void VpcModel::check_flow_log_spec(const FlowLogSpec& spec) const {
    if (spec.resource_type != "VPC" && spec.resource_type != "Subnet" && spec.resource_type != "NetworkInterface")
        throw ApiError("InvalidParameter", "ResourceType '" + spec.resource_type + "' is not one vpclab logs: VPC, Subnet or NetworkInterface", "ResourceType");
    if (spec.traffic_type != "ACCEPT" && spec.traffic_type != "REJECT" && spec.traffic_type != "ALL")
        throw ApiError("InvalidParameter", "TrafficType must be ACCEPT, REJECT or ALL, not '" + spec.traffic_type + "'", "TrafficType");
    if (spec.max_aggregation_interval != 60 && spec.max_aggregation_interval != 600)
        throw ApiError("InvalidParameter", "MaxAggregationInterval must be 60 or 600 seconds", "MaxAggregationInterval");
    if (spec.log_destination_type == "cloud-watch-logs") {
        if (!spec.log_destination.empty() && !spec.log_group_name.empty())
            throw ApiError("InvalidParameter", "Give LogGroupName or LogDestination, not both", "LogDestination");
        const std::string arn_prefix = log_group_arn_prefix(region());
        const std::string name = !spec.log_group_name.empty() ? spec.log_group_name
                                 : spec.log_destination.rfind(arn_prefix, 0) == 0 ? spec.log_destination.substr(arn_prefix.size())
                                                                                   : std::string();
        if (name.empty())
            throw ApiError("InvalidParameter", "A flow log to CloudWatch Logs needs LogGroupName (or LogDestination " + arn_prefix + "NAME)", "LogGroupName");
        if (!valid_log_group_name(name))
            throw ApiError("InvalidParameter", "Log group name '" + name + "' is not 1-512 characters of letters, digits and . - _ / #", "LogGroupName");
    } else if (spec.log_destination_type == "s3") {
        if (!spec.log_group_name.empty()) throw ApiError("InvalidParameter", "LogGroupName is for cloud-watch-logs; an s3 flow log takes LogDestination", "LogGroupName");
        const std::string prefix = "arn:aws:s3:::";
        const std::string rest = spec.log_destination.rfind(prefix, 0) == 0 ? spec.log_destination.substr(prefix.size()) : std::string();
        const std::string bucket = rest.substr(0, rest.find('/'));
        // Bucket names: 3-63 lowercase letters, digits, dots and hyphens (S3 User Guide, "Bucket naming rules").
        if (bucket.size() < 3 || bucket.size() > 63 ||
            !std::all_of(bucket.begin(), bucket.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-'; }))
            throw ApiError("InvalidParameter", "LogDestination must be an S3 bucket's ARN, arn:aws:s3:::bucket[/prefix/], not '" + spec.log_destination + "'", "LogDestination");
        if (rest.find("AWSLogs") != std::string::npos) throw ApiError("InvalidParameter", "The S3 prefix cannot contain AWSLogs", "LogDestination");
        // The prefix becomes a path under the stack's directory: key characters only, no "." or ".." parts
        // (S3 User Guide, "Object key naming": the safe characters), at most 512 characters.
        const std::string prefix_part = rest.size() > bucket.size() ? rest.substr(bucket.size() + 1) : std::string();
        if (prefix_part.size() > 512) throw ApiError("InvalidParameter", "The S3 prefix is longer than 512 characters", "LogDestination");
        std::size_t from = 0;
        while (from < prefix_part.size()) {
            const std::size_t slash = std::min(prefix_part.find('/', from), prefix_part.size());
            const std::string part = prefix_part.substr(from, slash - from);
            const bool safe = std::all_of(part.begin(), part.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '!' || c == '-' || c == '_' || c == '.' || c == '*' || c == '\'' || c == '(' || c == ')';
            });
            if (part.empty() || part == "." || part == ".." || !safe)
                throw ApiError("InvalidParameter", "The S3 prefix '" + prefix_part + "' has a part '" + part + "' that is empty, . or .., or not made of letters, digits and ! - _ . * ' ( )",
                               "LogDestination");
            from = slash + 1;
        }
    } else {
        throw ApiError("InvalidParameter", "LogDestinationType must be cloud-watch-logs or s3 (vpclab has no Kinesis Data Firehose), not '" + spec.log_destination_type + "'",
                       "LogDestinationType");
    }
    std::string why;
    if (!spec.log_format.empty() && parse_flow_log_format(spec.log_format, &why).empty()) throw ApiError("InvalidParameter", "LogFormat: " + why, "LogFormat");
}

std::vector<std::string> VpcModel::create_flow_logs(const std::string& logical_id, const FlowLogSpec& spec, const std::vector<std::string>& resource_ids,
                                                    std::vector<FlowLogFailure>& unsuccessful) {
    check_flow_log_spec(spec);
    if (resource_ids.empty()) throw ApiError("MissingParameter", "The request must contain the parameter ResourceIds", "ResourceIds");
    FlowLog base;
    base.resource_type = spec.resource_type;
    base.traffic_type = spec.traffic_type;
    base.log_destination_type = spec.log_destination_type;
    base.max_aggregation_interval = spec.max_aggregation_interval;
    base.deliver_logs_permission_arn = spec.deliver_logs_permission_arn;
    base.creation_time = spec.creation_time;
    base.tags = spec.tags;
    base.log_format = spec.log_format.empty() ? default_flow_log_format() : spec.log_format;
    base.fields = parse_flow_log_format(base.log_format, nullptr);
    if (spec.log_destination_type == "cloud-watch-logs") {
        const std::string arn_prefix = log_group_arn_prefix(region());
        base.log_group_name = !spec.log_group_name.empty() ? spec.log_group_name : spec.log_destination.substr(arn_prefix.size());
        base.log_destination = arn_prefix + base.log_group_name;
    } else {
        base.log_destination = spec.log_destination;
    }
    std::vector<std::string> ids;
    for (const auto& id : resource_ids) {
        const bool exists = spec.resource_type == "VPC"      ? find_by_id(vpcs_, id) != nullptr
                            : spec.resource_type == "Subnet" ? find_by_id(subnets_, id) != nullptr
                                                             : find_by_id(network_interfaces_, id) != nullptr;
        if (!exists) {
            const char* code = spec.resource_type == "VPC" ? "InvalidVpcID.NotFound" : spec.resource_type == "Subnet" ? "InvalidSubnetID.NotFound" : "InvalidNetworkInterfaceID.NotFound";
            unsuccessful.push_back({id, code, "The " + spec.resource_type + " '" + id + "' does not exist"});
            continue;
        }
        const auto on_resource = std::count_if(flow_logs_.begin(), flow_logs_.end(), [&](const FlowLog& f) { return f.resource_id == id; });
        const bool same = std::any_of(flow_logs_.begin(), flow_logs_.end(), [&](const FlowLog& f) {
            return f.resource_id == id && f.log_destination == base.log_destination && f.traffic_type == base.traffic_type;
        });
        if (same) {
            unsuccessful.push_back({id, "FlowLogAlreadyExists", "A flow log of " + base.traffic_type + " traffic to " + base.log_destination + " already exists for " + id});
            continue;
        }
        if (static_cast<std::size_t>(on_resource) >= max_flow_logs_per_resource || flow_logs_.size() >= max_flow_logs) {
            unsuccessful.push_back({id, "FlowLogsLimitExceeded", id + " has " + std::to_string(on_resource) + " flow logs (at most " +
                                                                     std::to_string(max_flow_logs_per_resource) + " per resource, " + std::to_string(max_flow_logs) + " per lab)"});
            continue;
        }
        FlowLog f = base;
        f.resource_id = id;
        f.logical_id = logical_id;
        f.cloudformation_stack_id = logical_id.empty() ? std::string() : creating_stack_id_;
        f.id = new_id("fl", logical_id.empty() ? std::string() : logical_id + "#" + id);
        ids.push_back(f.id);
        flow_logs_.push_back(std::move(f));
    }
    return ids;
}

std::vector<VpcModel::FlowLogFailure> VpcModel::delete_flow_logs(const std::vector<std::string>& flow_log_ids) {
    if (flow_log_ids.empty()) throw ApiError("MissingParameter", "The request must contain the parameter FlowLogIds", "FlowLogIds");
    std::vector<FlowLogFailure> unsuccessful;
    for (const auto& id : flow_log_ids) {
        if (!find_by_id(flow_logs_, id)) {
            unsuccessful.push_back({id, "InvalidFlowLogId.NotFound", "Flow log " + id + " does not exist"});
            continue;
        }
        std::erase_if(flow_logs_, [&](const FlowLog& f) { return f.id == id; });
    }
    return unsuccessful;
}

std::vector<const FlowLog*> VpcModel::flow_logs_of(const NetworkInterface& eni) const {
    std::vector<const FlowLog*> out;
    for (const auto& f : flow_logs_)
        if (f.covers(eni)) out.push_back(&f);
    return out;
}

}  // namespace vpclab::routing
