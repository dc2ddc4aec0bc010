// The forwarding workers' hand-offs, also run under ThreadSanitizer (build-tsan/, scripts/test.sh): the
// data-path lock, the gate that parks a worker between batches while the control thread swaps what workers
// read, and the transmits a worker defers until it has released the lock.
#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "router/data_path/data_path_lock.hpp"
#include "router/data_path/deferred_transmits.hpp"
#include "router/data_path/pipeline.hpp"
#include "router/worker_gate.hpp"
#include "tests/unit/packet_builder.hpp"
#include "tests/unit/pipeline_lab.hpp"

using namespace vpclab;
using router::DataPathLock;
using router::DeferredTransmits;
using router::PausedWorker;
using router::WorkerGate;

TEST_CASE("the data-path lock: two threads' increments of one plain counter all land") {
    DataPathLock lock;
    std::uint64_t counter = 0;  // not atomic: only the lock orders the threads (ThreadSanitizer checks it)
    constexpr int each = 100000;
    auto work = [&] {
        for (int i = 0; i < each; ++i) {
            std::lock_guard held(lock);
            ++counter;
        }
    };
    std::thread a(work), b(work);
    a.join();
    b.join();
    CHECK(counter == 2 * each);
}

TEST_CASE("the worker gate: a paused worker sees only what the control thread left between pause and resume") {
    std::atomic<int> wakes{0};
    WorkerGate gate([&] { wakes.fetch_add(1, std::memory_order_relaxed); });
    // Plain data the control thread changes only while the worker is parked: an odd value would be caught
    // half-way through a change.
    long value = 0;
    long seen_odd = 0;
    std::atomic<long> batches{0};
    std::thread worker([&] {
        while (gate.checkpoint()) {
            if (value % 2 != 0) ++seen_odd;
            batches.fetch_add(1);
        }
    });
    while (batches.load() == 0) std::this_thread::yield();  // running before the first pause
    for (int round = 0; round < 2000; ++round) {
        PausedWorker paused(&gate);
        ++value;  // odd…
        {
            PausedWorker nested(&gate);  // nested pauses: the worker stays parked until the outer one ends
            ++value;
        }
        ++value;
        ++value;  // …even again before the resume
    }
    gate.stop();
    worker.join();
    CHECK(value == 8000);
    CHECK(seen_odd == 0);
    CHECK(wakes.load() >= 2000);  // each outermost pause woke the worker (nested ones did not)
    // After stop, a pause returns at once (the worker is gone) rather than waiting for ever.
    gate.pause();
    gate.resume();
}

TEST_CASE("the worker gate: stop ends a parked worker") {
    WorkerGate gate([] {});
    std::atomic<bool> ended{false};
    std::thread worker([&] {
        while (gate.checkpoint()) std::this_thread::yield();
        ended = true;
    });
    gate.pause();  // parked now
    CHECK(!ended.load());
    gate.stop();
    worker.join();
    CHECK(ended.load());
    gate.resume();
}

TEST_CASE("deferred transmits: the read slots are referenced, scratch copied, order kept, full refused") {
    DeferredTransmits deferred;
    std::vector<std::uint8_t> own(100, 0xaa), scratch(64, 0x01);
    CHECK(deferred.empty());
    REQUIRE(deferred.add(7, wire::ConstBytes(scratch.data(), 10), own));
    std::fill(scratch.begin(), scratch.end(), 0x02);  // the pipeline reuses its scratch slot after a transmit
    REQUIRE(deferred.add(8, wire::ConstBytes(own.data() + 4, 50), own));
    own[4] = 0xbb;  // the read buffer is not copied: the flush sends what it holds (the pipeline is done with it)
    REQUIRE(deferred.add(9, wire::ConstBytes(own.data(), 20), own));  // a second send from it is copied
    own[0] = 0xcc;
    std::vector<std::pair<routing::PortIndex, std::vector<std::uint8_t>>> out;
    deferred.flush([&](routing::PortIndex port, wire::ConstBytes f) { out.emplace_back(port, std::vector<std::uint8_t>(f.begin(), f.end())); });
    REQUIRE(out.size() == 3);
    CHECK(out[0] == std::pair<routing::PortIndex, std::vector<std::uint8_t>>{7, std::vector<std::uint8_t>(10, 0x01)});
    CHECK(out[1].first == 8);
    CHECK(out[1].second.size() == 50);
    CHECK(out[1].second[0] == 0xbb);
    CHECK(out[2].first == 9);
    CHECK(out[2].second[0] == 0xaa);
    CHECK(deferred.empty());
    // Room runs out by count, and by the arena's bytes: refused, nothing half-queued.
    for (std::size_t i = 0; i < DeferredTransmits::max_frames; ++i) REQUIRE(deferred.add(1, wire::ConstBytes(scratch.data(), 1), own));
    CHECK(!deferred.add(1, wire::ConstBytes(scratch.data(), 1), own));
    deferred.flush([](routing::PortIndex, wire::ConstBytes) {});
    std::vector<std::uint8_t> big(DeferredTransmits::arena_bytes / 2 + 1, 0x05);
    CHECK(deferred.add(2, big, own));
    CHECK(!deferred.add(3, big, own));
    std::size_t flushed = 0;
    deferred.flush([&](routing::PortIndex port, wire::ConstBytes f) { flushed += (port == 2 && f.size() == big.size()); });
    CHECK(flushed == 1);
    // A batch: each frame read into its own slot of one buffer, each slot's frame referenced once.
    std::vector<std::uint8_t> batch(300, 0);
    const wire::ConstBytes first(batch.data(), 100), second(batch.data() + 128, 100);
    REQUIRE(deferred.add(4, wire::ConstBytes(batch.data(), 60), first));
    REQUIRE(deferred.add(5, wire::ConstBytes(batch.data() + 128, 70), second));
    REQUIRE(deferred.add(6, wire::ConstBytes(batch.data() + 128, 10), second));  // that slot's second send: copied
    batch[0] = 0x11;
    batch[128] = 0x22;
    std::vector<std::pair<routing::PortIndex, std::uint8_t>> firsts;
    deferred.flush([&](routing::PortIndex port, wire::ConstBytes f) { firsts.emplace_back(port, f[0]); });
    CHECK(firsts == std::vector<std::pair<routing::PortIndex, std::uint8_t>>{{4, 0x11}, {5, 0x22}, {6, 0x00}});
}

TEST_CASE("two workers forward through shared connection tables while the control thread swaps the snapshot") {
    test::PipelineLab lab;
    DataPathLock lock;
    constexpr int per_batch = 16, commits = 50;
    // Echo requests both ways (ICMP is tracked: 512 identifiers each, so flows open and are found again, within
    // each ENI's share of the table).
    struct Worker {
        routing::PortIndex from, to;
        std::uint32_t source, destination;
        std::size_t sent = 0, delivered = 0, other = 0;
    };
    Worker workers[2] = {{lab.pub_host, lab.priv_host, test::PipelineLab::pub_ip, test::PipelineLab::priv_ip},
                         {lab.priv_host, lab.pub_host, test::PipelineLab::priv_ip, test::PipelineLab::pub_ip}};
    WorkerGate gates[2] = {WorkerGate([] {}), WorkerGate([] {})};
    std::atomic<int> batches{0}, committed{0};
    std::atomic<bool> finished[2] = {false, false};
    auto run = [&](int w) {
        Worker& me = workers[w];
        std::vector<std::uint8_t> scratch(router::pipeline_scratch_size);
        struct Counting final : router::FrameSink {
            Worker& me;
            explicit Counting(Worker& m) : me(m) {}
            void transmit(routing::PortIndex port, wire::ConstBytes) noexcept override { (port == me.to ? me.delivered : me.other)++; }
            void drop(routing::PortIndex, wire::ConstBytes, router::DropReason) noexcept override { me.other++; }
        } sink(me);
        // Batches until the control thread has made all its commits.
        while (gates[w].checkpoint() && committed.load() < commits) {
            const routing::ForwardingSnapshot& snapshot = *lab.snap;  // fixed for the batch
            for (int i = 0; i < per_batch; ++i, ++me.sent) {
                const auto id = static_cast<std::uint16_t>(me.sent % 512);
                auto frame = test::frame_of(lab.mac(me.from), test::build_packet({1, me.source, me.destination, id, 0}));
                std::lock_guard held(lock);
                router::process_frame(snapshot, me.from, frame, scratch, sink, lab.flows);
            }
            batches.fetch_add(1);
        }
        finished[w] = true;
        while (gates[w].checkpoint()) std::this_thread::yield();  // idle until stopped, as a worker waits for frames
    };
    std::thread a(run, 0), b(run, 1);
    // Commits, each after a couple of the workers' batches: with both parked, a new snapshot and the flows of
    // a port forgotten.
    for (int last = 0; committed.load() < commits;) {
        if (batches.load() < last + 2) {
            std::this_thread::yield();
            continue;
        }
        last = batches.load();
        PausedWorker pa(&gates[0]), pb(&gates[1]);
        lab.recompile();
        lab.flows.forget_port(lab.priv2_host);
        committed.fetch_add(1);
    }
    while (!finished[0] || !finished[1]) std::this_thread::yield();
    gates[0].stop();
    gates[1].stop();
    a.join();
    b.join();
    CHECK(workers[0].sent + workers[1].sent >= std::size_t{2 * commits * per_batch});  // two batches per commit
    for (const Worker& w : workers) {
        CHECK(w.delivered == w.sent);
        CHECK(w.other == 0);
    }
    CHECK(lab.flows.connections.table.size() > 0);
}

TEST_CASE("the flow tables' clock never goes back: a worker that read an earlier second leaves it") {
    router::FlowState flows(16, 16, 16, 16, 16);
    flows.advance_clock(100);
    CHECK(flows.now == 100);
    flows.advance_clock(101);  // the other worker, a second later
    flows.advance_clock(100);  // this one, with the second it read before waiting for the lock
    CHECK(flows.now == 101);
}
