// What a template's intrinsic functions may build (issue 23): each intrinsic at its bound and one past it,
// the budget all of a template's intrinsics share, parameters at CloudFormation's quota, and the inputs that
// once made `vpclab up` ask for gigabytes, loaded with their peak memory measured.
#include <doctest/doctest.h>


#include "instance/base64.hpp"
#include "router/template/intrinsics.hpp"
#include "router/template/template_error.hpp"
#include "router/template/template_loader.hpp"
#include "tests/unit/peak_memory.hpp"
#include "tests/unit/source_file.hpp"

using namespace vpclab;

namespace {

std::string load_error_here(const std::string& text, const std::map<std::string, std::string>& parameters) {
    cfn::LoadOptions o;
    o.file_name = "lab.yaml";
    o.stack_name = "bounds";
    o.parameters = parameters;
    try {
        cfn::load_template(text, o);
    } catch (const cfn::TemplateError& e) {
        return e.what();
    }
    return "no error";
}

// The load's error ("no error" if none), in a child whose address space may grow by at most 2 GiB and whose
// peak memory must stay within a few MiB of the template's size (its text and parsed tree, what one
// resource's intrinsics build).
std::string load_error(const std::string& text, const std::map<std::string, std::string>& parameters = {}) {
    const test::Measured m = test::measure_peak_memory([&] { return load_error_here(text, parameters); }, std::size_t{2} << 30);
    if (m.peak_growth_kib >= 0) {
        CAPTURE(m.result);
        CAPTURE(text.size());
        CHECK_MESSAGE(m.peak_growth_kib * 1024 < static_cast<long>(4 * text.size()) + (8l << 20), "peak RSS growth " << m.peak_growth_kib << " KiB");
    }
    return m.result;
}

std::string repeat(const std::string& s, std::size_t n) {
    std::string out;
    out.reserve(s.size() * n);
    for (std::size_t i = 0; i < n; ++i) out += s;
    return out;
}

const std::string p4096(4096, 'p');  // a parameter value at CloudFormation's quota

// A VPC whose property Probe (line 10; vpclab ignores it, after evaluating it) is `probe`, with parameter P.
std::string vpc_probe(const std::string& probe, const std::string& p = p4096) {
    return "Parameters:\n"
           "  P:\n"
           "    Type: String\n"
           "    Default: \"" + p + "\"\n"
           "Resources:\n"
           "  V:\n"
           "    Type: AWS::EC2::VPC\n"
           "    Properties:\n"
           "      CidrBlock: 10.77.0.0/16\n"
           "      Probe: " + probe + "\n";
}
// An instance whose UserData (line 21) is `user_data`.
std::string instance_with_user_data(const std::string& user_data, const std::string& p = p4096) {
    return vpc_probe("x", p) +
           "  S:\n"
           "    Type: AWS::EC2::Subnet\n"
           "    Properties:\n"
           "      VpcId: !Ref V\n"
           "      CidrBlock: 10.77.0.0/24\n"
           "  I:\n"
           "    Type: AWS::EC2::Instance\n"
           "    Properties:\n"
           "      ImageId: ami-1\n"
           "      SubnetId: !Ref S\n"
           "      UserData: " + user_data + "\n";
}
std::string refs(std::size_t n) { return repeat("!Ref P, ", n); }

std::string at_probe(const std::string& message) { return "lab.yaml:10: resource V (AWS::EC2::VPC): property Probe: " + message; }
std::string at_user_data(const std::string& message) { return "lab.yaml:21: resource I (AWS::EC2::Instance): property UserData: " + message; }
const std::string string_bound = "; a string is at most 1 MiB (the template's own size limit)";
const std::string user_data_bound = "; UserData is at most 16 KiB before base64 (EC2's limit)";

}  // namespace

TEST_CASE("Fn::Sub builds at most 1 MiB: exactly that loads, one byte more is refused before it is built") {
    CHECK(load_error(vpc_probe("!Sub \"" + repeat("${P}", 256) + "\"")) == "no error");
    CHECK(load_error(vpc_probe("!Sub \"" + repeat("${P}", 256) + "x\"")) == at_probe("Fn::Sub would build a string of 1048577 bytes" + string_bound));
    // A variable of its own map counts each time it is used (and is evaluated once).
    CHECK(load_error(vpc_probe("!Sub [\"" + repeat("${A}", 256) + "\", {A: !Ref P}]")) == "no error");
    CHECK(load_error(vpc_probe("!Sub [\"" + repeat("${A}", 257) + "\", {A: !Ref P}]")) ==
          at_probe("Fn::Sub would build a string of 1052672 bytes" + string_bound));
}

TEST_CASE("Fn::Join builds at most 1 MiB, its length worked out before it is built") {
    CHECK(load_error(vpc_probe("!Join [\"\", [" + refs(256) + "]]")) == "no error");
    CHECK(load_error(vpc_probe("!Join [\"\", [" + refs(256) + "x]]")) == at_probe("Fn::Join would build a string of 1048577 bytes" + string_bound));
    // Delimiters count: 255 of them between 256 values.
    CHECK(load_error(vpc_probe("!Join [\"-\", [" + refs(256) + "]]")) == at_probe("Fn::Join would build a string of 1048831 bytes" + string_bound));
}

TEST_CASE("Fn::Base64 encodes at most what encodes to 1 MiB; in UserData, EC2's 16 KiB") {
    // 786,432 bytes encode to exactly 1 MiB; one more is refused where its argument is built.
    CHECK(load_error(vpc_probe("!Base64 {\"Fn::Join\": [\"\", [" + refs(192) + "]]}")) == "no error");
    CHECK(load_error(vpc_probe("!Base64 {\"Fn::Join\": [\"\", [" + refs(192) + "x]]}")) ==
          at_probe("Fn::Join would build a string of 786433 bytes; Fn::Base64 encodes at most 786432 bytes (1 MiB once encoded, the template's "
                   "own size limit)"));
    // UserData: 16,384 bytes before base64 load; 16,385 do not, whichever intrinsic builds them.
    CHECK(load_error(instance_with_user_data("!Base64 {\"Fn::Sub\": \"${P}${P}${P}${P}\"}")) == "no error");
    CHECK(load_error(instance_with_user_data("!Base64 {\"Fn::Sub\": \"${P}${P}${P}${P}x\"}")) ==
          at_user_data("Fn::Sub would build a string of 16385 bytes" + user_data_bound));
    CHECK(load_error(instance_with_user_data("!Base64 {\"Fn::Join\": [\"\", [" + refs(4) + "x]]}")) ==
          at_user_data("Fn::Join would build a string of 16385 bytes" + user_data_bound));
    // Base64 written out in the template is held to the same limit once decoded.
    CHECK(load_error(instance_with_user_data(instance::base64_encode(std::string(16384, 'a')))) == "no error");
    CHECK(load_error(instance_with_user_data(instance::base64_encode(std::string(16385, 'a')))) ==
          at_user_data("is 16385 bytes before base64; EC2 limits user data to 16384 bytes"));
}

TEST_CASE("a parameter value is at most 4,096 bytes (CloudFormation's quota), in the template or on the command line") {
    CHECK(load_error(vpc_probe("!Ref P", std::string(4096, 'a'))) == "no error");
    CHECK(load_error(vpc_probe("!Ref P", std::string(4097, 'a'))) ==
          "lab.yaml:2: parameter P: its value is 4097 bytes; a parameter value is at most 4096 bytes (CloudFormation's quota)");
    CHECK(load_error(vpc_probe("!Ref P"), {{"P", std::string(4096, 'b')}}) == "no error");
    CHECK(load_error(vpc_probe("!Ref P"), {{"P", std::string(4097, 'b')}}).find("its value is 4097 bytes") != std::string::npos);
}

TEST_CASE("the intrinsics of a template share one budget: each copy and each string counts, up to 8 MiB in all") {
    // Each Join builds 1 MiB from 256 copies of P: eight of them, over several resources, are past the budget.
    std::string text = vpc_probe("!Join [\"\", [" + refs(256) + "]]");
    for (int i = 0; i < 8; ++i)
        text += "  W" + std::to_string(i) + ":\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10." + std::to_string(i) +
                ".0.0/16\n      Probe: !Join [\"\", [" + refs(256) + "]]\n";
    const std::string error = load_error(text);
    CHECK_MESSAGE(error.find("would take what the template's intrinsic functions build past 8 MiB in all") != std::string::npos, error);
    CHECK_MESSAGE(error.find("resource W") != std::string::npos, error);  // not the first resource: the budget is shared
}

TEST_CASE("each intrinsic spends what it builds: at the budget it evaluates, one byte short it is refused") {
    const cfn::Node p_value = cfn::Node::make_scalar(p4096, 1);
    cfn::EvalContext ctx;
    ctx.file = "lab.yaml";
    ctx.resource = "R";
    ctx.region = "ap-northeast-2";
    ctx.ref = [&](const std::string& name) -> std::optional<cfn::Node> {
        if (name == "P") return p_value;
        return std::nullopt;
    };
    ctx.get_att = [&](const std::string&, const std::string&, int) { return p_value; };
    auto call = [](const std::string& fn, cfn::Node arg) {
        cfn::Node n;
        n.kind = cfn::Node::Kind::map;
        n.line = 7;
        n.entries.emplace_back(fn, std::move(arg));
        return n;
    };
    auto list = [](std::vector<cfn::Node> items) {
        cfn::Node n;
        n.kind = cfn::Node::Kind::list;
        n.items = std::move(items);
        return n;
    };
    auto scalar = [](const std::string& s) { return cfn::Node::make_scalar(s, 7); };
    cfn::Node azs;
    azs.kind = cfn::Node::Kind::list;
    for (const auto& az : cfn::availability_zones("ap-northeast-2")) azs.items.push_back(scalar(az));
    struct Case {
        const char* name;
        cfn::Node node;
        std::size_t cost;
    };
    const std::size_t copy_of_p = cfn::node_bytes(p_value);
    const Case cases[] = {
        {"Ref", call("Ref", scalar("P")), copy_of_p},
        {"Fn::GetAtt", call("Fn::GetAtt", scalar("R.Attribute")), copy_of_p},
        {"Fn::Select", call("Fn::Select", list({scalar("0"), list({scalar(p4096)})})), copy_of_p},
        {"Fn::GetAZs", call("Fn::GetAZs", scalar("")), cfn::node_bytes(azs)},
        {"Fn::Sub", call("Fn::Sub", scalar("${P}-${!Literal}")), 4096 + 1 + 10},
        {"Fn::Join", call("Fn::Join", list({scalar(","), list({scalar("a"), scalar("bc")})})), 4},
        {"Fn::Base64", call("Fn::Base64", scalar("abcd")), 8},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        std::size_t budget = c.cost;
        ctx.budget = &budget;
        CHECK_NOTHROW(cfn::evaluate(c.node, ctx, "Probe"));
        CHECK(budget == 0);
        budget = c.cost - 1;
        std::string error;
        try {
            cfn::evaluate(c.node, ctx, "Probe");
        } catch (const cfn::TemplateError& e) {
            error = e.what();
        }
        CHECK(error == "lab.yaml:7: resource R: property Probe: " + std::string(c.name) +
                           " would take what the template's intrinsic functions build past 8 MiB in all: the template builds too much "
                           "from too little (vpclab bounds what a template may make)");
    }
}

// ---- The inputs of ../shared/repro ("Found when probed again"), kept in tests/fuzz/regressions/template. ----

namespace {
std::string read_regression(const std::string& name) { return test::read_source("tests/fuzz/regressions/template/" + name); }
std::string replaced(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}
}  // namespace

TEST_CASE("regression: 2,000 and 100,000 ${P} of a 100 KB parameter are refused at once, in little memory") {
    // shared/repro: the 108 KB template peaked at 1 GB and 35 s; the 900 KB one asked for 50 GB.
    const std::string small = read_regression("template-sub-expansion-200MB-from-108KB.yaml");
    const std::string hundred_k(100000, 'B');
    // The 900 KB input is the same with a parameter five times longer and 100,000 ${P} (not checked in).
    const std::string large =
        replaced(replaced(small, hundred_k, repeat(hundred_k, 5)), repeat("${P}", 2000), repeat("${P}", 100000));
    REQUIRE(large.size() == 900481);
    for (const std::string* text : {&small, &large}) {
        const std::string error = load_error(*text);
        CHECK(error.find("lab.yaml:2: parameter P: its value is") == 0);
        CHECK(error.find("a parameter value is at most 4096 bytes (CloudFormation's quota)") != std::string::npos);
    }
    // The same expansions with the parameter at its quota: refused in UserData, at the Sub's line.
    for (const std::size_t count : {std::size_t{2000}, std::size_t{100000}}) {
        const std::string text = replaced(replaced(small, hundred_k, std::string(4096, 'B')), repeat("${P}", 2000), repeat("${P}", count));
        CHECK(load_error(text) == "lab.yaml:24: resource I1 (AWS::EC2::Instance): property UserData: Fn::Sub would build a string of 16402 bytes" +
                              user_data_bound);
    }
}

TEST_CASE("the fuzzer's seed of nested intrinsics loads, so that fuzzing starts inside the evaluator") {
    CHECK(load_error(test::read_source("tests/fuzz/corpus/template/intrinsics-nested.yaml")) == "no error");
}
