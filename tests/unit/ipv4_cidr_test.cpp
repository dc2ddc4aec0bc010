// Address and CIDR parsing: the forms AWS accepts and the errors it gives for the rest.
#include <doctest/doctest.h>

#include "routing/ipv4_cidr.hpp"

using namespace vpclab::routing;

TEST_CASE("ipv4 addresses") {
    CHECK(parse_ipv4("10.10.1.4") == 0x0a0a0104u);
    CHECK(parse_ipv4("0.0.0.0") == 0u);
    CHECK(parse_ipv4("255.255.255.255") == 0xffffffffu);
    for (const char* bad : {"", "10.10.1", "10.10.1.4.5", "256.0.0.1", "10.010.1.4", "10..1.4", "a.b.c.d", "10.10.1.4 ", "-1.0.0.0"})
        CHECK_MESSAGE(!parse_ipv4(bad), bad);
    CHECK(format_ipv4(0xc6130004) == "198.19.0.4");
}

TEST_CASE("cidr blocks") {
    auto c = Cidr::parse("10.10.0.0/16");
    REQUIRE(c);
    CHECK(c->contains(0x0a0aff01));
    CHECK(!c->contains(0x0a0b0000));
    CHECK(c->first() == 0x0a0a0000);
    CHECK(c->last() == 0x0a0affff);
    CHECK(c->size() == 65536);
    CHECK(c->contains(*Cidr::parse("10.10.1.0/24")));
    CHECK(!Cidr::parse("10.10.1.0/24")->contains(*c));
    CHECK(c->overlaps(*Cidr::parse("10.0.0.0/8")));
    CHECK(!c->overlaps(*Cidr::parse("10.11.0.0/16")));
    CHECK(Cidr::parse("0.0.0.0/0")->contains(0xffffffff));
    CHECK(c->to_string() == "10.10.0.0/16");
}

TEST_CASE("cidr errors say what is wrong") {
    std::string why;
    CHECK(!Cidr::parse("10.10.1.0/33", &why));
    CHECK(why.find("prefix length") != std::string::npos);
    CHECK(!Cidr::parse("10.10.1.5/24", &why));
    CHECK(why.find("did you mean 10.10.1.0/24") != std::string::npos);
    CHECK(!Cidr::parse("10.10.1.0", &why));
    CHECK(why.find("address/prefix-length") != std::string::npos);
    CHECK(!Cidr::parse("10.10.300.0/24", &why));
    CHECK(why.find("dotted-quad") != std::string::npos);
    CHECK(!Cidr::parse("10.10.1.0/", &why));
}
