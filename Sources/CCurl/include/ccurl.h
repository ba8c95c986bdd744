#ifndef TTSLOAD_CCURL_H
#define TTSLOAD_CCURL_H
// libcurl for Swift. curl_easy_setopt/getinfo are C variadics, which Swift cannot call, so these
// helpers give each argument type its own non-variadic function. Nothing else lives here.
#include <curl/curl.h>

CURLcode ccurl_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode ccurl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);
CURLcode ccurl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode ccurl_easy_setopt_string(CURL *handle, CURLoption option, const char *value);

typedef size_t (*ccurl_data_callback)(char *data, size_t size, size_t count, void *userdata);
CURLcode ccurl_easy_setopt_data_callback(CURL *handle, CURLoption option, ccurl_data_callback callback);

CURLcode ccurl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode ccurl_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value);
CURLcode ccurl_easy_getinfo_string(CURL *handle, CURLINFO info, char **value);
CURLcode ccurl_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value);

CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value);
CURLMcode ccurl_multi_setopt_pointer(CURLM *multi, CURLMoption option, void *value);

typedef int (*ccurl_socket_callback)(CURL *easy, curl_socket_t socket, int what, void *userp, void *socketp);
typedef int (*ccurl_timer_callback)(CURLM *multi, long timeout_ms, void *userp);
CURLMcode ccurl_multi_setopt_socket_callback(CURLM *multi, ccurl_socket_callback callback);
CURLMcode ccurl_multi_setopt_timer_callback(CURLM *multi, ccurl_timer_callback callback);

// epoll for the multi_socket_action loop, in C because struct epoll_event is packed on x86-64,
// which Swift's importer does not lay out reliably. The engine's poller (see shim.c): all sockets
// of one engine thread's multi handles in one epoll set, each tagged with its shard (multi handle);
// sockets libcurl stops watching stay registered ("parked"), so a reused connection costs no epoll_ctl.
#include <stdint.h>
#define CCURL_POLLER_WAKE 0xFFFFFFFFu
int ccurl_epoll_create(void);
// Applies libcurl's CURL_POLL_* interest for `fd` of multi `shard`; 0 on success.
int ccurl_poller_watch(int epfd, int fd, int what, uint32_t shard);
// Waits up to timeout_ms; fills shards[i] (CCURL_POLLER_WAKE for the wake-up descriptor), fds[i]
// and flags[i] (CURL_CSELECT_*); returns the count. Parked sockets that turned readable are
// dropped from the set here and not reported.
int ccurl_poller_wait(int epfd, uint32_t *shards, int *fds, int *flags, int max, int timeout_ms);
// An eventfd in the poller's set (reported with shard CCURL_POLLER_WAKE), so another thread can wake the loop.
int ccurl_poller_wakeup_create(int epfd);
void ccurl_wakeup_signal(int fd);
void ccurl_wakeup_drain(int fd);
// epoll_ctl calls the poller made so far on the calling thread, for tests.
unsigned long ccurl_poller_ctl_calls(void);
// Zero-timeout read checks on the poller's sockets the poller answered on the calling thread (see shim.c).
unsigned long ccurl_poller_polls_answered(void);
// Makes libcurl close this handle's sockets through the poller, which forgets them first.
CURLcode ccurl_easy_use_poller(CURL *handle);

#endif
