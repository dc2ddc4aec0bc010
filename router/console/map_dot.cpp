// The resource map as Graphviz dot: a cluster for each container (VPC, Availability Zone, subnet) holding a
// node of its own ID (so edges can reach it: compound=true with ltail/lhead), a node for everything else.
#include <map>

#include "router/console/map_render.hpp"

namespace vpclab::console {

namespace {

std::string quoted(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out + "\"";
}

bool is_container(MapKind kind) { return kind == MapKind::vpc || kind == MapKind::zone || kind == MapKind::subnet; }

// Fill colours after the AWS architecture icons' families (networking purple, compute orange, …).
const char* colour_of(MapKind kind) {
    switch (kind) {
        case MapKind::vpc: return "#8c4fff";
        case MapKind::zone: return "#879196";
        case MapKind::subnet: return "#0972d3";
        case MapKind::instance: return "#fbd8b0";
        case MapKind::interface: return "#f2f3f3";
        case MapKind::route_table: return "#e9f2fd";
        case MapKind::region: return "#d5dbdb";
        case MapKind::vpc_peering:
        case MapKind::transit_gateway: return "#fbd1e6";
        default: return "#e8dcff";
    }
}

std::string label_of(const MapNode& n, bool with_name) {
    std::string label = with_name ? n.name : std::string();
    for (const auto& line : n.lines) label += (label.empty() ? "" : "\n") + line;
    return label.empty() ? (n.kind == MapKind::zone ? "Availability Zone" : n.id) : label;
}

class DotWriter {
public:
    explicit DotWriter(const ResourceMap& map) : map_(map) {
        for (const auto& n : map.nodes) children_[n.parent].push_back(&n);
    }

    std::string write() {
        out_ += "digraph " + quoted(map_.title) + " {\n";
        out_ += "  graph [rankdir=LR, compound=true, newrank=true, fontname=\"Helvetica\", fontsize=11, label=" + quoted(map_.title) +
                ", labelloc=t];\n";
        out_ += "  node [shape=box, style=\"rounded,filled\", fillcolor=white, fontname=\"Helvetica\", fontsize=9];\n";
        out_ += "  edge [fontname=\"Helvetica\", fontsize=8];\n";
        for (const MapNode* n : children_[""]) write_node(*n, "  ");
        for (const auto& e : map_.edges) write_edge(e);
        out_ += "}\n";
        return std::move(out_);
    }

private:
    const ResourceMap& map_;
    std::map<std::string, std::vector<const MapNode*>> children_;
    std::string out_;

    void write_node(const MapNode& n, const std::string& indent) {
        if (!is_container(n.kind)) {
            out_ += indent + quoted(n.id) + " [label=" + quoted(label_of(n, true)) + ", fillcolor=" + quoted(colour_of(n.kind)) +
                    ", class=" + quoted(name_of(n.kind)) + "];\n";
            return;
        }
        out_ += indent + "subgraph " + quoted("cluster_" + n.id) + " {\n";
        const std::string inner = indent + "  ";
        out_ += inner + "label=" + quoted(n.name) + "; style=rounded; color=" + quoted(colour_of(n.kind)) + ";\n";
        out_ += inner + quoted(n.id) + " [shape=plaintext, style=\"\", label=" + quoted(label_of(n, false)) + ", class=" + quoted(name_of(n.kind)) + "];\n";
        for (const MapNode* child : children_[n.id]) write_node(*child, inner);
        out_ += indent + "}\n";
    }

    void write_edge(const MapEdge& e) {
        out_ += "  " + quoted(e.from) + " -> " + quoted(e.to) + " [label=" + quoted(e.label) + ", class=" + quoted(name_of(e.kind));
        if (e.dashed) out_ += ", style=dashed";
        if (const MapNode* from = map_.find(e.from); from && is_container(from->kind)) out_ += ", ltail=" + quoted("cluster_" + e.from);
        if (const MapNode* to = map_.find(e.to); to && is_container(to->kind)) out_ += ", lhead=" + quoted("cluster_" + e.to);
        out_ += "];\n";
    }
};

}  // namespace

std::string render_dot(const ResourceMap& map) { return DotWriter(map).write(); }

}  // namespace vpclab::console
