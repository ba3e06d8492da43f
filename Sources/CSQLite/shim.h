#ifndef FLOURISH_CSQLITE_SHIM_H
#define FLOURISH_CSQLITE_SHIM_H
#include <sqlite3.h>
#endif
