// AWS::EC2::VPCEndpoint (gateway and interface endpoints) and AWS::EC2::PrefixList (customer-managed prefix lists).
#include "router/template/resource_handlers.hpp"

#include <nlohmann/json.hpp>

#include "router/control/ec2/family.hpp"

namespace vpclab::cfn {

namespace {

// A template's PolicyDocument is a YAML/JSON map (or JSON text): as JSON, every scalar a string, which is
// what IAM policy grammar takes ("Version": "2012-10-17").
nlohmann::ordered_json to_json(const Node& n) {
    switch (n.kind) {
        case Node::Kind::null: return nullptr;
        case Node::Kind::scalar: return n.scalar;
        case Node::Kind::list: {
            auto out = nlohmann::ordered_json::array();
            for (const auto& item : n.items) out.push_back(to_json(item));
            return out;
        }
        case Node::Kind::map: {
            auto out = nlohmann::ordered_json::object();
            for (const auto& [k, v] : n.entries) out[k] = to_json(v);
            return out;
        }
    }
    return nullptr;
}

void create_vpc_endpoint(ResourceContext& c) {
    auto& props = c.props;
    // CloudFormation's default VpcEndpointType is Gateway (AWS::EC2::VPCEndpoint, "VpcEndpointType").
    const std::string type = props.string("VpcEndpointType", false);
    if (!type.empty() && type != "Gateway" && type != "Interface") {
        for (const auto& key : props.unused_keys()) props.get(key);  // one warning for the resource, not one per property
        return c.leave_out(props.line_of("VpcEndpointType"), "VpcEndpointType " + type + " is not supported (Gateway and Interface endpoints are); the endpoint was not created");
    }
    std::string policy;
    if (const Node* p = props.get("PolicyDocument"); p && !p->is_null()) {
        policy = p->is_scalar() ? p->scalar : to_json(*p).dump();  // checked by the model (MalformedPolicyDocument)
    }
    if (type == "Interface") {
        if (const Node* n = props.get("RouteTableIds"); n && !n->is_null())
            props.fail("RouteTableIds", "applies to Gateway endpoints only; an Interface endpoint takes SubnetIds");
        // CloudFormation's PrivateDnsEnabled defaults to false (AWS::EC2::VPCEndpoint), unlike the API's.
        const auto& e = c.model.create_interface_endpoint(c.resource.logical_id, props.string("VpcId", true), props.string("ServiceName", true),
                                                          props.strings("SubnetIds"), props.strings("SecurityGroupIds"),
                                                          props.boolean("PrivateDnsEnabled").value_or(false), policy, props.tags(),
                                                          router::ec2::now_iso8601());
        c.set_ref(e.id);
        c.set_att("Id", e.id);
        c.set_att("CreationTimestamp", e.creation_timestamp);
        // Fn::GetAtt DnsEntries: a list of "hosted-zone-id:name", the regional name first (AWS::EC2::VPCEndpoint).
        Node entries;
        entries.kind = Node::Kind::list;
        for (const auto& d : router::ec2::endpoint_dns_entries(c.model, e))
            entries.items.push_back(Node::make_scalar(d["HostedZoneId"].get<std::string>() + ":" + d["DnsName"].get<std::string>(), c.resource.line));
        c.resource.attributes["DnsEntries"] = entries;
        Node interfaces;
        interfaces.kind = Node::Kind::list;
        for (const auto& id : e.network_interface_ids) interfaces.items.push_back(Node::make_scalar(id, c.resource.line));
        c.resource.attributes["NetworkInterfaceIds"] = interfaces;
        return;
    }
    for (const char* interface_only : {"SubnetIds", "SecurityGroupIds", "PrivateDnsEnabled"})
        if (const Node* n = props.get(interface_only); n && !n->is_null())
            props.fail(interface_only, "applies to Interface endpoints only; a Gateway endpoint takes RouteTableIds");
    const auto& e = c.model.create_gateway_endpoint(c.resource.logical_id, props.string("VpcId", true), props.string("ServiceName", true),
                                                    props.strings("RouteTableIds"), policy, props.tags(), router::ec2::now_iso8601());
    c.set_ref(e.id);
    c.set_att("Id", e.id);
    c.set_att("CreationTimestamp", e.creation_timestamp);
}

void create_prefix_list(ResourceContext& c) {
    auto& props = c.props;
    const std::string family = props.string("AddressFamily", true);
    if (family != "IPv4") props.fail("AddressFamily", "only IPv4 prefix lists are supported (the lab has no IPv6), got '" + family + "'");
    std::vector<routing::PrefixListEntry> entries;
    if (const Node* list = props.get("Entries"); list && !list->is_null()) {
        if (!list->is_list()) props.fail("Entries", "expected a list of {Cidr, Description}");
        for (const auto& item : list->items) {
            const Node* cidr = item.is_map() ? item.find("Cidr") : nullptr;
            if (!cidr) props.fail("Entries", "each entry needs Cidr");
            std::string why;
            const auto parsed = routing::Cidr::parse(props.string_of(*cidr, "Entries"), &why);
            if (!parsed) props.fail("Entries", why);
            const Node* description = item.find("Description");
            entries.push_back({*parsed, description ? props.string_of(*description, "Entries") : ""});
        }
    }
    const Node* max = props.get("MaxEntries");
    if (!max) props.fail("MaxEntries", "is required");
    const auto& l = c.model.create_managed_prefix_list(c.resource.logical_id, props.string("PrefixListName", true),
                                                       props.integer_of(*max, "MaxEntries"), std::move(entries), props.tags());
    c.set_ref(l.id);
    c.set_att("PrefixListId", l.id);
    c.set_att("OwnerId", router::ec2::owner_id);
    c.set_att("Version", std::to_string(l.version));
    c.set_att("Arn", "arn:aws:ec2:" + c.model.region() + ":" + router::ec2::owner_id + ":prefix-list/" + l.id);
}

}  // namespace

std::vector<ResourceType> vpc_endpoint_resource_types() {
    return {{"AWS::EC2::VPCEndpoint", create_vpc_endpoint}, {"AWS::EC2::PrefixList", create_prefix_list}};
}

}  // namespace vpclab::cfn
