// See process_image.h.
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <sys/mman.h>
#include <unistd.h>
#include "process_image.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

struct table { ElfW(Addr) rela, relasz, jmprel, pltrelsz; };

// glibc rewrites the pointers in a writable .dynamic to run-time addresses, and leaves a read-only one as
// link-time addresses: a value below the load base cannot be an address in a position-independent
// executable, so it is one to relocate.
static ElfW(Addr) run_time(const struct dl_phdr_info *info, ElfW(Addr) pointer) {
    return pointer < info->dlpi_addr ? info->dlpi_addr + pointer : pointer;
}

// The first object dl_iterate_phdr reports is the executable.
static int read_executable(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    struct table *t = data;
    for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
        if (info->dlpi_phdr[i].p_type != PT_DYNAMIC) continue;
        const ElfW(Dyn) *dyn = (const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
        for (; dyn->d_tag != DT_NULL; dyn++) {
            switch (dyn->d_tag) {
            case DT_RELA: t->rela = run_time(info, dyn->d_un.d_ptr); break;
            case DT_RELASZ: t->relasz = dyn->d_un.d_val; break;
            case DT_JMPREL: t->jmprel = run_time(info, dyn->d_un.d_ptr); break;
            case DT_PLTRELSZ: t->pltrelsz = dyn->d_un.d_val; break;
            }
        }
    }
    return 1;  // the executable only
}

static struct table executable_tables(void) {
    struct table t = {0};
    dl_iterate_phdr(read_executable, &t);
    return t;
}

static int whole_pages(ElfW(Addr) address, ElfW(Addr) size, unsigned long *start, unsigned long *end) {
    unsigned long page = (unsigned long)sysconf(_SC_PAGESIZE);
    if (address == 0 || size == 0) return 0;
    *start = (address + page - 1) & ~(page - 1);
    *end = (address + size) & ~(page - 1);
    return *end > *start;
}

int trustmend_relocation_table_pages(unsigned long *start, unsigned long *end) {
    struct table t = executable_tables();
    return whole_pages(t.rela, t.relasz, start, end);
}

long trustmend_release_relocation_tables(void) {
    struct table t = executable_tables();
    const ElfW(Addr) tables[2][2] = {{t.rela, t.relasz}, {t.jmprel, t.pltrelsz}};
    long released = 0;
    for (int i = 0; i < 2; i++) {
        unsigned long start, end;
        if (!whole_pages(tables[i][0], tables[i][1], &start, &end)) continue;
        if (madvise((void *)start, end - start, MADV_PAGEOUT) != 0) return -errno;
        released += (long)(end - start);
    }
    return released;
}
