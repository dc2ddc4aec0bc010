// The steering program of a two-queue TAP: small frames to the interactive queue, the rest to bulk.
#pragma once

namespace vpclab::tap {

// Frames (Ethernet header included) at most this long go to the interactive queue: a ping, a pure TCP
// ACK, an ssh keystroke, a DNS query. Larger ones (a bulk stream's 64 KiB GSO frames) go to bulk. A
// flow's small segment may so overtake its large ones still queued; TCP takes such reordering in its
// stride (RACK, RFC 8985), and it happens only while bulk is queued, which is when it pays.
inline constexpr unsigned interactive_frame_limit = 256;
inline constexpr unsigned bulk_queue = 0;
inline constexpr unsigned interactive_queue = 1;

// A BPF socket-filter program for TUNSETSTEERINGEBPF that returns interactive_queue for frames up to
// interactive_frame_limit bytes that are not IPv4 fragments, and bulk_queue for the others; loaded once
// per process. -1 where the kernel refuses it (no BPF): TAPs then stay single-queue.
int interactive_steering_program() noexcept;

}  // namespace vpclab::tap
