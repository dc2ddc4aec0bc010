// Stack names and ledgers: the one name check every command and path goes through, which namespaces a
// stack may call its own, and the ledger's record/forget. (Removal itself is tested as root in
// tests/netns/hardening_test.sh.)
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "router/lab/stack_state.hpp"
#include "tap/network_namespace.hpp"

using namespace vpclab::router;

TEST_CASE("stack names: letters, digits and '-', starting with a letter, at most 64; never a path") {
    for (const char* ok : {"a", "lab-1", "Class2", "x234567890123456789012345678901234567890123456789012345678901234"})
        CHECK_MESSAGE(valid_stack_name(ok), ok);
    const std::vector<std::string> bad_names = {"", ".", "..", "../x", "/tmp/dir", "a/b", "1lab", "-a", "a b", "a.b", "a_b",
                                                std::string(65, 'a'), std::string("a\0b", 3)};
    for (const auto& bad : bad_names) {
        CAPTURE(bad);
        CHECK_FALSE(valid_stack_name(bad));
        CHECK_THROWS_AS(StackPaths::of(bad), InvalidStackName);
        CHECK_FALSE(stack_exists(bad));
        CHECK(live_router_pid(bad) == 0);
        CHECK(remove_stack_leftovers(bad).empty());  // refuses quietly, touches nothing
    }
    std::string why;
    CHECK_FALSE(valid_stack_name("../x", &why));
    CHECK(why == "stack name '../x' must start with a letter");
    CHECK(StackPaths::of("lab-1").dir == "/run/vpclab/lab-1");
}

TEST_CASE("a stack owns only namespaces named after it that can be files") {
    CHECK(is_stack_namespace("lab", "lab-web"));
    CHECK(is_stack_namespace("lab", "lab-region"));
    CHECK_FALSE(is_stack_namespace("lab", "lab-"));
    CHECK_FALSE(is_stack_namespace("lab", "lab"));
    CHECK_FALSE(is_stack_namespace("lab", "other-web"));
    CHECK_FALSE(is_stack_namespace("lab", "lab-../x"));
    CHECK_FALSE(is_stack_namespace("lab", "lab-" + std::string(300, 'n')));
    CHECK_FALSE(is_stack_namespace("../lab", "../lab-web"));
    CHECK(vpclab::tap::valid_netns_name(std::string(255, 'n')));
    CHECK_FALSE(vpclab::tap::valid_netns_name(std::string(256, 'n')));
    for (const char* bad : {"", ".", "..", "a/b"}) CHECK_FALSE(vpclab::tap::valid_netns_name(bad));
}

TEST_CASE("the ledger records, lists and forgets namespaces") {
    const auto file = std::filesystem::temp_directory_path() / ("vpclab-ledger-test-" + std::to_string(::getpid()));
    std::filesystem::remove(file);
    Ledger ledger(file);
    CHECK(ledger.namespaces().empty());
    ledger.record_namespace("lab-a");
    ledger.record_namespace("lab-b");
    ledger.record_namespace("lab-c");
    std::ofstream(file, std::ios::app) << "garbage\nnetns lab-with space\n";
    CHECK(ledger.namespaces() == std::vector<std::string>{"lab-a", "lab-b", "lab-c", "lab-with space"});
    ledger.forget_namespace("lab-b");
    CHECK(ledger.namespaces() == std::vector<std::string>{"lab-a", "lab-c", "lab-with space"});
    std::filesystem::remove(file);
}
