#ifndef FLOURISH_CSYSTEM_SHIM_H
#define FLOURISH_CSYSTEM_SHIM_H
/* Linux interfaces Glibc's Swift module leaves out: statfs (for the doctor's file-system check), epoll and eventfd for the HTTP server's
   event loop, TCP_NODELAY, mallopt for the server's heap arenas, and libcrypt (yescrypt) for
   password hashing. */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <netinet/tcp.h>
#include <crypt.h>
#include <malloc.h>
#include <sys/vfs.h>
#endif
