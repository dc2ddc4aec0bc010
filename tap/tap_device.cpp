// Opening TAP devices: IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, vnet header size, TUNSETOFFLOAD with fallbacks.
#include "tap/tap_device.hpp"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>

#include <cstring>
#include <thread>

#include "tap/queue_steering.hpp"
#include "tap/system_error.hpp"
#include "wire/vnet_header.hpp"

// UDP segmentation offload for TAP arrived in Linux 6.2; Debian 12's uapi headers predate it.
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif

namespace vpclab::tap {

namespace {
UniqueFd open_queue(const std::string& name, short flags) {
    UniqueFd fd(::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (!fd) throw_errno("open /dev/net/tun");
    ifreq ifr{};
    ifr.ifr_flags = flags;
    std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
    if (::ioctl(fd.get(), TUNSETIFF, &ifr) < 0) throw_errno("TUNSETIFF " + name);
    return fd;
}
}  // namespace

TapDevice TapDevice::create(const std::string& name) {
    if (name.empty() || name.size() >= IFNAMSIZ) throw std::invalid_argument("TAP name '" + name + "' must be 1-15 characters");
    const int steering = interactive_steering_program();
    const short flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | (steering >= 0 ? IFF_MULTI_QUEUE : 0);
    TapDevice dev;
    dev.fd_ = open_queue(name, flags);
    if (steering >= 0) {
        // The second queue attaches to the same device (same name and flags); the program picks the
        // queue of each frame the instance sends (tun_select_queue), in place of tun's flow hash.
        dev.interactive_fd_ = open_queue(name, flags);
        int program = steering;
        // A kernel without steering programs (before 4.16): one queue, as without BPF.
        if (::ioctl(dev.fd_.get(), TUNSETSTEERINGEBPF, &program) < 0) dev.interactive_fd_.reset();
    }
    const int fd = dev.fd_.get();
    int header_size = static_cast<int>(wire::VnetHeader::length);
    if (::ioctl(fd, TUNSETVNETHDRSZ, &header_size) < 0) throw_errno("TUNSETVNETHDRSZ " + name);

    // Ask for the most the kernel knows; older kernels reject unknown bits with EINVAL, so step down.
    const unsigned wanted[] = {TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN | TUN_F_USO4 | TUN_F_USO6,
                               TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN, TUN_F_CSUM, 0};
    for (unsigned offloads : wanted) {
        if (::ioctl(fd, TUNSETOFFLOAD, offloads) == 0) {
            dev.offloads_ = offloads;
            break;
        }
        if (errno != EINVAL) throw_errno("TUNSETOFFLOAD " + name);
    }
    dev.name_ = name;
    return dev;
}

bool TapDevice::interface_gone() const {
    if (!fd_) return true;
    ifreq ifr{};
    // TUNGETIFF fails with EBADFD once the device detached from this file (drivers/net/tun.c, __tun_chr_ioctl).
    return ::ioctl(fd_.get(), TUNGETIFF, &ifr) != 0 && errno == EBADFD;
}

void close_after_namespaces(std::vector<TapDevice>& taps, std::chrono::milliseconds patience) {
    const auto deadline = std::chrono::steady_clock::now() + patience;
    for (;;) {
        bool all_gone = true;
        for (const auto& tap : taps) all_gone = all_gone && tap.interface_gone();
        if (all_gone || std::chrono::steady_clock::now() >= deadline) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    taps.clear();
}

void TapDevice::set_carrier(bool on) const { set_tap_carrier(fd_.get(), on); }

void set_tap_carrier(int fd, bool on) {
    int carrier = on ? 1 : 0;
    if (::ioctl(fd, TUNSETCARRIER, &carrier) != 0) throw_errno("TUNSETCARRIER");
}

}  // namespace vpclab::tap
