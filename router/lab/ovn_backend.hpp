// The OVN backend's running side (vpclab up --backend ovn --chassis N): OVN's databases and northd, N chassis
// (ovsdb-server + ovs-vswitchd on the userspace netdev datapath + ovn-controller), each in a namespace of the
// lab joined by an underlay bridge; instances' and the region's interfaces plugged into a chassis's br-int;
// the reconciler that applies each commit's northbound rows (docs/ovn-backend.md).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "endpoints/dns_zone.hpp"
#include "router/lab/lab_network.hpp"
#include "router/lab/stack_state.hpp"
#include "routing/ovn/northbound.hpp"

namespace vpclab::router {

// The namespaces an OVN lab adds: "<stack>-ovn" (databases, northd, the underlay bridge) and
// "<stack>-chassis-1" … "-N".
std::vector<std::string> ovn_namespaces(const std::string& stack, int chassis);
// The programs it runs; throws std::runtime_error naming the Debian packages when one is missing.
void check_ovn_programs();

class OvnBackend final : public PortPlugger {
public:
    // Starts everything (namespaces recorded in the ledger first); on failure throws, having stopped the
    // daemons it started (the caller removes the namespaces the ledger lists). `run_dir` holds databases,
    // sockets, pid files and logs, and goes with the stack's directory.
    // `edge`: the region's link (--public-cidr's first /24), where the VPCs' gateway ports meet the region.
    static std::unique_ptr<OvnBackend> start(const std::string& stack, int chassis, const std::filesystem::path& run_dir, Ledger& ledger,
                                             const std::string& region_netns, const std::string& resolver_netns, const endpoints::PublicAddressPlan& edge);
    ~OvnBackend() override;  // kills and reaps the daemons

    // An instance's ENI (or the region, port "region") as a veth: `spec.name` inside `netns`, its peer in
    // br-int of a chassis (an instance's namespace on one chassis, instances round-robin; the region on the
    // first, its gateway chassis), bound to the logical port by external_ids:iface-id.
    void plug(const std::string& netns, const std::string& port, const tap::NamespaceInterface& spec) override;

    // The commit's rows (ApiError UnsupportedOperation for what this backend does not compile: the change is
    // refused); the returned function applies them in one ovn-nbctl transaction, then fixes the region's
    // routes and the resolver's ports.
    std::function<void()> prepare(const routing::VpcModel& model);
    // ovn-trace's explanation (--minimal) of a packet from an ENI, on the SB database.
    std::string trace(const routing::VpcModel& model, const std::string& eni_id, std::uint32_t destination, int protocol,
                      std::uint16_t source_port, std::uint16_t destination_port) const;
    // Waits (at most 30 s) until every chassis has what was applied (ovn-nbctl --wait=hv sync); throws if not.
    void wait_applied() const;
    // Empty, or why the last apply failed (ovn-nbctl's words); it is retried at the next commit.
    std::string last_error() const;

    // What the resolver namespace needs of a VPC: its port's address, the way back to the VPC, and which of the
    // resolver's addresses answers for it (169.254.<index>.2, .253, .254: lab_network.hpp).
    struct ResolverVpc {
        std::string port;  // the logical port (routing::ovn::resolver_port_name)
        wire::MacAddress mac;
        std::uint32_t address = 0, index = 0, subnet_router = 0;
        routing::Cidr subnet, vpc;
        bool dns_support = true;
    };

private:
    void sync_resolver(const std::vector<ResolverVpc>& vpcs);
    OvnBackend(std::string stack, int chassis, std::filesystem::path run_dir, std::string region_netns, std::string resolver_netns,
               routing::ovn::Plan plan);
    void start_central();
    void start_chassis(int index);
    void apply(const routing::ovn::Northbound& wanted, const std::vector<ResolverVpc>& resolvers) noexcept;
    std::filesystem::path chassis_dir(int index) const;
    std::string chassis_netns(int index) const;
    std::string chassis_db(int index) const;

    std::string stack_, region_netns_, resolver_netns_;
    std::vector<std::pair<std::string, int>> resolver_links_;  // resolver port → its interface's number in the resolver namespace
    std::string resolver_rules_;                                // the nftables ruleset last loaded there
    int chassis_;
    std::filesystem::path run_dir_, nb_socket_, sb_socket_;
    std::vector<pid_t> daemons_;
    mutable std::mutex mutex_;  // plug runs on the launcher thread too
    std::vector<std::pair<std::string, int>> placement_;  // instance namespace → chassis
    int next_chassis_ = 0;
    routing::ovn::Plan plan_;  // the edge link; the resolver's names come with each commit
    routing::ovn::Northbound applied_;  // what OVN (rows) and the region (routes) hold
    bool nb_unknown_ = false;           // the last transaction may or may not have committed
    std::string last_error_;
};

}  // namespace vpclab::router
