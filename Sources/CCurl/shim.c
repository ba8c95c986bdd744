#include "ccurl.h"
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <errno.h>
#include <poll.h>


CURLcode ccurl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode ccurl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode ccurl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode ccurl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode ccurl_easy_setopt_data_callback(CURL *handle, CURLoption option, ccurl_data_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}
CURLcode ccurl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
CURLcode ccurl_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}
CURLcode ccurl_easy_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}
CURLcode ccurl_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    return curl_easy_getinfo(handle, info, value);
}
CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

CURLMcode ccurl_multi_setopt_pointer(CURLM *multi, CURLMoption option, void *value) {
    return curl_multi_setopt(multi, option, value);
}
CURLMcode ccurl_multi_setopt_socket_callback(CURLM *multi, ccurl_socket_callback callback) {
    return curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, callback);
}
CURLMcode ccurl_multi_setopt_timer_callback(CURLM *multi, ccurl_timer_callback callback) {
    return curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, callback);
}

int ccurl_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

// ---- The engine's poller: every socket of a thread's multis in one epoll set. ----
//
// libcurl 7.88 asks to stop watching a socket when its transfer ends (the connection goes back to
// the cache) and to watch it again when the next transfer reuses it: an EPOLL_CTL_DEL and an
// EPOLL_CTL_ADD per request (1.95 epoll_ctl per request at 29k req/s, 7% of the client's CPU in
// perf). Here a socket libcurl stops watching stays registered for EPOLLIN ("parked"): an idle
// keep-alive connection is silent, so it costs nothing, and when the next transfer asks for IN
// again there is no system call. A parked socket that does turn readable (the server closed it,
// or sent something unasked) is taken out of the set then, once. The state per descriptor lives
// in one process-wide table (descriptors are process-wide): a socket libcurl closes goes through
// ccurl_close_socket (CURLOPT_CLOSESOCKETFUNCTION), which clears its entry, so a new socket that
// gets the same number never inherits a registration the kernel has already dropped.

// Entry bits: the events registered with epoll, whether libcurl currently watches the socket,
// and the shard (multi handle) that registered it, in the high bits.
#define PSTATE_IN 1u
#define PSTATE_OUT 2u
#define PSTATE_REGISTERED 4u
#define PSTATE_WATCHED 8u
#define PSTATE_SHARD_SHIFT 8

#define PTABLE_CHUNK 4096
#define PTABLE_CHUNKS 1024  // 4M descriptors
static _Atomic(uint64_t *) ptable[PTABLE_CHUNKS];

// The entry of `fd`: the low 32 bits are the bits above, the high 32 the epoll descriptor.
static _Atomic uint64_t *pentry(int fd) {
    if (fd < 0 || fd >= PTABLE_CHUNK * PTABLE_CHUNKS) return NULL;
    size_t chunk = (size_t)fd / PTABLE_CHUNK;
    uint64_t *base = atomic_load_explicit(&ptable[chunk], memory_order_acquire);
    if (!base) {
        uint64_t *fresh = calloc(PTABLE_CHUNK, sizeof(uint64_t));
        if (!fresh) return NULL;
        uint64_t *expected = NULL;
        if (atomic_compare_exchange_strong(&ptable[chunk], &expected, fresh)) {
            base = fresh;
        } else {
            free(fresh);
            base = expected;
        }
    }
    return (_Atomic uint64_t *)&base[(size_t)fd % PTABLE_CHUNK];
}

static uint64_t pack(uint32_t epfd, uint32_t bits) { return ((uint64_t)epfd << 32) | bits; }

// epoll_ctl calls the poller made on this thread, for the tests that keep the per-request count at zero.
static _Thread_local unsigned long pctlCalls;
unsigned long ccurl_poller_ctl_calls(void) { return pctlCalls; }

static int pctl(int epfd, int op, int fd, uint32_t events, uint32_t shard) {
    pctlCalls++;
    struct epoll_event ev = {0};
    ev.events = events;
    ev.data.u64 = ((uint64_t)shard << 32) | (uint32_t)fd;
    return epoll_ctl(epfd, op, fd, &ev);
}

int ccurl_poller_watch(int epfd, int fd, int what, uint32_t shard) {
    _Atomic uint64_t *slot = pentry(fd);
    if (!slot) return -1;
    uint64_t entry = atomic_load_explicit(slot, memory_order_acquire);
    uint32_t bits = (uint32_t)entry;
    // An entry of another epoll set is stale (that thread's socket was closed without our callback).
    if ((bits & PSTATE_REGISTERED) && (int)(entry >> 32) != epfd) bits = 0;
    uint32_t registeredShard = bits >> PSTATE_SHARD_SHIFT;
    int registered = (bits & PSTATE_REGISTERED) != 0;
    if (what == CURL_POLL_REMOVE) {
        if (!registered) { atomic_store_explicit(slot, 0, memory_order_release); return 0; }
        // Park: keep it registered, but never for OUT (an idle socket is always writable).
        if (bits & PSTATE_OUT) {
            if (pctl(epfd, EPOLL_CTL_MOD, fd, EPOLLIN, registeredShard) != 0) {
                pctl(epfd, EPOLL_CTL_DEL, fd, 0, 0);
                atomic_store_explicit(slot, 0, memory_order_release);
                return 0;
            }
        }
        bits = (bits & ~(PSTATE_OUT | PSTATE_WATCHED)) | PSTATE_IN;
        atomic_store_explicit(slot, pack((uint32_t)epfd, bits), memory_order_release);
        return 0;
    }
    uint32_t want = ((what & CURL_POLL_IN) ? PSTATE_IN : 0) | ((what & CURL_POLL_OUT) ? PSTATE_OUT : 0);
    uint32_t events = ((want & PSTATE_IN) ? EPOLLIN : 0) | ((want & PSTATE_OUT) ? EPOLLOUT : 0);
    if (registered && (bits & (PSTATE_IN | PSTATE_OUT)) == want && registeredShard == shard) {
        // Same interest as registered (a parked socket reused for the next request): no system call.
    } else if (registered) {
        if (pctl(epfd, EPOLL_CTL_MOD, fd, events, shard) != 0) {
            if (errno != ENOENT || pctl(epfd, EPOLL_CTL_ADD, fd, events, shard) != 0) return -1;
        }
    } else {
        if (pctl(epfd, EPOLL_CTL_ADD, fd, events, shard) != 0) {
            if (errno != EEXIST || pctl(epfd, EPOLL_CTL_MOD, fd, events, shard) != 0) return -1;
        }
    }
    bits = want | PSTATE_REGISTERED | PSTATE_WATCHED | (shard << PSTATE_SHARD_SHIFT);
    atomic_store_explicit(slot, pack((uint32_t)epfd, bits), memory_order_release);
    return 0;
}

int ccurl_poller_wait(int epfd, uint32_t *shards, int *fds, int *flags, int max, int timeout_ms) {
    struct epoll_event events[256];
    if (max > 256) max = 256;
    int n = epoll_wait(epfd, events, max, timeout_ms);
    int out = 0;
    for (int i = 0; i < n; i++) {
        int fd = (int)(uint32_t)events[i].data.u64;
        uint32_t shard = (uint32_t)(events[i].data.u64 >> 32);
        if (shard != CCURL_POLLER_WAKE) {
            _Atomic uint64_t *slot = pentry(fd);
            uint64_t entry = slot ? atomic_load_explicit(slot, memory_order_acquire) : 0;
            uint32_t bits = (uint32_t)entry;
            if ((bits & PSTATE_REGISTERED) && !(bits & PSTATE_WATCHED)) {
                // A parked socket turned readable: take it out of the set; libcurl will find the
                // connection dead (or not) when it next looks, and ask again if it wants it.
                pctl(epfd, EPOLL_CTL_DEL, fd, 0, 0);
                atomic_store_explicit(slot, 0, memory_order_release);
                continue;
            }
        }
        int f = 0;
        if (events[i].events & EPOLLIN) f |= CURL_CSELECT_IN;
        if (events[i].events & EPOLLOUT) f |= CURL_CSELECT_OUT;
        if (events[i].events & (EPOLLERR | EPOLLHUP)) f |= CURL_CSELECT_ERR;
        shards[out] = shard;
        fds[out] = fd;
        flags[out] = f;
        out++;
    }
    return out;
}

int ccurl_poller_wakeup_create(int epfd) {
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) return -1;
    pctl(epfd, EPOLL_CTL_ADD, fd, EPOLLIN, CCURL_POLLER_WAKE);
    return fd;
}

// ---- libcurl's zero-timeout readability checks, answered from the poller. ----
//
// libcurl 7.88 calls poll(fd, POLLIN, 0) twice per request on a reused connection: before reusing
// it ("is it dead?", lib/cf-socket.c) and right after sending the request (lib/transfer.c, when it
// runs without event bits). Both are optimistic checks where "nothing to read" is always a correct
// answer: the socket is in the poller's epoll set, which reports readability (data, FIN, error) on
// the loop's next wait, before libcurl acts on it. And a parked socket that turned readable has
// been taken out of the set by ccurl_poller_wait, so for it the real poll() runs and libcurl sees
// the close. So for a socket the poller holds, a single-descriptor, read-only, zero-timeout poll
// returns 0 without a system call (2 -> 0 poll calls per request, ~4% of the client's CPU at 30k
// req/s in perf). Everything else (other descriptors, POLLOUT, timeouts, several descriptors) goes
// to the C library. The executable's `poll` takes precedence over the C library's for libcurl
// (ELF symbol interposition; the symbol is exported because libcurl refers to it).
extern int __poll(struct pollfd *fds, nfds_t nfds, int timeout);

static int pheld(int fd) {
    if (fd < 0 || fd >= PTABLE_CHUNK * PTABLE_CHUNKS) return 0;
    uint64_t *base = atomic_load_explicit(&ptable[(size_t)fd / PTABLE_CHUNK], memory_order_acquire);
    if (!base) return 0;
    uint64_t entry = atomic_load_explicit((_Atomic uint64_t *)&base[(size_t)fd % PTABLE_CHUNK], memory_order_acquire);
    return ((uint32_t)entry & PSTATE_REGISTERED) != 0;
}

static _Thread_local unsigned long pollsAnswered;
unsigned long ccurl_poller_polls_answered(void) { return pollsAnswered; }

int poll(struct pollfd *fds, nfds_t nfds, int timeout) {
    if (nfds == 1 && timeout == 0 && !(fds[0].events & ~(POLLIN | POLLPRI | POLLRDNORM | POLLRDBAND)) && pheld(fds[0].fd)) {
        pollsAnswered++;
        fds[0].revents = 0;
        return 0;
    }
    return __poll(fds, nfds, timeout);
}

static int ccurl_close_socket(void *clientp, curl_socket_t fd) {
    (void)clientp;
    _Atomic uint64_t *slot = pentry(fd);
    // The kernel drops the epoll registration with the last descriptor; forget it before the
    // number can be handed out again.
    if (slot) atomic_store_explicit(slot, 0, memory_order_release);
    return close(fd);
}

CURLcode ccurl_easy_use_poller(CURL *handle) {
    return curl_easy_setopt(handle, CURLOPT_CLOSESOCKETFUNCTION, ccurl_close_socket);
}

void ccurl_wakeup_signal(int fd) {
    uint64_t one = 1;
    (void)!write(fd, &one, sizeof one);
}

void ccurl_wakeup_drain(int fd) {
    uint64_t value;
    (void)!read(fd, &value, sizeof value);
}
