// Form-encoded request bodies (router/aws_api/form_fields.hpp): botocore's encoding decodes to its fields,
// fields survive encoding and decoding, and malformed bodies are refused, naming the problem.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "router/aws_api/form_fields.hpp"

using namespace vpclab::aws_api;

TEST_CASE("botocore's EC2 body decodes to its fields, in order") {
    std::vector<FormField> fields;
    std::string error;
    // From botocore 1.29.27's EC2Serializer: describe-vpcs --filters Name=tag:Name,Values='a b' --vpc-ids vpc-1
    REQUIRE(decode_form("Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=tag%3AName&Filter.1.Value.1=a+b&VpcId.1=vpc-1", fields, error));
    CHECK(fields == std::vector<FormField>{{"Action", "DescribeVpcs"},
                                           {"Version", "2016-11-15"},
                                           {"Filter.1.Name", "tag:Name"},
                                           {"Filter.1.Value.1", "a b"},
                                           {"VpcId.1", "vpc-1"}});
    // Query protocol: an empty list is sent as a bare name with an empty value ("Tags.member=" style).
    REQUIRE(decode_form("Action=DescribeLoadBalancers&Version=2015-12-01&Names=&x", fields, error));
    CHECK(fields == std::vector<FormField>{{"Action", "DescribeLoadBalancers"}, {"Version", "2015-12-01"}, {"Names", ""}, {"x", ""}});
    REQUIRE(decode_form("", fields, error));
    CHECK(fields.empty());
}

TEST_CASE("any fields survive encoding and decoding (random names and values, every byte)") {
    std::mt19937 rng(26);
    for (int round = 0; round < 2000; ++round) {
        std::vector<FormField> fields(1 + rng() % 8);
        for (auto& field : fields) {
            field.name.resize(1 + rng() % 12);
            field.value.resize(rng() % 20);
            for (char& c : field.name) c = static_cast<char>(rng());
            for (char& c : field.value) c = static_cast<char>(rng());
        }
        std::vector<FormField> back;
        std::string error;
        const std::string body = encode_form(fields);
        REQUIRE_MESSAGE(decode_form(body, back, error), error);
        CHECK(back == fields);
        CHECK(body.find(' ') == std::string::npos);  // what travels is plain ASCII without spaces
    }
}

TEST_CASE("malformed bodies are refused, naming what is wrong") {
    std::vector<FormField> fields;
    std::string error;
    CHECK_FALSE(decode_form("Action=Describe%ZZ", fields, error));
    CHECK(error == "malformed percent-encoding at '%ZZ'");
    CHECK_FALSE(decode_form("Action=ab%4", fields, error));
    CHECK(error == "malformed percent-encoding at '%4'");
    CHECK_FALSE(decode_form("=value", fields, error));
    CHECK(error == "a form field with no name ('=value')");
    std::string many;
    for (std::size_t i = 0; i <= max_form_fields; ++i) many += "a=1&";
    CHECK_FALSE(decode_form(many, fields, error));
    CHECK(error == "more than 10000 form fields");
    many.resize(many.size() - 4);  // exactly the limit: accepted
    CHECK(decode_form(many, fields, error));
    CHECK(fields.size() == max_form_fields);
}
