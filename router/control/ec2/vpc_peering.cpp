// The VPC peering family of the EC2 API: request, accept, reject, delete, describe, options; and the security
// group calls peering brings: which peer groups reference a group, which rules went stale with a peering.
#include "router/control/ec2/family.hpp"

namespace vpclab::router::ec2 {

namespace {

// VpcPeeringConnectionVpcInfo; its PeeringOptions once the connection is active.
json vpc_info(const routing::VpcPeeringConnection& p, bool requester) {
    const routing::Cidr& cidr = requester ? p.requester_cidr : p.accepter_cidr;
    json j{{"CidrBlock", cidr.to_string()}, {"CidrBlockSet", json::array({{{"CidrBlock", cidr.to_string()}}})}, {"OwnerId", owner_id}};
    if (p.active())
        j["PeeringOptions"] = {{"AllowDnsResolutionFromRemoteVpc", requester ? p.requester_dns : p.accepter_dns},
                               {"AllowEgressFromLocalClassicLinkToRemoteVpc", false},
                               {"AllowEgressFromLocalVpcToRemoteClassicLink", false}};
    j["VpcId"] = requester ? p.requester_vpc_id : p.accepter_vpc_id;
    return j;
}

}  // namespace

// Member order of the EC2 API's VpcPeeringConnection shape.
json vpc_peering_json(const routing::VpcModel& m, const routing::VpcPeeringConnection& p) {
    json j{{"AccepterVpcInfo", vpc_info(p, false)}};
    j["AccepterVpcInfo"]["Region"] = m.region();
    // "If no action is taken on the request, it expires after 7 days."
    if (p.status == "pending-acceptance") j["ExpirationTime"] = utc_time(p.created_at + routing::VpcModel::peering_request_seconds, "%Y-%m-%dT%H:%M:%S.000Z");
    j["RequesterVpcInfo"] = vpc_info(p, true);
    j["RequesterVpcInfo"]["Region"] = m.region();
    j["Status"] = {{"Code", p.status}, {"Message", p.message}};
    j["Tags"] = tags_json(m, p);
    j["VpcPeeringConnectionId"] = p.id;
    return j;
}

namespace {

json create_vpc_peering_connection(const Request& params, RouterState& state) {
    // One lab is one account in one region (VPC Peering Guide: same-account, intra-Region peering).
    if (const std::string owner = string_param(params, "PeerOwnerId"); !owner.empty() && owner != owner_id)
        throw ApiError("InvalidParameterValue", "PeerOwnerId " + owner + " is not this lab's account (" + owner_id + "): a lab is one account", "PeerOwnerId");
    if (const std::string region = string_param(params, "PeerRegion"); !region.empty() && region != state.model->region())
        throw ApiError("InvalidParameterValue", "PeerRegion " + region + " is not this lab's region (" + state.model->region() + "): a lab is one region", "PeerRegion");
    const auto tags = tags_for(params, "vpc-peering-connection");
    return state.commit([&](routing::VpcModel& next) {
        const auto& p = next.create_vpc_peering_connection("", string_param(params, "VpcId"), string_param(params, "PeerVpcId"), tags, now_seconds());
        json j = vpc_peering_json(next, p);
        // AWS answers the request as it starts: "initiating-request" (a failed one says so at once).
        if (p.status == "pending-acceptance") j["Status"] = {{"Code", "initiating-request"}, {"Message", std::string("Initiating Request to ") + owner_id}};
        return json{{"VpcPeeringConnection", j}};
    });
}

json accept_vpc_peering_connection(const Request& params, RouterState& state) {
    return state.commit([&](routing::VpcModel& next) {
        return json{{"VpcPeeringConnection", vpc_peering_json(next, next.accept_vpc_peering_connection(string_param(params, "VpcPeeringConnectionId"), now_seconds()))}};
    });
}

json reject_vpc_peering_connection(const Request& params, RouterState& state) {
    return state.commit([&](routing::VpcModel& next) {
        next.reject_vpc_peering_connection(string_param(params, "VpcPeeringConnectionId"), now_seconds());
        return json{{"Return", true}};
    });
}

json delete_vpc_peering_connection(const Request& params, RouterState& state) {
    return state.commit([&](routing::VpcModel& next) {
        next.delete_vpc_peering_connection(string_param(params, "VpcPeeringConnectionId"), now_seconds());
        return json{{"Return", true}};
    });
}

json describe_vpc_peering_connections(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    const std::int64_t now = now_seconds();
    std::vector<routing::VpcPeeringConnection> listed;  // as they stand now; ended ones for two hours
    for (const auto& p : m.vpc_peering_connections())
        if (p.listed_at(now)) listed.push_back(p.seen_at(now));
    return {{"VpcPeeringConnections", describe(listed, params, "VpcPeeringConnectionIds", "InvalidVpcPeeringConnectionID.NotFound",
                                               "vpcPeeringConnection", [&](const auto& p) { return vpc_peering_json(m, p); })}};
}

json modify_vpc_peering_connection_options(const Request& params, RouterState& state) {
    auto dns_of = [&](const char* side) -> std::optional<bool> {
        const auto it = params.find(side);
        if (it == params.end()) return std::nullopt;
        const Request& options = single_structure(*it);
        for (const char* classic : {"AllowEgressFromLocalClassicLinkToRemoteVpc", "AllowEgressFromLocalVpcToRemoteClassicLink"})
            if (options.contains(classic) && bool_param(options, classic).value_or(false))
                throw ApiError("InvalidParameterValue", std::string(classic) + ": EC2-Classic is gone (ClassicLink retired in 2022)", side);
        return bool_param(options, "AllowDnsResolutionFromRemoteVpc", side);
    };
    const auto requester = dns_of("RequesterPeeringConnectionOptions"), accepter = dns_of("AccepterPeeringConnectionOptions");
    const std::string id = string_param(params, "VpcPeeringConnectionId");
    return state.commit([&](routing::VpcModel& next) {
        next.modify_vpc_peering_options(id, requester, accepter);
        const auto& p = next.vpc_peering_connection(id);
        json out = json::object();
        if (accepter) out["AccepterPeeringConnectionOptions"] = {{"AllowDnsResolutionFromRemoteVpc", p.accepter_dns}};
        if (requester) out["RequesterPeeringConnectionOptions"] = {{"AllowDnsResolutionFromRemoteVpc", p.requester_dns}};
        return out;
    });
}

// DescribeSecurityGroupReferences: the groups of peered VPCs whose rules name one of these groups.
json describe_security_group_references(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    json out = json::array();
    for (const auto& id : list_param(params, "GroupId")) {
        const routing::SecurityGroup& g = m.security_group(id);
        for (const auto& other : m.security_groups()) {
            if (other.vpc_id == g.vpc_id) continue;
            bool refers = false;
            for (const auto* rules : {&other.ingress, &other.egress})
                for (const auto& r : *rules) refers = refers || r.source_group_id == g.id;
            const routing::VpcPeeringConnection* p = refers ? m.active_peering(g.vpc_id, other.vpc_id) : nullptr;
            if (p) out.push_back({{"GroupId", g.id}, {"ReferencingVpcId", other.vpc_id}, {"VpcPeeringConnectionId", p->id}});
        }
    }
    return {{"SecurityGroupReferenceSet", out}};
}

// DescribeStaleSecurityGroups: the VPC's groups with rules naming a group of another VPC that no active
// peering connects any more (VPC Peering Guide, "Identify your referenced security groups").
json describe_stale_security_groups(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    const routing::Vpc& vpc = m.vpc(string_param(params, "VpcId"));
    auto stale = [&](const routing::SecurityGroupRule& r) -> json {
        const routing::SecurityGroup* peer = r.source_group_id.empty() ? nullptr : m.find_security_group(r.source_group_id);
        const std::string peer_vpc = peer ? peer->vpc_id : std::string();
        if (peer && (peer_vpc == vpc.id || m.active_peering(vpc.id, peer_vpc))) return nullptr;
        if (!peer && r.source_group_id.empty()) return nullptr;
        std::string connection;  // the last connection between the two VPCs, now ended
        for (const auto& p : m.vpc_peering_connections())
            if (!peer_vpc.empty() && p.peer_of(vpc.id) == peer_vpc) connection = p.id;
        json pair{{"GroupId", r.source_group_id}, {"PeeringStatus", "deleted"}, {"UserId", owner_id}};
        if (!peer_vpc.empty()) pair["VpcId"] = peer_vpc;
        if (!connection.empty()) pair["VpcPeeringConnectionId"] = connection;
        json j{{"IpProtocol", r.ip_protocol}, {"IpRanges", json::array()}, {"PrefixListIds", json::array()}, {"UserIdGroupPairs", json::array({pair})}};
        if (r.ip_protocol != "-1") {
            j["FromPort"] = r.from_port;
            j["ToPort"] = r.to_port;
        }
        return j;
    };
    json out = json::array();
    for (const auto& g : m.security_groups()) {
        if (g.vpc_id != vpc.id) continue;
        json in = json::array(), eg = json::array();
        for (const auto& r : g.ingress)
            if (json j = stale(r); !j.is_null()) in.push_back(std::move(j));
        for (const auto& r : g.egress)
            if (json j = stale(r); !j.is_null()) eg.push_back(std::move(j));
        if (in.empty() && eg.empty()) continue;
        out.push_back({{"Description", g.description}, {"GroupId", g.id}, {"GroupName", g.group_name}, {"StaleIpPermissions", in},
                       {"StaleIpPermissionsEgress", eg}, {"VpcId", g.vpc_id}});
    }
    return {{"StaleSecurityGroupSet", out}};
}

const std::vector<ParamSpec> connection_id = {{"--vpc-peering-connection-id", "VpcPeeringConnectionId", K::string, true}};

}  // namespace
}  // namespace vpclab::router::ec2

namespace vpclab::router {

std::vector<ActionSpec> vpc_peering_actions() {
    using namespace ec2;
    return {
        {"create-vpc-peering-connection", "CreateVpcPeeringConnection", "request a peering connection between two VPCs of the lab",
         {{"--vpc-id", "VpcId", K::string, true},
          {"--peer-vpc-id", "PeerVpcId", K::string, true},
          {"--peer-owner-id", "PeerOwnerId", K::string, false},
          {"--peer-region", "PeerRegion", K::string, false},
          {"--tag-specifications", "TagSpecifications", K::structures, false}},
         create_vpc_peering_connection},
        {"accept-vpc-peering-connection", "AcceptVpcPeeringConnection", "accept a peering request (it becomes active)", connection_id,
         accept_vpc_peering_connection},
        {"reject-vpc-peering-connection", "RejectVpcPeeringConnection", "reject a peering request", connection_id, reject_vpc_peering_connection},
        {"delete-vpc-peering-connection", "DeleteVpcPeeringConnection", "delete a peering connection (its routes become blackholes)", connection_id,
         delete_vpc_peering_connection},
        {"describe-vpc-peering-connections", "DescribeVpcPeeringConnections", "list peering connections (ended ones for two hours)",
         {{"--vpc-peering-connection-ids", "VpcPeeringConnectionIds", K::list, false}, {"--filters", "Filters", K::filters, false}},
         describe_vpc_peering_connections,
         {"vpc-peering-connection-id", "status-code", "status-message", "requester-vpc-info.vpc-id", "requester-vpc-info.cidr-block",
          "requester-vpc-info.owner-id", "accepter-vpc-info.vpc-id", "accepter-vpc-info.cidr-block", "accepter-vpc-info.owner-id", "tag-key"}},
        {"modify-vpc-peering-connection-options", "ModifyVpcPeeringConnectionOptions",
         "let either side's VPC resolve the other's public DNS hostnames to private addresses",
         {{"--vpc-peering-connection-id", "VpcPeeringConnectionId", K::string, true},
          {"--requester-peering-connection-options", "RequesterPeeringConnectionOptions", K::structures, false},
          {"--accepter-peering-connection-options", "AccepterPeeringConnectionOptions", K::structures, false}},
         modify_vpc_peering_connection_options},
        {"describe-security-group-references", "DescribeSecurityGroupReferences", "the groups of peered VPCs whose rules reference these groups",
         {{"--group-id", "GroupId", K::list, true}}, describe_security_group_references},
        {"describe-stale-security-groups", "DescribeStaleSecurityGroups", "a VPC's rules that reference a group across a peering connection now gone",
         {{"--vpc-id", "VpcId", K::string, true}}, describe_stale_security_groups},
    };
}

}  // namespace vpclab::router
