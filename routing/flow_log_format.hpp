// The fields of a VPC flow log record and the `${field}` formats that name them (VPC User Guide, "Flow log
// records": "Available fields"). A format is parsed once, when the flow log is created; records are
// rendered by the router from it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vpclab::routing {

// Every field the guide lists, in its order. vpclab fills those it can know; the others (ECS's, the
// sublocation's, reject-reason's BPA) print "-", as AWS prints a field that does not apply.
#define VPCLAB_FLOW_LOG_FIELDS(X)                                                      \
    X(version, "version", 2)                                                           \
    X(account_id, "account-id", 2)                                                     \
    X(interface_id, "interface-id", 2)                                                 \
    X(srcaddr, "srcaddr", 2)                                                           \
    X(dstaddr, "dstaddr", 2)                                                           \
    X(srcport, "srcport", 2)                                                           \
    X(dstport, "dstport", 2)                                                           \
    X(protocol, "protocol", 2)                                                         \
    X(packets, "packets", 2)                                                           \
    X(bytes, "bytes", 2)                                                               \
    X(start, "start", 2)                                                               \
    X(end, "end", 2)                                                                   \
    X(action, "action", 2)                                                             \
    X(log_status, "log-status", 2)                                                     \
    X(vpc_id, "vpc-id", 3)                                                             \
    X(subnet_id, "subnet-id", 3)                                                       \
    X(instance_id, "instance-id", 3)                                                   \
    X(tcp_flags, "tcp-flags", 3)                                                       \
    X(type, "type", 3)                                                                 \
    X(pkt_srcaddr, "pkt-srcaddr", 3)                                                   \
    X(pkt_dstaddr, "pkt-dstaddr", 3)                                                   \
    X(region, "region", 4)                                                             \
    X(az_id, "az-id", 4)                                                               \
    X(sublocation_type, "sublocation-type", 4)                                         \
    X(sublocation_id, "sublocation-id", 4)                                             \
    X(pkt_src_aws_service, "pkt-src-aws-service", 5)                                   \
    X(pkt_dst_aws_service, "pkt-dst-aws-service", 5)                                   \
    X(flow_direction, "flow-direction", 5)                                             \
    X(traffic_path, "traffic-path", 5)                                                 \
    X(ecs_cluster_arn, "ecs-cluster-arn", 7)                                           \
    X(ecs_cluster_name, "ecs-cluster-name", 7)                                         \
    X(ecs_container_instance_arn, "ecs-container-instance-arn", 7)                     \
    X(ecs_container_instance_id, "ecs-container-instance-id", 7)                       \
    X(ecs_container_id, "ecs-container-id", 7)                                         \
    X(ecs_second_container_id, "ecs-second-container-id", 7)                           \
    X(ecs_service_name, "ecs-service-name", 7)                                         \
    X(ecs_task_definition_arn, "ecs-task-definition-arn", 7)                           \
    X(ecs_task_arn, "ecs-task-arn", 7)                                                 \
    X(ecs_task_id, "ecs-task-id", 7)                                                   \
    X(reject_reason, "reject-reason", 8)

enum class FlowLogField : std::uint8_t {
#define VPCLAB_FIELD_ENUM(name, text, version) name,
    VPCLAB_FLOW_LOG_FIELDS(VPCLAB_FIELD_ENUM)
#undef VPCLAB_FIELD_ENUM
        count
};
const char* name_of(FlowLogField f);
// The record version a field first appeared in (a record's ${version} is the highest of its fields').
int version_of(FlowLogField f);
std::optional<FlowLogField> flow_log_field(std::string_view name);

// The default format: version 2's fields, in order ("${version} ${account-id} … ${log-status}").
const std::string& default_flow_log_format();

// A format's fields, in order. The format is `${field}` names separated by single spaces, as AWS takes it
// (CreateFlowLogs, LogFormat: "Specify the fields using the ${field-id} format, separated by spaces");
// anything else is refused with a message naming what is wrong.
std::vector<FlowLogField> parse_flow_log_format(const std::string& format, std::string* why);

}  // namespace vpclab::routing
