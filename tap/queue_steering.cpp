// Loading the interactive/bulk steering program with bpf(2) directly: eleven instructions need no libbpf.
#include "tap/queue_steering.hpp"

#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

namespace vpclab::tap {

namespace {
constexpr bpf_insn instruction(std::uint8_t code, std::uint8_t dst, std::uint8_t src, std::int16_t off, std::int32_t imm) {
    bpf_insn i{};
    i.code = code;
    i.dst_reg = dst & 0xf;
    i.src_reg = src & 0xf;
    i.off = off;
    i.imm = imm;
    return i;
}

int load() noexcept {
    // All of a datagram's fragments go to bulk, whatever their size: a small last fragment must not
    // overtake its first, which carries the ports its flow is judged by. LD_ABS reads relative to the
    // frame's start (the Ethernet header here) in network order, with the context in r6, and ends the
    // program returning 0 (bulk) if the frame is too short.
    // tun applies the result modulo the number of queues (drivers/net/tun.c, tun_ebpf_select_queue).
    const bpf_insn program[] = {
        instruction(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0),           // 0: r6 = skb
        instruction(BPF_LD | BPF_ABS | BPF_H, 0, 0, 0, 12),                             // 1: r0 = EtherType
        instruction(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_0, 0, 2, 0x0800),                // 2: not IPv4: to 5
        instruction(BPF_LD | BPF_ABS | BPF_H, 0, 0, 0, 14 + 6),                         // 3: r0 = flags, offset
        instruction(BPF_JMP | BPF_JSET | BPF_K, BPF_REG_0, 0, 4, 0x3fff),               // 4: MF or offset: to 9
        instruction(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_0, BPF_REG_6, offsetof(__sk_buff, len), 0),  // 5: r0 = length
        instruction(BPF_JMP | BPF_JGT | BPF_K, BPF_REG_0, 0, 2, static_cast<std::int32_t>(interactive_frame_limit)),  // 6: to 9
        instruction(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, static_cast<std::int32_t>(interactive_queue)),
        instruction(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
        instruction(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, static_cast<std::int32_t>(bulk_queue)),  // 9
        instruction(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
    };
    static const char license[] = "GPL";
    bpf_attr attr{};
    attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
    attr.insn_cnt = sizeof program / sizeof program[0];
    attr.insns = reinterpret_cast<std::uint64_t>(program);
    attr.license = reinterpret_cast<std::uint64_t>(license);
    const long fd = ::syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
    return fd < 0 ? -1 : static_cast<int>(fd);
}
}  // namespace

int interactive_steering_program() noexcept {
    static const int fd = load();  // kept for the process's life: each TAP holds its own reference
    return fd;
}

}  // namespace vpclab::tap
