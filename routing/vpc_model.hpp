// The lab's VPC model: VPCs, subnets, route tables, gateways, security groups, instances and their ENIs.
//
// Every change goes through a method here that validates it the way the EC2 API does and throws ApiError
// (naming the offending parameter) before touching anything, so templates and runtime calls share one set
// of rules. The model is control-plane data; the data path reads a ForwardingSnapshot compiled from it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "routing/api_error.hpp"
#include "routing/aws_account.hpp"
#include "routing/endpoint_services.hpp"
#include "routing/flow_log_format.hpp"
#include "routing/ipv4_cidr.hpp"
#include "routing/load_balancers.hpp"
#include "routing/resource_base.hpp"
#include "routing/resource_ids.hpp"
#include "routing/traffic_mirroring.hpp"
#include "wire/mac_address.hpp"

namespace vpclab::routing {

// A router port: one TAP. The region and the resolver have fixed ports; every ENI gets the lowest free
// number from first_eni_port up when it is created and keeps it until it is deleted, so creating or removing
// one ENI never renumbers another (counters, epoll tags and the snapshot all use it).
using PortId = std::uint32_t;
constexpr PortId region_port = 0, resolver_port = 1, first_eni_port = 2;

// EC2 instance states with the API's codes (EC2 API reference, "InstanceState").
enum class InstanceState : std::uint8_t { pending, running, shutting_down, terminated, stopping, stopped };
int code_of(InstanceState s);
const char* name_of(InstanceState s);

struct Vpc : ResourceBase {
    Cidr cidr;
    bool enable_dns_support = true;     // AWS default for every VPC
    bool enable_dns_hostnames = false;  // AWS default for a non-default VPC
    std::string main_route_table_id;
    std::string default_security_group_id;
    std::string default_network_acl_id;
};

struct Subnet : ResourceBase {
    std::string vpc_id;
    Cidr cidr;
    std::string availability_zone;
    bool map_public_ip_on_launch = false;
    // AWS reserves the first four addresses and the last one of every subnet (VPC User Guide, "Subnet CIDR blocks").
    std::uint32_t router_address() const { return cidr.network + 1; }
    std::uint32_t dns_address() const { return cidr.network + 2; }
    bool is_reserved(std::uint32_t a) const { return a - cidr.network < 4 || a == cidr.last(); }
};

enum class RouteTargetKind { local, internet_gateway, network_interface, gateway_endpoint, nat_gateway, vpc_peering, transit_gateway };

struct Route {
    Cidr destination;                      // unused when the destination is a prefix list
    std::string destination_prefix_list_id;  // pl-…: every entry of the list is a destination of the route
    RouteTargetKind target_kind = RouteTargetKind::local;
    std::string target_id;  // "local", igw-…, eni-…, vpce-…, nat-…, pcx-… or tgw-…
    std::string instance_id;  // set when the route was created with --instance-id (shown by describe)
    std::string origin;       // "CreateRouteTable" (local) or "CreateRoute"
    bool to_prefix_list() const { return !destination_prefix_list_id.empty(); }
    // "10.0.0.0/16" or "pl-…": how the aws CLI names the route's destination.
    std::string destination_text() const { return to_prefix_list() ? destination_prefix_list_id : destination.to_string(); }
};

struct RouteTable : ResourceBase {
    std::string vpc_id;
    bool main = false;
    std::vector<Route> routes;
    std::vector<std::string> associated_subnet_ids;  // explicit associations
    std::vector<std::string> association_ids;        // rtbassoc-… of each, same order
    std::string main_association_id;                 // while main
    void remove_association(const std::string& subnet_id) {
        for (std::size_t i = 0; i < associated_subnet_ids.size(); ++i)
            if (associated_subnet_ids[i] == subnet_id) {
                associated_subnet_ids.erase(associated_subnet_ids.begin() + static_cast<std::ptrdiff_t>(i));
                association_ids.erase(association_ids.begin() + static_cast<std::ptrdiff_t>(i));
                return;
            }
    }
};

// A service of the region a VPC endpoint can reach (DescribeVpcEndpointServices): the router fills the
// model's list from the region's catalog. Gateway services publish their addresses as an AWS-managed
// prefix list (VPC User Guide, "Gateway endpoints": S3 and DynamoDB).
struct ServiceOffer {
    std::string service_name;   // com.amazonaws.<region>.s3
    bool gateway = false;       // takes Gateway endpoints
    std::string prefix_list_id; // gateway services: their AWS-managed list
    Cidr block;                 // the addresses the service answers at
    bool interface = true;      // takes Interface endpoints (every AWS service today, S3 and DynamoDB too)
    std::string dns_name;       // its default DNS name, "cloudformation.<region>.amazonaws.com"
    std::uint32_t address = 0;  // the address its default name resolves to in the region
};

struct PrefixListEntry {
    Cidr cidr;
    std::string description;
    friend bool operator==(const PrefixListEntry& a, const PrefixListEntry& b) { return a.cidr == b.cidr; }
};

// A managed prefix list (VPC User Guide, "Managed prefix lists"): AWS-managed (a gateway service's, read-only)
// or customer-managed (pl- + 17 hex, versioned: every change of entries is a new version).
struct ManagedPrefixList : ResourceBase {
    std::string name;
    bool aws_managed = false;
    int max_entries = 0;
    int version = 1;
    std::vector<PrefixListEntry> entries;
    std::vector<std::vector<PrefixListEntry>> earlier_versions;  // [v-1] is version v's entries (GetManagedPrefixListEntries --target-version)
};

// A gateway VPC endpoint (VPC User Guide, "Gateway endpoints"): routes to its service's prefix list in the
// tables it is associated with. `slot` numbers it for the data path (the region sees each endpoint's traffic
// at its own addresses), lowest free at creation, kept until deletion.
struct VpcEndpoint : ResourceBase {
    std::string vpc_id, service_name, prefix_list_id;
    std::string endpoint_type = "Gateway";  // or "Interface"
    std::string policy_document;  // JSON text, as given (or the default full-access policy)
    std::vector<std::string> route_table_ids;
    std::string creation_timestamp;  // ISO 8601
    std::uint32_t slot = 0;  // its /24 in the region's endpoint block (ServicePorts::endpoint_address)
    // Interface endpoints (VPC User Guide / PrivateLink Guide, "Access an AWS service using an interface VPC
    // endpoint"): one requester-managed ENI per subnet, in subnet order; groups on every ENI.
    std::vector<std::string> subnet_ids, network_interface_ids, security_group_ids;
    bool private_dns_enabled = false;
    // "available"; an interface endpoint to an endpoint service that requires acceptance is
    // "pendingAcceptance" until the provider accepts it ("available") or rejects it ("rejected").
    std::string state = "available";
    bool to_endpoint_service = false;  // an interface endpoint to an endpoint service (PrivateLink), even once it is gone
    bool interface() const { return endpoint_type == "Interface"; }
};

// An interface endpoint's DNS names (PrivateLink Guide, "DNS hostnames"): the regional one,
// vpce-<id>-<8 chars>.<service>.<region>.vpce.amazonaws.com, and one per AZ with "-<az>" after the 8 chars.
std::string endpoint_regional_dns_name(const VpcEndpoint& endpoint, const std::string& region);
std::string endpoint_zonal_dns_name(const VpcEndpoint& endpoint, const std::string& region, const std::string& availability_zone);

// CloudFormation's name for a load balancer or target group its template leaves unnamed: the stack name's and
// the logical ID's first 5 characters and 12 more ("jh-CF-jhCus-ULNX38G0076B").
std::string generated_elb_name(const std::string& stack_name, const std::string& logical_id);
// A health check matcher's HTTP codes ("200", "200-399", "200,302"), or nullopt when it is not one.
std::optional<std::vector<std::pair<int, int>>> parse_http_codes(const std::string& text);

// The policy a gateway endpoint gets when none is given: full access (VPC User Guide, "Control access to
// VPC endpoints using endpoint policies").
inline const char* default_endpoint_policy =
    "{\"Version\":\"2008-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"*\",\"Resource\":\"*\"}]}";
constexpr std::uint32_t max_vpc_endpoints = 128;  // slots: the region's endpoint address block holds 128 /24s

struct InternetGateway : ResourceBase {
    std::string attached_vpc_id;  // empty when detached
};

// A NAT gateway (VPC User Guide, "NAT gateways"): in one subnet, with a requester-managed ENI there; a public
// one translates to its Elastic IP through the VPC's internet gateway, a private one to its private address.
// It is made at once: "pending" is what CreateNatGateway answers, "available" what it is from then on; one
// that cannot be made is "failed" with the reason AWS gives, one deleted "deleted", both listed about an hour
// (VPC User Guide, "Delete a NAT gateway"; "Troubleshoot NAT gateways").
struct NatGateway : ResourceBase {
    std::string vpc_id, subnet_id;
    std::string connectivity_type = "public";  // public | private
    std::string state = "available";           // failed | available | deleted
    std::string failure_code, failure_message;
    std::string network_interface_id;          // its ENI (kept as a name once deleted)
    std::string allocation_id, association_id;  // public: its Elastic IP and the association
    std::uint32_t private_ip = 0, public_ip = 0;
    std::int64_t created_at = 0, gone_at = 0;  // seconds since the epoch; gone_at once failed or deleted
    bool available() const { return state == "available"; }
};

// A VPC peering connection between two VPCs of the lab (one account, one region: VPC Peering Guide, "VPC
// peering connection lifecycle"): requested, it waits for acceptance ("pending-acceptance"; "failed" at once
// when the CIDRs overlap); accepted, "active"; rejected, "rejected"; deleted, "deleted". Those last three
// stay listed for two hours (the guide's figure for one account), a request for a week before it "expired".
struct VpcPeeringConnection : ResourceBase {
    std::string requester_vpc_id, accepter_vpc_id;
    Cidr requester_cidr, accepter_cidr;          // as they were (shown once a VPC is gone too)
    std::string status = "pending-acceptance";
    std::string message;                         // the status's message, as AWS words it
    std::int64_t created_at = 0, gone_at = 0;    // seconds since the epoch; gone_at once failed, rejected, deleted or expired
    // AllowDnsResolutionFromRemoteVpc of each side's options: this side's instances' public DNS names resolve
    // to their private addresses when asked from the other side's VPC (EC2 API Reference,
    // "PeeringConnectionOptions"; VPC Peering Guide, "Enable DNS resolution for a VPC peering connection").
    bool requester_dns = false, accepter_dns = false;
    static constexpr std::int64_t listed_seconds = 2 * 3600, request_seconds = 7 * 86400;
    bool active() const { return status == "active"; }
    // Failed, rejected, deleted or expired.
    bool ended() const;
    // The connection as it stands at `now`: a request left alone for a week has "expired" (at created_at + 7 days).
    VpcPeeringConnection seen_at(std::int64_t now) const;
    // Whether it is listed at `now`: ended ones for two hours.
    bool listed_at(std::int64_t now) const;
    // The other VPC of the connection, seen from `vpc_id` (empty if it is neither).
    const std::string& peer_of(const std::string& vpc_id) const {
        static const std::string none;
        return vpc_id == requester_vpc_id ? accepter_vpc_id : vpc_id == accepter_vpc_id ? requester_vpc_id : none;
    }
};

// A transit gateway (Transit Gateways Guide, "How transit gateways work"): a regional router between the
// VPCs attached to it, whose route tables decide which attachment a packet leaves by. Made at once: "pending"
// is what CreateTransitGateway answers, "available" what it is from then on. Unless both defaults are off,
// it gets a default route table that new attachments are associated with and propagate to.
struct TransitGateway : ResourceBase {
    std::string description;
    std::int64_t amazon_side_asn = 64512;
    bool default_route_table_association = true, default_route_table_propagation = true;
    bool dns_support = true, vpn_ecmp_support = true, auto_accept_shared_attachments = false;
    std::string default_route_table_id;  // tgw-rtb-… (association and propagation default), empty when none
    std::int64_t created_at = 0;         // seconds since the epoch
};

// A VPC attachment (Transit Gateways Guide, "Transit gateway attachments to a VPC"): one requester-managed
// ENI in each of its subnets, one subnet per Availability Zone; the route table it is associated with routes
// what enters the transit gateway through it. In one account it is "available" at once (pendingAcceptance
// is for another account's VPC).
struct TransitGatewayVpcAttachment : ResourceBase {
    std::string transit_gateway_id, vpc_id;
    std::vector<std::string> subnet_ids, network_interface_ids;  // same order
    bool appliance_mode = false, dns_support = true;
    std::string associated_route_table_id;  // empty: not associated (what enters through it is dropped)
    std::int64_t created_at = 0;
};

// A transit gateway route: static (to an attachment, or a blackhole), or propagated from an attachment's VPC.
struct TransitGatewayRoute {
    Cidr destination;
    std::string attachment_id;  // empty for a blackhole route
    bool blackhole = false;
    bool propagated = false;
};

struct TransitGatewayRouteTable : ResourceBase {
    std::string transit_gateway_id;
    bool default_table = false;
    std::vector<TransitGatewayRoute> static_routes;        // in creation order
    std::vector<std::string> propagating_attachment_ids;  // in the order propagation was enabled
    std::int64_t created_at = 0;
};

// A key pair (EC2 User Guide, "Amazon EC2 key pairs and Amazon EC2 instances"): its public half, which
// instances launched with it get in authorized_keys. The private half is handed out once, never kept.
struct KeyPair : ResourceBase {
    std::string key_name;
    std::string key_type = "rsa";  // rsa | ed25519
    std::string fingerprint;
    std::string public_key;        // OpenSSH line; empty until made (a template's KeyName: at `vpclab up`)
    std::string create_time;       // ISO 8601
};

// One rule of a security group (EC2 User Guide, "Security group rules"): allow-only. The peer is exactly one
// of a CIDR, a prefix list or a security group (its members' private addresses); for ingress the peer is
// the source, for egress the destination.
struct SecurityGroupRule {
    std::string ip_protocol = "-1";  // "-1" all, "tcp", "udp", "icmp" or another protocol number ("47")
    int from_port = -1, to_port = -1;  // TCP/UDP port range; ICMP type and code (-1: any); unused otherwise
    std::optional<Cidr> cidr;
    std::string source_group_id;  // the peer group (named "source" for ingress and "destination" for egress)
    std::string prefix_list_id;
    std::string description;
    std::string rule_id;  // sgr-…
    // The same permission: protocol, ports and peer (the rule ID and description aside).
    bool same_permission(const SecurityGroupRule& o) const {
        return ip_protocol == o.ip_protocol && from_port == o.from_port && to_port == o.to_port && cidr == o.cidr &&
               source_group_id == o.source_group_id && prefix_list_id == o.prefix_list_id;
    }
    // "peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW", as EC2 names a rule in its errors.
    std::string describe() const;
};

struct SecurityGroup : ResourceBase {
    std::string group_name, description, vpc_id;
    std::vector<SecurityGroupRule> ingress, egress;
};

// An ENI's connection tracking timeouts in seconds (EC2 API reference, "ConnectionTrackingSpecificationRequest").
struct ConnectionTrackingTimeouts {
    int tcp_established = 432000;  // 60 – 432,000
    int udp_stream = 180;          // 60 – 180: UDP flows that saw more than one request-response
    int udp = 30;                  // 30 – 60: UDP flows that saw traffic one way or one request-response
    friend bool operator==(const ConnectionTrackingTimeouts&, const ConnectionTrackingTimeouts&) = default;
};

// A network ACL rule (VPC User Guide, "Network ACL rules"): numbered, allow or deny, stateless.
struct NetworkAclEntry {
    int rule_number = 0;  // 1 – 32766; the final "*" rule (32767) denies and is not stored
    bool egress = false;
    std::string protocol = "-1";  // "-1" (all) or a protocol number as text ("6"), as DescribeNetworkAcls shows it
    bool allow = false;
    Cidr cidr;
    struct PortRange {
        int from = 0, to = 65535;
    };
    struct IcmpTypeCode {
        int type = -1, code = -1;  // -1: any
    };
    std::optional<PortRange> port_range;  // TCP (6) and UDP (17) only: required there
    std::optional<IcmpTypeCode> icmp;     // ICMP (1) only: required there
};
constexpr int network_acl_final_rule = 32767;

struct NetworkAclAssociation {
    std::string association_id;  // aclassoc-…
    std::string subnet_id;
};

struct NetworkAcl : ResourceBase {
    std::string vpc_id;
    bool is_default = false;
    std::vector<NetworkAclEntry> entries;  // in rule-number order within each direction
    std::vector<NetworkAclAssociation> associations;
};

struct NetworkInterface : ResourceBase {
    std::string subnet_id, vpc_id;
    std::string instance_id;    // empty while the ENI is not attached ("available")
    std::string attachment_id;  // eni-attach-…, while attached
    std::string attach_time;    // ISO 8601, while attached (the instance's launch time for its own ENIs)
    bool delete_on_termination = true;  // an instance's own ENIs; ENIs attached later keep false (AWS default)
    bool auto_public_ip = false;        // its public IP was auto-assigned at launch (a new one after a stop)
    PortId port = 0;
    std::string description;
    int device_index = 0;
    std::uint32_t private_ip = 0;
    std::optional<std::uint32_t> public_ip;  // auto-assigned, or the Elastic IP associated with it
    wire::MacAddress mac;
    bool source_dest_check = true;
    std::vector<std::string> security_group_ids;
    ConnectionTrackingTimeouts connection_tracking;
    // "interface" for an instance's ENI; "vpc_endpoint" for an interface endpoint's, "network_load_balancer"
    // for a load balancer node's and "nat_gateway" for a NAT gateway's, which AWS manages (RequesterManaged)
    // and the router serves itself.
    std::string interface_type = "interface";
    bool requester_managed() const { return interface_type != "interface"; }
};

// An Elastic IP (EC2 User Guide, "Elastic IP addresses"): allocated to the account, associated with an ENI.
// ResourceBase::id is the allocation ID too (what CreateTags names).
struct ElasticIp : ResourceBase {
    std::string allocation_id;   // eipalloc-…
    std::uint32_t public_ip = 0;
    std::string association_id;  // eipassoc-…, empty when not associated
    std::string network_interface_id;
};

struct Instance : ResourceBase {
    std::string instance_type, image_id, key_name;
    std::string public_key;  // key_name's public half at launch: the instance keeps it whatever befalls the pair
    std::vector<std::string> network_interface_ids;  // in device-index order of attachment; [0] is eth0
    std::string user_data;  // base64, as given (kept for UserData emulation); empty: none
    // MetadataOptions (EC2 API reference, "InstanceMetadataOptionsRequest"): IMDSv1 allowed unless tokens are
    // required; the token's reply's IP TTL.
    std::string metadata_http_tokens = "optional";
    int metadata_hop_limit = 1;
    InstanceState state = InstanceState::running;
    std::string state_transition_reason;  // e.g. "User initiated (2026-11-24 08:00:00 GMT)"
    std::string launch_time;              // ISO 8601
    std::string availability_zone;        // its subnet's, kept after termination
    std::int64_t terminated_at = 0;       // seconds since the epoch, once terminated
    // The ENIs a running instance forwards on: in the snapshot while pending or running.
    bool forwards() const { return state == InstanceState::pending || state == InstanceState::running; }
};

// A VPC flow log (VPC User Guide, "Logging IP traffic using VPC Flow Logs"): the traffic of a VPC's, a
// subnet's or one ENI's network interfaces, published per aggregation interval to a CloudWatch Logs log
// group the lab keeps, or to an S3 bucket (objects under the stack's directory).
struct FlowLog : ResourceBase {
    std::string resource_id;
    std::string resource_type;        // VPC | Subnet | NetworkInterface
    std::string traffic_type = "ALL";  // ACCEPT | REJECT | ALL
    std::string log_destination_type = "cloud-watch-logs";  // or s3
    std::string log_group_name;       // cloud-watch-logs
    std::string log_destination;      // its ARN: arn:aws:logs:…:log-group:NAME, or arn:aws:s3:::bucket/prefix/
    std::string log_format;           // as given (or the default)
    std::vector<FlowLogField> fields;  // parsed from log_format
    int max_aggregation_interval = 600;  // seconds: 60 or 600
    std::string deliver_logs_permission_arn;
    std::string creation_time;        // ISO 8601 with milliseconds
    // Whether it logs `eni`: its own, its subnet's or its VPC's flow log.
    template <class Eni>
    bool covers(const Eni& eni) const { return resource_id == eni.id || resource_id == eni.subnet_id || resource_id == eni.vpc_id; }
};

// What CreateFlowLogs asks for besides the resources.
struct FlowLogSpec {
    std::string resource_type, traffic_type = "ALL", log_destination_type = "cloud-watch-logs";
    std::string log_group_name, log_destination, log_format, deliver_logs_permission_arn, creation_time;
    int max_aggregation_interval = 600;
    std::vector<Tag> tags;
};

// A Reachability Analyzer path (EC2 API reference, "CreateNetworkInsightsPath"): a source and a destination
// resource (or a destination address), a protocol and port. Only what was asked is kept; the analysis
// resolves it against the model as it is when it starts.
struct NetworkInsightsPath : ResourceBase {
    std::string source, destination;            // resource IDs (or ARNs) as given; destination may be empty
    std::string source_arn, destination_arn;
    std::optional<std::uint32_t> source_ip, destination_ip;
    std::string protocol;                       // "tcp" or "udp" (the API's Protocol enum)
    std::optional<int> destination_port;
    std::string created_date;                   // ISO 8601
};

// One analysis of a path ("StartNetworkInsightsAnalysis"). Its findings are rendered once, when it runs,
// by the control plane (router/trace/path_analysis.hpp), and kept as the JSON text of the EC2 shapes:
// the model stores them, it does not read them.
struct NetworkInsightsAnalysis : ResourceBase {
    std::string path_id, start_date;
    std::string status = "running";  // running | succeeded | failed
    std::string status_message;      // failed: why
    std::optional<bool> network_path_found;
    std::string findings_json;       // {"ForwardPathComponents": …, "ReturnPathComponents": …, "Explanations": …}
};

// What an instance launch asks for; mirrors RunInstances / AWS::EC2::Instance.
struct InstanceLaunch {
    std::string logical_id;
    std::vector<Tag> tags;
    std::string instance_type = "t2.micro", image_id, key_name;
    std::string user_data;  // base64
    std::string metadata_http_tokens = "optional";  // or "required"
    int metadata_hop_limit = 1;                     // 1 to 64
    InstanceState state = InstanceState::running;  // runtime launches start pending
    std::string launch_time;
    struct Interface {
        int device_index = 0;
        std::string subnet_id;
        std::optional<std::uint32_t> private_ip;
        std::optional<bool> associate_public_ip;  // unset: the subnet's MapPublicIpOnLaunch decides
        std::vector<std::string> security_group_ids;
        bool source_dest_check = true;
        bool delete_on_termination = true;
        std::string description;
    };
    std::vector<Interface> interfaces;
};

// Where instances' public IPs and Elastic IPs come from (the router derives it from the region's plan;
// default 198.19.0.0/16, inside the 198.18.0.0/15 range DESIGN.md §6 sets aside for test labs).
struct PublicIpPool {
    Cidr pool{0xc6130000, 16};
    std::uint32_t first_host_offset = 10;
};

class VpcModel {
public:
    VpcModel(std::string stack_name, std::string region, PublicIpPool pool = {});

    const std::string& stack_name() const { return ids_.stack_name(); }
    const std::string& region() const { return region_; }
    // The stack's ARN, as CloudFormation's AWS::StackId and aws:cloudformation:stack-id tag give it
    // (deterministic for the stack name, like every ID here).
    std::string stack_id() const;
    ResourceIds& ids() { return ids_; }
    const ResourceIds& ids() const { return ids_; }

    // CloudFormation stacks made in the running lab (CreateStack, a change set): while one's template is
    // loaded, what it makes is that stack's: its IDs are drawn from the stack's ID and the logical ID (two
    // stacks' "VPC" are two VPCs, and a stack made again under a deleted one's name does not meet the IDs of
    // its terminated instances, listed for an hour), and its aws:cloudformation:* tags name it. Ended by
    // end_stack_template.
    void begin_stack_template(const std::string& stack_name, const std::string& stack_id);
    void end_stack_template() {
        creating_stack_.clear();
        creating_stack_id_.clear();
    }
    // The stack name and ID a template resource's aws:cloudformation:* tags give (the lab's own for what
    // `vpclab up` made).
    std::string stack_name_of(const ResourceBase& r) const;
    std::string stack_id_of(const ResourceBase& r) const { return r.cloudformation_stack_id.empty() ? stack_id() : r.cloudformation_stack_id; }
    // The ID of a template's resource of that kind and logical ID (in the stack being loaded, if any).
    std::string template_id(const char* prefix, const std::string& logical_id) const;

    // --- changes (each validates fully first, then applies; throws ApiError) ---
    Vpc& create_vpc(const std::string& logical_id, const std::string& cidr_text, std::vector<Tag> tags);
    Subnet& create_subnet(const std::string& logical_id, const std::string& vpc_id, const std::string& cidr_text,
                          const std::string& availability_zone, bool map_public_ip, std::vector<Tag> tags);
    RouteTable& create_route_table(const std::string& logical_id, const std::string& vpc_id, std::vector<Tag> tags);
    // DeleteVpc at `now` (seconds since the epoch: its peering connections are deleted then).
    void delete_vpc(const std::string& vpc_id, std::int64_t now);
    void delete_subnet(const std::string& subnet_id);
    void modify_subnet_attribute(const std::string& subnet_id, bool map_public_ip_on_launch);
    void delete_route_table(const std::string& route_table_id);
    // Returns the association ID (rtbassoc-…).
    std::string associate_route_table(const std::string& route_table_id, const std::string& subnet_id);
    void disassociate_route_table(const std::string& association_id);
    // A subnet's association moves to another table; the main association makes that table the VPC's main.
    std::string replace_route_table_association(const std::string& association_id, const std::string& route_table_id);
    // A table's association ID for a subnet, or for being main (subnet_id empty). Each association gets a
    // new ID, as on AWS: an ID from before a disassociation never names a later association.
    std::string association_id(const RouteTable& table, const std::string& subnet_id) const;
    InternetGateway& create_internet_gateway(const std::string& logical_id, std::vector<Tag> tags);
    // --- NAT gateways (routing/model/nat_gateways.cpp) ---
    // CreateNatGateway: checks what EC2 refuses outright (the subnet, the connectivity type and whether it
    // takes an Elastic IP, a private address, 5 per Availability Zone); what AWS reports later as a failure
    // (the VPC without an attached internet gateway, an Elastic IP not found or already associated, a full
    // subnet) makes the gateway "failed" with AWS's code and message. `now`: seconds since the epoch.
    struct NatGatewaySpec {
        std::string subnet_id, connectivity_type = "public", allocation_id;
        std::optional<std::uint32_t> private_ip;
        std::vector<Tag> tags;
    };
    NatGateway& create_nat_gateway(const std::string& logical_id, const NatGatewaySpec& spec, std::int64_t now);
    // DeleteNatGateway: "deleted" (its ENI deleted, its Elastic IP disassociated, not released; its routes
    // stay, as blackholes). A failed or deleted one is refused (InvalidNatGatewayID.NotFound once forgotten).
    void delete_nat_gateway(const std::string& nat_gateway_id, std::int64_t now);
    // Failed and deleted gateways are listed for about an hour, then forgotten.
    void forget_old_nat_gateways(std::int64_t now);
    static constexpr std::int64_t nat_gateway_listed_seconds = 3600;
    static constexpr std::size_t nat_gateways_per_zone = 5;  // Amazon VPC quotas, "NAT gateways per Availability Zone"
    const NatGateway& nat_gateway(const std::string& id) const;
    const std::vector<NatGateway>& nat_gateways() const { return nat_gateways_; }

    // --- VPC peering (routing/model/vpc_peering.cpp; VPC Peering Guide) ---
    // CreateVpcPeeringConnection: both VPCs of the lab (same account and region); overlapping CIDRs make it
    // "failed" (the guide: "You cannot create a VPC peering connection between VPCs with matching or
    // overlapping IPv4 CIDR blocks"). `now`: seconds since the epoch.
    VpcPeeringConnection& create_vpc_peering_connection(const std::string& logical_id, const std::string& vpc_id, const std::string& peer_vpc_id,
                                                        std::vector<Tag> tags, std::int64_t now);
    // Accept (pending-acceptance → active), reject (pending-acceptance → rejected), delete (pending or active
    // → deleted: its routes stay as blackholes). Anything else is refused with AWS's code, changing nothing.
    VpcPeeringConnection& accept_vpc_peering_connection(const std::string& id, std::int64_t now);
    void reject_vpc_peering_connection(const std::string& id, std::int64_t now);
    void delete_vpc_peering_connection(const std::string& id, std::int64_t now);
    // ModifyVpcPeeringConnectionOptions: AllowDnsResolutionFromRemoteVpc for either side (unset: kept); an
    // active connection only.
    void modify_vpc_peering_options(const std::string& id, std::optional<bool> requester_dns, std::optional<bool> accepter_dns);
    void forget_old_vpc_peering_connections(std::int64_t now);
    static constexpr std::int64_t peering_listed_seconds = VpcPeeringConnection::listed_seconds,
                                  peering_request_seconds = VpcPeeringConnection::request_seconds;
    const VpcPeeringConnection& vpc_peering_connection(const std::string& id) const;
    const std::vector<VpcPeeringConnection>& vpc_peering_connections() const { return vpc_peering_connections_; }
    // The active peering connection between two VPCs, or nullptr.
    const VpcPeeringConnection* active_peering(const std::string& vpc_a, const std::string& vpc_b) const;

    // --- transit gateways (routing/model/transit_gateways.cpp; Transit Gateways Guide) ---
    struct TransitGatewaySpec {
        std::string description;
        std::int64_t amazon_side_asn = 64512;
        bool default_route_table_association = true, default_route_table_propagation = true, dns_support = true, vpn_ecmp_support = true;
        std::vector<Tag> tags;
    };
    TransitGateway& create_transit_gateway(const std::string& logical_id, const TransitGatewaySpec& spec, std::int64_t now);
    // Refused while it has attachments (IncorrectState); its route tables go with it.
    void delete_transit_gateway(const std::string& id);
    // One subnet per Availability Zone, all of the VPC; one attachment per VPC and transit gateway. Associated
    // with and propagating to the default route table where the gateway's defaults say so.
    TransitGatewayVpcAttachment& create_transit_gateway_vpc_attachment(const std::string& logical_id, const std::string& transit_gateway_id,
                                                                       const std::string& vpc_id, const std::vector<std::string>& subnet_ids,
                                                                       bool appliance_mode, bool dns_support, std::vector<Tag> tags, std::int64_t now);
    // ModifyTransitGatewayVpcAttachment: subnets added and removed (at least one stays; one per zone), options.
    void modify_transit_gateway_vpc_attachment(const std::string& id, const std::vector<std::string>& add_subnet_ids,
                                               const std::vector<std::string>& remove_subnet_ids, std::optional<bool> appliance_mode,
                                               std::optional<bool> dns_support);
    // Its ENIs, association and propagations go; static routes to it stay as blackholes.
    void delete_transit_gateway_vpc_attachment(const std::string& id);
    TransitGatewayRouteTable& create_transit_gateway_route_table(const std::string& logical_id, const std::string& transit_gateway_id,
                                                                 std::vector<Tag> tags, std::int64_t now);
    // Refused while attachments are associated with it or propagate to it (IncorrectState).
    void delete_transit_gateway_route_table(const std::string& id);
    // An attachment is associated with one route table at most (Resource.AlreadyAssociated).
    void associate_transit_gateway_route_table(const std::string& route_table_id, const std::string& attachment_id);
    void disassociate_transit_gateway_route_table(const std::string& route_table_id, const std::string& attachment_id);
    void enable_transit_gateway_route_table_propagation(const std::string& route_table_id, const std::string& attachment_id);
    void disable_transit_gateway_route_table_propagation(const std::string& route_table_id, const std::string& attachment_id);
    // A static route to an attachment of the same transit gateway, or a blackhole (attachment_id empty).
    void create_transit_gateway_route(const std::string& route_table_id, const std::string& cidr, const std::string& attachment_id, bool blackhole);
    void replace_transit_gateway_route(const std::string& route_table_id, const std::string& cidr, const std::string& attachment_id, bool blackhole);
    // Deletes the static route for `cidr` (a propagated one cannot be deleted: disable the propagation).
    void delete_transit_gateway_route(const std::string& route_table_id, const std::string& cidr);
    // The table's routes as the transit gateway uses them (Transit Gateways Guide, "Route evaluation order"):
    // the static routes, then each propagating attachment's VPC CIDR unless a static route or an earlier
    // propagation holds the same prefix ("identical CIDRs are not propagated twice"; static beats
    // propagated). A static route to an attachment since deleted is a blackhole (route_state).
    std::vector<TransitGatewayRoute> transit_gateway_routes(const TransitGatewayRouteTable& table) const;
    // "active" or "blackhole".
    const char* transit_gateway_route_state(const TransitGatewayRoute& route) const;
    static constexpr std::size_t transit_gateway_route_tables_per_gateway = 20;  // Transit Gateways Guide, "Quotas"
    static constexpr std::size_t transit_gateway_routes_per_gateway = 10000;
    static constexpr std::size_t transit_gateway_attachments_per_gateway = 5000;
    const TransitGateway& transit_gateway(const std::string& id) const;
    const TransitGatewayVpcAttachment& transit_gateway_attachment(const std::string& id) const;
    const TransitGatewayRouteTable& transit_gateway_route_table(const std::string& id) const;
    const TransitGatewayVpcAttachment* find_transit_gateway_attachment(const std::string& transit_gateway_id, const std::string& vpc_id) const;
    // Whether both VPCs are attached to one transit gateway (its route tables decide whether they talk).
    bool share_transit_gateway(const std::string& vpc_a, const std::string& vpc_b) const;
    const std::vector<TransitGateway>& transit_gateways() const { return transit_gateways_; }
    const std::vector<TransitGatewayVpcAttachment>& transit_gateway_attachments() const { return transit_gateway_attachments_; }
    const std::vector<TransitGatewayRouteTable>& transit_gateway_route_tables() const { return transit_gateway_route_tables_; }

    // CreateKeyPair / ImportKeyPair: `key` names the pair and carries its public half (IDs are the model's);
    // InvalidKeyPair.Duplicate when the name is taken. DeleteKeyPair by ID.
    KeyPair& create_key_pair(const std::string& logical_id, KeyPair key);
    // What create_key_pair checks (name, type, not taken), to ask before a key is made.
    void check_new_key_pair(const KeyPair& key) const;
    void delete_key_pair(const std::string& key_pair_id);
    const KeyPair* find_key_pair(const std::string& key_name) const;
    // A template's KeyName pair, made after the template was loaded: its key, given to the instances that
    // were launched with it meanwhile.
    void complete_key_pair(const std::string& key_pair_id, const std::string& fingerprint, const std::string& public_key,
                           const std::string& create_time);
    void delete_internet_gateway(const std::string& igw_id);
    // CreateTags / DeleteTags on any taggable resource ID. delete_tags removes a key when `value` is
    // nullopt, else only if the value matches (EC2 API reference, "DeleteTags").
    void create_tags(const std::vector<std::string>& resource_ids, const std::vector<Tag>& tags);
    struct TagToDelete {
        std::string key;
        std::optional<std::string> value;
    };
    void delete_tags(const std::vector<std::string>& resource_ids, const std::vector<TagToDelete>& tags);
    // ModifyVpcAttribute: either flag may be left unchanged (nullopt).
    void modify_vpc_attribute(const std::string& vpc_id, std::optional<bool> enable_dns_support,
                              std::optional<bool> enable_dns_hostnames);
    void attach_internet_gateway(const std::string& igw_id, const std::string& vpc_id);
    // Refused while instances of the VPC have public addresses, as AWS does (DependencyViolation).
    void detach_internet_gateway(const std::string& igw_id, const std::string& vpc_id);
    // A template's (logical_id set) gets an allocation ID drawn from it, as every template resource's ID is.
    const ElasticIp& allocate_address(std::vector<Tag> tags = {}, const std::string& logical_id = {});
    // Associates with the instance's primary ENI or the given ENI; returns the association ID. An ENI's
    // auto-assigned public IP is released, an Elastic IP it had is disassociated.
    std::string associate_address(const std::string& allocation_id, const std::string& instance_id,
                                  const std::string& network_interface_id, bool allow_reassociation);
    void disassociate_address(const std::string& association_id);
    void release_address(const std::string& allocation_id);
    SecurityGroup& create_security_group(const std::string& logical_id, const std::string& vpc_id,
                                         const std::string& group_name, const std::string& description,
                                         std::vector<SecurityGroupRule> ingress,
                                         std::optional<std::vector<SecurityGroupRule>> egress, std::vector<Tag> tags);
    // AuthorizeSecurityGroupIngress / Egress: every rule checked (peer exists, ports valid, not a duplicate)
    // before any is added; returns the added rules with their sgr- IDs.
    std::vector<SecurityGroupRule> authorize_security_group(const std::string& group_id, bool ingress, std::vector<SecurityGroupRule> rules);
    // RevokeSecurityGroupIngress / Egress by permission or by rule ID (InvalidPermission.NotFound,
    // InvalidSecurityGroupRuleId.NotFound when one does not exist; nothing is removed then).
    void revoke_security_group(const std::string& group_id, bool ingress, const std::vector<SecurityGroupRule>& rules,
                               const std::vector<std::string>& rule_ids);
    // DeleteSecurityGroup: not the default group (CannotDelete), not while an ENI uses it or another
    // group's rule refers to it (DependencyViolation).
    void delete_security_group(const std::string& group_id);
    // The group with this name in the VPC (or any VPC when vpc_id is empty), else InvalidGroup.NotFound.
    const SecurityGroup& security_group_by_name(const std::string& group_name, const std::string& vpc_id = {}) const;
    // ModifyNetworkInterfaceAttribute --groups: 1 to 5 groups of the ENI's VPC replace its groups.
    void modify_network_interface_groups(const std::string& network_interface_id, std::vector<std::string> group_ids);
    // ModifyNetworkInterfaceAttribute --connection-tracking-specification: unset fields are kept.
    void modify_connection_tracking(const std::string& network_interface_id, std::optional<int> tcp_established,
                                    std::optional<int> udp_stream, std::optional<int> udp);
    static constexpr std::size_t max_groups_per_interface = 5;

    // --- network ACLs (VPC User Guide, "Control subnet traffic with network access control lists") ---
    NetworkAcl& create_network_acl(const std::string& logical_id, const std::string& vpc_id, std::vector<Tag> tags);
    // Not the default ACL, not while a subnet is associated with it.
    void delete_network_acl(const std::string& network_acl_id);
    void create_network_acl_entry(const std::string& network_acl_id, NetworkAclEntry entry);
    void replace_network_acl_entry(const std::string& network_acl_id, NetworkAclEntry entry);
    void delete_network_acl_entry(const std::string& network_acl_id, int rule_number, bool egress);
    // The subnet's association moves to another ACL of its VPC; returns the new association ID.
    std::string replace_network_acl_association(const std::string& association_id, const std::string& network_acl_id);
    // A subnet's association, by subnet (a template's SubnetNetworkAclAssociation): its ID.
    std::string associate_network_acl(const std::string& subnet_id, const std::string& network_acl_id);
    // Checks an entry (rule number, protocol, ports or ICMP, CIDR) and puts its protocol in number form.
    static NetworkAclEntry checked_network_acl_entry(NetworkAclEntry entry);
    // Checks a rule (protocol, ports or ICMP type and code, exactly one peer that exists in the group's VPC)
    // and puts its protocol in canonical form.
    SecurityGroupRule checked_security_group_rule(const SecurityGroup& group, SecurityGroupRule rule, const char* parameter) const;
    // The protocol and ports alone (what a template can check where the rule is written).
    static SecurityGroupRule checked_permission(SecurityGroupRule rule, const char* parameter);

    Instance& run_instance(const InstanceLaunch& launch);
    // ModifyInstanceMetadataOptions: HttpTokens optional|required, HttpPutResponseHopLimit 1–64 (unset: kept).
    void modify_metadata_options(const std::string& instance_id, const std::optional<std::string>& http_tokens,
                                 std::optional<int> hop_limit);
    static void check_metadata_options(const std::string& http_tokens, int hop_limit);
    void set_instance_state(const std::string& instance_id, InstanceState state, std::string reason = {});
    // TerminateInstances: the instance goes shutting-down (its ENIs stop forwarding; routes to them are
    // blackholes). Returns the state it had. Terminating a shutting-down or terminated instance changes nothing.
    InstanceState terminate_instance(const std::string& instance_id, const std::string& reason);
    // Once its namespace is gone: terminated (at `now`, seconds since the epoch). Its ENIs that delete on
    // termination are deleted (their addresses and ports free, an Elastic IP on them disassociated), the
    // others detached and kept. Instances terminated over an hour before `now` are forgotten: EC2 lists a
    // terminated instance "for a short while" (EC2 User Guide, "Terminate Amazon EC2 instances"), about an hour.
    void finish_termination(const std::string& instance_id, std::int64_t now);
    static constexpr std::int64_t terminated_listed_seconds = 3600;
    // StopInstances / StartInstances (EC2 User Guide, "Stop and start Amazon EC2 instances"): a running
    // instance goes stopping (its ENIs stop forwarding, an auto-assigned public IP is released, an Elastic
    // IP kept), then stopped; a stopped one goes pending (a new public IP if it had an auto-assigned one),
    // then running. Return the state it had; an instance already on its way changes nothing; others are
    // refused with IncorrectInstanceState.
    InstanceState stop_instance(const std::string& instance_id, const std::string& reason);
    InstanceState start_instance(const std::string& instance_id);
    void finish_stop(const std::string& instance_id);  // stopping → stopped

    NetworkInterface& create_network_interface(const std::string& logical_id, const std::string& subnet_id,
                                               std::optional<std::uint32_t> private_ip,
                                               std::vector<std::string> security_group_ids, std::string description,
                                               std::vector<Tag> tags);
    // Returns the attachment ID (eni-attach-…). AWS requires the instance and the ENI in one availability zone.
    std::string attach_network_interface(const std::string& network_interface_id, const std::string& instance_id, int device_index,
                                         const std::string& attach_time = {});
    void detach_network_interface(const std::string& attachment_id);
    void delete_network_interface(const std::string& network_interface_id);
    void modify_source_dest_check(const std::string& network_interface_id, bool check);

    // A route target, as the aws CLI names them: exactly one is set.
    struct RouteTarget {
        std::string gateway_id, instance_id, network_interface_id, nat_gateway_id, vpc_peering_connection_id, transit_gateway_id;
    };
    // A route's destination: exactly one of --destination-cidr-block and --destination-prefix-list-id.
    struct RouteDestination {
        std::string cidr, prefix_list_id;
        RouteDestination(std::string cidr_text = {}, std::string prefix_list = {}) : cidr(std::move(cidr_text)), prefix_list_id(std::move(prefix_list)) {}
        RouteDestination(const char* cidr_text) : cidr(cidr_text) {}
        static RouteDestination prefix_list(std::string id) { return {"", std::move(id)}; }
    };
    void create_route(const std::string& route_table_id, const RouteDestination& destination, const RouteTarget& target);
    void replace_route(const std::string& route_table_id, const RouteDestination& destination, const RouteTarget& target);
    void delete_route(const std::string& route_table_id, const RouteDestination& destination);

    // --- region services, prefix lists and VPC endpoints ---
    // The services the region offers; their AWS-managed prefix lists become part of the model.
    void offer_services(const std::vector<ServiceOffer>& services);
    const std::vector<ServiceOffer>& services() const { return services_; }
    const ServiceOffer* find_service(const std::string& service_name) const;
    // CreateManagedPrefixList (customer-managed, IPv4): name, max entries 1–1000, entries within it.
    ManagedPrefixList& create_managed_prefix_list(const std::string& logical_id, const std::string& name, int max_entries,
                                                  std::vector<PrefixListEntry> entries, std::vector<Tag> tags);
    // ModifyManagedPrefixList: entries added and removed in one new version; `current_version`, when given,
    // must be the list's version (optimistic locking, as EC2 checks it).
    const ManagedPrefixList& modify_managed_prefix_list(const std::string& prefix_list_id, std::optional<int> current_version,
                                                        const std::vector<PrefixListEntry>& add, const std::vector<Cidr>& remove,
                                                        const std::optional<std::string>& name, std::optional<int> max_entries);
    void delete_managed_prefix_list(const std::string& prefix_list_id);
    // CreateVpcEndpoint, type Gateway: a route to the service's prefix list in each table.
    VpcEndpoint& create_gateway_endpoint(const std::string& logical_id, const std::string& vpc_id, const std::string& service_name,
                                         const std::vector<std::string>& route_table_ids, const std::string& policy_document,
                                         std::vector<Tag> tags, std::string creation_timestamp);
    // ModifyVpcEndpoint: tables added and removed (their routes with them), the policy replaced or reset.
    void modify_gateway_endpoint(const std::string& endpoint_id, const std::vector<std::string>& add_route_tables,
                                 const std::vector<std::string>& remove_route_tables,
                                 const std::optional<std::string>& policy_document, bool reset_policy);
    // CreateVpcEndpoint, type Interface: an ENI in each subnet (one per AZ) carrying the groups (the VPC's
    // default group when none), private DNS on unless `private_dns` says otherwise (the API's default for
    // AWS services); private DNS needs the VPC's enableDnsSupport and enableDnsHostnames.
    VpcEndpoint& create_interface_endpoint(const std::string& logical_id, const std::string& vpc_id, const std::string& service_name,
                                           const std::vector<std::string>& subnet_ids, const std::vector<std::string>& security_group_ids,
                                           std::optional<bool> private_dns, const std::string& policy_document, std::vector<Tag> tags,
                                           std::string creation_timestamp);
    // ModifyVpcEndpoint for an interface endpoint: subnets (their ENIs) and groups added or removed, private
    // DNS turned on or off, the policy replaced or reset.
    struct InterfaceEndpointChange {
        std::vector<std::string> add_subnets, remove_subnets, add_groups, remove_groups;
        std::optional<bool> private_dns;
        std::optional<std::string> policy_document;
        bool reset_policy = false;
    };
    void modify_interface_endpoint(const std::string& endpoint_id, const InterfaceEndpointChange& change);
    // Deletes a gateway endpoint (its routes) or an interface endpoint (its ENIs).
    void delete_vpc_endpoint(const std::string& endpoint_id);
    // An endpoint policy must be a JSON object of at most 20,480 characters (VPC User Guide, "Endpoint
    // policies"); throws MalformedPolicyDocument naming what is wrong.
    static void check_policy_document(const std::string& policy_document);

    // --- endpoint services (routing/model/endpoint_services.cpp; PrivateLink Guide, "Share your services
    // through AWS PrivateLink") ---
    // CreateVpcEndpointServiceConfiguration: network load balancers (each in one service at most), whether
    // connections wait for acceptance, a private DNS name.
    EndpointService& create_endpoint_service(const std::string& logical_id, const std::vector<std::string>& load_balancer_arns,
                                             bool acceptance_required, const std::string& private_dns_name, std::vector<Tag> tags,
                                             std::string creation_timestamp);
    struct EndpointServiceChange {
        std::vector<std::string> add_load_balancers, remove_load_balancers;
        std::optional<bool> acceptance_required;
        std::optional<std::string> private_dns_name;
        bool remove_private_dns_name = false;
    };
    void modify_endpoint_service(const std::string& service_id, const EndpointServiceChange& change);
    // Refused (ExistingVpcEndpointConnections) while an endpoint is pendingAcceptance or available.
    void delete_endpoint_service(const std::string& service_id);
    void check_delete_endpoint_service(const std::string& service_id) const;
    // ModifyVpcEndpointServicePermissions: "*" or IAM ARNs (arn:aws:iam::<12 digits>:root|user/…|role/…).
    void modify_endpoint_service_permissions(const std::string& service_id, const std::vector<std::string>& add,
                                             const std::vector<std::string>& remove);
    // Accept (pendingAcceptance → available) or reject (pendingAcceptance or available → rejected) one
    // endpoint's connection to the service; throws naming what is wrong, changing nothing.
    void accept_endpoint_connection(const std::string& service_id, const std::string& endpoint_id);
    void reject_endpoint_connection(const std::string& service_id, const std::string& endpoint_id);
    // What accept_/reject_endpoint_connection would refuse, without changing anything.
    void check_endpoint_connection(const std::string& service_id, const std::string& endpoint_id, bool accept) const;
    ConnectionNotification& create_connection_notification(const std::string& service_id, const std::string& endpoint_id,
                                                           const std::string& arn, std::vector<std::string> events);
    void delete_connection_notification(const std::string& notification_id);
    const EndpointService& endpoint_service(const std::string& service_id) const;
    const EndpointService* find_endpoint_service(const std::string& service_name) const;
    // The Availability Zones an endpoint service is offered in: its load balancers' nodes'.
    std::vector<std::string> endpoint_service_zones(const EndpointService& service) const;
    // The service whose load balancer this is, or nullptr.
    const EndpointService* endpoint_service_of(const std::string& load_balancer_arn) const;
    const std::vector<EndpointService>& endpoint_services() const { return endpoint_services_; }
    // The name private DNS of an interface endpoint answers for: an AWS service's, or an endpoint service's
    // private DNS name (empty: none).
    std::string private_dns_name_of(const VpcEndpoint& endpoint) const;
    const std::vector<ConnectionNotification>& connection_notifications() const { return connection_notifications_; }
    // The account every call of the lab is made as, and owns every resource.
    static constexpr const char* account_id = lab_account_id;

    // --- Elastic Load Balancing: network load balancers (routing/model/load_balancers.cpp) ---
    // CreateLoadBalancer: one node (a requester-managed ENI) per subnet, one subnet per AZ, all in one VPC; an
    // internet-facing one's nodes get public addresses (the mapping's Elastic IP, else one of the pool). A
    // template's load balancer without a Name gets CloudFormation's generated name.
    LoadBalancer& create_load_balancer(const std::string& logical_id, std::string name, const std::string& type, const std::string& scheme,
                                       const std::vector<SubnetMapping>& subnets, std::vector<Tag> tags, std::string created_time);
    // Its listeners and nodes go with it (refused while deletion protection is on).
    void delete_load_balancer(const std::string& arn);
    void set_load_balancer_attribute(const std::string& arn, const std::string& key, const std::string& value);
    TargetGroup& create_target_group(const std::string& logical_id, TargetGroupSpec spec, std::vector<Tag> tags);
    void modify_target_group_health_check(const std::string& arn, const HealthCheckSettings& settings);
    // Refused (ResourceInUse) while a listener forwards to it.
    void delete_target_group(const std::string& arn);
    void set_target_group_attribute(const std::string& arn, const std::string& key, const std::string& value);
    Listener& create_listener(const std::string& logical_id, const std::string& load_balancer_arn, const std::string& protocol, int port,
                              const std::string& target_group_arn, std::vector<Tag> tags);
    void delete_listener(const std::string& arn);
    // RegisterTargets (port 0: the group's port); a target registered again is left as it is.
    void register_targets(const std::string& arn, std::vector<Target> targets);
    // DeregisterTargets: each target drains for the group's deregistration delay (from `now`, seconds since
    // the epoch), then finish_draining removes it. Returns whether anything was removed.
    void deregister_targets(const std::string& arn, std::vector<Target> targets, std::int64_t now);
    bool finish_draining(std::int64_t now);
    // What the router's health checks found (a draining target keeps its draining state).
    void set_target_health(const std::string& arn, const std::string& target_id, int port, const TargetHealth& health);
    // The load balancer whose listener forwards to `group`, or nullptr (its targets are then unused).
    const LoadBalancer* load_balancer_of(const TargetGroup& group) const;
    static void check_health_check(const HealthCheckSettings& settings);
    // arn:aws:elasticloadbalancing:<region>:<account>:<resource>
    std::string elb_arn(const std::string& resource) const;
    const LoadBalancer& load_balancer(const std::string& arn) const;
    const TargetGroup& target_group(const std::string& arn) const;
    const Listener& listener(const std::string& arn) const;
    const std::vector<LoadBalancer>& load_balancers() const { return load_balancers_; }
    const std::vector<TargetGroup>& target_groups() const { return target_groups_; }
    const std::vector<Listener>& listeners() const { return listeners_; }

    // --- lookups (throw ApiError with the EC2 NotFound code) ---
    const Vpc& vpc(const std::string& id) const;
    const Subnet& subnet(const std::string& id) const;
    const RouteTable& route_table(const std::string& id) const;
    // The same lookups without throwing (nullptr: none), for what describes a packet after the fact.
    const RouteTable* find_route_table(std::string_view id) const { return find_by_id(route_tables_, id); }
    const SecurityGroup* find_security_group(std::string_view id) const { return find_by_id(security_groups_, id); }
    const InternetGateway& internet_gateway(const std::string& id) const;
    const SecurityGroup& security_group(const std::string& id) const;
    const Instance& instance(const std::string& id) const;
    const NetworkInterface& network_interface(const std::string& id) const;
    const ManagedPrefixList& prefix_list(const std::string& id) const;
    const VpcEndpoint& vpc_endpoint(const std::string& id) const;
    const NetworkAcl& network_acl(const std::string& id) const;
    // The ACL a subnet is associated with (exactly one).
    const NetworkAcl& network_acl_of(const std::string& subnet_id) const;
    // The table a subnet uses: its explicit association, else its VPC's main table.
    const RouteTable& effective_route_table(const Subnet& subnet) const;

    const std::vector<Vpc>& vpcs() const { return vpcs_; }
    const std::vector<Subnet>& subnets() const { return subnets_; }
    const std::vector<RouteTable>& route_tables() const { return route_tables_; }
    const std::vector<InternetGateway>& internet_gateways() const { return internet_gateways_; }
    const std::vector<KeyPair>& key_pairs() const { return key_pairs_; }
    const std::vector<SecurityGroup>& security_groups() const { return security_groups_; }
    const std::vector<Instance>& instances() const { return instances_; }
    // In creation order; an ENI's port is NetworkInterface::port, not its index here.
    const std::vector<NetworkInterface>& network_interfaces() const { return network_interfaces_; }
    // The ENI on a port, or nullptr.
    const NetworkInterface* interface_on_port(PortId port) const;
    const std::vector<ElasticIp>& elastic_ips() const { return elastic_ips_; }
    const std::vector<ManagedPrefixList>& prefix_lists() const { return prefix_lists_; }
    const std::vector<VpcEndpoint>& vpc_endpoints() const { return vpc_endpoints_; }
    const std::vector<NetworkAcl>& network_acls() const { return network_acls_; }
    const std::vector<FlowLog>& flow_logs() const { return flow_logs_; }
    // CreateFlowLogs (routing/model/flow_logs.cpp): the spec is checked once (InvalidParameter naming what
    // is wrong); then each resource gets its flow log, or its error in `unsuccessful` (as EC2 answers:
    // an unknown resource, or one that already has a flow log to that destination for that traffic,
    // FlowLogAlreadyExists). Returns the new IDs. DeleteFlowLogs: the IDs it does not know, with their error.
    struct FlowLogFailure {
        std::string resource_id, code, message;
    };
    std::vector<std::string> create_flow_logs(const std::string& logical_id, const FlowLogSpec& spec, const std::vector<std::string>& resource_ids,
                                              std::vector<FlowLogFailure>& unsuccessful);
    // What create_flow_logs checks of the spec alone (it throws ApiError).
    void check_flow_log_spec(const FlowLogSpec& spec) const;
    std::vector<FlowLogFailure> delete_flow_logs(const std::vector<std::string>& flow_log_ids);
    // The flow logs that cover an ENI: its own, its subnet's and its VPC's.
    std::vector<const FlowLog*> flow_logs_of(const NetworkInterface& eni) const;
    const std::vector<NetworkInsightsPath>& network_insights_paths() const { return network_insights_paths_; }
    const std::vector<NetworkInsightsAnalysis>& network_insights_analyses() const { return network_insights_analyses_; }
    // Reachability Analyzer's resources (routing/model/network_insights.cpp). The path is checked by the
    // control plane, which knows what can be analysed; the model names it and keeps it. Deleting a path
    // deletes its analyses. Unknown IDs: InvalidNetworkInsightsPathId.NotFound / …AnalysisId.NotFound.
    NetworkInsightsPath& create_network_insights_path(NetworkInsightsPath path);
    void delete_network_insights_path(const std::string& path_id);
    const NetworkInsightsPath& network_insights_path(const std::string& path_id) const;
    NetworkInsightsAnalysis& create_network_insights_analysis(NetworkInsightsAnalysis analysis);
    void delete_network_insights_analysis(const std::string& analysis_id);
    // The VPC an internet gateway is attached to has it; a route to a detached gateway is a blackhole.
    bool route_is_blackhole(const RouteTable& table, const Route& route) const;

    // --- Traffic Mirroring (routing/model/traffic_mirroring.cpp; docs/traffic-mirroring.md) ---
    // A target is an ENI of an instance (not one AWS manages, not a session's source) or a network load
    // balancer: exactly one of the two (InvalidParameterCombination / MissingParameter).
    TrafficMirrorTarget& create_traffic_mirror_target(const std::string& logical_id, const std::string& network_interface_id,
                                                      const std::string& network_load_balancer_arn, std::string description, std::vector<Tag> tags);
    // Refused while a session uses it (TrafficMirrorTargetInUseException).
    void delete_traffic_mirror_target(const std::string& id);
    // network_services: "amazon-dns" only.
    TrafficMirrorFilter& create_traffic_mirror_filter(const std::string& logical_id, std::string description,
                                                      const std::vector<std::string>& network_services, std::vector<Tag> tags);
    // Refused while a session uses it (TrafficMirrorFilterInUse); its rules go with it.
    void delete_traffic_mirror_filter(const std::string& id);
    const TrafficMirrorFilter& modify_traffic_mirror_filter_network_services(const std::string& id, const std::vector<std::string>& add,
                                                                            const std::vector<std::string>& remove);
    // Create: direction, number, action and both CIDRs required; numbers unique per direction
    // (TrafficMirrorFilterRuleAlreadyExists); at most traffic_mirror_rules_per_filter rules.
    const TrafficMirrorFilterRule& create_traffic_mirror_filter_rule(const std::string& logical_id, const std::string& filter_id,
                                                                    const TrafficMirrorRuleSpec& spec);
    const TrafficMirrorFilterRule& modify_traffic_mirror_filter_rule(const std::string& rule_id, const TrafficMirrorRuleSpec& spec);
    void delete_traffic_mirror_filter_rule(const std::string& rule_id);
    // Create: source ENI, target, filter and number required. The source is an instance's ENI, not a
    // target; at most traffic_mirror_sessions_per_interface on it, numbers unique on it; the target in the
    // source's VPC or one peered with it. No VirtualNetworkId: one no other session uses.
    TrafficMirrorSession& create_traffic_mirror_session(const std::string& logical_id, const TrafficMirrorSessionSpec& spec, std::vector<Tag> tags);
    const TrafficMirrorSession& modify_traffic_mirror_session(const std::string& id, const TrafficMirrorSessionSpec& spec);
    void delete_traffic_mirror_session(const std::string& id);
    // Traffic Mirroring Guide, "Traffic Mirroring quotas" (not adjustable).
    static constexpr std::size_t traffic_mirror_sessions_per_interface = 3;
    static constexpr std::size_t traffic_mirror_rules_per_filter = 10;
    static constexpr std::size_t traffic_mirror_resources = 10000;  // targets, filters, sessions: each, per account
    // Lookups (InvalidTrafficMirrorTargetId.NotFound, …FilterId, …FilterRuleId, …SessionId).
    const TrafficMirrorTarget& traffic_mirror_target(const std::string& id) const;
    const TrafficMirrorFilter& traffic_mirror_filter(const std::string& id) const;
    const TrafficMirrorFilterRule& traffic_mirror_filter_rule(const std::string& id) const;
    const TrafficMirrorSession& traffic_mirror_session(const std::string& id) const;
    const std::vector<TrafficMirrorTarget>& traffic_mirror_targets() const { return traffic_mirror_targets_; }
    const std::vector<TrafficMirrorFilter>& traffic_mirror_filters() const { return traffic_mirror_filters_; }
    const std::vector<TrafficMirrorSession>& traffic_mirror_sessions() const { return traffic_mirror_sessions_; }

private:
    template <class T>
    static const T* find_by_id(const std::vector<T>& items, std::string_view id) {
        for (const auto& item : items)
            if (item.id == id) return &item;
        return nullptr;
    }
    Vpc& vpc_mut(const std::string& id);
    Subnet& subnet_mut(const std::string& id);
    RouteTable& route_table_mut(const std::string& id);
    InternetGateway& internet_gateway_mut(const std::string& id);
    KeyPair& key_pair_mut(const std::string& id);
    Instance& instance_mut(const std::string& id);
    NetworkInterface& network_interface_mut(const std::string& id);
    PortId free_port() const;
    TransitGatewayVpcAttachment& transit_gateway_attachment_mut(const std::string& id);
    TransitGatewayRouteTable& transit_gateway_route_table_mut(const std::string& id);
    // An attachment's subnets checked: of its VPC, one per zone, and for `new_subnets` a free address in each.
    void check_attachment_subnets(const std::string& vpc_id, const std::vector<std::string>& subnet_ids, bool new_subnets) const;
    // A new ENI of the attachment in `subnet_id`; returns its ID.
    std::string add_attachment_interface(const TransitGatewayVpcAttachment& a, const std::string& subnet_id);
    // An address for a new ENI in `s`: `wanted` if it is free and not reserved, else the first free one.
    std::uint32_t choose_address(const Subnet& s, std::optional<std::uint32_t> wanted,
                                 const std::vector<std::uint32_t>& also_taken) const;
    ResourceBase* taggable(const std::string& id);
    Route resolve_route(const RouteTable& table, const RouteDestination& destination, const RouteTarget& target) const;
    ManagedPrefixList& prefix_list_mut(const std::string& id);
    VpcEndpoint& vpc_endpoint_mut(const std::string& id);
    SecurityGroup& security_group_mut(const std::string& id);
    NetworkAcl& network_acl_mut(const std::string& id);
    // A new VPC's default ACL (rule 100 allows all, each way); a new subnet's association with it.
    NetworkAcl make_default_network_acl(const Vpc& v);
    void associate_with_default_network_acl(const Subnet& s);
    // The gateway endpoint route of `endpoint` in `table` (checked first: one per prefix list per table).
    void add_endpoint_route(RouteTable& table, const VpcEndpoint& endpoint);
    // A free endpoint slot (VpcEndpointLimitExceeded when all are taken).
    std::uint32_t free_endpoint_slot() const;
    // Interface endpoints: the checks of a set of subnets and groups for `vpc_id`, and one ENI per subnet.
    void check_endpoint_subnets(const std::string& vpc_id, const std::vector<std::string>& subnet_ids, const char* parameter) const;
    void check_private_dns(const VpcEndpoint& endpoint) const;
    EndpointService& endpoint_service_mut(const std::string& service_id);
    // An interface endpoint to an endpoint service: its subnets in the service's zones, no policy, private
    // DNS only for a service with a private DNS name; the state it starts in.
    void check_endpoint_to_service(const EndpointService& service, const std::vector<std::string>& subnet_ids,
                                   const std::string& policy_document, bool private_dns) const;
    std::string add_endpoint_interface(const VpcEndpoint& endpoint, const std::string& subnet_id, std::uint32_t address);
    // A requester-managed ENI of `owner_id` (an endpoint, a load balancer, a NAT gateway) at `address` in
    // `s`: its ID stable for the owner and subnet, a router port and MAC of its own, not deleted on
    // termination. The caller sets what is particular to it and adds it.
    NetworkInterface requester_managed_interface(const std::string& owner_id, const Subnet& s, std::uint32_t address, std::string description,
                                                 const char* interface_type) const;
    std::uint32_t next_public_ip();
    // A session as `spec` changes it, checked whole (source, target, filter, number, quota, reach).
    TrafficMirrorSession checked_session(TrafficMirrorSession s, const TrafficMirrorSessionSpec& spec) const;
    // An ENI deleted: the sessions it was the source of go with it.
    void forget_traffic_mirror_source(const std::string& network_interface_id);
    LoadBalancer& load_balancer_mut(const std::string& arn);
    TargetGroup& target_group_mut(const std::string& arn);
    std::vector<Target> checked_targets(const TargetGroup& group, std::vector<Target> targets) const;
    // Template resources are named by logical ID (deterministic); runtime ones by creation order.
    std::string new_id(const char* prefix, const std::string& logical_id);
    // The stack name template resources draw generated names from (a load balancer's): the stack being
    // loaded, else the lab's; and what their hashes (ARNs) are drawn from: the loaded stack's ID, else the lab's name.
    const std::string& template_stack_name() const { return creating_stack_.empty() ? stack_name() : creating_stack_; }
    const std::string& template_hash_scope() const { return creating_stack_id_.empty() ? stack_name() : creating_stack_id_; }

    std::string creating_stack_, creating_stack_id_;  // begin_stack_template's, while a template loads
    std::string region_;
    ResourceIds ids_;
    PublicIpPool pool_;
    std::uint32_t public_ips_issued_ = 0;
    std::vector<Vpc> vpcs_;
    std::vector<Subnet> subnets_;
    std::vector<RouteTable> route_tables_;
    std::vector<InternetGateway> internet_gateways_;
    std::vector<NatGateway> nat_gateways_;
    std::vector<VpcPeeringConnection> vpc_peering_connections_;
    std::vector<TransitGateway> transit_gateways_;
    std::vector<TransitGatewayVpcAttachment> transit_gateway_attachments_;
    std::vector<TransitGatewayRouteTable> transit_gateway_route_tables_;
    std::vector<KeyPair> key_pairs_;
    std::vector<SecurityGroup> security_groups_;
    std::vector<Instance> instances_;
    std::vector<NetworkInterface> network_interfaces_;
    std::vector<ElasticIp> elastic_ips_;
    std::vector<ServiceOffer> services_;
    std::vector<ManagedPrefixList> prefix_lists_;
    std::vector<VpcEndpoint> vpc_endpoints_;
    std::vector<NetworkAcl> network_acls_;
    std::vector<LoadBalancer> load_balancers_;
    std::vector<TargetGroup> target_groups_;
    std::vector<Listener> listeners_;
    std::vector<EndpointService> endpoint_services_;
    std::vector<ConnectionNotification> connection_notifications_;
    std::vector<FlowLog> flow_logs_;
    std::vector<NetworkInsightsPath> network_insights_paths_;
    std::vector<NetworkInsightsAnalysis> network_insights_analyses_;
    std::vector<TrafficMirrorTarget> traffic_mirror_targets_;
    std::vector<TrafficMirrorFilter> traffic_mirror_filters_;
    std::vector<TrafficMirrorSession> traffic_mirror_sessions_;
};

}  // namespace vpclab::routing
