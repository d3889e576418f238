/* The floor for reading the journal (bench.py, "entries"): what any reader of the same journal directory
 * must do per entry at least — sd_journal_next with the matches trustmend adds, the MESSAGE field where it
 * lies, memmem for the needle. trustmend's cost per entry is measured against this loop.
 *
 *   cc -O2 -o journal_loop journal_loop.c $(pkg-config --cflags --libs libsystemd)
 *   journal_loop DIRECTORY NEEDLE [MATCH | + | AND]...
 *
 * MATCHes as sd_journal_add_match takes them ("_SYSTEMD_UNIT=containerd.service"), "+" for
 * sd_journal_add_disjunction, "AND" for sd_journal_add_conjunction. Prints the entries read and the
 * entries whose MESSAGE holds the needle. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-journal.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s DIRECTORY NEEDLE [MATCH | + | AND]...\n", argv[0]);
        return 2;
    }
    sd_journal *j;
    int r = sd_journal_open_directory(&j, argv[1], 0);
    if (r < 0) {
        fprintf(stderr, "%s: %s\n", argv[1], strerror(-r));
        return 1;
    }
    sd_journal_set_data_threshold(j, 65536); /* as trustmend does */
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "+") == 0) r = sd_journal_add_disjunction(j);
        else if (strcmp(argv[i], "AND") == 0) r = sd_journal_add_conjunction(j);
        else r = sd_journal_add_match(j, argv[i], 0);
        if (r < 0) {
            fprintf(stderr, "%s: %s\n", argv[i], strerror(-r));
            return 1;
        }
    }
    const char *needle = argv[2];
    size_t needle_length = strlen(needle);
    unsigned long entries = 0, hits = 0;
    while ((r = sd_journal_next(j)) > 0) {
        const void *data;
        size_t length;
        entries++;
        if (sd_journal_get_data(j, "MESSAGE", &data, &length) < 0 || length < 8) continue;
        if (memmem((const char *)data + 8, length - 8, needle, needle_length)) hits++;
    }
    if (r < 0) {
        fprintf(stderr, "sd_journal_next: %s\n", strerror(-r));
        return 1;
    }
    printf("%lu entries, %lu with the needle\n", entries, hits);
    sd_journal_close(j);
    return 0;
}
