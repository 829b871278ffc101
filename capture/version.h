/* version.h - the product version, one place. */
#ifndef CTPROF_VERSION_H
#define CTPROF_VERSION_H
#define CTPROF_VERSION "0.1.0"
#endif
