/*
 * expo.h - the exposition writer: Prometheus text 0.0.4 and OpenMetrics
 * 1.0 from one set of calls.
 *
 * Owns family headers (HELP/TYPE, and UNIT plus the _total-less family name
 * and the info type in OpenMetrics), sample lines, label escaping with
 * invalid UTF-8 replaced, and number formatting without printf.
 */
#ifndef CTPROF_EXPO_H
#define CTPROF_EXPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

enum expo_format {
	EXPO_PROMETHEUS,
	EXPO_OPENMETRICS,
};

enum expo_type {
	EXPO_COUNTER,
	EXPO_GAUGE,
	EXPO_INFO,     /* OpenMetrics info; a gauge in 0.0.4 */
};

#define EXPO_CONTENT_TYPE_PROMETHEUS "text/plain; version=0.0.4; charset=utf-8"
#define EXPO_CONTENT_TYPE_OPENMETRICS \
	"application/openmetrics-text; version=1.0.0; charset=utf-8"

struct expo_label {
	const char *name;
	const char *value;
};

/* out NULL: nothing is written, samples are only counted (series estimates). */
struct expo {
	struct strbuf *out;
	enum expo_format format;
	int error;      /* sticky -ENOMEM */
	size_t samples; /* sample lines so far */
};

/*
 * Start a family. name is the sample name (with _total for a counter, with
 * _info for an info metric); unit is "" or the base unit the name ends in.
 */
void expo_family(struct expo *e, const char *name, enum expo_type type,
		 const char *unit, const char *help);
/* One sample; value is preformatted text (see expo_fmt_*). */
void expo_sample(struct expo *e, const char *name, const struct expo_label *labels,
		 size_t nlabels, const char *value);
/* OpenMetrics "# EOF"; nothing in 0.0.4. Returns the sticky error. */
int expo_finish(struct expo *e);

/* Value text into buf (at least EXPO_VALUE_MAX bytes). */
#define EXPO_VALUE_MAX 64
const char *expo_fmt_u64(char *buf, uint64_t v);
const char *expo_fmt_i64(char *buf, int64_t v);
/* num / den exactly as a decimal (den a power of ten up to 1e9, or any). */
const char *expo_fmt_ratio(char *buf, unsigned __int128 num, uint64_t den);

/* Append s as valid UTF-8 (bad bytes -> U+FFFD). 0 / -ENOMEM. */
int utf8_sanitize(const char *s, struct strbuf *out);

#endif
