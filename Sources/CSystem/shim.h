#ifndef FLOURISH_CSYSTEM_SHIM_H
#define FLOURISH_CSYSTEM_SHIM_H
/* Linux interfaces Glibc's Swift module leaves out: statfs (for the doctor's file-system check), epoll and eventfd for the HTTP server's
   event loop, TCP_NODELAY, mallopt for the server's heap arenas, naming threads, and libcrypt (yescrypt) for
   password hashing; and SHA-256's rounds on the processor's SHA extensions (sha256_extensions.h). */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <netinet/tcp.h>
#include <crypt.h>
#include <malloc.h>
#include <sys/vfs.h>
#include <sys/prctl.h>
#include "sha256_extensions.h"

/// Names the calling thread as `top -H`, perf and /proc show it (at most 15 bytes are kept).
/// prctl is variadic, so Swift calls it through this.
static inline int flourish_name_this_thread(const char *name) {
    return prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}
#endif
