// A recursive-descent reader of the aws CLI's shorthand syntax.
#include "router/cli/shorthand.hpp"

#include "router/cli/options.hpp"

#include <cstring>

namespace vpclab::router {

namespace {

class Reader {
public:
    explicit Reader(const std::string& text) : s_(text) {}

    nlohmann::json structure(char closing) {
        nlohmann::json out = nlohmann::json::object();
        while (true) {
            const std::string name = key();
            if (name.empty()) fail("a key before '='");
            expect('=');
            if (out.contains(name)) fail("'" + name + "' given once (it appears twice)");
            out[name] = value();
            // "Values=a,b": after a scalar, a comma followed by no "key=" continues that key's list.
            while (at(',') && !next_is_key()) {
                ++i_;
                nlohmann::json& v = out[name];
                if (!v.is_array()) v = nlohmann::json::array({v});
                v.push_back(scalar());
            }
            if (closing ? at(closing) : i_ == s_.size()) return out;
            expect(',');
        }
    }

    void finish() {
        if (i_ != s_.size()) fail("the end of the text");
    }

private:
    nlohmann::json value() {
        if (at('[')) {
            ++i_;
            nlohmann::json list = nlohmann::json::array();
            if (at(']')) return ++i_, list;
            while (true) {
                list.push_back(at('{') ? (++i_, braced()) : scalar());
                if (at(']')) return ++i_, list;
                expect(',');
            }
        }
        if (at('{')) return ++i_, braced();
        return scalar();
    }

    nlohmann::json braced() {
        nlohmann::json s = structure('}');
        expect('}');
        return s;
    }

    // A scalar runs to the next comma or closing bracket; "\," and "\]" are literal.
    nlohmann::json scalar() {
        std::string out;
        // A closing bracket always ends a value (one that closes nothing is then an error); escape it to keep it.
        while (i_ < s_.size() && s_[i_] != ',' && s_[i_] != ']' && s_[i_] != '}') {
            if (s_[i_] == '\\' && i_ + 1 < s_.size()) ++i_;
            out += s_[i_++];
        }
        return out;
    }

    std::string key() {
        std::string out;
        while (i_ < s_.size() && s_[i_] != '=') {
            if (std::strchr(",[]{}", s_[i_])) fail("'=' after the key '" + out + "'");
            out += s_[i_++];
        }
        return out;
    }

    bool next_is_key() const {
        // Looks past the comma: "word=" (no comma, bracket or brace before the '=').
        for (std::size_t k = i_ + 1; k < s_.size(); ++k) {
            if (s_[k] == '=') return k > i_ + 1;
            if (s_[k] == ',' || s_[k] == '[' || s_[k] == ']' || s_[k] == '{' || s_[k] == '}') return false;
        }
        return false;
    }

    bool at(char c) const { return i_ < s_.size() && s_[i_] == c; }
    void expect(char c) {
        if (!at(c)) fail(std::string("'") + c + "'");
        ++i_;
    }
    [[noreturn]] void fail(const std::string& wanted) const {
        throw UsageError("Error parsing parameter: expected " + wanted + " at character " + std::to_string(i_ + 1) + " of '" + s_ +
                         "' (the aws CLI's shorthand: Key=value,Other=[a,b],Nested={K=v})");
    }

    const std::string& s_;
    std::size_t i_ = 0;
};

}  // namespace

nlohmann::json parse_shorthand(const std::string& text) {
    Reader r(text);
    nlohmann::json out = r.structure(0);
    r.finish();
    return out;
}

nlohmann::json parse_structures(const std::string& option, const std::string& text) {
    if (!text.empty() && (text.front() == '{' || text.front() == '[')) {
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(text);
        } catch (const nlohmann::json::exception&) {
            throw UsageError(option + ": '" + text + "' is not valid JSON");
        }
        if (j.is_object()) return nlohmann::json::array({std::move(j)});
        if (!j.is_array()) throw UsageError(option + " takes a JSON object or a list of objects");
        for (const auto& item : j)
            if (!item.is_object()) throw UsageError(option + ": every item of the JSON list must be an object");
        return j;
    }
    return nlohmann::json::array({parse_shorthand(text)});
}

}  // namespace vpclab::router
