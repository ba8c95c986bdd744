// Counts malloc/realloc/posix_memalign calls made by the calling thread while enabled.
// Loaded with LD_PRELOAD by Tests/TTSTests/AllocationTests.swift to prove that
// AudioStreamAnalyzer.feed allocates nothing per chunk.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stddef.h>

static __thread int enabled;
static atomic_long count;

void tts_alloc_enable(int on) { enabled = on; }
long tts_alloc_count(void) { return atomic_load(&count); }

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_memalign)(void **, size_t, size_t);

void *malloc(size_t n) {
    if (!real_malloc) real_malloc = dlsym(RTLD_NEXT, "malloc");
    if (enabled) atomic_fetch_add(&count, 1);
    return real_malloc(n);
}
void *calloc(size_t k, size_t n) {
    // dlsym may itself call calloc before real_calloc is known: serve that from a static buffer.
    static char early[256];
    if (!real_calloc) {
        static int resolving;
        if (resolving) return early;
        resolving = 1;
        real_calloc = dlsym(RTLD_NEXT, "calloc");
        resolving = 0;
    }
    if (enabled) atomic_fetch_add(&count, 1);
    return real_calloc(k, n);
}
void *realloc(void *p, size_t n) {
    if (!real_realloc) real_realloc = dlsym(RTLD_NEXT, "realloc");
    if (enabled) atomic_fetch_add(&count, 1);
    return real_realloc(p, n);
}
int posix_memalign(void **p, size_t a, size_t n) {
    if (!real_memalign) real_memalign = dlsym(RTLD_NEXT, "posix_memalign");
    if (enabled) atomic_fetch_add(&count, 1);
    return real_memalign(p, a, n);
}
