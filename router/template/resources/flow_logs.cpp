// AWS::EC2::FlowLog (CloudFormation User Guide): the traffic of a VPC, subnet or ENI, to a log group of
// the lab or an S3 bucket's ARN. Ref: the flow log's ID.
#include "router/template/resource_handlers.hpp"

namespace vpclab::cfn {

namespace {

void create_flow_log(ResourceContext& c) {
    auto& props = c.props;
    routing::FlowLogSpec spec;
    spec.resource_type = props.string("ResourceType", true);
    const std::string resource = props.string("ResourceId", true);
    if (const std::string t = props.string("TrafficType", false); !t.empty()) spec.traffic_type = t;
    if (const std::string t = props.string("LogDestinationType", false); !t.empty()) spec.log_destination_type = t;
    spec.log_group_name = props.string("LogGroupName", false);
    spec.log_destination = props.string("LogDestination", false);
    spec.log_format = props.string("LogFormat", false);
    spec.deliver_logs_permission_arn = props.string("DeliverLogsPermissionArn", false);
    if (const Node* interval = props.get("MaxAggregationInterval"); interval && !interval->is_null())
        spec.max_aggregation_interval = props.integer_of(*interval, "MaxAggregationInterval");
    spec.tags = props.tags();
    std::vector<routing::VpcModel::FlowLogFailure> failed;
    const auto ids = c.model.create_flow_logs(c.resource.logical_id, spec, {resource}, failed);
    if (!failed.empty()) props.fail("ResourceId", failed.front().message + " (" + failed.front().code + ")");
    c.set_ref(ids.front());
    c.set_att("Id", ids.front());
}

}  // namespace

std::vector<ResourceType> flow_log_resource_types() { return {{"AWS::EC2::FlowLog", create_flow_log}}; }

}  // namespace vpclab::cfn
