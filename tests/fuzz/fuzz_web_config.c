/*
 * fuzz_web_config.c - web_config_load (the --web.config.file YAML: TLS
 * settings and basic-auth users) on an arbitrary file, and the GnuTLS
 * priority string built from what it accepted. The file sits alone in the
 * scratch directory, so cert_file/key_file/client_ca_file name nothing
 * readable: the TLS files' contents are GnuTLS's to parse, not ours. An
 * accepted config must keep the invariants the server relies on: every
 * user with a 60-character hash and, when TLS is on, versions in 10..13
 * and ordered. (Without cert_file and key_file the versions are not
 * checked, as in exporter-toolkit: "tls_server_config: {max_version:
 * TLS11}" serves plain HTTP; regress/web_config/tls-versions-without-cert.)
 */
#include "fuzz.h"
#include "web_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[300];
	struct web_config c;
	char err[512], prio[256];
	if (!path[0])
		snprintf(path, sizeof(path), "%s/web.yml", fuzz_scratch_dir());
	if (fuzz_write_at(AT_FDCWD, path, data, size))
		abort();
	if (web_config_load(path, &c, err, sizeof(err)))
		return 0; /* refused: c is released */
	if (c.tls && (c.min_version < 10 || c.max_version > 13 ||
		      c.min_version > c.max_version))
		abort();
	for (size_t i = 0; i < c.nusers; i++)
		if (!c.users[i].name || !c.users[i].hash || strlen(c.users[i].hash) != 60)
			abort();
	web_config_priorities(&c, prio, sizeof(prio));
	web_config_release(&c);
	return 0;
}
