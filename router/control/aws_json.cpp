// JSON shapes of EC2 resources, following the EC2 API reference (DescribeVpcs, DescribeSubnets, …).
#include "router/control/aws_json.hpp"

#include "endpoints/dns_zone.hpp"

namespace vpclab::router {

// Response shapes keep their members in the order of the EC2 API's shapes, as the aws CLI prints them.
using json = nlohmann::ordered_json;
using routing::format_ipv4;

namespace {
constexpr const char* owner_id = "123456789012";

// A resource's tags; CloudFormation adds aws:cloudformation:stack-name, stack-id and logical-id to every
// resource it creates (CloudFormation User Guide, "Resource tag"), and so does vpclab for what a template made.
json tags_json(const routing::VpcModel& m, const routing::ResourceBase& r) {
    json out = json::array();
    for (const auto& t : r.tags) out.push_back({{"Key", t.key}, {"Value", t.value}});
    if (!r.logical_id.empty()) {
        out.push_back({{"Key", "aws:cloudformation:stack-name"}, {"Value", m.stack_name()}});
        out.push_back({{"Key", "aws:cloudformation:stack-id"}, {"Value", m.stack_id()}});
        out.push_back({{"Key", "aws:cloudformation:logical-id"}, {"Value", r.logical_id}});
    }
    return out;
}

json rule_json(const routing::SecurityGroupRule& r) {
    json j = {{"IpProtocol", r.ip_protocol}, {"IpRanges", json::array()}, {"UserIdGroupPairs", json::array()},
              {"PrefixListIds", json::array()}, {"Ipv6Ranges", json::array()}};
    if (r.ip_protocol != "-1") {
        j["FromPort"] = r.from_port;
        j["ToPort"] = r.to_port;
    }
    if (r.cidr) {
        json range = {{"CidrIp", r.cidr->to_string()}};
        if (!r.description.empty()) range["Description"] = r.description;
        j["IpRanges"].push_back(range);
    }
    if (!r.source_group_id.empty()) j["UserIdGroupPairs"].push_back({{"GroupId", r.source_group_id}, {"UserId", owner_id}});
    return j;
}
}  // namespace

json vpc_json(const routing::VpcModel& m, const routing::Vpc& v) {
    return {{"CidrBlock", v.cidr.to_string()},
            {"DhcpOptionsId", "default"},
            {"State", "available"},
            {"VpcId", v.id},
            {"OwnerId", owner_id},
            {"InstanceTenancy", "default"},
            {"CidrBlockAssociationSet", json::array({{{"AssociationId", m.ids().make("vpc-cidr-assoc", v.id)},
                                                       {"CidrBlock", v.cidr.to_string()},
                                                       {"CidrBlockState", {{"State", "associated"}}}}})},
            {"IsDefault", false},
            {"Tags", tags_json(m, v)}};
}

json subnet_json(const routing::VpcModel& m, const routing::Subnet& s) {
    std::size_t used = 0;
    for (const auto& e : m.network_interfaces()) used += e.subnet_id == s.id;
    return {{"AvailabilityZone", s.availability_zone},
            {"AvailableIpAddressCount", s.cidr.size() - 5 - used},
            {"CidrBlock", s.cidr.to_string()},
            {"DefaultForAz", false},
            {"MapPublicIpOnLaunch", s.map_public_ip_on_launch},
            {"State", "available"},
            {"SubnetId", s.id},
            {"VpcId", s.vpc_id},
            {"OwnerId", owner_id},
            {"SubnetArn", "arn:aws:ec2:" + m.region() + ":" + owner_id + ":subnet/" + s.id},
            {"Tags", tags_json(m, s)}};
}

json route_table_json(const routing::VpcModel& m, const routing::RouteTable& t) {
    json routes = json::array();
    for (const auto& r : t.routes) {
        json j = {{"DestinationCidrBlock", r.destination.to_string()}, {"Origin", r.origin},
                  {"State", m.route_is_blackhole(t, r) ? "blackhole" : "active"}};
        switch (r.target_kind) {
            case routing::RouteTargetKind::local: j["GatewayId"] = "local"; break;
            case routing::RouteTargetKind::internet_gateway: j["GatewayId"] = r.target_id; break;
            case routing::RouteTargetKind::network_interface:
                j["NetworkInterfaceId"] = r.target_id;
                if (!r.instance_id.empty()) {
                    j["InstanceId"] = r.instance_id;
                    j["InstanceOwnerId"] = owner_id;
                }
                break;
        }
        routes.push_back(j);
    }
    json associations = json::array();
    if (t.main)
        associations.push_back({{"Main", true}, {"RouteTableAssociationId", m.ids().make("rtbassoc", t.id + "/main")},
                                {"RouteTableId", t.id}, {"AssociationState", {{"State", "associated"}}}});
    for (const auto& sid : t.associated_subnet_ids)
        associations.push_back({{"Main", false}, {"RouteTableAssociationId", m.ids().make("rtbassoc", t.id + "/" + sid)},
                                {"RouteTableId", t.id}, {"SubnetId", sid}, {"AssociationState", {{"State", "associated"}}}});
    return {{"Associations", associations}, {"PropagatingVgws", json::array()}, {"RouteTableId", t.id},
            {"Routes", routes}, {"Tags", tags_json(m, t)}, {"VpcId", t.vpc_id}, {"OwnerId", owner_id}};
}

json security_group_json(const routing::VpcModel& m, const routing::SecurityGroup& g) {
    json in = json::array(), out = json::array();
    for (const auto& r : g.ingress) in.push_back(rule_json(r));
    for (const auto& r : g.egress) out.push_back(rule_json(r));
    return {{"Description", g.description}, {"GroupName", g.group_name}, {"IpPermissions", in}, {"OwnerId", owner_id},
            {"GroupId", g.id}, {"IpPermissionsEgress", out}, {"VpcId", g.vpc_id}, {"Tags", tags_json(m, g)}};
}

json internet_gateway_json(const routing::VpcModel& m, const routing::InternetGateway& g) {
    json attachments = json::array();
    if (!g.attached_vpc_id.empty()) attachments.push_back({{"State", "available"}, {"VpcId", g.attached_vpc_id}});
    return {{"Attachments", attachments}, {"InternetGatewayId", g.id}, {"OwnerId", owner_id}, {"Tags", tags_json(m, g)}};
}

json instance_json(const routing::VpcModel& m, const routing::Instance& i) {
    json enis = json::array();
    json groups = json::array();
    const routing::NetworkInterface& primary = m.network_interface(i.network_interface_ids.front());
    for (const auto& id : i.network_interface_ids) {
        const auto& e = m.network_interface(id);
        json eg = json::array();
        for (const auto& sg : e.security_group_ids) eg.push_back({{"GroupName", m.security_group(sg).group_name}, {"GroupId", sg}});
        if (&e == &primary) groups = eg;
        json j = {{"Attachment", {{"DeviceIndex", e.device_index}, {"Status", "attached"}, {"DeleteOnTermination", true}}},
                  {"Groups", eg},
                  {"MacAddress", e.mac.to_string()},
                  {"NetworkInterfaceId", e.id},
                  {"OwnerId", owner_id},
                  {"PrivateDnsName", endpoints::private_dns_name(e.private_ip, m.region())},
                  {"PrivateIpAddress", format_ipv4(e.private_ip)},
                  {"SourceDestCheck", e.source_dest_check},
                  {"Status", "in-use"},
                  {"SubnetId", e.subnet_id},
                  {"VpcId", e.vpc_id},
                  {"InterfaceType", "interface"}};
        if (e.public_ip) j["Association"] = {{"IpOwnerId", "amazon"}, {"PublicIp", format_ipv4(*e.public_ip)}};
        enis.push_back(j);
    }
    const bool hostnames = m.vpc(primary.vpc_id).enable_dns_hostnames;
    json j = {{"AmiLaunchIndex", 0},
              {"ImageId", i.image_id},
              {"InstanceId", i.id},
              {"InstanceType", i.instance_type},
              {"Placement", {{"AvailabilityZone", m.subnet(primary.subnet_id).availability_zone}, {"Tenancy", "default"}}},
              {"PrivateDnsName", endpoints::private_dns_name(primary.private_ip, m.region())},
              {"PrivateIpAddress", format_ipv4(primary.private_ip)},
              {"PublicDnsName", primary.public_ip && hostnames ? endpoints::public_dns_name(*primary.public_ip, m.region()) : ""},
              {"State", {{"Code", 16}, {"Name", "running"}}},
              {"SubnetId", primary.subnet_id},
              {"VpcId", primary.vpc_id},
              {"NetworkInterfaces", enis},
              {"SecurityGroups", groups},
              {"SourceDestCheck", primary.source_dest_check},
              {"Tags", tags_json(m, i)}};
    if (!i.key_name.empty()) j["KeyName"] = i.key_name;
    if (primary.public_ip) j["PublicIpAddress"] = format_ipv4(*primary.public_ip);
    return j;
}

json elastic_ip_json(const routing::VpcModel& m, const routing::ElasticIp& e) {
    json j = {{"PublicIp", format_ipv4(e.public_ip)}, {"AllocationId", e.allocation_id}, {"Domain", "vpc"},
              {"PublicIpv4Pool", "amazon"}, {"NetworkBorderGroup", m.region()}};
    if (!e.association_id.empty()) {
        const auto& eni = m.network_interface(e.network_interface_id);
        j["AssociationId"] = e.association_id;
        j["NetworkInterfaceId"] = eni.id;
        j["InstanceId"] = eni.instance_id;
        j["PrivateIpAddress"] = format_ipv4(eni.private_ip);
        j["NetworkInterfaceOwnerId"] = owner_id;
    }
    return j;
}

json managed_prefix_list_json(const std::string& region, const endpoints::RegionService& svc) {
    return {{"PrefixListId", svc.prefix_list_id}, {"AddressFamily", "IPv4"}, {"State", "create-complete"},
            {"PrefixListArn", "arn:aws:ec2:" + region + ":aws:prefix-list/" + svc.prefix_list_id},
            {"PrefixListName", svc.service_name}, {"Tags", json::array()}, {"OwnerId", "AWS"}, {"Version", 1}};
}

}  // namespace vpclab::router
