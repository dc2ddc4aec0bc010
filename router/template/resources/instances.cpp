// AWS::EC2::Instance: an instance and its network interfaces, launched as RunInstances launches one.
#include "router/template/resource_handlers.hpp"

#include "endpoints/dns_zone.hpp"
#include "instance/base64.hpp"
#include "instance/instance_files.hpp"
#include "instance/userdata_script.hpp"
#include "router/control/ec2/family.hpp"

namespace vpclab::cfn {

namespace {

// What `vpclab up` says of an instance's UserData: never run as a script; what became of each line when
// carried out on a fresh instance's files (the instance's /var/log/cloud-init-output.log says the same).
std::string user_data_note(const std::string& logical_id, const std::string& encoded) {
    const auto script = instance::base64_decode(encoded);
    if (!script)
        return "UserData of " + logical_id + " is not base64 (CloudFormation takes Fn::Base64 of the script): kept, not read";
    std::string note = "UserData of " + logical_id +
                       " is never run as a script; vpclab carries out what it reads in it inside the instance's own files:";
    const auto parsed = instance::parse_user_data(*script);
    instance::InstanceFiles files = instance::amazon_linux_files({}, instance::accounts_with_ec2_user("root:x:0:0:root:/root:/bin/bash\n", "root:x:0:\n"));
    instance::carry_out(files, parsed, 0, [](const std::string&) { return std::string("x"); });
    const auto lines = instance::what_became_of(files, parsed);
    for (const auto& l : lines) note += "\n    " + l;
    if (lines.empty()) note += "\n    (nothing but comments)";
    return note;
}

std::uint32_t parse_address(const ResourceContext& c, const std::string& text, int line, const std::string& property) {
    auto a = routing::parse_ipv4(text);
    if (!a) c.fail(line, property, "'" + text + "' is not an IPv4 address");
    return *a;
}

void create_instance(ResourceContext& c) {
    auto& props = c.props;
    routing::InstanceLaunch launch;
    launch.logical_id = c.resource.logical_id;
    launch.launch_time = router::ec2::now_iso8601();  // CloudFormation launches it now, as RunInstances would
    launch.tags = props.tags();
    launch.instance_type = props.string("InstanceType", false);
    launch.image_id = props.string("ImageId", false);
    launch.key_name = props.string("KeyName", false);
    if (props.get("UserData")) {
        // CloudFormation passes UserData base64-encoded (Fn::Base64), and so does EC2's API: kept as given.
        launch.user_data = props.string("UserData", false);
        // EC2 User Guide, "Run commands when you launch an EC2 instance with user data input": user data is
        // limited to 16 KB in raw form, before it is base64-encoded.
        if (const auto raw = instance::base64_decode(launch.user_data); raw && raw->size() > instance::max_user_data_bytes)
            props.fail("UserData", "is " + std::to_string(raw->size()) + " bytes before base64; EC2 limits user data to " +
                                       std::to_string(instance::max_user_data_bytes) + " bytes");
        c.lab.skipped.push_back(user_data_note(c.resource.logical_id, launch.user_data));
    }
    if (const Node* options = props.get("MetadataOptions")) {
        if (!options->is_map()) props.fail("MetadataOptions", "expected a map (HttpTokens, HttpPutResponseHopLimit, HttpEndpoint)");
        for (const auto& [k, v] : options->entries) {
            const std::string where = "MetadataOptions." + k;
            if (k == "HttpTokens") launch.metadata_http_tokens = props.string_of(v, where);
            else if (k == "HttpPutResponseHopLimit") launch.metadata_hop_limit = props.integer_of(v, where);
            else if (k == "HttpEndpoint") {
                if (props.string_of(v, where) != "enabled") c.fail(v.where(), where, "vpclab's instance metadata service is always enabled");
            } else c.unsupported(v.where(), c.label() + ": metadata option " + k + " is not supported and was ignored");
        }
    }
    const Node* nics = props.get("NetworkInterfaces");
    const std::string subnet = props.string("SubnetId", false);
    if (nics && !subnet.empty())
        props.fail("NetworkInterfaces", "cannot be combined with SubnetId (InvalidParameterCombination)");
    if (nics) {
        if (!nics->is_list() || nics->items.empty()) props.fail("NetworkInterfaces", "expected a non-empty list");
        for (const auto& nic : nics->items) {
            if (!nic.is_map()) props.fail("NetworkInterfaces", "each entry must be a map");
            routing::InstanceLaunch::Interface spec;
            bool has_index = false;
            for (const auto& [k, v] : nic.entries) {
                const std::string where = "NetworkInterfaces." + k;
                if (k == "DeviceIndex") {
                    spec.device_index = props.integer_of(v, where);
                    has_index = true;
                } else if (k == "SubnetId") spec.subnet_id = props.string_of(v, where);
                else if (k == "GroupSet") {
                    if (!v.is_list()) c.fail(v.where(), where, "expected a list");
                    for (const auto& g : v.items) spec.security_group_ids.push_back(props.string_of(g, where));
                } else if (k == "AssociatePublicIpAddress") spec.associate_public_ip = props.boolean_of(v, where);
                else if (k == "PrivateIpAddress") spec.private_ip = parse_address(c, props.string_of(v, where), v.where(), where);
                else if (k == "DeleteOnTermination" || k == "Description") continue;
                else c.unsupported(v.where(), c.label() + ": network interface property " + k + " is not supported and was ignored");
            }
            if (!has_index) c.fail(nic.line, "NetworkInterfaces.DeviceIndex", "is required");
            if (spec.subnet_id.empty()) c.fail(nic.line, "NetworkInterfaces.SubnetId", "is required");
            if (auto b = props.boolean("SourceDestCheck")) spec.source_dest_check = *b;
            launch.interfaces.push_back(std::move(spec));
        }
    } else {
        if (subnet.empty()) props.fail("SubnetId", "is required (the lab has no default VPC): give SubnetId or NetworkInterfaces");
        routing::InstanceLaunch::Interface spec;
        spec.subnet_id = subnet;
        const std::string ip = props.string("PrivateIpAddress", false);
        if (!ip.empty()) spec.private_ip = parse_address(c, ip, props.line_of("PrivateIpAddress"), "PrivateIpAddress");
        spec.security_group_ids = props.strings("SecurityGroupIds");
        if (auto b = props.boolean("SourceDestCheck")) spec.source_dest_check = *b;
        launch.interfaces.push_back(std::move(spec));
    }
    if (props.get("SecurityGroups"))
        props.fail("SecurityGroups", "security group names only work in a default VPC; use SecurityGroupIds");
    const std::string az = props.string("AvailabilityZone", false);
    // A template's KeyName names a key pair the lab makes (or one of the stack already made): vpclab up makes
    // its keys and says where each private key is (on AWS it would have to exist beforehand).
    if (!launch.key_name.empty() && !c.model.find_key_pair(launch.key_name) && c.options.into)
        // A stack made over the API, as on AWS: the key pair must exist (EC2's error for RunInstances).
        props.fail("KeyName", "The key pair '" + launch.key_name + "' does not exist (InvalidKeyPair.NotFound)");
    if (!launch.key_name.empty() && !c.model.find_key_pair(launch.key_name)) {
        routing::KeyPair key;
        key.key_name = launch.key_name;
        c.model.create_key_pair("KeyName:" + launch.key_name, key);  // an ApiError names KeyName, so the loader points there
    }
    const auto& inst = c.model.run_instance(launch);
    c.instance_sites[inst.id] = {props.node().find("Tags") ? props.line_of("Tags") : c.line(), c.label(), props.node().find("Tags") != nullptr};
    const auto& eni = c.model.network_interface(inst.network_interface_ids.front());
    const auto& s = c.model.subnet(eni.subnet_id);
    if (!az.empty() && az != s.availability_zone)
        props.fail("AvailabilityZone", az + " is not the zone of subnet " + s.id + " (" + s.availability_zone + ")");
    c.set_ref(inst.id);
    c.set_att("PrivateIp", routing::format_ipv4(eni.private_ip));
    c.set_att("PrivateDnsName", endpoints::private_dns_name(eni.private_ip, c.options.region));
    c.set_att("AvailabilityZone", s.availability_zone);
    if (eni.public_ip) {
        c.set_att("PublicIp", routing::format_ipv4(*eni.public_ip));
        c.set_att("PublicDnsName", endpoints::public_dns_name(*eni.public_ip, c.options.region));
    }
}

}  // namespace

std::vector<ResourceType> instance_resource_types() {
    return {{"AWS::EC2::Instance", create_instance,
             {"InstanceType", "ImageId", "Monitoring", "EbsOptimized", "BlockDeviceMappings", "DisableApiTermination",
              "CreditSpecification", "IamInstanceProfile", "InstanceInitiatedShutdownBehavior"}}};
}

}  // namespace vpclab::cfn
