/*
 * landing.h - the HTML page at "/": name, version, links, the latest
 * capture's remediation hints and which sources this host has. Built from
 * the latest capture only; it never starts one.
 */
#ifndef CTPROF_LANDING_H
#define CTPROF_LANDING_H

#include "config.h"
#include "snapshot.h"
#include "strbuf.h"

int landing_page(struct strbuf *out, const struct exporter_config *cfg,
		 const struct ctprof_snapshot *latest);

#endif
