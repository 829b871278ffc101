/*
 * jemalloc_layout.c - tsd_s member offsets from DWARF or the built-in
 * table (see jemalloc_layout.h).
 */
#include "jemalloc_layout.h"

#include <dwarf.h>
#include <elf.h>
#include <errno.h>
#include <string.h>

/*
 * Layouts of stripped builds, measured on this machine (docs:
 * jemalloc-probe.md section 2): jemalloc 5.3.0 with Debian's configure
 * flags on x86_64. The size is the key because a different tsd_s (another
 * release or configuration) almost always changes it.
 */
static const struct jm_layout_row {
	uint16_t machine;
	struct jm_layout layout;
} layout_table[] = {
	{ EM_X86_64, { .tsd_size = 2632, .off_allocated = 824, .off_deallocated = 840 } },
};

bool jm_layout_from_table(uint16_t machine, uint64_t tsd_size,
			  struct jm_layout *out)
{
	for (size_t i = 0; i < sizeof(layout_table) / sizeof(layout_table[0]); i++) {
		if (layout_table[i].machine == machine &&
		    layout_table[i].layout.tsd_size == tsd_size) {
			*out = layout_table[i].layout;
			return true;
		}
	}
	return false;
}

uint64_t jm_layout_span(const struct jm_layout *l)
{
	return l->off_deallocated + 8 - l->off_allocated;
}

bool jm_layout_valid(const struct jm_layout *l)
{
	return l->off_allocated < l->off_deallocated &&
	       l->off_deallocated - l->off_allocated <= JM_SPAN_MAX - 8;
}

/* DW_AT_data_member_location as a constant; expressions are refused. */
static int member_offset(Dwarf_Die *member, uint64_t *off)
{
	Dwarf_Attribute attr;
	Dwarf_Word w;
	if (!dwarf_attr(member, DW_AT_data_member_location, &attr))
		return -EINVAL;
	switch (dwarf_whatform(&attr)) {
	case DW_FORM_data1:
	case DW_FORM_data2:
	case DW_FORM_data4:
	case DW_FORM_data8:
	case DW_FORM_udata:
	case DW_FORM_sdata:
		break;
	default:
		return -EINVAL;
	}
	if (dwarf_formudata(&attr, &w))
		return -EINVAL;
	if (dwarf_whatform(&attr) == DW_FORM_sdata && (int64_t)w < 0)
		return -EINVAL;
	*off = w;
	return 0;
}

/* The two members of one struct tsd_s definition. */
static int struct_members(Dwarf_Die *s, struct jm_layout *out)
{
	Dwarf_Die m;
	bool have_a = false, have_d = false;
	if (dwarf_child(s, &m) != 0)
		return -ENOENT;
	do {
		const char *name = dwarf_tag(&m) == DW_TAG_member ? dwarf_diename(&m) : NULL;
		int rc = 0;
		if (!name)
			continue;
		if (!have_a && !strcmp(name, JM_MEMBER_ALLOCATED)) {
			rc = member_offset(&m, &out->off_allocated);
			have_a = !rc;
		} else if (!have_d && !strcmp(name, JM_MEMBER_DEALLOCATED)) {
			rc = member_offset(&m, &out->off_deallocated);
			have_d = !rc;
		}
		if (rc)
			return rc;
	} while (dwarf_siblingof(&m, &m) == 0);
	if (!have_a || !have_d)
		return -ENOENT;
	int size = dwarf_bytesize(s);
	out->tsd_size = size > 0 ? (uint64_t)size : 0;
	return jm_layout_valid(out) ? 0 : -EINVAL;
}

static bool is_tsd_struct(Dwarf_Die *d)
{
	const char *name;
	return dwarf_tag(d) == DW_TAG_structure_type && !dwarf_hasattr(d, DW_AT_declaration) &&
	       (name = dwarf_diename(d)) && !strcmp(name, "tsd_s");
}

/* tsd_s is a C file-scope type: a direct child of its unit's DIE. */
static int unit_layout(Dwarf_Die *unit, struct jm_layout *out)
{
	Dwarf_Die d;
	if (dwarf_child(unit, &d) != 0)
		return -ENOENT;
	do {
		if (!is_tsd_struct(&d))
			continue;
		int rc = struct_members(&d, out);
		if (rc != -ENOENT)
			return rc;
	} while (dwarf_siblingof(&d, &d) == 0);
	return -ENOENT;
}

int jm_layout_from_dwarf(Dwarf *dw, struct jm_layout *out)
{
	Dwarf_CU *cu = NULL;
	Dwarf_Die unit, sub;
	uint8_t unit_type;
	Dwarf_Half version;
	while (dwarf_get_units(dw, cu, &cu, &version, &unit_type, &unit, &sub) == 0) {
		int rc = unit_layout(&unit, out);
		if (rc != -ENOENT)
			return rc;
	}
	return -ENOENT;
}
