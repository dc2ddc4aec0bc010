// The VPC model's operations, each validated as the EC2 API validates it before anything changes.
#include "routing/vpc_model.hpp"

#include <algorithm>

namespace vpclab::routing {

std::string ResourceBase::display_name() const {
    for (const auto& t : tags)
        if (t.key == "Name" && !t.value.empty()) return t.value;  // an empty Name names nothing
    return logical_id.empty() ? id : logical_id;
}

std::string VpcModel::stack_id() const {
    return "arn:aws:cloudformation:" + region_ + ":123456789012:stack/" + stack_name() + "/" + ids_.make("stack", "id").substr(6);
}

VpcModel::VpcModel(std::string stack_name, std::string region, PublicIpPool pool)
    : region_(std::move(region)), ids_(std::move(stack_name)), pool_(pool) {}

namespace {

Cidr parse_cidr_or_throw(const std::string& text, const char* parameter) {
    std::string why;
    auto c = Cidr::parse(text, &why);
    if (!c) throw ApiError("InvalidParameterValue", why, parameter);
    return *c;
}

}  // namespace

#define VPCLAB_LOOKUP(Type, name, member, code, what, param)                                      \
    const Type& VpcModel::name(const std::string& id) const {                                      \
        for (const auto& item : member)                                                             \
            if (item.id == id) return item;                                                         \
        throw ApiError(code, "The " what " ID '" + id + "' does not exist", param);                \
    }
VPCLAB_LOOKUP(Vpc, vpc, vpcs_, "InvalidVpcID.NotFound", "vpc", "VpcId")
VPCLAB_LOOKUP(Subnet, subnet, subnets_, "InvalidSubnetID.NotFound", "subnet", "SubnetId")
VPCLAB_LOOKUP(RouteTable, route_table, route_tables_, "InvalidRouteTableID.NotFound", "routeTable", "RouteTableId")
VPCLAB_LOOKUP(InternetGateway, internet_gateway, internet_gateways_, "InvalidInternetGatewayID.NotFound",
              "internetGateway", "InternetGatewayId")
VPCLAB_LOOKUP(SecurityGroup, security_group, security_groups_, "InvalidGroup.NotFound", "security group", "GroupId")
VPCLAB_LOOKUP(Instance, instance, instances_, "InvalidInstanceID.NotFound", "instance", "InstanceId")
VPCLAB_LOOKUP(NetworkInterface, network_interface, network_interfaces_, "InvalidNetworkInterfaceID.NotFound",
              "networkInterface", "NetworkInterfaceId")
#undef VPCLAB_LOOKUP

std::string VpcModel::new_id(const char* prefix, const std::string& logical_id) {
    return logical_id.empty() ? ids_.next(prefix) : ids_.make(prefix, logical_id);
}

Vpc& VpcModel::vpc_mut(const std::string& id) { return const_cast<Vpc&>(vpc(id)); }
Subnet& VpcModel::subnet_mut(const std::string& id) { return const_cast<Subnet&>(subnet(id)); }
RouteTable& VpcModel::route_table_mut(const std::string& id) { return const_cast<RouteTable&>(route_table(id)); }
InternetGateway& VpcModel::internet_gateway_mut(const std::string& id) {
    return const_cast<InternetGateway&>(internet_gateway(id));
}

Vpc& VpcModel::create_vpc(const std::string& logical_id, const std::string& cidr_text, std::vector<Tag> tags) {
    const Cidr cidr = parse_cidr_or_throw(cidr_text, "CidrBlock");
    // VPC User Guide, "VPC CIDR blocks": the allowed block size is between /16 and /28.
    if (cidr.prefix_length < 16 || cidr.prefix_length > 28)
        throw ApiError("InvalidVpc.Range", "The CIDR '" + cidr.to_string() + "' is invalid: a VPC CIDR block must be between /16 and /28", "CidrBlock");
    Vpc v;
    v.logical_id = logical_id;
    v.id = new_id("vpc", logical_id);
    v.tags = std::move(tags);
    v.cidr = cidr;

    // Every VPC comes with a main route table holding the local route, and a default security group.
    RouteTable main;
    main.id = ids_.make("rtb", v.id + "/main");
    main.vpc_id = v.id;
    main.main = true;
    main.routes.push_back(Route{cidr, RouteTargetKind::local, "local", "", "CreateRouteTable"});
    v.main_route_table_id = main.id;

    SecurityGroup sg;
    sg.id = ids_.make("sg", v.id + "/default");
    sg.group_name = "default";
    sg.description = "default VPC security group";
    sg.vpc_id = v.id;
    SecurityGroupRule all;
    sg.egress.push_back(SecurityGroupRule{"-1", -1, -1, Cidr{0, 0}, "", ""});
    all.source_group_id = sg.id;  // default SG: members may reach each other
    sg.ingress.push_back(all);
    v.default_security_group_id = sg.id;

    route_tables_.push_back(std::move(main));
    security_groups_.push_back(std::move(sg));
    vpcs_.push_back(std::move(v));
    return vpcs_.back();
}

Subnet& VpcModel::create_subnet(const std::string& logical_id, const std::string& vpc_id, const std::string& cidr_text,
                                const std::string& availability_zone, bool map_public_ip, std::vector<Tag> tags) {
    const Vpc& v = vpc(vpc_id);
    const Cidr cidr = parse_cidr_or_throw(cidr_text, "CidrBlock");
    if (cidr.prefix_length < 16 || cidr.prefix_length > 28)
        throw ApiError("InvalidSubnet.Range", "The CIDR '" + cidr.to_string() + "' is invalid: a subnet CIDR block must be between /16 and /28", "CidrBlock");
    if (!v.cidr.contains(cidr))
        throw ApiError("InvalidSubnet.Range", "The CIDR '" + cidr.to_string() + "' is invalid: it is not inside the VPC CIDR " + v.cidr.to_string() + " of " + v.id, "CidrBlock");
    for (const auto& s : subnets_)
        if (s.vpc_id == vpc_id && s.cidr.overlaps(cidr))
            throw ApiError("InvalidSubnet.Conflict", "The CIDR '" + cidr.to_string() + "' conflicts with another subnet: " + s.display_name() + " (" + s.id + ", " + s.cidr.to_string() + ")", "CidrBlock");
    const std::string az = availability_zone.empty() ? region_ + "a" : availability_zone;
    if (az.rfind(region_, 0) != 0 || az.size() != region_.size() + 1 || az.back() < 'a' || az.back() > 'z')
        throw ApiError("InvalidParameterValue", "Value (" + az + ") for parameter availabilityZone is invalid: it is not a zone of " + region_, "AvailabilityZone");
    Subnet s;
    s.logical_id = logical_id;
    s.id = new_id("subnet", logical_id);
    s.tags = std::move(tags);
    s.vpc_id = vpc_id;
    s.cidr = cidr;
    s.availability_zone = az;
    s.map_public_ip_on_launch = map_public_ip;
    subnets_.push_back(std::move(s));
    return subnets_.back();
}

RouteTable& VpcModel::create_route_table(const std::string& logical_id, const std::string& vpc_id, std::vector<Tag> tags) {
    const Vpc& v = vpc(vpc_id);
    RouteTable t;
    t.logical_id = logical_id;
    t.id = new_id("rtb", logical_id);
    t.tags = std::move(tags);
    t.vpc_id = vpc_id;
    t.routes.push_back(Route{v.cidr, RouteTargetKind::local, "local", "", "CreateRouteTable"});
    route_tables_.push_back(std::move(t));
    return route_tables_.back();
}

void VpcModel::associate_route_table(const std::string& route_table_id, const std::string& subnet_id) {
    const RouteTable& t = route_table(route_table_id);
    const Subnet& s = subnet(subnet_id);
    if (t.vpc_id != s.vpc_id)
        throw ApiError("InvalidParameterValue", "Route table " + route_table_id + " and subnet " + subnet_id + " belong to different networks", "SubnetId");
    for (const auto& other : route_tables_)
        for (const auto& sid : other.associated_subnet_ids)
            if (sid == subnet_id)
                throw ApiError("Resource.AlreadyAssociated", "The subnet " + subnet_id + " is already associated with route table " + other.id, "SubnetId");
    route_table_mut(route_table_id).associated_subnet_ids.push_back(subnet_id);
}

InternetGateway& VpcModel::create_internet_gateway(const std::string& logical_id, std::vector<Tag> tags) {
    InternetGateway g;
    g.logical_id = logical_id;
    g.id = new_id("igw", logical_id);
    g.tags = std::move(tags);
    internet_gateways_.push_back(std::move(g));
    return internet_gateways_.back();
}

void VpcModel::modify_vpc_attribute(const std::string& vpc_id, std::optional<bool> enable_dns_support,
                                    std::optional<bool> enable_dns_hostnames) {
    Vpc& v = vpc_mut(vpc_id);
    if (enable_dns_support) v.enable_dns_support = *enable_dns_support;
    if (enable_dns_hostnames) v.enable_dns_hostnames = *enable_dns_hostnames;
}

void VpcModel::attach_internet_gateway(const std::string& igw_id, const std::string& vpc_id) {
    const InternetGateway& g = internet_gateway(igw_id);
    vpc(vpc_id);
    if (!g.attached_vpc_id.empty())
        throw ApiError("Resource.AlreadyAssociated", "resource " + igw_id + " is already attached to network " + g.attached_vpc_id, "InternetGatewayId");
    for (const auto& other : internet_gateways_)
        if (other.attached_vpc_id == vpc_id)
            throw ApiError("Resource.AlreadyAssociated", "network " + vpc_id + " already has an internet gateway attached (" + other.id + ")", "VpcId");
    internet_gateway_mut(igw_id).attached_vpc_id = vpc_id;
}

SecurityGroup& VpcModel::create_security_group(const std::string& logical_id, const std::string& vpc_id,
                                               const std::string& group_name, const std::string& description,
                                               std::vector<SecurityGroupRule> ingress,
                                               std::optional<std::vector<SecurityGroupRule>> egress,
                                               std::vector<Tag> tags) {
    vpc(vpc_id);
    if (description.empty())
        throw ApiError("MissingParameter", "The request must contain the parameter GroupDescription", "GroupDescription");
    const std::string id = new_id("sg", logical_id);
    // CloudFormation names an unnamed group "<stack>-<logical id>-<suffix>"; keep it recognisable.
    const std::string name = group_name.empty() ? stack_name() + "-" + logical_id + "-" + id.substr(3, 12) : group_name;
    for (const auto& g : security_groups_)
        if (g.vpc_id == vpc_id && g.group_name == name)
            throw ApiError("InvalidGroup.Duplicate", "The security group '" + name + "' already exists for VPC '" + vpc_id + "'", "GroupName");
    auto check_rules = [&](const std::vector<SecurityGroupRule>& rules, const char* parameter) {
        for (const auto& r : rules) {
            if (!r.source_group_id.empty()) security_group(r.source_group_id);
            if (!r.cidr && r.source_group_id.empty())
                throw ApiError("InvalidParameterValue", "A security group rule needs a CidrIp or a source security group", parameter);
        }
    };
    check_rules(ingress, "SecurityGroupIngress");
    if (egress) check_rules(*egress, "SecurityGroupEgress");
    SecurityGroup g;
    g.logical_id = logical_id;
    g.id = id;
    g.tags = std::move(tags);
    g.group_name = name;
    g.description = description;
    g.vpc_id = vpc_id;
    g.ingress = std::move(ingress);
    // No egress given: AWS adds "allow all outbound".
    g.egress = egress ? std::move(*egress) : std::vector<SecurityGroupRule>{SecurityGroupRule{"-1", -1, -1, Cidr{0, 0}, "", ""}};
    security_groups_.push_back(std::move(g));
    return security_groups_.back();
}

std::uint32_t VpcModel::next_public_ip() {
    const std::uint32_t a = pool_.pool.network + pool_.first_host_offset + public_ips_issued_;
    if (!pool_.pool.contains(a) || a == pool_.pool.last())
        throw ApiError("AddressLimitExceeded", "The simulated public address pool " + pool_.pool.to_string() + " is exhausted");
    ++public_ips_issued_;
    return a;
}

Instance& VpcModel::run_instance(const InstanceLaunch& launch) {
    if (launch.interfaces.empty())
        throw ApiError("MissingParameter", "An instance needs a SubnetId or a NetworkInterfaces entry", "SubnetId");
    // Validate every interface, choosing addresses, before changing anything.
    struct Planned {
        const Subnet* subnet;
        std::uint32_t ip;
        bool public_ip;
    };
    std::vector<Planned> planned;
    std::vector<std::uint32_t> taken_here;
    std::vector<int> device_indexes;
    auto is_taken = [&](const Subnet& s, std::uint32_t a) {
        for (const auto& e : network_interfaces_)
            if (e.vpc_id == s.vpc_id && e.private_ip == a) return true;
        return std::find(taken_here.begin(), taken_here.end(), a) != taken_here.end();
    };
    for (const auto& spec : launch.interfaces) {
        if (std::find(device_indexes.begin(), device_indexes.end(), spec.device_index) != device_indexes.end())
            throw ApiError("InvalidParameterValue", "Each network interface requires a unique device index", "DeviceIndex");
        device_indexes.push_back(spec.device_index);
        const Subnet& s = subnet(spec.subnet_id);
        if (!planned.empty() && planned.front().subnet->availability_zone != s.availability_zone)
            throw ApiError("InvalidParameterValue", "All network interfaces of an instance must be in one availability zone", "SubnetId");
        for (const auto& sg : spec.security_group_ids)
            if (security_group(sg).vpc_id != s.vpc_id)
                throw ApiError("InvalidParameter", "Security group " + sg + " and subnet " + s.id + " belong to different networks", "GroupSet");
        std::uint32_t ip = 0;
        if (spec.private_ip) {
            ip = *spec.private_ip;
            if (!s.cidr.contains(ip))
                throw ApiError("InvalidParameterValue", "Address " + format_ipv4(ip) + " does not fall within the subnet's address range " + s.cidr.to_string(), "PrivateIpAddress");
            if (s.is_reserved(ip))
                throw ApiError("InvalidParameterValue", "Address " + format_ipv4(ip) + " is reserved: AWS reserves the first four and the last address of subnet " + s.cidr.to_string(), "PrivateIpAddress");
            if (is_taken(s, ip))
                throw ApiError("InvalidIPAddress.InUse", "Address " + format_ipv4(ip) + " is in use", "PrivateIpAddress");
        } else {
            // Instances get addresses from base+4 up (the first unreserved address).
            for (std::uint32_t a = s.cidr.network + 4; a < s.cidr.last(); ++a)
                if (!is_taken(s, a)) {
                    ip = a;
                    break;
                }
            if (ip == 0)
                throw ApiError("InsufficientFreeAddressesInSubnet", "Subnet " + s.id + " (" + s.cidr.to_string() + ") has no free addresses", "SubnetId");
        }
        taken_here.push_back(ip);
        planned.push_back({&s, ip, spec.associate_public_ip.value_or(s.map_public_ip_on_launch)});
    }
    for (std::size_t i = 0; i < planned.size(); ++i)
        if (planned[i].public_ip && (launch.interfaces.size() > 1))
            throw ApiError("InvalidParameterCombination", "The associatePublicIPAddress parameter cannot be specified when launching with multiple network interfaces", "AssociatePublicIpAddress");

    Instance inst;
    inst.logical_id = launch.logical_id;
    inst.id = ids_.make("i", launch.logical_id.empty() ? ids_.next("i") : launch.logical_id);
    inst.tags = launch.tags;
    inst.instance_type = launch.instance_type;
    inst.image_id = launch.image_id;
    inst.key_name = launch.key_name;
    inst.has_user_data = launch.has_user_data;
    for (std::size_t i = 0; i < planned.size(); ++i) {
        const auto& spec = launch.interfaces[i];
        NetworkInterface e;
        e.id = ids_.make("eni", inst.id + "/" + std::to_string(spec.device_index));
        e.subnet_id = planned[i].subnet->id;
        e.vpc_id = planned[i].subnet->vpc_id;
        e.instance_id = inst.id;
        e.device_index = spec.device_index;
        e.private_ip = planned[i].ip;
        e.mac = wire::MacAddress::locally_administered(stable_hash(e.id));
        e.source_dest_check = spec.source_dest_check;
        e.security_group_ids = spec.security_group_ids;
        if (e.security_group_ids.empty()) e.security_group_ids.push_back(vpc(e.vpc_id).default_security_group_id);
        if (planned[i].public_ip) e.public_ip = next_public_ip();
        inst.network_interface_ids.push_back(e.id);
        network_interfaces_.push_back(std::move(e));
    }
    instances_.push_back(std::move(inst));
    return instances_.back();
}

const RouteTable& VpcModel::effective_route_table(const Subnet& s) const {
    for (const auto& t : route_tables_)
        for (const auto& sid : t.associated_subnet_ids)
            if (sid == s.id) return t;
    return route_table(vpc(s.vpc_id).main_route_table_id);
}

Route VpcModel::resolve_route(const RouteTable& table, const std::string& destination_cidr, const RouteTarget& target) const {
    const Cidr dest = parse_cidr_or_throw(destination_cidr, "DestinationCidrBlock");
    const int targets = !target.gateway_id.empty() + !target.instance_id.empty() + !target.network_interface_id.empty();
    if (targets != 1)
        throw ApiError("InvalidParameterCombination", "Specify exactly one route target: --gateway-id, --instance-id or --network-interface-id", "GatewayId");
    const Vpc& v = vpc(table.vpc_id);
    Route r;
    r.destination = dest;
    r.origin = "CreateRoute";
    if (!target.gateway_id.empty()) {
        if (target.gateway_id == "local")
            throw ApiError("InvalidParameterValue", "The local route is created with the route table and cannot be added", "GatewayId");
        const InternetGateway* found = nullptr;
        for (const auto& candidate : internet_gateways_)
            if (candidate.id == target.gateway_id) found = &candidate;
        if (!found) throw ApiError("InvalidGatewayID.NotFound", "The gateway ID '" + target.gateway_id + "' does not exist", "GatewayId");
        const InternetGateway& g = *found;
        if (g.attached_vpc_id != table.vpc_id)
            throw ApiError("InvalidParameterValue", "route table " + table.id + " and network gateway " + g.id + " belong to different networks", "GatewayId");
        // VPC User Guide, "Route priority": a route to a gateway may not be more specific than the local route.
        if (v.cidr.contains(dest))
            throw ApiError("InvalidParameterValue", "The destination " + dest.to_string() + " lies inside the VPC CIDR " + v.cidr.to_string() + "; only a network interface may be the target of a route inside the VPC", "DestinationCidrBlock");
        r.target_kind = RouteTargetKind::internet_gateway;
        r.target_id = g.id;
    } else {
        const NetworkInterface* eni = nullptr;
        if (!target.instance_id.empty()) {
            const Instance& inst = instance(target.instance_id);
            if (inst.network_interface_ids.size() != 1)
                throw ApiError("InvalidInstanceID", "Instance " + inst.id + " has more than one network interface; specify --network-interface-id", "InstanceId");
            eni = &network_interface(inst.network_interface_ids.front());
            r.instance_id = inst.id;
        } else {
            eni = &network_interface(target.network_interface_id);
        }
        if (eni->vpc_id != table.vpc_id)
            throw ApiError("InvalidParameterValue", "route table " + table.id + " and network interface " + eni->id + " belong to different networks", "NetworkInterfaceId");
        if (dest == v.cidr)
            throw ApiError("InvalidParameterValue", "The destination " + dest.to_string() + " is the local route's; it cannot be added", "DestinationCidrBlock");
        r.target_kind = RouteTargetKind::network_interface;
        r.target_id = eni->id;
    }
    return r;
}

void VpcModel::create_route(const std::string& route_table_id, const std::string& destination_cidr, const RouteTarget& target) {
    const RouteTable& t = route_table(route_table_id);
    Route r = resolve_route(t, destination_cidr, target);
    for (const auto& existing : t.routes)
        if (existing.destination == r.destination)
            throw ApiError("RouteAlreadyExists", "The route identified by " + r.destination.to_string() + " already exists in " + t.id, "DestinationCidrBlock");
    route_table_mut(route_table_id).routes.push_back(std::move(r));
}

void VpcModel::replace_route(const std::string& route_table_id, const std::string& destination_cidr, const RouteTarget& target) {
    const RouteTable& t = route_table(route_table_id);
    Route r = resolve_route(t, destination_cidr, target);
    for (auto& existing : route_table_mut(route_table_id).routes) {
        if (!(existing.destination == r.destination)) continue;
        if (existing.target_kind == RouteTargetKind::local)
            throw ApiError("InvalidParameterValue", "The local route " + r.destination.to_string() + " cannot be replaced", "DestinationCidrBlock");
        existing = std::move(r);
        return;
    }
    throw ApiError("InvalidRoute.NotFound", "no route with destination-cidr-block " + r.destination.to_string() + " in route table " + t.id, "DestinationCidrBlock");
}

void VpcModel::delete_route(const std::string& route_table_id, const std::string& destination_cidr) {
    const RouteTable& t = route_table(route_table_id);
    const Cidr dest = parse_cidr_or_throw(destination_cidr, "DestinationCidrBlock");
    auto& routes = route_table_mut(route_table_id).routes;
    for (auto it = routes.begin(); it != routes.end(); ++it) {
        if (!(it->destination == dest)) continue;
        if (it->target_kind == RouteTargetKind::local)
            throw ApiError("InvalidParameterValue", "cannot remove local route " + dest.to_string() + " in route table " + t.id, "DestinationCidrBlock");
        routes.erase(it);
        return;
    }
    throw ApiError("InvalidRoute.NotFound", "no route with destination-cidr-block " + dest.to_string() + " in route table " + t.id, "DestinationCidrBlock");
}

}  // namespace vpclab::routing

namespace vpclab::routing {

void VpcModel::detach_internet_gateway(const std::string& igw_id, const std::string& vpc_id) {
    const InternetGateway& g = internet_gateway(igw_id);
    vpc(vpc_id);
    if (g.attached_vpc_id != vpc_id)
        throw ApiError("Gateway.NotAttached", "resource " + igw_id + " is not attached to network " + vpc_id, "InternetGatewayId");
    for (const auto& e : network_interfaces_)
        if (e.vpc_id == vpc_id && e.public_ip)
            throw ApiError("DependencyViolation", "Network " + vpc_id + " has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.", "VpcId");
    internet_gateway_mut(igw_id).attached_vpc_id.clear();
}

const ElasticIp& VpcModel::allocate_address() {
    ElasticIp e;
    e.public_ip = next_public_ip();
    e.allocation_id = ids_.next("eipalloc");
    elastic_ips_.push_back(e);
    return elastic_ips_.back();
}

std::string VpcModel::associate_address(const std::string& allocation_id, const std::string& instance_id,
                                        const std::string& network_interface_id, bool allow_reassociation) {
    auto eip = std::find_if(elastic_ips_.begin(), elastic_ips_.end(), [&](const ElasticIp& e) { return e.allocation_id == allocation_id; });
    if (eip == elastic_ips_.end())
        throw ApiError("InvalidAllocationID.NotFound", "The allocation ID '" + allocation_id + "' does not exist", "AllocationId");
    if (instance_id.empty() == network_interface_id.empty())
        throw ApiError("InvalidParameterCombination", "Specify either --instance-id or --network-interface-id", "InstanceId");
    const std::string eni_id = instance_id.empty() ? network_interface_id : instance(instance_id).network_interface_ids.front();
    const NetworkInterface& target = network_interface(eni_id);
    bool attached = false;
    for (const auto& g : internet_gateways_) attached = attached || g.attached_vpc_id == target.vpc_id;
    if (!attached)
        throw ApiError("Gateway.NotAttached", "Network " + target.vpc_id + " is not attached to any internet gateway", "AllocationId");
    if (!eip->association_id.empty() && eip->network_interface_id != eni_id && !allow_reassociation)
        throw ApiError("Resource.AlreadyAssociated", "resource " + allocation_id + " is already associated with " + eip->network_interface_id + " (use --allow-reassociation)", "AllocationId");
    // Take the address from where it was, and the ENI's current Elastic IP (if any) off it; then give the
    // ENI this one in place of whatever it had (an auto-assigned address is simply released).
    if (!eip->association_id.empty()) disassociate_address(eip->association_id);
    for (auto& other : elastic_ips_)
        if (other.network_interface_id == eni_id) {
            other.association_id.clear();
            other.network_interface_id.clear();
        }
    for (auto& e : network_interfaces_)
        if (e.id == eni_id) e.public_ip = eip->public_ip;
    eip->association_id = ids_.next("eipassoc");
    eip->network_interface_id = eni_id;
    return eip->association_id;
}

void VpcModel::disassociate_address(const std::string& association_id) {
    auto eip = std::find_if(elastic_ips_.begin(), elastic_ips_.end(), [&](const ElasticIp& e) { return !e.association_id.empty() && e.association_id == association_id; });
    if (eip == elastic_ips_.end())
        throw ApiError("InvalidAssociationID.NotFound", "The association ID '" + association_id + "' does not exist", "AssociationId");
    for (auto& e : network_interfaces_)
        if (e.id == eip->network_interface_id) e.public_ip.reset();  // a replaced auto-assigned IP does not come back (as on AWS)
    eip->association_id.clear();
    eip->network_interface_id.clear();
}

void VpcModel::release_address(const std::string& allocation_id) {
    auto eip = std::find_if(elastic_ips_.begin(), elastic_ips_.end(), [&](const ElasticIp& e) { return e.allocation_id == allocation_id; });
    if (eip == elastic_ips_.end())
        throw ApiError("InvalidAllocationID.NotFound", "The allocation ID '" + allocation_id + "' does not exist", "AllocationId");
    if (!eip->association_id.empty())
        throw ApiError("InvalidIPAddress.InUse", "Address " + format_ipv4(eip->public_ip) + " is in use (association " + eip->association_id + ")", "AllocationId");
    elastic_ips_.erase(eip);
}

bool VpcModel::route_is_blackhole(const RouteTable& table, const Route& route) const {
    if (route.target_kind != RouteTargetKind::internet_gateway) return false;
    for (const auto& g : internet_gateways_)
        if (g.id == route.target_id) return g.attached_vpc_id != table.vpc_id;
    return true;
}

}  // namespace vpclab::routing
