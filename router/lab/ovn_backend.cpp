// Starting OVN for a lab, plugging its interfaces, applying its rows, and ovn-trace (see the header).
#include "router/lab/ovn_backend.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <thread>

#include "router/lab/process_spawn.hpp"
#include "routing/ovn/nbctl_commands.hpp"
#include "tap/link_config.hpp"
#include "tap/network_namespace.hpp"

namespace vpclab::router {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Where Debian 12 installs each program (execv takes no PATH), and the package it comes from.
struct Program {
    const char* name;
    const char* package;
};
constexpr Program programs[] = {
    {"ovsdb-tool", "openvswitch-common"}, {"ovsdb-server", "openvswitch-common"}, {"ovs-vsctl", "openvswitch-common"}, {"ovs-appctl", "openvswitch-common"},
    {"ovs-vswitchd", "openvswitch-switch"}, {"ovn-northd", "ovn-central"}, {"ovn-nbctl", "ovn-common"},
    {"ovn-trace", "ovn-common"}, {"ovn-controller", "ovn-host"}, {"ethtool", "ethtool"}, {"ip", "iproute2"}, {"nft", "nftables"},
};

std::string program_path(const std::string& name) {
    for (const char* dir : {"/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/"})
        if (::access((std::string(dir) + name).c_str(), X_OK) == 0) return std::string(dir) + name;
    return {};
}

// Runs a program to the end; throws with what it said unless it succeeded.
std::string must(const std::vector<std::string>& args, std::chrono::milliseconds timeout = 20s) {
    const std::string path = program_path(args.front());
    if (path.empty()) throw std::runtime_error("OVN backend: " + args.front() + " is not installed (scripts/setup.sh installs it)");
    const CapturedRun run = run_captured(path, args, timeout);
    if (run.status != 0) {
        std::string line;
        for (const auto& a : args) line += (line.empty() ? "" : " ") + a;
        throw std::runtime_error("OVN backend: `" + line + "` failed" + (run.status < 0 ? " (timed out or killed)" : "") + ": " + run.output);
    }
    return run.output;
}

void wait_for_file(const fs::path& path, std::chrono::milliseconds patience) {
    const auto deadline = std::chrono::steady_clock::now() + patience;
    while (!fs::exists(path)) {
        if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("OVN backend: " + path.string() + " did not appear (see the logs beside it)");
        std::this_thread::sleep_for(10ms);
    }
}

// A short interface name from a key (IFNAMSIZ: 15 characters), as tap_name_for makes them.
std::string link_name(const std::string& prefix, const std::string& key) {
    static constexpr char hex[] = "0123456789abcdef";
    const std::uint64_t h = routing::stable_hash(key);
    std::string name = prefix;
    for (int i = 0; i < 12; ++i) name += hex[(h >> (4 * i)) & 0xf];
    return name;
}

constexpr int underlay_mtu = 9216;  // instances' 9001 plus GENEVE's outer headers
std::string underlay_address(int index) { return "192.168.77." + std::to_string(index); }
std::string underlay_mac(int index) {  // index: 1 to 8
    static constexpr char hex[] = "0123456789abcdef";
    return std::string("02:00:c0:a8:4d:") + hex[(index >> 4) & 0xf] + hex[index & 0xf];
}

}  // namespace

std::vector<std::string> ovn_namespaces(const std::string& stack, int chassis) {
    std::vector<std::string> out{stack + "-ovn"};
    for (int i = 1; i <= chassis; ++i) out.push_back(stack + "-chassis-" + std::to_string(i));
    return out;
}

void check_ovn_programs() {
    std::string missing, packages;
    for (const auto& p : programs)
        if (program_path(p.name).empty()) {
            missing += std::string(missing.empty() ? "" : ", ") + p.name;
            if (packages.find(p.package) == std::string::npos) packages += std::string(" ") + p.package;
        }
    if (!missing.empty())
        throw std::runtime_error("--backend ovn needs " + missing + ": apt-get install" + packages + " (scripts/setup.sh installs them)");
}

OvnBackend::OvnBackend(std::string stack, int chassis, fs::path run_dir, std::string region_netns, std::string resolver_netns,
                       routing::ovn::Plan plan)
    : stack_(std::move(stack)), region_netns_(std::move(region_netns)), resolver_netns_(std::move(resolver_netns)), chassis_(chassis),
      run_dir_(std::move(run_dir)), plan_(std::move(plan)) {
    nb_socket_ = run_dir_ / "central" / "nb.sock";
    sb_socket_ = run_dir_ / "central" / "sb.sock";
}

fs::path OvnBackend::chassis_dir(int index) const { return run_dir_ / ("c" + std::to_string(index)); }
std::string OvnBackend::chassis_netns(int index) const { return stack_ + "-chassis-" + std::to_string(index); }
std::string OvnBackend::chassis_db(int index) const { return "--db=unix:" + (chassis_dir(index) / "db.sock").string(); }

std::unique_ptr<OvnBackend> OvnBackend::start(const std::string& stack, int chassis, const fs::path& run_dir, Ledger& ledger,
                                              const std::string& region_netns, const std::string& resolver_netns,
                                              const endpoints::PublicAddressPlan& edge) {
    routing::ovn::Plan plan;
    plan.edge_link = edge.router_link();
    plan.region_address = edge.region_link_address();
    std::unique_ptr<OvnBackend> b(new OvnBackend(stack, chassis, run_dir, region_netns, resolver_netns, std::move(plan)));
    for (const auto& ns : ovn_namespaces(stack, chassis)) {
        make_namespace(ledger, ns);
        must({"ip", "-n", ns, "link", "set", "lo", "up"});
    }
    fs::create_directories(run_dir / "central");
    ::chmod(run_dir.c_str(), 0700);
    // The underlay: a bridge in the central namespace, a veth from it to each chassis (GENEVE runs over it).
    const std::string central = stack + "-ovn";
    must({"ip", "-n", central, "link", "add", "underlay", "mtu", std::to_string(underlay_mtu), "type", "bridge"});
    must({"ip", "-n", central, "link", "set", "underlay", "up"});
    for (int i = 1; i <= chassis; ++i) {
        const std::string side = "ul" + std::to_string(i);
        must({"ip", "-n", central, "link", "add", side, "mtu", std::to_string(underlay_mtu), "type", "veth", "peer", "name", "underlay", "netns",
              b->chassis_netns(i), "mtu", std::to_string(underlay_mtu)});
        must({"ip", "-n", central, "link", "set", side, "master", "underlay", "up"});
        must({"ip", "-n", b->chassis_netns(i), "link", "set", "underlay", "up"});
    }
    b->start_central();
    for (int i = 1; i <= chassis; ++i) b->start_chassis(i);
    // The userspace datapath resolves a tunnel's far end by ARP when its first packet leaves, and drops that
    // packet meanwhile (a lab's first DNS query or ping across chassis would be lost): every chassis is told
    // every other's underlay MAC up front.
    for (int i = 1; i <= chassis; ++i)
        for (int j = 1; j <= chassis; ++j)
            if (i != j)
                must({"ovs-appctl", "--target=" + (b->chassis_dir(i) / "vswitchd.ctl").string(), "tnl/neigh/set", "br-phy", underlay_address(j), underlay_mac(j)});
    return b;
}

// The daemons run in the lab's namespaces (deleting those kills them: `vpclab down` after kill -9), in the
// foreground as children of the router (and killed with it: spawn_process's die_with_parent), each with its
// own pid file, control socket and log in the run directory (docs/ovn-backend.md §4.2).
void OvnBackend::start_central() {
    const fs::path dir = run_dir_ / "central";
    const std::string netns = stack_ + "-ovn";
    auto daemon = [&](std::vector<std::string> args) {
        std::vector<std::string> full{"ip", "netns", "exec", netns};
        full.insert(full.end(), args.begin(), args.end());
        daemons_.push_back(spawn_process(program_path("ip"), full, -1, -1, true));
    };
    for (const char* db : {"nb", "sb"}) {
        const fs::path file = dir / (std::string(db) + ".db");
        must({"ovsdb-tool", "create", file.string(), std::string("/usr/share/ovn/ovn-") + db + ".ovsschema"});
        daemon({"ovsdb-server", file.string(), "--remote=punix:" + (dir / (std::string(db) + ".sock")).string(),
                "--pidfile=" + (dir / (std::string(db) + ".pid")).string(), "--unixctl=" + (dir / (std::string(db) + ".ctl")).string(),
                "--log-file=" + (dir / (std::string(db) + ".log")).string(), "--no-chdir"});
    }
    wait_for_file(nb_socket_, 10s);
    wait_for_file(sb_socket_, 10s);
    daemon({"ovn-northd", "--ovnnb-db=unix:" + nb_socket_.string(), "--ovnsb-db=unix:" + sb_socket_.string(), "--pidfile=" + (dir / "northd.pid").string(),
            "--unixctl=" + (dir / "northd.ctl").string(), "--log-file=" + (dir / "northd.log").string(), "--no-chdir"});
    must({"ovn-nbctl", "--db=unix:" + nb_socket_.string(), "--timeout=10", "init"});
}

void OvnBackend::start_chassis(int index) {
    const fs::path dir = chassis_dir(index);
    fs::create_directories(dir);
    const std::string netns = chassis_netns(index), db = chassis_db(index);
    // OVS and OVN find their sockets (ovs-vswitchd's <bridge>.mgmt, ovn-controller's control socket) in their
    // run directory: this chassis's own.
    const std::vector<std::string> env{"env", "OVS_RUNDIR=" + dir.string(), "OVS_LOGDIR=" + dir.string(), "OVS_DBDIR=" + dir.string(),
                                       "OVN_RUNDIR=" + dir.string(), "OVN_LOGDIR=" + dir.string()};
    auto daemon = [&](std::vector<std::string> args) {
        std::vector<std::string> full{"ip", "netns", "exec", netns};
        full.insert(full.end(), env.begin(), env.end());
        full.insert(full.end(), args.begin(), args.end());
        daemons_.push_back(spawn_process(program_path("ip"), full, -1, -1, true));
    };
    must({"ovsdb-tool", "create", (dir / "conf.db").string(), "/usr/share/openvswitch/vswitch.ovsschema"});
    daemon({"ovsdb-server", (dir / "conf.db").string(), "--remote=punix:" + (dir / "db.sock").string(), "--pidfile=" + (dir / "ovsdb.pid").string(),
            "--unixctl=" + (dir / "ovsdb.ctl").string(), "--log-file=" + (dir / "ovsdb.log").string(), "--no-chdir"});
    wait_for_file(dir / "db.sock", 10s);
    must({"ovs-vsctl", db, "--timeout=10", "--no-wait", "init"});
    // --monitor: restarted if it aborts. Debian 12's Open vSwitch 3.1 does, in its userspace connection tracker,
    // under many short connections through NAT ("conntrack.c:1063: assertion conn->conn_type ==
    // CT_CONN_TYPE_DEFAULT failed in conn_update_state()", seen with the forwarding benchmark's connection test).
    daemon({"ovs-vswitchd", "unix:" + (dir / "db.sock").string(), "--monitor", "--pidfile=" + (dir / "vswitchd.pid").string(),
            "--unixctl=" + (dir / "vswitchd.ctl").string(), "--log-file=" + (dir / "vswitchd.log").string(), "--no-chdir"});
    // No kernel datapath here (docs/ovn-backend.md §4.1): the userspace one, GENEVE from the address on br-phy.
    must({"ovs-vsctl", db, "--timeout=10", "add-br", "br-phy", "--", "set", "Bridge", "br-phy", "datapath_type=netdev", "--", "add-port", "br-phy", "underlay",
          "--", "set", "Interface", "br-phy", "mtu_request=" + std::to_string(underlay_mtu), "--", "set", "Bridge", "br-phy",
          "other-config:hwaddr=\"" + underlay_mac(index) + "\""});
    must({"ip", "-n", netns, "addr", "add", underlay_address(index) + "/24", "dev", "br-phy"});
    must({"ip", "-n", netns, "link", "set", "br-phy", "up"});
    must({"ovs-vsctl", db, "--timeout=10", "add-br", "br-int", "--", "set", "Bridge", "br-int", "datapath_type=netdev", "fail-mode=secure",
          "other-config:disable-in-band=true"});
    must({"ovs-vsctl", db, "--timeout=10", "set", "Open_vSwitch", ".", "external_ids:system-id=" + routing::ovn::chassis_name(index),
          "external_ids:ovn-remote=unix:" + sb_socket_.string(), "external_ids:ovn-encap-type=geneve", "external_ids:ovn-encap-ip=" + underlay_address(index),
          "external_ids:ovn-bridge=br-int", "external_ids:ovn-bridge-datapath-type=netdev"});
    // 23.03's ovn-controller takes no --unixctl: its control socket is ovn-controller.<pid>.ctl in OVN_RUNDIR.
    daemon({"ovn-controller", "unix:" + (dir / "db.sock").string(), "--pidfile=" + (dir / "controller.pid").string(),
            "--log-file=" + (dir / "controller.log").string(), "--no-chdir"});
}

OvnBackend::~OvnBackend() {
    for (const pid_t pid : daemons_) ::kill(pid, SIGKILL);
    for (const pid_t pid : daemons_) ::waitpid(pid, nullptr, 0);
}

void OvnBackend::plug(const std::string& netns, const std::string& port, const tap::NamespaceInterface& spec) {
    int chassis = 1;
    if (port != "region") {
        std::lock_guard lock(mutex_);
        const auto it = std::find_if(placement_.begin(), placement_.end(), [&](const auto& p) { return p.first == netns; });
        if (it != placement_.end()) chassis = it->second;
        else {
            chassis = next_chassis_++ % chassis_ + 1;
            placement_.emplace_back(netns, chassis);
        }
    }
    const std::string outside = link_name("vo", stack_ + "/" + port), inside = link_name("vp", stack_ + "/" + port);
    const std::string mtu = std::to_string(spec.mtu);
    // Plugged before (an ENI detached and attached again): its old veth goes first, wherever it was.
    for (int c = 1; c <= chassis_; ++c) {
        run_captured(program_path("ip"), {"ip", "-n", chassis_netns(c), "link", "del", inside}, 5s);
        run_captured(program_path("ovs-vsctl"), {"ovs-vsctl", chassis_db(c), "--timeout=10", "--if-exists", "del-port", "br-int", inside}, 12s);
    }
    must({"ip", "link", "add", outside, "mtu", mtu, "type", "veth", "peer", "name", inside, "netns", chassis_netns(chassis), "mtu", mtu});
    try {
        tap::NamespaceInterface moved = spec;
        moved.tap_name = outside;
        tap::configure_namespace_interface(tap::open_named_netns(netns).get(), moved);
    } catch (...) {
        run_captured(program_path("ip"), {"ip", "link", "del", outside}, 5s);
        throw;
    }
    must({"ip", "-n", chassis_netns(chassis), "link", "set", inside, "up"});
    must({"ovs-vsctl", chassis_db(chassis), "--timeout=10", "add-port", "br-int", inside, "--", "set", "Interface", inside, "external_ids:iface-id=" + port});
    // The userspace datapath passes frames as they are: a checksum left to offload would reach the far end
    // unfinished (TCP fails, ICMP works: docs/ovn-backend.md §3.8).
    must({"ip", "netns", "exec", netns, "ethtool", "-K", spec.name, "tx", "off"});
}

std::function<void()> OvnBackend::prepare(const routing::VpcModel& model) {
    auto wanted = std::make_shared<routing::ovn::Northbound>(routing::ovn::compile_northbound(model, plan_));
    auto resolvers = std::make_shared<std::vector<ResolverVpc>>();
    for (std::size_t i = 0; i < model.vpcs().size(); ++i) {
        const routing::Vpc& v = model.vpcs()[i];
        const routing::Subnet* s = routing::ovn::resolver_subnet(model, v);
        if (!s) continue;
        resolvers->push_back({routing::ovn::resolver_port_name(s->id), routing::ovn::resolver_mac(v.id), v.cidr.network + 2,
                              static_cast<std::uint32_t>(i), s->router_address(), s->cidr, v.cidr, v.enable_dns_support});
    }
    return [this, wanted, resolvers] { apply(*wanted, *resolvers); };
}

// vpclab's resolver on OVN: the resolver namespace gets an interface on each VPC's resolver port, with base+2
// and, in a routing table of its own, the way back into that VPC (so VPCs with one CIDR do not meet). A query
// to base+2, 169.254.169.253 or the metadata service is translated to the VPC's own address among the
// resolver's (169.254.<k>.2, .253, .254: what the userspace router translates to), which is how the DNS and
// metadata servers know the VPC; the connection's mark routes the answer back through its interface.
void OvnBackend::sync_resolver(const std::vector<ResolverVpc>& vpcs) {
    std::string rules = "table ip vpclab_resolver\ndelete table ip vpclab_resolver\ntable ip vpclab_resolver {\n"
                        "  chain prerouting {\n    type nat hook prerouting priority dstnat; policy accept;\n";
    for (const auto& v : vpcs) {
        int link = 0;
        for (const auto& [port, number] : resolver_links_)
            if (port == v.port) link = number;
        if (link == 0) {
            link = static_cast<int>(resolver_links_.size()) + 1;
            const std::string name = "vpc" + std::to_string(link), table = std::to_string(1000 + link);
            const std::string outside = link_name("vo", stack_ + "/" + v.port), inside = link_name("vp", stack_ + "/" + v.port);
            must({"ip", "link", "add", outside, "mtu", "9001", "type", "veth", "peer", "name", inside, "netns", chassis_netns(1), "mtu", "9001"});
            try {
                must({"ip", "link", "set", outside, "netns", resolver_netns_});
                must({"ip", "-n", resolver_netns_, "link", "set", outside, "name", name, "address", v.mac.to_string(), "up"});
                must({"ip", "-n", resolver_netns_, "addr", "add", routing::format_ipv4(v.address) + "/" + std::to_string(v.subnet.prefix_length), "dev",
                      name, "noprefixroute"});
                must({"ip", "-n", resolver_netns_, "route", "replace", v.subnet.to_string(), "dev", name, "table", table});
                if (!(v.subnet.prefix_length <= v.vpc.prefix_length))  // the rest of the VPC, through the subnet's router
                    must({"ip", "-n", resolver_netns_, "route", "replace", v.vpc.to_string(), "via", routing::format_ipv4(v.subnet_router), "dev", name,
                          "table", table});
                must({"ip", "-n", resolver_netns_, "rule", "add", "fwmark", table, "lookup", table, "pref", "100"});
                must({"ip", "netns", "exec", resolver_netns_, "ethtool", "-K", name, "tx", "off"});
                // The queries come from addresses the main table routes elsewhere (to the router's TAP): no
                // reverse-path filter on this interface.
                must({"ip", "netns", "exec", resolver_netns_, "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf." + name + ".rp_filter=0"});
                must({"ip", "-n", chassis_netns(1), "link", "set", inside, "up"});
                must({"ovs-vsctl", chassis_db(1), "--timeout=10", "--may-exist", "add-port", "br-int", inside, "--", "set", "Interface", inside,
                      "external_ids:iface-id=" + v.port});
            } catch (...) {
                // Half made: unmade (deleting one end of a veth deletes both), so the next commit tries afresh.
                run_captured(program_path("ip"), {"ip", "-n", chassis_netns(1), "link", "del", inside}, 5s);
                run_captured(program_path("ip"), {"ip", "-n", resolver_netns_, "rule", "del", "fwmark", table, "lookup", table}, 5s);
                run_captured(program_path("ip"), {"ip", "-n", resolver_netns_, "route", "flush", "table", table}, 5s);
                throw;
            }
            resolver_links_.emplace_back(v.port, link);
        }
        // enableDnsSupport off: the resolver does not answer that VPC (VPC User Guide, "DNS attributes").
        const std::string name = "vpc" + std::to_string(link), mark = std::to_string(1000 + link);
        const std::uint32_t own = resolver_vpc_base + (v.index << 8);
        const std::string in = "    iifname \"" + name + "\" ";
        if (v.dns_support) {
            for (const std::uint32_t asked : {v.address, routing::amazon_dns_link_local}) {
                const std::string to = routing::format_ipv4(own + (asked == v.address ? 2 : 253));
                rules += in + "ip daddr " + routing::format_ipv4(asked) + " udp dport 53 ct mark set " + mark + " dnat to " + to + "\n";
                rules += in + "ip daddr " + routing::format_ipv4(asked) + " tcp dport 53 ct mark set " + mark + " dnat to " + to + "\n";
            }
        }
        rules += in + "ip daddr 169.254.169.254 tcp dport 80 ct mark set " + mark + " dnat to " + routing::format_ipv4(own + 254) + "\n";
    }
    rules += "  }\n  chain output {\n    type route hook output priority mangle; policy accept;\n    ct mark != 0 meta mark set ct mark\n  }\n}\n";
    if (rules == resolver_rules_) return;
    const fs::path file = run_dir_ / "resolver.nft";
    std::ofstream(file) << rules;
    must({"ip", "netns", "exec", resolver_netns_, "nft", "-f", file.string()});
    resolver_rules_ = rules;
}

void OvnBackend::apply(const routing::ovn::Northbound& wanted, const std::vector<ResolverVpc>& resolvers) noexcept {
    try {
        std::vector<std::string> commands;
        if (nb_unknown_) {
            // The last transaction failed in a way that leaves open whether it committed (a timeout can come
            // after the commit): start again from nothing, in the same transaction, so nothing is made twice.
            commands = {"--all", "destroy", "Logical_Router", "--", "--all", "destroy", "Logical_Switch", "--", "--all", "destroy", "Port_Group",
                        "--", "--all", "destroy", "Address_Set"};
            const std::vector<std::string> all = routing::ovn::nbctl_arguments({}, wanted);
            if (!all.empty()) commands.push_back("--");
            commands.insert(commands.end(), all.begin(), all.end());
        } else {
            commands = routing::ovn::nbctl_arguments(applied_, wanted);
        }
        if (!commands.empty()) {
            std::vector<std::string> args{"ovn-nbctl", "--db=unix:" + nb_socket_.string(), "--timeout=10"};
            args.insert(args.end(), commands.begin(), commands.end());
            nb_unknown_ = true;  // until ovn-nbctl says it committed
            must(args);
            nb_unknown_ = false;
        }
        applied_.rows = wanted.rows;
        // The region's routes back into the VPCs (its own namespace, not OVN's), each kept once it is made.
        auto& have = applied_.region_routes;
        for (std::size_t i = have.size(); i-- > 0;)
            if (std::find(wanted.region_routes.begin(), wanted.region_routes.end(), have[i]) == wanted.region_routes.end()) {
                run_captured(program_path("ip"), {"ip", "-n", region_netns_, "route", "del", have[i].destination.to_string()}, 5s);
                have.erase(have.begin() + static_cast<std::ptrdiff_t>(i));
            }
        for (const auto& r : wanted.region_routes)
            if (std::find(have.begin(), have.end(), r) == have.end()) {
                must({"ip", "-n", region_netns_, "route", "replace", r.destination.to_string(), "via", routing::format_ipv4(r.via)});
                have.push_back(r);
            }
        sync_resolver(resolvers);
        {
            std::lock_guard lock(mutex_);
            last_error_.clear();
        }
        // An API call answers once the chassis have the change, as the userspace router has it at once: the
        // next command (a ping after authorize-security-group-ingress) sees it. The event loop waits meanwhile,
        // which costs nothing here: it carries no instance's frames on this backend.
        if (!commands.empty()) {
            const CapturedRun sync = run_captured(program_path("ovn-nbctl"), {"ovn-nbctl", "--db=unix:" + nb_socket_.string(), "--timeout=10", "--wait=hv", "sync"}, 12s);
            if (sync.status != 0) spdlog::warn("OVN backend: the chassis did not confirm the change within 10 s: {}", sync.output);
        }
    } catch (const std::exception& e) {
        spdlog::error("OVN backend: the change was not applied (retried at the next one): {}", e.what());
        std::lock_guard lock(mutex_);
        last_error_ = e.what();
    } catch (...) {
        std::lock_guard lock(mutex_);
        last_error_ = "the change was not applied (an unknown error; retried at the next one)";
    }
}

void OvnBackend::wait_applied() const { must({"ovn-nbctl", "--db=unix:" + nb_socket_.string(), "--timeout=30", "--wait=hv", "sync"}, 35s); }

std::string OvnBackend::last_error() const {
    std::lock_guard lock(mutex_);
    return last_error_;
}

std::string OvnBackend::trace(const routing::VpcModel& m, const std::string& eni_id, std::uint32_t destination, int protocol,
                              std::uint16_t source_port, std::uint16_t destination_port) const {
    const routing::NetworkInterface& eni = m.network_interface(eni_id);
    const routing::Subnet& subnet = m.subnet(eni.subnet_id);
    // Within the subnet the instance sends to the destination's own MAC, else to its subnet's router port.
    std::string eth_dst = routing::ovn::subnet_router_mac(subnet.id).to_string();
    if (subnet.cidr.contains(destination))
        for (const auto& other : m.network_interfaces())
            if (other.subnet_id == subnet.id && other.private_ip == destination) eth_dst = other.mac.to_string();
    std::string flow = "inport == \"" + eni.id + "\" && eth.src == " + eni.mac.to_string() + " && eth.dst == " + eth_dst +
                       " && ip4.src == " + routing::format_ipv4(eni.private_ip) + " && ip4.dst == " + routing::format_ipv4(destination) + " && ip.ttl == 64";
    if (protocol == 6) flow += " && tcp.src == " + std::to_string(source_port) + " && tcp.dst == " + std::to_string(destination_port) + " && tcp.flags == 0x002";
    else if (protocol == 17) flow += " && udp.src == " + std::to_string(source_port) + " && udp.dst == " + std::to_string(destination_port);
    else flow += " && icmp4.type == 8 && icmp4.code == 0";
    // A new connection's first packet, as the model's trace sends it (ovn-trace assumes an established one).
    const CapturedRun run =
        run_captured(program_path("ovn-trace"), {"ovn-trace", "--db=unix:" + sb_socket_.string(), "--ct=new", "--summary", subnet.id, flow}, 10s);
    std::string out = "$ ovn-trace --ct=new --summary " + subnet.id + " '" + flow + "'\n" + run.output;
    if (run.status != 0) out += "(ovn-trace failed" + (run.status > 0 ? ", exit status " + std::to_string(run.status) : std::string(": timed out")) + ")\n";
    return out;
}

}  // namespace vpclab::router
