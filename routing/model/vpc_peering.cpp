// VPC peering connections in the model: request, accept, reject, delete, options, and how long each stays listed.
#include "routing/vpc_model.hpp"

#include <algorithm>

#include "routing/model/model_rules.hpp"

namespace vpclab::routing {

// VPC Peering Guide, "VPC peering connection lifecycle": the states that end a connection.
bool VpcPeeringConnection::ended() const { return status == "failed" || status == "rejected" || status == "deleted" || status == "expired"; }

VpcPeeringConnection VpcPeeringConnection::seen_at(std::int64_t now) const {
    VpcPeeringConnection p = *this;
    if (status == "pending-acceptance" && now - created_at > request_seconds) {
        // "If no action is taken on the request, it expires after 7 days."
        p.status = "expired";
        p.message = "Expired";
        p.gone_at = created_at + request_seconds;
    }
    return p;
}

bool VpcPeeringConnection::listed_at(std::int64_t now) const {
    const VpcPeeringConnection p = seen_at(now);
    return !p.ended() || now - p.gone_at <= listed_seconds;
}

namespace {
[[noreturn]] void wrong_state(const VpcPeeringConnection& p, const char* action) {
    throw ApiError("InvalidStateTransition", "Cannot " + std::string(action) + " VPC peering connection " + p.id + ": it is " + p.status,
                   "VpcPeeringConnectionId");
}
}  // namespace

const VpcPeeringConnection& VpcModel::vpc_peering_connection(const std::string& id) const {
    if (const VpcPeeringConnection* p = find_by_id(vpc_peering_connections_, id)) return *p;
    throw ApiError("InvalidVpcPeeringConnectionID.NotFound", "The vpcPeeringConnection ID '" + id + "' does not exist", "VpcPeeringConnectionId");
}

const VpcPeeringConnection* VpcModel::active_peering(const std::string& vpc_a, const std::string& vpc_b) const {
    for (const auto& p : vpc_peering_connections_)
        if (p.active() && p.peer_of(vpc_a) == vpc_b) return &p;
    return nullptr;
}

void VpcModel::forget_old_vpc_peering_connections(std::int64_t now) {
    for (auto& p : vpc_peering_connections_) p = p.seen_at(now);
    std::erase_if(vpc_peering_connections_, [&](const VpcPeeringConnection& p) { return !p.listed_at(now); });
}

VpcPeeringConnection& VpcModel::create_vpc_peering_connection(const std::string& logical_id, const std::string& vpc_id, const std::string& peer_vpc_id,
                                                              std::vector<Tag> tags, std::int64_t now) {
    const Vpc& requester = vpc(vpc_id);
    if (peer_vpc_id.empty()) throw ApiError("MissingParameter", "The request must contain the parameter PeerVpcId", "PeerVpcId");
    const Vpc* accepter = find_by_id(vpcs_, peer_vpc_id);
    if (!accepter) throw ApiError("InvalidVpcID.NotFound", "The vpc ID '" + peer_vpc_id + "' does not exist", "PeerVpcId");
    if (accepter->id == requester.id)
        throw ApiError("InvalidParameterValue", "A VPC cannot be peered with itself (" + vpc_id + ")", "PeerVpcId");
    forget_old_vpc_peering_connections(now);
    for (const auto& p : vpc_peering_connections_)
        if (!p.ended() && p.peer_of(requester.id) == accepter->id)
            throw ApiError("VpcPeeringConnectionAlreadyExists", "A VPC peering connection between " + requester.id + " and " + accepter->id +
                                                                    " already exists: " + p.id + " (" + p.status + ")", "PeerVpcId");
    VpcPeeringConnection p;
    p.logical_id = logical_id;
    p.cloudformation_stack_id = logical_id.empty() ? std::string() : creating_stack_id_;
    p.id = new_id("pcx", logical_id);
    p.tags = std::move(tags);
    p.requester_vpc_id = requester.id;
    p.accepter_vpc_id = accepter->id;
    p.requester_cidr = requester.cidr;
    p.accepter_cidr = accepter->cidr;
    p.created_at = now;
    // VPC Peering Guide, "VPC peering limitations": no peering between VPCs with matching or overlapping
    // IPv4 CIDR blocks; the request fails (and stays listed for two hours).
    if (requester.cidr.contains(accepter->cidr.network) || accepter->cidr.contains(requester.cidr.network)) {
        p.status = "failed";
        p.message = "Failed due to incorrect VPC-ID, Account ID, or overlapping CIDR range";
        p.gone_at = now;
    } else {
        p.status = "pending-acceptance";
        p.message = "Pending Acceptance by " + std::string(account_id);
    }
    vpc_peering_connections_.push_back(std::move(p));
    return vpc_peering_connections_.back();
}

VpcPeeringConnection& VpcModel::accept_vpc_peering_connection(const std::string& id, std::int64_t now) {
    forget_old_vpc_peering_connections(now);
    const VpcPeeringConnection& found = vpc_peering_connection(id);
    if (found.status != "pending-acceptance") wrong_state(found, "accept");
    auto& p = *std::find_if(vpc_peering_connections_.begin(), vpc_peering_connections_.end(), [&](const auto& x) { return x.id == id; });
    p.status = "active";
    p.message = "Active";
    return p;
}

void VpcModel::reject_vpc_peering_connection(const std::string& id, std::int64_t now) {
    forget_old_vpc_peering_connections(now);
    const VpcPeeringConnection& found = vpc_peering_connection(id);
    // "An active VPC peering connection … can be deleted, but cannot be rejected."
    if (found.status != "pending-acceptance") wrong_state(found, "reject");
    auto& p = *std::find_if(vpc_peering_connections_.begin(), vpc_peering_connections_.end(), [&](const auto& x) { return x.id == id; });
    p.status = "rejected";
    p.message = "Rejected by " + std::string(account_id);
    p.gone_at = now;
}

void VpcModel::delete_vpc_peering_connection(const std::string& id, std::int64_t now) {
    forget_old_vpc_peering_connections(now);
    const VpcPeeringConnection& found = vpc_peering_connection(id);
    // "A failed VPC peering connection … cannot be accepted, rejected, or deleted."
    if (found.ended()) wrong_state(found, "delete");
    auto& p = *std::find_if(vpc_peering_connections_.begin(), vpc_peering_connections_.end(), [&](const auto& x) { return x.id == id; });
    p.status = "deleted";
    p.message = "Deleted by " + std::string(account_id);
    p.gone_at = now;
}

void VpcModel::modify_vpc_peering_options(const std::string& id, std::optional<bool> requester_dns, std::optional<bool> accepter_dns) {
    const VpcPeeringConnection& found = vpc_peering_connection(id);
    if (!found.active())
        throw ApiError("OperationNotPermitted", "VPC peering connection " + id + " is " + found.status + ": its options can be changed only while it is active",
                       "VpcPeeringConnectionId");
    auto& p = *std::find_if(vpc_peering_connections_.begin(), vpc_peering_connections_.end(), [&](const auto& x) { return x.id == id; });
    if (requester_dns) p.requester_dns = *requester_dns;
    if (accepter_dns) p.accepter_dns = *accepter_dns;
}

}  // namespace vpclab::routing
