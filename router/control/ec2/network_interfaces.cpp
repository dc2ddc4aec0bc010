// The network interface family of the EC2 API: create, attach (ethN inside the instance), detach, delete,
// describe, and the source/destination check (EC2 User Guide, "Elastic network interfaces").
#include "router/control/ec2/family.hpp"

#include "endpoints/dns_zone.hpp"

namespace vpclab::router::ec2 {

// Member order of the EC2 API's NetworkInterface shape (its tags are "TagSet").
json groups_json(const routing::VpcModel& m, const routing::NetworkInterface& e) {
    json groups = json::array();
    for (const auto& sg : e.security_group_ids) groups.push_back({{"GroupName", m.security_group(sg).group_name}, {"GroupId", sg}});
    return groups;
}

json eni_association_json(const routing::VpcModel& m, const routing::NetworkInterface& e, bool with_ids) {
    if (!e.public_ip) return nullptr;
    const routing::ElasticIp* elastic = nullptr;
    for (const auto& eip : m.elastic_ips())
        if (eip.network_interface_id == e.id && !eip.association_id.empty()) elastic = &eip;
    json j = json::object();
    if (elastic && with_ids) {
        j["AllocationId"] = elastic->allocation_id;
        j["AssociationId"] = elastic->association_id;
    }
    // EC2 User Guide, "Elastic IP addresses": an Elastic IP is the account's; an auto-assigned one, Amazon's.
    j["IpOwnerId"] = elastic ? owner_id : "amazon";
    j["PublicDnsName"] = m.vpc(e.vpc_id).enable_dns_hostnames ? endpoints::public_dns_name(*e.public_ip, m.region()) : "";
    j["PublicIp"] = routing::format_ipv4(*e.public_ip);
    return j;
}

json private_ip_addresses_json(const routing::VpcModel& m, const routing::NetworkInterface& e, bool with_ids) {
    json one = json::object();
    if (json association = eni_association_json(m, e, with_ids); !association.is_null()) one["Association"] = std::move(association);
    one["Primary"] = true;
    one["PrivateDnsName"] = endpoints::private_dns_name(e.private_ip, m.region());
    one["PrivateIpAddress"] = routing::format_ipv4(e.private_ip);
    return json::array({one});
}

json network_interface_json(const routing::VpcModel& m, const routing::NetworkInterface& e) {
    json j = json::object();
    if (json association = eni_association_json(m, e, true); !association.is_null()) j["Association"] = std::move(association);
    if (!e.instance_id.empty()) {
        j["Attachment"] = json::object();
        if (!e.attach_time.empty()) j["Attachment"]["AttachTime"] = e.attach_time;
        j["Attachment"].update(json{{"AttachmentId", e.attachment_id}, {"DeleteOnTermination", e.delete_on_termination}, {"DeviceIndex", e.device_index},
                                    {"NetworkCardIndex", 0}, {"InstanceId", e.instance_id}, {"InstanceOwnerId", owner_id}, {"Status", "attached"}});
    }
    j["AvailabilityZone"] = m.subnet(e.subnet_id).availability_zone;
    if (!(e.connection_tracking == routing::ConnectionTrackingTimeouts{}))
        j["ConnectionTrackingConfiguration"] = {{"TcpEstablishedTimeout", e.connection_tracking.tcp_established},
                                                {"UdpStreamTimeout", e.connection_tracking.udp_stream},
                                                {"UdpTimeout", e.connection_tracking.udp}};
    j["Description"] = e.description;
    j["Groups"] = groups_json(m, e);
    j["InterfaceType"] = e.interface_type;  // "vpc_endpoint" for an interface endpoint's
    j["Ipv6Addresses"] = json::array();
    j["MacAddress"] = e.mac.to_string();
    j["NetworkInterfaceId"] = e.id;
    j["OwnerId"] = owner_id;
    j["PrivateDnsName"] = endpoints::private_dns_name(e.private_ip, m.region());
    j["PrivateIpAddress"] = routing::format_ipv4(e.private_ip);
    j["PrivateIpAddresses"] = private_ip_addresses_json(m, e, true);
    // An endpoint's ENI is created and managed by AWS for the account (RequesterManaged) and always in use.
    // Elastic Load Balancing creates its nodes' ENIs as "amazon-elb" (ELB NLB guide, "Network Load Balancers").
    if (e.requester_managed()) j["RequesterId"] = e.interface_type == "network_load_balancer" ? "amazon-elb" : aws_requester_id;
    j["RequesterManaged"] = e.requester_managed();
    j["SourceDestCheck"] = e.source_dest_check;
    j["Status"] = e.instance_id.empty() && !e.requester_managed() ? "available" : "in-use";
    j["SubnetId"] = e.subnet_id;
    j["TagSet"] = tags_json(m, e);
    j["VpcId"] = e.vpc_id;
    return j;
}

namespace {

json describe_network_interfaces(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    return {{"NetworkInterfaces", describe(m.network_interfaces(), params, "NetworkInterfaceIds", "InvalidNetworkInterfaceID.NotFound",
                                           "networkInterface", [&](const auto& e) { return network_interface_json(m, e); })}};
}

json create_network_interface(const Request& params, RouterState& state) {
    const auto tags = tags_for(params, "network-interface");
    const auto address = ipv4_param(params, "PrivateIpAddress");
    return state.commit([&](routing::VpcModel& next) {
        const auto& e = next.create_network_interface("", string_param(params, "SubnetId"), address, list_param(params, "Groups"),
                                                      string_param(params, "Description"), tags);
        return json{{"NetworkInterface", network_interface_json(next, e)}};
    });
}

json attach_network_interface(const Request& params, RouterState& state) {
    const std::string eni_id = string_param(params, "NetworkInterfaceId"), instance_id = string_param(params, "InstanceId");
    const std::string index = string_param(params, "DeviceIndex");
    if (index.empty() || index.size() > 2 || !std::all_of(index.begin(), index.end(), ::isdigit))
        throw ApiError("InvalidParameterValue", "--device-index must be a number from 1 to 15 (got '" + index + "')", "DeviceIndex");
    const std::string attachment = state.commit([&](routing::VpcModel& next) {
        return next.attach_network_interface(eni_id, instance_id, std::stoi(index), now_iso8601());
    });
    // The ENI forwards once its TAP is in the namespace (the loop installs it when the launcher is done).
    if (state.runtime)
        if (const auto* ns = state.plan.find(instance_id))
            state.runtime->attach(instance_id, attachment, ns->netns, interface_setup(*state.model, state.model->network_interface(eni_id)));
    return {{"AttachmentId", attachment}, {"NetworkCardIndex", 0}};
}

json detach_network_interface(const Request& params, RouterState& state) {
    routing::PortId port = 0;
    state.commit([&](routing::VpcModel& next) {
        const std::string attachment = string_param(params, "AttachmentId");
        for (const auto& e : next.network_interfaces())
            if (e.attachment_id == attachment && !attachment.empty()) port = e.port;
        next.detach_network_interface(attachment);
        return 0;
    });
    if (state.runtime) state.runtime->release("", "", {port});
    return json::object();
}

json delete_network_interface(const Request& params, RouterState& state) {
    return state.commit([&](routing::VpcModel& next) {
        next.delete_network_interface(string_param(params, "NetworkInterfaceId"));
        return json::object();
    });
}

// ModifyNetworkInterfaceAttribute: one attribute per call, as EC2 takes it: the source/destination check,
// the security groups (--groups), or the connection tracking timeouts.
json modify_network_interface_attribute(const Request& params, RouterState& state) {
    const std::string id = string_param(params, "NetworkInterfaceId");
    const auto check = params.find("SourceDestCheck");
    const bool groups = params.contains("Groups");
    const Request* tracking = structures_param(params, "ConnectionTrackingSpecification");
    const int given = (check != params.end()) + groups + (tracking != nullptr);
    if (given == 0)
        throw ApiError("MissingParameter", "Specify one attribute: --source-dest-check / --no-source-dest-check, --groups or --connection-tracking-specification", "Attribute");
    if (given > 1) throw ApiError("InvalidParameterCombination", "Fields for multiple attribute types specified: change one attribute per call", "Attribute");
    const auto group_ids = list_param(params, "Groups");
    std::optional<int> tcp, udp_stream, udp;
    if (tracking) {
        const Request& t = single_structure(*tracking);
        for (const auto& [k, v] : t.items())
            if (k != "TcpEstablishedTimeout" && k != "UdpStreamTimeout" && k != "UdpTimeout")
                throw ApiError("InvalidParameterValue", "--connection-tracking-specification: unknown member " + k +
                                                            " (TcpEstablishedTimeout, UdpStreamTimeout, UdpTimeout)", "ConnectionTrackingSpecification");
        tcp = int_param(t, "TcpEstablishedTimeout");
        udp_stream = int_param(t, "UdpStreamTimeout");
        udp = int_param(t, "UdpTimeout");
    }
    return state.commit([&](routing::VpcModel& next) {
        if (check != params.end()) next.modify_source_dest_check(id, (*check)["Value"].get<bool>());
        if (groups) next.modify_network_interface_groups(id, group_ids);
        if (tracking) next.modify_connection_tracking(id, tcp, udp_stream, udp);
        return json::object();
    });
}

}  // namespace
}  // namespace vpclab::router::ec2

namespace vpclab::router {

std::vector<ActionSpec> network_interface_actions() {
    using namespace ec2;
    return {
        {"describe-network-interfaces", "DescribeNetworkInterfaces", "list network interfaces (instances' included)",
         {{"--network-interface-ids", "NetworkInterfaceIds", K::list, false}, {"--filters", "Filters", K::filters, false}},
         describe_network_interfaces,
         {"network-interface-id", "subnet-id", "vpc-id", "availability-zone", "private-ip-address", "mac-address", "status",
          "description", "interface-type", "requester-managed", "source-dest-check", "owner-id", "attachment.attachment-id",
          "attachment.instance-id", "attachment.device-index", "attachment.status", "association.public-ip", "group-id", "tag-key"}},
        {"create-network-interface", "CreateNetworkInterface", "create a network interface in a subnet",
         {{"--subnet-id", "SubnetId", K::string, true},
          {"--private-ip-address", "PrivateIpAddress", K::string, false},
          {"--groups", "Groups", K::list, false},
          {"--description", "Description", K::string, false},
          {"--tag-specifications", "TagSpecifications", K::structures, false}},
         create_network_interface},
        {"attach-network-interface", "AttachNetworkInterface", "attach a network interface to an instance (device index 1 is eth1)",
         {{"--network-interface-id", "NetworkInterfaceId", K::string, true},
          {"--instance-id", "InstanceId", K::string, true},
          {"--device-index", "DeviceIndex", K::string, true}},
         attach_network_interface},
        {"detach-network-interface", "DetachNetworkInterface", "detach a network interface (not the primary one)",
         {{"--attachment-id", "AttachmentId", K::string, true}, {"--force", "Force", K::flag, false}}, detach_network_interface},
        {"delete-network-interface", "DeleteNetworkInterface", "delete a detached network interface",
         {{"--network-interface-id", "NetworkInterfaceId", K::string, true}}, delete_network_interface},
        {"modify-network-interface-attribute", "ModifyNetworkInterfaceAttribute",
         "change the source/destination check (off: it may forward others' traffic), its security groups, or its connection tracking timeouts",
         {{"--network-interface-id", "NetworkInterfaceId", K::string, true},
          {"--source-dest-check", "SourceDestCheck", K::attribute_boolean, false},
          {"--groups", "Groups", K::list, false},
          {"--connection-tracking-specification", "ConnectionTrackingSpecification", K::structures, false,
           "newer than botocore 1.29's model"}},
         modify_network_interface_attribute},
    };
}

}  // namespace vpclab::router
