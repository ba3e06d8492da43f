#ifndef FLOURISH_CSQLITE_SHIM_H
#define FLOURISH_CSQLITE_SHIM_H
#include <sqlite3.h>

/// Turns off SQLite's count of the memory it holds (SQLITE_CONFIG_MEMSTATUS). With it on,
/// every allocation SQLite makes takes one process-wide mutex, which readers and the writer
/// on different threads then queue for. Nothing here reads the count. sqlite3_config is
/// variadic, so Swift calls it through this. Must run before SQLite initializes; afterwards
/// it changes nothing and returns SQLITE_MISUSE.
static inline int flourish_sqlite3_stop_counting_memory(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/// Whether SQLite counts the memory it holds: sqlite3_status64 reports a high-water mark of
/// zero when it does not.
static inline int flourish_sqlite3_counts_memory(void) {
    sqlite3_int64 current = 0, highest = 0;
    sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &current, &highest, 0);
    return highest > 0;
}
#endif
