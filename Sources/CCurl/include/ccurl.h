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

// epoll for the multi_socket_action loop. In C because struct epoll_event is packed on x86-64,
// which Swift's importer does not lay out reliably.
int ccurl_epoll_create(void);
// Watches `fd` for libcurl's CURL_POLL_* interest; `registered` says whether it is already in the set.
int ccurl_epoll_watch(int epfd, int fd, int what, int registered);
int ccurl_epoll_forget(int epfd, int fd);
// Waits up to timeout_ms; fills fds[i] and flags[i] (CURL_CSELECT_IN/OUT/ERR bits); returns the count.
int ccurl_epoll_wait(int epfd, int *fds, int *flags, int max, int timeout_ms);
// An eventfd in the epoll set, so another thread can wake the loop.
int ccurl_wakeup_create(int epfd);
void ccurl_wakeup_signal(int fd);
void ccurl_wakeup_drain(int fd);

#endif
