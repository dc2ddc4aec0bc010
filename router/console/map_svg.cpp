// The resource map as SVG, laid out without Graphviz: one band per VPC with four columns, as the AWS
// console's resource map reads left to right (the VPC with its Availability Zones, subnets and instances |
// its route tables, a row per route | its gateways, endpoints and load balancers), and a last column for
// what VPCs share (peering connections, transit gateways, the region). Every resource is a
// <g class="node kind-…" data-ids="…"> so that the console can mark a trace's path by the IDs its steps name.
#include <algorithm>
#include <map>

#include "router/aws_api/xml_response.hpp"
#include "router/console/map_render.hpp"

namespace vpclab::console {

namespace {

// Text is monospace 11 px: about 6.6 px a character, so widths are known without a font.
constexpr int line_height = 15, pad = 8, gap = 8, band_gap = 30, top = 40, margin = 20;
constexpr int column_x[4] = {margin, 500, 900, 1280};
constexpr int column_width[4] = {440, 360, 340, 300};
constexpr int total_width = 1600;

// XML text and attribute values: &, <, >, " and ' escaped; what XML 1.0 cannot carry (a control character in
// a Name tag, bytes that are not UTF-8) replaced, as the AWS endpoint's XML does.
std::string escaped(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    aws_api::append_xml_text(out, text);
    return out;
}

// What fits in `width` pixels; longer text ends in "…" (the element's <title> has it whole).
std::string fitted(const std::string& text, int width) {
    const std::size_t room = static_cast<std::size_t>(std::max(4, (width - 2 * pad) * 10 / 66));
    std::size_t chars = 0, cut = text.size();
    for (std::size_t i = 0; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;  // a UTF-8 continuation byte
        if (++chars == room) cut = i;
    }
    if (chars <= room) return text;
    return text.substr(0, cut) + "…";
}

struct Box {
    int x = 0, y = 0, w = 0, h = 0;
    int right() const { return x + w; }
    int middle() const { return y + h / 2; }
};

constexpr const char* style = R"(
.resource-map { font-family: "DejaVu Sans Mono", monospace; font-size: 11px; }
.resource-map .node > rect { fill: #ffffff; stroke: #879196; stroke-width: 1; rx: 4; }
.resource-map .node > text.name { font-weight: bold; }
.resource-map .kind-vpc > rect { fill: #f7f3ff; stroke: #8c4fff; stroke-width: 2; }
.resource-map .kind-zone > rect { fill: #fafafa; stroke: #879196; stroke-dasharray: 4 3; }
.resource-map .kind-subnet > rect { fill: #f2f8fd; stroke: #0972d3; }
.resource-map .kind-instance > rect { fill: #fff6eb; stroke: #ec7211; }
.resource-map .kind-interface > rect { fill: #f2f3f3; }
.resource-map .kind-route_table > rect { fill: #ffffff; stroke: #0972d3; }
.resource-map .kind-route > rect { fill: transparent; stroke: none; }
.resource-map .kind-internet_gateway > rect, .resource-map .kind-nat_gateway > rect,
.resource-map .kind-gateway_endpoint > rect, .resource-map .kind-interface_endpoint > rect,
.resource-map .kind-load_balancer > rect { fill: #f7f3ff; stroke: #8c4fff; }
.resource-map .kind-vpc_peering > rect, .resource-map .kind-transit_gateway > rect { fill: #fdf0f6; stroke: #e7157b; }
.resource-map .kind-region > rect { fill: #eaeded; stroke: #232f3e; }
.resource-map .edge { fill: none; stroke: #5f6b7a; stroke-width: 1.2; opacity: 0.8; }
.resource-map .edge.dashed { stroke-dasharray: 5 4; }
.resource-map .edge-association { stroke: #0972d3; }
.resource-map .edge-attachment { stroke: #e7157b; }
.resource-map .edge-target { stroke: #ec7211; }
)";

class SvgWriter {
public:
    explicit SvgWriter(const ResourceMap& map) : map_(map) {
        for (const auto& n : map.nodes) children_[n.parent].push_back(&n);
    }

    std::string write() {
        // Measure and place everything first (edges need both ends), then write.
        int y = top;
        int shared_y = top;
        for (const MapNode* n : children_[""]) {
            if (n->kind != MapKind::vpc) {
                shared_y += place(*n, column_x[3], shared_y, column_width[3]) + gap;
                continue;
            }
            int height[3] = {place(*n, column_x[0], y, column_width[0]), 0, 0};
            for (const MapNode* child : children_[n->id]) {
                if (child->kind == MapKind::zone) continue;
                const int column = child->kind == MapKind::route_table ? 1 : 2;
                height[column] += place(*child, column_x[column], y + height[column], column_width[column]) + gap;
            }
            y += *std::max_element(height, height + 3) + band_gap;
        }
        const int total_height = std::max(y, shared_y) + margin;

        out_ += "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"resource-map\" width=\"" + std::to_string(total_width) + "\" height=\"" +
                std::to_string(total_height) + "\" viewBox=\"0 0 " + std::to_string(total_width) + " " + std::to_string(total_height) + "\">\n";
        out_ += "<title>" + escaped(map_.title) + "</title>\n<style>" + std::string(style) + "</style>\n";
        out_ += "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto-start-reverse\">"
                "<path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#5f6b7a\"/></marker></defs>\n";
        out_ += "<text x=\"" + std::to_string(margin) + "\" y=\"24\" class=\"map-title\" font-weight=\"bold\" font-size=\"14\">" + escaped(map_.title) + "</text>\n";
        for (const MapNode* n : children_[""]) write_node(*n, "");
        out_ += "<g class=\"edges\">\n";
        for (const auto& e : map_.edges) write_edge(e);
        out_ += "</g>\n</svg>\n";
        return std::move(out_);
    }

private:
    const ResourceMap& map_;
    std::map<std::string, std::vector<const MapNode*>> children_;
    std::map<std::string, Box> boxes_;  // by node ID, and a route's row by "rtb-…|destination"
    std::string out_;

    static int header_lines(const MapNode& n) { return 1 + static_cast<int>(n.lines.size()); }

    // Places `n` (and the children drawn inside it) at x, y in `width`; returns its height.
    int place(const MapNode& n, int x, int y, int width) {
        int height = pad + header_lines(n) * line_height;
        if (n.kind == MapKind::route_table)
            for (std::size_t i = 0; i < n.lines.size() && i < n.also.size(); ++i)
                boxes_[n.also[i]] = {x + pad / 2, y + pad + static_cast<int>(i + 1) * line_height + 3, width - pad, line_height};
        for (const MapNode* child : children_[n.id]) {
            if (n.kind == MapKind::vpc && child->kind != MapKind::zone) continue;  // drawn in the band's other columns
            height += gap / 2;
            height += place(*child, x + pad, y + height, width - 2 * pad);
        }
        height += pad;
        boxes_[n.id] = {x, y, width, height};
        return height;
    }

    std::string title_of(const MapNode& n) const {
        std::string title = n.name;
        if (n.id != n.name) title += "\n" + n.id;
        for (const auto& line : n.lines)
            if (line != n.id) title += "\n" + line;
        return title;
    }

    void text(int x, int y, std::string content, int width, const char* cls) {
        std::replace(content.begin(), content.end(), '\n', ' ');  // one line of the box
        out_ += "<text x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(y) + "\" class=\"" + cls + "\">" + escaped(fitted(content, width)) + "</text>";
    }

    static std::string rect(const Box& b) {
        return "<rect x=\"" + std::to_string(b.x) + "\" y=\"" + std::to_string(b.y) + "\" width=\"" + std::to_string(b.w) + "\" height=\"" +
               std::to_string(b.h) + "\" rx=\"4\"/>";
    }

    void write_node(const MapNode& n, const std::string& indent) {
        const Box& b = boxes_.at(n.id);
        std::string ids = n.id;
        // A route table's routes are its rows' IDs, not its own: a trace marks the row it took.
        if (n.kind != MapKind::route_table)
            for (const auto& other : n.also) ids += " " + other;
        out_ += indent + "<g class=\"node kind-" + std::string(name_of(n.kind)) + "\" data-ids=\"" + escaped(ids) + "\">";
        out_ += "<title>" + escaped(title_of(n)) + "</title>" + rect(b);
        int baseline = b.y + pad + 11;
        text(b.x + pad, baseline, n.name, b.w, "name");
        for (std::size_t i = 0; i < n.lines.size(); ++i) {
            baseline += line_height;
            if (n.kind == MapKind::route_table && i < n.also.size()) {
                // A route is a row of its own, so that a trace can mark the one it took.
                out_ += "<g class=\"node kind-route\" data-ids=\"" + escaped(n.also[i]) + "\"><title>" + escaped(n.lines[i]) + "</title>" +
                        rect(boxes_.at(n.also[i]));
                text(b.x + pad, baseline, n.lines[i], b.w, "line");
                out_ += "</g>";
                continue;
            }
            text(b.x + pad, baseline, n.lines[i], b.w, "line");
        }
        out_ += "\n";
        for (const MapNode* child : children_[n.id])
            if (!(n.kind == MapKind::vpc && child->kind != MapKind::zone)) write_node(*child, indent + " ");
        out_ += indent + "</g>\n";
        if (n.kind == MapKind::vpc)
            for (const MapNode* child : children_[n.id])
                if (child->kind != MapKind::zone) write_node(*child, indent);
    }

    void write_edge(const MapEdge& e) {
        const auto from_box = boxes_.find(e.kind == MapEdgeKind::route && boxes_.count(e.from + "|" + e.label) ? e.from + "|" + e.label : e.from);
        const auto to_box = boxes_.find(e.to);
        if (from_box == boxes_.end() || to_box == boxes_.end()) return;
        const Box& f = from_box->second;
        const Box& t = to_box->second;
        int sx = f.right(), ex = t.x, bend = 40;
        if (t.right() <= f.x) {  // to the left: leave by the left side
            sx = f.x;
            ex = t.right();
            bend = -40;
        } else if (t.x < f.right()) {  // the same column: a loop out to the right
            ex = t.right();
        }
        const int sy = f.middle(), ey = t.middle();
        const int c1 = sx + bend, c2 = (t.x < f.right() && t.right() > f.x) ? ex + 40 : ex - bend;
        const MapNode* from = map_.find(e.from);
        const MapNode* to = map_.find(e.to);
        std::string title = (from ? from->name : e.from) + " → " + (to ? to->name : e.to);
        if (!e.label.empty()) title += ": " + e.label;
        out_ += "<path class=\"edge edge-" + std::string(name_of(e.kind)) + (e.dashed ? " dashed" : "") + "\" data-from=\"" + escaped(e.from) +
                "\" data-to=\"" + escaped(e.to) + "\" d=\"M " + std::to_string(sx) + " " + std::to_string(sy) + " C " + std::to_string(c1) + " " +
                std::to_string(sy) + ", " + std::to_string(c2) + " " + std::to_string(ey) + ", " + std::to_string(ex) + " " + std::to_string(ey) +
                "\" marker-end=\"url(#arrow)\"><title>" + escaped(title) + "</title></path>\n";
    }
};

}  // namespace

std::string render_svg(const ResourceMap& map) { return SvgWriter(map).write(); }

}  // namespace vpclab::console
