// The instance family of the EC2 API: RunInstances, TerminateInstances, DescribeInstances. Launching and
// terminating commit the model at once (pending, shutting-down) and leave the namespace work to the lab
// runtime, which reports back to the event loop (running, terminated): EC2's own lifecycle (EC2 User Guide,
// "Amazon EC2 instance state changes").
#include "router/control/ec2/family.hpp"

#include <ctime>
#include <set>

#include "endpoints/dns_zone.hpp"
#include "instance/base64.hpp"
#include "instance/userdata_script.hpp"

namespace vpclab::router::ec2 {

namespace {

json state_json(routing::InstanceState s) { return {{"Code", routing::code_of(s)}, {"Name", routing::name_of(s)}}; }

json instance_interface_json(const routing::VpcModel& m, const routing::NetworkInterface& e) {
    json j = json::object();
    if (json association = eni_association_json(m, e, false); !association.is_null()) j["Association"] = std::move(association);
    j["Attachment"] = json::object();
    if (!e.attach_time.empty()) j["Attachment"]["AttachTime"] = e.attach_time;
    j["Attachment"].update(json{{"AttachmentId", e.attachment_id}, {"DeleteOnTermination", e.delete_on_termination},
                                {"DeviceIndex", e.device_index}, {"Status", "attached"}, {"NetworkCardIndex", 0}});
    j["Description"] = e.description;
    j["Groups"] = groups_json(m, e);
    j["MacAddress"] = e.mac.to_string();
    j["NetworkInterfaceId"] = e.id;
    j["OwnerId"] = owner_id;
    j["PrivateDnsName"] = endpoints::private_dns_name(e.private_ip, m.region());
    j["PrivateIpAddress"] = routing::format_ipv4(e.private_ip);
    j["PrivateIpAddresses"] = private_ip_addresses_json(m, e, false);
    j["SourceDestCheck"] = e.source_dest_check;
    j["Status"] = "in-use";
    j["SubnetId"] = e.subnet_id;
    j["VpcId"] = e.vpc_id;
    j["InterfaceType"] = "interface";
    return j;
}

}  // namespace

// InstanceMetadataOptionsResponse: what the instance metadata service (endpoints/instance_metadata) honours.
json metadata_options_json(const routing::Instance& i, const char* state) {
    return {{"State", state}, {"HttpTokens", i.metadata_http_tokens}, {"HttpPutResponseHopLimit", i.metadata_hop_limit},
            {"HttpEndpoint", "enabled"}, {"HttpProtocolIpv6", "disabled"}, {"InstanceMetadataTags", "disabled"}};
}

// Member order of the EC2 API's Instance shape. A terminated instance has no interfaces, addresses or subnet.
json instance_json(const routing::VpcModel& m, const routing::Instance& i) {
    const routing::NetworkInterface* primary = i.network_interface_ids.empty() ? nullptr : &m.network_interface(i.network_interface_ids.front());
    json j = {{"AmiLaunchIndex", 0}, {"ImageId", i.image_id}, {"InstanceId", i.id}, {"InstanceType", i.instance_type}};
    if (!i.key_name.empty()) j["KeyName"] = i.key_name;
    if (!i.launch_time.empty()) j["LaunchTime"] = i.launch_time;
    j["Monitoring"] = {{"State", "disabled"}};
    j["Placement"] = {{"AvailabilityZone", i.availability_zone}, {"GroupName", ""}, {"Tenancy", "default"}};
    const bool hostnames = primary && m.vpc(primary->vpc_id).enable_dns_hostnames;
    j["PrivateDnsName"] = primary ? endpoints::private_dns_name(primary->private_ip, m.region()) : "";
    if (primary) j["PrivateIpAddress"] = routing::format_ipv4(primary->private_ip);
    j["PublicDnsName"] = primary && primary->public_ip && hostnames ? endpoints::public_dns_name(*primary->public_ip, m.region()) : "";
    if (primary && primary->public_ip) j["PublicIpAddress"] = routing::format_ipv4(*primary->public_ip);
    j["State"] = state_json(i.state);
    j["StateTransitionReason"] = i.state_transition_reason;
    if (primary) {
        j["SubnetId"] = primary->subnet_id;
        j["VpcId"] = primary->vpc_id;
    }
    // What a default Amazon Linux 2 instance shows (an HVM AMI on an EBS root, Nitro's ENA).
    j["Architecture"] = "x86_64";
    j["BlockDeviceMappings"] = json::array();
    j["EbsOptimized"] = false;
    j["EnaSupport"] = true;
    j["Hypervisor"] = "xen";
    json enis = json::array();
    for (const auto& id : i.network_interface_ids) enis.push_back(instance_interface_json(m, m.network_interface(id)));
    j["NetworkInterfaces"] = enis;
    j["RootDeviceName"] = "/dev/xvda";
    j["RootDeviceType"] = "ebs";
    j["SecurityGroups"] = primary ? groups_json(m, *primary) : json::array();
    if (primary) j["SourceDestCheck"] = primary->source_dest_check;
    // EC2 API reference, "StateReason": why a stopped or terminated instance is so.
    if (i.state == routing::InstanceState::stopping || i.state == routing::InstanceState::stopped ||
        i.state == routing::InstanceState::shutting_down || i.state == routing::InstanceState::terminated)
        j["StateReason"] = {{"Code", "Client.UserInitiatedShutdown"}, {"Message", "Client.UserInitiatedShutdown: User initiated shutdown"}};
    j["Tags"] = tags_json(m, i);
    j["VirtualizationType"] = "hvm";
    j["CpuOptions"] = {{"CoreCount", 1}, {"ThreadsPerCore", 2}};
    j["HibernationOptions"] = {{"Configured", false}};
    j["MetadataOptions"] = metadata_options_json(i, "applied");
    j["EnclaveOptions"] = {{"Enabled", false}};
    j["PlatformDetails"] = "Linux/UNIX";
    j["UsageOperation"] = "RunInstances";
    j["PrivateDnsNameOptions"] = {{"HostnameType", "ip-name"}, {"EnableResourceNameDnsARecord", false}, {"EnableResourceNameDnsAAAARecord", false}};
    return j;
}

namespace {

std::string user_initiated() { return utc_now("User initiated (%Y-%m-%d %H:%M:%S GMT)"); }

// --count N or MIN:MAX (the aws CLI's form), or the API's MinCount and MaxCount (what the CLI sends over the
// wire); vpclab launches MAX, all or nothing.
int launch_count(const Request& params) {
    constexpr int most_per_call = 256;  // bounds one call's work; a 1,000-instance lab runs on 24 GiB (README, Performance)
    std::string text = string_param(params, "Count");
    if (text.empty() && params.contains("MaxCount")) text = string_param(params, "MinCount") + ":" + string_param(params, "MaxCount");
    if (text.empty()) return 1;
    const auto colon = text.find(':');
    const std::string max = colon == std::string::npos ? text : text.substr(colon + 1);
    int n = 0;
    for (char c : max) {
        if (c < '0' || c > '9' || n > most_per_call) throw ApiError("InvalidParameterValue", "--count takes N or MIN:MAX (got '" + text + "')", "MaxCount");
        n = n * 10 + (c - '0');
    }
    if (max.empty() || n < 1) throw ApiError("InvalidParameterValue", "--count takes N or MIN:MAX with N at least 1 (got '" + text + "')", "MaxCount");
    if (n > most_per_call)
        throw ApiError("InstanceLimitExceeded", "vpclab launches at most " + std::to_string(most_per_call) + " instances per call (asked for " + std::to_string(n) + ")", "MaxCount");
    return n;
}

// HttpTokens, HttpPutResponseHopLimit, HttpEndpoint (enabled only: vpclab's metadata service cannot be
// turned off), as in --metadata-options and ModifyInstanceMetadataOptions.
void read_metadata_options(const Request& o, std::string& tokens, int& hop_limit) {
    if (!o.is_object()) throw ApiError("InvalidParameterValue", "MetadataOptions: expected HttpTokens=…,HttpPutResponseHopLimit=…", "MetadataOptions");
    for (auto it = o.begin(); it != o.end(); ++it) {
        const std::string& k = it.key();
        const std::string v = it->is_string() ? it->get<std::string>() : it->is_number_integer() ? std::to_string(it->get<int>()) : "";
        if (k == "HttpTokens") tokens = v;
        else if (k == "HttpPutResponseHopLimit") {
            if (v.empty() || v.size() > 3 || !std::all_of(v.begin(), v.end(), ::isdigit))
                throw ApiError("InvalidParameterValue", "HttpPutResponseHopLimit must be a number from 1 to 64", "HttpPutResponseHopLimit");
            hop_limit = std::stoi(v);
        } else if (k == "HttpEndpoint") {
            if (v != "enabled") throw ApiError("InvalidParameterValue", "HttpEndpoint: vpclab's instance metadata service is always enabled", "HttpEndpoint");
        } else {
            throw ApiError("InvalidParameterValue", "MetadataOptions: '" + k + "' is not supported by vpclab (HttpTokens, HttpPutResponseHopLimit, HttpEndpoint)", "MetadataOptions");
        }
    }
}

routing::InstanceLaunch launch_of(const Request& params) {
    routing::InstanceLaunch launch;
    launch.tags = tags_for(params, "instance");
    launch.image_id = string_param(params, "ImageId");
    if (auto t = string_param(params, "InstanceType"); !t.empty()) launch.instance_type = t;
    launch.key_name = string_param(params, "KeyName");
    // The aws CLI base64-encodes --user-data for RunInstances; EC2 keeps it so (DescribeInstanceAttribute).
    if (const std::string text = string_param(params, "UserData"); !text.empty()) {
        if (text.size() > instance::max_user_data_bytes)
            throw ApiError("InvalidParameterValue", "User data is limited to 16384 bytes", "UserData");
        launch.user_data = instance::base64_encode(text);
    }
    if (const Request* options = structures_param(params, "MetadataOptions")) {
        const Request& o = options->is_array() && options->size() == 1 ? options->front() : *options;
        read_metadata_options(o, launch.metadata_http_tokens, launch.metadata_hop_limit);
    }
    launch.state = routing::InstanceState::pending;
    launch.launch_time = now_iso8601();
    const auto top_public = bool_param(params, "AssociatePublicIpAddress");
    if (const Request* nics = structures_param(params, "NetworkInterfaces")) {
        // EC2 API reference, RunInstances: the subnet, address and groups go in the interface specification.
        for (const char* p : {"SubnetId", "PrivateIpAddress", "SecurityGroupIds"})
            if (params.contains(p))
                throw ApiError("InvalidParameterCombination", std::string("Network interfaces and an instance-level ") + p + " may not be specified on the same request", p);
        if (top_public)
            throw ApiError("InvalidParameterCombination", "Give AssociatePublicIpAddress either inside --network-interfaces or as --associate-public-ip-address, not both", "AssociatePublicIpAddress");
        for (const auto& nic : *nics) {
            static const std::set<std::string> known = {"DeviceIndex", "SubnetId", "AssociatePublicIpAddress", "PrivateIpAddress", "Groups", "DeleteOnTermination", "Description"};
            for (auto it = nic.begin(); it != nic.end(); ++it)
                if (const std::string& k = it.key(); !known.count(k))
                    throw ApiError("InvalidParameterValue", "NetworkInterfaces: '" + k + "' is not supported by vpclab (it takes DeviceIndex, SubnetId, AssociatePublicIpAddress, PrivateIpAddress, Groups, DeleteOnTermination, Description)", "NetworkInterfaces");
            routing::InstanceLaunch::Interface i;
            const std::string index = nic.contains("DeviceIndex") ? (nic["DeviceIndex"].is_number_integer() ? std::to_string(nic["DeviceIndex"].get<int>()) : nic["DeviceIndex"].is_string() ? nic["DeviceIndex"].get<std::string>() : "?") : "0";
            if (index.empty() || index.size() > 2 || !std::all_of(index.begin(), index.end(), ::isdigit))
                throw ApiError("InvalidParameterValue", "NetworkInterfaces: DeviceIndex must be a number (got " + index + ")", "DeviceIndex");
            i.device_index = std::stoi(index);
            i.subnet_id = string_param(nic, "SubnetId");
            if (i.subnet_id.empty()) throw ApiError("MissingParameter", "NetworkInterfaces: each interface needs a SubnetId", "SubnetId");
            i.associate_public_ip = bool_param(nic, "AssociatePublicIpAddress", "NetworkInterfaces.AssociatePublicIpAddress");
            i.private_ip = ipv4_param(nic, "PrivateIpAddress");
            i.security_group_ids = list_param(nic, "Groups");
            i.delete_on_termination = bool_param(nic, "DeleteOnTermination", "NetworkInterfaces.DeleteOnTermination").value_or(true);
            i.description = string_param(nic, "Description");
            launch.interfaces.push_back(std::move(i));
        }
    } else {
        routing::InstanceLaunch::Interface i;
        i.subnet_id = string_param(params, "SubnetId");
        if (i.subnet_id.empty()) throw ApiError("MissingParameter", "The request must contain --subnet-id or --network-interfaces (vpclab has no default VPC)", "SubnetId");
        i.private_ip = ipv4_param(params, "PrivateIpAddress");
        i.security_group_ids = list_param(params, "SecurityGroupIds");
        i.associate_public_ip = top_public;
        launch.interfaces.push_back(std::move(i));
    }
    std::sort(launch.interfaces.begin(), launch.interfaces.end(), [](const auto& a, const auto& b) { return a.device_index < b.device_index; });
    if (launch.interfaces.front().device_index != 0)
        throw ApiError("InvalidParameterValue", "An instance needs a network interface at DeviceIndex 0", "DeviceIndex");
    return launch;
}

json run_instances(const Request& params, RouterState& state) {
    const int count = launch_count(params);
    const routing::InstanceLaunch launch = launch_of(params);
    for (const auto& i : launch.interfaces)
        if (i.private_ip && count > 1)
            throw ApiError("InvalidParameterCombination", "A private IP address can only be given when launching one instance", "PrivateIpAddress");
    LabPlan plan = state.plan;
    std::vector<std::string> launched;
    json instances = json::array();
    state.commit([&](routing::VpcModel& next) {
        for (int n = 0; n < count; ++n) {
            const routing::Instance& inst = next.run_instance(launch);
            launched.push_back(inst.id);
            const auto& planned = plan.add_instance(next, inst);
            if (state.runtime && state.runtime->namespace_exists(planned.netns))
                throw ApiError("InvalidParameterValue", "A network namespace named '" + planned.netns + "' already exists on this machine; tag the instance with another Name", "TagSpecifications");
            json j = instance_json(next, inst);
            j["AmiLaunchIndex"] = n;
            instances.push_back(std::move(j));
        }
        return 0;
    });
    state.plan = std::move(plan);
    if (state.runtime)
        for (const auto& id : launched) state.runtime->launch(instance_setup(*state.model, *state.plan.find(id)));
    return {{"Groups", json::array()}, {"Instances", std::move(instances)}, {"OwnerId", owner_id},
            {"ReservationId", state.model->ids().make("r", launched.front())}};
}

json terminate_instances(const Request& params, RouterState& state) {
    const auto ids = list_param(params, "InstanceIds");
    if (ids.empty()) throw ApiError("MissingParameter", "The request must contain the parameter InstanceIds", "InstanceIds");
    struct Released {
        std::string instance_id, netns;
        std::vector<routing::PortId> ports;
    };
    std::vector<Released> released;
    json out = json::array();
    const std::string reason = user_initiated();
    state.commit([&](routing::VpcModel& next) {
        for (const auto& id : ids) {
            const routing::Instance& inst = next.instance(id);
            Released r{id, "", {}};
            for (const auto& eni : inst.network_interface_ids) r.ports.push_back(next.network_interface(eni).port);
            if (const auto* ns = state.plan.find(id)) r.netns = ns->netns;
            const routing::InstanceState before = next.terminate_instance(id, reason);
            const bool changed = before != routing::InstanceState::shutting_down && before != routing::InstanceState::terminated;
            if (changed) released.push_back(std::move(r));
            out.push_back({{"CurrentState", state_json(next.instance(id).state)}, {"InstanceId", id}, {"PreviousState", state_json(before)}});
        }
        return 0;
    });
    // The namespace stays in the plan (its name taken) until the runtime has removed it.
    for (const auto& r : released)
        if (state.runtime) state.runtime->release(r.instance_id, r.netns, r.ports);
    return {{"TerminatingInstances", out}};
}

// StopInstances / StartInstances. The lab's instance stops at once: its TAPs leave the data path with
// carrier down (processes inside keep running: there is no guest to power off), its auto-assigned public
// IP goes; starting brings the links back with a new public IP. The reply shows the transition
// (stopping, pending) as EC2's does; describe-instances then shows stopped, running.
json stop_or_start(const Request& params, RouterState& state, bool stop) {
    const auto ids = list_param(params, "InstanceIds");
    if (ids.empty()) throw ApiError("MissingParameter", "The request must contain the parameter InstanceIds", "InstanceIds");
    std::vector<routing::PortId> ports;
    json out = json::array();
    const std::string reason = user_initiated();
    state.commit([&](routing::VpcModel& next) {
        for (const auto& id : ids) {
            const routing::InstanceState before = stop ? next.stop_instance(id, reason) : next.start_instance(id);
            const routing::Instance& inst = next.instance(id);
            const bool changed = stop ? before == routing::InstanceState::running : before == routing::InstanceState::stopped;
            if (changed)
                for (const auto& eni : inst.network_interface_ids) ports.push_back(next.network_interface(eni).port);
            out.push_back({{"CurrentState", state_json(inst.state)}, {"InstanceId", id}, {"PreviousState", state_json(before)}});
        }
        return 0;
    });
    if (state.runtime) state.runtime->set_forwarding(ports, !stop);
    // The second half of the transition (stopped, running), committed at once: nothing slow happens between.
    state.commit([&](routing::VpcModel& next) {
        for (const auto& id : ids) {
            if (stop) next.finish_stop(id);
            else if (next.instance(id).state == routing::InstanceState::pending) next.set_instance_state(id, routing::InstanceState::running);
        }
        return 0;
    });
    return {{stop ? "StoppingInstances" : "StartingInstances", out}};
}

json stop_instances(const Request& params, RouterState& state) { return stop_or_start(params, state, true); }
json start_instances(const Request& params, RouterState& state) { return stop_or_start(params, state, false); }

// DescribeInstanceAttribute for the attributes vpclab keeps.
json describe_instance_attribute(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    const routing::Instance& inst = m.instance(string_param(params, "InstanceId"));
    const std::string attribute = string_param(params, "Attribute");
    json out = {{"InstanceId", inst.id}};
    if (attribute == "userData") {
        out["UserData"] = inst.user_data.empty() ? json::object() : json{{"Value", inst.user_data}};
    } else if (attribute == "instanceType") {
        out["InstanceType"] = {{"Value", inst.instance_type}};
    } else if (attribute == "sourceDestCheck") {
        if (inst.network_interface_ids.empty()) out["SourceDestCheck"] = json::object();
        else out["SourceDestCheck"] = {{"Value", m.network_interface(inst.network_interface_ids.front()).source_dest_check}};
    } else if (attribute == "groupSet") {
        out["Groups"] = inst.network_interface_ids.empty() ? json::array() : groups_json(m, m.network_interface(inst.network_interface_ids.front()));
    } else {
        throw ApiError("InvalidParameterValue", "Value (" + attribute + ") for parameter attribute is invalid: vpclab answers userData, instanceType, sourceDestCheck and groupSet", "Attribute");
    }
    return out;
}

// ModifyInstanceAttribute: --groups replaces the security groups of an instance with one network interface
// (EC2 API reference: with several, change each interface); --source-dest-check its primary interface's check.
json modify_instance_attribute(const Request& params, RouterState& state) {
    const routing::Instance& inst = state.model->instance(string_param(params, "InstanceId"));
    const bool groups = params.contains("Groups");
    const auto check = params.find("SourceDestCheck");
    if (groups == (check != params.end()))
        throw ApiError(groups ? "InvalidParameterCombination" : "MissingParameter", "Specify one attribute: --groups or --source-dest-check / --no-source-dest-check", "Attribute");
    if (inst.network_interface_ids.empty()) throw ApiError("IncorrectInstanceState", "The instance " + inst.id + " has no network interface", "InstanceId");
    if (groups && inst.network_interface_ids.size() > 1)
        throw ApiError("InvalidInstanceID", "There are multiple interfaces attached to instance '" + inst.id + "'. Please specify an interface ID for the operation instead.", "InstanceId");
    const std::string eni = inst.network_interface_ids.front();
    const auto group_ids = list_param(params, "Groups");
    return state.commit([&](routing::VpcModel& next) {
        if (groups) next.modify_network_interface_groups(eni, group_ids);
        else next.modify_source_dest_check(eni, (*check)["Value"].get<bool>());
        return json::object();
    });
}

json describe_instances(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    json reservations = json::array();
    for (auto& inst : describe(m.instances(), params, "InstanceIds", "InvalidInstanceID.NotFound", "instance", [&](const auto& i) { return instance_json(m, i); }))
        reservations.push_back({{"Groups", json::array()}, {"Instances", json::array({inst})}, {"OwnerId", owner_id},
                                {"ReservationId", m.ids().make("r", inst["InstanceId"].get<std::string>())}});
    return {{"Reservations", reservations}};
}


json modify_instance_metadata_options(const Request& params, RouterState& state) {
    const std::string id = string_param(params, "InstanceId");
    std::optional<std::string> tokens;
    std::optional<int> hop_limit;
    Request o = Request::object();
    for (const char* k : {"HttpTokens", "HttpPutResponseHopLimit", "HttpEndpoint"})
        if (params.contains(k)) o[k] = params[k];
    std::string t = state.model->instance(id).metadata_http_tokens;
    int h = state.model->instance(id).metadata_hop_limit;
    read_metadata_options(o, t, h);
    if (o.contains("HttpTokens")) tokens = t;
    if (o.contains("HttpPutResponseHopLimit")) hop_limit = h;
    return state.commit([&](routing::VpcModel& next) {
        next.modify_metadata_options(id, tokens, hop_limit);
        return json{{"InstanceId", id}, {"InstanceMetadataOptions", metadata_options_json(next.instance(id), "pending")}};
    });
}
}  // namespace
}  // namespace vpclab::router::ec2

namespace vpclab::router {

std::vector<ActionSpec> instance_actions() {
    using namespace ec2;
    return {
        {"describe-instances", "DescribeInstances", "list instances (terminated ones stay listed)",
         {{"--instance-ids", "InstanceIds", K::list, false}, {"--filters", "Filters", K::filters, false}}, describe_instances,
         {"instance-id", "subnet-id", "vpc-id", "private-ip-address", "ip-address", "instance-state-name", "instance-state-code",
          "instance-type", "image-id", "key-name", "tag-key"}},
        {"run-instances", "RunInstances", "launch instances: each gets a network namespace, pending until its interfaces are up",
         {{"--image-id", "ImageId", K::string, false},
          {"--instance-type", "InstanceType", K::string, false},
          {"--key-name", "KeyName", K::string, false},
          {"--subnet-id", "SubnetId", K::string, false},
          {"--private-ip-address", "PrivateIpAddress", K::string, false},
          {"--security-group-ids", "SecurityGroupIds", K::list, false},
          {"--associate-public-ip-address", "AssociatePublicIpAddress", K::boolean, false,
           "the aws CLI's own option (awscli/customizations/ec2/runinstances.py): it sends NetworkInterfaces.1.AssociatePublicIpAddress"},
          {"--network-interfaces", "NetworkInterfaces", K::structures, false},
          {"--tag-specifications", "TagSpecifications", K::structures, false},
          {"--user-data", "UserData", K::string, false},
          {"--metadata-options", "MetadataOptions", K::structures, false},
          {"--count", "Count", K::string, false,
           "the aws CLI's own option (awscli/customizations/ec2/runinstances.py): it sends MinCount and MaxCount"},
          {nullptr, "MinCount", K::string, false}, {nullptr, "MaxCount", K::string, false}},
         run_instances},
        {"modify-instance-metadata-options", "ModifyInstanceMetadataOptions",
         "IMDSv2 only (--http-tokens required) or v1 too (optional); the token reply's hop limit",
         {{"--instance-id", "InstanceId", K::string, true}, {"--http-tokens", "HttpTokens", K::string, false},
          {"--http-put-response-hop-limit", "HttpPutResponseHopLimit", K::string, false}, {"--http-endpoint", "HttpEndpoint", K::string, false}},
         modify_instance_metadata_options},
        {"modify-instance-attribute", "ModifyInstanceAttribute", "replace an instance's security groups (--groups) or change its source/destination check",
         {{"--instance-id", "InstanceId", K::string, true}, {"--groups", "Groups", K::list, false},
          {"--source-dest-check", "SourceDestCheck", K::attribute_boolean, false}},
         modify_instance_attribute},
        {"describe-instance-attribute", "DescribeInstanceAttribute", "show an instance's userData (base64, as EC2 keeps it), instanceType, sourceDestCheck or groupSet",
         {{"--instance-id", "InstanceId", K::string, true}, {"--attribute", "Attribute", K::string, true}}, describe_instance_attribute},
        {"terminate-instances", "TerminateInstances", "terminate instances: their namespaces and interfaces are removed",
         {{"--instance-ids", "InstanceIds", K::list, true}}, terminate_instances},
        {"stop-instances", "StopInstances", "stop instances: their links go down (NO-CARRIER), addresses are kept, an auto-assigned public IP released",
         {{"--instance-ids", "InstanceIds", K::list, true}, {"--force", "Force", K::flag, false}}, stop_instances},
        {"start-instances", "StartInstances", "start stopped instances: links up again, a new public IP if they had one",
         {{"--instance-ids", "InstanceIds", K::list, true}}, start_instances},
    };
}

}  // namespace vpclab::router
