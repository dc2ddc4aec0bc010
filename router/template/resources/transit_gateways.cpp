// AWS::EC2::TransitGateway, its VPC attachments, route tables, their associations, propagations and routes.
#include "router/template/resource_handlers.hpp"

#include "router/control/ec2/family.hpp"

namespace vpclab::cfn {

namespace {

// An enable | disable value (CloudFormation takes the EC2 API's strings); nullopt when absent.
std::optional<bool> enable_of(const Properties& props, const Node& n, const std::string& property) {
    const std::string v = props.string_of(n, property);
    if (v == "enable") return true;
    if (v == "disable") return false;
    props.fail_at(n, property, "expected enable or disable, got '" + v + "' (InvalidParameterValue)");
}
std::optional<bool> enable_property(Properties& props, const std::string& property) {
    const Node* n = props.get(property);
    if (!n || n->is_null()) return std::nullopt;
    return enable_of(props, *n, property);
}

void create_transit_gateway(ResourceContext& c) {
    auto& props = c.props;
    routing::VpcModel::TransitGatewaySpec spec;
    spec.description = props.string("Description", false);
    if (const Node* n = props.get("AmazonSideAsn"); n && !n->is_null()) {
        const std::string text = props.string_of(*n, "AmazonSideAsn");
        if (text.empty() || text.size() > 10 || text.find_first_not_of("0123456789") != std::string::npos)
            props.fail_at(*n, "AmazonSideAsn", "expected a whole number, got '" + text + "'");
        spec.amazon_side_asn = std::stoll(text);  // the model refuses one that is not a private ASN
    }
    if (const auto v = enable_property(props, "DefaultRouteTableAssociation")) spec.default_route_table_association = *v;
    if (const auto v = enable_property(props, "DefaultRouteTablePropagation")) spec.default_route_table_propagation = *v;
    if (const auto v = enable_property(props, "DnsSupport")) spec.dns_support = *v;
    if (const auto v = enable_property(props, "VpnEcmpSupport")) spec.vpn_ecmp_support = *v;
    const auto auto_accept = enable_property(props, "AutoAcceptSharedAttachments");
    if (enable_property(props, "MulticastSupport").value_or(false))
        props.fail("MulticastSupport", "enable is not supported: vpclab's transit gateways do not do multicast");
    spec.tags = props.tags();
    routing::TransitGateway& g = c.model.create_transit_gateway(c.resource.logical_id, spec, router::ec2::now_seconds());
    // Shared attachments come from other accounts (AWS RAM); a lab is one account, so the option is only kept.
    if (auto_accept) g.auto_accept_shared_attachments = *auto_accept;
    c.set_ref(g.id);
    c.set_att("Id", g.id);
    c.set_att("TransitGatewayArn", "arn:aws:ec2:" + c.model.region() + ":" + routing::lab_account_id + ":transit-gateway/" + g.id);
}

// AWS::EC2::TransitGatewayAttachment and AWS::EC2::TransitGatewayVpcAttachment (the same attachment).
void create_vpc_attachment(ResourceContext& c) {
    auto& props = c.props;
    std::optional<bool> appliance_mode, dns_support;
    if (const Node* o = props.get("Options"); o && !o->is_null()) {
        if (!o->is_map()) props.fail_at(*o, "Options", "expected a map of ApplianceModeSupport, DnsSupport, Ipv6Support");
        for (const auto& [key, value] : o->entries) {
            const std::string path = "Options." + key;
            if (key == "ApplianceModeSupport") appliance_mode = enable_of(props, value, path);
            else if (key == "DnsSupport") dns_support = enable_of(props, value, path);
            else if (key == "Ipv6Support") {
                if (enable_of(props, value, path).value_or(false)) props.fail_at(value, path, "enable is not supported: the lab has no IPv6");
            } else {
                c.unsupported(value.where(), c.label() + ": property " + path + " is not supported and was ignored");
            }
        }
    }
    const auto& a = c.model.create_transit_gateway_vpc_attachment(c.resource.logical_id, props.string("TransitGatewayId", true), props.string("VpcId", true),
                                                                  props.strings("SubnetIds"), appliance_mode.value_or(false), dns_support.value_or(true),
                                                                  props.tags(), router::ec2::now_seconds());
    c.set_ref(a.id);
    c.set_att("Id", a.id);
}

void create_route_table(ResourceContext& c) {
    const auto& t = c.model.create_transit_gateway_route_table(c.resource.logical_id, c.props.string("TransitGatewayId", true), c.props.tags(),
                                                               router::ec2::now_seconds());
    c.set_ref(t.id);
    c.set_att("TransitGatewayRouteTableId", t.id);
}

// Association and propagation: CloudFormation's identifier is the pair, "tgw-rtb-…|tgw-attach-…" (what
// stack deletion splits).
void associate(ResourceContext& c) {
    const std::string table = c.props.string("TransitGatewayRouteTableId", true), attachment = c.props.string("TransitGatewayAttachmentId", true);
    c.model.associate_transit_gateway_route_table(table, attachment);
    c.set_ref(table + "|" + attachment);
}

void propagate(ResourceContext& c) {
    const std::string table = c.props.string("TransitGatewayRouteTableId", true), attachment = c.props.string("TransitGatewayAttachmentId", true);
    c.model.enable_transit_gateway_route_table_propagation(table, attachment);
    c.set_ref(table + "|" + attachment);
}

// A static route; its identifier is "tgw-rtb-…|<CIDR>".
void create_route(ResourceContext& c) {
    auto& props = c.props;
    const std::string table = props.string("TransitGatewayRouteTableId", true), cidr = props.string("DestinationCidrBlock", true);
    c.model.create_transit_gateway_route(table, cidr, props.string("TransitGatewayAttachmentId", false), props.boolean("Blackhole").value_or(false));
    c.set_ref(table + "|" + cidr);
}

}  // namespace

std::vector<ResourceType> transit_gateway_resource_types() {
    return {{"AWS::EC2::TransitGateway", create_transit_gateway},
            {"AWS::EC2::TransitGatewayAttachment", create_vpc_attachment},
            {"AWS::EC2::TransitGatewayVpcAttachment", create_vpc_attachment},
            {"AWS::EC2::TransitGatewayRouteTable", create_route_table},
            {"AWS::EC2::TransitGatewayRouteTableAssociation", associate},
            {"AWS::EC2::TransitGatewayRouteTablePropagation", propagate},
            {"AWS::EC2::TransitGatewayRoute", create_route}};
}

}  // namespace vpclab::cfn
