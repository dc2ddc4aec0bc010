// The resource map for a terminal: a tree drawn with box-drawing lines, what each thing leads to ("→") under it.
#include <map>

#include "router/console/map_render.hpp"

namespace vpclab::console {

namespace {

const char* word_of(MapKind kind) {
    switch (kind) {
        case MapKind::vpc: return "VPC";
        case MapKind::zone: return "Availability Zone";
        case MapKind::subnet: return "Subnet";
        case MapKind::instance: return "Instance";
        case MapKind::interface: return "Network interface";
        case MapKind::route_table: return "Route table";
        case MapKind::internet_gateway: return "Internet gateway";
        case MapKind::nat_gateway: return "NAT gateway";
        case MapKind::gateway_endpoint: return "Gateway endpoint";
        case MapKind::interface_endpoint: return "Interface endpoint";
        case MapKind::load_balancer: return "Load balancer";
        case MapKind::vpc_peering: return "Peering connection";
        case MapKind::transit_gateway: return "Transit gateway";
        case MapKind::region: return "Region";
    }
    return "?";
}

// What a Name tag says, made safe for a terminal: control characters (an escape sequence, a line break)
// become spaces, so a tag cannot recolour the terminal or break the tree.
std::string printable(std::string text) {
    for (auto& c : text)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    return text;
}

// Route tables and transit gateways list their routes one per line; the rest fit on their heading.
bool lists_lines(MapKind kind) { return kind == MapKind::route_table || kind == MapKind::transit_gateway; }

class TextWriter {
public:
    explicit TextWriter(const ResourceMap& map) : map_(map) {
        for (const auto& n : map.nodes) children_[n.parent].push_back(&n);
        // Route tables' routes are their lines already; other edges are drawn under their source.
        for (const auto& e : map.edges)
            if (!(e.kind == MapEdgeKind::route && map.find(e.from) && map.find(e.from)->kind == MapKind::route_table)) edges_from_[e.from].push_back(&e);
    }

    std::string write() {
        out_ = printable(map_.title) + "\n";
        const auto& top = children_[""];
        for (std::size_t i = 0; i < top.size(); ++i) write_node(*top[i], "", i + 1 == top.size());
        return std::move(out_);
    }

private:
    const ResourceMap& map_;
    std::map<std::string, std::vector<const MapNode*>> children_;
    std::map<std::string, std::vector<const MapEdge*>> edges_from_;
    std::string out_;

    std::string heading(const MapNode& n) const {
        std::string text = std::string(word_of(n.kind)) + " " + n.name;
        // The ID, unless the name is the ID (an untagged main route table's name is "rtb-… (main)").
        if (n.name.rfind(n.id, 0) != 0 && n.kind != MapKind::zone && n.kind != MapKind::region) text += " · " + n.id;
        if (lists_lines(n.kind) && n.kind == MapKind::route_table) return text;
        for (std::size_t i = 0; i < n.lines.size(); ++i) {
            if (n.lines[i] == n.id) continue;
            if (lists_lines(n.kind)) break;
            text += " · " + n.lines[i];
        }
        return text;
    }

    std::string edge_text(const MapEdge& e) const {
        const MapNode* to = map_.find(e.to);
        std::string text = "→ ";
        if (to) text += std::string(word_of(to->kind)) + " " + to->name;
        if (!e.label.empty()) text += " (" + e.label + ")";
        return text;
    }

    void write_node(const MapNode& n, const std::string& prefix, bool last) {
        out_ += prefix + (last ? "└─ " : "├─ ") + printable(heading(n)) + "\n";
        const std::string inner = prefix + (last ? "   " : "│  ");
        const auto& kids = children_[n.id];
        const auto& edges = edges_from_[n.id];
        if (lists_lines(n.kind))
            for (const auto& line : n.lines)
                if (line != n.id) out_ += inner + (kids.empty() && edges.empty() ? "   " : "│  ") + printable(line) + "\n";
        const std::size_t count = edges.size() + kids.size();
        std::size_t i = 0;
        for (const MapEdge* e : edges) out_ += inner + (++i == count ? "└─ " : "├─ ") + printable(edge_text(*e)) + "\n";
        for (const MapNode* child : kids) write_node(*child, inner, ++i == count);
    }
};

}  // namespace

std::string render_text(const ResourceMap& map) { return TextWriter(map).write(); }

}  // namespace vpclab::console
