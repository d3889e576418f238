#pragma once

/// Asks the kernel to reclaim the pages of the executable's own relocation tables (DT_RELA, DT_JMPREL).
/// The dynamic linker reads them once, before main, to fill in addresses (the binary is position
/// independent and bound at start, -z now); nothing reads them again, yet they stay mapped and resident:
/// 1.4 MiB of the daemon's idle memory. madvise(MADV_PAGEOUT) (Linux 5.4) drops them; the mapping stays,
/// so a later read would only fault them back in. Only whole pages inside a table are given back, and
/// PAGEOUT never discards data, so nothing changes but residency.
/// Returns the bytes given back, 0 when there is nothing whole-page to give back, or -errno (EINVAL on a
/// kernel without MADV_PAGEOUT: the pages then simply stay).
long trustmend_release_relocation_tables(void);

/// The page-aligned range [*start, *end) of the executable's DT_RELA table that the call above gives
/// back (whole pages only); 0 when there is none. For tests.
int trustmend_relocation_table_pages(unsigned long *start, unsigned long *end);
