/*
 * jemalloc_elf.c - per-file jemalloc resolution (see jemalloc_elf.h). Runs
 * in the isolated resolver process: an untrusted file may make libelf or
 * libdw crash or loop, and that must cost only the child.
 */
#include "jemalloc_elf.h"

#include <elf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <string.h>
#include <unistd.h>

#include "jemalloc_debuginfo.h"

uint16_t jm_native_machine(void)
{
#if defined(__x86_64__)
	return EM_X86_64;
#elif defined(__aarch64__)
	return EM_AARCH64;
#else
	return EM_NONE;
#endif
}

/* The relocation through which a shared object's TLS is reached statically. */
static uint32_t tpoff_reloc_type(uint16_t machine)
{
	return machine == EM_AARCH64 ? R_AARCH64_TLS_TPREL : R_X86_64_TPOFF64;
}

bool jm_is_tsd_symbol(const char *name)
{
	static const char suffix[] = "_tsd_tls";
	size_t n = strlen(name), s = sizeof(suffix) - 1;
	return !strcmp(name, "tsd_tls") || (n > s && !strcmp(name + n - s, suffix));
}

static bool is_mallctl(const char *name)
{
	static const char suffix[] = "_mallctl";
	size_t n = strlen(name), s = sizeof(suffix) - 1;
	return !strcmp(name, "mallctl") || (n > s && !strcmp(name + n - s, suffix));
}

/* The data of the next section after *scn of the given type, or NULL. */
static Elf_Data *next_table(Elf *elf, Elf_Scn **scn, Elf64_Word type, GElf_Shdr *sh)
{
	while ((*scn = elf_nextscn(elf, *scn))) {
		Elf_Data *data;
		if (gelf_getshdr(*scn, sh) && sh->sh_type == type && sh->sh_entsize &&
		    (data = elf_getdata(*scn, NULL)))
			return data;
	}
	return NULL;
}

/* First defined symbol of section type `type` that match() accepts. */
static bool find_symbol(Elf *elf, Elf64_Word type, bool (*match)(const char *),
			GElf_Sym *out)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	Elf_Data *data;
	while ((data = next_table(elf, &scn, type, &sh))) {
		size_t n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 1; i < n; i++) {
			const char *name;
			if (!gelf_getsym(data, (int)i, out) || out->st_shndx == SHN_UNDEF)
				continue;
			name = elf_strptr(elf, sh.sh_link, out->st_name);
			if (name && match(name))
				return true;
		}
	}
	return false;
}

static bool find_tsd_symbol(Elf *elf, GElf_Sym *sym)
{
	return find_symbol(elf, SHT_SYMTAB, jm_is_tsd_symbol, sym) ||
	       find_symbol(elf, SHT_DYNSYM, jm_is_tsd_symbol, sym);
}

/* PT_TLS into out; the executable PT_LOAD's bias too. false: no PT_TLS. */
static bool read_phdrs(Elf *elf, struct jm_file_info *out)
{
	size_t n;
	bool tls = false, bias = false;
	if (elf_getphdrnum(elf, &n))
		return false;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph))
			continue;
		if (ph.p_type == PT_TLS && !tls) {
			out->tls_memsz = ph.p_memsz;
			out->tls_align = ph.p_align;
			out->tls_vaddr = ph.p_vaddr;
			tls = true;
		} else if (ph.p_type == PT_LOAD && (ph.p_flags & PF_X) && !bias) {
			out->exec_bias = ph.p_vaddr - ph.p_offset;
			bias = true;
		}
	}
	return tls;
}

/* The symbol value of entry idx of the symbol table in section link. */
static bool reloc_symbol_value(Elf *elf, size_t link, size_t idx, uint64_t *value)
{
	GElf_Sym sym;
	Elf_Data *data;
	Elf_Scn *scn = elf_getscn(elf, link);
	if (!idx) {
		*value = 0;
		return true;
	}
	if (!scn || !(data = elf_getdata(scn, NULL)) || !gelf_getsym(data, (int)idx, &sym))
		return false;
	*value = sym.st_value;
	return true;
}

/* The first TPOFF relocation: its GOT slot and the block offset it targets. */
static bool find_tpoff_slot(Elf *elf, uint16_t machine, struct jm_file_info *out)
{
	uint32_t want = tpoff_reloc_type(machine);
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	Elf_Data *data;
	while ((data = next_table(elf, &scn, SHT_RELA, &sh))) {
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Rela r;
			uint64_t value;
			if (!gelf_getrela(data, (int)i, &r) ||
			    GELF_R_TYPE(r.r_info) != want ||
			    !reloc_symbol_value(elf, sh.sh_link, GELF_R_SYM(r.r_info), &value))
				continue;
			out->got_slot = r.r_offset;
			out->got_target = value + (uint64_t)r.r_addend;
			return true;
		}
	}
	return false;
}

/* DWARF of one ELF: 0, -ENOENT (none, or no tsd_s), -EINVAL. */
static int dwarf_layout(Elf *elf, struct jm_layout *out)
{
	Dwarf *dw = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
	if (!dw)
		return -ENOENT;
	int rc = jm_layout_from_dwarf(dw, out);
	dwarf_end(dw);
	return rc;
}

/* The separate debug file: its DWARF, and the TSD symbol when ours is stripped. */
static int debugfile_layout(Elf *elf, const struct jm_resolve_req *req,
			    bool *have_sym, struct jm_file_info *out)
{
	struct jm_debugfile d = { -1, NULL };
	GElf_Sym sym;
	if (jm_debugfile_open(elf, req->root, req->ns_path, &d))
		return -ENOENT;
	int rc = dwarf_layout(d.elf, &out->layout);
	if (!rc && !*have_sym && find_symbol(d.elf, SHT_SYMTAB, jm_is_tsd_symbol, &sym)) {
		out->tsd_value = sym.st_value;
		*have_sym = true;
	}
	jm_debugfile_close(&d);
	return rc;
}

/*
 * The counters' layout: DWARF here, DWARF in the debug file, the table.
 * key_size is sizeof(tsd_s) as the symbol (or the lone TLS block) says.
 */
static enum jm_tag resolve_layout(Elf *elf, const struct jm_resolve_req *req,
				  bool have_sym, uint64_t key_size,
				  struct jm_file_info *out)
{
	int rc = dwarf_layout(elf, &out->layout);
	if (rc == -ENOENT)
		rc = debugfile_layout(elf, req, &have_sym, out);
	if (rc == -EINVAL)
		return JM_DWARF_PARSE_FAILURE;
	if (rc && !jm_layout_from_table(out->machine, key_size, &out->layout))
		return JM_LAYOUT_UNKNOWN;
	/* Without the symbol the TSD must be the whole block, at offset 0. */
	if (!have_sym && out->layout.tsd_size != out->tls_memsz)
		return JM_LAYOUT_UNKNOWN;
	return JM_OK;
}

static enum jm_tag resolve_elf(Elf *elf, const struct jm_resolve_req *req,
			       struct jm_file_info *out)
{
	GElf_Ehdr eh;
	GElf_Sym sym;
	if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh))
		return JM_NOT_FOUND;
	out->machine = eh.e_machine;
	bool have_sym = find_tsd_symbol(elf, &sym);
	bool tls = read_phdrs(elf, out);
	uint64_t key_size = have_sym ? sym.st_size : out->tls_memsz;
	if (!have_sym && (req->exe || !tls ||
			  !find_symbol(elf, SHT_DYNSYM, is_mallctl, &sym)))
		return JM_NOT_FOUND;
	if (have_sym)
		out->tsd_value = sym.st_value;
	if (eh.e_machine != jm_native_machine() ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64)
		return JM_ARCH_MISMATCH;
	if (!tls)
		return JM_DWARF_PARSE_FAILURE; /* a TLS symbol without a TLS segment */
	if (!req->exe && !find_tpoff_slot(elf, eh.e_machine, out))
		return JM_IN_DSO;
	return resolve_layout(elf, req, have_sym, key_size, out);
}

void jm_resolve_file(const struct jm_resolve_req *req, struct jm_file_info *out)
{
	memset(out, 0, sizeof(*out));
	out->exe = req->exe;
	out->tag = JM_NOT_FOUND;
	elf_version(EV_CURRENT);
	int fd = open(req->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (elf) {
		out->tag = resolve_elf(elf, req, out);
		elf_end(elf);
	}
	close(fd);
}
