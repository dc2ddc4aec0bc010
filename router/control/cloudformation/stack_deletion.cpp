// DeleteStack's work: each resource of a stack deleted through the same model calls as the EC2 and ELBv2
// API's delete actions, newest first, as CloudFormation deletes in reverse dependency order (User Guide,
// "Delete a stack"). An instance's namespace takes a moment to go, so what depends on it waits; a resource
// already gone counts as deleted, as CloudFormation counts it.
#include <algorithm>
#include <ctime>

#include "router/control/cloudformation/cloudformation_stack.hpp"
#include "router/control/cloudformation/stack_records.hpp"
#include "router/control/ec2/family.hpp"

namespace vpclab::router {

namespace {

using routing::ApiError;
using routing::VpcModel;
using namespace cloudformation;

std::string key_of(const StackResource& r, const char* key) {
    const auto it = r.deletion_keys.find(key);
    return it == r.deletion_keys.end() ? std::string() : it->second;
}

// The two halves of a physical ID CloudFormation makes of a pair ("tgw-rtb-…|tgw-attach-…", "tgw-rtb-…|10.0.0.0/16").
std::pair<std::string, std::string> pair_of(const std::string& physical_id) {
    const auto bar = physical_id.find('|');
    if (bar == std::string::npos) return {physical_id, std::string()};
    return {physical_id.substr(0, bar), physical_id.substr(bar + 1)};
}

// Deletes one resource in `next` (a model copy the caller commits). Throws ApiError when the model refuses.
void delete_in_model(VpcModel& next, const StackResource& r) {
    const std::string& id = r.physical_id;
    const std::string& t = r.type;
    if (t == "AWS::EC2::VPC") next.delete_vpc(id, ec2::now_seconds());
    else if (t == "AWS::EC2::Subnet") next.delete_subnet(id);
    else if (t == "AWS::EC2::RouteTable") next.delete_route_table(id);
    else if (t == "AWS::EC2::SubnetRouteTableAssociation") next.disassociate_route_table(id);
    else if (t == "AWS::EC2::Route") {
        const std::string cidr = key_of(r, "DestinationCidrBlock"), prefix_list = key_of(r, "DestinationPrefixListId");
        next.delete_route(key_of(r, "RouteTableId"), VpcModel::RouteDestination(cidr, prefix_list));
    } else if (t == "AWS::EC2::InternetGateway") next.delete_internet_gateway(id);
    else if (t == "AWS::EC2::VPCPeeringConnection") next.delete_vpc_peering_connection(id, ec2::now_seconds());
    else if (t == "AWS::EC2::NatGateway") next.delete_nat_gateway(id, ec2::now_seconds());
    else if (t == "AWS::EC2::TransitGateway") next.delete_transit_gateway(id);
    else if (t == "AWS::EC2::TransitGatewayAttachment" || t == "AWS::EC2::TransitGatewayVpcAttachment") next.delete_transit_gateway_vpc_attachment(id);
    else if (t == "AWS::EC2::TransitGatewayRouteTable") next.delete_transit_gateway_route_table(id);
    else if (t == "AWS::EC2::TransitGatewayRouteTableAssociation") {
        const auto [table, attachment] = pair_of(id);
        next.disassociate_transit_gateway_route_table(table, attachment);
    } else if (t == "AWS::EC2::TransitGatewayRouteTablePropagation") {
        const auto [table, attachment] = pair_of(id);
        next.disable_transit_gateway_route_table_propagation(table, attachment);
    } else if (t == "AWS::EC2::TransitGatewayRoute") {
        const auto [table, cidr] = pair_of(id);
        next.delete_transit_gateway_route(table, cidr);
    }
    else if (t == "AWS::EC2::EIP") {
        // Released, after its association with an instance (a NAT gateway's went with the gateway).
        const std::string allocation = key_of(r, "AllocationId");
        for (const auto& e : next.elastic_ips())
            if (e.allocation_id == allocation && !e.association_id.empty()) {
                next.disassociate_address(e.association_id);
                break;
            }
        next.release_address(allocation);
    }
    else if (t == "AWS::EC2::VPCGatewayAttachment") {
        if (!key_of(r, "InternetGatewayId").empty()) next.detach_internet_gateway(key_of(r, "InternetGatewayId"), key_of(r, "VpcId"));
    } else if (t == "AWS::EC2::SecurityGroup") next.delete_security_group(id);
    else if (t == "AWS::EC2::SecurityGroupIngress" || t == "AWS::EC2::SecurityGroupEgress")
        next.revoke_security_group(key_of(r, "GroupId"), key_of(r, "Direction") == "ingress", {}, {id});
    else if (t == "AWS::EC2::NetworkAcl") next.delete_network_acl(id);
    else if (t == "AWS::EC2::NetworkAclEntry")
        next.delete_network_acl_entry(key_of(r, "NetworkAclId"), std::stoi(key_of(r, "RuleNumber")), key_of(r, "Egress") == "true");
    else if (t == "AWS::EC2::SubnetNetworkAclAssociation") {
        // The subnet goes back to its VPC's default ACL (CloudFormation User Guide, SubnetNetworkAclAssociation).
        const routing::Subnet& subnet = next.subnet(key_of(r, "SubnetId"));
        next.replace_network_acl_association(id, next.vpc(subnet.vpc_id).default_network_acl_id);
    } else if (t == "AWS::EC2::FlowLog") next.delete_flow_logs({id});  // one already gone is only reported
    // Traffic Mirroring: sessions were made after the targets and filters they use, rules after their
    // filter, so newest first deletes them in dependency order (a filter takes its remaining rules with it;
    // a rule already gone so counts as deleted).
    else if (t == "AWS::EC2::TrafficMirrorSession") next.delete_traffic_mirror_session(id);
    else if (t == "AWS::EC2::TrafficMirrorFilterRule") next.delete_traffic_mirror_filter_rule(id);
    else if (t == "AWS::EC2::TrafficMirrorFilter") next.delete_traffic_mirror_filter(id);
    else if (t == "AWS::EC2::TrafficMirrorTarget") next.delete_traffic_mirror_target(id);
    else if (t == "AWS::EC2::VPCEndpoint") next.delete_vpc_endpoint(id);
    else if (t == "AWS::EC2::PrefixList") next.delete_managed_prefix_list(id);
    else if (t == "AWS::ElasticLoadBalancingV2::LoadBalancer") next.delete_load_balancer(id);
    else if (t == "AWS::ElasticLoadBalancingV2::TargetGroup") next.delete_target_group(id);
    else if (t == "AWS::ElasticLoadBalancingV2::Listener") next.delete_listener(id);
    else if (t == "AWS::EC2::VPCEndpointService") next.delete_endpoint_service(id);
    else if (t == "AWS::EC2::VPCEndpointServicePermissions") {
        std::vector<std::string> principals;
        const std::string all = key_of(r, "AllowedPrincipals");
        for (std::size_t start = 0; start < all.size();) {
            const auto end = std::min(all.find('\n', start), all.size());
            principals.push_back(all.substr(start, end - start));
            start = end + 1;
        }
        if (!principals.empty()) next.modify_endpoint_service_permissions(id, {}, principals);
    } else if (t == "AWS::EC2::VPCEndpointConnectionNotification") next.delete_connection_notification(id);
    // Anything else was never made in the lab (a type vpclab leaves out): nothing to delete.
}

// What the API answers when the thing is already gone (InvalidVpcID.NotFound, TargetGroupNotFound, …): the
// deletion is done.
bool already_gone(const ApiError& e) { return e.code().find("NotFound") != std::string::npos; }

enum class Outcome { deleted, waiting, failed };

// One resource: deleted, waiting (its instance is still shutting down), or refused with `reason`.
Outcome delete_resource(RouterState& state, const StackResource& r, std::string& reason) {
    if (r.physical_id.rfind("unsupported-", 0) == 0) return Outcome::deleted;
    if (r.type == "AWS::EC2::Instance") {
        const routing::Instance* inst = nullptr;
        for (const auto& i : state.model->instances()) inst = i.id == r.physical_id ? &i : inst;
        if (!inst || inst->state == routing::InstanceState::terminated) return Outcome::deleted;
        if (inst->state == routing::InstanceState::shutting_down) return Outcome::waiting;
        // As TerminateInstances: the namespace goes on the launcher thread, then the instance is terminated.
        std::string netns;
        std::vector<routing::PortId> ports;
        for (const auto& eni : inst->network_interface_ids) ports.push_back(state.model->network_interface(eni).port);
        if (const auto* ns = state.plan.find(inst->id)) netns = ns->netns;
        const std::string id = inst->id;
        try {
            state.commit([&](VpcModel& next) { return next.terminate_instance(id, ec2::utc_now("User initiated (%Y-%m-%d %H:%M:%S GMT)")); });
        } catch (const std::exception& e) {
            reason = e.what();
            return Outcome::failed;
        }
        if (state.runtime) state.runtime->release(id, netns, ports);
        return Outcome::waiting;
    }
    try {
        state.commit([&](VpcModel& next) {
            delete_in_model(next, r);
            return 0;
        });
        return Outcome::deleted;
    } catch (const ApiError& e) {
        if (already_gone(e)) return Outcome::deleted;
        reason = std::string(e.what()) + " (Service: " + (r.type.rfind("AWS::ElasticLoadBalancingV2", 0) == 0 ? "ElasticLoadBalancingV2" : "Ec2") +
                 ", Status Code: 400, Error Code: " + e.code() + ")";
        return Outcome::failed;
    } catch (const std::exception& e) {
        reason = e.what();
        return Outcome::failed;
    }
}

bool some_instance_shutting_down(const RouterState& state) {
    for (const auto& i : state.model->instances())
        if (i.state == routing::InstanceState::shutting_down) return true;
    return false;
}

void advance(RouterState& state, CloudFormationStack& s) {
    const std::string time = ec2::now_iso8601();
    // Passes newest first until one makes no progress: a refusal may be lifted by a later deletion (a
    // route removed before its table).
    bool progress = true, waiting = false;
    std::vector<std::pair<std::size_t, std::string>> refused;
    while (progress) {
        progress = false;
        waiting = false;
        refused.clear();
        for (std::size_t n = s.resources.size(); n-- > 0;) {
            StackResource& r = s.resources[n];
            if (r.status == "DELETE_COMPLETE" || r.status == "DELETE_SKIPPED") continue;
            if (r.status != "DELETE_IN_PROGRESS") {
                r.status = "DELETE_IN_PROGRESS";
                r.timestamp = time;
                record_resource_event(s, r, "DELETE_IN_PROGRESS", "", time);
            }
            std::string reason;
            switch (delete_resource(state, r, reason)) {
                case Outcome::deleted:
                    r.status = "DELETE_COMPLETE";
                    r.timestamp = time;
                    record_resource_event(s, r, "DELETE_COMPLETE", "", time);
                    progress = true;
                    break;
                case Outcome::waiting:
                    waiting = true;
                    break;
                case Outcome::failed:
                    refused.emplace_back(n, reason);
                    break;
            }
        }
    }
    if (refused.empty() && !waiting) {
        s.resources.erase(std::remove_if(s.resources.begin(), s.resources.end(), [](const StackResource& r) { return r.status == "DELETE_COMPLETE"; }),
                          s.resources.end());
        s.status = "DELETE_COMPLETE";
        s.status_reason.clear();
        s.deletion_time = time;
        record_stack_event(s, "DELETE_COMPLETE", "", time);
        return;
    }
    // What an instance's end may still free waits for it; otherwise the refusals stand.
    if (waiting || some_instance_shutting_down(state)) return;
    std::string names;
    for (const auto& [n, reason] : refused) {
        StackResource& r = s.resources[n];
        r.status = "DELETE_FAILED";
        r.timestamp = time;
        record_resource_event(s, r, "DELETE_FAILED", reason, time);
        names += (names.empty() ? "" : ", ") + r.logical_id;
    }
    s.status = "DELETE_FAILED";
    s.status_reason = "The following resource(s) failed to delete: [" + names + "]. ";
    record_stack_event(s, "DELETE_FAILED", s.status_reason, time);
}

}  // namespace

void advance_stack_deletions(RouterState& state) {
    for (auto& s : state.cloudformation_stacks)
        if (s.status == "DELETE_IN_PROGRESS") advance(state, s);
    cloudformation::forget_old_deleted_stacks(state);
}

}  // namespace vpclab::router
