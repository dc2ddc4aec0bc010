// run_captured (router/lab/process_spawn.hpp), which the OVN backend runs ovn-nbctl, ovs-vsctl and ip with:
// output and status captured, a limit on what is kept, and a child that outlives its timeout killed.
#include <doctest/doctest.h>

#include "router/lab/process_spawn.hpp"

using namespace vpclab::router;
using namespace std::chrono_literals;

TEST_CASE("run_captured: stdout and stderr together, the exit status, a limit, a timeout") {
    const CapturedRun ok = run_captured("/bin/sh", {"sh", "-c", "echo out; echo err >&2; exit 3"}, 10s);
    CHECK(ok.status == 3);
    CHECK(ok.output == "out\nerr\n");

    const CapturedRun big = run_captured("/bin/sh", {"sh", "-c", "head -c 100000 /dev/zero"}, 10s, 1000);
    CHECK(big.status == 0);
    CHECK(big.output.size() == 1000);

    // A child that would run for a minute is killed at its timeout: status -1, what it said so far kept.
    const CapturedRun slow = run_captured("/bin/sh", {"sh", "-c", "echo started; exec sleep 60"}, 300ms);
    CHECK(slow.status == -1);
    CHECK(slow.output == "started\n");

    // A program that cannot be executed: the child's 127.
    CHECK(run_captured("/nonexistent/program", {"x"}, 10s).status == 127);
}
