// The aws CLI syntax vpclab reads and writes: the shorthand for structures, --query paths, --output text.
#include <doctest/doctest.h>

#include "router/cli/options.hpp"
#include "router/cli/query.hpp"
#include "router/cli/shorthand.hpp"

using namespace vpclab::router;
using ojson = nlohmann::ordered_json;

TEST_CASE("shorthand: pairs, lists, nested structures, escapes, a last key's comma list") {
    CHECK(parse_shorthand("Key=Name,Value=web").dump() == R"({"Key":"Name","Value":"web"})");
    CHECK(parse_shorthand("ResourceType=instance,Tags=[{Key=Name,Value=a},{Key=env,Value=lab}]").dump() ==
          R"({"ResourceType":"instance","Tags":[{"Key":"Name","Value":"a"},{"Key":"env","Value":"lab"}]})");
    CHECK(parse_shorthand("Name=vpc-id,Values=a,b,c").dump() == R"({"Name":"vpc-id","Values":["a","b","c"]})");
    CHECK(parse_shorthand(R"(Key=Name,Value=a\,b)").dump() == R"({"Key":"Name","Value":"a,b"})");
    CHECK(parse_shorthand("DeviceIndex=0,Groups=[sg-1,sg-2],Nested={A=1}").dump() ==
          R"({"DeviceIndex":"0","Groups":["sg-1","sg-2"],"Nested":{"A":"1"}})");
    CHECK(parse_shorthand("Value=").dump() == R"({"Value":""})");
    for (const std::string bad : {"", "Key", "=x", "Key=Name,Key=Other", "Tags=[{Key=a", "Tags=[a,b", "A=1}"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(parse_shorthand(bad), UsageError);
    }
    CHECK(parse_structures("--x", R"([{"Key":"a"},{"Key":"b"}])").size() == 2);
    CHECK(parse_structures("--x", R"({"Key":"a"})").size() == 1);
    CHECK_THROWS_AS(parse_structures("--x", "[1]"), UsageError);
    CHECK_THROWS_AS(parse_structures("--x", "{not json"), UsageError);
}

TEST_CASE("--query: fields, indexes, projections that nest, flattens that flatten") {
    const ojson doc = ojson::parse(R"({"Reservations":[{"Instances":[{"InstanceId":"i-1","State":{"Name":"running"}},{"InstanceId":"i-2"}]},
                                                        {"Instances":[{"InstanceId":"i-3"}]}],
                                       "Vpc":{"VpcId":"vpc-1"},"Empty":[]})");
    CHECK(apply_query(doc, "Vpc.VpcId") == "vpc-1");
    CHECK(apply_query(doc, "Reservations[0].Instances[1].InstanceId") == "i-2");
    CHECK(apply_query(doc, "Reservations[-1].Instances[0].InstanceId") == "i-3");
    CHECK(apply_query(doc, "Reservations[].Instances[].InstanceId").dump() == R"(["i-1","i-2","i-3"])");
    CHECK(apply_query(doc, "Reservations[*].Instances[*].InstanceId").dump() == R"([["i-1","i-2"],["i-3"]])");
    CHECK(apply_query(doc, "Reservations[].Instances[].State.Name").dump() == R"(["running"])");
    CHECK(apply_query(doc, "Vpc.Missing").is_null());
    CHECK(apply_query(doc, "Reservations[7]").is_null());
    CHECK(apply_query(doc, "Empty[]").dump() == "[]");
    // Multi-select, as aws CLI users write it.
    CHECK(apply_query(doc, "Reservations[].Instances[].[InstanceId, State.Name]").dump() == R"([["i-1","running"],["i-2",null],["i-3",null]])");
    CHECK(apply_query(doc, "Reservations[0].Instances[].{Id: InstanceId, S: State.Name}").dump() ==
          R"([{"Id":"i-1","S":"running"},{"Id":"i-2","S":null}])");
    CHECK(apply_query(doc, "[Vpc.VpcId, Empty]").dump() == R"(["vpc-1",[]])");
    CHECK(text_output(apply_query(doc, "Reservations[].Instances[].[InstanceId,State.Name]")) == "i-1\trunning\ni-2\tNone\ni-3\tNone\n");
    for (const std::string bad : {"Reservations[?State]", "Vpc.{a}", "length(Vpc)", "Vpc.", "", "Reservations[99999999999]", "[a,b", "Vpc.[0]", "Reservations.[*]"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(apply_query(doc, bad), UsageError);
    }
}

TEST_CASE("--output text lays values out as the aws CLI does (awscli's text formatter)") {
    CHECK(text_output(ojson("vpc-1")) == "vpc-1\n");
    CHECK(text_output(ojson::parse(R"(["a","b"])")) == "a\tb\n");
    CHECK(text_output(ojson::parse(R"([["a","b"],["c"]])")) == "a\tb\nc\n");
    // Scalar members in key order, headed by the member name in capitals; nested members after, in key order.
    CHECK(text_output(ojson::parse(R"({"RouteTables":[{"RouteTableId":"rtb-1","VpcId":"vpc-1","OwnerId":"1",
                                         "Routes":[{"GatewayId":"local","DestinationCidrBlock":"10.0.0.0/16"}],"Associations":[]}]})")) ==
          "ROUTETABLES\t1\trtb-1\tvpc-1\nROUTES\t10.0.0.0/16\tlocal\n");
    // Objects of one list share the union of their scalar keys; a missing one prints empty.
    CHECK(text_output(ojson::parse(R"({"Items":[{"A":"1","B":"2"},{"B":"3"}]})")) == "ITEMS\t1\t2\nITEMS\t\t3\n");
    // A list of scalars inside an object: one headed line per item.
    CHECK(text_output(ojson::parse(R"({"Ids":["a","b"]})")) == "IDS\ta\nIDS\tb\n");
    CHECK(text_output(ojson::parse(R"({"Flag":true,"N":3,"None":null})")) == "True\t3\tNone\n");
}
